package dev.slipway.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreezeWindowsTest {
    static final Path FILE = Path.of("freeze-windows.yaml");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static final String WEEKEND = """
            windows:
              - name: weekend
                environments: [production]
                cron: "0 18 * * FRI"
                duration: 62h
                timeZone: Europe/Berlin
                reason: no deploys over the weekend
            """;

    static Instant berlin(int year, int month, int day, int hour, int minute) {
        return ZonedDateTime.of(LocalDateTime.of(year, month, day, hour, minute), BERLIN)
                .toInstant();
    }

    static Instant utc(String iso) {
        return Instant.parse(iso);
    }

    /** Problems of {@code text}, each as "where: what". */
    static List<String> problems(String text) {
        try {
            FreezeWindows.parse(text, FILE);
        } catch (InvalidInputException e) {
            return e.problems().stream().map(p -> p.where() + ": " + p.what()).toList();
        }
        throw new AssertionError("expected the file to be refused:\n" + text);
    }

    static Problem onlyProblem(String text) {
        try {
            FreezeWindows.parse(text, FILE);
        } catch (InvalidInputException e) {
            assertThat(e.problems()).as(e.getMessage()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("expected the file to be refused:\n" + text);
    }

    /** The weekend window with {@code field} set to {@code value} (a whole YAML line's value); line 3 + index. */
    static String weekendWith(String field, String value) {
        return WEEKEND.replaceFirst("(?m)^(\\s+-? ?" + field + ": ).*$", "$1" + value.replace("$", "\\$"));
    }

    // --- evaluation ------------------------------------------------------------------------------------

    @Test
    void aWindowHoldsFromItsStartInclusiveToItsEndExclusive() {
        FreezeWindows w = FreezeWindows.parse("""
                windows:
                  - {name: nightly, environments: [production], cron: "0 22 * * *", duration: 2h, timeZone: UTC,
                     reason: backups run}
                """, FILE);
        Instant start = utc("2026-12-07T22:00:00Z");
        assertThat(w.activeAt("production", start.minusMillis(1))).isEmpty();
        Freeze f = w.activeAt("production", start).orElseThrow();
        assertThat(f)
                .isEqualTo(
                        new Freeze("window nightly", "backups run", start, Optional.of(utc("2026-12-08T00:00:00Z"))));
        assertThat(f.describe()).isEqualTo("frozen by window nightly until 2026-12-08T00:00:00Z: backups run");
        assertThat(w.activeAt("production", start.plusSeconds(30)).orElseThrow().since())
                .as("within the start minute")
                .isEqualTo(start);
        assertThat(w.activeAt("production", utc("2026-12-07T23:59:59.999Z"))).contains(f);
        assertThat(w.activeAt("production", utc("2026-12-08T00:00:00Z")))
                .as("the end")
                .isEmpty();
        assertThat(w.activeAt("staging", start)).as("another environment").isEmpty();

        assertThat(w.nextStart("production", start.minusSeconds(60))).contains(start);
        assertThat(w.nextStart("production", start)).as("strictly after").contains(utc("2026-12-08T22:00:00Z"));
        assertThat(w.nextStart("staging", start)).isEmpty();
        assertThat(w.windows()).singleElement().satisfies(win -> {
            assertThat(win.name()).isEqualTo("nightly");
            assertThat(win.cron()).isEqualTo("0 22 * * *");
            assertThat(win.duration()).isEqualTo(Duration.ofHours(2));
            assertThat(win.timeZone()).isEqualTo(ZoneId.of("UTC"));
            assertThat(win.location().toString()).isEqualTo("freeze-windows.yaml:2");
        });
    }

    @Test
    void aBerlinWeekendWindowRunsFridayEveningToMondayMorningBerlinTimeInAnOrdinaryWeek() {
        FreezeWindows w = FreezeWindows.parse(WEEKEND, FILE);
        Instant fri = berlin(2026, 12, 4, 18, 0);
        Instant mon = berlin(2026, 12, 7, 8, 0);
        assertThat(fri).isEqualTo(utc("2026-12-04T17:00:00Z"));
        assertThat(w.activeAt("production", fri.minusSeconds(1))).isEmpty();
        assertThat(w.activeAt("production", berlin(2026, 12, 6, 12, 0)))
                .contains(new Freeze("window weekend", "no deploys over the weekend", fri, Optional.of(mon)));
        assertThat(w.activeAt("production", mon.minusMillis(1))).isPresent();
        assertThat(w.activeAt("production", mon)).isEmpty();
        assertThat(w.nextStart("production", mon)).contains(berlin(2026, 12, 11, 18, 0));
    }

    @Test
    void acrossTheMarchSwitchTheWeekendStillEndsMondayAtEightBerlinTime() {
        // Clocks go from 02:00 to 03:00 on Sunday 28 March 2027: the weekend is an hour shorter.
        FreezeWindows w = FreezeWindows.parse(WEEKEND, FILE);
        Instant fri = utc("2027-03-26T17:00:00Z"); // 18:00 CET
        Instant mon = utc("2027-03-29T06:00:00Z"); // 08:00 CEST
        assertThat(w.activeAt("production", fri.minusMillis(1))).isEmpty();
        Freeze f = w.activeAt("production", fri).orElseThrow();
        assertThat(f.since()).isEqualTo(fri);
        assertThat(f.until()).contains(mon);
        assertThat(Duration.between(fri, mon)).isEqualTo(Duration.ofHours(61));
        assertThat(w.activeAt("production", utc("2027-03-28T01:30:00Z")))
                .as("just after the switch")
                .contains(f);
        assertThat(w.activeAt("production", mon.minusMillis(1))).contains(f);
        assertThat(w.activeAt("production", mon)).isEmpty();
        assertThat(w.activeAt("production", utc("2027-03-29T06:30:00Z")))
                .as("07:30 UTC+1 would be inside a window counted in elapsed hours; 08:30 Berlin is not")
                .isEmpty();
        assertThat(w.nextStart("production", utc("2027-03-25T00:00:00Z"))).contains(fri);
        assertThat(w.nextStart("production", fri)).contains(utc("2027-04-02T16:00:00Z")); // 18:00 CEST
    }

    @Test
    void acrossTheOctoberSwitchTheWeekendStillEndsMondayAtEightBerlinTime() {
        // Clocks go from 03:00 back to 02:00 on Sunday 25 October 2026: the weekend is an hour longer.
        FreezeWindows w = FreezeWindows.parse(WEEKEND, FILE);
        Instant fri = utc("2026-10-23T16:00:00Z"); // 18:00 CEST
        Instant mon = utc("2026-10-26T07:00:00Z"); // 08:00 CET
        assertThat(w.activeAt("production", fri.minusMillis(1))).isEmpty();
        Freeze f = w.activeAt("production", fri).orElseThrow();
        assertThat(f.until()).contains(mon);
        assertThat(Duration.between(fri, mon)).isEqualTo(Duration.ofHours(63));
        assertThat(w.activeAt("production", utc("2026-10-25T00:30:00Z")))
                .as("02:30 the first time")
                .contains(f);
        assertThat(w.activeAt("production", utc("2026-10-25T01:30:00Z")))
                .as("02:30 the second time")
                .contains(f);
        assertThat(w.activeAt("production", utc("2026-10-26T06:30:00Z")))
                .as("07:30 Berlin, which a window of 62 elapsed hours would already have left")
                .contains(f);
        assertThat(w.activeAt("production", mon)).isEmpty();
        assertThat(w.nextStart("production", fri)).contains(utc("2026-10-30T17:00:00Z")); // 18:00 CET
    }

    @Test
    void aStartTheSpringSwitchSkipsHappensWhenTheClockJumpsAndARepeatedOneTheFirstTime() {
        FreezeWindows w = FreezeWindows.parse("""
                windows:
                  - name: night
                    environments: [production]
                    cron: "30 2 * * *"
                    duration: 30m
                    timeZone: Europe/Berlin
                    reason: maintenance
                """, FILE);
        // 28 March 2027: 02:30 does not exist; the window starts at 03:30 CEST and lasts its 30 minutes.
        Freeze spring = w.activeAt("production", utc("2027-03-28T01:45:00Z")).orElseThrow();
        assertThat(spring.since()).isEqualTo(utc("2027-03-28T01:30:00Z"));
        assertThat(spring.until()).contains(utc("2027-03-28T02:00:00Z"));
        assertThat(w.activeAt("production", utc("2027-03-28T01:29:00Z"))).isEmpty();
        assertThat(w.nextStart("production", utc("2027-03-28T00:00:00Z"))).contains(utc("2027-03-28T01:30:00Z"));
        // 25 October 2026: 02:30 happens twice; the window starts the first time and ends at 03:00 CET.
        Freeze autumn = w.activeAt("production", utc("2026-10-25T00:30:00Z")).orElseThrow();
        assertThat(autumn.since()).isEqualTo(utc("2026-10-25T00:30:00Z"));
        assertThat(autumn.until()).contains(utc("2026-10-25T02:00:00Z"));
        assertThat(w.activeAt("production", utc("2026-10-25T01:10:00Z")))
                .as("02:10 the second time, before 02:30 shows again")
                .contains(autumn);
        assertThat(w.activeAt("production", utc("2026-10-25T01:45:00Z"))).contains(autumn);
        assertThat(w.activeAt("production", utc("2026-10-25T02:00:00Z"))).isEmpty();
        assertThat(w.nextStart("production", utc("2026-10-25T00:30:00Z")))
                .as("not again at the second 02:30")
                .contains(utc("2026-10-26T01:30:00Z"));
    }

    @Test
    void aStarWindowFreezesEveryEnvironmentAndTheOneEndingLastWins() {
        FreezeWindows w = FreezeWindows.parse("""
                windows:
                  - name: release-week
                    environments: ["*"]
                    cron: "0 9 * * MON"
                    duration: 3d
                    timeZone: UTC
                    reason: release week
                  - name: monday-morning
                    environments: [production, staging]
                    cron: "0 8 * * MON"
                    duration: 4h
                    timeZone: UTC
                    reason: planning
                """, FILE);
        Instant mon = utc("2026-12-07T00:00:00Z");
        assertThat(w.activeAt("lab-42", mon.plus(Duration.ofHours(9))).map(Freeze::by))
                .contains("window release-week");
        assertThat(w.activeAt("production", mon.plus(Duration.ofHours(8))).map(Freeze::by))
                .as("only the Monday-morning one has started")
                .contains("window monday-morning");
        assertThat(w.activeAt("production", mon.plus(Duration.ofHours(10))))
                .as("both hold: the one ending last")
                .contains(new Freeze(
                        "window release-week",
                        "release week",
                        mon.plus(Duration.ofHours(9)),
                        Optional.of(utc("2026-12-10T09:00:00Z"))));
        assertThat(w.activeAt("lab-42", mon.plus(Duration.ofHours(8)))).isEmpty();
        assertThat(w.nextStart("staging", mon)).contains(mon.plus(Duration.ofHours(8)));
        assertThat(w.nextStart("lab-42", mon)).contains(mon.plus(Duration.ofHours(9)));
    }

    @Test
    void occurrencesLongerThanTheCronsIntervalOverlapIntoOneFreezeEndingWithTheLatest() {
        FreezeWindows w = FreezeWindows.parse("""
                windows:
                  - {name: hourly, environments: [production], cron: "0 * * * *", duration: 90m, timeZone: UTC,
                     reason: busy}
                """, FILE);
        Freeze f = w.activeAt("production", utc("2026-12-07T10:15:00Z")).orElseThrow();
        assertThat(f.since()).isEqualTo(utc("2026-12-07T10:00:00Z"));
        assertThat(f.until()).contains(utc("2026-12-07T11:30:00Z"));
    }

    @Test
    void sundayIsZeroSevenOrSun() {
        for (String dow : List.of("0", "7", "SUN")) {
            FreezeWindows w = FreezeWindows.parse(
                    weekendWith("cron", "\"0 0 * * " + dow + "\"").replace("Europe/Berlin", "UTC"), FILE);
            assertThat(w.nextStart("production", utc("2026-12-07T00:00:00Z"))) // a Monday
                    .as(dow)
                    .contains(utc("2026-12-13T00:00:00Z"));
        }
    }

    @Test
    void anEmptyListHasNoWindowsAndTheTextIsKeptAsWritten(@TempDir Path dir) throws Exception {
        assertThat(FreezeWindows.parse("windows: []\n", FILE).windows()).isEmpty();
        assertThat(FreezeWindows.empty().activeAt("production", Instant.EPOCH)).isEmpty();
        assertThat(FreezeWindows.empty().nextStart("production", Instant.EPOCH)).isEmpty();
        Path file = dir.resolve("freeze-windows.yaml");
        Files.writeString(file, "# ours\n" + WEEKEND);
        FreezeWindows loaded = FreezeWindows.load(file);
        assertThat(loaded.text()).isEqualTo("# ours\n" + WEEKEND);
        assertThat(loaded.windows()).extracting(FreezeWindows.Window::name).containsExactly("weekend");
        assertThat(loaded.windows().get(0).location().toString()).isEqualTo(file + ":3");
        assertThatThrownBy(() -> FreezeWindows.load(dir.resolve("missing.yaml")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot read the freeze windows file");
    }

    // --- bad input -------------------------------------------------------------------------------------

    @Test
    void anUnknownFieldIsNamedWithItsLineAndTheClosestKnownOne() {
        Problem p = onlyProblem(WEEKEND.replace("    reason:", "    reasons: why\n    reason:"));
        assertThat(p.where()).isEqualTo("freeze-windows.yaml:7");
        assertThat(p.what()).isEqualTo("windows[0].reasons: unknown field");
        assertThat(p.fix()).contains("did you mean 'reason'?");
        assertThat(problems(WEEKEND.replace("    timeZone:", "    timezone:")))
                .containsExactlyInAnyOrder(
                        "freeze-windows.yaml:6: windows[0].timezone: unknown field",
                        "freeze-windows.yaml:2: windows[0].timeZone: missing required field");
        assertThat(problems(WEEKEND.replace("windows:", "window:")))
                .contains("freeze-windows.yaml:1: window: unknown field");
    }

    @Test
    void aBadCronSaysWhatIsWrongWithAnExample() {
        Problem p = onlyProblem(weekendWith("cron", "\"0 18 * FRI\""));
        assertThat(p.where()).isEqualTo("freeze-windows.yaml:4");
        assertThat(p.what())
                .startsWith("windows[0].cron: '0 18 * FRI' is not a Unix cron expression: ")
                .contains("4 parts");
        assertThat(p.fix()).contains("\"0 18 * * FRI\"");
        assertThat(onlyProblem(weekendWith("cron", "\"61 18 * * FRI\"")).what()).contains("61");
        assertThat(onlyProblem(weekendWith("cron", "\"0 18 * * FRI 2027\"")).what())
                .contains("6 parts");
        assertThat(onlyProblem(weekendWith("cron", "\"@weekly\"")).what()).contains("not a Unix cron expression");
        Problem never = onlyProblem(weekendWith("cron", "\"0 0 30 2 *\""));
        assertThat(never.what()).isEqualTo("windows[0].cron: '0 0 30 2 *' never fires (no such date)");
        assertThat(onlyProblem(weekendWith("cron", "5")).what()).contains("expected a string");
    }

    @Test
    void anUnknownZoneSuggestsOne() {
        Problem p = onlyProblem(weekendWith("timeZone", "Berlin"));
        assertThat(p.where()).isEqualTo("freeze-windows.yaml:6");
        assertThat(p.what()).isEqualTo("windows[0].timeZone: unknown time zone 'Berlin'");
        assertThat(p.fix()).startsWith("did you mean 'Europe/Berlin'?").contains("UTC");
        assertThat(onlyProblem(weekendWith("timeZone", "europe/berlin")).fix())
                .startsWith("did you mean 'Europe/Berlin'?");
        assertThat(onlyProblem(weekendWith("timeZone", "Mars/Olympus")).fix())
                .isEqualTo("write an IANA zone name such as Europe/Berlin, America/New_York or UTC");
        assertThat(onlyProblem(weekendWith("timeZone", "\"+02:00\"")).what()).contains("unknown time zone '+02:00'");
        Problem missing = onlyProblem(WEEKEND.replace("    timeZone: Europe/Berlin\n", ""));
        assertThat(missing.where()).as("the window's line").isEqualTo("freeze-windows.yaml:2");
        assertThat(missing.what()).isEqualTo("windows[0].timeZone: missing required field");
        assertThat(missing.fix()).contains("Europe/Berlin").contains("UTC");
    }

    @Test
    void aDurationMustBePositiveReadableAndAtMostThirtyOneDays() {
        for (String bad : List.of("0h", "0m0s", "-2h", "soon", "2 h", "62")) {
            Problem p = onlyProblem(weekendWith("duration", bad));
            assertThat(p.where()).as(bad).isEqualTo("freeze-windows.yaml:5");
            assertThat(p.fix()).as(bad).contains("30m, 2h, 1h30m");
        }
        assertThat(onlyProblem(weekendWith("duration", "0h")).what())
                .isEqualTo("windows[0].duration: '0h' is zero: the window would never hold");
        assertThat(onlyProblem(weekendWith("duration", "-2h")).what()).contains("is negative");
        assertThat(onlyProblem(weekendWith("duration", "soon")).what())
                .isEqualTo("windows[0].duration: 'soon' is not a duration");
        assertThat(onlyProblem(weekendWith("duration", "62")).what()).contains("with a unit, got the number 62");
        Problem tooLong = onlyProblem(weekendWith("duration", "32d"));
        assertThat(tooLong.what()).isEqualTo("windows[0].duration: '32d' is longer than 31 days");
        assertThat(tooLong.fix()).contains("slipway freeze");
        assertThat(FreezeWindows.parse(weekendWith("duration", "31d"), FILE)
                        .windows()
                        .get(0)
                        .duration())
                .isEqualTo(Duration.ofDays(31));
        assertThat(FreezeWindows.parse(weekendWith("duration", "1h30m"), FILE)
                        .windows()
                        .get(0)
                        .duration())
                .isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void namesMustBeUniqueAndLabelLike() {
        String twice = WEEKEND + WEEKEND.replace("windows:\n", "").replace("production", "staging");
        Problem p = onlyProblem(twice);
        assertThat(p.where()).isEqualTo("freeze-windows.yaml:8");
        assertThat(p.what())
                .isEqualTo("windows[1].name: window 'weekend' is defined twice (first at freeze-windows.yaml:2)");
        Problem bad = onlyProblem(weekendWith("name", "Week End"));
        assertThat(bad.where()).isEqualTo("freeze-windows.yaml:2");
        assertThat(bad.what()).contains("window name 'Week End' must consist of lower-case letters");
        assertThat(onlyProblem(WEEKEND.replace("  - name: weekend\n    environments", "  - environments"))
                        .what())
                .isEqualTo("windows[0].name: missing required field");
    }

    @Test
    void environmentsAreRequiredAndNotEmpty() {
        Problem empty = onlyProblem(weekendWith("environments", "[]"));
        assertThat(empty.where()).isEqualTo("freeze-windows.yaml:3");
        assertThat(empty.what()).isEqualTo("windows[0].environments: no environments: the window would freeze nothing");
        assertThat(empty.fix()).contains("[\"*\"]");
        assertThat(onlyProblem(WEEKEND.replace("    environments: [production]\n", ""))
                        .what())
                .isEqualTo("windows[0].environments: missing required field");
        assertThat(onlyProblem(weekendWith("environments", "[Production]")).what())
                .contains("environment name 'Production'");
        assertThat(onlyProblem(weekendWith("environments", "production")).what())
                .contains("expected a list");
    }

    @Test
    void aReasonIsRequired() {
        Problem missing = onlyProblem(WEEKEND.replace("    reason: no deploys over the weekend\n", ""));
        assertThat(missing.where()).isEqualTo("freeze-windows.yaml:2");
        assertThat(missing.what()).isEqualTo("windows[0].reason: missing required field");
        assertThat(missing.fix()).contains("shown to whoever is refused");
        assertThat(onlyProblem(weekendWith("reason", "\"  \"")).what())
                .isEqualTo("windows[0].reason: must not be empty");
        assertThat(onlyProblem(weekendWith("reason", "")).what())
                .isEqualTo("windows[0].reason: missing required field");
    }

    @Test
    void everyProblemInTheFileIsListedAtOnce() {
        String text = """
                windows:
                  - name: weekend
                    environments: []
                    cron: "0 18 * *"
                    duration: 0h
                    timeZone: Berlin
                    reason: no deploys
                    color: red
                """;
        assertThat(problems(text))
                .containsExactlyInAnyOrder(
                        "freeze-windows.yaml:8: windows[0].color: unknown field",
                        "freeze-windows.yaml:3: windows[0].environments: no environments: the window would freeze nothing",
                        "freeze-windows.yaml:4: windows[0].cron: '0 18 * *' is not a Unix cron expression: Cron"
                                + " expression contains 4 parts but we expect one of [5]",
                        "freeze-windows.yaml:5: windows[0].duration: '0h' is zero: the window would never hold",
                        "freeze-windows.yaml:6: windows[0].timeZone: unknown time zone 'Berlin'");
    }

    @Test
    void anEmptyOrMalformedFileIsRefusedWithHowToFixIt() {
        assertThat(onlyProblem("").fix()).contains("windows: []");
        assertThat(onlyProblem("# nothing yet\n").what()).isEqualTo("the freeze windows file is empty");
        assertThat(onlyProblem("windows:\n").what()).isEqualTo("windows: has no value");
        assertThat(problems("other: 1\n")).contains("freeze-windows.yaml:1: other: unknown field");
        assertThat(onlyProblem("windows: [weekend]\n").what()).contains("expected a window mapping");
        assertThat(onlyProblem("windows:\n  - cron: * * * * *\n").what()).startsWith("invalid YAML");
        assertThat(onlyProblem("windows: []\n---\nwindows: []\n").what()).contains("more than one YAML document");
    }
}
