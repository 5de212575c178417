package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.store.ForwardedEvent;

/** The JSON shape of a forwarded event, the same in the API and the webhook's body. */
final class EventViews {
    private EventViews() {}

    static ObjectNode json(ForwardedEvent event) {
        ObjectNode node = Views.JSON.createObjectNode();
        node.put("id", event.id());
        node.put("app", event.app());
        node.put("environment", event.environment());
        node.put("cluster", event.cluster());
        node.put("namespace", event.namespace());
        node.putObject("object").put("kind", event.objectKind()).put("name", event.objectName());
        node.put("reason", event.reason());
        node.put("type", event.type());
        node.put("message", event.message());
        node.put("count", event.occurrences());
        node.put("firstSeen", event.firstSeen().toString());
        node.put("lastSeen", event.lastSeen().toString());
        event.revision().ifPresent(r -> node.put("revision", r));
        event.ref().ifPresent(r -> node.put("ref", r));
        event.deployedBy().ifPresent(by -> node.put("deployedBy", by));
        event.deployId().ifPresent(id -> node.put("deploy", id));
        return node;
    }
}
