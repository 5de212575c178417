package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.store.CiState;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's {@code status} and {@code check_suite} webhook deliveries: the HMAC-SHA256 signature GitHub sends in
 * {@code X-Hub-Signature-256}, and the commit status each payload amounts to. Links other than http(s) are dropped
 * (the status still counts).
 */
final class GithubWebhooks {

    private GithubWebhooks() {}

    /**
     * A commit status read from a webhook payload, with when GitHub says it was set and its order among statuses set
     * in the same second (the status id; 0 for check suites).
     */
    record Reported(
            String repo,
            String sha,
            String context,
            CiState state,
            Optional<String> targetUrl,
            Optional<String> description,
            Instant setAt,
            long order) {}

    /** Whether {@code signatureHeader} is {@code sha256=<hex HMAC of body under secret>}, compared in constant time. */
    static boolean signatureValid(String secret, byte[] body, String signatureHeader) {
        if (signatureHeader == null || !signatureHeader.startsWith("sha256=")) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signatureHeader.substring("sha256=".length()));
        } catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(hmac(secret, body), given);
    }

    static byte[] hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /** The status a {@code status} event reports; empty if the payload lacks what a status needs. */
    static Optional<Reported> fromStatusEvent(JsonNode payload) {
        String sha = payload.path("sha").asText("");
        String context = payload.path("context").asText("");
        Optional<CiState> state = CiState.parse(payload.path("state").asText(""));
        String repo = payload.path("repository").path("full_name").asText("");
        Optional<Instant> setAt = time(payload);
        if (sha.isEmpty() || context.isEmpty() || state.isEmpty() || repo.isEmpty() || setAt.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Reported(
                repo,
                sha,
                context,
                state.get(),
                text(payload, "target_url").filter(Inputs::webUrl),
                text(payload, "description"),
                setAt.get(),
                payload.path("id").canConvertToLong() ? payload.path("id").asLong() : 0));
    }

    /**
     * The status a {@code check_suite} event amounts to: pending until completed, then success for a successful,
     * neutral or skipped conclusion and failure for anything else.
     */
    static Optional<Reported> fromCheckSuiteEvent(JsonNode payload) {
        JsonNode suite = payload.path("check_suite");
        String sha = suite.path("head_sha").asText("");
        String repo = payload.path("repository").path("full_name").asText("");
        Optional<Instant> setAt = time(suite);
        if (sha.isEmpty() || repo.isEmpty() || setAt.isEmpty()) {
            return Optional.empty();
        }
        String app = suite.path("app").path("slug").asText("checks");
        CiState state;
        if (!"completed".equals(suite.path("status").asText())) {
            state = CiState.PENDING;
        } else {
            state = switch (suite.path("conclusion").asText("")) {
                case "success", "neutral", "skipped" -> CiState.SUCCESS;
                default -> CiState.FAILURE;
            };
        }
        String htmlUrl = payload.path("repository").path("html_url").asText("");
        Optional<String> link = htmlUrl.isEmpty()
                ? Optional.empty()
                : Optional.of(htmlUrl + "/commit/" + sha + "/checks").filter(Inputs::webUrl);
        Optional<String> conclusion = text(suite, "conclusion");
        return Optional.of(new Reported(repo, sha, "check_suite/" + app, state, link, conclusion, setAt.get(), 0));
    }

    /** When the status or suite was last set: its {@code updated_at}, else its {@code created_at}. */
    private static Optional<Instant> time(JsonNode node) {
        Optional<String> text = text(node, "updated_at").or(() -> text(node, "created_at"));
        try {
            return text.map(t -> OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isEmpty() ? Optional.of(value.asText()) : Optional.empty();
    }
}
