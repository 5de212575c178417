package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecSchemaTest {
    /** An app directory whose kubernetes/ folder exists, so "manifests" can be valid. */
    private static final Path APP = Path.of("src/test/resources/apps/schema");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final JsonSchema SCHEMA =
            JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(SpecSchema.text());

    private static Set<ValidationMessage> schemaErrors(String yaml) throws Exception {
        return SCHEMA.validate(YAML.readTree(yaml));
    }

    private static List<Problem> loaderProblems(String yaml) {
        List<Problem> problems = new ArrayList<>();
        try {
            AppLoader.parseSpec(yaml, APP, APP.resolve("slipway.yaml"), problems);
        } catch (InvalidInputException e) {
            problems.addAll(e.problems());
        }
        return problems;
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "app: acme-web\nmanifests: kubernetes/\nenvironments:\n  production: {group: production, namespace: acme-web}\n",
                "app: a\nservices:\n  - {name: web, image: nginx:1.27}\n",
                "app: a\nmanifests: kubernetes/\nrouteTimeout: 1h30m\nenvironments:\n  staging:\n",
                """
                app: shop
                services: [{name: web, image: 'nginx:1.27'}]
                environments:
                  production:
                    rollout:
                      steps: [optin, {rps: 100, for: 10m}, {percent: 10, for: 30m}, {percent: 50%, for: 30m}, full]
                      analysis: {interval: 10s, minRequests: 100, maxErrorRate: 0.5%, maxP99: 800ms, maxP99Ratio: 1.5}
                      clusters: together
                """,
                """
                app: predict
                services:
                  - name: model
                    image: ghcr.io/acme/model:1.2
                    run: python serve.py
                    port: 9000
                    health: /ready
                    replicas: 3
                    env: {WORKERS: 4, DEBUG: false}
                    secrets: [API_KEY]
                    resources: {requests: {cpu: 250m, memory: 1Gi}, limits: {cpu: 2, memory: 2Gi}}
                """
            })
    void validSpecsPassBothTheSchemaAndTheLoader(String spec) throws Exception {
        assertThat(schemaErrors(spec)).isEmpty();
        assertThat(loaderProblems(spec)).isEmpty();
    }

    @Test
    void scaffoldedSpecPassesTheSchema() throws Exception {
        assertThat(schemaErrors(Scaffold.files("acme").get(Path.of("slipway.yaml"))))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "manifests: kubernetes/\n",
                "app: a\nmanifests: kubernetes/\nenviroments: {}\n",
                "app: Acme\nmanifests: kubernetes/\n",
                "app: a\nmanifests: kubernetes/\nrouteTimeout: 30\n",
                "app: a\nmanifests: kubernetes/\nrouteTimeout: 0s\n",
                "app: a\nmanifests: /abs\n",
                "app: a\n",
                "app: a\nmanifests: kubernetes/\nenvironments: {prod: {grup: x}}\n",
                "app: a\nmanifests: kubernetes/\nenvironments: {prod: {namespace: A_B}}\n",
                "app: a\nservices: [{name: web}]\n",
                "app: a\nservices: [{name: web, image: x, port: 0}]\n",
                "app: a\nservices: [{name: web, image: x, replicas: -1}]\n",
                "app: a\nservices: [{name: web, image: x, health: ready}]\n",
                "app: a\nservices: [{name: web, image: x, env: {PORT: '1'}}]\n",
                "app: a\nservices: [{name: web, image: x, env: {bad-name: '1'}}]\n",
                "app: a\nservices: [{name: web, image: x, secrets: [A, A]}]\n",
                "app: a\nservices: [{name: web, image: x, resources: {requests: {cpu: lots}}}]\n",
                "app: a\nservices: [{name: web, image: x, resources: {requests: {gpu: 1}}}]\n",
                "app: a\nservices: [{name: web, image: x, healthcheck: /}]\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [canary, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{percent: 120, for: 1m}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{percent: 0, for: 1m}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{percent: 12.5, for: 1m}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{rps: 0, for: 1m}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{rps: 100, for: 5x}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{percent: 10}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [{optin: true, for: 1h}, full]}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: []}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {clusters: together}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], analysis: {maxErrorRate: 120%}}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], analysis: {maxErrorRate: 0.01}}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], analysis: {maxP99Ratio: 0.9}}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], analysis: {minRequests: 0}}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], analysis: {interval: 0s}}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], analysis: {maxP95: 1s}}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], clusters: all}}}\n",
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {prod: {rollout: {steps: [full], canary: 10}}}\n"
            })
    void invalidSpecsFailBothTheSchemaAndTheLoader(String spec) throws Exception {
        assertThat(schemaErrors(spec)).as("schema errors").isNotEmpty();
        assertThat(loaderProblems(spec)).as("loader problems").isNotEmpty();
    }

    @Test
    void schemaAndLoaderAcceptTheSameFields() throws Exception {
        JsonNode schema = JSON.readTree(SpecSchema.text());
        JsonNode defs = schema.path("$defs");

        assertThat(fields(schema)).isEqualTo(new TreeSet<>(AppLoader.TOP_FIELDS));
        assertThat(fields(defs.path("environment"))).isEqualTo(new TreeSet<>(AppLoader.ENVIRONMENT_FIELDS));
        assertThat(fields(defs.path("service"))).isEqualTo(new TreeSet<>(AppLoader.SERVICE_FIELDS));
        assertThat(fields(defs.path("service").path("properties").path("resources")))
                .isEqualTo(new TreeSet<>(AppLoader.RESOURCES_FIELDS));
        assertThat(fields(defs.path("resourcePair"))).isEqualTo(new TreeSet<>(AppLoader.QUANTITY_FIELDS));
        assertThat(fields(defs.path("rollout"))).isEqualTo(new TreeSet<>(RolloutParser.ROLLOUT_FIELDS));
        assertThat(fields(defs.path("analysis"))).isEqualTo(new TreeSet<>(RolloutParser.ANALYSIS_FIELDS));
        Set<String> stepFields = new TreeSet<>();
        defs.path("step").path("oneOf").forEach(kind -> stepFields.addAll(fields(kind)));
        assertThat(stepFields).isEqualTo(new TreeSet<>(RolloutParser.STEP_FIELDS));
        for (JsonNode object : List.of(
                schema,
                defs.path("environment"),
                defs.path("service"),
                defs.path("resourcePair"),
                defs.path("rollout"),
                defs.path("analysis"))) {
            assertThat(object.path("additionalProperties").asBoolean(true)).isFalse();
        }
    }

    private static Set<String> fields(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * For valid specs, and for valid specs with exactly one field made invalid, the schema and the loader
     * agree. One mutation at a time makes each invalid value count on its own.
     */
    @Property(tries = 1000)
    void schemaAcceptsExactlyWhatTheLoaderAccepts(
            @ForAll("validSpecs") ObjectNode spec, @ForAll("mutations") Optional<Mutation> mutation) throws Exception {
        mutation.ifPresent(m -> m.apply(spec));
        String yaml = YAML.writeValueAsString(spec);

        boolean schemaOk = SCHEMA.validate(YAML.readTree(yaml)).isEmpty();
        boolean loaderOk = loaderProblems(yaml).isEmpty();
        Statistics.label("accepted").collect(loaderOk);

        assertThat(schemaOk)
                .as(
                        "schema %s / loader %s for:%n%s%nloader: %s%nschema: %s",
                        schemaOk, loaderOk, yaml, loaderProblems(yaml), SCHEMA.validate(YAML.readTree(yaml)))
                .isEqualTo(loaderOk);
    }

    /** Sets one field of a spec to a value. */
    record Mutation(String pointer, JsonNode value) {
        void apply(ObjectNode spec) {
            int slash = pointer.lastIndexOf('/');
            JsonNode parent = spec.at(pointer.substring(0, slash));
            if (parent.isObject()) {
                ((ObjectNode) parent).set(pointer.substring(slash + 1), value);
            }
        }

        @Override
        public String toString() {
            return pointer + " = " + value;
        }
    }

    @Provide
    Arbitrary<Optional<Mutation>> mutations() {
        List<Mutation> all = new ArrayList<>();
        Object[][] table = {
            {"/app", new Object[] {"Acme", "-x", 7, "", null, "a".repeat(64)}},
            {"/manifests", new Object[] {"/abs", "", 5, null}},
            {"/routeTimeout", new Object[] {"30", 30, "0s", "soon", "1.5s", null}},
            {
                "/environments",
                new Object[] {
                    "[]",
                    "{Prod: {}}",
                    "{prod: {namespace: Bad}}",
                    "{prod: {grup: x}}",
                    "{prod: {group: ''}}",
                    "{prod: {group: Prod_EU}}",
                    null
                }
            },
            {"/services", new Object[] {"{}", "[]", "[1]", null}},
            {"/services/0/name", new Object[] {"Web", "", "w".repeat(56), 3, null}},
            {"/services/0/image", new Object[] {"", "a b", 1, null}},
            {"/services/0/run", new Object[] {" ", "", null}},
            {"/services/0/port", new Object[] {0, 70000, "80", 80.5, null}},
            {"/services/0/health", new Object[] {"ready", "/a b", "", null}},
            {"/services/0/replicas", new Object[] {-1, 1001, "2", 1.5, null}},
            {"/services/0/env", new Object[] {"{PORT: '1'}", "{log-level: x}", "{X: null}", "{X: [1]}", "[]", null}},
            {"/services/0/secrets", new Object[] {"[API_KEY, API_KEY]", "[db-pass]", "[3]", "{}", null}},
            {
                "/services/0/resources",
                new Object[] {
                    "{requests: {cpu: lots}}",
                    "{requests: {cpu: -1}}",
                    "{requests: {gpu: 1}}",
                    "{request: {cpu: 1m}}",
                    "[]",
                    null
                }
            },
            {"/services/0/healthcheck", new Object[] {"/"}},
            {"/extra", new Object[] {1}},
        };
        for (Object[] row : table) {
            for (Object value : (Object[]) row[1]) {
                JsonNode node = value instanceof String text && (text.startsWith("{") || text.startsWith("["))
                        ? yamlValue(text)
                        : JSON.valueToTree(value);
                all.add(new Mutation((String) row[0], node));
            }
        }
        return Arbitraries.of(all).optional(0.7);
    }

    @Provide
    Arbitrary<ObjectNode> validSpecs() {
        Arbitrary<Optional<String>> manifests =
                Arbitraries.of("kubernetes/", ".").optional(0.6);
        Arbitrary<Optional<String>> routeTimeout =
                Arbitraries.of("10s", "1h30m", "500ms", "2d").optional(0.3);
        Arbitrary<Optional<String>> environments = Arbitraries.of(
                        "{production: {group: production, namespace: acme}}", "{staging: null}", "{staging: {}}")
                .optional(0.5);
        Arbitrary<List<ObjectNode>> services =
                validService().list().ofMinSize(1).ofMaxSize(2);
        return Combinators.combine(manifests, routeTimeout, environments, services)
                .as((m, rt, envs, svcs) -> {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("app", "acme-web");
                    m.ifPresent(v -> o.put("manifests", v));
                    rt.ifPresent(v -> o.put("routeTimeout", v));
                    envs.ifPresent(v -> o.set("environments", yamlValue(v)));
                    // Without manifests an app needs services; with them, services are optional.
                    if (m.isEmpty() || svcs.size() > 1) {
                        var array = o.putArray("services");
                        for (int i = 0; i < svcs.size(); i++) {
                            array.add(svcs.get(i).deepCopy().put("name", "web" + i));
                        }
                    }
                    return o;
                });
    }

    private Arbitrary<ObjectNode> validService() {
        return Combinators.combine(
                        Arbitraries.of("image", "run", "both"),
                        Arbitraries.of(8080, 1, 65535).optional(0.3),
                        Arbitraries.of("/", "/ready").optional(0.3),
                        Arbitraries.of(0, 3, 1000).optional(0.3),
                        Arbitraries.of("{LOG_LEVEL: debug}", "{WORKERS: 4, DEBUG: true}")
                                .optional(0.3),
                        Arbitraries.of("[API_KEY]", "[A, B_2]").optional(0.3),
                        Arbitraries.of(
                                        "{requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2, memory: 1Gi}}",
                                        "{requests: {cpu: 0.25}}",
                                        "{limits: {memory: 1Gi}}")
                                .optional(0.3))
                .as((kind, port, health, replicas, env, secrets, resources) -> {
                    ObjectNode s = JSON.createObjectNode();
                    s.put("name", "web");
                    if (!kind.equals("run")) {
                        s.put("image", "nginx:1.27");
                    }
                    if (!kind.equals("image")) {
                        s.put("run", "python serve.py");
                    }
                    port.ifPresent(v -> s.put("port", v));
                    health.ifPresent(v -> s.put("health", v));
                    replicas.ifPresent(v -> s.put("replicas", v));
                    env.ifPresent(v -> s.set("env", yamlValue(v)));
                    secrets.ifPresent(v -> s.set("secrets", yamlValue(v)));
                    resources.ifPresent(v -> s.set("resources", yamlValue(v)));
                    return s;
                });
    }

    private static JsonNode yamlValue(String flow) {
        try {
            return YAML.readTree(flow);
        } catch (Exception e) {
            throw new IllegalArgumentException(flow, e);
        }
    }
}
