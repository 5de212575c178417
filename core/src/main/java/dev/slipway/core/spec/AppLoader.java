package dev.slipway.core.spec;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.manifest.KindScopes;
import dev.slipway.core.manifest.KubernetesNames;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.manifest.ManifestLoader;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.manifest.Quantity;
import dev.slipway.core.manifest.YamlCursor;
import dev.slipway.core.manifest.YamlDocument;
import dev.slipway.core.manifest.YamlDocuments;
import dev.slipway.core.rollout.RolloutSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads an app directory ({@code slipway.yaml} and/or Kubernetes YAML) strictly: every unknown field,
 * wrong type or invalid name is reported with file:line, all at once, before anything is rendered.
 */
public final class AppLoader {
    /** The spec file's name inside an app directory. */
    public static final String SPEC_FILE = "slipway.yaml";

    static final List<String> TOP_FIELDS = List.of("app", "manifests", "routeTimeout", "environments", "services");
    static final List<String> ENVIRONMENT_FIELDS = List.of("group", "namespace", "rollout");
    static final List<String> SERVICE_FIELDS =
            List.of("name", "image", "run", "port", "health", "replicas", "timeout", "env", "secrets", "resources");
    static final List<String> RESOURCES_FIELDS = List.of("requests", "limits");
    static final List<String> QUANTITY_FIELDS = List.of("cpu", "memory");

    static final int DEFAULT_PORT = 8080;
    static final String DEFAULT_HEALTH = "/";
    static final int DEFAULT_REPLICAS = 1;
    static final int MAX_REPLICAS = 1000;

    private AppLoader() {}

