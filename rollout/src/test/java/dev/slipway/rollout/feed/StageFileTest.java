package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.router.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageFileTest {
    @TempDir
    Path state;

    @Test
    void aMissingFileIsAllOff() {
        assertThat(StageFile.read(state.resolve("nothing.json"))).isEqualTo(Stages.none());
    }

    @Test
    void stagesTheControllerSetsReadBackPerClusterInAPrivateFile() throws Exception {
        StageFileTraffic traffic = StageFileTraffic.under(state);
        RolloutKey key = new RolloutKey("shop", "production");
        traffic.setStage(key, "east-1", Stage.percent(10));
        traffic.setStage(key, "west-1", Stage.off());

        Path file = StageFile.defaultPath(state, "shop", "production");
        assertThat(file).isEqualTo(state.resolve("rollouts/shop/production.stages.json"));
        Stages read = StageFile.read(file);
        assertThat(read.stage("web", "east-1")).isEqualTo(Stage.percent(10));
        assertThat(read.stage("api", "west-1")).isEqualTo(Stage.off());
        assertThat(Files.readString(file)).contains("\"east-1\":\"percent 10\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void aFileThatIsNotStagesSaysWhatIsWrong() throws Exception {
        Path file = state.resolve("bad.json");
        Files.writeString(file, "{\"format\":1,\"stages\":{\"*\":{\"east-1\":\"percent 120\"}}}");
        assertThatThrownBy(() -> StageFile.read(file))
                .hasMessageContaining("stage 'percent 120' of * in east-1 is not one of: off");
        Files.writeString(file, "not json");
        assertThatThrownBy(() -> StageFile.read(file)).hasMessageContaining("is not JSON");
    }
}
