package dev.slipway.core.deploy;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.manifest.KubernetesNames;
import dev.slipway.core.manifest.YamlCursor;
import dev.slipway.core.manifest.YamlDocument;
import dev.slipway.core.manifest.YamlDocuments;
import dev.slipway.core.spec.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Recurring deploy freezes read from a file: each window starts whenever its Unix cron expression fires, read
 * on the wall clock of its time zone, and lasts its duration on that same wall clock, so a weekend window
 * {@code 0 18 * * FRI} for {@code 62h} in Europe/Berlin ends on Monday at 08:00 Berlin time whichever side of a
 * daylight-saving switch the weekend falls. A start the clock skips (02:30 on the spring switch) happens when the
 * clock jumps, an hour later; a start the clock shows twice (02:30 on the autumn switch) happens the first time.
 *
 * <pre>
 * windows:
 *   - name: weekend
 *     environments: [production]   # or ["*"]: every environment
 *     cron: "0 18 * * FRI"
 *     duration: 62h
 *     timeZone: Europe/Berlin
 *     reason: no deploys over the weekend
 * </pre>
 *
 * <p>Immutable; the original text is kept ({@link #text()}) so it can be stored or shipped as written.
 */
public final class FreezeWindows {
    static final List<String> TOP_FIELDS = List.of("windows");
    static final List<String> WINDOW_FIELDS = List.of("name", "environments", "cron", "duration", "timeZone", "reason");

    /** The longest window: longer ones are almost certainly a typo (a permanent freeze is a plain freeze). */
    public static final Duration MAX_DURATION = Duration.ofDays(31);

    /** The environment name that stands for every environment. */
    public static final String ALL_ENVIRONMENTS = "*";

    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Pattern ZERO = Pattern.compile("(0+(ms|s|m|h|d))+");
    private static final String CRON_EXAMPLE =
            "write five fields, minute hour day-of-month month day-of-week, quoted, e.g. cron: \"0 18 * * FRI\""
                    + " (Fridays at 18:00) or cron: \"0 22 * * *\" (every day at 22:00)";
    private static final FreezeWindows EMPTY = new FreezeWindows(List.of(), "windows: []\n");

    /**
     * One recurring window as written in the file.
     *
     * @param name unique label-like name; a freeze it makes is by {@code window NAME}
     * @param environments environment names it freezes, for every app; {@code *} for all
     * @param cron the Unix cron expression (five fields) of its starts, as written
     * @param duration how long each occurrence lasts on the wall clock of {@code timeZone}
     * @param timeZone the IANA zone the cron and duration are read in
     * @param reason why, shown to whoever is refused
     * @param location where it is written (file:line)
     */
    public record Window(
            String name,
            List<String> environments,
            String cron,
            Duration duration,
            ZoneId timeZone,
            String reason,
            SourceLocation location) {
        public Window {
            Objects.requireNonNull(name, "name");
            environments = List.copyOf(environments);
            Objects.requireNonNull(cron, "cron");
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(timeZone, "timeZone");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(location, "location");
        }

        /** Whether it freezes {@code environment} (it names it, or {@code *}). */
        public boolean appliesTo(String environment) {
            return environments.contains(ALL_ENVIRONMENTS) || environments.contains(environment);
        }
    }

    /** A window with its cron compiled. */
    private static final class Schedule {
        final Window window;
        final ExecutionTime times;

        Schedule(Window window, ExecutionTime times) {
            this.window = window;
            this.times = times;
        }

        ZoneId zone() {
            return window.timeZone();
        }

        /** The latest wall-clock start at or before {@code local}. */
        Optional<LocalDateTime> atOrBefore(LocalDateTime local) {
            LocalDateTime minute = local.truncatedTo(ChronoUnit.MINUTES);
            if (times.isMatch(pseudo(minute))) {
                return Optional.of(minute);
            }
            return times.lastExecution(pseudo(minute)).map(ZonedDateTime::toLocalDateTime);
        }

        Optional<LocalDateTime> before(LocalDateTime local) {
            return times.lastExecution(pseudo(local)).map(ZonedDateTime::toLocalDateTime);
        }

        Optional<LocalDateTime> after(LocalDateTime local) {
            return times.nextExecution(pseudo(local)).map(ZonedDateTime::toLocalDateTime);
        }

        /** When a wall-clock start happens: the first time the clock shows it, or when it jumps past it. */
        Instant start(LocalDateTime local) {
            return ZonedDateTime.ofLocal(local, zone(), null).toInstant();
        }

        /** When the occurrence starting at {@code local} ends: the last time the clock shows its end. */
        Instant end(LocalDateTime local) {
            Instant start = start(local);
            Instant end = ZonedDateTime.ofLocal(local.plus(window.duration()), zone(), null)
                    .withLaterOffsetAtOverlap()
                    .toInstant();
            // A start the clock skipped and an end inside the same gap land on one instant.
            return end.isAfter(start) ? end : start.plus(window.duration());
        }

        /**
         * How far ahead of {@code now}'s wall clock a start may be and still have happened: the length of an
         * autumn switch that {@code now} is in, when the clock shows the repeated hour a second time.
         */
        Duration repeated(Instant now) {
            ZoneOffsetTransition last = zone().getRules().previousTransition(now.plusNanos(1));
            if (last == null || !last.isOverlap()) {
                return Duration.ZERO;
            }
            Duration length = last.getDuration().abs();
            return now.isBefore(last.getInstant().plus(length)) ? length : Duration.ZERO;
        }

        /** The occurrence holding at {@code now} (the one ending last), if any. */
        Optional<Freeze> activeAt(Instant now) {
            LocalDateTime local = LocalDateTime.ofInstant(now, zone());
            Optional<LocalDateTime> s = atOrBefore(local.plus(repeated(now)));
            while (s.isPresent() && start(s.get()).isAfter(now)) {
                s = before(s.get());
            }
            if (s.isEmpty()) {
                return Optional.empty();
            }
            Optional<Freeze> best = occurrence(s.get(), now);
            // Occurrences longer than the cron's interval overlap; around a switch the one before may end later.
            Optional<Freeze> previous = before(s.get()).flatMap(p -> occurrence(p, now));
            return later(best, previous);
        }

        private Optional<Freeze> occurrence(LocalDateTime s, Instant now) {
            Instant start = start(s);
            Instant end = end(s);
            if (start.isAfter(now) || !now.isBefore(end)) {
                return Optional.empty();
            }
            return Optional.of(new Freeze("window " + window.name(), window.reason(), start, Optional.of(end)));
        }

        /** The first start after {@code now}. */
        Optional<Instant> nextStart(Instant now) {
            LocalDateTime local = LocalDateTime.ofInstant(now, zone());
            Optional<LocalDateTime> s = after(local);
            while (s.isPresent() && !start(s.get()).isAfter(now)) {
                s = after(s.get());
            }
            return s.map(this::start);
        }
    }

    private final List<Window> windows;
    private final List<Schedule> schedules;
    private final String text;

    private FreezeWindows(List<Schedule> schedules, String text) {
        this.schedules = List.copyOf(schedules);
        this.windows = this.schedules.stream().map(s -> s.window).toList();
        this.text = text;
    }

    /** No windows. */
    public static FreezeWindows empty() {
        return EMPTY;
    }

    /**
     * Reads and validates a freeze windows file.
     *
     * @throws InvalidInputException listing every problem, each with file:line
     */
    public static FreezeWindows load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(file),
                    "cannot read the freeze windows file: " + e.getMessage(),
                    "check that it exists and is readable UTF-8 text"));
        }
        return parse(text, file);
    }

    /**
     * Validates freeze windows text; {@code file} is used for locations only.
     *
     * @throws InvalidInputException listing every problem, each with file:line
     */
    public static FreezeWindows parse(String text, Path file) {
        List<YamlDocument> docs = YamlDocuments.parse(text, file);
        if (docs.isEmpty()) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(file),
                    "the freeze windows file is empty",
                    "list windows under 'windows:' (see docs/cli.md), or write 'windows: []' for none"));
        }
        List<Problem> problems = new ArrayList<>();
        if (docs.size() > 1) {
            problems.add(Problem.at(
                    docs.get(1).start(), "the freeze windows file holds more than one YAML document", "keep one"));
        }
        YamlCursor root = docs.get(0).strictCursor(problems);
        List<Schedule> schedules = new ArrayList<>();
        if (root.expectObject(TOP_FIELDS)) {
            YamlCursor list = root.get("windows");
            if (list.node().isMissingNode()) {
                root.problem(
                        "missing 'windows'",
                        "list them: windows: [{name: weekend, environments: [production], cron: \"0 18 * * FRI\","
                                + " duration: 62h, timeZone: Europe/Berlin, reason: ...}], or windows: [] for none");
            }
            Map<String, SourceLocation> seen = new HashMap<>();
            for (YamlCursor at : list.items()) {
                window(at).ifPresent(s -> {
                    SourceLocation first =
                            seen.putIfAbsent(s.window.name(), at.get("name").location());
                    if (first != null) {
                        at.get("name")
                                .problem(
                                        "window '" + s.window.name() + "' is defined twice (first at " + first + ")",
                                        "give each window its own name; freezes it makes are shown as 'window NAME'");
                    } else {
                        schedules.add(s);
                    }
                });
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return new FreezeWindows(schedules, text);
    }

    private static Optional<Schedule> window(YamlCursor at) {
        if (!at.node().isObject()) {
            at.problem(
                    "expected a window mapping, got " + YamlCursor.describe(at.node()),
                    "write - {name: weekend, environments: [production], cron: \"0 18 * * FRI\", duration: 62h,"
                            + " timeZone: Europe/Berlin, reason: ...}");
            return Optional.empty();
        }
        at.expectObject(WINDOW_FIELDS);
        boolean ok = true;

        Optional<String> name = at.get("name").requiredText("name the window, e.g. name: weekend");
        if (name.isPresent()) {
            Optional<String> why = KubernetesNames.labelError(name.get());
            if (why.isPresent()) {
                at.get("name")
                        .problem(
                                "window name '" + name.get() + "' " + why.get(),
                                "use e.g. '" + KubernetesNames.toLabel(name.get()) + "'");
                ok = false;
            }
        } else {
            ok = false;
        }

        List<String> environments = environments(at.get("environments"));
        ok &= !environments.isEmpty();

        Optional<Cron> cron = cron(at.get("cron"));
        ok &= cron.isPresent();

        Optional<Duration> duration = duration(at.get("duration"));
        ok &= duration.isPresent();

        Optional<ZoneId> zone = zone(at.get("timeZone"));
        ok &= zone.isPresent();

        YamlCursor reasonAt = at.get("reason");
        Optional<String> reason = reasonAt.requiredText(
                "say why, e.g. reason: no deploys over the weekend; it is shown to whoever is" + " refused");
        if (reason.isPresent() && reason.get().isBlank()) {
            reasonAt.problem("must not be empty", "say why, e.g. reason: no deploys over the weekend");
            ok = false;
        }
        ok &= reason.isPresent();

        if (!ok) {
            return Optional.empty();
        }
        Window window = new Window(
                name.get(),
                environments,
                at.get("cron").node().asText(),
                duration.get(),
                zone.get(),
                reason.get(),
                at.location());
        return Optional.of(new Schedule(window, ExecutionTime.forCron(cron.get())));
    }

    private static List<String> environments(YamlCursor at) {
        if (at.isAbsent()) {
            at.problem(
                    "missing required field",
                    "list the environments it freezes, e.g. environments: [production], or [\"*\"] for all");
            return List.of();
        }
        if (at.node().isArray() && at.node().isEmpty()) {
            at.problem(
                    "no environments: the window would freeze nothing",
                    "list the environments it freezes, e.g. environments: [production], or [\"*\"] for all");
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (YamlCursor e : at.items()) {
            Optional<String> env = e.text();
            if (env.isEmpty()) {
                ok = false;
                continue;
            }
            String v = env.get();
            if (!v.equals(ALL_ENVIRONMENTS)) {
                Optional<String> why = KubernetesNames.labelError(v);
                if (why.isPresent()) {
                    e.problem(
                            "environment name '" + v + "' " + why.get(),
                            "name an environment as in slipway.yaml, e.g. production, or \"*\" for all");
                    ok = false;
                    continue;
                }
            }
            out.add(v);
        }
        return ok ? List.copyOf(out) : List.of();
    }

    private static Optional<Cron> cron(YamlCursor at) {
        Optional<String> text = at.requiredText(CRON_EXAMPLE);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Cron cron;
        try {
            cron = CRON.parse(text.get().trim());
            cron.validate();
        } catch (RuntimeException e) {
            at.problem("'" + text.get() + "' is not a Unix cron expression: " + oneLine(e.getMessage()), CRON_EXAMPLE);
            return Optional.empty();
        }
        ExecutionTime times;
        try {
            times = ExecutionTime.forCron(cron);
            if (times.nextExecution(ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))
                    .isEmpty()) {
                at.problem(
                        "'" + text.get() + "' never fires (no such date)",
                        "check the day of month and month, e.g. \"0 0 29 2 *\" fires on leap days only; "
                                + CRON_EXAMPLE);
                return Optional.empty();
            }
        } catch (RuntimeException e) {
            at.problem("'" + text.get() + "' cannot be evaluated: " + oneLine(e.getMessage()), CRON_EXAMPLE);
            return Optional.empty();
        }
        return Optional.of(cron);
    }

    private static Optional<Duration> duration(YamlCursor at) {
        String fix = "write how long each window lasts, a positive number with a unit (m, h, d), e.g. 30m, 2h,"
                + " 1h30m, 62h, 3d; at most " + MAX_DURATION.toDays() + "d";
        if (at.isAbsent()) {
            at.problem("missing required field", fix);
            return Optional.empty();
        }
        if (at.node().isNumber()) {
            at.problem(
                    "expected a duration with a unit, got the number "
                            + at.node().asText(),
                    fix);
            return Optional.empty();
        }
        Optional<String> text = at.text();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String t = text.get().trim();
        Optional<Duration> d = Durations.parse(t);
        if (d.isEmpty()) {
            if (t.startsWith("-")) {
                at.problem("'" + t + "' is negative: a window must last some time", fix);
            } else if (ZERO.matcher(t).matches()) {
                at.problem("'" + t + "' is zero: the window would never hold", fix);
            } else {
                at.problem("'" + t + "' is not a duration", fix);
            }
            return Optional.empty();
        }
        if (d.get().compareTo(MAX_DURATION) > 0) {
            at.problem(
                    "'" + t + "' is longer than " + MAX_DURATION.toDays() + " days",
                    "a window longer than a month is a freeze: use 'slipway freeze' (with --until) instead, or"
                            + " shorten it");
            return Optional.empty();
        }
        return d;
    }

    private static Optional<ZoneId> zone(YamlCursor at) {
        Optional<String> text = at.requiredText(
                "name the IANA time zone the cron is read in, e.g. timeZone: Europe/Berlin, or timeZone: UTC");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String z = text.get().trim();
        if (ZoneId.getAvailableZoneIds().contains(z)) {
            return Optional.of(ZoneId.of(z));
        }
        at.problem("unknown time zone '" + z + "'", zoneHint(z));
        return Optional.empty();
    }

    private static String zoneHint(String given) {
        String g = given.toLowerCase(Locale.ROOT).replace(' ', '_');
        String byCase = null;
        String byCity = null;
        for (String id : new TreeSet<>(ZoneId.getAvailableZoneIds())) {
            String lower = id.toLowerCase(Locale.ROOT);
            if (lower.equals(g)) {
                byCase = id;
            } else if (byCity == null && !g.isEmpty() && lower.endsWith("/" + g)) {
                byCity = id;
            }
        }
        String best = byCase != null ? byCase : byCity;
        String example = "an IANA zone name such as Europe/Berlin, America/New_York or UTC";
        return best != null ? "did you mean '" + best + "'? (" + example + ")" : "write " + example;
    }

    private static String oneLine(String s) {
        return s == null ? "invalid" : s.replaceAll("\\s+", " ").trim();
    }

    /** The windows in file order. */
    public List<Window> windows() {
        return windows;
    }

    /** The file's text exactly as read ({@code windows: []} for {@link #empty()}). */
    public String text() {
        return text;
    }

    /**
     * The freeze a window puts on {@code environment} at {@code now}: by {@code window NAME}, its reason, since
     * that occurrence's start (inclusive), until its end (exclusive). When several hold, the one ending last.
     */
    public Optional<Freeze> activeAt(String environment, Instant now) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(now, "now");
        Optional<Freeze> best = Optional.empty();
        for (Schedule s : schedules) {
            if (s.window.appliesTo(environment)) {
                best = later(best, s.activeAt(now));
            }
        }
        return best;
    }

    /** When the next window for {@code environment} starts after {@code now}, for status displays. */
    public Optional<Instant> nextStart(String environment, Instant now) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(now, "now");
        return schedules.stream()
                .filter(s -> s.window.appliesTo(environment))
                .map(s -> s.nextStart(now))
                .flatMap(Optional::stream)
                .min(Comparator.naturalOrder());
    }

    private static Optional<Freeze> later(Optional<Freeze> a, Optional<Freeze> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return b.get().until().get().isAfter(a.get().until().get()) ? b : a;
    }

    /** A {@code ZonedDateTime} in UTC showing the wall-clock time {@code local}: cron fields read it as is. */
    private static ZonedDateTime pseudo(LocalDateTime local) {
        return local.atZone(ZoneOffset.UTC);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FreezeWindows other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return "FreezeWindows" + windows.stream().map(Window::name).toList();
    }
}
