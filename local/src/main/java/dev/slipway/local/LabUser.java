package dev.slipway.local;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The user a root server's local labs run as ({@code slipway server --lab-user}): their processes start through
 * util-linux {@code setpriv} with its uid, gid and groups, so a branch's code cannot read what only the server's
 * user may (the admin token, the database, the secrets key), nor signal the server. Root still signals the labs'
 * process groups to stop them.
 *
 * @param name the user's name, for messages
 * @param uid its user id (never 0)
 * @param gid its primary group id
 */
public record LabUser(String name, int uid, int gid) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\\$?");

    /**
     * The user {@code name}, checked before any lab starts: this process runs as root (only root may switch to
     * another uid), the user exists and is not root, and {@code setpriv} is installed.
     *
     * @param where the option that named it, for messages ({@code --lab-user})
     * @throws InvalidInputException saying which of these does not hold and what to do
     */
    public static LabUser resolve(String where, String name) {
        if (!NAME.matcher(name).matches()) {
            throw invalid(where, "'" + name + "' is not a user name", "name an existing user, e.g. slipwaylab");
        }
        int self = id(List.of("id", "-u"))
                .orElseThrow(() -> invalid(
                        where,
                        "cannot tell which user the server runs as (id -u failed)",
                        "check that coreutils' id is on the PATH"));
        if (self != 0) {
            throw invalid(
                    where,
                    "the server runs as uid " + self + ", not root, so it cannot start labs as another user",
                    "start the server as root to run labs as " + name + ", or leave --lab-user out (labs then run as"
                            + " the server's user)");
        }
        int uid = id(List.of("id", "-u", "--", name))
                .orElseThrow(() -> invalid(
                        where,
                        "there is no user '" + name + "' on this machine",
                        "create it (useradd --system --no-create-home " + name + ") or name an existing user"));
        if (uid == 0) {
            throw invalid(where, "'" + name + "' is root, so labs would run as root", "name an unprivileged user");
        }
        int gid = id(List.of("id", "-g", "--", name)).orElseThrow();
        if (run(List.of("setpriv", "--version")) != 0) {
            throw invalid(
                    where,
                    "setpriv, which starts labs as " + name + ", is not installed",
                    "install util-linux (apt-get install util-linux)");
        }
        return new LabUser(name, uid, gid);
    }

    /** What runs the command that follows it as this user, with its supplementary groups. */
    List<String> command() {
        return List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--");
    }

    /** Hands {@code path} to this user (its uid and primary group), e.g. a lab's private home. */
    public void own(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", gid);
    }

    /** Whether this user can enter {@code dir}: it may search every directory from {@code /} down to it. */
    public boolean canEnter(Path dir) {
        List<String> probe = new ArrayList<>(command());
        probe.addAll(List.of("test", "-x", dir.toAbsolutePath().toString()));
        return run(probe) == 0;
    }

    private static Optional<Integer> id(List<String> command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0 || !out.matches("[0-9]{1,9}")) {
                return Optional.empty();
            }
            return Optional.of(Integer.parseInt(out));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static int run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static InvalidInputException invalid(String where, String what, String fix) {
        return new InvalidInputException(new Problem(where, what, fix));
    }
}
