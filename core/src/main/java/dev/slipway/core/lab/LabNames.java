package dev.slipway.core.lab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Names review labs: a branch becomes a slug, the lab's namespace is {@code <app>-lab-<slug>}, a valid RFC 1123
 * label of at most 63 characters; overlong names and names another branch already holds get a hash suffix. The CLI
 * names local labs with the same slug, so a branch has one name wherever its lab runs.
 */
public final class LabNames {

    static final int MAX_NAMESPACE = 63;
    private static final int HASH_LENGTH = 8;

    private LabNames() {}

    /** The slug and namespace of a lab. */
    public record LabName(String slug, String namespace) {}

    /** Why {@code branch} is not a branch name git would accept, if it is not. */
    public static Optional<String> invalidBranch(String branch) {
        if (branch == null || branch.isBlank()) {
            return Optional.of("the branch name is empty");
        }
        if (branch.length() > 255) {
            return Optional.of("the branch name is longer than 255 characters");
        }
        for (int i = 0; i < branch.length(); i++) {
            char c = branch.charAt(i);
            if (c < 0x20 || c == 0x7f || c == ' ' || "~^:?*[\\".indexOf(c) >= 0) {
                return Optional.of("the branch name contains '" + printable(c) + "', which git does not allow");
            }
        }
        if (branch.startsWith("-")
                || branch.startsWith("/")
                || branch.endsWith("/")
                || branch.endsWith(".")
                || branch.endsWith(".lock")
                || branch.contains("..")
                || branch.contains("//")
                || branch.contains("@{")
                || branch.equals("@")) {
            return Optional.of("'" + branch + "' is not a valid git branch name");
        }
        if (slugOf(branch).isEmpty()) {
            return Optional.of("the branch name has no letter or digit to name a namespace after");
        }
        return Optional.empty();
    }

    /**
     * The lab name for {@code branch} of {@code app}; {@code takenByOther} says whether a namespace already belongs
     * to a different branch (or app), in which case the hashed form is used.
     */
    public static LabName forBranch(String app, String branch, Predicate<String> takenByOther) {
        String slug = slugOf(branch);
        String prefix = app + "-lab-";
        String plain = prefix + slug;
        if (plain.length() <= MAX_NAMESPACE && !takenByOther.test(plain)) {
            return new LabName(slug, plain);
        }
        String hash = hash(app + "\n" + branch);
        if (prefix.length() + HASH_LENGTH > MAX_NAMESPACE) {
            // A very long app name leaves no room for the branch at all: shorten the app part instead.
            String appPart = trimDashes(app.substring(0, MAX_NAMESPACE - "-lab-".length() - HASH_LENGTH));
            return new LabName(hash, appPart + "-lab-" + hash);
        }
        int room = MAX_NAMESPACE - prefix.length() - HASH_LENGTH - 1;
        String shortened = trimDashes(slug.substring(0, Math.max(0, Math.min(slug.length(), room))));
        String hashedSlug = shortened.isEmpty() ? hash : shortened + "-" + hash;
        return new LabName(hashedSlug, prefix + hashedSlug);
    }

    /** Lower-case letters and digits of the branch, every other run of characters a single dash. */
    public static String slugOf(String branch) {
        String lower = branch.toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        boolean dash = false;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                slug.append(c);
                dash = false;
            } else if (!dash && slug.length() > 0) {
                slug.append('-');
                dash = true;
            }
        }
        return trimDashes(slug.toString());
    }

    private static String trimDashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '-') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '-') {
            end--;
        }
        return s.substring(start, end);
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
