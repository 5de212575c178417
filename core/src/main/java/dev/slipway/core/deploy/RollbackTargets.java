package dev.slipway.core.deploy;

import dev.slipway.core.revision.Releases;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionOutcome;
import dev.slipway.core.revision.RevisionSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Picks one rollback target for a whole group from the clusters' histories, or says why there is none. Reads
 * only. Each cluster numbers its revisions on its own and a halted deploy leaves the group on different ones, so
 * the target is a release (one group deploy), found on each cluster by its id, or else by the objects the release
 * put there (a cluster the release left unchanged recorded nothing for it but holds its objects all the same).
 */
final class RollbackTargets {
    /** Shortest release prefix accepted, so a typo does not match by chance. */
    static final int MIN_PREFIX = 4;

    private static final int LISTED = 4;

    /** By when recorded; a tie (a fixed clock) goes to the higher number. */
    private static final Comparator<RevisionSummary> NEWER_LAST =
            Comparator.comparing(RevisionSummary::when).thenComparingInt(RevisionSummary::number);

    private final AppEnvironment scope;
    private final List<ClusterTarget> targets;
    private final Map<String, List<RevisionSummary>> histories = new LinkedHashMap<>();
    private final Map<String, Revision> read = new HashMap<>();

    private RollbackTargets(AppEnvironment scope, List<ClusterTarget> targets) {
        this.scope = scope;
        this.targets = targets;
        for (ClusterTarget target : targets) {
            histories.put(target.cluster(), target.revisions(scope));
        }
    }

    /**
     * The chosen target: a release ("" when it was recorded before release ids) and, per cluster in group order,
     * the revision whose objects it gets and the cluster's newest revision.
     */
    record Chosen(String release, Map<String, Revision> revisions, Map<String, Optional<RevisionSummary>> current) {}

    /** Either a target or the failures that refuse the rollback before anything is written. */
    record Selection(Optional<Chosen> chosen, List<ClusterFailure> refusals) {
        static Selection of(Chosen chosen) {
            return new Selection(Optional.of(chosen), List.of());
        }

        static Selection refused(List<ClusterFailure> refusals) {
            return new Selection(Optional.empty(), refusals);
        }
    }

    /** @param targets the group's clusters, open and preflighted, in group order */
    static Selection select(AppEnvironment scope, List<ClusterTarget> targets, RollbackTo to) {
        RollbackTargets group = new RollbackTargets(scope, targets);
        List<ClusterFailure> empty = new ArrayList<>();
        group.histories.forEach((cluster, revisions) -> {
            if (revisions.isEmpty()) {
                empty.add(ClusterFailure.noSuchRevision(
                        cluster, "nothing is recorded for " + scope.app() + "/" + scope.environment() + " here"));
            }
        });
        if (!empty.isEmpty()) {
            return Selection.refused(empty);
        }
        if (to instanceof RollbackTo.Number n) {
            return group.byNumber(n.number());
        }
        if (to instanceof RollbackTo.Release r) {
            return group.byRelease(r.id());
        }
        return group.previous();
    }

    // --- the three ways to name a target -------------------------------------------------------------------

    private Selection previous() {
        RevisionSummary newest =
                histories.values().stream().map(h -> h.get(0)).max(NEWER_LAST).orElseThrow();
        String newestKey = key(newest);
        // Every other release, newest first by when it was (last) recorded anywhere.
        Map<String, RevisionSummary> latestOf = new LinkedHashMap<>();
        histories.values().stream()
                .flatMap(List::stream)
                .sorted(NEWER_LAST.reversed())
                .forEach(r -> latestOf.putIfAbsent(key(r), r));
        latestOf.remove(newestKey);
        if (latestOf.isEmpty()) {
            String what = "no release before the newest deploy's (" + describe(newest)
                    + ") is recorded on any cluster: there is nothing to roll back to";
            return Selection.refused(
                    List.of(ClusterFailure.noSuchRevision(targets.get(0).cluster(), what)));
        }
        List<ClusterFailure> firstRefusals = null;
        for (Map.Entry<String, RevisionSummary> candidate : latestOf.entrySet()) {
            Map<String, Revision> found = new LinkedHashMap<>();
            List<ClusterFailure> lacking = new ArrayList<>();
            for (String cluster : histories.keySet()) {
                Optional<Revision> r = find(cluster, candidate.getKey());
                if (r.isPresent()) {
                    found.put(cluster, r.get());
                } else {
                    lacking.add(lacks(cluster, candidate.getKey(), candidate.getValue()));
                }
            }
            if (lacking.isEmpty()) {
                return chosen(candidate.getKey(), found);
            }
            if (firstRefusals == null) {
                firstRefusals = lacking;
            }
        }
        // Name what is missing for the release the user most likely meant: the newest earlier one.
        return Selection.refused(firstRefusals.stream()
                .map(f -> new ClusterFailure(
                        f.cluster(),
                        f.reason(),
                        f.object(),
                        f.message() + "; no older release succeeded on every cluster either",
                        f.hint()))
                .toList());
    }

