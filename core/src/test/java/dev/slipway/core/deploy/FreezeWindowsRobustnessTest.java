package dev.slipway.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever a freeze windows file says, reading it ends in windows or in located problems, never in a stack
 * trace; and what was read answers every question (which freeze holds, when the next starts) at any instant.
 */
class FreezeWindowsRobustnessTest {
    private static final Path FILE = Path.of("freeze-windows.yaml");

    private static final List<String> CRONS = List.of(
            "\"0 18 * * FRI\"",
            "\"30 2 * * *\"",
            "\"0 * * * *\"",
            "\"* * * * *\"",
            "\"*/15 9-17 * * 1-5\"",
            "\"0 0 1 * *\"",
            "\"0 0 29 2 *\"",
            "\"0 12 * 1,6 SUN\"",
            "\"0 0 * * 7\"",
            "\"0 18 * * FRI,\"",
            "\"0 18 * *\"",
            "\"0 18 * * * *\"",
            "\"60 * * * *\"",
            "\"*/0 * * * *\"",
            "\"5-1 * * * *\"",
            "\"@weekly\"",
            "\"0 0 ? * *\"",
            "\"0 0 L * *\"",
            "\"0 0 * * 5#2\"",
            "\"\"",
            "\" \"",
            "\"x y z w v\"",
            "\"0 18 * * FRIDAY\"",
            "\"-1 * * * *\"",
            "5",
            "[a]",
            "{a: b}",
            "null");
    private static final List<String> DURATIONS = List.of(
            "62h",
            "30m",
            "1h30m",
            "3d",
            "31d",
            "32d",
            "0h",
            "0",
            "-1h",
            "1ms",
            "1s",
            "99999999999999999999h",
            "h",
            "2 h",
            "1.5h",
            "PT2H",
            "\"\"",
            "62",
            "true",
            "[1h]");
    private static final List<String> ZONES = List.of(
            "Europe/Berlin",
            "UTC",
            "America/New_York",
            "Pacific/Apia",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "Berlin",
            "europe/berlin",
            "+02:00",
            "GMT+1",
            "Z",
            "\"\"",
            "Mars/Olympus",
            "1",
            "[UTC]");
    private static final List<String> ENVS = List.of(
            "[production]",
            "[\"*\"]",
            "[production, staging]",
            "[]",
            "production",
            "[Production]",
            "[\"\"]",
            "[1]",
            "[[a]]",
            "{a: b}",
            "[\"*\", qa]");
    private static final List<String> NAMES =
            List.of("weekend", "night", "ok-2", "Weekend", "\"\"", "a-very-long-name-" + "x".repeat(60), "1", "-x");
    private static final List<String> REASONS =
            List.of("no deploys over the weekend", "\"\"", "\"  \"", "1", "[a]", "\"é ✓ \\u0000\"", "null");
    private static final List<String> TOKENS = List.of(
            ":",
            ": ",
            "- ",
            "{",
            "}",
            "[",
            "]",
            "'",
            "\"",
            "#",
            "&a ",
            "*a",
            "<<: *a",
            "!!binary ",
            "|\n",
            "\t",
            "  ",
            "\n",
            "\n  ",
            ",",
            "?",
            "---\n",
            "null",
            "~",
            "0x1F",
            "yes",
            "\uFEFF",
            "windows:",
            "name: x",
            "cron: ",
            "duration: ",
            "timeZone: ",
            "environments: ",
            "reason: ");

    private static final String SEED = """
            windows:
              - name: weekend
                environments: [production]
                cron: "0 18 * * FRI"
                duration: 62h
                timeZone: Europe/Berlin
                reason: no deploys over the weekend
              - {name: night, environments: ["*"], cron: "30 2 * * *", duration: 90m, timeZone: UTC, reason: backups}
            """;

