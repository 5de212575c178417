package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelpTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "init",
                "validate",
                "render",
                "plan",
                "deploy",
                "status",
                "history",
                "rollback",
                "secret",
                "secret set",
                "secret list",
                "secret rm",
                "schema",
                "completion",
                "traffic"
            })
    void everyCommandExplainsItselfWithExamples(String command) {
        List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
        args.add("--help");

        var result = new CliRun(tmp, tmp).run(args.toArray(String[]::new));

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: slipway " + command).contains("Examples:\n");
        assertThat(result.out().substring(result.out().indexOf("Examples:"))).contains("slipway " + command);
    }
}
