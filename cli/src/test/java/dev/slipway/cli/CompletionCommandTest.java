package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompletionCommandTest {
    @TempDir
    Path tmp;

    @Test
    void bashCompletionKnowsTheSubcommands() {
        var result = new CliRun(tmp, tmp).run("completion", "bash");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("complete -F").contains("secret");
    }

    @Test
    void zshCompletionLoadsBashCompatibility() {
        var result = new CliRun(tmp, tmp).run("completion", "zsh");

        assertThat(result.out()).startsWith("autoload -U +X compinit");
    }

    @Test
    void versionComesFromTheBuild() {
        var result = new CliRun(tmp, tmp).run("--version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("slipway ");
    }
}
