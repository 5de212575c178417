package dev.slipway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.RollbackTo;
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
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Java client of the server's API, so the CLI's {@code --server URL} mode (and anything else in Java) talks to
 * the control plane without hand-written HTTP. Refusals come back as {@link InvalidInputException} carrying the
 * server's problems, which the CLI prints like any other user error.
 */
public final class SlipwayClient {
    /** How long a request may take before the client gives up on the server. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

    /** How much longer than the wait it asked for a long poll may take to be answered. */
    public static final Duration LONG_POLL_GRACE = Duration.ofSeconds(5);

    private final HttpClient http;
    private final String baseUrl;
    private final String token;
    private final String source;
    private final Optional<Path> caCertificate;

    private SlipwayClient(HttpClient http, String baseUrl, String token, String source, Optional<Path> caCertificate) {
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.source = source;
        this.caCertificate = caCertificate;
    }

    /**
     * A client for the server at {@code url}, authenticating with the token read from {@code tokenFile}; when the
     * server uses its generated CA, pass its {@code ca.pem} as {@code caCertificate}.
     */
    public static SlipwayClient connect(String url, Path tokenFile, Optional<Path> caCertificate) throws IOException {
        return withToken(
                url, Files.readString(tokenFile, StandardCharsets.UTF_8).strip(), caCertificate);
    }

    /** Like {@link #connect} with the token itself, for callers that read it elsewhere (the OS keyring). */
    public static SlipwayClient withToken(String url, String token, Optional<Path> caCertificate) throws IOException {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (caCertificate.isPresent()) {
            builder.sslContext(trusting(caCertificate.get()));
        }
        return new SlipwayClient(builder.build(), url, token, "cli", caCertificate);
    }

    /** The names of the apps registered with the server; any valid token may read them. */
    public List<String> apps() {
        return appList().stream().map(RegisteredApp::name).toList();
    }

    /**
     * Registers the app whose directory (as the server sees it) holds its slipway.yaml; registering it again
     * updates it. Returns the app as the server records it.
     */
    public RegisteredApp registerApp(String directory, Optional<String> labGroup, Optional<String> labTtl) {
        ObjectNode body = ApiJson.object().put("directory", directory);
        labGroup.ifPresent(g -> body.put("labGroup", g));
        labTtl.ifPresent(t -> body.put("labTtl", t));
        return ApiJson.read(send("POST", "/api/apps", body), RegisteredApp.class);
    }

    /** The registered apps. */
    public List<RegisteredApp> appList() {
        return list(send("GET", "/api/apps", null), RegisteredApp.class);
    }

    /** Unregisters an app; its deploy history and labs stay recorded. */
    public void removeApp(String app) {
        send("DELETE", "/api/apps/" + segment(app), null);
    }

    /** Queues a deploy of {@code ref} (the server's default ref when empty) to an environment. */
    public Deploy deploy(String app, String environment, Optional<String> ref) {
        return deploy(app, environment, ref, Optional.empty());
    }

