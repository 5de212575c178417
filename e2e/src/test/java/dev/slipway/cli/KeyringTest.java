package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * slipway login and --server commands with the real Secret Service: a private D-Bus session bus with
 * gnome-keyring-daemon on it (an unlocked keyring in a temporary home), driven through secret-tool as users have
 * it. Needs the Debian packages libsecret-tools, gnome-keyring and dbus; skipped only when secret-tool is absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyringTest {
    private static final String PATH = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");

    private Path tmp;
    private Process bus;
    private Process keyring;
    private String busAddress;
    private RunningServer fixture;

    @BeforeAll
    void startKeyringAndServer(@TempDir Path dir) throws Exception {
        CliContext probe = new CliContext(Map.of("PATH", PATH), dir, dir, System.in, false, Clock.systemUTC());
        assumeTrue(
                TokenKeyring.CommandKeyring.find(probe, "secret-tool").isPresent(),
                "secret-tool is not installed (Debian: apt-get install libsecret-tools gnome-keyring dbus)");
        tmp = dir;
        Path keyringHome = Files.createDirectories(tmp.resolve("keyring-home"));
        bus = new ProcessBuilder("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        busAddress = new BufferedReader(new InputStreamReader(bus.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(busAddress).as("dbus-daemon's address").startsWith("unix:");
        ProcessBuilder daemon = new ProcessBuilder(
                        "gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        daemon.environment().put("HOME", keyringHome.toString());
        daemon.environment().put("DBUS_SESSION_BUS_ADDRESS", busAddress);
        daemon.environment().remove("DISPLAY");
        keyring = daemon.start();
        // --unlock reads the login keyring's password from stdin; a new keyring is created with it, unlocked.
        try (OutputStream stdin = keyring.getOutputStream()) {
            stdin.write("test-keyring-password".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> run(List.of(
                                "dbus-send",
                                "--session",
                                "--print-reply",
                                "--dest=org.freedesktop.DBus",
                                "/",
                                "org.freedesktop.DBus.NameHasOwner",
                                "string:org.freedesktop.secrets"))
                        .contains("boolean true"));
        fixture = RunningServer.start(tmp);
    }

    @AfterAll
    void stopAll() throws InterruptedException {
        if (fixture != null) {
            fixture.close();
        }
        for (Process p : new Process[] {keyring, bus}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void loginKeepsTheTokenInTheKeyringAndServerCommandsFindItThere() throws IOException {
        CliRun cli = withKeyring(busAddress);
        String secret = Files.readString(fixture.adminToken).strip();

        var login = cli.stdin(secret + "\n").run("login", "--server", fixture.url() + "/");

        assertThat(login.exitCode()).as(login.toString()).isZero();
        assertThat(login.out())
                .contains("Stored it in the Secret Service keyring (secret-tool) for " + fixture.url())
                .doesNotContain(secret);
        assertThat(login.err()).isEmpty();
        assertThat(secretToolLookup(fixture.url())).isEqualTo(secret);
        assertThat(tmp.resolve("home/.config/slipway/token")).doesNotExist();
        assertThat(tmp.resolve("home/.config/slipway/tokens")).doesNotExist();

        var history = cli.run("history", "shop", "--env", "production", "--server", fixture.url());
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.out()).contains("east-1");
    }

    @Test
    void eachServerUrlHasItsOwnKeyringEntry() throws IOException {
        CliRun cli = withKeyring(busAddress);
        String admin = Files.readString(fixture.adminToken).strip();
        String reader = fixture.issueToken("keyring-reader", "read");
        String byName = fixture.url().replace("127.0.0.1", "localhost");

        var first = cli.stdin(admin + "\n").run("login", "--server", fixture.url());
        var second = cli.stdin(reader + "\n").run("login", "--server", byName);

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(secretToolLookup(fixture.url())).isEqualTo(admin);
        assertThat(secretToolLookup(byName)).isEqualTo(reader);
    }

    @Test
    void aTokenTheServerRefusesIsNotStored() {
        CliRun cli = withKeyring(busAddress);

        var login = cli.stdin("not-a-token-the-server-issued\n").run("login", "--server", fixture.url());

        assertThat(login.exitCode()).as(login.toString()).isEqualTo(1);
        assertThat(login.err()).startsWith("error: ").doesNotContain("not-a-token");
        assertThat(secretToolLookup(fixture.url())).isNotEqualTo("not-a-token-the-server-issued");
    }

    @Test
    void withoutAReachableKeyringLoginFallsBackToTheTokenFileSayingWhy() throws IOException {
        Path home = tmp.resolve("no-bus-home");
        CliRun cli = new CliRun(home, tmp)
                .env("PATH", PATH)
                .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + tmp.resolve("no-such-bus"));
        String secret = Files.readString(fixture.adminToken).strip();

        var login = cli.stdin(secret + "\n").run("login", "--server", fixture.url());

        assertThat(login.exitCode()).as(login.toString()).isZero();
        Path tokenFile = home.resolve(".config/slipway/tokens")
                .resolve(URLEncoder.encode(fixture.url(), StandardCharsets.UTF_8));
        assertThat(login.err())
                .startsWith("warning: not stored in a keyring: the Secret Service keyring (secret-tool) failed")
                .contains(tokenFile.toString());
        assertThat(Files.readString(tokenFile).strip()).isEqualTo(secret);
        var history = cli.run("history", "shop", "--env", "production", "--server", fixture.url());
        assertThat(history.exitCode()).as(history.toString()).isZero();
    }

    private CliRun withKeyring(String address) {
        return new CliRun(tmp.resolve("home"), tmp).env("PATH", PATH).env("DBUS_SESSION_BUS_ADDRESS", address);
    }

    private String secretToolLookup(String server) {
        return run(List.of("secret-tool", "lookup", "service", "slipway", "server", server))
                .strip();
    }

    /** Runs a command on the private session bus and returns its stdout. */
    private String run(List<String> command) {
        try {
            ProcessBuilder builder =
                    new ProcessBuilder(new ArrayList<>(command)).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("DBUS_SESSION_BUS_ADDRESS", busAddress);
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
