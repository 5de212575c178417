package dev.slipway.server;

import dev.slipway.api.ServerEntryPoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link ServerMain} as the service {@code slipway server} looks up, so the CLI starts the server when its jar is on
 * the class path without linking against it.
 */
public final class ServerMainEntryPoint implements ServerEntryPoint {

    /** For {@link java.util.ServiceLoader}. */
    public ServerMainEntryPoint() {}

    @Override
    public int run(String[] args, Map<String, String> env, Path home, PrintWriter out, PrintWriter err) {
        return ServerMain.run(args, env, home, out, err);
    }
}
