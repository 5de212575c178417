package dev.slipway.core.spec;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.manifest.KubernetesNames;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The starter files {@code slipway init} writes: a commented slipway.yaml and an example manifests
 * folder, so a new app is valid and deployable from its first commit and shows each feature once.
 */
public final class Scaffold {
    private Scaffold() {}

    /**
     * The files of a new app, by path relative to the app directory.
     *
     * @throws InvalidInputException when {@code appName} is not an RFC 1123 label
     */
    public static Map<Path, String> files(String appName) {
        KubernetesNames.labelError(appName).ifPresent(why -> {
            throw new InvalidInputException(new Problem(
                    "app name",
                    "'" + appName + "' " + why,
                    "choose a name such as '" + KubernetesNames.toLabel(appName) + "'"));
        });
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(Path.of(AppLoader.SPEC_FILE), spec(appName));
        files.put(Path.of("kubernetes", "config.yaml"), config(appName));
        files.put(Path.of("kubernetes", "disruption-budget.yaml"), disruptionBudget(appName));
        return files;
    }

    private static String spec(String app) {
        return """
                # yaml-language-server: $schema=%2$s
                # Slipway app spec. Reference: docs/spec.md. Check it with: slipway validate .

                # The app's name: lower-case letters, digits and '-'.
                app: %1$s

                # Kubernetes YAML deployed with the app (every .yaml/.yml below this folder).
                manifests: kubernetes/

                # Default timeout of this app's routes in the Slipway router.
                routeTimeout: 10s

                # Each environment deploys into one namespace on every cluster of a cluster group
                # (groups are defined in your clusters file, e.g. ~/.config/slipway/clusters.yaml).
                environments:
                  staging: {group: staging, namespace: %1$s-staging}
                  production: {group: production, namespace: %1$s}

                # Simple services: Slipway renders each into a Deployment and a Service with safe defaults
                # (non-root, read-only root filesystem, dropped capabilities, probes, requests/limits).
                services:
                  - name: web
                    image: registry.example.com/%1$s/web:0.1.0   # your image
                    run: python3 -m http.server 8080              # used by 'slipway up' on your machine
                    port: 8080                                    # exported to the process as PORT
                    health: /                                     # readiness and liveness probe path
                    replicas: 2
                    env:
                      LOG_LEVEL: info
                    # secrets: [DATABASE_URL]    # set with: slipway secret set %1$s DATABASE_URL
                    resources:
                      requests: {cpu: 100m, memory: 128Mi}
                      limits: {cpu: 500m, memory: 256Mi}
                """.formatted(app, SpecSchema.URL);
    }

    private static String config(String app) {
        return """
                # Plain Kubernetes YAML. Slipway sets the namespace and its ownership labels.
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %1$s-config
                  annotations:
                    # Per-cluster changes as a JSON merge patch, e.g. for a cluster named east-1:
                    # slipway.dev/override.east-1: '{"data": {"REGION": "east"}}'
                    # Only to some clusters of the group:
                    # slipway.dev/clusters: "east-1,west-2"
                    # Apply earlier (lower wave) or later than other objects:
                    slipway.dev/wave: "0"
                data:
                  GREETING: hello
                """.formatted(app);
    }

    private static String disruptionBudget(String app) {
        return """
                # Keeps at least one 'web' pod up during node drains.
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: web
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels:
                      app.kubernetes.io/name: %1$s
                      app.kubernetes.io/component: web
                """.formatted(app);
    }
}
