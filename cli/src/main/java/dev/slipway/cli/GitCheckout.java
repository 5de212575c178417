package dev.slipway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What git says about an app directory: the branch checked out, the full commit SHA of HEAD, and whether the work
 * tree has uncommitted changes. Read with the {@code git} command, so it sees what the user sees.
 *
 * @param branch the branch checked out, empty on a detached HEAD or outside a repository
 * @param commit the full 40-character SHA of HEAD, empty outside a repository or before the first commit
 * @param dirty whether tracked files differ from HEAD
 */
record GitCheckout(Optional<String> branch, Optional<String> commit, boolean dirty) {

    static final GitCheckout NONE = new GitCheckout(Optional.empty(), Optional.empty(), false);

    /** Reads {@code dir}'s checkout; {@link #NONE} when it is not in a git repository or git is missing. */
    static GitCheckout of(Path dir) {
        Optional<String> inside = git(dir, "rev-parse", "--is-inside-work-tree");
        if (!inside.map("true"::equals).orElse(false)) {
            return NONE;
        }
        Optional<String> commit = git(dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}");
        Optional<String> branch = git(dir, "symbolic-ref", "--quiet", "--short", "HEAD");
        boolean dirty = git(dir, "status", "--porcelain", "--untracked-files=no", "--", ".")
                .map(s -> !s.isEmpty())
                .orElse(false);
        return new GitCheckout(branch, commit, dirty);
    }

    /**
     * The full SHA of the commit {@code branch} names in {@code dir}'s repository: the local branch, else
     * {@code origin/<branch>}.
     */
    static Optional<String> commitOfBranch(Path dir, String branch) {
        if (branch.startsWith("-") || branch.isBlank()) {
            return Optional.empty();
        }
        return git(dir, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}")
                .or(() -> git(dir, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/" + branch + "^{commit}"));
    }

    /** The commit as users read it: short SHA, with "+dirty" when the work tree has changes. */
    String describe() {
        return commit.map(c -> c.substring(0, Math.min(12, c.length())) + (dirty ? "+dirty" : ""))
                .orElse("(not a git commit)");
    }

    private static Optional<String> git(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(output) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // git is not installed: treat the directory as not a repository
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
