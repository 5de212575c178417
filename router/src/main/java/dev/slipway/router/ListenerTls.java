package dev.slipway.router;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The listener's certificates, read from PEM files and swapped whole on reload: a new TLS connection is served
 * the set in place when its ClientHello arrives, a connection already open keeps the session it has. A reload
 * whose files are bad (unreadable, expired, a key that does not match, a key others can read) keeps the last good
 * set and says why.
 */
final class ListenerTls {
    /** The cipher suites this Java runtime can offer (for checking a config's {@code ciphers:}). */
    static final Set<String> SUPPORTED_CIPHERS = supportedCiphers();

    private static final int MAX_CLIENT_HELLO = 16 * 1024;

    /** Why a certificate was refused, as the reload metric's {@code reason} tag. */
    enum Refusal {
        UNREADABLE("unreadable"),
        EXPIRED("expired"),
        NOT_YET_VALID("not-yet-valid"),
        KEY_MISMATCH("key-mismatch"),
        KEY_PERMISSIONS("key-permissions");

        final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }
    }

    /** One certificate as served: its context and leaf (for expiry and the log). */
    record Served(RouterConfig.Certificate config, SslContext context, X509Certificate leaf, String sha256) {}

    /** The outcome of re-reading the files: problems (the last good set kept), or whether anything changed. */
    record Reload(List<Problem> problems, Refusal refusal, boolean changed) {
        boolean applied() {
            return problems.isEmpty();
        }
    }

    private record Loaded(List<Served> served, Mapping<String, SslContext> byHost, SslContext fallback) {}

    private static final class Refused extends Exception {
        final Refusal refusal;
        final Problem problem;

        Refused(Refusal refusal, Problem problem) {
            super(problem.what(), null, false, false);
            this.refusal = refusal;
            this.problem = problem;
        }
    }

    private final Clock clock;
    private volatile Loaded current;

    private ListenerTls(Clock clock, Loaded first) {
        this.clock = clock;
        this.current = first;
    }

    /**
     * Reads every certificate of {@code tls}.
     *
     * @throws InvalidInputException naming each bad file, what is wrong and what to do
     */
    static ListenerTls load(RouterConfig.Tls tls, Clock clock) {
        List<Refused> refused = new ArrayList<>();
        Loaded loaded = read(tls, clock, refused);
        if (!refused.isEmpty()) {
            throw new InvalidInputException(refused.stream().map(r -> r.problem).toList());
        }
        return new ListenerTls(clock, loaded);
    }

    /** Re-reads the files of {@code tls}; on any problem the certificates in place keep serving. */
    synchronized Reload reload(RouterConfig.Tls tls) {
        List<Refused> refused = new ArrayList<>();
        Loaded next = read(tls, clock, refused);
        if (!refused.isEmpty()) {
            return new Reload(refused.stream().map(r -> r.problem).toList(), refused.get(0).refusal, false);
        }
        boolean changed = !fingerprints(next).equals(fingerprints(current));
        current = next;
        return new Reload(List.of(), null, changed);
    }

    /** The handler that reads a new connection's ClientHello and puts the certificate for its name in place. */
    SniHandler newHandler(long handshakeTimeoutMillis) {
        Mapping<String, SslContext> lookup = host -> {
            Loaded l = current;
            return host == null ? l.fallback : l.byHost.map(host);
        };
        return new SniHandler(lookup, MAX_CLIENT_HELLO, handshakeTimeoutMillis);
    }

    /** When each host's certificate in place expires (the expiry gauge), in config order. */
    Map<String, Instant> notAfterByHost() {
        Map<String, Instant> out = new LinkedHashMap<>();
        for (Served s : current.served) {
            for (String host : s.config.hosts()) {
                out.put(host, s.leaf.getNotAfter().toInstant());
            }
        }
        return out;
    }

    /** {@code shop.example.com until 2027-03-01T00:00:00Z (sha256 ab12…)} per certificate, for the log. */
    String describe() {
        List<String> parts = new ArrayList<>();
        for (Served s : current.served) {
            parts.add(String.join(",", s.config.hosts()) + " until "
                    + s.leaf.getNotAfter().toInstant() + " (sha256 " + s.sha256.substring(0, 16) + ")");
        }
        return String.join("; ", parts);
    }

    private static List<String> fingerprints(Loaded l) {
        return l.served.stream()
                .map(s -> s.config.hosts() + "=" + s.sha256 + "," + s.config.chain() + "," + s.config.key())
                .toList();
    }

    private static Loaded read(RouterConfig.Tls tls, Clock clock, List<Refused> refused) {
        List<Served> served = new ArrayList<>();
        for (RouterConfig.Certificate c : tls.certificates()) {
            try {
                served.add(serve(c, tls.ciphers(), clock.instant()));
            } catch (Refused r) {
                refused.add(r);
            }
        }
        if (!refused.isEmpty()) {
            return null;
        }
        SslContext fallback = served.get(0).context;
        DomainWildcardMappingBuilder<SslContext> builder = new DomainWildcardMappingBuilder<>(fallback);
        for (Served s : served) {
            for (String host : s.config.hosts()) {
                builder.add(host, s.context);
            }
        }
        return new Loaded(List.copyOf(served), builder.build(), fallback);
    }

    private static Served serve(RouterConfig.Certificate c, List<String> ciphers, Instant now) throws Refused {
        String hosts = String.join(", ", c.hosts());
        List<X509Certificate> chain = readChain(c.chain(), hosts);
        PrivateKey key = readKey(c.key(), hosts);
        X509Certificate leaf = chain.get(0);
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new Refused(
                    Refusal.EXPIRED,
                    new Problem(
                            c.chain().toString(),
                            "the certificate for " + hosts + " expired at "
                                    + leaf.getNotAfter().toInstant(),
                            "renew it and write the new chain to this file"));
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new Refused(
                    Refusal.NOT_YET_VALID,
                    new Problem(
                            c.chain().toString(),
                            "the certificate for " + hosts + " is not valid before "
                                    + leaf.getNotBefore().toInstant(),
                            "check this machine's clock, or wait for the certificate's start"));
        }
        if (!matches(key, leaf)) {
            throw new Refused(
                    Refusal.KEY_MISMATCH,
                    new Problem(
                            c.key().toString(),
                            "this private key does not belong to the certificate in " + c.chain() + " (for " + hosts
                                    + ")",
                            "write the key and the chain of the same certificate (write the key first when"
                                    + " renewing, the chain last)"));
        }
        try {
            SslContext context = SslContextBuilder.forServer(key, chain)
                    .sslProvider(SslProvider.JDK)
                    .protocols(RouterConfig.Tls.PROTOCOLS)
                    .ciphers(ciphers, SupportedCipherSuiteFilter.INSTANCE)
                    .build();
            return new Served(c, context, leaf, sha256(leaf));
        } catch (IOException | RuntimeException e) {
            throw new Refused(
                    Refusal.UNREADABLE,
                    new Problem(
                            c.chain().toString(),
                            "cannot serve the certificate for " + hosts + ": " + e.getMessage(),
                            "check the chain and key files"));
        }
    }

    private static List<X509Certificate> readChain(Path file, String hosts) throws Refused {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = new ArrayList<>();
            CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)
                    .forEach(x -> chain.add((X509Certificate) x));
            if (chain.isEmpty()) {
                throw unreadable(file, "holds no certificate", hosts);
            }
            return chain;
        } catch (NoSuchFileException e) {
            throw unreadable(file, "does not exist", hosts);
        } catch (IOException e) {
            throw unreadable(file, "cannot be read (" + e.getMessage() + ")", hosts);
        } catch (GeneralSecurityException e) {
            throw unreadable(file, "is not a PEM certificate chain (" + e.getMessage() + ")", hosts);
        }
    }

    private static Refused unreadable(Path file, String what, String hosts) {
        return new Refused(
                Refusal.UNREADABLE,
                new Problem(
                        file.toString(),
                        "the certificate chain for " + hosts + " " + what,
                        "write the PEM chain there, the host's certificate first"));
    }

    /** A PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}): RSA, EC or Ed25519. */
    private static PrivateKey readKey(Path file, String hosts) throws Refused {
        String text;
        try {
            OwnerOnlyFiles.requirePrivate(file, "TLS private key");
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (InvalidInputException e) {
            throw new Refused(Refusal.KEY_PERMISSIONS, e.problems().get(0));
        } catch (NoSuchFileException e) {
            throw keyProblem(file, "the private key file for " + hosts + " does not exist", "write the PEM key there");
        } catch (IOException e) {
            throw keyProblem(
                    file, "cannot read the private key for " + hosts + " (" + e.getMessage() + ")", "check its owner");
        }
        String convert = "convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out " + file
                + ".pk8, then use that file (mode 600)";
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw keyProblem(file, "the private key for " + hosts + " is encrypted with a passphrase", convert);
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw keyProblem(file, "the private key for " + hosts + " is in the old OpenSSL format", convert);
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw keyProblem(
                    file, "the file holds no PEM private key (BEGIN PRIVATE KEY) for " + hosts, "write the key there");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
        } catch (IllegalArgumentException e) {
            throw keyProblem(file, "the private key for " + hosts + " is not valid base64", "write the key again");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // Not this algorithm: try the next.
            }
        }
        throw keyProblem(
                file, "the private key for " + hosts + " is not an RSA, EC or Ed25519 key", "write a PKCS#8 key");
    }

    private static Refused keyProblem(Path file, String what, String fix) {
        return new Refused(Refusal.UNREADABLE, new Problem(file.toString(), what, fix));
    }

    /** Whether {@code key} signs what the leaf's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate leaf) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            // A key type without a known signature here: the handshake is the check.
            return true;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String sha256(X509Certificate leaf) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded());
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    private static Set<String> supportedCiphers() {
        try {
            return new LinkedHashSet<>(Arrays.asList(
                    SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no TLS", e);
        }
    }
}
