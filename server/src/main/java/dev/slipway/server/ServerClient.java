package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Java client of the server's API, so the CLI's {@code --server URL} mode (and anything else in Java) talks to
 * the control plane without hand-written HTTP. Refusals come back as {@link InvalidInputException} carrying the
 * server's problems, which the CLI prints like any other user error.
 */
public final class ServerClient {

    private final HttpClient http;
    private final String baseUrl;
    private final String token;
    private final String source;

    private ServerClient(HttpClient http, String baseUrl, String token, String source) {
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.source = source;
    }

    /**
     * A client for the server at {@code url}, authenticating with the token read from {@code tokenFile}; when the
     * server uses its generated CA, pass its {@code ca.pem} as {@code caCertificate}.
     */
    public static ServerClient connect(String url, Path tokenFile, Optional<Path> caCertificate) throws IOException {
        return withToken(
                url, Files.readString(tokenFile, StandardCharsets.UTF_8).strip(), caCertificate);
    }

    /** Like {@link #connect} with the token itself, for callers that read it elsewhere (the OS keyring). */
    public static ServerClient withToken(String url, String token, Optional<Path> caCertificate) throws IOException {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (caCertificate.isPresent()) {
            builder.sslContext(trusting(caCertificate.get()));
        }
        return new ServerClient(builder.build(), url, token, "cli");
    }

    /** A deploy as the server reports it. */
    public record RemoteDeploy(
            long id,
            String app,
            String environment,
            String kind,
            String state,
            Optional<String> ref,
            Optional<String> message,
            List<RemoteCluster> clusters) {

        public boolean finished() {
            return !state.equals("queued") && !state.equals("running");
        }
    }

    /** One cluster's part of a remote deploy. */
    public record RemoteCluster(String cluster, String state, Optional<Integer> revision, Optional<String> message) {}

    /**
     * A review lab as the server reports it; {@code url} is where it answers, when the server knows (labs on its
     * local backend, or cluster labs with a lab URL template).
     */
    public record RemoteLab(
            long id,
            String app,
            String branch,
            String namespace,
            String ref,
            String state,
            String createdBy,
            String lastDeployAt,
            String expiresAt,
            String expiresIn,
            Optional<String> ciState,
            Optional<String> url) {}

    /** A lab brought up, and the deploy that brings it up. */
    public record LabUp(RemoteLab lab, RemoteDeploy deploy) {}

    /** The names of the apps registered with the server; any valid token may read them. */
    public List<String> apps() {
        List<String> names = new ArrayList<>();
        appList().forEach(a -> names.add(a.path("name").asText()));
        return names;
    }

    /**
     * Registers the app whose directory (as the server sees it) holds its slipway.yaml; registering it again
     * updates it. Returns the app as the server records it.
     */
    public JsonNode registerApp(String directory, Optional<String> labGroup, Optional<String> labTtl) {
        ObjectNode body = Views.JSON.createObjectNode().put("directory", directory);
        labGroup.ifPresent(g -> body.put("labGroup", g));
        labTtl.ifPresent(t -> body.put("labTtl", t));
        return send("POST", "/api/apps", body);
    }

    /** The registered apps, as the server's JSON (see /openapi.json, App). */
    public JsonNode appList() {
        return send("GET", "/api/apps", null);
    }

    /** Unregisters an app; its deploy history and labs stay recorded. */
    public void removeApp(String app) {
        send("DELETE", "/api/apps/" + segment(app), null);
    }

