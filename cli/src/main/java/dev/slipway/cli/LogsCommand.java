package dev.slipway.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway logs}: the per-app log file {@code slipway up} writes, filtered by service, optionally followed. */
@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "Prints the last lines of a local app's log (<state>/logs/<app>.log), each with its"
                + " app= env= service= replica= cluster= rev= metadata.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway logs predict", "  slipway logs shop --service quotes -f"})
final class LogsCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APP", description = "App name.")
    String app;

    @Option(names = "--service", paramLabel = "S", description = "Only lines of this service.")
    String service;

    @Option(
            names = {"-n", "--lines"},
            defaultValue = "100",
            description = "How many lines (default: 100).")
    int lines;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new lines until interrupted.")
    boolean follow;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path file = root.context().localState().logs().resolve(app + ".log");
        if (!Files.isRegularFile(file)) {
            throw new UserFacingException("no log for app '" + app + "' (" + file + "); has it run with slipway up?");
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            Deque<String> last = new ArrayDeque<>();
            for (String line : all) {
                if (matches(line)) {
                    last.addLast(line);
                    if (last.size() > lines) {
                        last.removeFirst();
                    }
                }
            }
            last.forEach(out::println);
            out.flush();
            if (follow) {
                follow(file, Files.size(file), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return ExitCodes.OK;
    }

    private boolean matches(String line) {
        return service == null || line.contains(" service=" + service + " ");
    }

    private void follow(Path file, long from, PrintWriter out) throws IOException {
        long position = from;
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            file.getParent()
                    .register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
            while (!Thread.currentThread().isInterrupted()) {
                long size = Files.size(file);
                if (size < position) {
                    position = 0; // rotated
                }
                if (size > position) {
                    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                        raf.seek(position);
                        byte[] bytes = new byte[(int) (size - position)];
                        raf.readFully(bytes);
                        String chunk = new String(bytes, StandardCharsets.UTF_8);
                        int end = chunk.lastIndexOf('\n') + 1;
                        for (String line : chunk.substring(0, end).split("\n")) {
                            if (!line.isEmpty() && matches(line)) {
                                out.println(line);
                            }
                        }
                        out.flush();
                        position += chunk.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
                    }
                }
                var key = watch.poll(1, TimeUnit.SECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
