package dev.slipway.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.ApiJson;
import dev.slipway.api.ClusterRevisions;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterHistory;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.Freeze;
import dev.slipway.core.deploy.StatusDocument;
import dev.slipway.core.lab.LabNames;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.local.CommitCheckouts;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.store.AppRecord;
import dev.slipway.store.AppRegistration;
import dev.slipway.store.AuditEntry;
import dev.slipway.store.ChatLinks;
import dev.slipway.store.CiReport;
import dev.slipway.store.CiState;
import dev.slipway.store.CiStatus;
import dev.slipway.store.CombinedStatus;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.DeployRequest;
import dev.slipway.store.DeployState;
import dev.slipway.store.EnvironmentRecord;
import dev.slipway.store.IssuedToken;
import dev.slipway.store.LabOpening;
import dev.slipway.store.LabRecord;
import dev.slipway.store.LabState;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;
import dev.slipway.store.Store;
import dev.slipway.store.TokenRecord;
import dev.slipway.store.WebhookOutcome;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The REST API's handlers. Each route declares the scope it needs in {@link #routes()}, which is also what the
 * OpenAPI document is checked against.
 */
final class Api {

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    private static final Pattern DELIVERY_ID = Pattern.compile("[0-9A-Za-z-]{1," + Inputs.DELIVERY_ID + "}");
    private static final int MAX_LIMIT = 10_000;

    private final Store store;
    private final DeployEngine engine;
    private final AppSources sources;
    private final CommitCheckouts checkouts;
    private final FreezeActions freezes;
    private final DeployQueue queue;
    private final LabReaper reaper;
    private final ServerRollouts rollouts;
    private final Function<LabRecord, Optional<String>> labUrl;
    private final Clock clock;
    private final Duration defaultLabTtl;
    private final Optional<String> webhookSecret;
    private final String serverId;
    private final LabActions labActions;

    Api(
            Store store,
            DeployEngine engine,
            AppSources sources,
            CommitCheckouts checkouts,
            DeployQueue queue,
            LabReaper reaper,
            ServerRollouts rollouts,
            Function<LabRecord, Optional<String>> labUrl,
            Clock clock,
            ServerConfig config) {
        this.store = store;
        this.engine = engine;
        this.sources = sources;
        this.checkouts = checkouts;
        this.freezes = new FreezeActions(store, engine, sources, clock);
        this.queue = queue;
        this.reaper = reaper;
        this.rollouts = rollouts;
        this.labUrl = labUrl;
        this.clock = clock;
        this.defaultLabTtl = config.defaultLabTtl();
        this.webhookSecret = config.githubWebhookSecret();
        this.serverId = config.serverId();
        this.labActions = new LabActions(store, reaper, serverId, config.maxLabTtl(), clock);
    }

    /** A route: method, path, the scope it needs (empty: public) and its handler. */
    record Route(HandlerType method, String path, Optional<Scope> scope, ApiHandler handler) {}

    /** A handler that knows who calls. */
    @FunctionalInterface
    interface ApiHandler {
        void handle(Context ctx, Caller caller) throws Exception;
    }

    List<Route> routes() {
        return List.of(
                route(HandlerType.GET, "/api/apps", Scope.READ, this::listApps),
                route(HandlerType.POST, "/api/apps", Scope.ADMIN, this::registerApp),
                route(HandlerType.GET, "/api/apps/{app}", Scope.READ, this::getApp),
                route(HandlerType.DELETE, "/api/apps/{app}", Scope.ADMIN, this::removeApp),
                route(HandlerType.GET, "/api/apps/{app}/environments", Scope.READ, this::listEnvironments),
                route(
                        HandlerType.POST,
                        "/api/apps/{app}/environments/{env}/deploys",
                        Scope.DEPLOY,
                        this::enqueueDeploy),
                route(
                        HandlerType.POST,
                        "/api/apps/{app}/environments/{env}/rollback",
                        Scope.DEPLOY,
                        this::enqueueRollback),
                route(HandlerType.GET, FREEZE, Scope.READ, this::getFreeze),
                route(HandlerType.POST, FREEZE, Scope.DEPLOY, this::freeze),
                route(HandlerType.DELETE, FREEZE, Scope.DEPLOY, this::unfreeze),
                route(HandlerType.GET, EVERY_APP_FREEZE, Scope.READ, this::getEveryAppFreeze),
                route(HandlerType.POST, EVERY_APP_FREEZE, Scope.ADMIN, this::freezeEveryApp),
                route(HandlerType.DELETE, EVERY_APP_FREEZE, Scope.ADMIN, this::unfreezeEveryApp),
                route(HandlerType.GET, "/api/apps/{app}/environments/{env}/revisions", Scope.READ, this::revisions),
                route(HandlerType.GET, "/api/apps/{app}/environments/{env}/status", Scope.READ, this::status),
                route(HandlerType.GET, EVENTS, Scope.READ, this::events),
                route(HandlerType.GET, ROLLOUT, Scope.READ, this::rollout),
                route(HandlerType.GET, ROLLOUT + "/stages", Scope.READ, this::rolloutStages),
                route(HandlerType.GET, ROLLOUT + "/transitions", Scope.READ, this::rolloutTransitions),
                route(HandlerType.POST, ROLLOUT + "/pause", Scope.DEPLOY, rolloutAction(ServerRollouts.Action.PAUSE)),
                route(HandlerType.POST, ROLLOUT + "/resume", Scope.DEPLOY, rolloutAction(ServerRollouts.Action.RESUME)),
                route(
                        HandlerType.POST,
                        ROLLOUT + "/promote",
                        Scope.DEPLOY,
                        rolloutAction(ServerRollouts.Action.PROMOTE)),
                route(HandlerType.POST, ROLLOUT + "/abort", Scope.DEPLOY, rolloutAction(ServerRollouts.Action.ABORT)),
                route(HandlerType.POST, ROLLOUT + "/retry", Scope.DEPLOY, rolloutAction(ServerRollouts.Action.RETRY)),
                route(HandlerType.GET, "/api/deploys", Scope.READ, this::listDeploys),
                route(HandlerType.GET, "/api/deploys/{id}", Scope.READ, this::getDeploy),
                route(HandlerType.POST, "/api/deploys/{id}/resume", Scope.DEPLOY, this::resumeDeploy),
                route(HandlerType.POST, "/api/apps/{app}/labs", Scope.DEPLOY, this::labUp),
                route(HandlerType.GET, "/api/labs", Scope.READ, this::listLabs),
                route(HandlerType.GET, "/api/labs/{id}", Scope.READ, this::getLab),
                route(HandlerType.DELETE, "/api/labs/{id}", Scope.DEPLOY, this::labDown),
                route(HandlerType.POST, "/api/labs/{id}/extend", Scope.DEPLOY, this::labExtend),
                route(HandlerType.POST, "/api/ci/statuses", Scope.DEPLOY, this::reportStatus),
                route(HandlerType.GET, "/api/ci/statuses/{sha}", Scope.READ, this::commitStatus),
                new Route(HandlerType.POST, "/api/ci/github", Optional.empty(), this::githubWebhook),
                route(HandlerType.GET, "/api/audit", Scope.ADMIN, this::audit),
                route(HandlerType.GET, "/api/tokens", Scope.ADMIN, this::listTokens),
                route(HandlerType.POST, "/api/tokens", Scope.ADMIN, this::issueToken),
                route(HandlerType.DELETE, "/api/tokens/{id}", Scope.ADMIN, this::revokeToken),
                route(HandlerType.POST, "/api/chat/link-codes", Scope.READ, this::chatLinkCode));
    }

