package dev.slipway.rollout.controller;

import java.util.Objects;

/** Which rollout: one app's environment has at most one rollout at a time. */
public record RolloutKey(String app, String environment) {
    public RolloutKey {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(environment, "environment");
    }

    /** {@code app/environment}, as the audit log names targets. */
    @Override
    public String toString() {
        return app + "/" + environment;
    }
}
