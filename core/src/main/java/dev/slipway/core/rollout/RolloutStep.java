package dev.slipway.core.rollout;

import dev.slipway.core.spec.Durations;
import java.time.Duration;
import java.util.Optional;

/**
 * One step of a rollout: how much traffic the canary (new revision) gets while the step holds. A closed set,
 * so the controller, the router and the CLI handle every kind. The kinds and their meaning are those of the
 * router's migration stages ({@code dev.slipway.router.Stage}): {@link #stage()} is the router's text form,
 * so a step maps onto a router stage with {@code Stage.parse(step.stage())} (core does not depend on the
 * router). Opted-in clients reach the canary in every step.
 */
public sealed interface RolloutStep {
    /** Largest {@code rps} accepted; far above any one router's capacity, it only guards against typos. */
    int MAX_RPS = 1_000_000;

    /** The router stage this step sets, in the router's text form: {@code optin}, {@code rps N}, ... */
    String stage();

    /** How long the step holds before the next one; empty for {@link OptIn} (held by hand) and {@link Full}. */
    Optional<Duration> hold();

    /** The step as users read it in summaries: {@code optin}, {@code rps 100 for 10m}, {@code 10% for 30m}. */
    String describe();

    /**
     * Only clients that opted in (cookie {@code slipway-optin} or header {@code X-Slipway-Optin}) reach the
     * canary. Holds until someone moves the rollout on by hand: opted-in traffic is people trying the new
     * revision, not a sample the analysis can judge the revision by alone (a breach still aborts).
     */
    record OptIn() implements RolloutStep {
        @Override
        public String stage() {
            return "optin";
        }

        @Override
        public Optional<Duration> hold() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "optin (until resumed by hand)";
        }
    }

    /** At most {@code perSecond} requests per second reach the canary, for {@code hold}. */
    record Rps(int perSecond, Duration holdFor) implements RolloutStep {
        public Rps {
            if (perSecond < 1 || perSecond > MAX_RPS) {
                throw new IllegalArgumentException("rps must be from 1 to " + MAX_RPS + ", got " + perSecond);
            }
            requirePositive(holdFor);
        }

        @Override
        public String stage() {
            return "rps " + perSecond;
        }

        @Override
        public Optional<Duration> hold() {
            return Optional.of(holdFor);
        }

        @Override
        public String describe() {
            return "rps " + perSecond + " for " + Durations.format(holdFor);
        }
    }

    /**
     * {@code percent} % of clients reach the canary, sticky per client (the router's bucket cookie), for
     * {@code hold}. Whole percents from 1 to 99: the router assigns clients to 100 buckets; 100 % is
     * {@link Full}.
     */
    record Percent(int percent, Duration holdFor) implements RolloutStep {
        public Percent {
            if (percent < 1 || percent > 99) {
                throw new IllegalArgumentException("percent must be from 1 to 99, got " + percent);
            }
            requirePositive(holdFor);
        }

        @Override
        public String stage() {
            return "percent " + percent;
        }

        @Override
        public Optional<Duration> hold() {
            return Optional.of(holdFor);
        }

        @Override
        public String describe() {
            return percent + "% for " + Durations.format(holdFor);
        }
    }

    /** All traffic to the canary; the last step, on reaching it the canary is promoted to stable. */
    record Full() implements RolloutStep {
        @Override
        public String stage() {
            return "full";
        }

        @Override
        public Optional<Duration> hold() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "full";
        }
    }

    private static void requirePositive(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("a step must hold for a positive duration, got " + d);
        }
    }
}
