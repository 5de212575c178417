package dev.slipway.router;

import dev.slipway.core.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules a config built in code must keep, as the YAML loader keeps them while it reads: a config handed
 * to {@link Router#start(RouterConfig)} or {@link Router#apply(RouterConfig)} gets the same guarantees as one
 * read from a file (every route has a defined backend and a bounded timeout, every backend has endpoints).
 */
final class RouterConfigCheck {
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private RouterConfigCheck() {}

    static List<Problem> problems(RouterConfig config) {
        List<Problem> problems = new ArrayList<>();
        if (config.backends().isEmpty()) {
            problems.add(new Problem("backends", "there must be at least one backend", "add a backend"));
        }
        config.backends().forEach((name, b) -> {
            String at = "backend '" + name + "'";
            if (!name.equals(b.name())) {
                problems.add(new Problem(at, "is keyed by another name than its own ('" + b.name() + "')", ""));
            }
            if (b.clusters().isEmpty()) {
                problems.add(new Problem(at, "needs at least one cluster", "leave the backend out until it has one"));
            }
            Set<String> clusters = new HashSet<>();
            for (RouterConfig.Cluster c : b.clusters()) {
                if (!clusters.add(c.name())) {
                    problems.add(new Problem(at, "cluster '" + c.name() + "' appears twice", ""));
                }
                if (c.endpoints().isEmpty()) {
                    problems.add(new Problem(at + " cluster '" + c.name() + "'", "needs at least one endpoint", ""));
                }
                for (RouterConfig.Address a : c.endpoints()) {
                    port(problems, at + " cluster '" + c.name() + "'", a, false);
                }
            }
            b.healthCheck().ifPresent(h -> {
                bounded(problems, at + " healthCheck.interval", h.interval());
                bounded(problems, at + " healthCheck.timeout", h.timeout());
            });
        });
        if (config.routes().isEmpty()) {
            problems.add(new Problem("routes", "there must be at least one route", "add a route"));
        }
        Set<String> names = new HashSet<>();
        for (RouterConfig.Route r : config.routes()) {
            String at = "route '" + r.name() + "'";
            if (!r.name().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                problems.add(new Problem(at, "a route name is letters, digits, '.', '_' or '-'", ""));
            }
            if (!names.add(r.name())) {
                problems.add(new Problem(at, "the route name is used twice", "give each route its own name"));
            }
            if (!r.pathPrefix().startsWith("/")) {
                problems.add(new Problem(at, "pathPrefix must start with '/'", ""));
            }
            if (!config.backends().containsKey(r.backend())) {
                problems.add(new Problem(at, "backend '" + r.backend() + "' is not defined", "define it"));
            }
            r.migration().ifPresent(m -> {
                if (!config.backends().containsKey(m.to())) {
                    problems.add(new Problem(at, "migration backend '" + m.to() + "' is not defined", "define it"));
                }
            });
            bounded(problems, at + " timeout", r.timeout());
            bounded(problems, at + " connectTimeout", r.connectTimeout());
        }
        port(problems, "listen", config.listen(), true);
        port(problems, "admin", config.admin(), true);
        return problems;
    }

    private static void bounded(List<Problem> problems, String at, Duration d) {
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_TIMEOUT) > 0) {
            problems.add(
                    new Problem(at, "must be more than 0 and at most 1h, got " + d, "every request needs a bound"));
        }
    }

    private static void port(List<Problem> problems, String at, RouterConfig.Address a, boolean zeroAllowed) {
        if (a.port() < (zeroAllowed ? 0 : 1) || a.port() > 65535 || a.host().isEmpty()) {
            problems.add(new Problem(at, "'" + a + "' is not a valid host:port", ""));
        }
    }
}