    /**
     * As above, going through any deploy freeze once for {@code overrideFreeze}'s reason (an admin token; audited
     * on the server).
     */
    public Deploy deploy(String app, String environment, Optional<String> ref, Optional<String> overrideFreeze) {
        ObjectNode body = ApiJson.object();
        ref.ifPresent(r -> body.put("ref", r));
        overrideFreeze.ifPresent(r -> body.put("overrideFreeze", r));
        return ApiJson.read(
                send("POST", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/deploys", body),
                Deploy.class);
    }

    /** Queues a rollback to {@code toRevision} on every cluster, or to the previous release when empty. */
    public Deploy rollback(String app, String environment, Optional<Integer> toRevision) {
        return rollback(app, environment, toRevision.map(RollbackTo::revision).orElseGet(RollbackTo::previous));
    }

    /** Queues a rollback of the whole group to one release: the previous one, a revision number's or a named one. */
    public Deploy rollback(String app, String environment, RollbackTo to) {
        ObjectNode body = ApiJson.object();
        if (to instanceof RollbackTo.Number n) {
            body.put("to", n.number());
        } else if (to instanceof RollbackTo.Release r) {
            body.put("release", r.id());
        }
        return ApiJson.read(
                send("POST", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/rollback", body),
                Deploy.class);
    }

    /** A deploy as it is now. */
    public Deploy status(long deployId) {
        return ApiJson.read(send("GET", "/api/deploys/" + deployId, null), Deploy.class);
    }

    /** Recent deploys of an app/environment, newest first. */
    public List<Deploy> deploys(String app, String environment, int limit) {
        return list(
                send(
                        "GET",
                        "/api/deploys?app=" + query(app) + "&environment=" + query(environment) + "&limit=" + limit,
                        null),
                Deploy.class);
    }

    /** The recorded revisions per cluster, newest first. */
    public List<ClusterRevisions> revisions(String app, String environment) {
        return list(
                send("GET", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/revisions", null),
                ClusterRevisions.class);
    }

    /**
     * The environment's live status per cluster, as the server read it now: the JSON of
     * {@code dev.slipway.core.deploy.StatusDocument}, which the CLI renders as in direct mode.
     */
    public JsonNode status(String app, String environment) {
        return send("GET", "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/status", null);
    }

    /**
     * The environment's rollout: per cluster the step, the traffic stage and the last analysis.
     *
     * @throws InvalidInputException with the server's problem when the environment has no rollout (404)
     */
    public Rollout rollout(String app, String environment) {
        return read(send("GET", rolloutPath(app, environment), null), Rollout.class);
    }

    /**
     * The newest {@code limit} transitions of the environment's rollouts (oldest first), from the server's audit log:
     * every step, hold, breach, pause and promotion with who or what decided and why.
     */
    public List<RolloutTransition> rolloutTransitions(String app, String environment, int limit) {
        return list(
                send("GET", rolloutPath(app, environment) + "/transitions?limit=" + limit, null),
                RolloutTransition.class);
    }

    /** Pauses the environment's rollout: running clusters hold their step and traffic split. */
    public Rollout pauseRollout(String app, String environment, Optional<String> reason) {
        return rolloutAction(app, environment, "pause", reason);
    }

    /** Resumes a rollout paused by hand (or moves it on from an {@code optin} step). */
    public Rollout resumeRollout(String app, String environment, Optional<String> reason) {
        return rolloutAction(app, environment, "resume", reason);
    }

    /** Skips the remaining steps: every cluster not finished is promoted now. */
    public Rollout promoteRollout(String app, String environment, Optional<String> reason) {
        return rolloutAction(app, environment, "promote", reason);
    }

    /** Sends all traffic back to stable and removes the canary. */
    public Rollout abortRollout(String app, String environment, Optional<String> reason) {
        return rolloutAction(app, environment, "abort", reason);
    }

    /** Starts the aborted or failed clusters of a stopped rollout again from the first step. */
    public Rollout retryRollout(String app, String environment, Optional<String> reason) {
        return rolloutAction(app, environment, "retry", reason);
    }

    /**
     * The stages routers follow: answers at once when the version is greater than {@code after}, else waits up to
     * {@code wait} (the server waits at most 30 s) for a change and answers what there is then. The request gives up
     * {@link #LONG_POLL_GRACE} after {@code wait}: a server that went away without closing the connection (a host
     * that crashed, a dropped NAT entry) is noticed then, not after the client's two minutes.
     */
    public RolloutStages rolloutStages(String app, String environment, long after, Duration wait) {
        long seconds = Math.min(30, Math.max(0, wait.toSeconds()));
        return read(
                send(
                        "GET",
                        rolloutPath(app, environment) + "/stages?after=" + after + "&waitSeconds=" + seconds,
                        null,
                        Duration.ofSeconds(seconds).plus(LONG_POLL_GRACE)),
                RolloutStages.class);
    }

    private Rollout rolloutAction(String app, String environment, String action, Optional<String> reason) {
        ObjectNode body = ApiJson.object();
        reason.ifPresent(r -> body.put("reason", r));
        return read(send("POST", rolloutPath(app, environment) + "/" + action, body), Rollout.class);
    }

    private static String rolloutPath(String app, String environment) {
        return "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/rollout";
    }

    /**
     * Follows a deploy's log until it ends, handing each line to {@code lines}; returns the final state of the deploy.
     */
    public Deploy follow(long deployId, Consumer<String> lines) {
        HttpRequest request = request("/api/deploys/" + deployId + "/log")
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() >= 400) {
                    throw refusal(response.statusCode(), reader.lines().collect(Collectors.joining("\n")));
                }
                String event = "";
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ") && event.equals("log")) {
                        lines.accept(line.substring(6));
                    } else if (line.startsWith("data: ") && event.equals("error")) {
                        throw refusal(response.statusCode(), line.substring(6));
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

    /** Brings up (or redeploys) the lab of {@code branch} at {@code commitSha}. */
    public LabUp labUp(String app, String branch, String commitSha, Optional<String> ttl) {
        ObjectNode body = ApiJson.object().put("branch", branch).put("ref", commitSha);
        ttl.ifPresent(t -> body.put("ttl", t));
        return ApiJson.read(send("POST", "/api/apps/" + segment(app) + "/labs", body), LabUp.class);
    }

    /** The live labs, of one app or of all. */
    public List<Lab> labs(Optional<String> app) {
        return list(
                send(
                        "GET",
                        "/api/labs?limit=10000"
                                + app.map(a -> "&app=" + query(a)).orElse(""),
                        null),
                Lab.class);
    }

    /** Takes a lab down now; returns it as it is after the teardown. */
    public Lab labDown(long labId) {
        return ApiJson.read(send("DELETE", "/api/labs/" + labId, null), Lab.class);
    }

    /** Extends a lab's life by {@code by}, or by its TTL when empty. */
    public Lab labExtend(long labId, Optional<String> by) {
        ObjectNode body = ApiJson.object();
        by.ifPresent(b -> body.put("by", b));
        return ApiJson.read(send("POST", "/api/labs/" + labId + "/extend", body), Lab.class);
    }

    /**
     * Freezes the environment on every cluster of its group (through the server's credentials), for {@code lasting}
     * ({@code 2h}) or until {@code until}, else until lifted; answers each cluster's freeze.
     */
    public JsonNode freeze(
            String app, String environment, String reason, Optional<String> lasting, Optional<String> until) {
        ObjectNode body = ApiJson.object().put("reason", reason);
        lasting.ifPresent(l -> body.put("for", l));
        until.ifPresent(u -> body.put("until", u));
        return send("POST", freezePath(app, environment), body);
    }

    /** Lifts the environment's freeze on every cluster of its group; answers each cluster's freeze. */
    public JsonNode unfreeze(String app, String environment) {
        return send("DELETE", freezePath(app, environment), null);
    }

    /**
     * Freezes environment name {@code environment} for every app (admin scope), on every cluster of the server's
     * clusters file or of {@code group}; answers each cluster's freeze.
     */
    public JsonNode freezeEveryApp(
            String environment,
            String reason,
            Optional<String> lasting,
            Optional<String> until,
            Optional<String> group) {
        ObjectNode body = ApiJson.object().put("reason", reason);
        lasting.ifPresent(l -> body.put("for", l));
        until.ifPresent(u -> body.put("until", u));
        return send("POST", everyAppFreezePath(environment, group), body);
    }

    /** Lifts the every-app freeze of {@code environment} (admin scope); answers each cluster's freeze. */
    public JsonNode unfreezeEveryApp(String environment, Optional<String> group) {
        return send("DELETE", everyAppFreezePath(environment, group), null);
    }

    private static String everyAppFreezePath(String environment, Optional<String> group) {
        return "/api/environments/" + segment(environment) + "/freeze"
                + group.map(g -> "?group=" + java.net.URLEncoder.encode(g, java.nio.charset.StandardCharsets.UTF_8))
                        .orElse("");
    }

    private static String freezePath(String app, String environment) {
        return "/api/apps/" + segment(app) + "/environments/" + segment(environment) + "/freeze";
    }

    /** A one-time code that links a chat user to this client's token (said in chat as {@code link CODE}). */
    public ChatLinkCode chatLinkCode() {
        return read(send("POST", "/api/chat/link-codes", null), ChatLinkCode.class);
    }

    private JsonNode send(String method, String path, JsonNode body) {
        return send(method, path, body, REQUEST_TIMEOUT);
    }

    private JsonNode send(String method, String path, JsonNode body, Duration timeout) {
        HttpRequest.Builder request = request(path).timeout(timeout);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(new IOException("interrupted"));
        }
        if (response.statusCode() >= 400) {
            throw refusal(response.statusCode(), response.body());
        }
        try {
            return response.body().isBlank() ? ApiJson.object() : ApiJson.parse(response.body());
        } catch (IOException e) {
            throw notTheApi(response.statusCode(), e);
        }
    }

    private <T> List<T> list(JsonNode array, Class<T> type) {
        if (!array.isArray()) {
            throw notTheApi(200, new IOException("expected a JSON array"));
        }
        List<T> result = new ArrayList<>();
        array.forEach(item -> result.add(read(item, type)));
        return List.copyOf(result);
    }

    private <T> T read(JsonNode json, Class<T> type) {
        try {
            return ApiJson.read(json, type);
        } catch (IllegalArgumentException e) {
            throw notTheApi(200, new IOException(e.getMessage(), e));
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("X-Slipway-Source", source);
    }

    /** The server's problems, or, when something else answered (a proxy's error page), what came back. */
    private ServerRefusal refusal(int status, String body) {
        Optional<ProblemDetails> details = problemDetails(body);
        if (details.isPresent() && !details.get().problems().isEmpty()) {
            return new ServerRefusal(status, details.get().problems());
        }
        String title =
                details.map(ProblemDetails::title).filter(t -> !t.isEmpty()).orElse("no problem details");
        return new ServerRefusal(
                status,
                List.of(new Problem(baseUrl, "the server answered " + status + ": " + title, "see the server's log")));
    }

    private static Optional<ProblemDetails> problemDetails(String body) {
        try {
            return Optional.of(ApiJson.read(ApiJson.parse(body), ProblemDetails.class));
        } catch (IOException | IllegalArgumentException notProblemJson) {
            // Something else answered (a proxy's error page, a plain-text 502): the status tells what happened.
            return Optional.empty();
        }
    }

    private InvalidInputException notTheApi(int status, IOException e) {
        return new InvalidInputException(new Problem(
                baseUrl,
                "the answer (HTTP " + status + ") is not the Slipway API's JSON: " + e.getMessage(),
                "check that --server points at a Slipway server of the same version as this CLI"));
    }

    private InvalidInputException unreachable(IOException e) {
        Optional<InvalidInputException> certificate = certificateProblem(e);
        if (certificate.isPresent()) {
            return certificate.get();
        }
        return new InvalidInputException(new Problem(
                baseUrl,
                "cannot reach the Slipway server: "
                        + (e instanceof ConnectException
                                ? "connection refused"
                                : e instanceof java.net.http.HttpTimeoutException
                                        ? "no answer in time"
                                        : Optional.ofNullable(e.getMessage())
                                                .orElse(e.getClass().getSimpleName())),
                "check --server and that the server is running; for https, pass the server's CA certificate"));
    }

    /**
     * A TLS handshake that failed on the server's certificate, said as what it is (not trusted, or not for this
     * host) with how to fix it, rather than the JDK's "PKIX path building failed".
     */
    private Optional<InvalidInputException> certificateProblem(IOException e) {
        List<Throwable> causes = new ArrayList<>();
        for (Throwable cause = e; cause != null && causes.size() < 20; cause = cause.getCause()) {
            causes.add(cause);
        }
        if (causes.stream().noneMatch(SSLHandshakeException.class::isInstance)) {
            return Optional.empty();
        }
        Optional<Throwable> expired = causes.stream()
                .filter(c -> c instanceof CertificateExpiredException || c instanceof CertificateNotYetValidException)
                .findFirst();
        if (expired.isPresent()) {
            return Optional.of(new InvalidInputException(new Problem(
                    baseUrl,
                    "the server's TLS certificate is outside its validity period: "
                            + expired.get().getMessage(),
                    "renew the server's certificate (or check this machine's clock)")));
        }
        if (causes.stream()
                .anyMatch(c -> c instanceof CertPathBuilderException || c instanceof CertPathValidatorException)) {
            String trustFix = "pass the CA certificate that signed the server's certificate (a server that made its"
                    + " own TLS identity keeps it in STATE_DIR/tls/ca.pem): with the slipway CLI, --ca FILE, $"
                    + "SLIPWAY_SERVER_CA or the config key ca: in ~/.config/slipway/config.yaml";
            return Optional.of(new InvalidInputException(new Problem(
                    baseUrl,
                    caCertificate
                            .map(ca -> "the server's TLS certificate is not trusted: it is not signed by the CA"
                                    + " certificate " + ca)
                            .orElse("the server's TLS certificate is not trusted: it is not signed by a CA this"
                                    + " machine trusts"),
                    caCertificate.isPresent()
                            ? "check that " + caCertificate.get() + " is this server's CA; " + trustFix
                            : trustFix)));
        }
        Optional<Throwable> wrongHost = causes.stream()
                .filter(c -> c instanceof CertificateException
                        && c.getMessage() != null
                        && (c.getMessage().startsWith("No subject alternative")
                                || c.getMessage().startsWith("No name matching")))
                .findFirst();
        return wrongHost.map(c -> new InvalidInputException(new Problem(
                baseUrl,
                "the server's TLS certificate is not issued for this host: " + c.getMessage(),
                "use in --server the host name or address the certificate names, or give the server a"
                        + " certificate for this one")));
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
