package dev.slipway.core.plan;

/** Formats plans for terminals; kept apart so the records stay plain values. */
final class PlanText {
    private static final String RESET = "\u001b[0m";
    private static final String RED = "\u001b[31m";
    private static final String GREEN = "\u001b[32m";
    private static final String YELLOW = "\u001b[33m";
    private static final String CYAN = "\u001b[36m";
    private static final String BOLD = "\u001b[1m";

    private PlanText() {}

    static String describe(Plan plan, boolean color) {
        StringBuilder out = new StringBuilder();
        for (ClusterPlan cluster : plan.clusters()) {
            out.append(paint(color, BOLD, "cluster " + cluster.cluster() + " (namespace " + cluster.namespace() + ")"))
                    .append('\n');
            if (!cluster.namespaceExists()) {
                out.append("  ")
                        .append(paint(color, GREEN, "+ Namespace/" + cluster.namespace() + " (create)"))
                        .append('\n');
            }
            for (PlannedChange change : cluster.writes()) {
                String colorOf = switch (change.action()) {
                    case CREATE -> GREEN;
                    case DELETE -> RED;
                    default -> YELLOW;
                };
                out.append("  ")
                        .append(paint(color, colorOf, change.headline()))
                        .append('\n');
                if (!change.diff().isEmpty()) {
                    change.diff()
                            .lines()
                            .forEach(line -> out.append("      ")
                                    .append(colorDiffLine(color, line))
                                    .append('\n'));
                }
            }
            out.append("  ")
                    .append(cluster.hasChanges() ? cluster.summary() : "no changes (" + cluster.summary() + ")")
                    .append('\n');
        }
        return out.toString();
    }

    private static String colorDiffLine(boolean color, String line) {
        if (line.startsWith("+++") || line.startsWith("---")) {
            return paint(color, BOLD, line);
        }
        if (line.startsWith("+")) {
            return paint(color, GREEN, line);
        }
        if (line.startsWith("-")) {
            return paint(color, RED, line);
        }
        if (line.startsWith("@@")) {
            return paint(color, CYAN, line);
        }
        return line;
    }

    private static String paint(boolean color, String code, String text) {
        return color ? code + text + RESET : text;
    }
}
