package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.local.LocalState;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code slipway traffic}: moves a local app's routes between the running revision and the one started with
 * {@code slipway up --next}, through the running router's admin API, so the stages are the router's own.
 */
@Command(
        name = "traffic",
        mixinStandardHelpOptions = true,
        description = {
            "Moves the routes of an app run by slipway up to the next revision started with slipway up --next"
                    + " (the router's staged migration): optin (only requests with cookie slipway-optin=* or"
                    + " header X-Slipway-Optin: *), rps=N, percent=N (sticky per client), full, rollback."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway up examples/predict --detach",
            "  slipway up --next --manual examples/predict      # in another terminal",
            "  slipway traffic predict --stage percent=10",
            "  slipway traffic predict --stage rollback"
        })
final class TrafficCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APP", description = "App name, as slipway ps lists it.")
    String app;

    @Option(
            names = "--stage",
            required = true,
            paramLabel = "STAGE",
            description = "optin | rps=N | percent=N | full | rollback")
    String stageText;

    @Override
    public Integer call() {
        Stage stage = Stage.parse(stageText)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "--stage",
                        "'" + stageText + "' is not a migration stage",
                        "use optin, rps=N, percent=N (0-100), full or rollback")));
        LocalState state = root.context().localState();
        PrintWriter out = spec.commandLine().getOut();
        state.read(app)
                .orElseThrow(() ->
                        new UserFacingException("app '" + app + "' does not run locally; slipway ps lists what does"));
        String admin = admin(state);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        List<String> routes = new ArrayList<>();
        for (JsonNode r : tree(send(http, get(admin, "/config"))).path("routes")) {
            if (r.has("migration")) {
                routes.add(r.path("name").asText());
            }
        }
        if (routes.isEmpty()) {
            throw new UserFacingException("no next revision of '" + app
                    + "' is routed yet; start one with slipway up --next DIR and wait until it is ready");
        }
        for (String route : routes) {
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://" + admin + "/routes/" + route + "/stage"))
                    .timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.ofString(stage.describe()))
                    .build();
            JsonNode answer = tree(send(http, post));
            out.println("route " + route + ": stage " + answer.path("stage").asText());
        }
        return ExitCodes.OK;
    }

    private JsonNode tree(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UserFacingException("the router of '" + app + "' answered something that is not JSON: " + e);
        }
    }

    private String admin(LocalState state) {
        Path file = state.adminFile(app);
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UserFacingException("slipway up of '" + app + "' recorded no router admin address in " + file
                    + "; restart it with slipway down " + app + " and slipway up");
        }
    }

    private static HttpRequest get(String admin, String path) {
        return HttpRequest.newBuilder(URI.create("http://" + admin + path))
                .timeout(Duration.ofSeconds(5))
                .build();
    }

    private String send(HttpClient http, HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new UserFacingException(
                        "the router of '" + app + "' refused " + request.uri().getPath() + " (HTTP " + r.statusCode()
                                + "): " + r.body().trim());
            }
            return r.body();
        } catch (IOException e) {
            throw new UserFacingException(
                    "cannot reach the router of '" + app + "' at "
                            + request.uri().getAuthority() + ": " + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserFacingException("interrupted while talking to the router of '" + app + "'");
        }
    }
}
