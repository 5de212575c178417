package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routers file of {@code slipway rollout run}: admin URLs, and tokens only from private files. */
class RoutersFileTest {
    @TempDir
    Path dir;

    @Test
    void routersWithTokensReadFromPrivateFilesBesideTheFile() throws Exception {
        OwnerOnlyFiles.write(dir.resolve("token"), "s3cret-s3cret-s3cret\n".getBytes(StandardCharsets.UTF_8));
        Path file = Files.writeString(dir.resolve("routers.yaml"), """
                routers:
                  - {admin: http://10.0.0.5:9901, tokenFile: token}
                  - admin: http://10.0.0.6:9901
                """);

        List<RoutersFile.RouterAdmin> routers = RoutersFile.read(file);

        assertThat(routers)
                .containsExactly(
                        new RoutersFile.RouterAdmin(
                                URI.create("http://10.0.0.5:9901"), Optional.of("s3cret-s3cret-s3cret")),
                        new RoutersFile.RouterAdmin(URI.create("http://10.0.0.6:9901"), Optional.empty()));
        // what progress lines show of a router: never its token
        assertThat(routers.toString()).doesNotContain("s3cret");
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedWithTheFix() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "s3cret-s3cret-s3cret\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        Path file = Files.writeString(
                dir.resolve("routers.yaml"), "routers: [{admin: 'http://127.0.0.1:9901', tokenFile: token}]\n");

        assertThatThrownBy(() -> RoutersFile.read(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("can be read or written by other users")
                .hasMessageContaining("chmod 600");
    }

    @Test
    void badEntriesSayWhichAndWhatToWrite() throws Exception {
        Path file = Files.writeString(dir.resolve("routers.yaml"), "routers: [{admin: '127.0.0.1:9901'}]\n");
        assertThatThrownBy(() -> RoutersFile.read(file))
                .hasMessageContaining("routers[0].admin '127.0.0.1:9901' is not an http(s) URL")
                .hasMessageContaining("http://127.0.0.1:9901");

        Path empty = Files.writeString(dir.resolve("empty.yaml"), "{}\n");
        assertThatThrownBy(() -> RoutersFile.read(empty)).hasMessageContaining("the file needs a list `routers:`");
        assertThatThrownBy(() -> RoutersFile.read(dir.resolve("missing.yaml")))
                .hasMessageContaining("the routers file does not exist");
    }
}
