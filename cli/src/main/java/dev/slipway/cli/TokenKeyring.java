package dev.slipway.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The operating system's keyring holding API tokens per server, so a token need not sit in a file: the Secret
 * Service on Linux (through {@code secret-tool}), the login keychain on macOS (through {@code security}). The
 * token goes to and from those tools on stdin and stdout, never on their command line.
 */
interface TokenKeyring {

    /** The keyring as messages name it, e.g. "the Secret Service keyring (secret-tool)". */
    String name();

    /**
     * The token stored for {@code server}, if any.
     *
     * @throws KeyringException when the keyring cannot be asked (no session bus, locked, timed out)
     */
    Optional<String> lookup(String server) throws KeyringException;

    /** Stores (or replaces) the token for {@code server}. */
    void store(String server, String token) throws KeyringException;

    /** The keyring of this system, when its command-line tool is installed (found on the context's PATH). */
    static Optional<TokenKeyring> ofSystem(CliContext context) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            return CommandKeyring.find(context, "security").map(exe -> CommandKeyring.macKeychain(exe, context.env()));
        }
        if (os.contains("linux") || os.contains("bsd")) {
            return CommandKeyring.find(context, "secret-tool")
                    .map(exe -> CommandKeyring.secretService(exe, context.env()));
        }
        return Optional.empty();
    }

    /** The keyring could not be used; the message says why, as the tool reported it. */
    final class KeyringException extends Exception {
        private static final long serialVersionUID = 1L;

        KeyringException(String message) {
            super(message);
        }
    }

    /** A keyring driven through its command-line tool, with the CLI's own environment (session bus address). */
    final class CommandKeyring implements TokenKeyring {
        private static final String SERVICE = "slipway";
        private static final long TIMEOUT_SECONDS = 30;

        /** How each keyring's tool is asked: argv for a lookup, argv and stdin for a store, and "not found". */
        private interface Dialect {
            List<String> lookup(String server);

            List<String> store(String server);

            String storeInput(String server, String token) throws KeyringException;

            /** Whether a failed lookup only means there is no entry, rather than that the keyring failed. */
            boolean notFound(int exitCode, String err);
        }

        private final String name;
        private final Path executable;
        private final Map<String, String> env;
        private final Dialect dialect;

        private CommandKeyring(String name, Path executable, Map<String, String> env, Dialect dialect) {
            this.name = name;
            this.executable = executable;
            this.env = env;
            this.dialect = dialect;
        }

        /** The Secret Service (GNOME Keyring, KWallet) through libsecret's {@code secret-tool}. */
        static CommandKeyring secretService(Path executable, Map<String, String> env) {
            return new CommandKeyring("the Secret Service keyring (secret-tool)", executable, env, new Dialect() {
                @Override
                public List<String> lookup(String server) {
                    return List.of("lookup", "service", SERVICE, "server", server);
                }

                @Override
                public List<String> store(String server) {
                    return List.of(
                            "store", "--label=Slipway API token for " + server, "service", SERVICE, "server", server);
                }

                @Override
                public String storeInput(String server, String token) {
                    return token;
                }

                @Override
                public boolean notFound(int exitCode, String err) {
                    return exitCode == 1 && err.isBlank(); // a failure to reach the keyring also exits 1, saying why
                }
            });
        }

        /**
         * The macOS login keychain through {@code security}. Storing goes through its interactive mode, reading the
         * command from stdin, because {@code add-generic-password -w TOKEN} would put the token on argv.
         */
        static CommandKeyring macKeychain(Path executable, Map<String, String> env) {
            return new CommandKeyring("the macOS keychain (security)", executable, env, new Dialect() {
                @Override
                public List<String> lookup(String server) {
                    return List.of("find-generic-password", "-s", SERVICE, "-a", server, "-w");
                }

                @Override
                public List<String> store(String server) {
                    return List.of("-i");
                }

                @Override
                public String storeInput(String server, String token) throws KeyringException {
                    for (String value : List.of(server, token)) {
                        if (!value.matches("[\\x21-\\x7e&&[^\"\\\\]]+")) {
                            throw new KeyringException("the server URL or token has characters the keychain's"
                                    + " command mode cannot take (spaces, quotes or backslashes)");
                        }
                    }
                    return "add-generic-password -U -s " + SERVICE + " -a \"" + server + "\" -l \"Slipway API token\""
                            + " -w \"" + token + "\"\n";
                }

                @Override
                public boolean notFound(int exitCode, String err) {
                    return exitCode == 44; // errSecItemNotFound
                }
            });
        }

        /** The executable {@code name} on the context's PATH. */
        static Optional<Path> find(CliContext context, String name) {
            for (String dir : context.env().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    Path candidate = Path.of(dir, name);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return Optional.of(candidate);
                    }
                }
            }
            return Optional.empty();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Optional<String> lookup(String server) throws KeyringException {
            Run run = run(dialect.lookup(server), "");
            if (run.exitCode() == 0) {
                return Optional.of(run.out().strip()).filter(token -> !token.isEmpty());
            }
            if (dialect.notFound(run.exitCode(), run.err())) {
                return Optional.empty();
            }
            throw failure(run);
        }

        @Override
        public void store(String server, String token) throws KeyringException {
            Run run = run(dialect.store(server), dialect.storeInput(server, token));
            if (run.exitCode() != 0) {
                throw failure(run);
            }
            // The keychain's command mode can fail without failing the process; read it back to be sure.
            if (!lookup(server).map(token::equals).orElse(false)) {
                throw new KeyringException(
                        name + " did not keep the token" + (run.err().isBlank() ? "" : ": " + oneLine(run.err())));
            }
        }

        private KeyringException failure(Run run) {
            return new KeyringException(name + " failed (exit " + run.exitCode() + ")"
                    + (run.err().isBlank() ? "" : ": " + oneLine(run.err())));
        }

        private static String oneLine(String text) {
            return text.strip().replaceAll("\\s+", " ");
        }

        private record Run(int exitCode, String out, String err) {}

        private Run run(List<String> args, String input) throws KeyringException {
            List<String> command = new ArrayList<>();
            command.add(executable.toString());
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command);
            // The CLI's environment, not the JVM's: it carries the session bus address the keyring is reached on.
            builder.environment().clear();
            builder.environment().putAll(env);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new KeyringException(name + " cannot be started: " + e.getMessage());
            }
            try {
                CompletableFuture<String> out =
                        CompletableFuture.supplyAsync(() -> read(process.getInputStream()), CommandKeyring::daemon);
                CompletableFuture<String> err =
                        CompletableFuture.supplyAsync(() -> read(process.getErrorStream()), CommandKeyring::daemon);
                try (OutputStream stdin = process.getOutputStream()) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // The tool exited without reading its input; its exit code and stderr say why.
                }
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new KeyringException(name + " did not answer within " + TIMEOUT_SECONDS
                            + " s (is it locked and waiting for its password?)");
                }
                return new Run(process.exitValue(), out.get(), err.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeyringException(name + ": interrupted");
            } catch (ExecutionException e) {
                throw new KeyringException(
                        name + " could not be read: " + e.getCause().getMessage());
            } finally {
                process.destroyForcibly();
            }
        }

        /** Reads one of the tool's outputs on a thread of its own, so the timeout holds whatever the tool does. */
        private static void daemon(Runnable task) {
            Thread thread = new Thread(task, "keyring-output");
            thread.setDaemon(true);
            thread.start();
        }

        private static String read(InputStream in) {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
