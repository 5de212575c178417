package dev.slipway.server;

import dev.slipway.core.OwnerOnlyFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's TLS identity when the operator gives none: a private CA generated once and kept in the state
 * directory (clients trust its {@code ca.pem}), and a server certificate it signs for the bind address.
 */
final class TlsMaterial {

    static final String CA_PEM = "ca.pem";
    private static final Duration CA_LIFETIME = Duration.ofDays(3650);
    private static final Duration SERVER_LIFETIME = Duration.ofDays(397);

    /** A keystore with the server's key and chain, and its password. */
    record ServerKeystore(KeyStore keystore, char[] password) {}

    private TlsMaterial() {}

    /** Loads an operator's PKCS#12 keystore; the password is read from a file, never the command line. */
    static ServerKeystore load(ServerConfig.TlsKeystore given) {
        try {
            char[] password = Files.readString(given.passwordFile(), StandardCharsets.UTF_8)
                    .strip()
                    .toCharArray();
            KeyStore keystore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(given.keystore())) {
                keystore.load(in, password);
            }
            return new ServerKeystore(keystore, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read keystore " + given.keystore() + ": " + e.getMessage(), e);
        }
    }

    /** The generated CA (created on first use) and a fresh server certificate for {@code hosts}. */
    static ServerKeystore selfSigned(Path stateDir, List<String> hosts, Clock clock) {
        try {
            Path dir = OwnerOnlyFiles.directory(stateDir.resolve("tls"));
            Path caStore = dir.resolve("ca.p12");
            Path caPassword = dir.resolve("ca.password");
            KeyStore ca = KeyStore.getInstance("PKCS12");
            char[] password;
            if (Files.exists(caStore)) {
                // The CA key signs certificates clients trust: refuse to use one other users could have copied.
                OwnerOnlyFiles.requirePrivate(caStore, "TLS CA key store");
                OwnerOnlyFiles.requirePrivate(caPassword, "TLS CA password");
                password = Files.readString(caPassword, StandardCharsets.UTF_8)
                        .strip()
                        .toCharArray();
                try (InputStream in = Files.newInputStream(caStore)) {
                    ca.load(in, password);
                }
            } else {
                password = randomPassword();
                writePrivate(caPassword, new String(password).getBytes(StandardCharsets.UTF_8));
                KeyPair caKeys = keyPair();
                X509Certificate caCert = certificate(
                        new X500Name("CN=Slipway server CA"),
                        caKeys,
                        new X500Name("CN=Slipway server CA"),
                        caKeys.getPrivate(),
                        true,
                        List.of(),
                        clock.instant(),
                        CA_LIFETIME);
                ca.load(null, null);
                ca.setKeyEntry("ca", caKeys.getPrivate(), password, new Certificate[] {caCert});
                ByteArrayOutputStream caBytes = new ByteArrayOutputStream();
                ca.store(caBytes, password);
                OwnerOnlyFiles.write(caStore, caBytes.toByteArray());
                Files.writeString(dir.resolve(CA_PEM), pem(caCert), StandardCharsets.UTF_8);
            }
            PrivateKey caKey = (PrivateKey) ca.getKey("ca", password);
            X509Certificate caCert = (X509Certificate) ca.getCertificate("ca");
            KeyPair serverKeys = keyPair();
            X509Certificate serverCert = certificate(
                    new X500Name("CN=" + hosts.get(0)),
                    serverKeys,
                    new X500Name(caCert.getSubjectX500Principal().getName()),
                    caKey,
                    false,
                    hosts,
                    clock.instant(),
                    SERVER_LIFETIME);
            KeyStore server = KeyStore.getInstance("PKCS12");
            server.load(null, null);
            char[] serverPassword = randomPassword();
            server.setKeyEntry(
                    "server", serverKeys.getPrivate(), serverPassword, new Certificate[] {serverCert, caCert});
            return new ServerKeystore(server, serverPassword);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the server's TLS certificate: " + e.getMessage(), e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(
            X500Name subject,
            KeyPair keys,
            X500Name issuer,
            PrivateKey issuerKey,
            boolean isCa,
            List<String> hosts,
            Instant now,
            Duration lifetime)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(128, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(lifetime)),
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
                        host.matches("[0-9.]+|.*:.*")
                                ? new GeneralName(GeneralName.iPAddress, host)
                                : new GeneralName(GeneralName.dNSName, host));
            }
            builder.addExtension(
                    Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static char[] randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        OwnerOnlyFiles.write(file, content);
    }

    private static String pem(X509Certificate certificate) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }
}
