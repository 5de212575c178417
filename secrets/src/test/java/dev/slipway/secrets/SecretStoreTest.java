package dev.slipway.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.core.spec.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretStoreTest {
    @TempDir
    Path tmp;

    private SecretStore store() {
        return SecretStore.at(tmp.resolve("secrets"), tmp.resolve("keys/secrets.key"));
    }

    @Test
    void setValueCanBeReadBack() {
        SecretStore store = store();
        store.set("acme-web", "DATABASE_PASSWORD", "hunter2");

        assertThat(store.values("acme-web", List.of("DATABASE_PASSWORD")))
                .containsExactly(Map.entry("DATABASE_PASSWORD", "hunter2"));
    }

    @Test
    void keyFileIsCreatedOwnerOnlyOnFirstUse() throws Exception {
        SecretStore store = store();
        assertThat(store.keyFile()).doesNotExist();

        store.set("acme-web", "TOKEN", "t");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.keyFile())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.storeFile("acme-web"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.directory())))
                .isEqualTo("rwx------");
    }

    @Test
    void storeFileNeverHoldsThePlaintext() throws Exception {
        SecretStore store = store();
        store.set("acme-web", "API_KEY", "very-recognisable-plaintext-value");

        String onDisk = Files.readString(store.storeFile("acme-web"), StandardCharsets.UTF_8);
        assertThat(onDisk).doesNotContain("very-recognisable-plaintext-value").contains("API_KEY");
    }

    @Test
    void keyFileReadableByOthersIsRefused() throws Exception {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "t");
        Files.setPosixFilePermissions(store.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> store.values("acme-web", List.of("TOKEN")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("chmod 600");
    }

    @Test
    void tamperedCiphertextIsDetected() throws Exception {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "original");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(store.storeFile("acme-web").toFile());
        byte[] sealed = java.util.Base64.getDecoder()
                .decode(doc.get("secrets").get("TOKEN").asText());
        sealed[sealed.length - 1] ^= 1;
        ((ObjectNode) doc.get("secrets"))
                .put("TOKEN", java.util.Base64.getEncoder().encodeToString(sealed));
        json.writeValue(store.storeFile("acme-web").toFile(), doc);

        assertThatThrownBy(() -> store.values("acme-web", List.of("TOKEN")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot be decrypted")
                .hasMessageNotContaining("TOKEN");
    }

    @Test
    void valueMovedToAnotherNameFailsToDecrypt() throws Exception {
        SecretStore store = store();
        store.set("acme-web", "ADMIN_PASSWORD", "admin-secret");
        store.set("acme-web", "PUBLIC_GREETING", "hello");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(store.storeFile("acme-web").toFile());
        ObjectNode secrets = (ObjectNode) doc.get("secrets");
        secrets.set("PUBLIC_GREETING", secrets.get("ADMIN_PASSWORD"));
        json.writeValue(store.storeFile("acme-web").toFile(), doc);

        assertThatThrownBy(() -> store.values("acme-web", List.of("PUBLIC_GREETING")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot be decrypted");
    }

    @Test
    void valueCopiedToAnotherAppFailsToDecrypt() throws Exception {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "acme-token");
        store.set("other", "UNRELATED", "x");
        Files.copy(
                store.storeFile("acme-web"),
                store.storeFile("other"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> store.values("other", List.of("TOKEN")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot be decrypted");
    }

    @Test
    void missingSecretsAreReportedByPositionNotName() {
        SecretStore store = store();
        store.set("acme-web", "PRESENT", "x");

        assertThatThrownBy(() -> store.values("acme-web", List.of("PRESENT", "SUPER_SECRET_NAME", "ALSO_GONE")))
                .isInstanceOfSatisfying(
                        MissingSecretsException.class,
                        e -> assertThat(e.missingPositions()).containsExactly(2, 3))
                .hasMessageContaining("secrets #2, #3 of the 3 requested are not set")
                .hasMessageNotContaining("SUPER_SECRET_NAME")
                .hasMessageNotContaining("ALSO_GONE");
    }

    @Test
    void differentKeyFileCannotReadTheStore() {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "t");
        SecretStore otherKey = SecretStore.at(store.directory(), tmp.resolve("other.key"));
        otherKey.set("scratch", "X", "y"); // creates the other key

        assertThatThrownBy(() -> otherKey.values("acme-web", List.of("TOKEN")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is not the one it was written with");
    }

    @Test
    void readingWithoutAKeyFileSaysHowToRecover() {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "t");
        SecretStore noKey = SecretStore.at(store.directory(), tmp.resolve("absent.key"));

        assertThatThrownBy(() -> noKey.values("acme-web", List.of("TOKEN")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("does not exist");
        assertThat(tmp.resolve("absent.key")).doesNotExist();
    }

    @Test
    void namesAreListedSortedAndRemoveForgetsOne() {
        SecretStore store = store();
        store.set("acme-web", "B_TOKEN", "b");
        store.set("acme-web", "A_TOKEN", "a");

        assertThat(store.names("acme-web")).containsExactly("A_TOKEN", "B_TOKEN");
        assertThat(store.remove("acme-web", "A_TOKEN")).isTrue();
        assertThat(store.remove("acme-web", "A_TOKEN")).isFalse();
        assertThat(store.names("acme-web")).containsExactly("B_TOKEN");
        assertThat(store.names("never-used")).isEmpty();
    }

    @Test
    void settingAgainReplacesTheValue() {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "old");
        store.set("acme-web", "TOKEN", "new");

        assertThat(store.values("acme-web", List.of("TOKEN"))).containsEntry("TOKEN", "new");
    }

    @Test
    void invalidNamesAreRejectedWithoutEchoingThem() {
        SecretStore store = store();
        assertThatThrownBy(() -> store.set("acme-web", "pa ss=word", "v"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageNotContaining("pa ss=word");
        assertThatThrownBy(() -> store.set("../etc", "TOKEN", "v"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a valid app name");
    }

    @Test
    void corruptStoreFileIsAUserError() throws Exception {
        SecretStore store = store();
        store.set("acme-web", "TOKEN", "t");
        Files.writeString(store.storeFile("acme-web"), "{not json");

        assertThatThrownBy(() -> store.names("acme-web"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not in the format Slipway writes");
    }

    @Test
    void asAnAppsSecretSourceAMissingSecretIsReportedAtItsService() {
        SecretStore store = store();
        store.set("shop", "STRIPE_KEY", "sk");
        ServiceSpec api = new ServiceSpec(
                "api",
                Optional.of("ghcr.io/acme/shop:1"),
                Optional.empty(),
                8080,
                "/healthz",
                1,
                Optional.empty(),
                Map.of(),
                List.of("STRIPE_KEY", "DATABASE_PASSWORD"),
                ServiceSpec.Resources.DEFAULT,
                new SourceLocation(Path.of("shop/slipway.yaml"), 7));
        AppSpec spec = new AppSpec(
                "shop",
                Optional.empty(),
                Map.of(),
                AppSpec.DEFAULT_ROUTE_TIMEOUT,
                List.of(api),
                SourceLocation.of(Path.of("shop/slipway.yaml")));
        App app = new App(Path.of("shop"), spec, List.of());

        assertThatThrownBy(() -> store.forApp(app).values("shop", api.secrets()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("shop/slipway.yaml:7")
                .hasMessageContaining("service 'api': secret #2 of its 2")
                .hasMessageNotContaining("DATABASE_PASSWORD");
        assertThat(store.forApp(app).values("shop", List.of("STRIPE_KEY"))).containsEntry("STRIPE_KEY", "sk");
    }

    @Test
    void defaultLocationFollowsEnvironment() {
        Path home = tmp.resolve("home");
        SecretStore byHome = SecretStore.forUser(Map.of(), home);
        assertThat(byHome.keyFile())
                .isEqualTo(home.resolve(".config/slipway/secrets.key").toAbsolutePath());
        assertThat(byHome.directory())
                .isEqualTo(home.resolve(".config/slipway/secrets").toAbsolutePath());

        SecretStore byEnv = SecretStore.forUser(
                Map.of(
                        "SLIPWAY_SECRETS_KEY",
                        tmp.resolve("k").toString(),
                        "SLIPWAY_SECRETS_DIR",
                        tmp.resolve("d").toString()),
                home);
        assertThat(byEnv.keyFile()).isEqualTo(tmp.resolve("k"));
        assertThat(byEnv.directory()).isEqualTo(tmp.resolve("d"));
    }

    @Test
    void theDefaultStoreFollowsHomeAndXdgFromTheEnvironmentNotThePasswdEntry() {
        Path passwdHome = tmp.resolve("passwd-home");
        Path home = tmp.resolve("env-home");

        assertThat(SecretStore.forUser(Map.of("HOME", home.toString()), passwdHome)
                        .keyFile())
                .isEqualTo(home.resolve(".config/slipway/secrets.key"));
        assertThat(SecretStore.forUser(
                                Map.of(
                                        "HOME",
                                        home.toString(),
                                        "XDG_CONFIG_HOME",
                                        tmp.resolve("xdg").toString()),
                                passwdHome)
                        .directory())
                .isEqualTo(tmp.resolve("xdg/slipway/secrets"));
        assertThat(SecretStore.forUser(Map.of("SLIPWAY_HOME", tmp.resolve("sw").toString()), passwdHome)
                        .keyFile())
                .isEqualTo(tmp.resolve("sw/config/secrets.key"));
    }
}