    private Selection byNumber(int number) {
        Map<String, Revision> found = new LinkedHashMap<>();
        List<ClusterFailure> failures = new ArrayList<>();
        Map<String, RevisionSummary> summaries = new LinkedHashMap<>();
        for (Map.Entry<String, List<RevisionSummary>> h : histories.entrySet()) {
            Optional<RevisionSummary> summary =
                    h.getValue().stream().filter(r -> r.number() == number).findFirst();
            if (summary.isEmpty()) {
                failures.add(ClusterFailure.noSuchRevision(
                        h.getKey(),
                        "revision " + number + " is not recorded on this cluster; it has " + listed(h.getValue())));
            } else {
                summaries.put(h.getKey(), summary.get());
            }
        }
        if (!failures.isEmpty()) {
            return Selection.refused(failures);
        }
        Map.Entry<String, RevisionSummary> first =
                summaries.entrySet().iterator().next();
        for (Map.Entry<String, RevisionSummary> s : summaries.entrySet()) {
            if (!sameRelease(s.getValue(), first.getValue())) {
                failures.add(ClusterFailure.releasesDiffer(
                        s.getKey(),
                        "revision " + number + " is another release here than on " + first.getKey() + ": "
                                + describe(s.getValue()) + " here, " + describe(first.getValue()) + " on "
                                + first.getKey()));
            }
        }
        if (!failures.isEmpty()) {
            return Selection.refused(failures);
        }
        for (Map.Entry<String, RevisionSummary> s : summaries.entrySet()) {
            Optional<Revision> revision = read(s.getKey(), number);
            if (revision.isEmpty()) {
                failures.add(ClusterFailure.noSuchRevision(s.getKey(), "revision " + number + " could not be read"));
            } else {
                found.put(s.getKey(), revision.get());
            }
        }
        return failures.isEmpty() ? chosen(first.getValue().release(), found) : Selection.refused(failures);
    }

    private Selection byRelease(String prefix) {
        String cluster0 = targets.get(0).cluster();
        if (prefix.length() < MIN_PREFIX) {
            return Selection.refused(List.of(ClusterFailure.noSuchRevision(
                    cluster0,
                    "release '" + prefix + "' is too short to name one: give at least " + MIN_PREFIX
                            + " characters of its id")));
        }
        Map<String, RevisionSummary> matching = new LinkedHashMap<>();
        histories.values().stream()
                .flatMap(List::stream)
                .filter(r -> r.release().startsWith(prefix))
                .forEach(r -> matching.putIfAbsent(r.release(), r));
        if (matching.isEmpty()) {
            return Selection.refused(List.of(ClusterFailure.noSuchRevision(
                    cluster0, "no release starting with '" + prefix + "' is recorded on any cluster of the group")));
        }
        if (matching.size() > 1) {
            return Selection.refused(List.of(ClusterFailure.noSuchRevision(
                    cluster0,
                    "'" + prefix + "' starts more than one release: "
                            + matching.values().stream()
                                    .map(RollbackTargets::describe)
                                    .collect(Collectors.joining(", "))
                            + "; give more of the id")));
        }
        Map.Entry<String, RevisionSummary> release =
                matching.entrySet().iterator().next();
        Map<String, Revision> found = new LinkedHashMap<>();
        List<ClusterFailure> lacking = new ArrayList<>();
        for (String cluster : histories.keySet()) {
            find(cluster, release.getKey())
                    .ifPresentOrElse(
                            r -> found.put(cluster, r),
                            () -> lacking.add(lacks(cluster, release.getKey(), release.getValue())));
        }
        return lacking.isEmpty() ? chosen(release.getKey(), found) : Selection.refused(lacking);
    }

    // --- finding a release on one cluster ------------------------------------------------------------------