    private static final String ROLLOUT = "/api/apps/{app}/environments/{env}/rollout";
    /** The environment's forwarded Kubernetes events, which a failed deploy's log points to. */
    static final String EVENTS = "/api/apps/{app}/environments/{env}/events";
    /** The longest a stages long poll waits, whatever it asks. */
    static final int MAX_STAGES_WAIT_SECONDS = 30;

    private static final int REASON = 1024;

    private static Route route(HandlerType method, String path, Scope scope, ApiHandler handler) {
        return new Route(method, path, Optional.of(scope), handler);
    }

    // --- apps ------------------------------------------------------------------------------------------------

    private void listApps(Context ctx, Caller caller) {
        json(ctx, 200, Views.array(store.apps().list(), Views::app));
    }

    private void registerApp(Context ctx, Caller caller) {
        JsonNode body = body(ctx, "directory", "labGroup", "labTtl");
        Path directory = appDirectory(requiredText(body, "directory", Inputs.DIRECTORY));
        Optional<String> labGroup = optionalText(body, "labGroup", Inputs.CLUSTER_GROUP);
        Duration ttl = optionalText(body, "labTtl")
                .map(t -> labActions.lifetime("labTtl", t))
                .orElse(defaultLabTtl);
        App app = AppLoader.load(directory);
        if (sources.hasClusters()) {
            labGroup.ifPresent(sources::group);
        }
        List<EnvironmentRecord> environments = app.spec().environments().values().stream()
                .map((EnvironmentSpec e) -> new EnvironmentRecord(e.name(), e.group(), e.namespace()))
                .toList();
        AppRecord record = store.apps()
                .register(
                        new AppRegistration(app.spec().app(), directory.toString(), labGroup, ttl, environments),
                        caller.name());
        store.auditLog()
                .record(
                        caller.name(),
                        "app.register",
                        record.name(),
                        caller.source(),
                        "directory " + record.directory() + ", environments "
                                + environments.stream()
                                        .map(EnvironmentRecord::name)
                                        .toList());
        json(ctx, 201, Views.app(record));
    }

    private void getApp(Context ctx, Caller caller) {
        json(ctx, 200, Views.app(app(ctx)));
    }

    private void removeApp(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        store.apps().remove(app.name());
        store.auditLog().record(caller.name(), "app.remove", app.name(), caller.source(), "unregistered");
        ctx.status(204);
    }

    private void listEnvironments(Context ctx, Caller caller) {
        json(ctx, 200, Views.array(app(ctx).environments(), Views::environment));
    }

    // --- deploys ---------------------------------------------------------------------------------------------

    private void enqueueDeploy(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        JsonNode body = ctx.body().isBlank() ? Views.JSON.createObjectNode() : body(ctx, "ref", "overrideFreeze");
        Optional<String> ref = optionalText(body, "ref", Inputs.REF);
        Optional<String> override = optionalText(body, "overrideFreeze");
        if (override.isEmpty()) {
            json(ctx, 202, Views.deploy(queueDeploy(app, env, ref, caller)));
            return;
        }
        json(ctx, 202, Views.deploy(queueFreezeOverride(app, env, ref, override.get(), caller)));
    }

