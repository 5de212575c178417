package dev.slipway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slipway finds its directories where kubectl, helm and git would look: the environment first, never user.home. */
class SlipwayPathsTest {

    @TempDir
    Path tmp;

    final Path passwdHome = Path.of("/home/from-passwd");

    @Test
    void homeComesFromTheEnvironmentNotThePasswdEntry() {
        Path home = tmp.resolve("alice");

        SlipwayPaths paths = SlipwayPaths.of(Map.of("HOME", home.toString()), passwdHome);

        assertThat(paths.home()).isEqualTo(home);
        assertThat(paths.state()).isEqualTo(home.resolve(".local/state/slipway"));
        assertThat(paths.config()).isEqualTo(home.resolve(".config/slipway"));
        assertThat(paths.cache()).isEqualTo(home.resolve(".cache/slipway"));
        assertThat(paths.clustersFile()).isEqualTo(home.resolve(".config/slipway/clusters.yaml"));
        assertThat(paths.legacyState()).isEmpty();
    }

    @Test
    void xdgDirectoriesWinOverHomeAndRelativeOnesAreIgnoredAsTheSpecSays() {
        Path home = tmp.resolve("alice");

        SlipwayPaths paths = SlipwayPaths.of(
                Map.of(
                        "HOME", home.toString(),
                        "XDG_STATE_HOME", "/var/lib/alice",
                        "XDG_CONFIG_HOME", "/etc/alice",
                        "XDG_CACHE_HOME", "relative/cache"),
                passwdHome);

        assertThat(paths.state()).isEqualTo(Path.of("/var/lib/alice/slipway"));
        assertThat(paths.config()).isEqualTo(Path.of("/etc/alice/slipway"));
        assertThat(paths.cache()).isEqualTo(home.resolve(".cache/slipway"));
    }

    @Test
    void slipwayHomeHoldsAllThreeAndStateDirOverridesTheStateAlone() {
        Map<String, String> env = Map.of(
                "HOME", tmp.resolve("alice").toString(),
                "XDG_CONFIG_HOME", "/etc/alice",
                "SLIPWAY_HOME", tmp.resolve("sw").toString());

        SlipwayPaths paths = SlipwayPaths.of(env, passwdHome);
        assertThat(paths.state()).isEqualTo(tmp.resolve("sw/state"));
        assertThat(paths.config()).isEqualTo(tmp.resolve("sw/config"));
        assertThat(paths.cache()).isEqualTo(tmp.resolve("sw/cache"));

        SlipwayPaths stateOnly =
                SlipwayPaths.of(Map.of("HOME", "/h", "SLIPWAY_STATE_DIR", "run/state"), passwdHome, tmp);
        assertThat(stateOnly.state()).as("relative to the working directory").isEqualTo(tmp.resolve("run/state"));
        assertThat(stateOnly.config()).isEqualTo(Path.of("/h/.config/slipway"));
    }

    @Test
    void withoutHomeThePasswdEntryIsTheFallbackAndWithoutEitherTheUserIsToldWhatToSet() {
        assertThat(SlipwayPaths.of(Map.of("HOME", " "), passwdHome).state())
                .isEqualTo(passwdHome.resolve(".local/state/slipway"));

        assertThatThrownBy(() -> SlipwayPaths.of(Map.of(), Path.of("?")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("HOME is not set")
                .hasMessageContaining("set HOME to a directory this user owns");
    }

    @Test
    void anExistingLegacyDirectoryStaysInUseUntilMovedAndTheMoveIsExplainedOnce() throws Exception {
        Path home = tmp.resolve("alice");
        Path legacy = Files.createDirectories(home.resolve(".slipway"));
        Files.writeString(legacy.resolve("admin-token"), "t");
        Map<String, String> env = Map.of("HOME", home.toString());

        SlipwayPaths paths = SlipwayPaths.of(env, passwdHome);

        assertThat(paths.state()).isEqualTo(legacy);
        assertThat(paths.legacyNoticeOnce())
                .hasValueSatisfying(n -> assertThat(n)
                        .contains(legacy.toString())
                        .contains("mkdir -p " + home.resolve(".local/state") + " && mv " + legacy + " "
                                + home.resolve(".local/state/slipway")));
        assertThat(SlipwayPaths.of(env, passwdHome).legacyNoticeOnce())
                .as("said once")
                .isEmpty();

        // After the move the new directory is used, even though the old one would still be found.
        Files.createDirectories(home.resolve(".local/state"));
        Files.move(legacy, home.resolve(".local/state/slipway"));
        Files.createDirectories(legacy);
        SlipwayPaths moved = SlipwayPaths.of(env, passwdHome);
        assertThat(moved.state()).isEqualTo(home.resolve(".local/state/slipway"));
        assertThat(moved.legacyState()).isEmpty();
        assertThat(moved.state().resolve("admin-token")).hasContent("t");
    }

    @Test
    void anExplicitStateDirectoryIgnoresTheLegacyOne() throws Exception {
        Path home = tmp.resolve("alice");
        Files.createDirectories(home.resolve(".slipway"));

        SlipwayPaths paths = SlipwayPaths.of(
                Map.of(
                        "HOME",
                        home.toString(),
                        "SLIPWAY_HOME",
                        tmp.resolve("sw").toString()),
                null);

        assertThat(paths.state()).isEqualTo(tmp.resolve("sw/state"));
        assertThat(paths.legacyState()).isEmpty();
    }

    @Test
    void theStateDirectoryIsCreatedOwnerOnlyAndAWiderExistingOneIsNarrowed() throws Exception {
        SlipwayPaths paths = SlipwayPaths.of(Map.of("HOME", tmp.resolve("alice").toString()), null);

        Path state = paths.createState();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
                .isEqualTo("rwx------");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        paths.createState();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
                .isEqualTo("rwx------");
    }
}
