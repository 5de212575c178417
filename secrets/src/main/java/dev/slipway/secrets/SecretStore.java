package dev.slipway.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import dev.slipway.core.SlipwayPaths;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.ServiceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * App secrets encrypted at rest, so `slipway secret set` never leaves a value readable on disk.
 *
 * <p>Each value is sealed with Tink AEAD (AES256-GCM) under a keyset kept in a separate key file (created
 * {@code 0600} on first use). The associated data binds a ciphertext to its app and name, so a value copied
 * to another name or app fails to decrypt instead of silently moving. One store file per app
 * ({@code <app>.secrets.json}) holds names and ciphertexts only.
 *
 * <p>Errors never carry secret names or values: they count positions instead.
 */
public final class SecretStore implements SecretSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,252}");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final int FORMAT_VERSION = 1;

    /**
     * Registers Tink's AEAD key managers on first use only: registration loads hundreds of classes, and most
     * commands (every deploy of an app without secrets) never decrypt anything.
     */
    private static final class TinkRegistration {
        static {
            try {
                AeadConfig.register();
            } catch (GeneralSecurityException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static void ensure() {
            // Class initialisation above does the work, exactly once.
        }
    }

    private final Path directory;
    private final Path keyFile;

    private SecretStore(Path directory, Path keyFile) {
        this.directory = directory;
        this.keyFile = keyFile;
    }

    /**
     * A store keeping app files in {@code directory} and its key in {@code keyFile}. Nothing is created until
     * the first {@link #set}.
     */
    public static SecretStore at(Path directory, Path keyFile) {
        return new SecretStore(directory.toAbsolutePath(), keyFile.toAbsolutePath());
    }

    /**
     * The store a user gets by default: {@code $SLIPWAY_SECRETS_DIR} (else {@code secrets/} in Slipway's config
     * directory, usually {@code ~/.config/slipway/secrets}) for the files and {@code $SLIPWAY_SECRETS_KEY} (else
     * {@code secrets.key} there) for the key.
     *
     * @param home the passwd entry's home, used only when {@code $HOME} is unset (see {@link SlipwayPaths})
     */
    public static SecretStore forUser(Map<String, String> env, Path home) {
        Path config = SlipwayPaths.of(env, home).config();
        Path dir = Optional.ofNullable(env.get("SLIPWAY_SECRETS_DIR"))
                .filter(s -> !s.isBlank())
                .map(Path::of)
                .orElse(config.resolve("secrets"));
        Path key = Optional.ofNullable(env.get("SLIPWAY_SECRETS_KEY"))
                .filter(s -> !s.isBlank())
                .map(Path::of)
                .orElse(config.resolve("secrets.key"));
        return at(dir, key);
    }

    public Path directory() {
        return directory;
    }

    public Path keyFile() {
        return keyFile;
    }

    /** Stores (or replaces) one value. The key file is created on first use. */
    public void set(String app, String name, String value) {
        checkApp(app);
        checkName(name);
        Aead aead = aead(true);
        withAppLock(app, () -> {
            ObjectNode doc = read(app);
            byte[] sealed;
            try {
                sealed = aead.encrypt(value.getBytes(StandardCharsets.UTF_8), associatedData(app, name));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("encryption failed", e);
            }
            ((ObjectNode) doc.get("secrets")).put(name, Base64.getEncoder().encodeToString(sealed));
            write(app, doc);
        });
    }

    /** Removes one value; returns false when it was not set. */
    public boolean remove(String app, String name) {
        checkApp(app);
        checkName(name);
        boolean[] removed = {false};
        withAppLock(app, () -> {
            ObjectNode doc = read(app);
            removed[0] = ((ObjectNode) doc.get("secrets")).remove(name) != null;
            if (removed[0]) {
                write(app, doc);
            }
        });
        return removed[0];
    }

    /** The names set for an app, sorted; values are not decrypted. */
    public List<String> names(String app) {
        checkApp(app);
        List<String> names = new ArrayList<>();
        read(app).get("secrets").fieldNames().forEachRemaining(names::add);
        names.sort(null);
        return names;
    }

    /** Whether a value is set for {@code name}. */
    public boolean contains(String app, String name) {
        checkApp(app);
        return read(app).get("secrets").has(name);
    }

    /**
     * This store as the renderer's secret source for one app: a missing secret is reported at the service
     * that asks for it (its slipway.yaml line and the secret's position in its {@code secrets} list).
     */
    public SecretSource forApp(App app) {
        return (appName, names) -> {
            try {
                return values(appName, names);
            } catch (MissingSecretsException e) {
                Optional<ServiceSpec> service = app.spec().services().stream()
                        .filter(s -> s.secrets().equals(names))
                        .findFirst();
                if (service.isEmpty()) {
                    throw e;
                }
                String positions = e.missingPositions().stream()
                        .map(p -> "#" + p)
                        .collect(java.util.stream.Collectors.joining(", "));
                throw new InvalidInputException(Problem.at(
                        service.get().source(),
                        "service '" + service.get().name() + "': secret " + positions + " of its " + names.size()
                                + " (in its secrets list) "
                                + (e.missingPositions().size() == 1 ? "is" : "are")
                                + " not set for app " + appName,
                        "compare the service's secrets list with `slipway secret list " + appName
                                + "` and set the missing one with `slipway secret set " + appName + " NAME`"));
            }
        };
    }

    /**
     * Decrypts the named values, in the order asked.
     *
     * @throws MissingSecretsException when some are not set (by position in {@code names}, never by name)
     * @throws InvalidInputException when a value was tampered with or the key file does not match
     */
    @Override
    public Map<String, String> values(String app, List<String> names) {
        checkApp(app);
        if (names.isEmpty()) {
            return Map.of();
        }
        JsonNode secrets = read(app).get("secrets");
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!secrets.has(names.get(i))) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            throw new MissingSecretsException(app, names.size(), missing);
        }
        Aead aead = aead(false);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            byte[] sealed;
            try {
                sealed = Base64.getDecoder().decode(secrets.get(name).asText());
                byte[] plain = aead.decrypt(sealed, associatedData(app, name));
                out.put(name, new String(plain, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException | GeneralSecurityException e) {
                throw new InvalidInputException(new Problem(
                        storeFile(app).toString(),
                        "secret #" + (i + 1) + " of " + names.size() + " requested for app " + app
                                + " cannot be decrypted: the store file was altered or the key file "
                                + keyFile + " is not the one it was written with",
                        "restore the key file, or set the secret again with `slipway secret set " + app + " NAME`"));
            }
        }
        return out;
    }

    Path storeFile(String app) {
        return directory.resolve(app + ".secrets.json");
    }

    private static byte[] associatedData(String app, String name) {
        // NUL cannot occur in either part, so distinct (app, name) pairs never share associated data.
        return ("slipway-secret/v1\0" + app + "\0" + name).getBytes(StandardCharsets.UTF_8);
    }

    private ObjectNode read(String app) {
        Path file = storeFile(app);
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(file));
            if (!(node instanceof ObjectNode doc)
                    || doc.path("version").asInt(-1) != FORMAT_VERSION
                    || !(doc.get("secrets") instanceof ObjectNode secrets)) {
                throw unreadable(file);
            }
            for (Iterator<JsonNode> it = secrets.elements(); it.hasNext(); ) {
                if (!it.next().isTextual()) {
                    throw unreadable(file);
                }
            }
            return doc;
        } catch (NoSuchFileException e) {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("version", FORMAT_VERSION);
            doc.putObject("secrets");
            return doc;
        } catch (AccessDeniedException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(), "the secret store file is not readable by this user", "check its owner"));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw unreadable(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InvalidInputException unreadable(Path file) {
        return new InvalidInputException(new Problem(
                file.toString(),
                "the secret store file is not in the format Slipway writes",
                "restore it from a backup or remove it and set the app's secrets again"));
    }

    private void write(String app, ObjectNode doc) {
        // Sorted names make the file stable across writes (diff-friendly backups).
        ObjectNode sorted = JSON.createObjectNode();
        sorted.put("version", FORMAT_VERSION);
        ObjectNode secrets = sorted.putObject("secrets");
        new TreeMap<String, JsonNode>(toMap(doc.get("secrets"))).forEach(secrets::set);
        Path file = storeFile(app);
        Path tmp = directory.resolve("." + app + ".secrets.json.tmp");
        try {
            ensureDirectory(directory);
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(sorted));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, JsonNode> toMap(JsonNode object) {
        Map<String, JsonNode> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
        return map;
    }

    private void withAppLock(String app, Runnable action) {
        try {
            ensureDirectory(directory);
            Path lockFile = directory.resolve("." + app + ".lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                action.run();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void ensureDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        }
    }

    private Aead aead(boolean createIfMissing) {
        TinkRegistration.ensure();
        try {
            KeysetHandle keyset = Files.exists(keyFile) ? loadKeyset() : createKeyset(createIfMissing);
            return keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(new Problem(
                    keyFile.toString(),
                    "the secrets key file is not a valid Tink keyset",
                    "restore it from a backup; without it the stored secrets cannot be read"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KeysetHandle loadKeyset() throws IOException, GeneralSecurityException {
        OwnerOnlyFiles.requirePrivate(keyFile, "secrets key");
        return TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(keyFile), InsecureSecretKeyAccess.get());
    }

    private KeysetHandle createKeyset(boolean createIfMissing) throws IOException, GeneralSecurityException {
        if (!createIfMissing) {
            throw new InvalidInputException(new Problem(
                    keyFile.toString(),
                    "the secrets key file does not exist, so stored secrets cannot be read",
                    "restore the key file, or set the app's secrets again with `slipway secret set`"));
        }
        KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
        String serialized = TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
        Path parent = keyFile.getParent();
        if (parent != null) {
            ensureDirectory(parent);
        }
        try {
            // Created with 0600 in one step, so the key is never readable by others, not even briefly.
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        } catch (FileAlreadyExistsException raced) {
            return loadKeyset();
        }
        Files.writeString(keyFile, serialized, StandardOpenOption.TRUNCATE_EXISTING);
        return handle;
    }

    private static void checkApp(String app) {
        if (app == null || !APP_NAME.matcher(app).matches()) {
            throw new InvalidInputException(new Problem(
                    "app",
                    "\"" + app + "\" is not a valid app name",
                    "use lower-case letters, digits and '-', at most 63 characters (RFC 1123 label)"));
        }
    }

    private static void checkName(String name) {
        if (name == null || !SECRET_NAME.matcher(name).matches()) {
            // The rejected text is not echoed: it may be a value pasted in the wrong place.
            throw new InvalidInputException(new Problem(
                    "secret name",
                    "the secret name is not valid",
                    "use letters, digits and '_', starting with a letter or '_' (it becomes an environment"
                            + " variable)"));
        }
    }
}
