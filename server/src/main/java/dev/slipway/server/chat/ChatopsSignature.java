package dev.slipway.server.chat;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chatops RPC (version 3) request signing, as the protocol's public description has it: the client signs, with
 * RS256 and its private key, the full URL, the {@code Chatops-Nonce} header, the {@code Chatops-Timestamp} header
 * (ISO 8601, UTC) and the body, joined by newlines; {@code Chatops-Signature} is {@code Signature
 * keyid=...,signature=BASE64}. Any of the configured public keys may verify it (two while a key is rolled). A
 * request more than {@link #WINDOW} from now, or whose nonce was seen within the window, is refused.
 */
public final class ChatopsSignature {
    public static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");
    private static final int MAX_NONCES = 100_000;

    private final List<PublicKey> keys;
    private final Map<String, Instant> seen = new LinkedHashMap<>();

    private ChatopsSignature(List<PublicKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * The keys of every {@code -----BEGIN PUBLIC KEY-----} block in {@code pem} (RSA, X.509 SubjectPublicKeyInfo:
     * what {@code openssl rsa -in crpc -pubout} writes).
     *
     * @throws IllegalArgumentException when it holds no such key, saying how to make one
     */
    public static ChatopsSignature of(String pem) {
        List<PublicKey> keys = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            try {
                byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                keys.add(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der)));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException("a PUBLIC KEY block is not an RSA public key: " + e.getMessage(), e);
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no -----BEGIN PUBLIC KEY----- block: write the chatops client's public"
                    + " key in PEM, e.g. openssl rsa -in crpc -pubout");
        }
        return new ChatopsSignature(keys);
    }

    /** Why the request to {@code url} is refused, or empty when one of the keys signed it and it is new. */
    public synchronized Optional<String> refusal(
            String url, String nonce, String timestamp, String signatureHeader, byte[] body, Instant now) {
        if (nonce == null || timestamp == null || signatureHeader == null || nonce.isBlank()) {
            return Optional.of("the request is not signed (Chatops-Nonce, Chatops-Timestamp, Chatops-Signature)");
        }
        Instant at;
        try {
            at = Instant.parse(timestamp.strip());
        } catch (DateTimeParseException e) {
            return Optional.of("Chatops-Timestamp is not an ISO 8601 time such as 2026-12-04T19:15:23Z");
        }
        if (Duration.between(at, now).abs().compareTo(WINDOW) > 0) {
            return Optional.of("the request's timestamp is more than 5 minutes from now (a replay, or a clock off)");
        }
        Optional<byte[]> signature = signature(signatureHeader);
        if (signature.isEmpty()) {
            return Optional.of("Chatops-Signature is not 'Signature keyid=...,signature=BASE64'");
        }
        byte[] head = (url + "\n" + nonce + "\n" + timestamp + "\n").getBytes(StandardCharsets.UTF_8);
        if (!keys.stream().anyMatch(k -> verifies(k, head, body, signature.get()))) {
            return Optional.of("the signature does not verify with the configured public key");
        }
        seen.values().removeIf(t -> Duration.between(t, now).compareTo(WINDOW.multipliedBy(2)) > 0);
        if (seen.containsKey(nonce)) {
            return Optional.of("this nonce was used already (a replay)");
        }
        if (seen.size() >= MAX_NONCES) {
            seen.remove(seen.keySet().iterator().next());
        }
        seen.put(nonce, now);
        return Optional.empty();
    }

    private static Optional<byte[]> signature(String header) {
        String h = header.strip();
        if (!h.startsWith("Signature ")) {
            return Optional.empty();
        }
        for (String pair : h.substring("Signature ".length()).split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).strip().equals("signature")) {
                try {
                    return Optional.of(
                            Base64.getDecoder().decode(pair.substring(eq + 1).strip()));
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static boolean verifies(PublicKey key, byte[] head, byte[] body, byte[] signature) {
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initVerify(key);
            rs256.update(head);
            rs256.update(body);
            return rs256.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
