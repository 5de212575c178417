package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.Scaffold;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway init}: a working starting point, so nobody writes slipway.yaml from a blank page. */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = "Creates slipway.yaml (and a starter manifest) in a directory. Never overwrites a file.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway init                 # in the current directory", "  slipway init my-app --name shop"})
final class InitCommand implements Callable<Integer> {
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "DIR",
            defaultValue = ".",
            description = "Directory to create the app in (default: the current one).")
    Path directory;

    @Option(names = "--name", paramLabel = "APP", description = "App name (default: the directory's name).")
    String name;

    @Override
    public Integer call() {
        Path dir = root.context().resolve(directory);
        String app = name != null
                ? name
                : dir.getFileName() == null ? "" : dir.getFileName().toString();
        if (!APP_NAME.matcher(app).matches()) {
            throw new InvalidInputException(new Problem(
                    name != null ? "--name" : dir.toString(),
                    "\"" + app + "\" is not a valid app name",
                    "app names are lower-case letters, digits and '-' (RFC 1123 label); pass --name"));
        }
        Map<Path, String> files = Scaffold.files(app);
        List<Path> existing =
                files.keySet().stream().map(dir::resolve).filter(Files::exists).toList();
        if (!existing.isEmpty()) {
            throw new InvalidInputException(existing.stream()
                    .map(p -> new Problem(p.toString(), "already exists", "init never overwrites; move it away first"))
                    .toList());
        }
        var out = spec.commandLine().getOut();
        try {
            for (Map.Entry<Path, String> file : files.entrySet()) {
                Path target = dir.resolve(file.getKey());
                Files.createDirectories(target.getParent());
                Files.writeString(target, file.getValue(), StandardCharsets.UTF_8);
                out.println("created " + root.context().workingDirectory().relativize(target));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println("Next: edit slipway.yaml, then `slipway validate " + directory + "`.");
        return ExitCodes.OK;
    }
}
