package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.Problem;
import dev.slipway.server.chat.ChatReply;
import dev.slipway.server.chat.ChatUser;
import dev.slipway.server.chat.ChatopsSignature;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Chatops RPC (version 3) server at {@code /_chatops}, for Hubot's chatops-rpc client and others that speak it:
 * the listing names one method per command of Slipway's grammar with the regex the client matches messages with;
 * an invocation's params are put back into the command's words and run by {@link ChatCommands}, as Slack's are.
 * Every request, the listing too, must be signed by the client's key ({@link ChatopsSignature}).
 */
final class ChatopsRpc {
    static final String PATH = "/_chatops";
    private static final Logger LOG = LoggerFactory.getLogger(ChatopsRpc.class);

    /**
     * One method: its regex (named groups are its params) and the command's words, where {@code {name}} is a
     * param left out when the client did not send it.
     */
    private record Method(String help, String regex, List<String> words) {
        List<String> params() {
            List<String> names = new ArrayList<>();
            Matcher m = Pattern.compile("\\(\\?<([a-z]+)>").matcher(regex);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        }

        String text(JsonNode params) {
            List<String> out = new ArrayList<>();
            for (String w : words) {
                if (w.startsWith("{")) {
                    String value = params.path(w.substring(1, w.length() - 1)).asText("");
                    if (!value.isBlank()) {
                        out.add(value.strip());
                    }
                } else {
                    out.add(w);
                }
            }
            return String.join(" ", out);
        }
    }

    private static final Map<String, Method> METHODS = new LinkedHashMap<>();

    static {
        METHODS.put(
                "deploy",
                new Method(
                        "deploy APP [REF] to ENV - deploy a ref (default: the app's branch) to an environment",
                        "deploy (?<app>\\S+)(?: (?<ref>\\S+))? to (?<env>\\S+)",
                        List.of("deploy", "{app}", "{ref}", "to", "{env}")));
        METHODS.put(
                "lab",
                new Method(
                        "lab up APP BRANCH | lab list [APP] | lab down APP BRANCH | lab extend APP BRANCH [24h] - review labs",
                        "lab (?<action>up|list|down|extend)(?: (?<args>.+))?",
                        List.of("lab", "{action}", "{args}")));
        METHODS.put(
                "status",
                new Method(
                        "status APP ENV - the last deploy and the rollout of an environment",
                        "status (?<app>\\S+) (?<env>\\S+)",
                        List.of("status", "{app}", "{env}")));
        METHODS.put(
                "history",
                new Method(
                        "history APP ENV - an environment's last deploys",
                        "history (?<app>\\S+) (?<env>\\S+)",
                        List.of("history", "{app}", "{env}")));
        METHODS.put(
                "rollout",
                new Method(
                        "rollout status|pause|resume|promote|abort APP ENV [reason] - an environment's rollout",
                        "rollout (?<action>status|pause|resume|promote|abort) (?<app>\\S+) (?<env>\\S+)(?: (?<reason>.+))?",
                        List.of("rollout", "{action}", "{app}", "{env}", "{reason}")));
        METHODS.put(
                "freeze",
                new Method(
                        "freeze APP ENV [--for 2h | --until T] REASON | unfreeze APP ENV - deploy freezes",
                        "(?<verb>freeze|unfreeze) (?<app>\\S+) (?<env>\\S+)(?: (?<rest>.+))?",
                        List.of("{verb}", "{app}", "{env}", "{rest}")));
        METHODS.put(
                "kube",
                new Method(
                        "kube get|describe|logs|events|rollout-status ... - read-only kubectl in the app's namespaces",
                        "kube (?<verb>get|describe|logs|events|rollout-status)(?: (?<args>.+))?",
                        List.of("kube", "{verb}", "{args}")));
        METHODS.put(
                "link",
                new Method(
                        "link CODE - act as the Slipway token that asked for CODE (POST /api/chat/link-codes)",
                        "link (?<code>.+)",
                        List.of("link", "{code}")));
        METHODS.put("help", new Method("help - what Slipway understands", "help", List.of("help")));
    }

    private final ChatopsSignature signature;
    private final Supplier<String> baseUrl;
    private final ChatCommands commands;

    /** @param baseUrl the server's URL as the client sees it, which the client signs with the path */
    ChatopsRpc(ChatopsSignature signature, Supplier<String> baseUrl, ChatCommands commands) {
        this.signature = signature;
        this.baseUrl = baseUrl;
        this.commands = commands;
    }

    void listing(Context ctx) {
        verify(ctx, new byte[0]);
        ObjectNode methods = Views.JSON.createObjectNode();
        METHODS.forEach((name, m) -> {
            ObjectNode method = methods.putObject(name).put("help", m.help()).put("regex", m.regex());
            m.params().forEach(method.putArray("params")::add);
            method.put("path", name);
        });
        ObjectNode listing = Views.JSON
                .createObjectNode()
                .put("namespace", "slipway")
                .put("help", "Slipway: deploys, review labs and rollouts (docs/chat.md)")
                .put("error_response", "Slipway could not answer; its server log says why.")
                .put("version", 3);
        listing.set("methods", methods);
        Api.json(ctx, 200, listing);
    }

    void invoke(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        verify(ctx, body);
        Method method = METHODS.get(ctx.pathParam("method"));
        if (method == null) {
            Api.json(ctx, 404, error("no chatops method '" + Inputs.echo(ctx.pathParam("method")) + "'"));
            return;
        }
        JsonNode call;
        try {
            call = Views.JSON.readTree(body);
        } catch (IOException e) {
            Api.json(ctx, 400, error("the invocation is not JSON"));
            return;
        }
        String user = call.path("user").asText("");
        if (user.isBlank()) {
            Api.json(ctx, 400, error("the invocation names no user"));
            return;
        }
        String room = call.path("room_id").asText("unknown");
        ChatReply reply = commands.run(new ChatUser("chatops", user, user, room), method.text(call.path("params")));
        Api.json(ctx, 200, Views.JSON.createObjectNode().put("result", reply.trimmed(baseUrl.get())));
    }

    private void verify(Context ctx, byte[] body) {
        String url = baseUrl.get() + ctx.path();
        Optional<String> refused = signature.refusal(
                url,
                ctx.header("Chatops-Nonce"),
                ctx.header("Chatops-Timestamp"),
                ctx.header("Chatops-Signature"),
                body,
                Instant.now());
        if (refused.isPresent()) {
            LOG.warn("refused a chatops request from {}: {}", ctx.ip(), refused.get());
            throw new ApiException(
                    401,
                    "Not signed by the chatops client",
                    List.of(new Problem(
                            "Chatops-Signature",
                            refused.get(),
                            "configure the client's public key with --chatops-public-key-file, and --chatops-base-url"
                                    + " as the client sees the server")));
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode error = Views.JSON.createObjectNode();
        error.putObject("error").put("message", message);
        return error;
    }
}
