package dev.slipway.server.console;

import java.util.List;
import java.util.Optional;

/**
 * An environment's cluster group as the console draws it: a row per site, a cell per cluster with the revision
 * and ref its last successful deploy left there, coloured by the cluster's last deploy outcome, marked when a
 * rollout has the cluster down. From the store's deploy records (what Slipway did), not a live read of the
 * clusters.
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
     */
    public record Cell(String cluster, String state, Optional<Integer> revision, Optional<String> ref, boolean down) {}
}
