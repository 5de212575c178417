package dev.slipway.testkit;

import java.nio.file.Path;
import java.util.Map;

/**
 * The environment of a Slipway process a test starts: its own temporary $HOME and none of the variables that
 * would send its files elsewhere (the XDG directories, $SLIPWAY_HOME and friends, $KUBECONFIG), so test runs
 * never share or touch the real user's state.
 */
public final class TestHome {

    private TestHome() {}

    /** Rewrites a child's environment (e.g. {@code ProcessBuilder.environment()}) to live under {@code home}. */
    public static Map<String, String> isolate(Map<String, String> env, Path home) {
        env.keySet()
                .removeIf(name -> name.startsWith("XDG_") || name.startsWith("SLIPWAY_") || name.equals("KUBECONFIG"));
        env.put("HOME", home.toString());
        return env;
    }
}
