package dev.slipway.router;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA that issues host certificates (current, expired) and writes them as PEM files, keys 0600. */
final class TestCertificates {
    private final String name;
    private final KeyPair caKeys;
    final X509Certificate ca;

    /** A certificate and its key as issued, and where they were written. */
    record Issued(X509Certificate certificate, PrivateKey key, Path chain, Path keyFile) {}

    TestCertificates(String name) {
        this.name = name;
        this.caKeys = keyPair();
        Instant now = Instant.now();
        this.ca = sign(
                new X500Name("CN=" + name),
                caKeys,
                List.of(),
                true,
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(30)));
    }

    /** A certificate for {@code hosts}, valid from an hour ago for {@code lifetime}, written to {@code dir}. */
    Issued issue(Path dir, String file, Duration lifetime, String... hosts) {
        Instant now = Instant.now();
        return issue(dir, file, now.minus(Duration.ofHours(1)), now.plus(lifetime), hosts);
    }

    /** A certificate that expired a minute ago. */
    Issued expired(Path dir, String file, String... hosts) {
        Instant now = Instant.now();
        return issue(dir, file, now.minus(Duration.ofDays(2)), now.minus(Duration.ofMinutes(1)), hosts);
    }

    Issued issue(Path dir, String file, Instant from, Instant until, String... hosts) {
        KeyPair keys = keyPair();
        X509Certificate cert = sign(new X500Name("CN=" + hosts[0]), keys, List.of(hosts), false, from, until);
        Path chain = dir.resolve(file + ".pem");
        Path key = dir.resolve(file + ".key");
        try {
            Files.writeString(chain, pem("CERTIFICATE", cert.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
            writeKey(key, keys.getPrivate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(cert, keys.getPrivate(), chain, key);
    }

    /** Writes the CA certificate as PEM (what a client or the router trusts). */
    Path writeCa(Path file) {
        try {
            Files.writeString(file, pem("CERTIFICATE", ca.getEncoded()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts this CA only. */
    SSLContext clientContext(String... protocols) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(name, ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void writeKey(Path file, PrivateKey key) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private X509Certificate sign(
            X500Name subject, KeyPair keys, List<String> hosts, boolean isCa, Instant from, Instant until) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name("CN=" + name),
                    new BigInteger(96, new SecureRandom()),
                    Date.from(from),
                    Date.from(until),
                    subject,
                    keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (isCa) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                List<GeneralName> names = new ArrayList<>();
                for (String host : hosts) {
                    names.add(
                            host.matches("[0-9.]+")
                                    ? new GeneralName(GeneralName.iPAddress, host)
                                    : new GeneralName(GeneralName.dNSName, host));
                }
                builder.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            PrivateKey signer = caKeys == null || isCa ? keys.getPrivate() : caKeys.getPrivate();
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
