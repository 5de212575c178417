package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which token a --server command uses: a named file (flag, environment, config file), else the keyring's entry for
 * the server, else the server's own token file, else the single token file of older versions. The keyring here is a stand-in; KeyringTest drives the real one.
 */
class TokenResolutionTest {
    private static final String SERVER = "https://slipway.internal:7420";

    @TempDir
    Path tmp;

    /** A keyring holding entries in memory, or failing like one without a session bus. */
    private static final class FakeKeyring implements TokenKeyring {
        final Map<String, String> entries = new HashMap<>();
        boolean broken;

        @Override
        public String name() {
            return "the fake keyring";
        }

        @Override
        public Optional<String> lookup(String server) throws KeyringException {
            if (broken) {
                throw new KeyringException("the fake keyring failed: Cannot autolaunch D-Bus without X11 $DISPLAY");
            }
            return Optional.ofNullable(entries.get(server));
        }

        @Override
        public void store(String server, String token) {
            entries.put(server, token);
        }
    }

    private final FakeKeyring keyring = new FakeKeyring();

    @Test
    void theFlagBeatsTheEnvironmentWhichBeatsTheConfigFileWhichBeatsTheKeyring() throws IOException {
        keyring.store(SERVER, "from-keyring");
        token("flag", "from-flag");
        token("env", "from-env");
        token("home/.config/slipway/configured", "from-config");
        Files.writeString(tmp.resolve("home/.config/slipway/config.yaml"), "token-file: configured\n");
        Map<String, String> env =
                new HashMap<>(Map.of("SLIPWAY_TOKEN_FILE", tmp.resolve("env").toString()));
        ServerOptions withFlag = new ServerOptions();
        withFlag.tokenFile = Path.of("flag");

        assertThat(resolve(withFlag, env)).isEqualTo("from-flag");
        assertThat(resolve(new ServerOptions(), env)).isEqualTo("from-env");
        env.clear();
        assertThat(resolve(new ServerOptions(), env)).isEqualTo("from-config");
        Files.delete(tmp.resolve("home/.config/slipway/config.yaml"));
        assertThat(resolve(new ServerOptions(), env)).isEqualTo("from-keyring");
    }

    @Test
    void theKeyringEntryBeatsTheDefaultTokenFileAndATrailingSlashIsTheSameServer() throws IOException {
        token("home/.config/slipway/token", "from-default-file");
        keyring.store(SERVER, "from-keyring");

        var found = new ServerOptions().token(context(Map.of()), SERVER + "/", Optional.of(keyring));

        assertThat(found.secret()).isEqualTo("from-keyring");
        assertThat(found.source()).contains("the fake keyring");
    }

    @Test
    void withoutAKeyringEntryTheServersOwnTokenFileIsUsedAndNotAnotherServers() throws IOException {
        token("home/.config/slipway/tokens/https%3A%2F%2Fslipway.internal%3A7420", "for-internal");
        token("home/.config/slipway/tokens/https%3A%2F%2Fstaging.internal%3A7420", "for-staging");
        token("home/.config/slipway/token", "from-older-versions");

        assertThat(resolve(new ServerOptions(), Map.of())).isEqualTo("for-internal");
        assertThat(new ServerOptions()
                        .token(context(Map.of()), "https://staging.internal:7420/", Optional.of(keyring))
                        .secret())
                .isEqualTo("for-staging");
    }

    @Test
    void theSingleTokenFileOfOlderVersionsIsStillReadForAServerWithoutItsOwn() throws IOException {
        token("home/.config/slipway/token", "from-older-versions");

        var found = new ServerOptions().token(context(Map.of()), SERVER, Optional.of(keyring));

        assertThat(found.secret()).isEqualTo("from-older-versions");
        assertThat(found.source()).contains("the single token file of older versions");
    }

    @Test
    void aNamedFileThatIsMissingIsAnErrorEvenWhenTheKeyringHasAToken() {
        keyring.store(SERVER, "from-keyring");
        ServerOptions options = new ServerOptions();
        options.tokenFile = Path.of("missing");

        assertThatThrownBy(() -> resolve(options, Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--token-file " + tmp.resolve("missing"))
                .hasMessageContaining("no token file at this path");
    }

    @Test
    void whenNothingHoldsATokenTheErrorSaysWhereItLookedAndHowToLogIn() {
        keyring.broken = true;

        assertThatThrownBy(() -> resolve(new ServerOptions(), Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(tmp.resolve("home/.config/slipway/tokens/https%3A%2F%2Fslipway.internal%3A7420")
                        .toString())
                .hasMessageContaining("no token for " + SERVER)
                .hasMessageContaining("the keyring could not be read: the fake keyring failed: Cannot autolaunch")
                .hasMessageContaining("slipway login --server " + SERVER);
    }

    private String resolve(ServerOptions options, Map<String, String> env) {
        return options.token(context(env), SERVER, Optional.of(keyring)).secret();
    }

    private CliContext context(Map<String, String> env) {
        return new CliContext(
                env, tmp.resolve("home"), tmp, new ByteArrayInputStream(new byte[0]), false, Clock.systemUTC());
    }

    private void token(String name, String secret) throws IOException {
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}
