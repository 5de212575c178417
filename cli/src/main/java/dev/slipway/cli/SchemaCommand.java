package dev.slipway.cli;

import dev.slipway.core.spec.SpecSchema;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code slipway schema}: the JSON Schema editors use to check and complete slipway.yaml. */
@Command(
        name = "schema",
        mixinStandardHelpOptions = true,
        description = "Prints the JSON Schema of slipway.yaml (for editor completion and CI checks).",
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway schema > slipway.schema.json",
            "  # then, first line of slipway.yaml for the YAML language server:",
            "  # yaml-language-server: $schema=./slipway.schema.json"
        })
final class SchemaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        String text = SpecSchema.text();
        out.print(text.endsWith("\n") ? text : text + "\n");
        out.flush();
        return ExitCodes.OK;
    }
}
