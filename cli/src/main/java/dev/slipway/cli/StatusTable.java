package dev.slipway.cli;

import dev.slipway.local.ReplicaStatus;
import java.util.ArrayList;
import java.util.List;

/** The replica table {@code slipway up} and {@code slipway ps} show: one row per local process. */
final class StatusTable {
    private static final String[] HEADER = {
        "SERVICE", "CLUSTER", "REPLICA", "REV", "STATE", "PORT", "RESTARTS", "PROBLEM"
    };

    private StatusTable() {}

    static String render(List<ReplicaStatus> status, String url) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (ReplicaStatus s : status) {
            rows.add(new String[] {
                s.id().service(),
                s.id().cluster(),
                Integer.toString(s.id().replica()),
                Integer.toString(s.id().rev()),
                s.phase().name().toLowerCase(),
                s.port() == 0 ? "-" : Integer.toString(s.port()),
                Integer.toString(s.restarts()),
                s.problem().orElse("")
            });
        }
        return "── " + url + "\n" + columns(rows);
    }

    static String columns(List<String[]> rows) {
        int n = rows.get(0).length;
        int[] width = new int[n];
        for (String[] r : rows) {
            for (int i = 0; i < n - 1; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < n; i++) {
                line.append(i < n - 1 ? String.format("%-" + width[i] + "s  ", r[i]) : r[i]);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString().stripTrailing();
    }
}
