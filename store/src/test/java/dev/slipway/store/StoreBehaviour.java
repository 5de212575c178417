package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/** What the store promises, checked on every database it supports (see the subclasses). */
abstract class StoreBehaviour {

    final MutableClock clock = MutableClock.of(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    StoreConfig config;
    Store store;

    /** The database this class's tests share; each test starts from empty tables (cheaper than a fresh schema). */
    abstract StoreConfig sharedConfig() throws Exception;

    @BeforeEach
    void open() throws Exception {
        config = sharedConfig();
        store = Store.open(config, clock);
        emptyAllTables(config);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static void emptyAllTables(StoreConfig config) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        config.jdbcUrl(),
                        config.credentials().user().orElse(null),
                        config.credentials().password().orElse(null));
                java.sql.Statement s = c.createStatement()) {
            if (config.schema().isPresent()) {
                c.setSchema(config.schema().get());
            }
            for (String table : List.of(
                    "event_deliveries",
                    "forwarded_events",
                    "event_watch_positions",
                    "deploy_log",
                    "deploy_clusters",
                    "deploy_slots",
                    "deploys",
                    "environments",
                    "apps",
                    "labs",
                    "ci_statuses",
                    "github_deliveries",
                    "audit_log",
                    "console_sessions",
                    "tokens",
                    "leases",
                    "rollouts")) {
                s.execute("DELETE FROM " + table);
            }
        }
    }

    @Test
    void reopeningTheStoreKeepsEveryRecordAndReappliesNoMigration() {
        store.apps().register(registration("acme-web"), "alice");
        DeployRecord deploy = store.deploys()
                .enqueue(DeployRequest.deploy("acme-web", "production", Optional.of("v1"), "alice", RequestSource.CLI));
        store.close();

        store = Store.open(config, clock);

        assertThat(store.apps().find("acme-web"))
                .get()
                .extracting(AppRecord::environments)
                .asList()
                .hasSize(2);
        assertThat(store.deploys().find(deploy.id()))
                .get()
                .extracting(DeployRecord::state)
                .isEqualTo(DeployState.QUEUED);
    }

    @Test
    void registeringAnAppAgainReplacesItsEnvironments() {
        store.apps().register(registration("acme-web"), "alice");
        store.apps()
                .register(
                        new AppRegistration(
                                "acme-web",
                                "/srv/apps/acme-web",
                                Optional.of("labs"),
                                Duration.ofHours(4),
                                List.of(new EnvironmentRecord("staging", "staging", "acme-web-staging"))),
                        "bob");

        AppRecord app = store.apps().find("acme-web").orElseThrow();
        assertThat(app.environments()).extracting(EnvironmentRecord::name).containsExactly("staging");
        assertThat(app.labTtl()).isEqualTo(Duration.ofHours(4));
        assertThat(app.registeredBy()).isEqualTo("alice");
    }

    @Test
    void deploysOfOneAppEnvironmentRunOneAtATimeInQueueOrder() {
        DeployRecord first = enqueue("acme-web", "production", "v1");
        DeployRecord second = enqueue("acme-web", "production", "v2");

        assertThat(store.deploys().claimNext("server-a"))
                .get()
                .extracting(DeployRecord::id)
                .isEqualTo(first.id());
        assertThat(store.deploys().claimNext("server-a")).isEmpty();

        store.deploys().finish(first.id(), DeployState.SUCCEEDED, Optional.empty());
        DeployRecord next = store.deploys().claimNext("server-a").orElseThrow();
        assertThat(next.id()).isEqualTo(second.id());
        assertThat(next.state()).isEqualTo(DeployState.RUNNING);
        assertThat(next.owner()).contains("server-a");
    }

    @Test
    void theLastDeployOfEachRegisteredEnvironmentComesInOneListWithItsClusters() {
        store.apps().register(registration("acme-web"), "alice");
        store.apps().register(registration("predict"), "alice");
        enqueue("acme-web", "production", "v1");
        DeployRecord lastProduction = enqueue("acme-web", "production", "v2");
        DeployRecord lastStaging = enqueue("acme-web", "staging", "v1");
        enqueue("acme-web", "lab-feature-x", "v9"); // a lab's deploy: no registered environment
        enqueue("predict", "production", "v1");
        DeployRecord lastPredict = enqueue("predict", "production", "v2");
        store.deploys().planClusters(lastPredict.id(), List.of("east-1", "west-1"));

        List<DeployRecord> latest = store.deploys().latestPerEnvironment();

        assertThat(latest)
                .extracting(DeployRecord::id)
                .containsExactly(lastProduction.id(), lastStaging.id(), lastPredict.id());
        assertThat(latest.get(2).clusters())
                .extracting(ClusterProgress::cluster)
                .containsExactly("east-1", "west-1");
        for (DeployRecord d : latest) {
            assertThat(store.deploys().list(Optional.of(d.app()), Optional.of(d.environment()), 1))
                    .extracting(DeployRecord::id)
                    .as("what a per-environment query gives")
                    .containsExactly(d.id());
        }
    }

    @Test
    void deploysPageBackwardsFromAnId() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(enqueue("acme-web", "production", "v" + i).id());
        }
        enqueue("acme-web", "staging", "v1");

        assertThat(store.deploys().list(Optional.of("acme-web"), Optional.of("production"), Optional.of(ids.get(3)), 2))
                .extracting(DeployRecord::id)
                .containsExactly(ids.get(2), ids.get(1));
        assertThat(store.deploys().list(Optional.of("acme-web"), Optional.of("production"), Optional.of(ids.get(1)), 2))
                .extracting(DeployRecord::id)
                .containsExactly(ids.get(0));
    }

    @Test
    void deploysOfDifferentEnvironmentsRunSideBySide() {
        enqueue("acme-web", "production", "v1");
        enqueue("acme-web", "staging", "v1");

        assertThat(store.deploys().claimNext("server-a")).isPresent();
        assertThat(store.deploys().claimNext("server-a"))
                .get()
                .extracting(DeployRecord::environment)
                .isEqualTo("staging");
    }

    @Test
    void aFinishedDeployCannotFinishAgain() {
        DeployRecord deploy = enqueue("acme-web", "production", "v1");
        store.deploys().claimNext("server-a");
        store.deploys().finish(deploy.id(), DeployState.FAILED, Optional.of("east-1: Deployment/web not ready"));

        assertThatThrownBy(() -> store.deploys().finish(deploy.id(), DeployState.SUCCEEDED, Optional.empty()))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("is not running");
        assertThat(store.deploys().find(deploy.id()).orElseThrow().state()).isEqualTo(DeployState.FAILED);
    }

    @Test
    void aQueuedDeployCannotSucceedWithoutRunning() {
        DeployRecord deploy = enqueue("acme-web", "production", "v1");

        assertThatThrownBy(() -> store.deploys().finish(deploy.id(), DeployState.SUCCEEDED, Optional.empty()))
                .isInstanceOf(IllegalTransitionException.class);
        assertThat(DeployState.QUEUED.next()).doesNotContain(DeployState.SUCCEEDED);
    }

    @Test
    void restartingServerMarksItsRunningDeployInterruptedWithProgressPerCluster() {
        DeployRecord deploy = enqueue("acme-web", "production", "v1");
        store.deploys().claimNext("server-a");
        store.deploys().planClusters(deploy.id(), List.of("east-1", "west-2", "south-3"));
        store.deploys().updateCluster(deploy.id(), "east-1", ClusterState.SUCCEEDED, Optional.of(7), Optional.empty());
        store.deploys()
                .updateCluster(
                        deploy.id(),
                        "west-2",
                        ClusterState.RUNNING,
                        Optional.empty(),
                        Optional.of("waiting for Deployment/web"));

        List<DeployRecord> interrupted = store.deploys().interruptRunningOf("server-a");

        assertThat(interrupted).singleElement().satisfies(d -> {
            assertThat(d.state()).isEqualTo(DeployState.INTERRUPTED);
            assertThat(d.clusters())
                    .extracting(ClusterProgress::cluster, ClusterProgress::state, ClusterProgress::revision)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("east-1", ClusterState.SUCCEEDED, Optional.of(7)),
                            org.assertj.core.groups.Tuple.tuple("west-2", ClusterState.INTERRUPTED, Optional.empty()),
                            org.assertj.core.groups.Tuple.tuple("south-3", ClusterState.PENDING, Optional.empty()));
        });
        // The environment is free again: a resumed deploy can run.
        DeployRecord resumed =
                store.deploys().enqueue(deploy.request().resuming(deploy.id(), "alice", RequestSource.CLI));
        assertThat(store.deploys().claimNext("server-a"))
                .get()
                .extracting(DeployRecord::id)
                .isEqualTo(resumed.id());
        assertThat(store.deploys().find(resumed.id()).orElseThrow().resumes()).contains(deploy.id());
    }

    @Test
    void deploysOfAServerWhoseLeaseExpiredAreInterruptedByAnother() {
        DeployRecord alive = enqueue("acme-web", "production", "v1");
        DeployRecord dead = enqueue("predict", "production", "v1");
        store.leases().tryAcquire("server:alive", "alive", Duration.ofSeconds(30));
        store.leases().tryAcquire("server:dead", "dead", Duration.ofSeconds(30));
        store.deploys().claimNext("alive");
        store.deploys().claimNext("dead");

        clock.add(Duration.ofSeconds(20));
        store.leases().tryAcquire("server:alive", "alive", Duration.ofSeconds(30));
        clock.add(Duration.ofSeconds(20));

        assertThat(store.deploys().interruptOrphaned())
                .extracting(DeployRecord::id)
                .containsExactly(dead.id());
        assertThat(store.deploys().find(alive.id()).orElseThrow().state()).isEqualTo(DeployState.RUNNING);
    }

    @Test
    void concurrentClaimsNeverRunOneAppEnvironmentTwice() throws Exception {
        for (int i = 0; i < 6; i++) {
            enqueue("acme-web", "production", "v" + i);
            enqueue("predict", "production", "v" + i);
        }
        try (Store other = Store.open(config, clock)) {
            List<Optional<DeployRecord>> claims =
                    race(8, i -> (i % 2 == 0 ? store : other).deploys().claimNext("server-" + i));
            List<String> won = claims.stream()
                    .flatMap(Optional::stream)
                    .map(DeployRecord::app)
                    .toList();
            assertThat(won).isNotEmpty().doesNotHaveDuplicates();
            // Whichever app lost the race is claimed by the next poll; neither app is ever claimed twice.
            List<String> all = new ArrayList<>(won);
            store.deploys().claimNext("server-late").map(DeployRecord::app).ifPresent(all::add);
            assertThat(all).containsExactlyInAnyOrder("acme-web", "predict");
            assertThat(store.deploys().claimNext("server-later")).isEmpty();
        }
    }

    @Test
    void logLinesComeBackInOrderFromWhereTheReaderLeftOff() {
        DeployRecord deploy = enqueue("acme-web", "production", "v1");
        store.deploys().appendLog(deploy.id(), "east-1: applying 53 objects");
        int second = store.deploys().appendLog(deploy.id(), "east-1: healthy");
        store.deploys().appendLog(deploy.id(), "west-2: applying 53 objects");

        assertThat(store.deploys().logAfter(deploy.id(), second))
                .extracting(LogLine::line)
                .containsExactly("west-2: applying 53 objects");
        assertThat(store.deploys().logAfter(deploy.id(), 0)).hasSize(3);
    }

    @Test
    void labExpiresOneTtlAfterItsLastDeploy() {
        LabRecord lab = openLab("feature/login", "abc123");
        assertThat(lab.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));

        clock.add(Duration.ofHours(5));
        store.labs().touchDeployed(lab.id());

        assertThat(store.labs().find(lab.id()).orElseThrow().expiresAt())
                .isEqualTo(clock.instant().plus(Duration.ofHours(24)));
    }

    @Test
    void extendingALabPushesItsExpiryBack() {
        LabRecord lab = openLab("feature/login", "abc123");

        LabRecord extended = store.labs().extend(lab.id(), Duration.ofHours(6)).orElseThrow();

        assertThat(extended.expiresAt()).isEqualTo(lab.expiresAt().plus(Duration.ofHours(6)));
    }

    @Test
    void labCountsTellActiveExpiringSoonAndOverdueLabsApart() {
        assertThat(store.labs().counts(clock.instant(), Duration.ofHours(1))).isEqualTo(new Labs.Counts(0, 0, 0));
        LabRecord early = openLab("early", "sha1");
        clock.add(Duration.ofHours(2));
        openLab("late", "sha2");
        LabRecord reaped = openLab("reaped", "sha3");
        clock.add(Duration.ofMinutes(30));

        assertThat(store.labs().counts(clock.instant(), Duration.ofHours(1))).isEqualTo(new Labs.Counts(3, 0, 0));

        clock.add(Duration.ofHours(21));
        assertThat(store.labs().counts(clock.instant(), Duration.ofHours(1)))
                .as("early expires within the hour")
                .isEqualTo(new Labs.Counts(3, 1, 0));

        clock.add(Duration.ofHours(2));
        assertThat(store.labs().counts(clock.instant(), Duration.ofHours(1)))
                .as("early past its expiry, the other two expiring within the hour")
                .isEqualTo(new Labs.Counts(3, 2, 1));

        clock.add(Duration.ofHours(1));
        store.labs().claimExpired("reaper", 10, Duration.ofMinutes(5)).forEach(lab -> {
            if (lab.id() == reaped.id()) {
                store.labs().markDeleted(lab.id(), "reaper");
            }
        });
        assertThat(store.labs().find(early.id()).orElseThrow().state()).isEqualTo(LabState.REAPING);
        assertThat(store.labs().counts(clock.instant(), Duration.ofHours(1)))
                .as("early and late being reaped (overdue, no longer active), reaped gone")
                .isEqualTo(new Labs.Counts(0, 0, 2));
    }

    @Test
    void labsNotYetExpiredAreNeverClaimed() {
        openLab("feature/login", "abc123");
        clock.add(Duration.ofHours(23));

        assertThat(store.labs().claimExpired("reaper-a", 100, Duration.ofMinutes(5)))
                .isEmpty();
    }

    @Test
    void eachExpiredLabIsClaimedByExactlyOneOfManyConcurrentReapers() throws Exception {
        for (int i = 0; i < 40; i++) {
            openLab("branch-" + i, "sha" + i);
        }
        clock.add(Duration.ofHours(25));
        try (Store other = Store.open(config, clock)) {
            List<List<LabRecord>> claims = race(
                    6, i -> (i % 2 == 0 ? store : other).labs().claimExpired("reaper-" + i, 10, Duration.ofMinutes(5)));
            List<Long> claimed =
                    claims.stream().flatMap(List::stream).map(LabRecord::id).toList();
            assertThat(claimed).doesNotHaveDuplicates();
            // Whatever the race left unclaimed is picked up by the next sweep, still once.
            List<Long> rest = store.labs().claimExpired("reaper-late", 100, Duration.ofMinutes(5)).stream()
                    .map(LabRecord::id)
                    .toList();
            assertThat(rest).doesNotContainAnyElementsOf(claimed);
            assertThat(claimed.size() + rest.size()).isEqualTo(40);
        }
    }

    @Test
    void aFailedDeletionIsRetriedOnlyAfterItsRetryTime() {
        LabRecord lab = openLab("feature/login", "abc123");
        clock.add(Duration.ofHours(25));
        store.labs().claimExpired("reaper-a", 10, Duration.ofMinutes(5));
        store.labs()
                .recordFailure(
                        lab.id(),
                        "reaper-a",
                        "east-1 unreachable",
                        clock.instant().plusSeconds(60));

        assertThat(store.labs().claimExpired("reaper-b", 10, Duration.ofMinutes(5)))
                .isEmpty();
        clock.add(Duration.ofSeconds(61));
        LabRecord retried =
                store.labs().claimExpired("reaper-b", 10, Duration.ofMinutes(5)).get(0);

        assertThat(retried.reapAttempts()).isEqualTo(2);
        assertThat(retried.lastError()).contains("east-1 unreachable");
        assertThat(store.labs().markDeleted(lab.id(), "reaper-a"))
                .as("the first reaper's claim is gone")
                .isFalse();
        assertThat(store.labs().markDeleted(lab.id(), "reaper-b")).isTrue();
        assertThat(store.labs().listLive(Optional.empty())).isEmpty();
    }

    @Test
    void aReapedLabBroughtUpAgainReusesItsNamespace() {
        LabRecord lab = openLab("feature/login", "abc123");
        store.labs().claimForDown(lab.id(), "server-a", Duration.ofMinutes(5));
        store.labs().markDeleted(lab.id(), "server-a");

        LabRecord again = store.labs()
                .open(new LabOpening(
                        "acme-web",
                        "feature/login",
                        "feature-login",
                        "acme-web-lab-feature-login",
                        "def456",
                        "bob",
                        Duration.ofHours(24)));

        assertThat(again.id()).isEqualTo(lab.id());
        assertThat(again.state()).isEqualTo(LabState.ACTIVE);
        assertThat(again.createdBy()).isEqualTo("bob");
        assertThat(again.ref()).isEqualTo("def456");
    }

    @Test
    void aWebhookDeliveryIsTakenOnceAndNeverReplacesANewerStatus() {
        String sha = "3f2c9a0";
        Instant failedAt = Instant.parse("2026-11-23T11:00:10Z");
        CiReport success = report(sha, CiState.SUCCESS, failedAt.minusSeconds(10), 41);
        CiReport failure = report(sha, CiState.FAILURE, failedAt, 42);

        assertThat(store.ciStatuses().reportDelivery("d-1", "status", success))
                .isInstanceOf(WebhookOutcome.Stored.class);
        assertThat(store.ciStatuses().reportDelivery("d-2", "status", failure))
                .isInstanceOf(WebhookOutcome.Stored.class);
        WebhookOutcome replayed = store.ciStatuses().reportDelivery("d-1", "status", success);
        WebhookOutcome resent = store.ciStatuses().reportDelivery("d-3", "status", success);
        WebhookOutcome sameAgain = store.ciStatuses().reportDelivery("d-4", "status", failure);

        assertThat(replayed).isEqualTo(new WebhookOutcome.Replayed("d-1", clock.instant()));
        assertThat(resent).isInstanceOfSatisfying(WebhookOutcome.Superseded.class, s -> {
            assertThat(s.kept().state()).isEqualTo(CiState.FAILURE);
            assertThat(s.keptReportedAt()).isEqualTo(failedAt);
        });
        assertThat(sameAgain).isInstanceOf(WebhookOutcome.Superseded.class);
        assertThat(store.ciStatuses().combined(sha).state()).isEqualTo(CiState.FAILURE);
        CiReport laterSuccess = report(sha, CiState.SUCCESS, failedAt, 43);
        assertThat(store.ciStatuses().reportDelivery("d-5", "status", laterSuccess))
                .isInstanceOf(WebhookOutcome.Stored.class);
        assertThat(store.ciStatuses().combined(sha).state()).isEqualTo(CiState.SUCCESS);
    }

    private static CiReport report(String sha, CiState state, Instant at, long order) {
        return new CiReport("acme/web", sha, "ci/test", state, Optional.empty(), Optional.empty(), "github", at, order);
    }

    @Test
    void combinedCiStatusFailsOnAnyFailureAndWaitsOnAnyPending() {
        String sha = "3f2c9a0";
        assertThat(store.ciStatuses().combined(sha).state()).isEqualTo(CiState.PENDING);
        store.ciStatuses()
                .report("acme/web", sha, "ci/build", CiState.SUCCESS, Optional.empty(), Optional.empty(), "ci");
        store.ciStatuses()
                .report(
                        "acme/web",
                        sha,
                        "ci/test",
                        CiState.PENDING,
                        Optional.of("https://ci.example/1"),
                        Optional.empty(),
                        "ci");
        assertThat(store.ciStatuses().combined(sha).state()).isEqualTo(CiState.PENDING);

        store.ciStatuses()
                .report(
                        "acme/web",
                        sha,
                        "ci/test",
                        CiState.FAILURE,
                        Optional.of("https://ci.example/2"),
                        Optional.empty(),
                        "ci");
        CombinedStatus failed = store.ciStatuses().combined(sha);
        assertThat(failed.state()).isEqualTo(CiState.FAILURE);
        assertThat(failed.decidingLink()).contains("https://ci.example/2");
        assertThat(failed.statuses()).hasSize(2);

        store.ciStatuses()
                .report("acme/web", sha, "ci/test", CiState.SUCCESS, Optional.empty(), Optional.empty(), "ci");
        assertThat(store.ciStatuses().combined(sha).state()).isEqualTo(CiState.SUCCESS);
    }

    @Test
    void tokensAuthenticateByTheirSecretUntilRevoked() {
        IssuedToken issued = store.tokens().issue("ci", Scope.DEPLOY, "admin");

        assertThat(store.tokens().authenticate(issued.secret()))
                .get()
                .extracting(TokenRecord::scope)
                .isEqualTo(Scope.DEPLOY);
        assertThat(store.tokens().authenticate(issued.secret() + "x")).isEmpty();
        assertThat(issued.toString()).doesNotContain(issued.secret());

        store.tokens().revoke(issued.token().id());
        assertThat(store.tokens().authenticate(issued.secret())).isEmpty();
    }

    @Test
    void aConsoleSessionLivesUntilItExpiresItsTokenIsRevokedOrItIsClosed() {
        IssuedToken alice = store.tokens().issue("alice", Scope.DEPLOY, "admin");
        ConsoleSessions sessions = store.consoleSessions();
        ConsoleSessions.Opened opened = sessions.open(alice.token(), Duration.ofHours(8));
        assertThat(opened.secret()).as("the cookie is not the token").isNotEqualTo(alice.secret());
        assertThat(sessions.find(opened.secret(), store.tokens())).hasValueSatisfying(s -> {
            assertThat(s.token().name()).isEqualTo("alice");
            assertThat(s.csrf()).isEqualTo(opened.session().csrf()).hasSizeGreaterThan(40);
            assertThat(s.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(8)));
        });
        assertThat(sessions.find(opened.secret() + "x", store.tokens())).isEmpty();

        clock.add(Duration.ofHours(8));
        assertThat(sessions.find(opened.secret(), store.tokens())).as("expired").isEmpty();

        ConsoleSessions.Opened again = sessions.open(alice.token(), Duration.ofHours(8));
        ConsoleSessions.Opened other = sessions.open(alice.token(), Duration.ofHours(8));
        assertThat(sessions.close(again.secret())).isTrue();
        assertThat(sessions.find(again.secret(), store.tokens()))
                .as("logged out")
                .isEmpty();
        assertThat(sessions.find(other.secret(), store.tokens()))
                .as("other sessions stay")
                .isPresent();

        store.tokens().revoke(alice.token().id());
        assertThat(sessions.find(other.secret(), store.tokens()))
                .as("token revoked")
                .isEmpty();
    }

    @Test
    void scopesIncludeTheOnesBelowThem() {
        assertThat(Scope.READ.grants(Scope.METRICS)).isTrue();
        assertThat(Scope.METRICS.grants(Scope.READ)).isFalse();
        assertThat(Scope.ADMIN.grants(Scope.DEPLOY)).isTrue();
        assertThat(Scope.DEPLOY.grants(Scope.READ)).isTrue();
        assertThat(Scope.READ.grants(Scope.DEPLOY)).isFalse();
        assertThat(Scope.DEPLOY.grants(Scope.ADMIN)).isFalse();
    }

    @Test
    void aLeaseIsExclusiveUntilItExpires() {
        assertThat(store.leases().tryAcquire("reaper", "a", Duration.ofSeconds(30)))
                .isTrue();
        assertThat(store.leases().tryAcquire("reaper", "b", Duration.ofSeconds(30)))
                .isFalse();
        assertThat(store.leases().tryAcquire("reaper", "a", Duration.ofSeconds(30)))
                .as("renewal")
                .isTrue();

        clock.add(Duration.ofSeconds(31));
        assertThat(store.leases().tryAcquire("reaper", "b", Duration.ofSeconds(30)))
                .isTrue();
        assertThat(store.leases().holder("reaper")).contains("b");
    }

    @Test
    void auditEntriesListNewestFirstAndFilterByAction() {
        store.auditLog().record("alice", "deploy.enqueue", "acme-web/production", RequestSource.CLI, "ref v1");
        clock.add(Duration.ofSeconds(1));
        store.auditLog().record("reaper", "lab.reap", "acme-web/lab/feature-x", RequestSource.REAPER, "expired");
        store.auditLog().record("bob", "deploy.enqueue", "predict/production", RequestSource.API, "ref v2");

        assertThat(store.auditLog().list(Optional.of("deploy.enqueue"), Optional.empty(), Optional.empty(), 10))
                .extracting(AuditEntry::actor)
                .containsExactly("bob", "alice");
        assertThat(store.auditLog().list(Optional.empty(), Optional.of("acme-web/"), Optional.empty(), 10))
                .extracting(AuditEntry::source)
                .containsExactly(RequestSource.REAPER, RequestSource.CLI);
    }

    @Test
    void aChatUserIsLinkedOnceByAOneTimeCodeAndLosesTheLinkWithItsToken() {
        TokenRecord alice = store.tokens().issue("alice", Scope.DEPLOY, "admin").token();
        ChatLinks.Code code = store.chatLinks().issueCode(alice);
        assertThat(code.code()).hasSize(10).matches("[A-Z2-9]+");
        assertThat(code.expiresAt()).isEqualTo(clock.instant().plus(ChatLinks.CODE_TTL));
        assertThat(store.chatLinks().linked("slack", "T1/U1")).isEmpty();

        String typed = code.code().substring(0, 5).toLowerCase(java.util.Locale.ROOT) + " "
                + code.code().substring(5);
        assertThat(store.chatLinks().redeem(typed, "slack", "T1/U1", "alice.s"))
                .map(TokenRecord::name)
                .contains("alice");
        assertThat(store.chatLinks().linked("slack", "T1/U1"))
                .map(TokenRecord::id)
                .contains(alice.id());
        assertThat(store.chatLinks().linked("slack", "T1/U2"))
                .as("another chat user")
                .isEmpty();
        assertThat(store.chatLinks().redeem(code.code(), "slack", "T1/U2", "mallory"))
                .as("a code works once")
                .isEmpty();

        ChatLinks.Code late = store.chatLinks().issueCode(alice);
        clock.add(ChatLinks.CODE_TTL);
        assertThat(store.chatLinks().redeem(late.code(), "slack", "T1/U3", "bob"))
                .as("expired")
                .isEmpty();

        store.tokens().revoke(alice.id());
        assertThat(store.chatLinks().linked("slack", "T1/U1"))
                .as("its token revoked")
                .isEmpty();
        assertThat(store.chatLinks().unlink("slack", "T1/U1")).isTrue();
        assertThat(store.chatLinks().unlink("slack", "T1/U1")).isFalse();
    }

    @Test
    void rolloutChecksAreReadNewestBoundedOldestFirstAfterAnIdAndOldOnesDeleted() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(store.rolloutChecks()
                    .record(new RolloutChecks.CheckRow(
                            0,
                            "shop",
                            "production",
                            "east-1,west-1",
                            t0.plusSeconds(10L * i),
                            10_000,
                            100 + i,
                            i,
                            812_000,
                            900,
                            1,
                            700_500,
                            i == 4 ? "breach" : "pass")));
        }
        store.rolloutChecks()
                .record(new RolloutChecks.CheckRow(0, "shop", "qa", "east-1", t0, 10_000, 7, 0, 1, 7, 0, 1, "wait"));

        List<RolloutChecks.CheckRow> last3 = store.rolloutChecks().recent("shop", "production", 0, 3);
        assertThat(last3).extracting(RolloutChecks.CheckRow::requests).containsExactly(102L, 103L, 104L);
        RolloutChecks.CheckRow breach = last3.get(2);
        assertThat(breach.id()).isEqualTo(ids.get(4));
        assertThat(breach.clusters()).isEqualTo("east-1,west-1");
        assertThat(breach.at()).isEqualTo(t0.plusSeconds(40));
        assertThat(breach.errors()).isEqualTo(4);
        assertThat(breach.canaryP99Micros()).isEqualTo(812_000);
        assertThat(breach.stableErrors()).isEqualTo(1);
        assertThat(breach.stableP99Micros()).isEqualTo(700_500);
        assertThat(breach.verdict()).isEqualTo("breach");
        assertThat(store.rolloutChecks().recent("shop", "production", ids.get(3), 100))
                .extracting(RolloutChecks.CheckRow::id)
                .containsExactly(ids.get(4));

        assertThat(store.rolloutChecks().deleteBefore("shop", "production", t0.plusSeconds(20)))
                .isEqualTo(2);
        assertThat(store.rolloutChecks().recent("shop", "production", 0, 100)).hasSize(3);
        assertThat(store.rolloutChecks().recent("shop", "qa", 0, 100))
                .as("another environment's")
                .hasSize(1);
    }

    @Test
    void auditPagesGoBothWaysUnderTheSameFilter() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(store.auditLog()
                    .record("alice", "deploy.enqueue", "acme-web/production", RequestSource.CLI, "ref v" + i)
                    .id());
            store.auditLog().record("bob", "deploy.enqueue", "predict/production", RequestSource.API, "ref v" + i);
        }
        Optional<String> action = Optional.of("deploy.enqueue");
        Optional<String> app = Optional.of("acme-web");

        List<AuditEntry> older = store.auditLog()
                .list(new AuditLog.Query(action, app, Optional.empty(), Optional.empty(), Optional.of(ids.get(5)), 3));
        assertThat(older).extracting(AuditEntry::id).containsExactly(ids.get(4), ids.get(3), ids.get(2));
        List<AuditEntry> newer = store.auditLog()
                .list(new AuditLog.Query(
                        action, app, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(ids.get(2)), 3));
        assertThat(newer)
                .as("the three just above, newest first")
                .extracting(AuditEntry::id)
                .containsExactly(ids.get(5), ids.get(4), ids.get(3));
    }

    @Test
    void liveLabsAreCountedPerAppAsTheyAreListed() {
        openLab("feature/a", "abc1");
        openLab("feature/b", "abc2");
        store.labs()
                .open(new LabOpening(
                        "predict",
                        "feature/a",
                        "feature-a",
                        "predict-lab-feature-a",
                        "abc3",
                        "bob",
                        Duration.ofHours(24)));
        LabRecord gone = openLab("feature/c", "abc4");
        store.labs().claimForDown(gone.id(), "server-a", Duration.ofMinutes(1)).orElseThrow();
        store.labs().markDeleted(gone.id(), "server-a");

        assertThat(store.labs().liveCount(Optional.of("acme-web"))).isEqualTo(2);
        assertThat(store.labs().liveCount(Optional.of("predict"))).isEqualTo(1);
        assertThat(store.labs().liveCount(Optional.empty())).isEqualTo(3);
        assertThat(store.labs().listLive(Optional.of("acme-web"))).hasSize(2);
    }

    @Test
    void aRolloutIsSavedOnlyOverTheVersionItWasLoadedAs() {
        assertThat(store.rollouts().load("acme-web", "production")).isEmpty();
        assertThat(store.rollouts().save("acme-web", "production", "{\"step\":0}", 0))
                .isTrue();
        assertThat(store.rollouts().save("acme-web", "production", "{\"other\":true}", 0))
                .as("a second first save")
                .isFalse();
        clock.add(Duration.ofSeconds(10));
        assertThat(store.rollouts().save("acme-web", "production", "{\"step\":1}", 1))
                .isTrue();
        assertThat(store.rollouts().save("acme-web", "production", "{\"step\":9}", 1))
                .isFalse();

        Rollouts.RolloutRow row =
                store.rollouts().load("acme-web", "production").orElseThrow();
        assertThat(row.state()).isEqualTo("{\"step\":1}");
        assertThat(row.version()).isEqualTo(2);
        assertThat(row.updatedAt()).isEqualTo(clock.instant());
        assertThat(store.rollouts().load("acme-web", "staging")).isEmpty();
        store.rollouts().save("predict", "production", "{}", 0);
        assertThat(store.rollouts().list())
                .extracting(r -> r.app() + "/" + r.environment())
                .containsExactly("acme-web/production", "predict/production");
    }

    @Test
    void ofManyConcurrentSavesOverOneVersionExactlyOneWins() throws Exception {
        String big = "x".repeat(200_000);
        store.rollouts().save("acme-web", "production", big, 0);
        try (Store other = Store.open(config, clock)) {
            List<Boolean> saved = race(
                    8,
                    i -> (i % 2 == 0 ? store : other)
                            .rollouts()
                            .save("acme-web", "production", "{\"by\":" + i + "}", 1));
            assertThat(saved.stream().filter(Boolean::booleanValue)).hasSize(1);
            List<Boolean> first =
                    race(6, i -> (i % 2 == 0 ? store : other).rollouts().save("predict", "production", "{}", 0));
            assertThat(first.stream().filter(Boolean::booleanValue)).hasSize(1);
        }
        assertThat(store.rollouts().load("acme-web", "production").orElseThrow().version())
                .isEqualTo(2);
    }

    private DeployRecord enqueue(String app, String environment, String ref) {
        return store.deploys()
                .enqueue(DeployRequest.deploy(app, environment, Optional.of(ref), "alice", RequestSource.CLI));
    }

    private LabRecord openLab(String branch, String ref) {
        String slug = branch.replace('/', '-');
        return store.labs()
                .open(new LabOpening(
                        "acme-web", branch, slug, "acme-web-lab-" + slug, ref, "alice", Duration.ofHours(24)));
    }

    private static AppRegistration registration(String name) {
        return new AppRegistration(
                name,
                "/srv/apps/" + name,
                Optional.empty(),
                Duration.ofHours(24),
                List.of(
                        new EnvironmentRecord("production", "production", name),
                        new EnvironmentRecord("staging", "production", name + "-staging")));
    }

    /** Runs {@code n} calls at once (released together by a latch) and returns their results. */
    private static <T> List<T> race(int n, IndexedCall<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                Callable<T> task = () -> {
                    start.await();
                    return call.call(index);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<T> results = Collections.synchronizedList(new ArrayList<>());
            for (Future<T> future : futures) {
                results.add(future.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface IndexedCall<T> {
        T call(int index) throws Exception;
    }

    private ForwardedEvent backOff(String pod, int occurrences) {
        return new ForwardedEvent(
                0,
                "shop",
                "production",
                "east-1",
                "shop",
                "Pod",
                pod,
                "BackOff",
                "Warning",
                "Back-off restarting failed container",
                occurrences,
                clock.instant(),
                clock.instant(),
                Optional.of(3),
                Optional.of("main"),
                Optional.of("alice"),
                Optional.of(7L));
    }

    @Test
    void forwardedEventsGroupRepeatsWithinTheWindowAndRememberTheWatchPosition() {
        var events = store.forwardedEvents();
        assertThat(events.position("east-1", "shop")).isEmpty();
        var first = events.take(backOff("web-1", 2), "10", Duration.ofMinutes(10), () -> true, List.of("sentry"), 100)
                .orElseThrow();
        assertThat(first.grouped()).isFalse();
        clock.add(Duration.ofMinutes(5));
        var again = events.take(backOff("web-1", 3), "11", Duration.ofMinutes(10), () -> false, List.of("sentry"), 100)
                .orElseThrow();
        assertThat(again.grouped()).isTrue();
        assertThat(again.event().id()).isEqualTo(first.event().id());
        assertThat(again.event().occurrences()).isEqualTo(5);
        assertThat(events.position("east-1", "shop")).contains("11");
        // not admitted (rate-limited) and no group to join: only the position moves
        assertThat(events.take(backOff("web-2", 1), "12", Duration.ofMinutes(10), () -> false, List.of("sentry"), 100))
                .isEmpty();
        assertThat(events.position("east-1", "shop")).contains("12");
        clock.add(Duration.ofMinutes(11));
        var later = events.take(backOff("web-1", 1), "13", Duration.ofMinutes(10), () -> true, List.of("sentry"), 100)
                .orElseThrow();
        assertThat(later.grouped()).isFalse();
        assertThat(events.recent("shop", "production", 10))
                .extracting(ForwardedEvent::occurrences, ForwardedEvent::objectName)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, "web-1"),
                        org.assertj.core.groups.Tuple.tuple(5, "web-1"));
        assertThat(events.recent("shop", "production", 10).get(1).deployedBy()).contains("alice");
        assertThat(events.recent("shop", "staging", 10)).isEmpty();
    }

    @Test
    void theDeliveryQueueRetriesFailuresAndDropsTheOldestBeyondItsBound() {
        var events = store.forwardedEvents();
        for (int i = 1; i <= 3; i++) {
            var taken = events.take(
                            backOff("web-" + i, 1),
                            String.valueOf(i),
                            Duration.ofMinutes(10),
                            () -> true,
                            List.of("sentry", "webhook"),
                            2)
                    .orElseThrow();
            assertThat(taken.dropped())
                    .isEqualTo(i == 3 ? java.util.Map.of("sentry", 1, "webhook", 1) : java.util.Map.of());
        }
        assertThat(events.depths()).isEqualTo(java.util.Map.of("sentry", 2, "webhook", 2));
        List<ForwardedEvents.Pending> due = events.due("sentry", 10);
        assertThat(due).extracting(p -> p.event().objectName()).containsExactly("web-2", "web-3");
        events.failed(due.get(0).event().id(), "sentry", Duration.ofSeconds(30), "503 Service Unavailable");
        events.delivered(due.get(1).event().id(), "sentry");
        assertThat(events.due("sentry", 10)).isEmpty();
        assertThat(events.undelivered(due.get(0).event().id())).containsExactly("sentry", "webhook");
        clock.add(Duration.ofSeconds(30));
        assertThat(events.due("sentry", 10)).singleElement().satisfies(p -> {
            assertThat(p.event().objectName()).isEqualTo("web-2");
            assertThat(p.attempts()).isEqualTo(1);
        });
        assertThat(events.depths()).isEqualTo(java.util.Map.of("sentry", 1, "webhook", 2));
    }
}
