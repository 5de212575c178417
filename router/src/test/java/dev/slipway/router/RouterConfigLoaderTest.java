package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

class RouterConfigLoaderTest {
    @TempDir
    Path dir;

    Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("router.yaml"), yaml);
    }

    @Test
    void theDocumentedExampleLoads() throws IOException {
        String doc = Files.readString(Path.of("../docs/router.md"));
        String example = doc.substring(doc.indexOf("```yaml\n") + 8, doc.indexOf("```", doc.indexOf("```yaml\n") + 8));
        RouterConfig config = RouterConfigLoader.load(write(example));
        assertThat(config.routes()).isNotEmpty();
        assertThat(config.backends()).isNotEmpty();
    }

    @Test
    void aRouteWithoutTimeoutGetsTenSecondsNeverInfinity() throws IOException {
        RouterConfig config = RouterConfigLoader.load(write("""
                backends:
                  web: {clusters: [{name: a, endpoints: [10.0.0.1:80]}]}
                routes:
                  - {name: web, backend: web}
                """));
        assertThat(config.routes().get(0).timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.routes().get(0).connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void unquotedOffIsTheStageNotABoolean() throws IOException {
        RouterConfig config = RouterConfigLoader.load(write("""
                backends:
                  a: {clusters: [{name: x, endpoints: [10.0.0.1:80]}]}
                  b: {clusters: [{name: x, endpoints: [10.0.0.2:80]}]}
                routes:
                  - name: web
                    backend: a
                    migration: {to: b, stage: off}
                """));
        assertThat(config.routes().get(0).migration().orElseThrow().stage()).isEqualTo(Stage.off());
    }

    @Test
    void anUnquotedWordThatIsNoStageIsReportedAsWritten() throws IOException {
        Path file = write("""
                backends:
                  a: {clusters: [{name: x, endpoints: [10.0.0.1:80]}]}
                  b: {clusters: [{name: x, endpoints: [10.0.0.2:80]}]}
                routes:
                  - name: web
                    backend: a
                    migration: {to: b, stage: on}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file + ":7 (routes.0.migration.stage): 'on' is not a migration stage");
    }

    @Test
    void aRouterSiteMustBeTheSiteOfSomeCluster() throws IOException {
        RouterConfig config = RouterConfigLoader.load(write("""
                site: east
                backends:
                  web:
                    clusters:
                      - {name: east-1, site: east, endpoints: [10.0.0.1:80]}
                      - {name: west-1, site: west, endpoints: [10.0.1.1:80]}
                routes:
                  - {name: web, backend: web}
                """));
        assertThat(config.site()).contains("east");
        assertThat(config.backends().get("web").clusters())
                .extracting(c -> c.site().orElseThrow())
                .containsExactly("east", "west");

        Path typo = write("""
                site: eats
                backends:
                  web:
                    clusters:
                      - {name: east-1, site: east, endpoints: [10.0.0.1:80]}
                      - {name: west-1, site: west, endpoints: [10.0.1.1:80]}
                routes:
                  - {name: web, backend: web}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(typo))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(typo + ":1 (site): no cluster of any backend is at site 'eats'")
                .hasMessageContaining("name one of the clusters' sites: east, west");
    }

    @Test
    void everyProblemIsReportedWithFileLineAndField() throws IOException {
        Path file = write("""
                backends:
                  web:
                    clusters:
                      - name: a
                        endpoints: [10.0.0.1]
                routes:
                  - name: web
                    backend: web
                    timeout: forever
                    colour: blue
                    migration: {to: web, stage: percent 120}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOfSatisfying(
                        InvalidInputException.class,
                        e -> assertThat(e.problems())
                                .extracting(Problem::where)
                                .containsExactlyInAnyOrder(
                                        file + ":5 (backends.web.clusters.0.endpoints.0)",
                                        file + ":10 (routes.0.colour)",
                                        file + ":9 (routes.0.timeout)",
                                        file + ":11 (routes.0.migration.stage)"));
    }

    @Test
    void zeroTimeoutsAreRejectedBecauseTheyWouldMeanForever() throws IOException {
        Path file = write("""
                defaults: {timeout: 0s}
                backends:
                  web: {clusters: [{name: a, endpoints: [10.0.0.1:80]}]}
                routes:
                  - {name: web, backend: web}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file + ":1 (defaults.timeout)")
                .hasMessageContaining("more than 0");
    }

    @Test
    void stagesParseFromTheirTextForm() {
        assertThat(Stage.parse("percent 10")).contains(Stage.percent(10));
        assertThat(Stage.parse("rps: 100")).contains(Stage.requestsPerSecond(100));
        assertThat(Stage.parse("rollback")).contains(Stage.off());
        assertThat(Stage.parse("OptIn")).contains(Stage.optIn());
        assertThat(Stage.parse("percent 101")).isEmpty();
        assertThat(Stage.parse("rps 0")).isEmpty();
        assertThat(Stage.parse("sideways")).isEmpty();
        assertThat(Stage.percent(10).describe()).isEqualTo("percent 10");
    }

    @Test
    void theTokenBucketAdmitsItsRateAndNoMore() {
        MutableClock clock = MutableClock.of(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
        TokenBucket bucket = new TokenBucket(50, clock);
        int admitted = 0;
        for (int i = 0; i < 10_000; i++) {
            clock.add(Duration.ofMillis(1));
            if (bucket.tryTake()) {
                admitted++;
            }
        }
        // 10 simulated seconds at 50/s, plus the initial burst of 5.
        assertThat(admitted).isBetween(500, 505);
    }

    static final String MINIMAL = """
            backends:
              web: {clusters: [{name: a, endpoints: [10.0.0.1:80]}]}
            routes:
              - {name: web, backend: web}
            """;

    @Test
    void telemetryIsOffByDefaultAndRelativePathsAreTheConfigFilesDirectorys() throws IOException {
        assertThat(RouterConfigLoader.load(write(MINIMAL)).telemetry()).isEqualTo(RouterConfig.Telemetry.defaults());
        Files.writeString(dir.resolve("otlp-headers"), "Authorization: Bearer s3cr3t\n");
        RouterConfig.Telemetry t = RouterConfigLoader.load(write("""
                        accessLog: {path: logs/access.log}
                        tracing:
                          sampleRatio: 0.25
                          otlp: {endpoint: "https://otel.example.com:4318/v1/traces", headersFile: otlp-headers}
                        """ + MINIMAL)).telemetry();
        assertThat(t.accessLog()).contains(dir.resolve("logs/access.log").toString());
        assertThat(t.sampleRatio()).isEqualTo(0.25);
        RouterConfig.Otlp otlp = t.otlp().orElseThrow();
        assertThat(otlp.serviceName()).isEqualTo("slipway-router");
        assertThat(otlp.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(otlp.headers()).containsEntry("Authorization", "Bearer s3cr3t");
        assertThat(otlp.toString()).as("header values never shown").doesNotContain("s3cr3t");
        assertThat(RouterConfigLoader.load(write("accessLog: {path: \"-\"}\n" + MINIMAL))
                        .telemetry()
                        .accessLog())
                .contains("-");
    }

    @Test
    void badTelemetrySettingsAreRefusedWithWhereAndWhatToDo() throws IOException {
        Files.writeString(dir.resolve("bad-headers"), "Authorization Bearer s3cr3t\n");
        Path file = write("""
                accessLog: {file: access.log}
                tracing:
                  sampleRatio: 1.5
                  otlp:
                    endpoint: http://collector.observability:4318/v1/traces
                    headersFile: bad-headers
                """ + MINIMAL);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file + ":1 (accessLog.file): unknown field 'file'")
                .hasMessageContaining(file + ":3 (tracing.sampleRatio): expected a number from 0 to 1, got '1.5'")
                .hasMessageContaining("(tracing.otlp.endpoint): spans would go unencrypted to"
                        + " collector.observability, which is not this machine")
                .hasMessageContaining("set insecure: true")
                .hasMessageContaining("bad-headers line 1 is not 'Name: value'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
        assertThatThrownBy(() -> RouterConfigLoader.load(write("tracing: {otlp: {endpoint: ftp://x/}}\n" + MINIMAL)))
                .hasMessageContaining("'ftp://x/' is not an http(s) URL");
        RouterConfig insecure = RouterConfigLoader.load(write("""
                tracing:
                  otlp: {endpoint: "http://collector.observability:4318/v1/traces", insecure: true}
                """ + MINIMAL));
        assertThat(insecure.telemetry().otlp()).isPresent();
    }

    @Test
    void tlsCertificatesAndBackendCasAreTheConfigFilesDirectorysAndTheModernCiphersAreTheDefault() throws IOException {
        Path ca = new TestCertificates("Backend CA").writeCa(dir.resolve("backend-ca.pem"));
        RouterConfig config = RouterConfigLoader.load(write("""
                tls:
                  certificates:
                    - {hosts: [shop.example.com, '*.shop.example.com'], chain: certs/shop.pem, key: certs/shop.key}
                    - {hosts: api.example.com, chain: /etc/api.pem, key: /etc/api.key}
                backends:
                  web: {clusters: [{name: a, endpoints: [10.0.0.1:443]}], tls: {ca: backend-ca.pem, serverName: web.internal}}
                routes:
                  - {name: web, backend: web}
                """));
        RouterConfig.Tls tls = config.tls().orElseThrow();
        assertThat(tls.certificates())
                .containsExactly(
                        new RouterConfig.Certificate(
                                List.of("shop.example.com", "*.shop.example.com"),
                                dir.resolve("certs/shop.pem"),
                                dir.resolve("certs/shop.key")),
                        new RouterConfig.Certificate(
                                List.of("api.example.com"), Path.of("/etc/api.pem"), Path.of("/etc/api.key")));
        assertThat(tls.ciphers()).isEqualTo(RouterConfig.Tls.MODERN_CIPHERS);
        assertThat(config.backends().get("web").tls())
                .contains(new RouterConfig.UpstreamTls(ca, java.util.Optional.of("web.internal")));
        assertThat(RouterConfigLoader.load(write(MINIMAL)).tls()).isEmpty();
    }

    @Test
    void tlsMistakesAreReportedWithFileLineAndField() throws IOException {
        new TestCertificates("Backend CA").writeCa(dir.resolve("ca.pem"));
        Path file = write("""
                tls:
                  certificates:
                    - {hosts: [shop.example.com], chain: shop.pem}
                    - {hosts: [shop.example.com, 'not a host'], chain: b.pem, key: b.key}
                  ciphers: [TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_RC4_128_MD5_PLEASE]
                backends:
                  web: {clusters: [{name: a, endpoints: [10.0.0.1:443]}], tls: {ca: missing-ca.pem}}
                  legacy:
                    clusters: [{name: a, endpoints: [10.0.0.2:443]}]
                    proxyProtocol: v2
                    tls: {ca: ca.pem}
                routes:
                  - {name: web, backend: web}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file + ":3 (tls.certificates.0.key): a certificate needs its private key file")
                .hasMessageContaining(
                        file + ":4 (tls.certificates.1.hosts.0): host 'shop.example.com' is listed by two certificates")
                .hasMessageContaining(file + ":4 (tls.certificates.1.hosts.1): 'not a host' is not a host name")
                .hasMessageContaining(file + ":5 (tls.ciphers.1): 'TLS_RSA_WITH_RC4_128_MD5_PLEASE' is not a cipher")
                .hasMessageContaining(file + ":7 (backends.web.tls.ca): the CA file does not exist")
                .hasMessageContaining(
                        file + ":11 (backends.legacy.tls): backend 'legacy' has both proxyProtocol and tls");
    }
}
