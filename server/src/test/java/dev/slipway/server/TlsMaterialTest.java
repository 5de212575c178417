package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated CA's key signs what clients trust: it is owner-only, and refused when it is not. */
class TlsMaterialTest {

    @TempDir
    Path state;

    @Test
    void theGeneratedCaKeyAndItsPasswordAreOwnerOnly() throws Exception {
        TlsMaterial.selfSigned(state, List.of("localhost"), Clock.systemUTC());

        assertThat(mode(state.resolve("tls"))).isEqualTo("rwx------");
        assertThat(mode(state.resolve("tls/ca.p12"))).isEqualTo("rw-------");
        assertThat(mode(state.resolve("tls/ca.password"))).isEqualTo("rw-------");
        try (var files = Files.list(state.resolve("tls"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("no temporary files left")
                    .containsExactlyInAnyOrder("ca.p12", "ca.password", TlsMaterial.CA_PEM);
        }
    }

    @Test
    void aCaKeyOtherUsersCanReadIsRefusedWithTheChmodToRun() throws Exception {
        TlsMaterial.selfSigned(state, List.of("localhost"), Clock.systemUTC());
        Path key = state.resolve("tls/ca.p12");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> TlsMaterial.selfSigned(state, List.of("localhost"), Clock.systemUTC()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(key.toString())
                .hasMessageContaining("run `chmod 600 " + key + "`");
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
