package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.LocalState;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code slipway ps}: what {@code slipway up} runs on this machine. A command of its own because
 * {@code slipway status} reads clusters and needs an app and environment.
 */
@Command(
        name = "ps",
        mixinStandardHelpOptions = true,
        description = "Lists the apps slipway up runs on this machine, then each one's next revision (slipway up"
                + " --next) and labs (slipway lab up), with every replica's state, port and restarts.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway ps"})
final class PsCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LocalState state = root.context().localState();
        List<LocalState.Running> running = state.all();
        if (running.isEmpty()) {
            out.println("nothing runs locally; start an app with slipway up DIR");
            return ExitCodes.OK;
        }
        Instant now = root.context().clock().instant();
        for (LocalState.Running r : running) {
            out.println(r.app() + "  " + r.url() + "  pid " + r.pid() + "  " + r.phase() + "  (" + r.directory() + ")");
            out.println(table(r.replicas()));
            state.readNext(r.app()).ifPresent(n -> {
                out.println(r.app() + " next revision (slipway up --next)  pid " + n.pid() + "  " + n.phase() + "  ("
                        + n.directory() + "); move traffic with slipway traffic " + r.app());
                out.println(table(n.replicas()));
            });
            for (LocalState.Lab lab : state.labs(r.app())) {
                out.println(r.app() + " lab " + lab.slug() + "  " + lab.url() + "  branch " + lab.branch() + "  "
                        + lab.ref() + "  " + lab.phase() + "  expires in " + LocalLabs.in(lab.expiresAt(), now)
                        + "  (" + lab.directory() + ")");
                out.println(table(lab.replicas()));
            }
        }
        return ExitCodes.OK;
    }

    private static String table(JsonNode replicas) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERVICE", "CLUSTER", "REPLICA", "REV", "STATE", "PORT", "RESTARTS", "PROBLEM"});
        for (JsonNode n : replicas) {
            rows.add(new String[] {
                n.path("service").asText(),
                n.path("cluster").asText(),
                n.path("replica").asText(),
                n.path("rev").asText(),
                n.path("phase").asText(),
                n.path("port").asText(),
                n.path("restarts").asText(),
                n.path("problem").asText()
            });
        }
        return StatusTable.columns(rows);
    }
}
