package dev.slipway.rollout.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRolloutAuditTest {
    @TempDir
    Path dir;

    static final RolloutKey KEY = new RolloutKey("shop", "production");

    static RolloutEvent event(int i) {
        return new RolloutEvent(
                Instant.parse("2026-12-06T10:00:00Z").plusSeconds(i),
                KEY,
                i % 2 == 0 ? Optional.of("east-1") : Optional.empty(),
                "rollout.step",
                i % 3 == 0 ? "controller" : "alice",
                "step " + i + " with \"quotes\" and a newline\\n in words");
    }

    @Test
    void transitionsFromManyWritersReadBackWholeInOrderPerWriter() throws Exception {
        FileRolloutAudit audit = new FileRolloutAudit(dir);
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int base = w * 1000;
            Thread t = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    audit.transition(event(base + i));
                }
            });
            t.start();
            writers.add(t);
        }
        for (Thread t : writers) {
            t.join();
        }

        List<RolloutEvent> all = audit.read(KEY, 10_000);
        assertThat(all).hasSize(800);
        for (int w = 0; w < 4; w++) {
            int base = w * 1000;
            assertThat(all.stream()
                            .filter(e -> e.at().isBefore(event(base + 1000).at())
                                    && !e.at().isBefore(event(base).at())))
                    .extracting(e -> e.details())
                    .as("writer %d's lines, whole and in its order", w)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200)
                            .mapToObj(i -> event(base + i).details())
                            .toList());
        }
        assertThat(audit.read(KEY, 3)).as("the newest three").containsExactlyElementsOf(all.subList(797, 800));
        assertThat(Files.getPosixFilePermissions(audit.file(KEY)))
                .containsExactlyInAnyOrderElementsOf(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aLineCutShortByACrashIsSkippedAndNothingKeptReadsAsNone() throws Exception {
        FileRolloutAudit audit = new FileRolloutAudit(dir);
        assertThat(audit.read(KEY, 10)).isEmpty();
        audit.transition(event(1));
        Files.writeString(
                audit.file(KEY), "{\"at\": \"2026-12-06T10:", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        audit.transition(event(2));

        assertThat(audit.read(KEY, 10)).containsExactly(event(1));
    }
}
