package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * slipway lab up / list / extend / down with --server: the real CLI in-process against a real server on 127.0.0.1,
 * from git checkouts made in the test. Each test works on its own branch, so each has its own commit and lab.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabServerModeTest {
    private Path tmp;
    private RunningServer fixture;
    private CliRun cli;

    @BeforeAll
    void startServer(@TempDir Path dir) throws Exception {
        tmp = dir;
        fixture = RunningServer.start(dir);
        // The registered app directory is the repository developers clone and push their branches to.
        git(fixture.appDir, "init", "--quiet", "--initial-branch=main");
        git(fixture.appDir, "add", ".");
        git(fixture.appDir, "commit", "--quiet", "-m", "shop");
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", fixture.url())
                .env("SLIPWAY_TOKEN_FILE", fixture.adminToken.toString());
    }

    @AfterAll
    void stopServer() {
        fixture.close();
    }

    @Test
    void labUpDeploysTheCheckedOutCommitOnlyOnceCiPassedForIt() throws IOException {
        Path checkout = branchCheckout("feature/login");
        String sha = git(checkout, "rev-parse", "HEAD");

        var noStatus = cli.run("lab", "up", checkout.toString());
        assertThat(noStatus.exitCode()).as(noStatus.toString()).isEqualTo(1);
        assertThat(noStatus.err())
                .startsWith("error: lab shop/feature/login, commit " + sha.substring(0, 12))
                .contains("not deployed: CI status is pending (no CI status reported yet)")
                .contains("push it")
                .doesNotContain("Exception");

        reportCi(sha, "failure", "https://ci.example/builds/7");
        var failed = cli.run("lab", "up", checkout.toString());
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.err())
                .contains("CI status is failure (ci/test: failure), see https://ci.example/builds/7")
                .contains("fix it");
        assertThat(labs()).noneMatch(l -> l.path("branch").asText().equals("feature/login"));
        assertThat(fixture.greeting("shop-lab-feature-login")).isEmpty();

        reportCi(sha, "success", "https://ci.example/builds/8");
        var up = cli.run("lab", "up", checkout.toString());
        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.out())
                .contains("Lab shop/feature/login at " + sha.substring(0, 12) + " through " + fixture.url())
                .contains("east-1: deployed (revision 1)")
                .contains("is up in namespace shop-lab-feature-login; it expires in 24h");
        JsonNode lab = lab("feature/login").orElseThrow();
        assertThat(lab.path("ref").asText()).isEqualTo(sha);
        assertThat(lab.path("createdBy").asText()).isEqualTo("admin");
        assertThat(fixture.greeting("shop-lab-feature-login")).contains("hello");
    }

    @Test
    void labUpOfAnotherBranchThanTheCheckedOutOneDeploysThatBranchsCommit() throws IOException {
        Path checkout = branchCheckout("feature/other");
        String other = git(checkout, "rev-parse", "HEAD");
        git(checkout, "checkout", "--quiet", "main");
        reportCi(other, "success", "https://ci.example/builds/10");

        var up = cli.run("lab", "up", checkout.toString(), "--branch", "feature/other");

        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.out()).contains("Lab shop/feature/other at " + other.substring(0, 12));
        assertThat(lab("feature/other").orElseThrow().path("ref").asText())
                .as("the branch's commit, not main's")
                .isEqualTo(other);
    }

    @Test
    void labUpOfABranchTheCloneLacksIsRefusedInsteadOfDeployingTheCheckedOutOne() throws IOException {
        Path checkout = branchCheckout("feature/here");
        // CI passed for the checked-out commit: only the refusal keeps it out of the other branch's lab.
        reportCi(git(checkout, "rev-parse", "HEAD"), "success", "https://ci.example/builds/11");

        var up = cli.run("lab", "up", checkout.toString(), "--branch", "feature/elsewhere");

        assertThat(up.exitCode()).as(up.toString()).isEqualTo(1);
        assertThat(up.err())
                .startsWith("error: --branch feature/elsewhere: the repository of " + checkout
                        + " has no branch 'feature/elsewhere' (nor origin/feature/elsewhere), and the branch"
                        + " checked out is feature/here")
                .contains("git fetch origin feature/elsewhere")
                .contains("--ref SHA")
                .doesNotContain("warning");
        assertThat(up.out()).doesNotContain("Lab shop/feature/elsewhere");
        assertThat(lab("feature/elsewhere")).isEmpty();
        assertThat(fixture.greeting("shop-lab-feature-elsewhere")).isEmpty();
    }

    @Test
    void labUpWarnsThatUncommittedChangesAreNotInTheLab() throws IOException {
        Path checkout = branchCheckout("feature/dirty");
        String sha = git(checkout, "rev-parse", "HEAD");
        reportCi(sha, "success", "https://ci.example/builds/9");
        Files.writeString(checkout.resolve("README.md"), "changed, not committed\n");

        var up = cli.run("lab", "up", checkout.toString(), "--ttl", "2h");

        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.err())
                .contains("warning: " + checkout + " has uncommitted changes; they are not in the lab")
                .contains(sha.substring(0, 12));
        assertThat(up.out()).contains("expires in 2h");
        assertThat(lab("feature/dirty").orElseThrow().path("ref").asText()).isEqualTo(sha);
    }

    @Test
    void labUpOutsideAGitRepositoryIsRefusedBeforeAnyRequest() throws IOException {
        Path plain = tmp.resolve("not-a-repo");
        Files.createDirectories(plain.resolve("kubernetes"));
        for (String file : List.of("slipway.yaml", "kubernetes/app.yaml")) {
            Files.copy(fixture.appDir.resolve(file), plain.resolve(file));
        }

        var up = cli.run("lab", "up", plain.toString(), "--branch", "feature/plain");

        assertThat(up.exitCode()).as(up.toString()).isEqualTo(1);
        assertThat(up.err())
                .startsWith("error: " + plain + ": is not in a git repository")
                .contains("--ref");
        assertThat(lab("feature/plain")).isEmpty();
    }

    @Test
    void listShowsTheLabAndExtendMovesItsExpiryAndDownRemovesIt() throws IOException {
        Path checkout = branchCheckout("feature/search");
        String sha = git(checkout, "rev-parse", "HEAD");
        reportCi(sha, "success", "https://ci.example/builds/10");
        assertThat(cli.run("lab", "up", checkout.toString()).exitCode()).isZero();

        var list = cli.run("lab", "list", "--app", "shop");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out())
                .contains("APP", "BRANCH", "NAMESPACE", "REF", "CI", "LAST DEPLOY", "EXPIRES IN", "BY")
                .containsPattern("shop +feature/search +shop-lab-feature-search +- +" + sha.substring(0, 12)
                        + " +success +(just now|\\S+ ago) +24h +admin");
        var json = cli.run("lab", "list", "-o", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode listed = RunningServer.JSON.readTree(json.out());
        assertThat(listed.path("server").asText()).isEqualTo(fixture.url());
        assertThat(listed.path("labs"))
                .anySatisfy(l -> assertThat(l.path("ref").asText()).isEqualTo(sha));

        Instant before = expiry("feature/search");
        var extend = cli.run("lab", "extend", checkout.toString(), "--by", "72h");
        assertThat(extend.exitCode()).as(extend.toString()).isZero();
        assertThat(extend.out()).contains("Lab shop/feature/search now expires in 96h");
        assertThat(expiry("feature/search")).isAfter(before.plus(Duration.ofHours(47)));

        var down = cli.run("lab", "down", "--app", "shop", "--branch", "feature/search");
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("Deleted lab shop/feature/search").contains("shop-lab-feature-search");
        assertThat(lab("feature/search")).isEmpty();
        assertThat(fixture.greeting("shop-lab-feature-search")).isEmpty();
    }

    @Test
    void aBranchWithoutALabIsAnErrorListingTheAppsLabs() throws IOException {
        Path checkout = branchCheckout("feature/known");
        reportCi(git(checkout, "rev-parse", "HEAD"), "success", "https://ci.example/builds/11");
        assertThat(cli.run("lab", "up", checkout.toString()).exitCode()).isZero();

        var extend = cli.run("lab", "extend", "--app", "shop", "--branch", "feature/unknown");

        assertThat(extend.exitCode()).as(extend.toString()).isEqualTo(1);
        assertThat(extend.err())
                .startsWith("error: --branch feature/unknown: app shop has no lab for branch feature/unknown;"
                        + " its labs: ")
                .contains("feature/known (expires in ");
    }

    @Test
    void aWrongTokenIsAClearErrorAndChangesNothing() throws IOException {
        Path checkout = branchCheckout("feature/guarded");
        String sha = git(checkout, "rev-parse", "HEAD");
        reportCi(sha, "success", "https://ci.example/builds/12");
        assertThat(cli.run("lab", "up", checkout.toString()).exitCode()).isZero();
        Instant expiry = expiry("feature/guarded");
        Path wrong = fixture.tokenFile("wrong-token", "not-a-token-the-server-issued");
        CliRun intruder = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", fixture.url())
                .env("SLIPWAY_TOKEN_FILE", wrong.toString());

        List<CliRun.Result> results = new ArrayList<>();
        results.add(intruder.run("lab", "up", checkout.toString(), "--ttl", "1h"));
        results.add(intruder.run("lab", "extend", checkout.toString(), "--by", "90h"));
        results.add(intruder.run("lab", "down", checkout.toString()));
        results.add(intruder.run("lab", "list"));

        assertThat(results).allSatisfy(r -> {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err())
                    .startsWith("error: ")
                    .doesNotContain("not-a-token")
                    .doesNotContain("Exception");
            assertThat(r.err().toLowerCase()).containsAnyOf("token", "unauthorized");
        });
        assertThat(expiry("feature/guarded")).isEqualTo(expiry);
        assertThat(fixture.greeting("shop-lab-feature-guarded")).contains("hello");
    }

    @Test
    void refIsAFullCommitShaAndNeedsTheServer() throws IOException {
        Path checkout = branchCheckout("feature/ref");

        var shortRef = cli.run("lab", "up", checkout.toString(), "--ref", "abc123");
        var local = new CliRun(tmp.resolve("home"), tmp)
                .run("lab", "up", checkout.toString(), "--ref", git(checkout, "rev-parse", "HEAD"));

        assertThat(shortRef.exitCode()).isEqualTo(1);
        assertThat(shortRef.err()).contains("--ref abc123: is not a full commit SHA");
        assertThat(local.exitCode()).isEqualTo(2);
        assertThat(local.err()).contains("--ref needs --server");
    }

    /** A clone of the app's repository on a new branch with a commit of its own, pushed back. */
    private Path branchCheckout(String branch) throws IOException {
        Path checkout = tmp.resolve("checkouts").resolve(branch.replace('/', '-'));
        Files.createDirectories(checkout.getParent());
        git(tmp, "clone", "--quiet", fixture.appDir.toString(), checkout.toString());
        git(checkout, "checkout", "--quiet", "-b", branch);
        Files.writeString(checkout.resolve("README.md"), "work on " + branch + "\n");
        git(checkout, "add", "README.md");
        git(checkout, "commit", "--quiet", "-m", "work on " + branch);
        git(checkout, "push", "--quiet", "origin", branch);
        return checkout;
    }

    private void reportCi(String sha, String state, String link) {
        fixture.api(
                "POST",
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + sha + "\", \"context\": \"ci/test\", \"state\": \"" + state
                        + "\", \"targetUrl\": \"" + link + "\"}");
    }

    private List<JsonNode> labs() {
        List<JsonNode> labs = new ArrayList<>();
        fixture.api("GET", "/api/labs?app=shop", "").forEach(labs::add);
        return labs;
    }

    private Optional<JsonNode> lab(String branch) {
        return labs().stream()
                .filter(l -> l.path("branch").asText().equals(branch))
                .findFirst();
    }

    private Instant expiry(String branch) {
        return Instant.parse(lab(branch).orElseThrow().path("expiresAt").asText());
    }

    /** Runs git in {@code dir} with a fixed identity; returns its trimmed stdout. */
    private static String git(Path dir, String... args) {
        List<String> command = new ArrayList<>(
                List.of("git", "-C", dir.toString(), "-c", "user.name=Alice", "-c", "user.email=alice@example.com"));
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue())
                    .as(String.join(" ", command) + "\n" + output)
                    .isZero();
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
