package dev.slipway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys and tokens are owner-only from their first byte, and a shared one is refused with the fix. */
class OwnerOnlyFilesTest {

    @TempDir
    Path tmp;

    @Test
    void filesAreCreatedAndReplacedWithMode0600() throws Exception {
        Path created = OwnerOnlyFiles.createFile(tmp.resolve("token"));
        Path written = tmp.resolve("sub/key");
        OwnerOnlyFiles.write(written, "one".getBytes(StandardCharsets.UTF_8));
        OwnerOnlyFiles.write(written, "two".getBytes(StandardCharsets.UTF_8));

        assertThat(mode(created)).isEqualTo("rw-------");
        assertThat(mode(written)).isEqualTo("rw-------");
        assertThat(written).hasContent("two");
        try (var left = Files.list(written.getParent())) {
            assertThat(left).as("no temporary file left behind").containsExactly(written);
        }
    }

    @Test
    void aFileOthersCanReadIsRefusedNamingItAndTheChmodToRun() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "t");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));

        assertThatThrownBy(() -> OwnerOnlyFiles.requirePrivate(token, "API token"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(token.toString())
                .hasMessageContaining("the API token file can be read or written by other users")
                .hasMessageContaining("rw-r-----")
                .hasMessageContaining("run `chmod 600 " + token + "`");

        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        OwnerOnlyFiles.requirePrivate(token, "API token");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("r--------"));
        OwnerOnlyFiles.requirePrivate(token, "API token");
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
