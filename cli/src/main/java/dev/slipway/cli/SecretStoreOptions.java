package dev.slipway.cli;

import dev.slipway.local.LocalSession;
import dev.slipway.secrets.SecretStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the encrypted secret store and its key live; flags win over the environment. */
final class SecretStoreOptions {
    @Option(
            names = "--secrets-key",
            paramLabel = "FILE",
            description = "Key file of the secret store (default: $SLIPWAY_SECRETS_KEY, else"
                    + " ~/.config/slipway/secrets.key; created 0600 on first use).")
    Path keyFile;

    @Option(
            names = "--secrets-dir",
            paramLabel = "DIR",
            description = "Directory of the encrypted secret files (default: $SLIPWAY_SECRETS_DIR, else"
                    + " ~/.config/slipway/secrets).")
    Path directory;

    SecretStore open(CliContext context) {
        Map<String, String> env = new HashMap<>(context.env());
        if (keyFile != null) {
            env.put("SLIPWAY_SECRETS_KEY", context.resolve(keyFile).toString());
        }
        if (directory != null) {
            env.put("SLIPWAY_SECRETS_DIR", context.resolve(directory).toString());
        }
        return SecretStore.forUser(env, context.home());
    }

    /** How a running {@code up} opens the secret store a {@code lab up} request names (paths already resolved). */
    static LocalSession.SecretsOpener labSecrets(CliContext context) {
        return (key, dir) -> {
            if (key.isEmpty() && dir.isEmpty()) {
                return Optional.empty();
            }
            Map<String, String> env = new HashMap<>(context.env());
            key.ifPresent(k -> env.put("SLIPWAY_SECRETS_KEY", k));
            dir.ifPresent(d -> env.put("SLIPWAY_SECRETS_DIR", d));
            return Optional.of(SecretStore.forUser(env, context.home()));
        };
    }
}
