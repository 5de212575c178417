package dev.slipway.core.manifest;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The name rules the Kubernetes API server enforces, checked before anything is sent so a typo is
 * reported with its file and line rather than as an API error halfway through a deploy.
 */
public final class KubernetesNames {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern ENV_VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private KubernetesNames() {}

    /** RFC 1123 label (namespaces, Services, app and cluster names): why it is invalid, if it is. */
    public static Optional<String> labelError(String name) {
        if (name.isEmpty()) {
            return Optional.of("must not be empty");
        }
        if (name.length() > 63) {
            return Optional.of("is " + name.length() + " characters long; the limit is 63");
        }
        if (!LABEL.matcher(name).matches()) {
            return Optional.of("must consist of lower-case letters, digits and '-', and start and end with a"
                    + " letter or digit (RFC 1123 label)");
        }
        return Optional.empty();
    }

    /** RFC 1123 subdomain (most object names): why it is invalid, if it is. */
    public static Optional<String> subdomainError(String name) {
        if (name.isEmpty()) {
            return Optional.of("must not be empty");
        }
        if (name.length() > 253) {
            return Optional.of("is " + name.length() + " characters long; the limit is 253");
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            return Optional.of("must consist of lower-case letters, digits, '-' and '.', and start and end with"
                    + " a letter or digit (RFC 1123 subdomain)");
        }
        return Optional.empty();
    }

    /** Path segment names (RBAC objects may be named e.g. {@code system:reader}). */
    public static Optional<String> pathSegmentError(String name) {
        if (name.isEmpty()) {
            return Optional.of("must not be empty");
        }
        if (name.equals(".") || name.equals("..") || name.contains("/") || name.contains("%")) {
            return Optional.of("must not be '.' or '..' and must not contain '/' or '%'");
        }
        return Optional.empty();
    }

    /** A name that can be an environment variable (also the rule for Slipway secret names). */
    public static boolean isEnvVarName(String name) {
        return ENV_VAR.matcher(name).matches();
    }

    /** A suggestion that turns a near-miss into a valid RFC 1123 label, for error hints. */
    public static String toLabel(String name) {
        String s = name.toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9-]+", "-")
                .replaceAll("^-+", "")
                .replaceAll("-+$", "");
        if (s.length() > 63) {
            s = s.substring(0, 63).replaceAll("-+$", "");
        }
        return s.isEmpty() ? "my-app" : s;
    }
}
