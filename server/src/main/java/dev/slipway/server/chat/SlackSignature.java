package dev.slipway.server.chat;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack's request signing, version 0, as its public documentation describes it: the header {@code
 * X-Slack-Signature} is {@code v0=} and the hex HMAC-SHA256, keyed with the app's signing secret, of {@code
 * v0:TIMESTAMP:BODY}, where TIMESTAMP is the header {@code X-Slack-Request-Timestamp} (Unix seconds) and BODY
 * the raw request body. A request more than {@link #WINDOW} from now is refused as a replay.
 */
public final class SlackSignature {
    /** How far a request's timestamp may be from now. */
    public static final Duration WINDOW = Duration.ofMinutes(5);

    private final byte[] secret;

    public SlackSignature(String signingSecret) {
        this.secret = signingSecret.getBytes(StandardCharsets.UTF_8);
    }

    /** Why the request is refused, or empty when it is signed by the secret and recent. */
    public Optional<String> refusal(String timestamp, String signature, byte[] body, Instant now) {
        if (timestamp == null || signature == null) {
            return Optional.of("the request is not signed (no X-Slack-Request-Timestamp or X-Slack-Signature)");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            return Optional.of("X-Slack-Request-Timestamp is not a Unix time");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > WINDOW.toSeconds()) {
            return Optional.of("the request's timestamp is more than 5 minutes from now (a replay, or a clock off)");
        }
        byte[] expected = ("v0=" + sign(timestamp.strip(), body)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.strip().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("the signature does not match the signing secret");
        }
        return Optional.empty();
    }

    /** The hex signature of {@code body} sent at {@code timestamp} (what a test's Slack puts after {@code v0=}). */
    public String sign(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
