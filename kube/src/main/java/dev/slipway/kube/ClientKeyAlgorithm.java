package dev.slipway.kube;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells fabric8 that a PKCS#8 client key ({@code BEGIN PRIVATE KEY}) is an EC key: it guesses the algorithm from the
 * PEM header only, takes every PKCS#8 key for RSA and then fails on an EC one with "Invalid DER", although kubectl
 * reads such a kubeconfig. The JDK parses the key itself, so no BouncyCastle is needed.
 */
final class ClientKeyAlgorithm {
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private ClientKeyAlgorithm() {}

    /** Sets the client key's algorithm when the key is PKCS#8 EC; leaves every other key to fabric8. */
    static void apply(Config config) {
        if (config.getClientKeyAlgo() != null && !config.getClientKeyAlgo().equals("RSA")) {
            return;
        }
        pem(config)
                .flatMap(ClientKeyAlgorithm::pkcs8Der)
                .filter(ClientKeyAlgorithm::isEc)
                .ifPresent(der -> config.setClientKeyAlgo("EC"));
    }

    private static Optional<String> pem(Config config) {
        if (config.getClientKeyData() != null) {
            try {
                return Optional.of(new String(
                        Base64.getMimeDecoder().decode(config.getClientKeyData()), StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException notBase64) {
                // fabric8 reports a malformed key itself, naming the kubeconfig's field.
                return Optional.empty();
            }
        }
        if (config.getClientKeyFile() != null) {
            try {
                return Optional.of(Files.readString(Path.of(config.getClientKeyFile()), StandardCharsets.US_ASCII));
            } catch (IOException unreadable) {
                // Likewise: fabric8 fails on the same file with its own message.
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<byte[]> pkcs8Der(String pem) {
        Matcher matcher = PKCS8.matcher(pem);
        if (!matcher.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getMimeDecoder().decode(matcher.group(1).strip()));
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }

    private static boolean isEc(byte[] der) {
        try {
            KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            return true;
        } catch (GeneralSecurityException notEc) {
            return false;
        }
    }
}
