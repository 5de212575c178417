package dev.slipway.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's CRUD mock API server plus what it lacks for Slipway's tests: server-side apply (create or merge,
 * with enough field ownership to report conflicts naming the other manager), field ownership kept the way the
 * API server keeps it (one {@code metadata.managedFields} entry per manager and operation; an update, such as
 * {@code kubectl scale} or {@code edit}, takes over the fields it changes; lists are owned whole), Secrets'
 * {@code stringData} stored as {@code data}, a switch to reject credentials like an expired kubeconfig, writes
 * that fail on demand, and a log of writes so tests can prove a deploy wrote nothing. Test code only.
 */
final class ServerSideApplyDispatcher extends KubernetesCrudDispatcher {
    /** User agent of the stand-in controller; its writes are not the deploy's and are not logged. */
    static final String CONTROLLER_AGENT = "slipway-testkit-controller";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Object writeMonitor = new Object();
    /** Object path → field path → owning manager and operation. */
    private final Map<String, Map<String, Owner>> owners = new HashMap<>();

    /** A field's manager, and how it wrote the field ({@code Apply} or {@code Update}). */
    private record Owner(String manager, String operation) {}

    /** Which write (counting the writes {@link #writes()} logs) starts failing, and whether the rest do. */
    private record Faults(int first, boolean andAfter) {}

    private volatile Faults faults;
    /** Writes counted for faults; unlike {@link #writes}, never cleared. Guarded by writeMonitor. */
    private int writeCount;

    private final List<String> writes = new CopyOnWriteArrayList<>();
    private volatile boolean rejectCredentials;

    List<String> writes() {
        return List.copyOf(writes);
    }

    void clearWrites() {
        writes.clear();
    }

    void rejectCredentials(boolean reject) {
        this.rejectCredentials = reject;
    }

    /** The {@code nth} write from now on (and every later one when {@code andAfter}) is answered 500. */
    void failWrites(int nth, boolean andAfter) {
        synchronized (writeMonitor) {
            faults = nth <= 0 ? null : new Faults(writeCount + nth, andAfter);
        }
    }

    /**
     * The mock's watch listener waits, when a client closes a watch, for its pending event sends on the
     * server's one event loop, while those sends wait for that loop: every request to the cluster then stalls
     * for 30 s. A real API server does not; so the close is handed to a thread of its own.
     */
    @Override
    public MockResponse handleWatch(String path) {
        MockResponse response = super.handleWatch(path);
        WebSocketListener listener = response.getWebSocketListener();
        return listener == null ? response : response.withWebSocketUpgrade(new ClosedOffTheLoop(listener, openWatches));
    }

    /** The watches open now, for {@link #expireWatches()}. */
    private final java.util.Set<WebSocket> openWatches = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Ends every open watch as an API server does when the version it watches from was compacted away: an
     * {@code ERROR} event with a 410 Gone Status, then the close. The client must list again.
     */
    int expireWatches() {
        int n = 0;
        for (WebSocket ws : List.copyOf(openWatches)) {
            openWatches.remove(ws);
            ws.send("{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                    + "\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410,"
                    + "\"message\":\"too old resource version\"}}");
            ws.close(1000, "expired");
            n++;
        }
        return n;
    }

    /** Delegates to the mock's listener; its close and failure callbacks run off the event loop. */
    private static final class ClosedOffTheLoop extends WebSocketListener {
        private static final java.util.concurrent.Executor CLOSER = runnable -> {
            Thread t = new Thread(runnable, "testkit-watch-close");
            t.setDaemon(true);
            t.start();
        };
        private final WebSocketListener delegate;
        private final java.util.Set<WebSocket> open;

        ClosedOffTheLoop(WebSocketListener delegate, java.util.Set<WebSocket> open) {
            this.delegate = delegate;
            this.open = open;
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, Response response) {
            delegate.onBeforeAccept(webSocket, response);
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            open.add(webSocket);
            delegate.onOpen(webSocket, response);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            delegate.onMessage(webSocket, text);
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            delegate.onMessage(webSocket, bytes);
        }

