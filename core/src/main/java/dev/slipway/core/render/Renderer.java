package dev.slipway.core.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Labels;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.manifest.KindScopes;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.manifest.SlipwayAnnotations;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.core.spec.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns a loaded app into the exact objects each cluster of an environment's group receives. Pure: it
 * reads no cluster, so {@code render} and {@code plan} show precisely what {@code deploy} will apply.
 */
public final class Renderer {
    /** Pod-template annotation carrying a hash of the service's secret values, so pods roll on change. */
    public static final String SECRETS_HASH_ANNOTATION = "slipway.dev/secrets-hash";

    /** Non-root UID/GID generated pods run as (outside the range distributions give system users). */
    static final long RUN_AS_USER = 10001;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SLIPWAY_PREFIX = "slipway.dev/";

    private final SecretSource secrets;

    public Renderer(SecretSource secrets) {
        this.secrets = secrets;
    }

    /**
     * Renders {@code app} for {@code environment}.
     *
     * @throws InvalidInputException for an unknown environment or group, annotations naming clusters
     *     outside the group, or namespaces that contradict the environment
     */
    public Rendering render(App app, String environment, ClustersConfig clusters) {
        EnvironmentSpec env = environment(app, environment);
        ClusterGroup group = clusters.group(env.group())
                .orElseThrow(() -> new InvalidInputException(Problem.at(
                        clusters.source(),
                        "environment '" + environment + "' deploys to cluster group '" + env.group()
                                + "', which this clusters file does not define (it defines: "
                                + String.join(", ", clusters.groups().keySet()) + ")",
                        "add group '" + env.group() + "' to "
                                + clusters.source().file() + ", or change the environment's group in "
                                + app.spec().source().file())));

        List<Problem> problems = new ArrayList<>();
        List<Declared> declared = new ArrayList<>();
        for (Manifest m : app.manifests()) {
            SlipwayAnnotations annotations = SlipwayAnnotations.of(m);
            checkAgainstEnvironment(m, annotations, env, group, problems);
            declared.add(new Declared(m, annotations, declared.size()));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        for (ServiceSpec service : app.spec().services()) {
            if (service.deploysToClusters()) {
                for (Manifest generated : generate(app, env, service)) {
                    declared.add(new Declared(
                            generated,
                            new SlipwayAnnotations(java.util.Optional.empty(), Map.of(), 0),
                            declared.size()));
                }
            }
        }
        KindScopes scopes = KindScopes.of(app.manifests());

        List<RenderedCluster> rendered = new ArrayList<>();
        for (Cluster cluster : group.clusters()) {
            List<Placed> placed = new ArrayList<>();
            for (Declared d : declared) {
                if (d.annotations.clusters().isPresent()
                        && !d.annotations.clusters().get().contains(cluster.name())) {
                    continue;
                }
                ObjectNode body = d.manifest.body();
                ObjectNode patch = d.annotations.overrides().get(cluster.name());
                if (patch != null) {
                    body = (ObjectNode) MergePatch.apply(body, patch);
                    checkPatched(d.manifest, body, cluster, problems);
                } else {
                    body = body.deepCopy();
                }
                finish(body, d.manifest, scopes, env, app.spec().app());
                placed.add(new Placed(d.manifest.withBody(body), d.annotations.wave(), d.index));
            }
            placed.sort(Comparator.comparingInt((Placed p) -> p.wave)
                    .thenComparingInt(p -> KindOrder.rank(p.manifest.ref()))
                    .thenComparingInt(p -> p.index));
            rendered.add(new RenderedCluster(
                    cluster,
                    env.namespace(),
                    placed.stream().map(p -> p.manifest).toList()));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return new Rendering(app, environment, group, rendered);
    }

    private record Declared(Manifest manifest, SlipwayAnnotations annotations, int index) {}

    private record Placed(Manifest manifest, int wave, int index) {}

    /**
     * The named environment. An app that declares no environments (e.g. one without slipway.yaml) gets an
     * implicit one per cluster group: same name, namespace named after the app.
     */
    static EnvironmentSpec environment(App app, String environment) {
        if (app.spec().environments().isEmpty()) {
            return new EnvironmentSpec(
                    environment, environment, app.spec().app(), app.spec().source());
        }
        return app.spec()
                .environment(environment)
                .orElseThrow(() -> new InvalidInputException(Problem.at(
                        app.spec().source(),
                        "unknown environment '" + environment + "'; this app declares: "
                                + String.join(", ", app.spec().environments().keySet()),
                        "pass one of those with --env, or add '" + environment + "' under environments: in "
                                + app.spec().source().file())));
    }

    private static void checkAgainstEnvironment(
            Manifest m,
            SlipwayAnnotations annotations,
            EnvironmentSpec env,
            ClusterGroup group,
            List<Problem> problems) {
        String groupClusters = group.clusters().stream().map(Cluster::name).collect(Collectors.joining(", "));
        if (annotations.clusters().isPresent()) {
            for (String name : annotations.clusters().get()) {
                if (group.cluster(name).isEmpty()) {
                    problems.add(Problem.at(
                            m.source(),
                            m.ref().kind() + " '" + m.ref().name() + "': " + Labels.CLUSTERS_ANNOTATION
                                    + " names cluster '"
                                    + name + "', which is not in group '" + group.name() + "' (its clusters: "
                                    + groupClusters + ")",
                            "use cluster names from group '" + group.name() + "' in the clusters file"));
                }
            }
        }
        for (String name : annotations.overrides().keySet()) {
            if (group.cluster(name).isEmpty()) {
                problems.add(Problem.at(
                        m.source(),
                        m.ref().kind() + " '" + m.ref().name() + "': " + Labels.OVERRIDE_ANNOTATION_PREFIX + name
                                + " is for a cluster that is not in group '" + group.name() + "' (its clusters: "
                                + groupClusters + ")",
                        "rename the annotation to a cluster of the group, or remove it"));
            }
        }
        String ns = m.ref().namespace();
        if (!ns.isEmpty() && !ns.equals(env.namespace()) && !m.ref().kind().equals("Namespace")) {
            problems.add(Problem.at(
                    m.source(),
                    m.ref().kind() + " '" + m.ref().name() + "' sets namespace '" + ns + "' but environment '"
                            + env.name() + "' deploys into namespace '" + env.namespace() + "'",
                    "remove metadata.namespace (Slipway sets it per environment)"));
        }
    }

    private static void checkPatched(Manifest m, ObjectNode body, Cluster cluster, List<Problem> problems) {
        JsonNode meta = body.path("metadata");
        for (String map : List.of("labels", "annotations")) {
            JsonNode values = meta.path(map);
            if (values.isMissingNode() || values.isNull()) {
                continue;
            }
            boolean ok = values.isObject();
            for (Iterator<JsonNode> it = values.elements(); ok && it.hasNext(); ) {
                ok = it.next().isTextual();
            }
            if (!ok) {
                problems.add(Problem.at(
                        m.source(),
                        "the override for cluster '" + cluster.name() + "' makes metadata." + map + " of "
                                + m.ref().kind() + " '" + m.ref().name() + "' something other than a map of strings",
                        "quote the values in the patch"));
            }
        }
    }

    /** Strips Slipway's annotations, sets the namespace and adds ownership labels. */
    private static void finish(ObjectNode body, Manifest original, KindScopes scopes, EnvironmentSpec env, String app) {
        ObjectNode meta = body.with("metadata");
        JsonNode annotations = meta.path("annotations");
        if (annotations.isObject()) {
            ObjectNode a = (ObjectNode) annotations;
            List<String> strip = new ArrayList<>();
            a.fieldNames().forEachRemaining(k -> {
                if (k.startsWith(SLIPWAY_PREFIX)) {
                    strip.add(k);
                }
            });
            a.remove(strip);
            if (a.isEmpty()) {
                meta.remove("annotations");
            }
        }
        if (!scopes.isClusterScoped(original.ref())) {
            meta.put("namespace", env.namespace());
        }
        JsonNode labels = meta.path("labels");
        ObjectNode l = labels.isObject() ? (ObjectNode) labels : meta.putObject("labels");
        l.put(Labels.APP, app);
        l.put(Labels.ENV, env.name());
        l.put(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY);
    }

    private List<Manifest> generate(App app, EnvironmentSpec env, ServiceSpec service) {
        String appName = app.spec().app();
        List<Manifest> out = new ArrayList<>();
        String hash = "";
        if (!service.secrets().isEmpty()) {
            Map<String, String> values = secrets.values(appName, service.secrets());
            ObjectNode secret =
                    object("v1", "Secret", ServiceSpec.secretObjectName(service.name()), appName, env, service);
            secret.put("type", "Opaque");
            ObjectNode data = secret.putObject("data");
            TreeMap<String, String> sorted = new TreeMap<>();
            for (String name : service.secrets()) {
                String value = values.get(name);
                if (value == null) {
                    throw new InvalidInputException(Problem.at(
                            service.source(),
                            "service '" + service.name() + "' needs a secret that is not set",
                            "run 'slipway secret list " + appName + "' and set the missing one with 'slipway secret"
                                    + " set'"));
                }
                sorted.put(name, value);
                data.put(name, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
            }
            hash = hash(sorted);
            out.add(Manifest.of(secret, service.source()));
        }
        out.add(Manifest.of(deployment(appName, env, service, hash), service.source()));
        out.add(Manifest.of(service(appName, env, service), service.source()));
        return out;
    }

    private static ObjectNode deployment(String app, EnvironmentSpec env, ServiceSpec s, String secretsHash) {
        ObjectNode d = object("apps/v1", "Deployment", s.name(), app, env, s);
        ObjectNode spec = d.putObject("spec");
        spec.put("replicas", s.replicas());
        spec.put("revisionHistoryLimit", 5);
        spec.putObject("selector").set("matchLabels", selector(app, s));
        ObjectNode rolling =
                spec.putObject("strategy").put("type", "RollingUpdate").putObject("rollingUpdate");
        rolling.put("maxUnavailable", 0);
        rolling.put("maxSurge", "25%");

        ObjectNode template = spec.putObject("template");
        ObjectNode templateMeta = template.putObject("metadata");
        templateMeta.set("labels", labels(app, env, s));
        if (!secretsHash.isEmpty()) {
            templateMeta.putObject("annotations").put(SECRETS_HASH_ANNOTATION, secretsHash);
        }
        ObjectNode pod = template.putObject("spec");
        pod.put("automountServiceAccountToken", false);
        pod.put("enableServiceLinks", false);
        ObjectNode podSecurity = pod.putObject("securityContext");
        podSecurity.put("runAsNonRoot", true);
        podSecurity.put("runAsUser", RUN_AS_USER);
        podSecurity.put("runAsGroup", RUN_AS_USER);
        podSecurity.put("fsGroup", RUN_AS_USER);
        podSecurity.putObject("seccompProfile").put("type", "RuntimeDefault");

        ObjectNode c = pod.putArray("containers").addObject();
        c.put("name", s.name());
        c.put("image", s.image().orElseThrow());
        c.putArray("ports")
                .addObject()
                .put("name", "http")
                .put("containerPort", s.port())
                .put("protocol", "TCP");
        ArrayNode envVars = c.putArray("env");
        envVars.addObject().put("name", "PORT").put("value", String.valueOf(s.port()));
        s.env().forEach((k, v) -> envVars.addObject().put("name", k).put("value", v));
        if (!s.secrets().isEmpty()) {
            // envFrom keeps the secret names out of the Deployment: they live only in the Secret's keys.
            c.putArray("envFrom")
                    .addObject()
                    .putObject("secretRef")
                    .put("name", ServiceSpec.secretObjectName(s.name()));
        }
        ObjectNode resources = c.putObject("resources");
        resources
                .putObject("requests")
                .put("cpu", s.resources().cpuRequest())
                .put("memory", s.resources().memoryRequest());
        resources
                .putObject("limits")
                .put("cpu", s.resources().cpuLimit())
                .put("memory", s.resources().memoryLimit());
        ObjectNode readiness = c.putObject("readinessProbe");
        readiness.putObject("httpGet").put("path", s.healthPath()).put("port", "http");
        readiness.put("periodSeconds", 5).put("timeoutSeconds", 2).put("failureThreshold", 3);
        ObjectNode liveness = c.putObject("livenessProbe");
        liveness.putObject("httpGet").put("path", s.healthPath()).put("port", "http");
        liveness.put("initialDelaySeconds", 10)
                .put("periodSeconds", 10)
                .put("timeoutSeconds", 2)
                .put("failureThreshold", 3);
        ObjectNode containerSecurity = c.putObject("securityContext");
        containerSecurity.put("allowPrivilegeEscalation", false);
        containerSecurity.put("privileged", false);
        containerSecurity.put("readOnlyRootFilesystem", true);
        containerSecurity.put("runAsNonRoot", true);
        containerSecurity.putObject("capabilities").putArray("drop").add("ALL");
        // A read-only root filesystem breaks most runtimes unless they get a writable /tmp.
        c.putArray("volumeMounts").addObject().put("name", "tmp").put("mountPath", "/tmp");
        pod.putArray("volumes")
                .addObject()
                .put("name", "tmp")
                .putObject("emptyDir")
                .put("sizeLimit", "256Mi");
        return d;
    }

    private static ObjectNode service(String app, EnvironmentSpec env, ServiceSpec s) {
        ObjectNode svc = object("v1", "Service", s.name(), app, env, s);
        ObjectNode spec = svc.putObject("spec");
        spec.put("type", "ClusterIP");
        spec.set("selector", selector(app, s));
        spec.putArray("ports")
                .addObject()
                .put("name", "http")
                .put("port", s.port())
                .put("targetPort", "http")
                .put("protocol", "TCP");
        return svc;
    }

    private static ObjectNode object(
            String apiVersion, String kind, String name, String app, EnvironmentSpec env, ServiceSpec s) {
        ObjectNode o = NODES.objectNode();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", name);
        meta.put("namespace", env.namespace());
        meta.set("labels", labels(app, env, s));
        return o;
    }

    private static ObjectNode labels(String app, EnvironmentSpec env, ServiceSpec s) {
        ObjectNode l = NODES.objectNode();
        l.put(Labels.NAME, app);
        l.put(Labels.INSTANCE, app + "-" + env.name());
        l.put(Labels.COMPONENT, s.name());
        l.put(Labels.PART_OF, app);
        l.put(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY);
        l.put(Labels.APP, app);
        l.put(Labels.ENV, env.name());
        return l;
    }

    /** Only labels that never change for the life of the Deployment: selectors are immutable. */
    private static ObjectNode selector(String app, ServiceSpec s) {
        ObjectNode l = NODES.objectNode();
        l.put(Labels.NAME, app);
        l.put(Labels.COMPONENT, s.name());
        return l;
    }

    private static String hash(Map<String, String> sorted) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