    /**
     * The newest successful revision of {@code key} on {@code cluster}, else (for a release with an id) the newest
     * successful one holding the objects the release put on this cluster.
     */
    private Optional<Revision> find(String cluster, String key) {
        List<RevisionSummary> history = histories.get(cluster);
        Optional<RevisionSummary> own = history.stream()
                .filter(r -> r.outcome() == RevisionOutcome.SUCCEEDED && key(r).equals(key))
                .findFirst();
        if (own.isPresent()) {
            return read(cluster, own.get().number());
        }
        Optional<String> expected = contentsOf(key).map(c -> c.get(cluster));
        if (expected.isEmpty()) {
            return Optional.empty();
        }
        for (RevisionSummary r : history) {
            if (r.outcome() == RevisionOutcome.SUCCEEDED) {
                Optional<Revision> revision = read(cluster, r.number());
                if (revision.isPresent()
                        && Releases.contentOf(revision.get().objects()).equals(expected.get())) {
                    return revision;
                }
            }
        }
        return Optional.empty();
    }

    /** What release {@code key} put on each cluster, from any revision of it that recorded that. */
    private Optional<Map<String, String>> contentsOf(String key) {
        if (key.startsWith(LEGACY)) {
            return Optional.empty();
        }
        for (Map.Entry<String, List<RevisionSummary>> h : histories.entrySet()) {
            for (RevisionSummary r : h.getValue()) {
                if (r.release().equals(key)) {
                    Optional<Revision> revision = read(h.getKey(), r.number());
                    if (revision.isPresent()
                            && !revision.get().releaseContents().isEmpty()) {
                        return Optional.of(revision.get().releaseContents());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private ClusterFailure lacks(String cluster, String key, RevisionSummary example) {
        List<RevisionSummary> history = histories.get(cluster);
        List<RevisionSummary> failedHere = history.stream()
                .filter(r -> key(r).equals(key) && r.outcome() == RevisionOutcome.FAILED)
                .toList();
        String what = failedHere.isEmpty()
                ? "this cluster never ran " + name(example)
                : name(example) + " failed on this cluster (revision "
                        + failedHere.get(0).number() + ")";
        return ClusterFailure.noSuchRevision(
                cluster, what + " and no successful revision here holds its objects; it has " + listed(history));
    }

    private Optional<Revision> read(String cluster, int number) {
        String at = cluster + "#" + number;
        Revision cached = read.get(at);
        if (cached != null) {
            return Optional.of(cached);
        }
        ClusterTarget target = targets.stream()
                .filter(t -> t.cluster().equals(cluster))
                .findFirst()
                .orElseThrow();
        Optional<Revision> revision = target.revision(scope, number);
        revision.ifPresent(r -> read.put(at, r));
        return revision;
    }

    private Selection chosen(String release, Map<String, Revision> found) {
        Map<String, Optional<RevisionSummary>> current = new LinkedHashMap<>();
        histories.forEach((cluster, h) -> current.put(cluster, h.stream().findFirst()));
        return Selection.of(new Chosen(release.startsWith(LEGACY) ? "" : release, found, current));
    }

    // --- naming ----------------------------------------------------------------------------------------------

    private static final String LEGACY = "legacy ";

    /**
     * What groups revisions into one release: its id; for revisions recorded before release ids, the ref and
     * number, which a group deploy of those versions gave every cluster it reached alike.
     */
    private static String key(RevisionSummary r) {
        return r.release().isEmpty() ? LEGACY + r.ref() + "#" + r.number() : r.release();
    }

    /** For {@code --to N}: the same release, or (recorded before release ids) the same ref. */
    private static boolean sameRelease(RevisionSummary a, RevisionSummary b) {
        return a.release().equals(b.release())
                && (!a.release().isEmpty() || a.ref().equals(b.ref()));
    }

    private static String name(RevisionSummary r) {
        if (!r.release().isEmpty()) {
            return "release " + r.release() + (r.ref().isEmpty() ? "" : " (ref " + r.ref() + ")");
        }
        return "revision " + r.number() + (r.ref().isEmpty() ? "" : " (ref " + r.ref() + ")");
    }

    private static String describe(RevisionSummary r) {
        return r.identify();
    }

    private static String listed(List<RevisionSummary> history) {
        if (history.isEmpty()) {
            return "nothing recorded";
        }
        Set<String> lines = new LinkedHashSet<>();
        history.stream().limit(LISTED).forEach(r -> lines.add(r.identify()));
        return String.join("; ", lines) + (history.size() > LISTED ? "; ..." : "");
    }
}
