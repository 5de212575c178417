package dev.slipway.core.rollout;

import dev.slipway.core.SourceLocation;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How an environment takes a new revision: beside the stable one as a canary, with traffic moved through
 * {@code steps}, each judged by {@code analysis}, cluster by cluster or all together. Immutable and always
 * consistent (the loader reports bad input with file:line; the constructor only guards against code):
 * steps start with at most one {@code optin}, then {@code rps} steps rising, then {@code percent} steps
 * rising, and end with {@code full}; every {@code rps}/{@code percent} step holds for at least one
 * analysis interval.
 *
 * @param steps in order; the last is {@link RolloutStep.Full}
 * @param analysis how each step is judged
 * @param clusters how the rollout moves through the group's clusters
 * @param sticky how the routers keep each client on one side during {@code percent} steps
 * @param source where {@code rollout:} was written
 */
public record RolloutSpec(
        List<RolloutStep> steps, Analysis analysis, ClusterOrder clusters, Sticky sticky, SourceLocation source) {

    /**
     * What keeps a client on the canary or on stable during {@code percent} steps: the value of a request header
     * (a user id), or the client's address, falling back to the routers' bucket cookie; the cookie alone by
     * default.
     */
    public record Sticky(java.util.Optional<String> header, boolean clientAddress) {
        public static final Sticky COOKIE = new Sticky(java.util.Optional.empty(), false);
    }

    /** Sticky by the bucket cookie. */
    public RolloutSpec(List<RolloutStep> steps, Analysis analysis, ClusterOrder clusters, SourceLocation source) {
        this(steps, analysis, clusters, Sticky.COOKIE, source);
    }

    public RolloutSpec {
        Objects.requireNonNull(sticky, "sticky");
        steps = List.copyOf(steps);
        Objects.requireNonNull(analysis, "analysis");
        Objects.requireNonNull(clusters, "clusters");
        Objects.requireNonNull(source, "source");
        if (steps.isEmpty() || !(steps.get(steps.size() - 1) instanceof RolloutStep.Full)) {
            throw new IllegalArgumentException("the steps of a rollout end with full");
        }
        RolloutStep previous = null;
        for (RolloutStep step : steps) {
            if (previous != null && !rises(previous, step)) {
                throw new IllegalArgumentException(
                        "step '" + step.describe() + "' does not move on from '" + previous.describe() + "'");
            }
            step.hold().ifPresent(hold -> {
                if (hold.compareTo(analysis.interval()) < 0) {
                    throw new IllegalArgumentException("a step holds for less than one analysis interval");
                }
            });
            if (step instanceof RolloutStep.Rps rps && !analysis.reachable(rps.perSecond())) {
                throw new IllegalArgumentException("'" + step.describe() + "' can never send minRequests");
            }
            previous = step;
        }
    }

    /**
     * Whether {@code next} may follow {@code previous}: traffic only ever grows. Opt-in comes first, then
     * requests per second, then a share of clients, then all; within a kind the number rises.
     */
    public static boolean rises(RolloutStep previous, RolloutStep next) {
        int a = rank(previous);
        int b = rank(next);
        if (a != b) {
            return a < b;
        }
        if (previous instanceof RolloutStep.Rps p && next instanceof RolloutStep.Rps n) {
            return n.perSecond() > p.perSecond();
        }
        if (previous instanceof RolloutStep.Percent p && next instanceof RolloutStep.Percent n) {
            return n.percent() > p.percent();
        }
        return false; // two optin or two full steps
    }

    static int rank(RolloutStep step) {
        if (step instanceof RolloutStep.OptIn) {
            return 0;
        } else if (step instanceof RolloutStep.Rps) {
            return 1;
        } else if (step instanceof RolloutStep.Percent) {
            return 2;
        } else {
            return 3;
        }
    }

    /** The steps on one line, e.g. {@code optin → rps 100 for 10m → 10% for 30m → full}. */
    public String describeSteps() {
        return steps.stream().map(RolloutStep::describe).collect(Collectors.joining(" → "));
    }
}
