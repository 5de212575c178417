package dev.slipway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.secrets.SecretStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway secret}: values stay out of argv, shell history and logs; only the store holds them. */
@Command(
        name = "secret",
        mixinStandardHelpOptions = true,
        description = "Stores app secrets encrypted at rest; deploy turns them into Kubernetes Secrets.",
        subcommands = {SecretCommand.Set.class, SecretCommand.ListNames.class, SecretCommand.Remove.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  printf %%s \"$DB_PASSWORD\" | slipway secret set acme-web DATABASE_PASSWORD",
            "  slipway secret set acme-web TLS_KEY --from-file tls.key",
            "  slipway secret list acme-web",
            "  slipway secret rm acme-web DATABASE_PASSWORD"
        })
final class SecretCommand implements Runnable {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code secret set}: the value comes from stdin or a file, never from the command line. */
    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = {
                "Stores a secret value for an app, from stdin or --from-file.",
                "",
                "On a terminal the value is prompted for without echo. There is deliberately no way to pass"
                        + " the value as an argument: argv is visible to every user of the machine and ends up in"
                        + " shell history.",
                "A single trailing newline is removed from stdin (so `echo value |` works); --from-file keeps"
                        + " the file's bytes exactly."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  printf %%s \"$DB_PASSWORD\" | slipway secret set acme-web DATABASE_PASSWORD",
                "  slipway secret set acme-web TLS_KEY --from-file tls.key"
            })
    static final class Set implements Callable<Integer> {
        @ParentCommand
        SecretCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
        String app;

        @Parameters(index = "1", paramLabel = "NAME", description = "Secret name (letters, digits, '_').")
        String name;

        @Option(names = "--from-file", paramLabel = "FILE", description = "Read the value from this file.")
        Path fromFile;

        @Mixin
        SecretStoreOptions storeOptions;

        @Override
        public Integer call() {
            CliContext context = parent.root.context();
            String value = fromFile != null ? readFile(context.resolve(fromFile)) : readStdin(context);
            SecretStore store = storeOptions.open(context);
            store.set(app, name, value);
            // The name is not echoed: terminal scrollback and CI logs are logs too.
            spec.commandLine()
                    .getOut()
                    .println("Stored the secret for app " + app + " (encrypted, "
                            + store.names(app).size() + " set).");
            return ExitCodes.OK;
        }

        private static String readFile(Path file) {
            try {
                return StdinSecret.decode(Files.readAllBytes(file), file.toString());
            } catch (NoSuchFileException e) {
                throw new InvalidInputException(new Problem(file.toString(), "the file does not exist", ""));
            } catch (IOException e) {
                throw new InvalidInputException(new Problem(
                        file.toString(),
                        "the file cannot be read (" + e.getClass().getSimpleName() + ")",
                        ""));
            }
        }

        private static String readStdin(CliContext context) {
            return StdinSecret.read(
                    context,
                    "Value (not shown): ",
                    new Problem(
                            "stdin",
                            "no secret value was given",
                            "pipe the value in (printf %s \"$VALUE\" | slipway secret set APP NAME) or use"
                                    + " --from-file"));
        }
    }

    /** {@code secret list}: names only, and only on the asker's stdout. */
    @Command(
            name = "list",
            aliases = "ls",
            mixinStandardHelpOptions = true,
            description = "Lists the names of an app's secrets (never the values).",
            footerHeading = "%nExamples:%n",
            footer = {"  slipway secret list acme-web", "  slipway secret list acme-web --output json"})
    static final class ListNames implements Callable<Integer> {
        @ParentCommand
        SecretCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
        String app;

        @Mixin
        OutputOptions output;

        @Mixin
        SecretStoreOptions storeOptions;

        @Override
        public Integer call() throws IOException {
            List<String> names = storeOptions.open(parent.root.context()).names(app);
            var out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectMapper json = new ObjectMapper();
                ObjectNode doc = json.createObjectNode();
                doc.put("app", app);
                names.forEach(doc.putArray("secrets")::add);
                out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            } else if (names.isEmpty()) {
                out.println("No secrets set for app " + app + ".");
            } else {
                names.forEach(out::println);
            }
            return ExitCodes.OK;
        }
    }

    /** {@code secret rm}. */
    @Command(
            name = "rm",
            aliases = "remove",
            mixinStandardHelpOptions = true,
            description = "Removes a secret of an app from the store. The next deploy removes it from"
                    + " the clusters' Secret.",
            footerHeading = "%nExamples:%n",
            footer = "  slipway secret rm acme-web DATABASE_PASSWORD")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        SecretCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
        String app;

        @Parameters(index = "1", paramLabel = "NAME", description = "Secret name.")
        String name;

        @Mixin
        SecretStoreOptions storeOptions;

        @Override
        public Integer call() {
            if (!storeOptions.open(parent.root.context()).remove(app, name)) {
                throw new InvalidInputException(new Problem(
                        "app " + app,
                        "no secret of that name is set",
                        "see what is set with `slipway secret list " + app + "`"));
            }
            spec.commandLine().getOut().println("Removed the secret from app " + app + ".");
            return ExitCodes.OK;
        }
    }
}
