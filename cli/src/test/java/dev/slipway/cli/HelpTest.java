package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class HelpTest {
    @TempDir
    Path tmp;

    /** Every registered command and subcommand, so a new command cannot skip its help. */
    static Stream<String> commands() {
        List<String> names = new java.util.ArrayList<>();
        collect(SlipwayCommand.commandLine(), "", names);
        return names.stream();
    }

    private static void collect(CommandLine parent, String prefix, List<String> names) {
        parent.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help") || !sub.getCommandName().equals(name)) {
                return; // picocli's own help command; aliases are the same command
            }
            names.add(prefix + name);
            collect(sub, prefix + name + " ", names);
        });
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandExplainsItselfWithExamples(String command) {
        List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
        args.add("--help");

        var result = new CliRun(tmp, tmp).run(args.toArray(String[]::new));

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: slipway " + command).contains("Examples:\n");
        assertThat(result.out().substring(result.out().indexOf("Examples:"))).contains("slipway " + command);
    }

    /**
     * picocli reports a broken help text (an unescaped {@code %} in a format string) as a "[picocli WARN]" line
     * on System.err, outside the command's own writers, and then prints the raw text: capture both.
     */
    @ParameterizedTest
    @MethodSource("commands")
    void helpPrintsNoWarning(String command) {
        List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
        args.add("--help");
        PrintStream originalErr = System.err;
        ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
        CliRun.Result result;
        System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
        try {
            result = new CliRun(tmp, tmp).run(args.toArray(String[]::new));
        } finally {
            System.setErr(originalErr);
        }

        assertThat(systemErr.toString(StandardCharsets.UTF_8)).doesNotContain("WARN");
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).doesNotContain("WARN").doesNotContain("%n");
    }
}
