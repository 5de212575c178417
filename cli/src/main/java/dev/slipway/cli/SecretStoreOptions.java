package dev.slipway.cli;

import dev.slipway.secrets.SecretStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
}
