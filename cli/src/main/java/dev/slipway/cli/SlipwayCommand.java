package dev.slipway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The top-level {@code slipway} command; each capability is a subcommand of its own. A run builds the picocli model
 * of the command it runs only: reflecting over every command's options took most of a short command's start-up.
 */
@Command(
        name = "slipway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Deploys apps to Kubernetes cluster groups, routes their traffic, and runs them locally.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway init my-app",
            "  slipway plan examples/acme-web --env production --clusters examples/clusters.yaml",
            "  slipway deploy examples/acme-web --env production --ref $(git rev-parse --short HEAD)",
            "",
            "Exit codes: 0 success, 1 user error (invalid input, failed rollout), 2 usage error."
        })
public final class SlipwayCommand implements Runnable {

    /** The subcommands, in the order help lists them; {@code help} comes last. */
    private static final List<Class<?>> COMMANDS = List.of(
            InitCommand.class,
            ValidateCommand.class,
            RenderCommand.class,
            PlanCommand.class,
            DeployCommand.class,
            StatusCommand.class,
            HistoryCommand.class,
            FreezeCommand.class,
            UnfreezeCommand.class,
            FreezeWindowsCommand.class,
            RollbackCommand.class,
            RolloutCommand.class,
            SecretCommand.class,
            SchemaCommand.class,
            CompletionCommand.class,
            RouterCommand.class,
            TrafficCommand.class,
            UpCommand.class,
            DownCommand.class,
            PsCommand.class,
            LogsCommand.class,
            ServerCommand.class,
            LoginCommand.class,
            AppCommand.class,
            LabCommand.class);

    /** Commands that read the whole tree: completion scripts and help for another command. */
    private static final Set<Class<?>> NEED_ALL = Set.of(CompletionCommand.class, CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CliContext context;

    SlipwayCommand(CliContext context) {
        this.context = context;
    }

    CliContext context() {
        return context;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The configured command line for the real process. */
    public static CommandLine commandLine() {
        return commandLine(CliContext.ofProcess());
    }

    /** The configured command line with every command: exit codes per the README (1 user error, 2 usage error). */
    public static CommandLine commandLine(CliContext context) {
        return configure(context, COMMANDS);
    }

    /**
     * The configured command line for running {@code args}: with only the command they name (and its subcommands),
     * without any for {@code --version} alone, and with all of them otherwise (help, completion, a mistyped name,
     * which picocli answers with the nearest names).
     */
    static CommandLine forArguments(CliContext context, String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return configure(context, List.of());
        }
        if (args.length == 0) {
            return commandLine(context);
        }
        return COMMANDS.stream()
                .filter(c -> !NEED_ALL.contains(c) && names(c).contains(args[0]))
                .findFirst()
                .map(c -> configure(context, List.of(c)))
                .orElseGet(() -> commandLine(context));
    }

    private static List<String> names(Class<?> command) {
        Command annotation = command.getAnnotation(Command.class);
        List<String> names = new ArrayList<>(List.of(annotation.aliases()));
        names.add(annotation.name());
        return names;
    }

    private static CommandLine configure(CliContext context, List<Class<?>> commands) {
        CommandLine cl = new CommandLine(new SlipwayCommand(context));
        commands.forEach(cl::addSubcommand);
        if (commands.size() == COMMANDS.size()) {
            cl.addSubcommand(new CommandLine.HelpCommand());
        }
        // After the subcommands are added: picocli passes these settings down to the commands present.
        cl.setExitCodeExceptionMapper(ExitCodes::forException);
        cl.setExecutionExceptionHandler(ExitCodes::handleExecutionException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Examples in help are whole command lines; 100 columns keeps them on one line.
        cl.setUsageHelpWidth(100);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }
}