    @Property(tries = 400)
    void anyFileLoadsOrFailsWithLocatedProblemsAndWhatLoadsAnswersAtAnyInstant(
            @ForAll("texts") String text,
            @ForAll @LongRange(min = -2_000_000_000L, max = 8_000_000_000L) long second,
            @ForAll("environments") String environment) {
        FreezeWindows windows;
        try {
            windows = FreezeWindows.parse(text, FILE);
        } catch (InvalidInputException e) {
            Statistics.label("outcome").collect("refused");
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
                assertThat(p.where()).startsWith(FILE.toString());
                assertThat(p.what()).isNotBlank();
            });
            return;
        }
        Statistics.label("outcome").collect("loaded");
        assertThat(windows.text()).isEqualTo(text);
        Instant now = Instant.ofEpochSecond(second);
        Optional<Freeze> freeze = windows.activeAt(environment, now);
        freeze.ifPresent(f -> {
            assertThat(f.by()).startsWith("window ");
            assertThat(f.since()).isBeforeOrEqualTo(now);
            assertThat(f.holdsAt(now)).isTrue();
            assertThat(f.until()).isPresent();
        });
        windows.nextStart(environment, now).ifPresent(next -> assertThat(next).isAfter(now));
    }

    /**
     * One valid window, in zones with daylight-saving switches, half-hour and 45-minute offsets and a skipped day:
     * a freeze found starts at a start {@link FreezeWindows#nextStart} names, and the next start begins one.
     */
    @Property(tries = 300)
    void eachFreezeOfAWindowBeginsAtOneOfItsStarts(
            @ForAll("validCrons") String cron,
            @ForAll("validDurations") String duration,
            @ForAll("validZones") String zone,
            @ForAll @LongRange(min = 0, max = 6_000_000_000L) long second) {
        FreezeWindows windows = FreezeWindows.parse(
                "windows:\n  - {name: w, environments: [production], cron: " + cron + ", duration: " + duration
                        + ", timeZone: " + zone + ", reason: r}\n",
                FILE);
        Instant now = Instant.ofEpochSecond(second);
        Optional<Freeze> freeze = windows.activeAt("production", now);
        Statistics.label("frozen").collect(freeze.isPresent());
        if (freeze.isPresent()) {
            Freeze f = freeze.get();
            assertThat(f.since()).isBeforeOrEqualTo(now);
            assertThat(f.holdsAt(now)).isTrue();
            assertThat(windows.nextStart("production", f.since().minusMillis(1)))
                    .contains(f.since());
            assertThat(windows.activeAt("production", f.since())).contains(f);
        } else {
            Instant next = windows.nextStart("production", now).orElseThrow();
            assertThat(next).isAfter(now);
            assertThat(windows.activeAt("production", next).orElseThrow().since())
                    .isEqualTo(next);
        }
    }

    @Provide
    Arbitrary<String> validCrons() {
        return Arbitraries.of(CRONS.subList(0, 9));
    }

    @Provide
    Arbitrary<String> validDurations() {
        return Arbitraries.of(DURATIONS.subList(0, 5));
    }

    @Provide
    Arbitrary<String> validZones() {
        return Arbitraries.of(ZONES.subList(0, 6));
    }

    @Provide
    Arbitrary<String> environments() {
        return Arbitraries.of("production", "staging", "lab-1");
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> random = Arbitraries.strings()
                .withChars("abcXYZ019 :-{}[]'\"#&*!|>\t,?%@`\n.~/")
                .ofMaxLength(120);
        Arbitrary<String> edited = edit().list().ofMinSize(1).ofMaxSize(3).map(edits -> {
            String text = SEED;
            for (Edit e : edits) {
                text = e.apply(text);
            }
            return text;
        });
        Arbitrary<String> built = window().list()
                .ofMaxSize(3)
                .map(list -> list.isEmpty() ? "windows: []\n" : "windows:\n" + String.join("", list));
        return Arbitraries.frequencyOf(Tuple.of(2, random), Tuple.of(3, edited), Tuple.of(5, built));
    }

    /** One window from the pools above, each field sometimes left out. */
    private static Arbitrary<String> window() {
        return Combinators.combine(
                        field("name", NAMES, 3),
                        field("environments", ENVS, 3),
                        field("cron", CRONS, 9),
                        field("duration", DURATIONS, 5),
                        field("timeZone", ZONES, 6),
                        field("reason", REASONS, 1))
                .as((a, b, c, d, e, f) -> {
                    String body = a + b + c + d + e + f;
                    return body.isEmpty() ? "  - {}\n" : "  - " + body.substring(4);
                });
    }

    /** A field line: mostly one of the first {@code valid} values of the pool, sometimes a bad one or none. */
    private static Arbitrary<String> field(String name, List<String> values, int valid) {
        return Arbitraries.frequencyOf(
                        Tuple.of(12, Arbitraries.of(values.subList(0, valid))),
                        Tuple.of(1, Arbitraries.of(values.subList(valid, values.size()))),
                        Tuple.of(1, Arbitraries.just((String) null)))
                .map(v -> v == null ? "" : "    " + name + ": " + v + "\n");
    }

    private record Edit(int kind, double where, String what) {
        String apply(String text) {
            int at = (int) (where * text.length());
            switch (kind) {
                case 0:
                    return text.substring(0, at) + what + text.substring(at);
                case 1:
                    return text.substring(0, at) + text.substring(Math.min(text.length(), at + what.length()));
                default:
                    // Replace the value of the line holding `at` with a value from a pool.
                    int start = text.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
                    int end = text.indexOf('\n', at);
                    String line = text.substring(start, end < 0 ? text.length() : end);
                    int colon = line.indexOf(": ");
                    if (colon < 0) {
                        return text;
                    }
                    String replaced = line.substring(0, colon + 2) + what;
                    return text.substring(0, start) + replaced + (end < 0 ? "" : text.substring(end));
            }
        }
    }

    private static Arbitrary<Edit> edit() {
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.of(CRONS),
                Arbitraries.of(DURATIONS),
                Arbitraries.of(ZONES),
                Arbitraries.of(ENVS),
                Arbitraries.of(TOKENS));
        return Combinators.combine(
                        Arbitraries.integers().between(0, 2),
                        Arbitraries.doubles().between(0, 1),
                        values)
                .as(Edit::new);
    }
}