        @Override
        public void onMessage(WebSocket webSocket, byte[] bytes) {
            delegate.onMessage(webSocket, bytes);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            delegate.onClosing(webSocket, code, reason);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            open.remove(webSocket);
            CLOSER.execute(() -> delegate.onClosed(webSocket, code, reason));
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            open.remove(webSocket);
            CLOSER.execute(() -> delegate.onFailure(webSocket, t, response));
        }
    }

    /** Requests sent as someone else: {@code user [groups] METHOD path}. */
    private final List<String> impersonated = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Impersonated users this cluster's RBAC (as the test sets it) lets read nothing. */
    private final java.util.Set<String> denied = java.util.concurrent.ConcurrentHashMap.newKeySet();

    List<String> impersonated() {
        return List.copyOf(impersonated);
    }

    void deny(String user) {
        denied.add(user);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String as = request.getHeader("Impersonate-User");
        if (as != null) {
            impersonated.add(as + " " + request.getHeaders().headers("Impersonate-Group") + " " + request.method() + " "
                    + pathOf(request.getPath()));
            if (denied.contains(as)) {
                return status(
                        403,
                        "Forbidden",
                        "users \"" + as + "\" is forbidden: cannot "
                                + request.method().name().toLowerCase(java.util.Locale.ROOT) + " "
                                + pathOf(request.getPath()),
                        List.of());
            }
        }
        boolean fromController = CONTROLLER_AGENT.equals(request.getHeader("User-Agent"));
        if (rejectCredentials && !fromController) {
            return status(401, "Unauthorized", "Unauthorized", List.of());
        }
        if (request.method() == HttpMethod.GET) {
            String path = pathOf(request.getPath());
            if (path.startsWith("/openapi/")) {
                // No schemas to offer; clients (kubectl) then skip client-side validation.
                return new MockResponse().setResponseCode(404);
            }
            var discovery = Discovery.answer(path, path.equals("/apis") ? customGroups() : Map.of());
            if (discovery.isPresent()) {
                return new MockResponse().setResponseCode(200).setBody(discovery.get());
            }
            if (path.startsWith("/apis/") && path.split("/").length == 4) {
                // A custom group/version: the mock answers it, but only when asked without a query string.
                return Discovery.withVerbs(super.handleGet(path));
            }
            return super.dispatch(request);
        }
        if (String.valueOf(request.getHeader("Content-Type")).contains("protobuf")) {
            // The mock stores JSON only; failing fast beats a request that never gets an answer.
            return status(
                    415,
                    "UnsupportedMediaType",
                    "the simulated API server accepts JSON and YAML bodies only",
                    List.of());
        }
        synchronized (writeMonitor) {
            if (!fromController) {
                writes.add(request.method() + " " + pathOf(request.getPath()));
                writeCount++;
                Faults f = faults;
                if (f != null && (writeCount == f.first() || (f.andAfter() && writeCount > f.first()))) {
                    return status(500, "InternalError", "the simulated API server failed this write", List.of());
                }
            }
            String contentType = String.valueOf(request.getHeader("Content-Type"));
            if (request.method() == HttpMethod.PATCH && contentType.contains("apply-patch")) {
                return apply(request);
            }
            if (request.method() == HttpMethod.DELETE) {
                owners.remove(pathOf(request.getPath()));
                return super.dispatch(request);
            }
            if (fromController || isSubresource(pathOf(request.getPath()))) {
                // Status written by the stand-in controller: not the fields anyone applies.
                return super.dispatch(request);
            }
            return update(request);
        }
    }

