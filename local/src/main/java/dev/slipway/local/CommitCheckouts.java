package dev.slipway.local;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Turns "deploy commit X of this app" into a directory holding exactly that commit: when the app's registered
 * directory is inside a git repository, the commit is exported ({@code git archive}) into a per-commit cache under
 * the server's state directory, reused by later deploys of the same commit. A directory that is not under git is
 * deployed as it is on disk, and that is said in the deploy's log.
 */
public final class CommitCheckouts {

    private static final long GIT_TIMEOUT_SECONDS = 120;

    private final Path cache;
    private final int keep;
    private final Supplier<Set<String>> inUse;
    private final Clock clock;

    /**
     * @param cache where exported commits live, one directory per commit
     * @param keep how many commits to keep beyond those {@code inUse} names (most recently used first)
     * @param inUse commits whose directories must not be removed (local labs run processes from them)
     */
    public CommitCheckouts(Path cache, int keep, Supplier<Set<String>> inUse, Clock clock) {
        this.cache = cache;
        this.keep = keep;
        this.inUse = inUse;
        this.clock = clock;
    }

    /**
     * The commits whose exported directories under {@code cache} are among {@code directories} (e.g. what running
     * labs use), for the in-use set a cache must keep.
     */
    public static Set<String> commitsIn(Path cache, Collection<Path> directories) {
        Set<String> commits = new HashSet<>();
        for (Path d : directories) {
            Path dir = d.toAbsolutePath().normalize();
            Path root = cache.toAbsolutePath().normalize();
            if (dir.startsWith(root) && dir.getNameCount() > root.getNameCount()) {
                commits.add(dir.getName(root.getNameCount()).toString());
            }
        }
        return commits;
    }

    /** What a deploy renders from, and how its log describes it. */
    public record Source(Path directory, Optional<String> commit, String description) {}

    /** The git repository an app directory lives in: its top level and the app's path inside it. */
    record Repository(Path top, String prefix) {}

    /**
     * Checks, before anything is enqueued, that {@code ref} names a commit of the app's repository; a directory not
     * under git accepts any ref (it is recorded, not checked out).
     *
     * @return the problem naming the commit and what to do, when the repository lacks it
     */
    public Optional<Problem> missingCommit(Path appDirectory, String ref) {
        return repository(appDirectory)
                .filter(repo -> resolve(repo, ref).isEmpty())
                .map(repo -> missing(repo, ref));
    }

    /**
     * The commit at the tip of {@code branch} in the app's repository: the local branch, else the one fetched from
     * {@code origin}. Empty when the directory is not in a git repository or has no such branch.
     */
    public Optional<String> branchTip(Path appDirectory, String branch) {
        return repository(appDirectory)
                .flatMap(repo ->
                        resolve(repo, "refs/heads/" + branch).or(() -> resolve(repo, "refs/remotes/origin/" + branch)));
    }

    /**
     * The directory to render {@code appDirectory}'s app from: with a ref inside a git repository, that commit
     * exported into the cache; otherwise the directory itself.
     *
     * @throws InvalidInputException when the ref is not a commit of the repository (any more)
     */
    public synchronized Source checkout(Path appDirectory, Optional<String> ref) {
        Optional<Repository> repository = repository(appDirectory);
        if (repository.isEmpty()) {
            return new Source(
                    appDirectory,
                    Optional.empty(),
                    "the working directory " + appDirectory + " as it is on disk (not in a git repository)");
        }
        if (ref.isEmpty()) {
            return new Source(
                    appDirectory,
                    Optional.empty(),
                    "the working directory " + appDirectory + " as it is on disk (no ref was given)");
        }
        Repository repo = repository.get();
        String commit = resolve(repo, ref.get()).orElseThrow(() -> new InvalidInputException(missing(repo, ref.get())));
        Path exported = export(repo, commit);
        return new Source(
                repo.prefix().isEmpty() ? exported : exported.resolve(repo.prefix()),
                Optional.of(commit),
                "commit " + commit + " of " + repo.top() + (repo.prefix().isEmpty() ? "" : " (" + repo.prefix() + ")"));
    }

