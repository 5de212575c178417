package dev.slipway.server.console;

import java.util.List;
import java.util.Optional;

/**
 * An environment's cluster group as the console draws it: a row per site, a cell per cluster with the revision
 * and ref its last successful deploy left there (from the store's deploy records: what Slipway did), coloured by
 * its health as the routers see it now when they can say, else by its last deploy's outcome.
 */
public record GroupPicture(String group, List<Site> sites) {
    public GroupPicture {
        sites = List.copyOf(sites);
    }

    /** One site of the group and its clusters, in the clusters file's order. */
    public record Site(String name, List<Cell> clusters) {
        public Site {
            clusters = List.copyOf(clusters);
        }
    }

    /**
     * One cluster.
     *
     * @param state its part in the newest deploy that reached it ({@code succeeded}, {@code failed}, ...), or
     *     {@code never deployed}
     * @param revision the revision its last successful deploy left, with that deploy's ref
     * @param health {@code healthy} or {@code down} as the server's routers see the environment's stable backend
     *     on it right now (a rollout's down clusters are down too), {@code unknown} when they cannot say
     * @param why why it is down, when it is
     */
    public record Cell(
            String cluster,
            String state,
            Optional<Integer> revision,
            Optional<String> ref,
            String health,
            Optional<String> why) {

        public boolean down() {
            return health.equals("down");
        }

        /** The cell's colour: its health when known, else its last deploy's outcome. */
        public String tone() {
            return health.equals("unknown") ? Format.tone(state) : Format.tone(health);
        }
    }
}
