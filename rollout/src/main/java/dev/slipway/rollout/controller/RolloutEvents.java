package dev.slipway.rollout.controller;

/** Where the controller reports transitions, after they are stored; the server writes them to its audit log. */
@FunctionalInterface
public interface RolloutEvents {

    /** Must not throw; a listener that fails logs it. */
    void transition(RolloutEvent event);

    /**
     * An analysis check that read a window of the routers' numbers, after it is stored with the state: one per
     * window, naming the clusters it judged together (the server keeps them for the console's charts). Checks that
     * read nothing (the routers could not be asked) are not reported. Must not throw.
     */
    default void checked(RolloutKey key, java.util.List<String> clusters, Check check) {}

    static RolloutEvents none() {
        return e -> {};
    }

    /** Reports to {@code first}, then to {@code second}. */
    static RolloutEvents both(RolloutEvents first, RolloutEvents second) {
        return new RolloutEvents() {
            @Override
            public void transition(RolloutEvent event) {
                first.transition(event);
                second.transition(event);
            }

            @Override
            public void checked(RolloutKey key, java.util.List<String> clusters, Check check) {
                first.checked(key, clusters, check);
                second.checked(key, clusters, check);
            }
        };
    }
}
