package dev.slipway.router;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * The client TLS contexts for backends with {@code tls:}: one per CA file and server name, built when a config is
 * installed (so connecting never reads a file) and kept while a config uses them.
 */
final class UpstreamTlsContexts {
    private final Map<RouterConfig.UpstreamTls, SslContext> contexts = new ConcurrentHashMap<>();

    /** The CA certificates of {@code file}; refused with what to do when there are none or it cannot be read. */
    static List<X509Certificate> readCa(Path file) {
        String fix = "write the PEM certificate of the CA that signed the backend's certificates there";
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> cas = new ArrayList<>();
            CertificateFactory.getInstance("X.509").generateCertificates(in).forEach(c -> cas.add((X509Certificate) c));
            if (cas.isEmpty()) {
                throw new InvalidInputException(new Problem(file.toString(), "the CA file holds no certificate", fix));
            }
            return cas;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(new Problem(file.toString(), "the CA file does not exist", fix));
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidInputException(
                    new Problem(file.toString(), "cannot read the CA file: " + e.getMessage(), fix));
        }
    }

    /**
     * Builds (or keeps) the context of every backend of {@code config} with TLS, dropping those no backend uses.
     *
     * @throws InvalidInputException when a CA file cannot be read (the config is then refused)
     */
    void prepare(RouterConfig config) {
        Map<RouterConfig.UpstreamTls, SslContext> next = new ConcurrentHashMap<>();
        for (RouterConfig.Backend b : config.backends().values()) {
            if (b.tls().isPresent()) {
                RouterConfig.UpstreamTls tls = b.tls().get();
                SslContext existing = contexts.get(tls);
                next.put(tls, existing != null ? existing : build(tls, b.name()));
            }
        }
        contexts.keySet().retainAll(next.keySet());
        contexts.putAll(next);
    }

    /** The context for a backend's {@code tls:}, or null when it has none (or none was prepared). */
    SslContext of(RouterConfig.Backend backend) {
        return backend.tls().map(contexts::get).orElse(null);
    }

    private static SslContext build(RouterConfig.UpstreamTls tls, String backend) {
        List<X509Certificate> cas = readCa(tls.ca());
        try {
            // Hostname verification (the HTTPS rule) against serverName, or the endpoint's host.
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(RouterConfig.Tls.PROTOCOLS)
                    .trustManager(cas)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException e) {
            throw new InvalidInputException(new Problem(
                    "backend " + backend + " (tls.ca " + tls.ca() + ")",
                    "cannot set up TLS to the backend: " + e.getMessage(),
                    "check the CA file"));
        }
    }
}
