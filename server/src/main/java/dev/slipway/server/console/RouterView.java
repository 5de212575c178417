package dev.slipway.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * One router of the server's {@code routers:} list as its admin API reports it ({@code GET /config}: routes,
 * stages, backends, clusters, endpoints and their health, the sources a fed router follows), or why it could
 * not be read.
 */
public record RouterView(String name, Optional<JsonNode> config, Optional<String> error) {}