    /** The repository holding {@code directory}, if it is in one. */
    static Optional<Repository> repository(Path directory) {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        Git result = git(directory, "rev-parse", "--show-toplevel", "--show-prefix");
        if (result.exit() != 0) {
            if (result.err().contains("not a git repository") || result.err().contains("No such file")) {
                return Optional.empty();
            }
            // e.g. git refusing a repository owned by another user: deploying the working directory instead
            // would silently ignore the commit asked for.
            throw new InvalidInputException(new Problem(
                    directory.toString(),
                    "git cannot read the repository of the app's directory: "
                            + result.err().strip(),
                    "fix what git says (as the user the server runs as), e.g. git config --global --add"
                            + " safe.directory " + directory));
        }
        String[] lines = result.out().split("\n", -1);
        String prefix = lines.length > 1 ? lines[1].strip() : "";
        if (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return Optional.of(new Repository(Path.of(lines[0].strip()), prefix));
    }

    private static Optional<String> resolve(Repository repo, String ref) {
        if (ref.startsWith("-") || ref.isBlank() || ref.chars().anyMatch(Character::isWhitespace)) {
            return Optional.empty();
        }
        Git result = git(repo.top(), "rev-parse", "--verify", "--quiet", ref + "^{commit}");
        return result.exit() == 0 ? Optional.of(result.out().strip()) : Optional.empty();
    }

    private static Problem missing(Repository repo, String ref) {
        return new Problem(
                "ref",
                "commit " + ref + " is not in the git repository " + repo.top()
                        + " the app was registered from, so the server cannot deploy it",
                "push the commit and fetch it into the server's clone (git -C " + repo.top()
                        + " fetch), or deploy a commit the server's clone has");
    }

    private Path export(Repository repo, String commit) {
        Path target = cache.resolve(commit);
        try {
            if (Files.isDirectory(target)) {
                Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
                return target;
            }
            Files.createDirectories(cache);
            Path partial = cache.resolve(".partial-" + commit + "-" + UUID.randomUUID());
            Path archive = cache.resolve(".archive-" + commit + "-" + UUID.randomUUID() + ".tar");
            try {
                Files.createDirectories(partial);
                check(git(repo.top(), "archive", "--format=tar", "--output=" + archive, commit), "git archive");
                check(run(cache, List.of("tar", "-xf", archive.toString(), "-C", partial.toString())), "tar");
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
            } finally {
                Files.deleteIfExists(archive);
                deleteTree(partial);
            }
            prune();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export commit " + commit + " into " + cache, e);
        }
    }

    /** Removes the least recently used commits beyond {@code keep}, never one in use. */
    private void prune() throws IOException {
        Set<String> pinned = inUse.get();
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> entries = Files.list(cache)) {
            entries.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !pinned.contains(p.getFileName().toString()))
                    .forEach(candidates::add);
        }
        candidates.sort(Comparator.comparing(CommitCheckouts::lastUsed).reversed());
        for (Path old : candidates.subList(Math.min(keep, candidates.size()), candidates.size())) {
            deleteTree(old);
        }
    }

    private static FileTime lastUsed(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private record Git(int exit, String out, String err) {}

    private static void check(Git result, String what) {
        if (result.exit() != 0) {
            throw new InvalidInputException(new Problem(
                    what,
                    what + " failed (exit " + result.exit() + "): "
                            + result.err().strip(),
                    "check that the server's user can read the repository"));
        }
    }

    private static Git git(Path directory, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", directory.toString()));
        command.addAll(List.of(args));
        return run(directory, command);
    }

    private static Git run(Path directory, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        // The repository is the one the directory is in, whatever the server's own environment says.
        builder.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        try {
            Path err = Files.createTempFile("slipway-git", ".err");
            try {
                builder.redirectError(err.toFile());
                Process process = builder.start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return new Git(-1, out, command.get(0) + " did not finish within " + GIT_TIMEOUT_SECONDS + "s");
                }
                return new Git(process.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Git(-1, "", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Git(-1, "", "interrupted");
        }
    }
}
