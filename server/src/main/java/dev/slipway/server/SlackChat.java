package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.server.chat.ChatReply;
import dev.slipway.server.chat.ChatUser;
import dev.slipway.server.chat.SlackSignature;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.Store;
import io.javalin.http.Context;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slack's slash command ({@code /slipway ...}) at {@code POST /chat/slack/commands}: every request is checked
 * against the app's signing secret (v0 signatures, a 5-minute window) before anything is read from it, answered
 * at once (Slack waits 3 seconds) with what {@link ChatCommands} says, and a deploy it queued is reported to the
 * command's {@code response_url} when it ends.
 */
final class SlackChat {
    static final String PATH = "/chat/slack/commands";
    private static final Logger LOG = LoggerFactory.getLogger(SlackChat.class);
    /** How often a queued deploy's state is looked at for its follow-up. */
    private static final Duration FOLLOW_EVERY = Duration.ofSeconds(2);
    /** Slack accepts follow-ups to a response_url for 30 minutes. */
    private static final Duration FOLLOW_AT_MOST = Duration.ofMinutes(30);

    private final SlackSignature signature;
    private final String responseUrlPrefix;
    private final ChatCommands commands;
    private final Store store;
    private final ScheduledExecutorService background;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    SlackChat(
            String signingSecret,
            String responseUrlPrefix,
            ChatCommands commands,
            Store store,
            ScheduledExecutorService background,
            Clock clock) {
        this.signature = new SlackSignature(signingSecret);
        this.responseUrlPrefix = responseUrlPrefix;
        this.commands = commands;
        this.store = store;
        this.background = background;
        this.clock = clock;
    }

    void handle(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        // Slack's own clock, not the server's test clock, decides what a replay is: the wall clock.
        Optional<String> refused = signature.refusal(
                ctx.header("X-Slack-Request-Timestamp"), ctx.header("X-Slack-Signature"), body, Instant.now());
        if (refused.isPresent()) {
            LOG.warn("refused a Slack command from {}: {}", ctx.ip(), refused.get());
            throw new ApiException(
                    401,
                    "Not signed by Slack",
                    java.util.List.of(new dev.slipway.core.Problem(
                            "X-Slack-Signature",
                            refused.get(),
                            "configure the Slack app's signing secret with --slack-signing-secret-file")));
        }
        Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
        if ("1".equals(form.get("ssl_check"))) {
            // Slack checking the certificate of the request URL: nothing to run.
            ctx.status(200);
            return;
        }
        ChatUser user = new ChatUser(
                "slack",
                form.getOrDefault("team_id", "") + "/" + form.getOrDefault("user_id", ""),
                form.getOrDefault("user_name", "someone"),
                form.getOrDefault("channel_name", form.getOrDefault("channel_id", "unknown")));
        if (form.getOrDefault("user_id", "").isEmpty()) {
            throw ApiException.badRequest("user_id", "the command names no user", "send Slack's slash command as is");
        }
        ChatReply reply = commands.run(user, form.getOrDefault("text", ""));
        String more = form.getOrDefault("response_url", "");
        reply.followDeploy().ifPresent(id -> follow(id, more));
        ObjectNode answer = Views.JSON
                .createObjectNode()
                .put("response_type", reply.inChannel() ? "in_channel" : "ephemeral")
                .put("text", reply.trimmed("the console"));
        Api.json(ctx, 200, answer);
    }

    /** Posts the deploy's outcome to {@code responseUrl} once it has one, if the URL is Slack's. */
    private void follow(long deployId, String responseUrl) {
        if (!responseUrl.startsWith(responseUrlPrefix)) {
            LOG.warn("deploy {}: no follow-up, response_url is not under {}", deployId, responseUrlPrefix);
            return;
        }
        Instant giveUp = clock.instant().plus(FOLLOW_AT_MOST);
        AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        task.set(background.scheduleWithFixedDelay(
                () -> {
                    try {
                        Optional<DeployRecord> d = store.deploys().find(deployId);
                        boolean over = d.isEmpty() || d.get().state().isTerminal();
                        if (over) {
                            d.ifPresent(done -> post(responseUrl, done));
                        }
                        if (over || clock.instant().isAfter(giveUp)) {
                            task.get().cancel(false);
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("deploy {}: follow-up not sent: {}", deployId, e.toString());
                        task.get().cancel(false);
                    }
                },
                FOLLOW_EVERY.toMillis(),
                FOLLOW_EVERY.toMillis(),
                TimeUnit.MILLISECONDS));
    }

    private void post(String responseUrl, DeployRecord d) {
        String text = "Deploy " + d.id() + " of " + d.app() + " to " + d.environment() + " "
                + d.state().name().toLowerCase(Locale.ROOT)
                + d.message().map(m -> ": " + m).orElse("");
        ObjectNode body = Views.JSON
                .createObjectNode()
                .put("response_type", "in_channel")
                .put("replace_original", false)
                .put("text", new ChatReply(text, true, Optional.empty()).trimmed("/deploys/" + d.id()));
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create(responseUrl))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() >= 300) {
                LOG.warn("deploy {}: Slack answered the follow-up with {}", d.id(), r.statusCode());
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            LOG.warn("deploy {}: follow-up not sent: {}", d.id(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            try {
                form.putIfAbsent(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException malformed) {
                // a malformed pair is left out; what is missing is refused or answered with help
            }
        }
        return form;
    }
}
