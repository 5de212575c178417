package dev.slipway.local;

import java.util.Optional;

/**
 * Which process a log line or status row belongs to: the metadata every captured line carries, so lines from
 * many replicas stay attributable once merged into one stream.
 *
 * @param app app name
 * @param env environment name
 * @param service service name
 * @param cluster local "cluster" (replica set) name, e.g. {@code local-1}
 * @param replica replica index within its cluster, from 0
 * @param lab lab name when the app runs as a lab
 * @param rev revision of the app's spec the process runs
 */
public record ReplicaId(
        String app, String env, String service, String cluster, int replica, Optional<String> lab, int rev) {

    /** The key/value suffix appended to each log line: {@code app=.. env=.. service=.. replica=.. cluster=.. rev=..}. */
    public String metadata() {
        StringBuilder b = new StringBuilder()
                .append("app=")
                .append(app)
                .append(" env=")
                .append(env)
                .append(" service=")
                .append(service)
                .append(" replica=")
                .append(replica)
                .append(" cluster=")
                .append(cluster);
        lab.ifPresent(l -> b.append(" lab=").append(l));
        return b.append(" rev=").append(rev).toString();
    }

    /** A short name for messages: {@code service/cluster/replica}. */
    public String shortName() {
        return service + "/" + cluster + "/" + replica;
    }
}
