package dev.slipway.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code slipway completion}: shell completion generated from the command tree, so it never drifts. */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = "Prints a shell completion script for bash or zsh.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  source <(slipway completion bash)              # current bash session",
            "  slipway completion bash > /etc/bash_completion.d/slipway",
            "  slipway completion zsh > \"${fpath[1]}/_slipway\"  # then restart zsh"
        })
final class CompletionCommand implements Callable<Integer> {
    /** Shells the generated script supports. */
    enum Shell {
        bash,
        zsh
    }

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "SHELL",
            defaultValue = "bash",
            description = "bash or zsh (default: ${DEFAULT-VALUE}).")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("slipway", spec.root().commandLine());
        var out = spec.commandLine().getOut();
        if (shell == Shell.zsh) {
            // The generated script is bash completion; zsh runs it through bashcompinit.
            out.println("autoload -U +X compinit && compinit");
            out.println("autoload -U +X bashcompinit && bashcompinit");
        }
        out.print(script);
        out.flush();
        return ExitCodes.OK;
    }
}