    /**
     * A write other than apply (create, replace, patch): stored by the CRUD mock, then the fields it changed
     * move to its manager, as the API server records an {@code Update} operation.
     */
    private MockResponse update(RecordedRequest request) {
        String path = pathOf(request.getPath());
        RecordedRequest effective = request;
        if (request.method() != HttpMethod.PATCH) {
            ObjectNode body = readObject(request.getBody().readUtf8());
            if (body == null) {
                return super.dispatch(request);
            }
            effective = json(request.method(), request.getPath(), storedForm(body));
        }
        String objectPath = path;
        ObjectNode before = null;
        if (request.method() != HttpMethod.POST) {
            MockResponse existing = super.handleGet(path);
            before = existing.code() == 200 ? readObject(existing.getBody().readUtf8()) : null;
        }
        MockResponse response = super.dispatch(effective);
        if (response.code() < 200 || response.code() >= 300) {
            return response;
        }
        ObjectNode after = readObject(response.getBody().readUtf8());
        if (after == null) {
            return response;
        }
        if (request.method() == HttpMethod.POST) {
            objectPath = path + "/" + after.path("metadata").path("name").asText();
        }
        String manager = managerOf(request);
        Map<String, Owner> fieldOwners = owners.computeIfAbsent(objectPath, p -> new HashMap<>());
        Map<String, JsonNode> previous = before == null ? Map.of() : leaves(before);
        Map<String, JsonNode> now = leaves(after);
        fieldOwners.keySet().removeIf(field -> !now.containsKey(field));
        now.forEach((field, value) -> {
            if (!value.equals(previous.get(field))) {
                fieldOwners.put(field, new Owner(manager, "Update"));
            }
        });
        return super.handleUpdate(json(HttpMethod.PUT, objectPath, withManagedFields(after, fieldOwners)));
    }

    /** The manager of a write: its fieldManager parameter, else its user agent up to the first '/'. */
    private static String managerOf(RecordedRequest request) {
        String manager = queryOf(request.getPath()).getOrDefault("fieldManager", "");
        if (!manager.isEmpty()) {
            return manager;
        }
        String agent = String.valueOf(request.getHeader("User-Agent"));
        int slash = agent.indexOf('/');
        return slash < 0 ? agent : agent.substring(0, slash);
    }

    /** /api/v1/namespaces/x/deployments/web/status and /scale are subresources; objects have 4 or 6 parts after api. */
    private static boolean isSubresource(String path) {
        return path.endsWith("/status");
    }

    /** What the API server stores for a body: a Secret's stringData becomes base64 data. */
    private static ObjectNode storedForm(ObjectNode body) {
        if (!body.path("kind").asText().equals("Secret") || !(body.get("stringData") instanceof ObjectNode strings)) {
            return body;
        }
        ObjectNode copy = body.deepCopy();
        copy.remove("stringData");
        ObjectNode data = copy.with("data");
        strings.fields()
                .forEachRemaining(e -> data.put(
                        e.getKey(),
                        java.util.Base64.getEncoder()
                                .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        return copy;
    }

    /**
     * The object with one managedFields entry per manager and operation, their fieldsV1 built from the field
     * pointers each owns (lists as leaves: this shim owns lists whole).
     */
    private static ObjectNode withManagedFields(ObjectNode object, Map<String, Owner> fieldOwners) {
        Map<Owner, ObjectNode> trees = new LinkedHashMap<>();
        fieldOwners.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode node = trees.computeIfAbsent(e.getValue(), o -> JsonNodeFactory.instance.objectNode());
            for (String part : e.getKey().substring(1).split("/")) {
                node = node.with("f:" + part.replace("~1", "/").replace("~0", "~"));
            }
        });
        ObjectNode copy = object.deepCopy();
        ArrayNode managed = copy.with("metadata").putArray("managedFields");
        trees.forEach((owner, tree) -> {
            ObjectNode entry = managed.addObject();
            entry.put("manager", owner.manager());
            entry.put("operation", owner.operation());
            entry.put("apiVersion", object.path("apiVersion").asText());
            entry.put("fieldsType", "FieldsV1");
            entry.set("fieldsV1", tree);
        });
        return copy;
    }

    private static ObjectNode readObject(String json) {
        try {
            return JSON.readTree(json) instanceof ObjectNode object ? object : null;
        } catch (JsonProcessingException e) {
            return null; // not JSON (a YAML or protobuf body): stored as the mock stores it, without ownership
        }
    }

