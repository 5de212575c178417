package dev.slipway.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.UserFacingException;
import dev.slipway.core.lab.LabNames;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.Durations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The asking side of local labs: what {@code slipway lab up|down|extend} without a server check and send to the
 * running {@code slipway up} of the app, which owns every lab's processes ({@link LocalSession}, {@link LocalEnvironments}).
 */
public final class LocalLabRequests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT_CHECKOUTS = 10;

    private LocalLabRequests() {}

    /**
     * What a {@code lab up} asks for.
     *
     * @param directory where the lab runs from: the app directory, or a commit exported from it
     * @param ref what it runs, as users read it (short SHA, {@code +dirty}, or that it is no git commit)
     * @param ttl how long it lives after this deploy; the running {@code up} keeps the lab's TTL (or the default)
     *     when empty
     * @param secretsKey the key file of another secret store than the app's, already resolved
     * @param secretsDir the directory of another secret store than the app's, already resolved
     */
    public record LabUp(
            String branch,
            Path directory,
            String ref,
            Optional<Duration> ttl,
            Optional<Path> secretsKey,
            Optional<Path> secretsDir) {}

    /** The slug of {@code branch}, the lab's name in host names and files; refuses what git would. */
    public static String slug(String branch) {
        LabNames.invalidBranch(branch).ifPresent(why -> {
            throw new InvalidInputException(new Problem(
                    "--branch", why, "give the branch's name as git shows it, e.g. --branch feature/faster"));
        });
        return LabNames.slugOf(branch);
    }

    /** Refuses a branch whose lab host would be one of the app's own service hosts. */
    public static void checkHostFree(App app, String branch) {
        String slug = slug(branch);
        String name = app.spec().app();
        LocalApp.runnable(app).stream()
                .filter(s -> s.name().equals(slug))
                .findFirst()
                .ifPresent(s -> {
                    throw new InvalidInputException(new Problem(
                            "--branch",
                            "branch '" + branch + "' would be lab '" + slug + "', whose host "
                                    + LocalRouting.labHost(name, slug) + " is already the one of service "
                                    + s.name(),
                            "run the lab from a branch with another name"));
                });
    }

    /**
     * The running {@code up} of {@code app}, which a local lab runs beside.
     *
     * @param start how to start it, for the message when it does not run
     * @throws UserFacingException when it does not run
     */
    public static LocalState.Running owner(LocalState state, String app, String start) {
        return state.read(app)
                .orElseThrow(() -> new UserFacingException("app '" + app + "' does not run locally, and its local"
                        + " labs run beside it, behind its router; start it first with: " + start
                        + " (or pass --server URL for a lab on the clusters)"));
    }

    /**
     * Exports {@code commit} of {@code appDirectory}'s repository under the state's checkout cache (kept while a
     * lab runs from it) and returns the app directory inside the export.
     */
    public static Path export(LocalState state, Path appDirectory, String commit, Clock clock) {
        Path cache = state.checkouts();
        CommitCheckouts checkouts = new CommitCheckouts(
                cache,
                KEPT_CHECKOUTS,
                () -> CommitCheckouts.commitsIn(
                        cache,
                        state.allLabs().stream()
                                .map(l -> Path.of(l.directory()))
                                .toList()),
                clock);
        return checkouts.checkout(appDirectory, Optional.of(commit)).directory();
    }

    /** Whether {@code app} already has the lab of {@code branch} (so a lab up redeploys it). */
    public static boolean exists(LocalState state, String app, String branch) {
        String slug = slug(branch);
        return state.labs(app).stream().anyMatch(l -> l.slug().equals(slug));
    }

    /** Asks {@code owner} to start the lab, or redeploy it; prints its progress to {@code out}. */
    public static LocalRequests.Outcome up(LocalState state, LocalState.Running owner, LabUp lab, PrintWriter out) {
        ObjectNode request = JSON.createObjectNode()
                .put("type", "lab-up")
                .put("branch", lab.branch())
                .put("slug", slug(lab.branch()))
                .put("directory", lab.directory().toString())
                .put("ref", lab.ref());
        lab.ttl().ifPresent(t -> request.put("ttl", Durations.format(t)));
        lab.secretsKey().ifPresent(k -> request.put("secretsKey", k.toString()));
        lab.secretsDir().ifPresent(d -> request.put("secretsDir", d.toString()));
        return LocalRequests.send(state, owner, request, out);
    }

    /**
     * The lab of {@code branch} that {@code app} has.
     *
     * @throws UserFacingException listing the app's labs when it has none for that branch
     */
    public static LocalState.Lab lab(LocalState state, String app, String branch) {
        String slug = slug(branch);
        List<LocalState.Lab> labs = state.labs(app);
        return labs.stream()
                .filter(l -> l.slug().equals(slug))
                .findFirst()
                .orElseThrow(() -> new UserFacingException("app '" + app + "' has no local lab for branch '"
                        + branch + "'; "
                        + (labs.isEmpty()
                                ? "it has none (slipway lab up DIR --branch BRANCH starts one)"
                                : "its labs are for "
                                        + labs.stream()
                                                .map(l -> "'" + l.branch() + "'")
                                                .collect(Collectors.joining(", ")))));
    }

    /** Asks {@code owner} to stop the lab. */
    public static LocalRequests.Outcome down(
            LocalState state, LocalState.Running owner, LocalState.Lab lab, PrintWriter out) {
        ObjectNode request = JSON.createObjectNode().put("type", "lab-down").put("slug", lab.slug());
        return LocalRequests.send(state, owner, request, out);
    }

    /** Asks {@code owner} to move the lab's expiry out by {@code by}, else by its TTL. */
    public static LocalRequests.Outcome extend(
            LocalState state, LocalState.Running owner, LocalState.Lab lab, Optional<Duration> by, PrintWriter out) {
        ObjectNode request = JSON.createObjectNode().put("type", "lab-extend").put("slug", lab.slug());
        by.ifPresent(b -> request.put("by", Durations.format(b)));
        return LocalRequests.send(state, owner, request, out);
    }
}