    /**
     * Loads {@code appDir}. Without a slipway.yaml the directory itself is the manifests folder and its
     * name is the app name (see docs/spec.md, "Apps without slipway.yaml").
     *
     * @throws InvalidInputException listing every problem found
     */
    public static App load(Path appDir) {
        if (!Files.isDirectory(appDir)) {
            throw new InvalidInputException(new Problem(
                    appDir.toString(),
                    Files.exists(appDir) ? "not a directory" : "no such directory",
                    "pass the app directory (the one holding slipway.yaml or your Kubernetes YAML)"));
        }
        Path specFile = appDir.resolve(SPEC_FILE).normalize();
        Path alternative = appDir.resolve("slipway.yml").normalize();
        if (!Files.exists(specFile) && Files.exists(alternative)) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(alternative), "the spec file must be named slipway.yaml", "rename it"));
        }
        List<Problem> problems = new ArrayList<>();
        AppSpec spec = Files.exists(specFile) ? readSpec(appDir, specFile, problems) : implicitSpec(appDir);
        throwIfAny(problems);

        List<Manifest> manifests = List.of();
        if (spec.manifests().isPresent()) {
            Path folder = appDir.resolve(spec.manifests().get()).normalize();
            List<Path> files = ManifestLoader.files(folder, Set.of(specFile));
            if (files.isEmpty() && !Files.exists(specFile)) {
                throw new InvalidInputException(new Problem(
                        appDir.toString(),
                        "no slipway.yaml and no Kubernetes YAML (.yaml/.yml) in this directory",
                        "run 'slipway init' here, or point at the folder holding your manifests"));
            }
            if (files.isEmpty()) {
                throw new InvalidInputException(Problem.at(
                        spec.source(),
                        "the manifests folder '" + spec.manifests().get() + "' holds no .yaml or .yml files",
                        "add your Kubernetes YAML there, fix the path, or remove 'manifests'"));
            }
            manifests = ManifestLoader.load(files, problems);
            if (problems.isEmpty() && manifests.isEmpty() && spec.services().isEmpty()) {
                // Deploying an app with no objects would prune everything it deployed before.
                throw new InvalidInputException(Problem.at(
                        spec.source(),
                        "no Kubernetes objects found in '" + spec.manifests().get() + "' (every document is empty)",
                        "add objects; an app with nothing to deploy would make deploy delete what it deployed"
                                + " before"));
            }
        }
        checkScopes(manifests, problems);
        checkGeneratedNames(spec, manifests, problems);
        throwIfAny(problems);
        return new App(appDir, spec, manifests);
    }

    /** Parses slipway.yaml text, recording problems; {@code specFile} is used for locations only. */
    static AppSpec parseSpec(String text, Path appDir, Path specFile, List<Problem> problems) {
        List<YamlDocument> docs = YamlDocuments.parse(text, specFile);
        if (docs.isEmpty()) {
            problems.add(
                    Problem.at(SourceLocation.of(specFile), "slipway.yaml is empty", "add at least 'app: <name>'"));
            return null;
        }
        if (docs.size() > 1) {
            problems.add(Problem.at(
                    docs.get(1).start(),
                    "slipway.yaml holds more than one YAML document",
                    "keep one document; put Kubernetes objects in the manifests folder"));
        }
        YamlDocument doc = docs.get(0);
        YamlCursor root = doc.strictCursor(problems);
        if (!root.expectObject(TOP_FIELDS)) {
            return null;
        }
        Optional<String> appText = root.get("app").requiredText("name the app, e.g. app: acme-web");
        String app = appText.orElse("");
        if (appText.isPresent()) {
            label(root.get("app"), app, "app name");
        }

        Optional<Path> manifests = Optional.empty();
        YamlCursor m = root.get("manifests");
        Optional<String> folder = m.text();
        if (folder.isPresent()) {
            manifests = manifestsFolder(m, folder.get(), appDir);
        }

        Duration routeTimeout = duration(root.get("routeTimeout")).orElse(AppSpec.DEFAULT_ROUTE_TIMEOUT);

        Map<String, EnvironmentSpec> environments = new LinkedHashMap<>();
        for (Map.Entry<String, YamlCursor> e : root.get("environments").entries()) {
            environment(e.getKey(), e.getValue(), app, problems).ifPresent(env -> environments.put(env.name(), env));
        }

        List<ServiceSpec> services = new ArrayList<>();
        Set<String> serviceNames = new HashSet<>();
        for (YamlCursor s : root.get("services").items()) {
            service(s).ifPresent(svc -> {
                if (!serviceNames.add(svc.name())) {
                    s.get("name").problem("service '" + svc.name() + "' is declared twice", "rename one of them");
                } else {
                    services.add(svc);
                }
            });
        }
        checkRoutable(environments, services, problems);
        if (m.isAbsent() && root.get("services").isAbsent() && !root.get("app").isAbsent()) {
            root.problem(
                    "nothing to deploy: slipway.yaml has neither 'manifests' nor 'services'",
                    "add 'manifests: kubernetes/' (a folder of Kubernetes YAML) or a 'services' list");
        }
        return new AppSpec(app, manifests, environments, routeTimeout, services, doc.start());
    }

    /**
     * A rollout moves the router's traffic between two tracks, so the environment must have something the
     * router reaches: a service that runs on the clusters (has an image) and listens on its port.
     */
    private static void checkRoutable(
            Map<String, EnvironmentSpec> environments, List<ServiceSpec> services, List<Problem> problems) {
        boolean routable = services.stream().anyMatch(ServiceSpec::deploysToClusters);
        if (routable) {
            return;
        }
        for (EnvironmentSpec env : environments.values()) {
            env.rollout()
                    .ifPresent(r -> problems.add(Problem.at(
                            r.source(),
                            "environments." + env.name() + ".rollout: the app has no service the router can send"
                                    + " traffic to (a service with an image and a port), so there is nothing to"
                                    + " roll out in steps",
                            services.isEmpty()
                                    ? "declare the app's HTTP services under services: (with image: and port:),"
                                            + " or remove rollout: to deploy in place"
                                    : "give a service an image: (services with only run: stay on this machine),"
                                            + " or remove rollout: to deploy in place")));
        }
    }

    private static AppSpec readSpec(Path appDir, Path specFile, List<Problem> problems) {
        String text;
        try {
            text = Files.readString(specFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(specFile),
                    "cannot read slipway.yaml: " + e.getMessage(),
                    "check that it is readable UTF-8 text"));
        }
        AppSpec spec = parseSpec(text, appDir, specFile, problems);
        throwIfAny(problems);
        return spec;
    }

    /** An app made only of manifests: named after its directory, its manifests are the directory itself. */
    private static AppSpec implicitSpec(Path appDir) {
        Path abs = appDir.toAbsolutePath().normalize();
        String name = abs.getFileName() == null ? "" : abs.getFileName().toString();
        Optional<String> bad = KubernetesNames.labelError(name);
        if (bad.isPresent()) {
            throw new InvalidInputException(new Problem(
                    appDir.toString(),
                    "there is no slipway.yaml, so the app is named after its directory, but '" + name + "' "
                            + bad.get(),
                    "add a slipway.yaml with 'app: " + KubernetesNames.toLabel(name) + "' and 'manifests: .'"));
        }
        return new AppSpec(
                name,
                Optional.of(Path.of(".")),
                Map.of(),
                AppSpec.DEFAULT_ROUTE_TIMEOUT,
                List.of(),
                SourceLocation.of(appDir));
    }

    private static Optional<Path> manifestsFolder(YamlCursor at, String folder, Path appDir) {
        Path rel;
        try {
            rel = Path.of(folder);
        } catch (InvalidPathException e) {
            at.problem("'" + folder + "' is not a valid path", "write a folder relative to the app directory");
            return Optional.empty();
        }
        if (rel.isAbsolute() || folder.isBlank()) {
            at.problem(
                    "must be a folder relative to the app directory, got '" + folder + "'",
                    "write e.g. manifests: kubernetes/");
            return Optional.empty();
        }
        Path base = appDir.toAbsolutePath().normalize();
        Path resolved = base.resolve(rel).normalize();
        if (!resolved.startsWith(base)) {
            at.problem(
                    "'" + folder + "' points outside the app directory",
                    "keep the manifests inside the app directory so the app is self-contained");
            return Optional.empty();
        }
        if (!Files.isDirectory(resolved)) {
            at.problem(
                    "folder '" + folder + "' does not exist in " + appDir,
                    "create it, fix the path, or remove 'manifests' if the app only has services");
            return Optional.empty();
        }
        return Optional.of(rel.normalize().toString().isEmpty() ? Path.of(".") : rel.normalize());
    }

    private static Optional<EnvironmentSpec> environment(
            String name, YamlCursor at, String app, List<Problem> problems) {
        Optional<String> badName = KubernetesNames.labelError(name);
        if (badName.isPresent()) {
            at.problem(
                    "environment name '" + name + "' " + badName.get(),
                    "rename it, e.g. '" + KubernetesNames.toLabel(name) + "'");
        }
        // "production:" with nothing under it means "all defaults", a common way to write it.
        if (!at.node().isNull() && !at.expectObject(ENVIRONMENT_FIELDS)) {
            return Optional.empty();
        }
        Optional<String> groupText = at.get("group").text();
        groupText.ifPresent(g -> label(at.get("group"), g, "group name"));
        String group = groupText.orElse(name);
        String defaultNamespace = app.isEmpty() ? name : app + "-" + name;
        String namespace = at.get("namespace").text().orElse(defaultNamespace);
        if (!at.get("namespace").isAbsent()) {
            label(at.get("namespace"), namespace, "namespace");
        } else if (!app.isEmpty()
                && badName.isEmpty()
                && KubernetesNames.labelError(namespace).isPresent()) {
            at.problem(
                    "the default namespace '" + namespace + "' (app-environment) is longer than 63 characters",
                    "set namespace: explicitly");
        }
        Optional<RolloutSpec> rollout = RolloutParser.parse(at.get("rollout"), problems);
        return Optional.of(new EnvironmentSpec(name, group, namespace, rollout, at.location()));
    }

    private static Optional<ServiceSpec> service(YamlCursor at) {
        if (!at.expectObject(SERVICE_FIELDS)) {
            return Optional.empty();
        }
        Optional<String> nameText = at.get("name").requiredText("name the service, e.g. name: web");
        String name = nameText.orElse("");
        if (nameText.isPresent()) {
            label(at.get("name"), name, "service name");
            // Generated objects are named <service> and <service>-secrets: both must stay valid.
            if (name.length() > 55) {
                at.get("name").problem("service name is longer than 55 characters", "shorten it");
            }
        }
        Optional<String> image = at.get("image").text();
        image.ifPresent(i -> {
            if (i.isBlank() || i.chars().anyMatch(Character::isWhitespace)) {
                at.get("image")
                        .problem("'" + i + "' is not a container image reference", "write e.g. ghcr.io/acme/web:1.4.2");
            }
        });
        Optional<String> run = at.get("run").text();
        run.ifPresent(r -> {
            if (r.isBlank()) {
                at.get("run").problem("must not be blank", "write the command that starts the service locally");
            }
        });
        if (at.get("image").isAbsent() && at.get("run").isAbsent()) {
            at.problem(
                    "service '" + name + "' has neither image nor run",
                    "add image: (for clusters) and/or run: (for 'slipway up' on this machine)");
        }
        int port = at.get("port").integer(1, 65535).orElse(DEFAULT_PORT);
        String health = at.get("health").text().orElse(DEFAULT_HEALTH);
        if (!health.startsWith("/") || health.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            at.get("health")
                    .problem(
                            "health path must start with '/' and contain no spaces, got '" + health + "'",
                            "write e.g. health: /healthz");
        }
        int replicas = at.get("replicas").integer(0, MAX_REPLICAS).orElse(DEFAULT_REPLICAS);
        Optional<Duration> timeout = duration(at.get("timeout"));

        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, YamlCursor> e : at.get("env").entries()) {
            String key = e.getKey();
            YamlCursor v = e.getValue();
            if (!KubernetesNames.isEnvVarName(key)) {
                v.problem(
                        "'" + key + "' is not a valid environment variable name",
                        "use letters, digits and '_', not starting with a digit, e.g. LOG_LEVEL");
            } else if (key.equals("PORT")) {
                v.problem("PORT is set by Slipway from the service's port", "set port: instead");
            }
            if (v.node().isNull()) {
                v.problem("has no value", "write a value, e.g. " + key + ": \"value\", or delete the line");
            } else {
                v.scalarText("write a string, e.g. " + key + ": \"value\"").ifPresent(text -> env.put(key, text));
            }
        }

        List<String> secrets = new ArrayList<>();
        for (YamlCursor s : at.get("secrets").items()) {
            s.text().ifPresent(secret -> {
                if (!KubernetesNames.isEnvVarName(secret)) {
                    s.problem(
                            "a secret name must be a valid environment variable name",
                            "use letters, digits and '_', not starting with a digit, e.g. DATABASE_URL");
                } else if (secrets.contains(secret)) {
                    s.problem("secret listed twice", "list each secret once");
                } else if (env.containsKey(secret) || secret.equals("PORT")) {
                    s.problem(
                            "a secret has the same name as an environment variable of this service",
                            "remove it from env: or from secrets:");
                } else {
                    secrets.add(secret);
                }
            });
        }

        ServiceSpec.Resources resources = resources(at.get("resources"));
        return Optional.of(new ServiceSpec(
                name, image, run, port, health, replicas, timeout, env, secrets, resources, at.location()));
    }

    /** A positive duration with a unit ({@code 10s}, {@code 1h30m}); absent, or a problem recorded, otherwise. */
    static Optional<Duration> duration(YamlCursor at) {
        if (at.node().isNumber()) {
            at.problem(
                    "expected a duration with a unit, got the number "
                            + at.node().asText(),
                    "write e.g. \"" + at.node().asText() + "s\"");
            return Optional.empty();
        }
        Optional<String> text = at.text();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> d = Durations.parse(text.get());
        if (d.isEmpty()) {
            at.problem(
                    "'" + text.get() + "' is not a duration",
                    "write a positive number with a unit: ms, s, m, h (e.g. 10s, 2m, 1h30m)");
        }
        return d;
    }

    private static ServiceSpec.Resources resources(YamlCursor at) {
        ServiceSpec.Resources d = ServiceSpec.Resources.DEFAULT;
        if (!at.expectObject(RESOURCES_FIELDS)) {
            return d;
        }
        YamlCursor req = at.get("requests");
        YamlCursor lim = at.get("limits");
        req.expectObject(QUANTITY_FIELDS);
        lim.expectObject(QUANTITY_FIELDS);
        String cpuRequest = quantity(req.get("cpu")).orElse(d.cpuRequest());
        String memoryRequest = quantity(req.get("memory")).orElse(d.memoryRequest());
        String cpuLimit = quantity(lim.get("cpu")).orElse(d.cpuLimit());
        String memoryLimit = quantity(lim.get("memory")).orElse(d.memoryLimit());
        notAbove(req.get("cpu").isAbsent() ? lim.get("cpu") : req.get("cpu"), "cpu", cpuRequest, cpuLimit);
        notAbove(
                req.get("memory").isAbsent() ? lim.get("memory") : req.get("memory"),
                "memory",
                memoryRequest,
                memoryLimit);
        return new ServiceSpec.Resources(cpuRequest, memoryRequest, cpuLimit, memoryLimit);
    }

    private static Optional<String> quantity(YamlCursor at) {
        if (at.node().isNumber()) {
            String text = at.node().asText();
            if (Quantity.parse(text).isPresent()) {
                return Optional.of(text);
            }
        }
        Optional<String> text = at.node().isNumber() ? Optional.empty() : at.text();
        if (text.isPresent() && Quantity.parse(text.get()).isEmpty()) {
            at.problem(
                    "'" + text.get() + "' is not a Kubernetes quantity",
                    "write e.g. 250m or 0.5 for cpu, 256Mi or 1Gi for memory");
            return Optional.empty();
        }
        if (at.node().isNumber() && text.isEmpty()) {
            at.problem("'" + at.node().asText() + "' is not a Kubernetes quantity", "write e.g. 250m or 256Mi");
        }
        return text;
    }

    private static void notAbove(YamlCursor at, String resource, String request, String limit) {
        Optional<Quantity> r = Quantity.parse(request);
        Optional<Quantity> l = Quantity.parse(limit);
        if (r.isPresent() && l.isPresent() && r.get().compareTo(l.get()) > 0) {
            at.problem(
                    resource + " request " + request + " is above its limit " + limit,
                    "raise limits." + resource + " or lower requests." + resource + " (defaults: "
                            + ServiceSpec.Resources.DEFAULT + ")");
        }
    }

    private static void label(YamlCursor at, String value, String what) {
        KubernetesNames.labelError(value)
                .ifPresent(why -> at.problem(
                        what + " '" + value + "' " + why, "use e.g. '" + KubernetesNames.toLabel(value) + "'"));
    }

    private static void checkScopes(List<Manifest> manifests, List<Problem> problems) {
        KindScopes scopes = KindScopes.of(manifests);
        for (Manifest m : manifests) {
            if (scopes.isClusterScoped(m.ref()) && !m.ref().namespace().isEmpty()) {
                problems.add(Problem.at(
                        m.source(),
                        m.ref().kind() + " '" + m.ref().name() + "' is cluster-scoped but sets metadata.namespace",
                        "remove metadata.namespace from it"));
            }
        }
    }

    /** Objects Slipway generates for services must not clash with objects the app declares. */
    private static void checkGeneratedNames(AppSpec spec, List<Manifest> manifests, List<Problem> problems) {
        for (ServiceSpec s : spec.services()) {
            if (s.image().isEmpty()) {
                continue;
            }
            for (ObjectRef generated : generatedRefs(s)) {
                for (Manifest m : manifests) {
                    if (m.ref().group().equals(generated.group())
                            && m.ref().kind().equals(generated.kind())
                            && m.ref().name().equals(generated.name())) {
                        problems.add(Problem.at(
                                m.source(),
                                generated.kind() + " '" + generated.name() + "' clashes with the one Slipway generates"
                                        + " for service '" + s.name() + "' (declared at " + s.source() + ")",
                                "rename the manifest or the service"));
                    }
                }
            }
        }
    }

    private static List<ObjectRef> generatedRefs(ServiceSpec s) {
        List<ObjectRef> refs = new ArrayList<>();
        refs.add(new ObjectRef("apps", "Deployment", "", s.name()));
        refs.add(new ObjectRef("", "Service", "", s.name()));
        if (!s.secrets().isEmpty()) {
            refs.add(new ObjectRef("", "Secret", "", ServiceSpec.secretObjectName(s.name())));
        }
        return refs;
    }

    private static void throwIfAny(List<Problem> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
    }
}
