package dev.slipway.api;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * How {@code slipway server} starts the control plane without the CLI linking against it: the server module provides
 * this service (META-INF/services), and the launcher puts the server's jar on the class path only for that command,
 * so every other CLI run loads neither Javalin nor a database.
 */
public interface ServerEntryPoint {

    /**
     * Parses the server's options, runs it until the JVM shuts down, and returns the exit code: 1 for invalid
     * configuration, 2 for a usage error.
     *
     * @param env the environment the CLI was started with (PGUSER, $KUBECONFIG, ...)
     * @param home the user's home, under which the default state directory lives
     */
    int run(String[] args, Map<String, String> env, Path home, PrintWriter out, PrintWriter err);

    /** The server on the class path, if there is one. */
    static Optional<ServerEntryPoint> find() {
        return ServiceLoader.load(ServerEntryPoint.class).findFirst();
    }
}