    /**
     * A deploy that goes through a deploy freeze once, for an admin's {@code reason}: audited as {@code
     * deploy.freeze-override} with the reason before it is queued; the freeze stays for everyone else.
     *
     * @throws ApiException 403 for a caller without the admin scope, 400 for an empty reason
     */
    private DeployRecord queueFreezeOverride(
            AppRecord app, EnvironmentRecord env, Optional<String> ref, String reason, Caller caller) {
        if (!caller.scope().grants(Scope.ADMIN)) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    List.of(new Problem(
                            "overrideFreeze",
                            "going through a deploy freeze needs a token with scope admin; this one has "
                                    + caller.scope().wireName(),
                            "ask an admin to deploy with the override, or wait until the freeze ends")));
        }
        if (reason.isBlank()) {
            throw ApiException.badRequest(
                    "overrideFreeze", "an override needs a reason", "say why this deploy cannot wait for the freeze");
        }
        requireClusters();
        ref.ifPresent(r -> requireCommit(app, r));
        DeployRecord deploy = store.deploys()
                .enqueue(DeployRequest.deploy(app.name(), env.name(), ref, caller.name(), caller.source())
                        .withFreezeOverride(reason.strip()));
        store.auditLog()
                .record(
                        caller.name(),
                        "deploy.freeze-override",
                        app.name() + "/" + env.name(),
                        caller.source(),
                        "deploy " + deploy.id() + ref.map(r -> " of " + r).orElse("") + " through any freeze: "
                                + reason.strip());
        queue.wake();
        return deploy;
    }

    /**
     * Queues a deploy of {@code ref} (else the app's checked-out state) to the environment, audited as {@code
     * caller}: what {@code POST .../deploys} and chat's {@code deploy} do.
     *
     * @throws ApiException 409 without clusters, 422 when the ref is no commit of the app
     */
    DeployRecord queueDeploy(AppRecord app, EnvironmentRecord env, Optional<String> ref, Caller caller) {
        requireClusters();
        ref.ifPresent(r -> requireCommit(app, r));
        DeployRecord deploy = store.deploys()
                .enqueue(DeployRequest.deploy(app.name(), env.name(), ref, caller.name(), caller.source()));
        store.auditLog()
                .record(
                        caller.name(),
                        "deploy.enqueue",
                        app.name() + "/" + env.name(),
                        caller.source(),
                        "deploy " + deploy.id() + ref.map(r -> " of " + r).orElse(""));
        queue.wake();
        return deploy;
    }

    private void enqueueRollback(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        requireClusters();
        JsonNode body = ctx.body().isBlank() ? Views.JSON.createObjectNode() : body(ctx, "to", "release");
        Optional<Integer> to = Optional.empty();
        if (body.has("to") && !body.get("to").isNull()) {
            if (!body.get("to").canConvertToInt() || body.get("to").asInt() < 1) {
                throw ApiException.badRequest(
                        "to",
                        "'to' must be a revision number (1 or more)",
                        "omit it to roll back to the previous release");
            }
            to = Optional.of(body.get("to").asInt());
        }
        Optional<String> release = Optional.empty();
        if (body.has("release") && !body.get("release").isNull()) {
            String id = body.get("release").asText("");
            if (!body.get("release").isTextual() || !id.matches("[0-9a-fA-F]{4,12}")) {
                throw ApiException.badRequest(
                        "release",
                        "'release' must be a release id or its first 4 or more hex digits",
                        "take it from the environment's revisions (GET .../revisions)");
            }
            if (to.isPresent()) {
                throw ApiException.badRequest(
                        "release", "give either 'to' or 'release', not both", "name the release alone");
            }
            release = Optional.of(id.toLowerCase(Locale.ROOT));
        }
        DeployRecord deploy = store.deploys()
                .enqueue(
                        release.isPresent()
                                ? DeployRequest.rollbackToRelease(
                                        app.name(), env.name(), release.get(), caller.name(), caller.source())
                                : DeployRequest.rollback(app.name(), env.name(), to, caller.name(), caller.source()));
        String target = release.isPresent()
                ? "release " + release.get()
                : to.isPresent() ? "revision " + to.get() : "the previous release";
        store.auditLog()
                .record(
                        caller.name(),
                        "deploy.rollback",
                        app.name() + "/" + env.name(),
                        caller.source(),
                        "deploy " + deploy.id() + " to " + target);
        queue.wake();
        json(ctx, 202, Views.deploy(deploy));
    }

    static final String FREEZE = "/api/apps/{app}/environments/{env}/freeze";

    /** Freezing and unfreezing, shared with chat. */
    FreezeActions freezeActions() {
        return freezes;
    }

    private void freeze(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        requireClusters();
        JsonNode body = body(ctx, "reason", "for", "until");
        if (body.hasNonNull("for") && body.hasNonNull("until")) {
            throw ApiException.badRequest("for", "give either 'for' or 'until', not both", "name one end");
        }
        freezes.freeze(
                app,
                env.name(),
                optionalText(body, "for"),
                optionalText(body, "until"),
                requiredText(body, "reason"),
                caller);
        json(ctx, 200, freezeDocument(app, env));
    }

    private void unfreeze(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        requireClusters();
        freezes.unfreeze(app, env.name(), caller);
        json(ctx, 200, freezeDocument(app, env));
    }

    private void getFreeze(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        requireClusters();
        json(ctx, 200, freezeDocument(app, env));
    }

    /**
     * An environment name frozen for every app, on every cluster of the clusters file ({@code ?group=G}: of that
     * group's); freezing and lifting need the admin scope, as the freeze stops every team.
     */
    static final String EVERY_APP_FREEZE = "/api/environments/{env}/freeze";

    private void freezeEveryApp(Context ctx, Caller caller) {
        requireClusters();
        JsonNode body = body(ctx, "reason", "for", "until");
        if (body.hasNonNull("for") && body.hasNonNull("until")) {
            throw ApiException.badRequest("for", "give either 'for' or 'until', not both", "name one end");
        }
        String env = ctx.pathParam("env");
        Optional<String> group = Optional.ofNullable(ctx.queryParam("group"));
        freezes.freezeEveryApp(
                env,
                group,
                optionalText(body, "for"),
                optionalText(body, "until"),
                requiredText(body, "reason"),
                caller);
        json(ctx, 200, everyAppFreezeDocument(env, group));
    }

    private void unfreezeEveryApp(Context ctx, Caller caller) {
        requireClusters();
        String env = ctx.pathParam("env");
        Optional<String> group = Optional.ofNullable(ctx.queryParam("group"));
        freezes.unfreezeEveryApp(env, group, caller);
        json(ctx, 200, everyAppFreezeDocument(env, group));
    }

    private void getEveryAppFreeze(Context ctx, Caller caller) {
        requireClusters();
        String env = ctx.pathParam("env");
        json(ctx, 200, everyAppFreezeDocument(env, Optional.ofNullable(ctx.queryParam("group"))));
    }

    private ObjectNode everyAppFreezeDocument(String env, Optional<String> group) {
        ObjectNode doc = Views.JSON.createObjectNode().put("environment", env).put("everyApp", true);
        freezeClusters(doc, freezes.everyAppFreezes(env, group));
        return doc;
    }

    /** The environment's freeze on each cluster that could be read. */
    private ObjectNode freezeDocument(AppRecord app, EnvironmentRecord env) {
        ObjectNode doc = Views.JSON.createObjectNode().put("app", app.name()).put("environment", env.name());
        freezeClusters(doc, freezes.freezes(app, env.name()));
        return doc;
    }

    private void freezeClusters(ObjectNode doc, Map<String, Optional<Freeze>> byCluster) {
        var clusters = doc.putArray("clusters");
        java.time.Instant now = clock.instant();
        byCluster.forEach((cluster, freeze) -> {
            ObjectNode c = clusters.addObject().put("cluster", cluster);
            c.put("frozen", freeze.map(f -> f.holdsAt(now)).orElse(false));
            freeze.ifPresent(f -> {
                c.put("by", f.by())
                        .put("reason", f.reason())
                        .put("since", f.since().toString());
                f.until().ifPresent(u -> c.put("until", u.toString()));
            });
        });
    }

    /** Reads the clusters now: what {@code slipway status} shows, through the server's credentials. */
    private void status(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        EnvironmentTarget target = sources.target(app, env.name());
        json(ctx, 200, StatusDocument.of(target, engine.status(target)));
    }

    private void revisions(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        requireClusters();
        EnvironmentTarget target = sources.target(app, env.name());
        var result = Views.JSON.createArrayNode();
        for (ClusterHistory history : engine.history(target)) {
            result.add(ApiJson.tree(new ClusterRevisions(
                    history.cluster(),
                    history.unavailable().map(f -> f.toProblem().describe()),
                    history.revisions().stream()
                            .map(r -> new ClusterRevisions.Revision(
                                    r.number(),
                                    r.ref(),
                                    r.who(),
                                    r.when(),
                                    r.outcome().name().toLowerCase(Locale.ROOT),
                                    r.objectCount(),
                                    r.rollbackOf().isPresent()
                                            ? Optional.of(r.rollbackOf().getAsInt())
                                            : Optional.empty(),
                                    Optional.of(r.release()).filter(id -> !id.isEmpty())))
                            .toList())));
        }
        json(ctx, 200, result);
    }

    /** The latest abnormal Kubernetes events forwarded for the environment, newest first (docs/events.md). */
    private void events(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        var result = Views.JSON.createArrayNode();
        for (var event : store.forwardedEvents().recent(app.name(), env.name(), limit(ctx, 100))) {
            var node = EventViews.json(event);
            var pending = node.putArray("undelivered");
            store.forwardedEvents().undelivered(event.id()).forEach(pending::add);
            result.add(node);
        }
        json(ctx, 200, result);
    }

    private void listDeploys(Context ctx, Caller caller) {
        json(
                ctx,
                200,
                Views.array(
                        store.deploys().list(query(ctx, "app"), query(ctx, "environment"), limit(ctx, 50)),
                        Views::deploy));
    }

    private void getDeploy(Context ctx, Caller caller) {
        json(ctx, 200, Views.deploy(deploy(ctx)));
    }

    private void resumeDeploy(Context ctx, Caller caller) {
        DeployRecord interrupted = deploy(ctx);
        if (interrupted.state() != DeployState.INTERRUPTED) {
            throw ApiException.conflict(
                    "deploy " + interrupted.id(),
                    "only an interrupted deploy can be resumed; this one is "
                            + interrupted.state().name().toLowerCase(Locale.ROOT),
                    "enqueue a new deploy instead");
        }
        DeployRecord resumed = store.deploys()
                .enqueue(interrupted.request().resuming(interrupted.id(), caller.name(), caller.source()));
        store.auditLog()
                .record(
                        caller.name(),
                        "deploy.resume",
                        interrupted.app() + "/" + interrupted.environment(),
                        caller.source(),
                        "deploy " + resumed.id() + " resumes interrupted deploy " + interrupted.id());
        queue.wake();
        json(ctx, 202, Views.deploy(resumed));
    }

    // --- labs ------------------------------------------------------------------------------------------------

    private void labUp(Context ctx, Caller caller) {
        AppRecord app = app(ctx);
        JsonNode body = body(ctx, "branch", "ref", "ttl");
        String branch = requiredText(body, "branch", Inputs.REF);
        String ref = requiredText(body, "ref");
        if (!SHA.matcher(ref).matches()) {
            throw ApiException.badRequest(
                    "ref",
                    "'" + Inputs.echo(ref) + "' is not a full commit SHA",
                    "pass the full 40-character commit SHA CI reported a status for (git rev-parse HEAD)");
        }
        json(ctx, 202, openLab(app, branch, ref, optionalText(body, "ttl"), caller));
    }

    /**
     * Brings up (or redeploys) the lab of {@code branch} at commit {@code ref} once CI passed on it, audited as
     * {@code caller}: what {@code POST .../labs} and chat's {@code lab up} do. Returns the lab and its deploy.
     *
     * @throws ApiException 400 for a branch that cannot be a lab, 409 while CI has not passed on the commit
     */
    ObjectNode openLab(AppRecord app, String branch, String ref, Optional<String> ttlText, Caller caller) {
        LabNames.invalidBranch(branch).ifPresent(why -> {
            throw ApiException.badRequest("branch", why, "pass the pull request's source branch, e.g. feature/login");
        });
        requireCommit(app, ref);
        CombinedStatus ci = store.ciStatuses().combined(ref);
        if (ci.state() != CiState.SUCCESS) {
            String contexts = ci.statuses().isEmpty()
                    ? "no CI status reported yet"
                    : String.join(
                            ", ",
                            ci.statuses().stream()
                                    .map(s -> s.context() + ": " + s.state().wireName())
                                    .toList());
            store.auditLog()
                    .record(
                            caller.name(),
                            "lab.refused",
                            app.name() + "/lab/" + branch,
                            caller.source(),
                            "CI is " + ci.state().wireName() + " for " + ref);
            throw new ApiException(
                    409,
                    "CI has not passed",
                    List.of(new Problem(
                            "commit " + ref,
                            "CI status is " + ci.state().wireName() + " (" + contexts + ")"
                                    + ci.decidingLink().map(l -> ", see " + l).orElse(""),
                            "wait for CI to succeed on this commit, or fix it and push again")));
        }
        Optional<LabRecord> existing = store.labs().find(app.name(), branch);
        LabNames.LabName name = existing.map(l -> new LabNames.LabName(l.slug(), l.namespace()))
                .orElseGet(() -> LabNames.forBranch(
                        app.name(),
                        branch,
                        ns -> store.labs().findByNamespace(ns).isPresent()));
        Duration ttl = ttlText.map(t -> labActions.lifetime("ttl", t)).orElse(app.labTtl());
        LabRecord lab = store.labs()
                .open(new LabOpening(app.name(), branch, name.slug(), name.namespace(), ref, caller.name(), ttl));
        DeployRecord deploy = store.deploys()
                .enqueue(DeployRequest.lab(
                        app.name(), AppSources.labEnvironment(lab), lab.id(), ref, caller.name(), caller.source()));
        store.auditLog()
                .record(
                        caller.name(),
                        "lab.up",
                        app.name() + "/lab/" + branch,
                        caller.source(),
                        "namespace " + lab.namespace() + ", ref " + ref + ", deploy " + deploy.id());
        queue.wake();
        return Views.labUp(
                Views.labDocument(lab, Optional.of(ci), labUrl.apply(lab), clock), Views.deployDocument(deploy));
    }

    /** The commit at the tip of {@code branch} in the app's repository, if the server can see it. */
    Optional<String> branchTip(AppRecord app, String branch) {
        return checkouts.branchTip(Path.of(app.directory()), branch);
    }

    private void listLabs(Context ctx, Caller caller) {
        int offset = query(ctx, "offset")
                .map(o -> (int) inRange("offset", number("offset", o), 0, Integer.MAX_VALUE))
                .orElse(0);
        List<LabRecord> labs = store.labs().listLive(query(ctx, "app"), limit(ctx, 100), offset);
        var ci = store.ciStatuses().combined(labs.stream().map(LabRecord::ref).toList());
        json(
                ctx,
                200,
                Views.array(labs, l -> Views.lab(l, Optional.ofNullable(ci.get(l.ref())), labUrl.apply(l), clock)));
    }

    private void getLab(Context ctx, Caller caller) {
        LabRecord lab = lab(ctx);
        json(ctx, 200, Views.lab(lab, Optional.of(store.ciStatuses().combined(lab.ref())), labUrl.apply(lab), clock));
    }

    private void labDown(Context ctx, Caller caller) {
        LabRecord after = labActions.down(lab(ctx), caller);
        json(ctx, 200, Views.lab(after, Optional.empty(), Optional.empty(), clock));
    }

    private void labExtend(Context ctx, Caller caller) {
        LabRecord lab = lab(ctx);
        JsonNode body = ctx.body().isBlank() ? Views.JSON.createObjectNode() : body(ctx, "by");
        Duration by =
                optionalText(body, "by").map(t -> labActions.lifetime("by", t)).orElse(lab.ttl());
        LabRecord extended = labActions.extend(lab, by, caller);
        json(ctx, 200, Views.lab(extended, Optional.empty(), labUrl.apply(extended), clock));
    }

    /** A one-time code that links a chat user to the calling token (said in chat as {@code link CODE}). */
    private void chatLinkCode(Context ctx, Caller caller) {
        TokenRecord token = caller.tokenId()
                .flatMap(id -> store.tokens().find(id))
                .orElseThrow(() -> ApiException.unauthorized("a link code needs a token of your own"));
        ChatLinks.Code code = store.chatLinks().issueCode(token);
        store.auditLog().record(caller.name(), "chat.link-code", "token/" + token.id(), caller.source(), "");
        json(
                ctx,
                201,
                Views.JSON
                        .createObjectNode()
                        .put("code", code.code())
                        .put("expiresAt", code.expiresAt().toString())
                        .put("say", "link " + code.code()));
    }

    // --- CI --------------------------------------------------------------------------------------------------

    private void reportStatus(Context ctx, Caller caller) {
        JsonNode body = body(ctx, "repo", "sha", "context", "state", "targetUrl", "description");
        String repo = requiredText(body, "repo", Inputs.REPO);
        String sha = requiredText(body, "sha");
        requireSha("sha", sha);
        String context = requiredText(body, "context", Inputs.CONTEXT);
        String stateText = requiredText(body, "state");
        CiState state = CiState.parse(stateText)
                .orElseThrow(() -> ApiException.badRequest(
                        "state",
                        "'" + Inputs.echo(stateText) + "' is not a CI state",
                        "use pending, success, failure or error"));
        Optional<String> targetUrl = optionalText(body, "targetUrl", Inputs.URL);
        if (targetUrl.isPresent() && !Inputs.webUrl(targetUrl.get())) {
            throw ApiException.badRequest(
                    "targetUrl",
                    "'" + Inputs.echo(targetUrl.get()) + "' is not an http or https URL",
                    "link the CI run with an http:// or https:// URL, or leave targetUrl out");
        }
        Optional<String> description = optionalText(body, "description", Inputs.DESCRIPTION);
        CiStatus status = store.ciStatuses().report(repo, sha, context, state, targetUrl, description, caller.name());
        store.auditLog()
                .record(
                        caller.name(),
                        "ci.status",
                        repo + "@" + sha,
                        caller.source(),
                        context + " " + state.wireName());
        json(ctx, 201, Views.ciStatus(status));
    }

    private void commitStatus(Context ctx, Caller caller) {
        requireSha("sha", ctx.pathParam("sha"));
        json(ctx, 200, Views.combined(store.ciStatuses().combined(ctx.pathParam("sha"))));
    }

    private void githubWebhook(Context ctx, Caller unauthenticated) {
        String secret = webhookSecret.orElseThrow(() -> new ApiException(
                404,
                "Not found",
                List.of(new Problem(
                        "/api/ci/github",
                        "the GitHub webhook is not enabled on this server",
                        "start the server with --github-webhook-secret-file"))));
        byte[] raw = ctx.bodyAsBytes();
        if (!GithubWebhooks.signatureValid(secret, raw, ctx.header("X-Hub-Signature-256"))) {
            throw ApiException.unauthorized("the X-Hub-Signature-256 signature does not match the payload");
        }
        String event = Optional.ofNullable(ctx.header("X-GitHub-Event")).orElse("");
        if (event.equals("ping")) {
            json(ctx, 200, Views.JSON.createObjectNode().put("ok", true));
            return;
        }
        String delivery = Optional.ofNullable(ctx.header("X-GitHub-Delivery")).orElse("");
        if (!DELIVERY_ID.matcher(delivery).matches()) {
            throw ApiException.badRequest(
                    "X-GitHub-Delivery",
                    delivery.isEmpty()
                            ? "the delivery id header is missing"
                            : "'" + Inputs.echo(delivery) + "' is not a delivery id (a GUID)",
                    "send GitHub's headers unchanged");
        }
        JsonNode payload = body(ctx);
        Optional<GithubWebhooks.Reported> reported = switch (event) {
            case "status" -> GithubWebhooks.fromStatusEvent(payload);
            case "check_suite" -> GithubWebhooks.fromCheckSuiteEvent(payload);
            default ->
                throw ApiException.badRequest(
                        "X-GitHub-Event",
                        "event '" + Inputs.echo(event) + "' is not handled",
                        "subscribe the webhook to 'Statuses' and 'Check suites' only");
        };
        GithubWebhooks.Reported r = reported.orElseThrow(() -> ApiException.badRequest(
                "body",
                "the " + event + " payload lacks the commit, repository, state or time (updated_at)",
                "send GitHub's payload unchanged"));
        requireSha("sha", r.sha());
        Inputs.bounded("repository.full_name", r.repo(), Inputs.REPO);
        Inputs.bounded("context", r.context(), Inputs.CONTEXT);
        r.description().ifPresent(d -> Inputs.bounded("description", d, Inputs.DESCRIPTION));
        r.targetUrl().ifPresent(u -> Inputs.bounded("target_url", u, Inputs.URL));
        WebhookOutcome outcome = store.ciStatuses()
                .reportDelivery(
                        delivery,
                        event,
                        new CiReport(
                                r.repo(),
                                r.sha(),
                                r.context(),
                                r.state(),
                                r.targetUrl(),
                                r.description(),
                                Caller.GITHUB.name(),
                                r.setAt(),
                                r.order()));
        String target = r.repo() + "@" + r.sha();
        if (outcome instanceof WebhookOutcome.Replayed replayed) {
            store.auditLog()
                    .record(
                            Caller.GITHUB.name(),
                            "ci.refused",
                            target,
                            RequestSource.CI,
                            "delivery " + delivery + " replayed (first taken at " + replayed.firstReceivedAt() + ")");
            throw ApiException.conflict(
                    "X-GitHub-Delivery",
                    "delivery " + delivery + " was already taken at " + replayed.firstReceivedAt()
                            + "; a delivery counts once",
                    "nothing to do if GitHub redelivered it; if you did not, someone is replaying signed payloads");
        }
        if (outcome instanceof WebhookOutcome.Superseded superseded) {
            store.auditLog()
                    .record(
                            Caller.GITHUB.name(),
                            "ci.refused",
                            target,
                            RequestSource.CI,
                            r.context() + " " + r.state().wireName() + " set at " + r.setAt() + " is not newer than "
                                    + superseded.kept().state().wireName() + " set at "
                                    + superseded.keptReportedAt());
            throw ApiException.conflict(
                    "context " + r.context() + " on " + r.sha(),
                    "this " + r.state().wireName() + " was set at " + r.setAt() + ", not after the stored "
                            + superseded.kept().state().wireName() + " (set at " + superseded.keptReportedAt() + ")",
                    "nothing to do: the newer status stands (GitHub may deliver events out of order)");
        }
        CiStatus status = ((WebhookOutcome.Stored) outcome).status();
        store.auditLog()
                .record(
                        Caller.GITHUB.name(),
                        "ci.status",
                        target,
                        RequestSource.CI,
                        r.context() + " " + r.state().wireName());
        json(ctx, 201, Views.ciStatus(status));
    }

    // --- audit and tokens ------------------------------------------------------------------------------------

    private void audit(Context ctx, Caller caller) {
        Optional<Long> before = query(ctx, "before").map(b -> number("before", b));
        json(
                ctx,
                200,
                Views.array(
                        store.auditLog().list(query(ctx, "action"), query(ctx, "target"), before, limit(ctx, 100)),
                        Views::audit));
    }

    private void listTokens(Context ctx, Caller caller) {
        json(ctx, 200, Views.array(store.tokens().list(), Views::token));
    }

    private void issueToken(Context ctx, Caller caller) {
        JsonNode body = body(ctx, "name", "scope");
        String name = requiredText(body, "name", Inputs.NAME);
        String scopeText = requiredText(body, "scope");
        Scope scope = Scope.parse(scopeText)
                .orElseThrow(() -> ApiException.badRequest(
                        "scope",
                        "'" + Inputs.echo(scopeText) + "' is not a scope",
                        "use metrics, read, deploy or admin"));
        IssuedToken issued = store.tokens().issue(name, scope, caller.name());
        store.auditLog()
                .record(
                        caller.name(),
                        "token.issue",
                        "token/" + issued.token().id(),
                        caller.source(),
                        "name " + name + ", scope " + scope.wireName());
        ObjectNode result = Views.token(issued.token());
        result.put("secret", issued.secret());
        json(ctx, 201, result);
    }

    private void revokeToken(Context ctx, Caller caller) {
        long id = number("id", ctx.pathParam("id"));
        if (!store.tokens().revoke(id)) {
            throw ApiException.notFound("token " + id, "no live token " + id, "list tokens with GET /api/tokens");
        }
        store.auditLog().record(caller.name(), "token.revoke", "token/" + id, caller.source(), "revoked");
        ctx.status(204);
    }

    // --- rollouts --------------------------------------------------------------------------------------------

    private RolloutKey rolloutKey(Context ctx) {
        AppRecord app = app(ctx);
        EnvironmentRecord env = environment(ctx, app);
        return new RolloutKey(app.name(), env.name());
    }

    private void rollout(Context ctx, Caller caller) {
        RolloutKey key = rolloutKey(ctx);
        RolloutState state = rollouts.status(key).orElseThrow(() -> noRollout(key));
        json(ctx, 200, Views.rollout(state));
    }

    private static ApiException noRollout(RolloutKey key) {
        return ApiException.notFound(
                "rollout of " + key,
                "environment " + key.environment() + " of app " + key.app() + " has no rollout",
                "a deploy of an environment with rollout: in its slipway.yaml starts one");
    }

    private ApiHandler rolloutAction(ServerRollouts.Action action) {
        return (ctx, caller) -> {
            RolloutKey key = rolloutKey(ctx);
            Optional<String> reason =
                    ctx.body().isBlank() ? Optional.empty() : optionalText(body(ctx, "reason"), "reason", REASON);
            if (rollouts.status(key).isEmpty()) {
                throw noRollout(key);
            }
            RolloutState state;
            try {
                state = rollouts.act(key, action, caller, reason);
            } catch (InvalidInputException refused) {
                throw new ApiException(409, "Conflict", refused.problems());
            }
            json(ctx, 200, Views.rollout(state));
        };
    }

    /**
     * The newest transitions of the environment's rollouts, oldest first, from the audit log: what a read token may
     * see of it (the whole audit log needs admin). Audit targets are {@code app/env} or {@code app/env/cluster}.
     */
    private void rolloutTransitions(Context ctx, Caller caller) {
        RolloutKey key = rolloutKey(ctx);
        int limit = limit(ctx, 100);
        String target = key.toString();
        List<AuditEntry> newestFirst = new ArrayList<>();
        Optional<Long> before = Optional.empty();
        // Deploys and freezes share the target prefix (and app/env is a prefix of app/env-2): read pages until enough.
        for (int page = 0; page < 20 && newestFirst.size() < limit; page++) {
            List<AuditEntry> entries = store.auditLog().list(Optional.empty(), Optional.of(target), before, 500);
            for (AuditEntry e : entries) {
                boolean ours = e.target().equals(target) || e.target().startsWith(target + "/");
                if (ours && e.action().startsWith("rollout.") && newestFirst.size() < limit) {
                    newestFirst.add(e);
                }
            }
            if (entries.size() < 500) {
                break;
            }
            before = Optional.of(entries.get(entries.size() - 1).id());
        }
        Collections.reverse(newestFirst);
        json(ctx, 200, Views.array(newestFirst, e -> Views.rolloutTransition(e, target)));
    }

    private void rolloutStages(Context ctx, Caller caller) throws InterruptedException {
        RolloutKey key = rolloutKey(ctx);
        long after = query(ctx, "after").map(v -> number("after", v)).orElse(0L);
        long wait = query(ctx, "waitSeconds")
                .map(v -> Math.min(number("waitSeconds", v), MAX_STAGES_WAIT_SECONDS))
                .orElse(0L);
        json(ctx, 200, Views.stages(rollouts.stages(key, after, Duration.ofSeconds(wait))));
    }

    // --- request helpers -------------------------------------------------------------------------------------

    /** Environments deploy to clusters; a server without a clusters file runs labs only. */
    private void requireClusters() {
        if (!sources.hasClusters()) {
            throw new ApiException(409, "No clusters", AppSources.noClusters().problems());
        }
    }

    private AppRecord app(Context ctx) {
        return app(ctx.pathParam("app"));
    }

    /** The registered app {@code name}, or 404 saying how to find the registered ones (the API's and chat's). */
    AppRecord app(String name) {
        return store.apps()
                .find(name)
                .orElseThrow(() -> ApiException.notFound(
                        "app",
                        "no app '" + Inputs.echo(name) + "' is registered",
                        "register it with POST /api/apps, or check the name in GET /api/apps"));
    }

    private static EnvironmentRecord environment(Context ctx, AppRecord app) {
        return environment(app, ctx.pathParam("env"));
    }

    /** {@code app}'s environment {@code env}, or 404 naming the ones it has (the API's and chat's). */
    static EnvironmentRecord environment(AppRecord app, String env) {
        return app.environment(env)
                .orElseThrow(() -> ApiException.notFound(
                        "environment",
                        "app " + app.name() + " has no environment '" + Inputs.echo(env) + "'",
                        "use one of "
                                + app.environments().stream()
                                        .map(EnvironmentRecord::name)
                                        .toList()));
    }

    private DeployRecord deploy(Context ctx) {
        long id = number("id", ctx.pathParam("id"));
        return store.deploys()
                .find(id)
                .orElseThrow(() ->
                        ApiException.notFound("deploy " + id, "no deploy " + id, "list deploys with GET /api/deploys"));
    }

    private LabRecord lab(Context ctx) {
        long id = number("id", ctx.pathParam("id"));
        return store.labs()
                .find(id)
                .filter(l -> l.state() != LabState.DELETED)
                .orElseThrow(
                        () -> ApiException.notFound("lab " + id, "no live lab " + id, "list labs with GET /api/labs"));
    }

    /** The request's JSON object, refused when it carries a field other than {@code known}. */
    static JsonNode body(Context ctx, String... known) {
        JsonNode body = body(ctx);
        List<String> fields = List.of(known);
        var names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw ApiException.badRequest(
                        Inputs.echo(name),
                        "'" + Inputs.echo(name) + "' is not a field of this request",
                        fields.isEmpty() ? "send an empty object" : "use only " + String.join(", ", fields));
            }
        }
        return body;
    }

    static JsonNode body(Context ctx) {
        JsonNode body;
        try {
            body = Views.JSON.readTree(ctx.body());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? "body"
                    : "body, line " + e.getLocation().getLineNr() + " column "
                            + e.getLocation().getColumnNr();
            throw ApiException.badRequest(
                    where,
                    "the request body is not valid JSON: " + Inputs.echo(e.getOriginalMessage()),
                    "send a JSON object");
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(
                    "body", "the request body must be a JSON object", "send a JSON object, e.g. {}");
        }
        return body;
    }

    private static String requiredText(JsonNode body, String field, int max) {
        return Inputs.bounded(field, requiredText(body, field), max);
    }

    private static Optional<String> optionalText(JsonNode body, String field, int max) {
        return optionalText(body, field).map(v -> Inputs.bounded(field, v, max));
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.badRequest(
                    field, "'" + field + "' is missing", "add \"" + field + "\" to the request body");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw ApiException.badRequest(
                    field, "'" + field + "' must be a non-empty string", "send it as a JSON string");
        }
        return value.asText();
    }

    private static Optional<String> optionalText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw ApiException.badRequest(
                    field, "'" + field + "' must be a non-empty string", "send it as a JSON string or leave it out");
        }
        return Optional.of(value.asText());
    }

    /** A lab lifetime (or extension): a duration of at least a second and at most the server's maximum. */
    /**
     * A registered app's directory, checked before the file system is read beyond one look: an absolute path
     * without NUL or {@code ..} that is a directory holding {@code slipway.yaml}.
     */
    private static Path appDirectory(String text) {
        String fix = "pass the absolute path, as the server sees it, of the directory holding the app's slipway.yaml";
        if (text.indexOf('\0') >= 0 || text.chars().anyMatch(c -> c < 0x20)) {
            throw ApiException.badRequest("directory", "the directory contains a control character (NUL?)", fix);
        }
        Path path;
        try {
            path = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw ApiException.badRequest("directory", "'" + Inputs.echo(text) + "' is not a path", fix);
        }
        if (!path.isAbsolute()) {
            throw ApiException.badRequest("directory", "'" + Inputs.echo(text) + "' is not an absolute path", fix);
        }
        for (Path part : path) {
            if (part.toString().equals("..")) {
                throw ApiException.badRequest("directory", "'" + Inputs.echo(text) + "' contains '..'", fix);
            }
        }
        Path normal = path.normalize();
        if (!java.nio.file.Files.isRegularFile(normal.resolve("slipway.yaml"))) {
            throw ApiException.badRequest(
                    "directory",
                    "'" + Inputs.echo(normal.toString()) + "' is not a directory holding slipway.yaml",
                    fix);
        }
        return normal;
    }

    static long number(String field, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field, "'" + Inputs.echo(text) + "' is not a number", "pass a whole number");
        }
    }

    private static Optional<String> query(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name))
                .filter(s -> !s.isBlank())
                .map(s -> Inputs.bounded(name, s, Inputs.QUERY));
    }

    private static int limit(Context ctx, int fallback) {
        return query(ctx, "limit")
                .map(l -> (int) inRange("limit", number("limit", l), 1, MAX_LIMIT))
                .orElse(fallback);
    }

    private static long inRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw ApiException.badRequest(
                    field,
                    "'" + field + "' is " + value + "; it must be " + min + " to " + max,
                    "pass a value in range");
        }
        return value;
    }

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static void requireSha(String field, String sha) {
        if (!SHA.matcher(sha).matches()) {
            throw ApiException.badRequest(
                    field,
                    "'" + Inputs.echo(sha) + "' is not a full lower-case commit SHA",
                    "send the 40-character SHA (git rev-parse HEAD)");
        }
    }

    /** Refuses, before anything is enqueued, a ref that is not a commit of the app's repository (422). */
    private void requireCommit(AppRecord app, String ref) {
        checkouts.missingCommit(Path.of(app.directory()), ref).ifPresent(problem -> {
            throw new ApiException(422, "Unknown commit", List.of(problem));
        });
    }
}