    public RemoteDeploy deploy(String app, String environment, Optional<String> ref) {
        ObjectNode body = Views.JSON.createObjectNode();
        ref.ifPresent(r -> body.put("ref", r));
        return deploy(
                send("POST", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/deploys", body));
    }

    public RemoteDeploy rollback(String app, String environment, Optional<Integer> toRevision) {
        ObjectNode body = Views.JSON.createObjectNode();
        toRevision.ifPresent(r -> body.put("to", r));
        return deploy(send(
                "POST", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/rollback", body));
    }

    public RemoteDeploy status(long deployId) {
        return deploy(send("GET", "/api/deploys/" + deployId, null));
    }

    /** Recent deploys of an app/environment, newest first. */
    public List<RemoteDeploy> deploys(String app, String environment, int limit) {
        JsonNode list = send(
                "GET",
                "/api/deploys?app=" + query(app) + "&environment=" + query(environment) + "&limit=" + limit,
                null);
        List<RemoteDeploy> result = new ArrayList<>();
        list.forEach(d -> result.add(deploy(d)));
        return result;
    }

    /** The recorded revisions per cluster, as the server's JSON (see /openapi.json, ClusterHistory). */
    public JsonNode revisions(String app, String environment) {
        return send("GET", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/revisions", null);
    }

    /** The environment's live status per cluster, as the server read it now (see /openapi.json, EnvironmentStatus). */
    public JsonNode status(String app, String environment) {
        return send("GET", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/status", null);
    }

    /**
     * Follows a deploy's log until it ends, handing each line to {@code lines}; returns the final state of the deploy.
     */
    public RemoteDeploy follow(long deployId, Consumer<String> lines) {
        HttpRequest request = request("/api/deploys/" + deployId + "/log")
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String event = "";
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ") && event.equals("log")) {
                        lines.accept(line.substring(6));
                    } else if (line.startsWith("data: ") && event.equals("error")) {
                        throw refusal(Views.JSON.readTree(line.substring(6)));
                    }
                }
            }
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(new IOException("interrupted"));
        }
        return status(deployId);
    }

    public LabUp labUp(String app, String branch, String commitSha, Optional<String> ttl) {
        ObjectNode body = Views.JSON.createObjectNode().put("branch", branch).put("ref", commitSha);
        ttl.ifPresent(t -> body.put("ttl", t));
        JsonNode reply = send("POST", "/api/apps/" + segment(app) + "/labs", body);
        return new LabUp(lab(reply.get("lab")), deploy(reply.get("deploy")));
    }

    public List<RemoteLab> labs(Optional<String> app) {
        JsonNode list = send(
                "GET",
                "/api/labs?limit=10000" + app.map(a -> "&app=" + query(a)).orElse(""),
                null);
        List<RemoteLab> result = new ArrayList<>();
        list.forEach(l -> result.add(lab(l)));
        return result;
    }

    public RemoteLab labDown(long labId) {
        return lab(send("DELETE", "/api/labs/" + labId, null));
    }

    public RemoteLab labExtend(long labId, Optional<String> by) {
        ObjectNode body = Views.JSON.createObjectNode();
        by.ifPresent(b -> body.put("by", b));
        return lab(send("POST", "/api/labs/" + labId + "/extend", body));
    }

    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = request(path);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json =
                    response.body().isBlank() ? Views.JSON.createObjectNode() : Views.JSON.readTree(response.body());
            if (response.statusCode() >= 400) {
                throw refusal(json);
            }
            return json;
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(new IOException("interrupted"));
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + token)
                .header("X-Slipway-Source", source);
    }

    private InvalidInputException refusal(JsonNode problem) {
        List<Problem> problems = new ArrayList<>();
        problem.path("problems")
                .forEach(p -> problems.add(new Problem(
                        p.path("where").asText("server"),
                        p.path("what").asText(),
                        p.path("fix").asText("see the server's log"))));
        if (problems.isEmpty()) {
            problems.add(new Problem(
                    baseUrl,
                    "the server answered " + problem.path("status").asText("an error") + ": "
                            + problem.path("title").asText(problem.toString()),
                    "see the server's log"));
        }
        return new InvalidInputException(problems);
    }

    private InvalidInputException unreachable(IOException e) {
        return new InvalidInputException(new Problem(
                baseUrl,
                "cannot reach the Slipway server: "
                        + (e instanceof ConnectException
                                ? "connection refused"
                                : Optional.ofNullable(e.getMessage())
                                        .orElse(e.getClass().getSimpleName())),
                "check --server and that the server is running; for https, pass the server's CA certificate"));
    }

    private static RemoteDeploy deploy(JsonNode d) {
        List<RemoteCluster> clusters = new ArrayList<>();
        d.path("clusters")
                .forEach(c -> clusters.add(new RemoteCluster(
                        c.path("cluster").asText(),
                        c.path("state").asText(),
                        c.path("revision").isInt()
                                ? Optional.of(c.path("revision").asInt())
                                : Optional.empty(),
                        text(c, "message"))));
        return new RemoteDeploy(
                d.path("id").asLong(),
                d.path("app").asText(),
                d.path("environment").asText(),
                d.path("kind").asText(),
                d.path("state").asText(),
                text(d, "ref"),
                text(d, "message"),
                clusters);
    }

    private static RemoteLab lab(JsonNode l) {
        return new RemoteLab(
                l.path("id").asLong(),
                l.path("app").asText(),
                l.path("branch").asText(),
                l.path("namespace").asText(),
                l.path("ref").asText(),
                l.path("state").asText(),
                l.path("createdBy").asText(),
                l.path("lastDeployAt").asText(),
                l.path("expiresAt").asText(),
                l.path("expiresIn").asText(),
                text(l, "ciState"),
                text(l, "url"));
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static SSLContext trusting(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry(
                    "slipway-server-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + caPem + " as CA certificate: " + e.getMessage(), e);
        }
    }
}
