package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.Freeze;
import dev.slipway.kube.KubeClusterTargets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A freeze set on the clusters from another machine refuses the server's deploys too: one engine, one freeze. */
class FreezeThroughServerTest {
    @TempDir
    Path root;

    ConsoleServer console;

    @BeforeEach
    void start() {
        console = new ConsoleServer(root, "freeze", c -> c);
    }

    @AfterEach
    void stop() {
        console.close();
    }

    @Test
    void aDeployQueuedOnTheServerFailsOnTheFreezeSayingWhoFrozeItAndWritesNothing() {
        EnvironmentTarget env =
                new EnvironmentTarget("shop", "production", console.clusters.group("production", false), "shop");
        DeployEngine elsewhere = new DeployEngine(
                KubeClusterTargets.fromKubeconfig(Optional.of(console.clusters.kubeconfig())), Clock.systemUTC());
        Freeze freeze = new Freeze(
                "alice",
                "release week",
                java.time.Instant.now(),
                Optional.of(java.time.Instant.now().plus(Duration.ofHours(1))));
        assertThat(elsewhere.setFreeze(env, Optional.of(freeze))).isEmpty();
        console.clusters.all().forEach(c -> c.clearWrites());

        long id = console.admin
                .post("/api/apps/shop/environments/production/deploys", "")
                .json()
                .get("id")
                .asLong();
        JsonNode done = console.admin.awaitDeploy(id);

        assertThat(done.get("state").asText()).isEqualTo("failed");
        assertThat(done.toString())
                .contains("production is frozen by alice until")
                .contains("release week");
        assertThat(console.clusters.all())
                .allSatisfy(c -> assertThat(c.writes()).as(c.name()).isEmpty());

        // An override needs an admin and a reason; it is audited and goes through once.
        ApiClient.Reply notAdmin = console.admin
                .as(console.token("ci", "deploy"))
                .post("/api/apps/shop/environments/production/deploys", "{\"overrideFreeze\": \"CVE fix\"}");
        assertThat(notAdmin.status()).as(notAdmin.body()).isEqualTo(403);
        assertThat(notAdmin.body()).contains("scope admin");
        JsonNode queued = console.admin
                .post("/api/apps/shop/environments/production/deploys", "{\"overrideFreeze\": \"CVE fix\"}")
                .json();
        assertThat(queued.get("freezeOverride").asText()).isEqualTo("CVE fix");
        assertThat(console.admin
                        .awaitDeploy(queued.get("id").asLong())
                        .get("state")
                        .asText())
                .isEqualTo("succeeded");
        assertThat(console.admin.audit("deploy.freeze-override"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("details").asText()).contains("through any freeze: CVE fix"));
        long next = console.admin
                .post("/api/apps/shop/environments/production/deploys", "")
                .json()
                .get("id")
                .asLong();
        assertThat(console.admin.awaitDeploy(next).get("state").asText())
                .as("the freeze holds for the next deploy")
                .isEqualTo("failed");
    }

    @Test
    void anAdminFreezesTheEnvironmentForEveryAppADeployerMayNotAndTheServersDeployIsRefusedUntilLifted() {
        String deployer = console.token("ci", "deploy");
        ApiClient.Reply notAllowed = console.admin
                .as(deployer)
                .post("/api/environments/production/freeze", "{\"reason\": \"datacenter move\", \"for\": \"4h\"}");
        assertThat(notAllowed.status()).as(notAllowed.body()).isEqualTo(403);

        ApiClient.Reply frozen = console.admin.post(
                "/api/environments/production/freeze", "{\"reason\": \"datacenter move\", \"for\": \"4h\"}");
        assertThat(frozen.status()).as(frozen.body()).isEqualTo(200);
        assertThat(frozen.json().get("everyApp").asBoolean()).isTrue();
        assertThat(frozen.json().get("clusters"))
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.get("frozen").asBoolean()).isTrue());
        assertThat(console.admin.audit("environment.freeze"))
                .first()
                .satisfies(e -> assertThat(e.get("target").asText()).isEqualTo("*/production"));
        console.clusters.all().forEach(c -> c.clearWrites());

        long id = console.admin
                .post("/api/apps/shop/environments/production/deploys", "")
                .json()
                .get("id")
                .asLong();
        JsonNode done = console.admin.awaitDeploy(id);
        assertThat(done.get("state").asText()).isEqualTo("failed");
        assertThat(done.toString()).contains("datacenter move").contains("--all-apps");
        assertThat(console.clusters.all())
                .allSatisfy(c -> assertThat(c.writes()).as(c.name()).isEmpty());

        ApiClient.Reply lifted = console.admin.delete("/api/environments/production/freeze");
        assertThat(lifted.status()).as(lifted.body()).isEqualTo(200);
        assertThat(lifted.json().get("clusters"))
                .allSatisfy(c -> assertThat(c.get("frozen").asBoolean()).isFalse());
        long again = console.admin
                .post("/api/apps/shop/environments/production/deploys", "")
                .json()
                .get("id")
                .asLong();
        assertThat(console.admin.awaitDeploy(again).get("state").asText()).isEqualTo("succeeded");
    }
}
