package dev.slipway.cli;

import static dev.slipway.cli.LocalFixtures.awaitReady;
import static dev.slipway.cli.LocalFixtures.get;
import static dev.slipway.cli.LocalFixtures.pids;
import static dev.slipway.cli.LocalFixtures.port;
import static dev.slipway.cli.LocalFixtures.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * {@code slipway lab} without a server: a branch's copy of the app beside {@code slipway up}, on its own processes
 * and ports, reached through the app's router on {@code <branch>.<app>.localhost}, gone on lab down, down, or TTL
 * after its last deploy.
 */
class LocalLabsTest {
    @TempDir
    Path home;

    private Thread inProcessUp;

    @AfterEach
    void stopUp() throws InterruptedException {
        if (inProcessUp != null && inProcessUp.isAlive()) {
            inProcessUp.interrupt();
            inProcessUp.join(Duration.ofSeconds(30).toMillis());
        }
    }

    @Test
    void aLabRunsBesideTheAppOnItsOwnHostAndStopsWithLabDownOrDown() throws Exception {
        Path app = LocalFixtures.demo(home, "exec python3 server.py");
        Path state = home.resolve("state");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"));

        CliRun.Result tooEarly = cli.run("lab", "up", app.toString(), "--branch", "feature/x");
        assertThat(tooEarly.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(tooEarly.err())
                .contains("app 'demo' does not run locally")
                .contains("slipway up " + app + " --detach");

        CliRun.Result upped = cli.run("up", app.toString(), "--port", "0", "--detach", "--grace", "1s");
        assertThat(upped.exitCode()).as(upped.toString()).isZero();
        JsonNode running = read(state.resolve("run/demo.json"));
        int port = port(running);

        CliRun.Result badBranch = cli.run("lab", "up", app.toString(), "--branch", "feature..x");
        assertThat(badBranch.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(badBranch.err()).contains("--branch").contains("not a valid git branch name");

        Path broken = LocalFixtures.demo(Files.createDirectories(home.resolve("broken")), "exit 3");
        CliRun.Result crashes = cli.run("lab", "up", broken.toString(), "--branch", "feature/Faster-UI");
        assertThat(crashes.exitCode()).as(crashes.toString()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(crashes.err())
                .contains("lab feature-faster-ui did not become ready, so it was stopped")
                .contains("exited at once with code 3");
        assertThat(state.resolve("run/demo/labs/feature-faster-ui.json")).doesNotExist();

        CliRun.Result lab = cli.run("lab", "up", app.toString(), "--branch", "feature/Faster-UI", "--ttl", "2h");
        assertThat(lab.exitCode()).as(lab.toString()).isZero();
        String url = "http://feature-faster-ui.demo.localhost:" + port + "/";
        assertThat(lab.out())
                .contains("starting lab feature-faster-ui of demo (branch feature/Faster-UI, (not a git commit))")
                .contains("lab feature-faster-ui of demo (branch feature/Faster-UI, (not a git commit)) ready: " + url);
        assertThat(get(port, "feature-faster-ui.demo.localhost", "/")).isEqualTo("rev=1 lab=feature-faster-ui");
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=1 lab=");
        JsonNode labState = read(state.resolve("run/demo/labs/feature-faster-ui.json"));
        List<Long> labPids = pids(labState);
        assertThat(labPids).hasSize(2).doesNotContainAnyElementsOf(pids(running));

        CliRun.Result list = cli.run("lab", "list");
        assertThat(list.out())
                .contains("APP   BRANCH             URL")
                .contains("demo  feature/Faster-UI  " + url + "  (not a git commit)  1    ready")
                // the real clock: a loaded machine can take a second or two between the deploy and the list
                .containsPattern("(just now|[1-9]s ago) +(1h59m|2h)");
        JsonNode json = LocalFixtures.JSON.readTree(
                cli.run("lab", "list", "--app", "demo", "-o", "json").out());
        assertThat(json).hasSize(1);
        assertThat(json.get(0).path("branch").asText()).isEqualTo("feature/Faster-UI");
        assertThat(json.get(0).path("url").asText()).isEqualTo(url);
        assertThat(json.get(0).path("ttl").asText()).isEqualTo("2h");
        assertThat(json.get(0).path("expiresInSeconds").asLong()).isBetween(7000L, 7200L);
        assertThat(cli.run("ps").out())
                .contains("demo lab feature-faster-ui  " + url + "  branch feature/Faster-UI")
                .contains("expires in ");

        // lab up again: a rolling redeploy of the lab only
        CliRun.Result redeploy = cli.run("lab", "up", app.toString(), "--branch", "feature/Faster-UI");
        assertThat(redeploy.exitCode()).as(redeploy.toString()).isZero();
        assertThat(redeploy.out())
                .contains("redeploying lab feature-faster-ui")
                .contains("web/local-1/0: rev 2 ready on port")
                .contains("rev 2 ready: " + url);
        assertThat(get(port, "feature-faster-ui.demo.localhost", "/")).isEqualTo("rev=2 lab=feature-faster-ui");
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=1 lab=");
        UpCommandTest.awaitGroupsGone(labPids);

        CliRun.Result unknown = cli.run("lab", "down", "--app", "demo", "--branch", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(unknown.err())
                .contains("app 'demo' has no local lab for branch 'nope'")
                .contains("its labs are for 'feature/Faster-UI'");

        List<Long> redeployed = pids(read(state.resolve("run/demo/labs/feature-faster-ui.json")));
        CliRun.Result down = cli.run("lab", "down", app.toString(), "--branch", "feature/Faster-UI");
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("stopped lab feature-faster-ui of demo");
        UpCommandTest.awaitGroupsGone(redeployed);
        assertThat(state.resolve("run/demo/labs/feature-faster-ui.json")).doesNotExist();
        assertThat(cli.run("lab", "list").out()).contains("no local labs");
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=1 lab=");

        // slipway down stops the app's labs with it
        assertThat(cli.run("lab", "up", app.toString(), "--branch", "fix-1").exitCode())
                .isZero();
        List<Long> fix = pids(read(state.resolve("run/demo/labs/fix-1.json")));
        CliRun.Result all = cli.run("down", "demo");
        assertThat(all.out()).contains("stopped demo with its lab fix-1");
        assertThat(ProcessHandle.of(running.path("pid").asLong())).isEmpty();
        UpCommandTest.awaitGroupsGone(fix);
        assertThat(cli.run("lab", "list").out()).contains("no local labs");
    }

    @Test
    void aLabOfAnotherBranchRunsThatBranchsCommitWhileTheCheckedOutOneRunsTheWorkingDirectory() throws Exception {
        Path app = LocalFixtures.demo(home, "exec python3 server.py");
        git(app, "init", "-q", "-b", "main");
        git(app, "add", ".");
        git(app, "commit", "-q", "-m", "demo");
        git(app, "checkout", "-q", "-b", "feature/b");
        Files.writeString(
                app.resolve("server.py"),
                Files.readString(app.resolve("server.py")).replace("'rev='", "'b rev='"));
        git(app, "commit", "-q", "-am", "b answers differently");
        git(app, "checkout", "-q", "main");
        Path state = home.resolve("state");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"));
        assertThat(cli.run("up", app.toString(), "--port", "0", "--detach", "--grace", "1s")
                        .exitCode())
                .isZero();
        int port = port(read(state.resolve("run/demo.json")));

        CliRun.Result b = cli.run("lab", "up", app.toString(), "--branch", "feature/b");
        assertThat(b.exitCode()).as(b.toString()).isZero();
        assertThat(b.out()).contains("its commit");
        assertThat(get(port, "feature-b.demo.localhost", "/"))
                .as("main is checked out, yet the lab runs feature/b's commit")
                .isEqualTo("b rev=1 lab=feature-b");

        Files.writeString(
                app.resolve("server.py"),
                Files.readString(app.resolve("server.py")).replace("'rev='", "'edited rev='"));
        CliRun.Result main = cli.run("lab", "up", app.toString());
        assertThat(main.exitCode()).as(main.toString()).isZero();
        assertThat(main.out()).contains("the working directory");
        assertThat(get(port, "main.demo.localhost", "/"))
                .as("the checked-out branch runs with its uncommitted edits")
                .isEqualTo("edited rev=1 lab=main");

        CliRun.Result missing = cli.run("lab", "up", app.toString(), "--branch", "feature/nope");
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(missing.err()).contains("has no branch 'feature/nope'");

        assertThat(cli.run("down", "demo").exitCode()).isZero();
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(
                List.of("git", "-C", dir.toString(), "-c", "user.name=t", "-c", "user.email=t@example.com"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(output).isZero();
    }

    @Test
    void aLabExpiresItsTtlAfterItsLastDeploy() throws Exception {
        Path app = LocalFixtures.demo(home, "exec python3 server.py");
        Path state = home.resolve("state");
        MutableClock clock = MutableClock.of(Instant.parse("2030-01-01T09:00:00Z"), ZoneOffset.UTC);
        CliRun upCli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"))
                .clock(clock);
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .clock(clock);
        // the up that owns the labs, and so their expiry, runs in this JVM to read the clock the test moves
        AtomicReference<CliRun.Result> upResult = new AtomicReference<>();
        inProcessUp = new Thread(() -> upResult.set(upCli.run("up", app.toString(), "--port", "0", "--grace", "1s")));
        inProcessUp.start();
        JsonNode running = awaitReady(state.resolve("run/demo.json"), inProcessUp::isAlive, home.resolve("none"));
        int port = port(running);

        assertThat(cli.run("lab", "up", app.toString(), "--branch", "feature/a", "--ttl", "1h")
                        .exitCode())
                .isZero();
        Path labFile = state.resolve("run/demo/labs/feature-a.json");
        assertThat(read(labFile).path("expiresAt").asText()).isEqualTo("2030-01-01T10:00:00Z");

        // a redeploy 59 minutes in restarts the TTL: still there after the first expiry has passed
        clock.add(Duration.ofMinutes(59));
        CliRun.Result redeploy = cli.run("lab", "up", app.toString(), "--branch", "feature/a");
        assertThat(redeploy.exitCode()).as(redeploy.toString()).isZero();
        assertThat(read(labFile).path("expiresAt").asText()).isEqualTo("2030-01-01T10:59:00Z");
        clock.add(Duration.ofMinutes(2));
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(labFile)
                        && get(port, "feature-a.demo.localhost", "/").equals("rev=2 lab=feature-a"));
        assertThat(cli.run("lab", "list").out()).contains("demo  feature/a").contains("58m");

        // extend moves the expiry out by 3h, as on a server
        CliRun.Result extend = cli.run("lab", "extend", app.toString(), "--branch", "feature/a", "--by", "3h");
        assertThat(extend.exitCode()).as(extend.toString()).isZero();
        assertThat(extend.out()).contains("lab feature-a of demo now expires 2030-01-01T13:59:00Z (in 3h58m)");

        List<Long> labPids = pids(read(labFile));
        clock.add(Duration.ofHours(4));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(labFile));
        labPids.forEach(g -> await().atMost(Duration.ofSeconds(10))
                .until(() -> UpCommandTest.groupMembers(g).isEmpty()));
        assertThat(cli.run("lab", "list").out()).contains("no local labs");
        assertThat(Files.readString(state.resolve("logs/demo.log")))
                .contains("lab feature-a stopping: it expired: its last deploy was 2030-01-01T09:59:00Z and its"
                        + " TTL 1h (expiry 2030-01-01T13:59:00Z)");
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=1 lab=");

        List<Long> appPids = pids(read(state.resolve("run/demo.json")));
        inProcessUp.interrupt();
        inProcessUp.join();
        assertThat(upResult.get().exitCode())
                .as(() -> upResult.get().toString())
                .isZero();
        assertThat(upResult.get().out()).contains("stopping lab feature-a of demo: it expired");
        assertThat(state.resolve("run/demo.json")).doesNotExist();
        UpCommandTest.awaitGroupsGone(appPids);
    }

    @Test
    void aLabsServicesCallEachOtherInsideTheLab() throws Exception {
        Path shop = Path.of("..").toAbsolutePath().normalize().resolve("examples/shop");
        Path main = copy(shop, home.resolve("main"));
        Path branch = copy(shop, home.resolve("branch"));
        Files.writeString(
                branch.resolve("slipway.yaml"),
                Files.readString(branch.resolve("slipway.yaml")).replace("CURRENCY: EUR", "CURRENCY: USD"));
        Path state = home.resolve("state");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"));
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        CliRun.Result up =
                cli.run("up", main.toString(), "--port", Integer.toString(port), "--detach", "--grace", "1s");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        try {
            CliRun.Result lab = cli.run("lab", "up", branch.toString(), "--branch", "usd");
            assertThat(lab.exitCode()).as(lab.toString()).isZero();

            // the lab's storefront asks prices.usd.shop.localhost, the lab's own prices service
            assertThat(get(port, "usd.shop.localhost", "/?item=tea")).contains("\"currency\": \"USD\"");
            assertThat(get(port, "prices.usd.shop.localhost", "/price?item=tea"))
                    .contains("\"currency\": \"USD\"");
            assertThat(get(port, "shop.localhost", "/?item=tea")).contains("\"currency\": \"EUR\"");
        } finally {
            assertThat(cli.run("down", "shop").out()).contains("stopped shop with its lab usd");
        }
    }

    private static Path copy(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }
}