    private Map<String, List<String>> customGroups() {
        MockResponse crds = super.handleGet("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
        try {
            return Discovery.customGroups(JSON.readTree(crds.getBody().readUtf8()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the mock server stored invalid JSON", e);
        }
    }

    private MockResponse apply(RecordedRequest request) {
        String path = pathOf(request.getPath());
        Map<String, String> query = queryOf(request.getPath());
        String manager = query.getOrDefault("fieldManager", "");
        if (manager.isEmpty()) {
            return status(400, "BadRequest", "PATCH with apply-patch requires a fieldManager", List.of());
        }
        boolean force = Boolean.parseBoolean(query.getOrDefault("force", "false"));
        ObjectNode applied;
        try {
            applied = storedForm((ObjectNode) YAML.readTree(request.getBody().readUtf8()));
        } catch (JsonProcessingException | ClassCastException e) {
            return status(400, "BadRequest", "apply body is not an object: " + e.getMessage(), List.of());
        }
        MockResponse existing = super.handleGet(path);
        String existingBody = existing.code() == 404 ? null : existing.getBody().readUtf8();
        ObjectNode stored = existingBody == null ? null : readObject(existingBody);
        assignNodePorts(applied, stored);
        Map<String, Owner> fieldOwners = owners.computeIfAbsent(path, p -> new HashMap<>());
        Map<String, JsonNode> appliedFields = leaves(applied);
        Owner applier = new Owner(manager, "Apply");
        if (existing.code() == 404) {
            fieldOwners.clear();
            appliedFields.keySet().forEach(f -> fieldOwners.put(f, applier));
            String collection = path.substring(0, path.lastIndexOf('/'));
            return super.handleCreate(json(HttpMethod.POST, collection, withManagedFields(applied, fieldOwners)));
        }
        ObjectNode current;
        try {
            current = (ObjectNode) JSON.readTree(existingBody);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the mock server stored invalid JSON", e);
        }
        Map<String, JsonNode> currentFields = leaves(current);
        List<String[]> conflicts = new ArrayList<>();
        appliedFields.forEach((field, value) -> {
            Owner owner = fieldOwners.get(field);
            if (owner != null && !owner.manager().equals(manager) && !value.equals(currentFields.get(field))) {
                conflicts.add(new String[] {owner.manager(), displayField(field)});
            }
        });
        if (!conflicts.isEmpty() && !force) {
            return conflict(conflicts);
        }
        ObjectNode merged = current.deepCopy();
        // Fields this manager applied before but no longer declares are removed, as real SSA does.
        for (Iterator<Map.Entry<String, Owner>> it = fieldOwners.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Owner> entry = it.next();
            if (entry.getValue().equals(applier) && !appliedFields.containsKey(entry.getKey())) {
                remove(merged, entry.getKey());
                it.remove();
            }
        }
        mergeInto(merged, applied);
        appliedFields.keySet().forEach(f -> fieldOwners.put(f, applier));
        return super.handleUpdate(json(HttpMethod.PUT, path, withManagedFields(merged, fieldOwners)));
    }

    /**
     * What the API server's Service registry does for a NodePort Service: a port that names no nodePort keeps the
     * one it has, else gets a free one from 30000-32767 (below Linux's ephemeral range, so a test can listen on
     * it on 127.0.0.1, as on a node).
     */
    private void assignNodePorts(ObjectNode applied, ObjectNode stored) {
        if (!applied.path("kind").asText().equals("Service")
                || !applied.path("spec").path("type").asText().equals("NodePort")
                || !(applied.path("spec").get("ports") instanceof ArrayNode ports)) {
            return;
        }
        JsonNode before = stored == null ? null : stored.path("spec").get("ports");
        for (JsonNode port : ports) {
            if (!(port instanceof ObjectNode p) || p.hasNonNull("nodePort")) {
                continue;
            }
            int kept = 0;
            if (before != null) {
                for (JsonNode old : before) {
                    if (old.path("port").asInt() == p.path("port").asInt()
                            && old.path("nodePort").asInt() > 0) {
                        kept = old.path("nodePort").asInt();
                    }
                }
            }
            p.put("nodePort", kept > 0 ? kept : freeNodePort());
        }
    }

    private static final java.util.Set<Integer> NODE_PORTS_GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static int freeNodePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 30000 + random.nextInt(2768);
            if (!NODE_PORTS_GIVEN.contains(port) && bindable(port)) {
                NODE_PORTS_GIVEN.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free port in 30000-32767 on 127.0.0.1");
    }

    private static boolean bindable(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static MockResponse conflict(List<String[]> conflicts) {
        StringBuilder message = new StringBuilder(
                "Apply failed with " + conflicts.size() + " conflict" + (conflicts.size() == 1 ? "" : "s") + ":");
        List<ObjectNode> causes = new ArrayList<>();
        for (String[] c : conflicts) {
            message.append(" conflict with \"").append(c[0]).append("\": ").append(c[1]);
            ObjectNode cause = JsonNodeFactory.instance.objectNode();
            cause.put("reason", "FieldManagerConflict");
            cause.put("message", "conflict with \"" + c[0] + "\"");
            cause.put("field", c[1]);
            causes.add(cause);
        }
        return status(409, "Conflict", message.toString(), causes);
    }

    private static MockResponse status(int code, String reason, String message, List<ObjectNode> causes) {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        status.put("code", code);
        if (!causes.isEmpty()) {
            ArrayNode array = status.putObject("details").putArray("causes");
            causes.forEach(array::add);
        }
        return new MockResponse().setResponseCode(code).setBody(status.toString());
    }

    private static RecordedRequest json(HttpMethod method, String path, ObjectNode body) {
        Headers headers =
                Headers.builder().add("Content-Type", "application/json").build();
        return new RecordedRequest(
                "HTTP/1.1", method, path, headers, new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * JSON pointers ("/spec/replicas") of every scalar or list; lists are owned whole. Pointers, because
     * label and annotation keys contain dots.
     */
    static Map<String, JsonNode> leaves(ObjectNode object) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        collect("", object, out);
        out.remove("/apiVersion");
        out.remove("/kind");
        out.remove("/metadata/name");
        out.remove("/metadata/namespace");
        for (String server : List.of(
                "/metadata/managedFields",
                "/metadata/resourceVersion",
                "/metadata/uid",
                "/metadata/generation",
                "/metadata/creationTimestamp",
                "/metadata/selfLink")) {
            out.remove(server);
        }
        out.keySet().removeIf(k -> k.startsWith("/status"));
        return out;
    }

    private static void collect(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject() && !node.isEmpty()) {
            node.fields()
                    .forEachRemaining(e -> collect(
                            prefix + "/" + e.getKey().replace("~", "~0").replace("/", "~1"), e.getValue(), out));
        } else {
            out.put(prefix, node);
        }
    }

    /** How the API server names a field in conflict messages: {@code .spec.replicas}. */
    private static String displayField(String pointer) {
        StringBuilder out = new StringBuilder();
        for (String part : pointer.substring(1).split("/")) {
            out.append('.').append(part.replace("~1", "/").replace("~0", "~"));
        }
        return out.toString();
    }

    private static void remove(ObjectNode root, String pointer) {
        int last = pointer.lastIndexOf('/');
        JsonNode parent = last == 0 ? root : root.at(pointer.substring(0, last));
        if (parent instanceof ObjectNode object) {
            object.remove(pointer.substring(last + 1).replace("~1", "/").replace("~0", "~"));
        }
    }

    private static void mergeInto(ObjectNode target, ObjectNode patch) {
        patch.fields().forEachRemaining(e -> {
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode existingObject && e.getValue() instanceof ObjectNode patchObject) {
                mergeInto(existingObject, patchObject);
            } else {
                target.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    private static String pathOf(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    private static Map<String, String> queryOf(String pathAndQuery) {
        Map<String, String> query = new HashMap<>();
        int q = pathAndQuery.indexOf('?');
        if (q < 0) {
            return query;
        }
        for (String pair : pathAndQuery.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(key, value);
        }
        return query;
    }
}
