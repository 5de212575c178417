package dev.slipway.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a service's {@code run} command as the leader of a new process group, so the whole tree it spawns can
 * be signalled at once and nothing outlives Slipway.
 *
 * <p>The command runs under a small {@code /bin/sh} wrapper started with {@code setsid}. The wrapper leaves a
 * watchdog in the group that reads the pipe from Slipway on fd 3; Slipway never writes to it, so the read only
 * returns when Slipway's end closes, which the kernel does for us even on {@code kill -9}. The watchdog then
 * sends SIGTERM to the group, waits the grace period while the app lives, and SIGKILLs the group. The wrapper
 * then {@code exec}s the command, so the pid Slipway sees is the app's and also the group id.
 */
final class ProcessGroup {
    static final String WRAPPER = String.join(
            "\n",
            "exec 3<&0",
            "( trap '' TERM INT HUP",
            "  exec >/dev/null 2>&1 </dev/null",
            "  while read -r _ <&3; do :; done",
            "  kill -TERM 0",
            "  n=0",
            "  while kill -0 \"$$\" && [ \"$n\" -lt \"$2\" ]; do sleep 0.1; n=$((n+1)); done",
            "  kill -KILL 0 ) &",
            "exec /bin/sh -c \"$1\" </dev/null 3<&-");

    private final Process process;

    private ProcessGroup(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code command} in {@code directory} with exactly {@code environment} (plus the inherited
     * {@code PATH}-like basics the caller put there), stdout and stderr merged; as {@code user} when given
     * ({@code setpriv} execs, so the pid is still the group's).
     */
    static ProcessGroup start(
            String command, Path directory, Map<String, String> environment, Duration grace, Optional<LabUser> user) {
        long tenths = Math.max(1, grace.toMillis() / 100);
        List<String> argv = new ArrayList<>(user.map(LabUser::command).orElse(List.of()));
        argv.addAll(List.of("setsid", "/bin/sh", "-c", WRAPPER, "slipway-replica", command, Long.toString(tenths)));
        ProcessBuilder pb =
                new ProcessBuilder(argv).directory(directory.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(environment);
        try {
            return new ProcessGroup(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start /bin/sh in " + directory, e);
        }
    }

    Process process() {
        return process;
    }

    /** The process group id (the leader's pid). */
    long id() {
        return process.pid();
    }

    /** Sends SIGTERM to every process of the group. */
    void terminate() {
        signal("TERM");
    }

    /** Sends SIGKILL to every process of the group (also reaps the watchdog once the app is gone). */
    void kill() {
        signal("KILL");
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, "--", "-" + id())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            kill.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether any process of the group is still alive (signal 0 to the group). */
    static boolean groupAlive(long pgid) {
        try {
            Process probe = new ProcessBuilder("kill", "-0", "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return probe.waitFor() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
