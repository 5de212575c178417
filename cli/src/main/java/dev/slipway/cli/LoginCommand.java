package dev.slipway.cli;

import dev.slipway.cli.CliConfig.Setting;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway login}: keeps a server's API token in the OS keyring, so no command needs it on argv or disk. */
@Command(
        name = "login",
        mixinStandardHelpOptions = true,
        description = {
            "Stores the API token for a Slipway server, read from stdin (prompted without echo on a terminal).",
            "",
            "The token is checked against the server first, then kept per server URL in the OS keyring: the"
                    + " Secret Service (secret-tool) on Linux, the login keychain on macOS. Without a keyring it"
                    + " goes to the server's own file ~/.config/slipway/tokens/<URL> (mode 0600) instead, and"
                    + " login says so; logins to other servers keep their tokens. When a token file is named"
                    + " (--token-file, $SLIPWAY_TOKEN_FILE, token-file: in config.yaml) it goes to that file, since"
                    + " a named file is what every command reads first.",
            "",
            "There is deliberately no way to pass the token as an argument: argv is visible to every user of the"
                    + " machine and ends up in shell history.",
            "",
            "With --chat-link it stores nothing: it asks the server, with the token you are logged in with, for a"
                    + " one-time code that links your chat user to you (say it to Slipway in chat within 10 minutes)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway login --server https://slipway.internal:7420 --ca ca.pem",
            "  printf %%s \"$SLIPWAY_TOKEN\" | slipway login --server https://slipway.internal:7420",
            "  slipway deploy . --env production --server https://slipway.internal:7420",
            "  slipway login --chat-link --server https://slipway.internal:7420"
        })
final class LoginCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(
            names = "--chat-link",
            description = "Print a one-time code that links your chat user to the token you are logged in with"
                    + " (docs/chat.md), instead of storing a token.")
    boolean chatLink;

    @Override
    public Integer call() {
        CliContext context = root.context();
        String url = server.server(context)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "--server",
                        "no server to log in to",
                        "pass --server URL, or set $" + ServerOptions.SERVER_ENV + " or server: in "
                                + CliConfig.file(context))));
        if (chatLink) {
            dev.slipway.api.ChatLinkCode code = server.connect(context).chatLinkCode();
            spec.commandLine()
                    .getOut()
                    .println("Say this to Slipway in chat before " + code.expiresAt() + " (it works once):\n  "
                            + code.say() + "\nFrom then on your chat user acts as you, with your token's scope.");
            return ExitCodes.OK;
        }
        String secret = StdinSecret.read(
                        context,
                        "API token for " + url + " (not shown): ",
                        new Problem(
                                "stdin",
                                "no token was given",
                                "paste the token the server's admin issued you (POST /api/tokens), or pipe it in:"
                                        + " printf %s \"$TOKEN\" | slipway login --server " + url))
                .strip();
        PrintWriter out = spec.commandLine().getOut();
        List<String> apps = server.connect(context, new ServerOptions.Token(secret, "the token on stdin"))
                .apps();
        out.println("The server at " + url + " accepts the token (" + apps.size() + " app(s) registered).");

        Optional<Setting<Path>> named = server.namedTokenFile(context);
        if (named.isPresent()) {
            TokenFiles.write(context, named.get().value(), secret);
            out.println("Stored it in " + named.get().value() + " (mode 0600), the token file named by "
                    + named.get().where() + ".");
            return ExitCodes.OK;
        }
        String key = TokenFiles.key(url);
        Optional<TokenKeyring> keyring = TokenKeyring.ofSystem(context);
        String why = "no OS keyring tool is installed (on Linux: the secret-tool command, Debian package"
                + " libsecret-tools, with a Secret Service such as gnome-keyring)";
        if (keyring.isPresent()) {
            try {
                keyring.get().store(key, secret);
                out.println("Stored it in " + keyring.get().name() + " for " + key
                        + "; commands going through this server use it.");
                retireLegacy(context, secret, out);
                return ExitCodes.OK;
            } catch (TokenKeyring.KeyringException e) {
                why = e.getMessage();
            }
        }
        Path file = TokenFiles.forServer(context, url);
        TokenFiles.write(context, file, secret);
        spec.commandLine()
                .getErr()
                .println("warning: not stored in a keyring: " + why + ". Stored it in " + file
                        + " (mode 0600) instead, the token file of " + key + ".");
        retireLegacy(context, secret, out);
        return ExitCodes.OK;
    }

    /** Removes the single token file of older versions once the token it held has a place of its own. */
    private static void retireLegacy(CliContext context, String secret, PrintWriter out) {
        if (TokenFiles.retireLegacy(context, secret)) {
            out.println("Removed " + TokenFiles.legacy(context)
                    + ", the single token file of older versions, which held this token.");
        }
    }
}
