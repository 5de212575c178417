package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.Freeze;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.render.Rendering;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * Deploy freezes kept on the clusters beside the deploy lock: every path that deploys through the engine reads
 * them there, so a freeze set from one machine refuses a deploy from any other, before anything is written.
 */
class DeployFreezeTest {
    static TestClusters clusters;
    static final MutableClock clock = MutableClock.of(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);
    static DeployEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east-1", "west-1");
        engine = new DeployEngine(KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), clock);
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    static DeployOptions options() {
        return DeployOptions.by("bob").withHost("laptop").withTimeout(Duration.ofSeconds(20));
    }

    @Test
    void aFreezeOnTheGroupRefusesDeploysAndRollbacksNamingWhoWhyAndUntilWhenWritingNothing() {
        TestApp app = new TestApp(root, "frozen");
        Rendering v1 = app.manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1.0"))
                .render(clusters, false);
        EnvironmentTarget env = EnvironmentTarget.of(v1);
        Instant until = clock.instant().plus(Duration.ofHours(2));
        Freeze freeze = new Freeze("alice", "release week", clock.instant(), Optional.of(until));

        assertThat(engine.setFreeze(env, Optional.of(freeze)))
                .as("set on every cluster")
                .isEmpty();
        assertThat(engine.freezes(env))
                .containsOnlyKeys("east-1", "west-1")
                .allSatisfy((c, f) -> assertThat(f).contains(freeze));
        assertThat(clusters.cluster("east-1")
                        .client()
                        .leases()
                        .inNamespace(env.namespace())
                        .withName("slipway-freeze.frozen." + env.environment())
                        .get()
                        .getMetadata()
                        .getAnnotations())
                .as("what kubectl get lease -o yaml shows")
                .containsEntry("slipway.dev/frozen-by", "alice")
                .containsEntry("slipway.dev/freeze-reason", "release week")
                .containsEntry("slipway.dev/frozen-until", until.toString());
        clusters.all().forEach(c -> c.clearWrites());

        DeployReport refused = engine.deploy(v1, options(), DeployListener.NONE);

        assertThat(refused.succeeded()).isFalse();
        assertThat(refused.clusters())
                .extracting(ClusterResult::outcome)
                .containsOnly(ClusterResult.Outcome.NOT_STARTED);
        assertThat(refused.failures()).extracting(ClusterFailure::reason).containsOnly(ClusterFailure.Reason.FROZEN);
        assertThat(refused.failures().get(0).message())
                .isEqualTo(env.environment() + " is frozen by alice until " + until + ": release week");
        assertThat(refused.failures().get(0).hint())
                .contains("--override-freeze REASON")
                .contains("ask alice");
        assertThat(clusters.all())
                .allSatisfy(c -> assertThat(c.writes()).as(c.name()).isEmpty());
        assertThat(engine.rollback(env, RollbackTo.previous(), options(), DeployListener.NONE)
                        .failures())
                .extracting(ClusterFailure::reason)
                .containsOnly(ClusterFailure.Reason.FROZEN);

        // An admin's fix that cannot wait goes through once, with its reason; the freeze stays.
        DeployReport overridden =
                engine.deploy(v1, options().withFreezeOverride("CVE fix, approved by carol"), DeployListener.NONE);
        assertThat(overridden.succeeded()).as(overridden.problems().toString()).isTrue();
        assertThat(engine.deploy(v1, options(), DeployListener.NONE).failures())
                .extracting(ClusterFailure::reason)
                .containsOnly(ClusterFailure.Reason.FROZEN);

        // When it ends, deploys go again without anyone lifting it; lifting it removes it from every cluster.
        clock.add(Duration.ofHours(2));
        assertThat(engine.deploy(v1, options(), DeployListener.NONE).succeeded())
                .isTrue();
        assertThat(engine.setFreeze(env, Optional.empty())).isEmpty();
        assertThat(engine.freezes(env)).allSatisfy((c, f) -> assertThat(f).isEmpty());
    }

    @Test
    void aFreezeWithoutAnEndHoldsUntilLiftedAndAnUnreachableClusterIsReportedNotSkipped() {
        TestApp app = new TestApp(root, "open-ended");
        Rendering v1 = app.manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1.0"))
                .render(clusters, false);
        EnvironmentTarget env = EnvironmentTarget.of(v1);
        Freeze freeze = new Freeze("alice", "incident 42", clock.instant(), Optional.empty());
        assertThat(freeze.describe()).isEqualTo("frozen by alice until someone unfreezes it: incident 42");

        clusters.cluster("west-1").rejectCredentials(true);
        try {
            assertThat(engine.setFreeze(env, Optional.of(freeze)))
                    .extracting(ClusterFailure::cluster)
                    .containsExactly("west-1");
        } finally {
            clusters.cluster("west-1").rejectCredentials(false);
        }
        clock.add(Duration.ofDays(30));
        assertThat(engine.deploy(v1, options(), DeployListener.NONE).failures())
                .extracting(ClusterFailure::cluster)
                .as("east-1 still holds it, a month later; west-1 never got it")
                .containsExactly("east-1");
        engine.setFreeze(env, Optional.empty());
        assertThat(engine.deploy(v1, options(), DeployListener.NONE).succeeded())
                .isTrue();
    }

    @Test
    void anEnvironmentFrozenForEveryAppRefusesEachAppUntilLiftedAndTheAppsOwnFreezeThatEndsLastIsNamed() {
        Rendering web = new TestApp(root.resolve("web"), "every-web")
                .manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1.0"))
                .render(clusters, false);
        Rendering api = new TestApp(root.resolve("api"), "every-api")
                .manifest("api.yaml", TestApp.deployment("api", 1, "acme/api:1.0"))
                .render(clusters, false);
        EnvironmentTarget webEnv = EnvironmentTarget.of(web);
        String environment = webEnv.environment();
        var group = webEnv.group().clusters();
        Instant inAnHour = clock.instant().plus(Duration.ofHours(1));
        Freeze everyApp = new Freeze("carol", "datacenter move", clock.instant(), Optional.of(inAnHour));

        assertThat(engine.setEnvironmentFreeze(group, environment, Optional.of(everyApp)))
                .isEmpty();
        assertThat(engine.environmentFreezes(group, environment))
                .containsOnlyKeys("east-1", "west-1")
                .allSatisfy((c, f) -> assertThat(f).contains(everyApp));
        assertThat(clusters.cluster("west-1")
                        .client()
                        .leases()
                        .inNamespace("slipway-system")
                        .withName("slipway-freeze." + environment)
                        .get())
                .as("kubectl -n slipway-system get lease shows it")
                .isNotNull();
        clusters.all().forEach(c -> c.clearWrites());

        for (Rendering app : java.util.List.of(web, api)) {
            DeployReport refused = engine.deploy(app, options(), DeployListener.NONE);
            assertThat(refused.failures())
                    .extracting(ClusterFailure::reason)
                    .containsOnly(ClusterFailure.Reason.FROZEN);
            assertThat(refused.failures().get(0).message())
                    .isEqualTo(environment + " is frozen by carol until " + inAnHour + ": datacenter move");
            assertThat(refused.failures().get(0).hint())
                    .contains("slipway unfreeze --env " + environment + " --all-apps");
        }
        assertThat(clusters.all())
                .allSatisfy(c -> assertThat(c.writes()).as(c.name()).isEmpty());
        assertThat(engine.holdingFreezes(webEnv)).containsOnlyKeys("east-1", "west-1");

        // The app's own freeze for longer is the one a deploy waits for.
        Instant tomorrow = clock.instant().plus(Duration.ofDays(1));
        engine.setFreeze(webEnv, Optional.of(new Freeze("alice", "launch", clock.instant(), Optional.of(tomorrow))));
        assertThat(engine.deploy(web, options(), DeployListener.NONE)
                        .failures()
                        .get(0)
                        .message())
                .isEqualTo(environment + " is frozen by alice until " + tomorrow + ": launch");

        assertThat(engine.setEnvironmentFreeze(group, environment, Optional.empty()))
                .isEmpty();
        assertThat(engine.deploy(api, options(), DeployListener.NONE).succeeded())
                .as("lifted for every app")
                .isTrue();
        assertThat(engine.deploy(web, options(), DeployListener.NONE).failures())
                .as("the app's own freeze still holds")
                .extracting(ClusterFailure::reason)
                .containsOnly(ClusterFailure.Reason.FROZEN);
        engine.setFreeze(webEnv, Optional.empty());
        assertThat(engine.holdingFreezes(webEnv)).isEmpty();
    }
}
