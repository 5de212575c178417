package dev.slipway.cli;

import dev.slipway.api.ServerEntryPoint;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code slipway server}: runs the control plane in the foreground. The options are declared here for help,
 * completion and relative paths; the server itself validates and applies them. The CLI does not link against the
 * server: it finds it as a {@link ServerEntryPoint} on the class path, where the launcher puts the server's jar for
 * this command only.
 */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the Slipway server (the control plane) until stopped: a REST API (GET /openapi.json), a"
                    + " deploy queue run through the same engine as deploy, review labs gated on CI, their"
                    + " reaper, and an audit log.",
            "",
            "On first start it writes an admin token to STATE_DIR/admin-token (0600, never logged). Any"
                    + " address but loopback is served over TLS only, with a generated CA"
                    + " (STATE_DIR/tls/ca.pem) unless --tls-keystore is given.",
            "",
            "Secrets never go on the command line: the database password comes from --db-credentials-file"
                    + " or PGUSER/PGPASSWORD; app secrets from the store `slipway secret set` writes"
                    + " ($SLIPWAY_SECRETS_KEY / $SLIPWAY_SECRETS_DIR, else Slipway's config directory, ~/.config/slipway/)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway server                                        # 127.0.0.1:7420, H2 in ~/.local/state/slipway",
            "  slipway server --host 0.0.0.0 --clusters clusters.yaml # TLS with a generated CA",
            "  slipway server --config /etc/slipway/server.yaml      # the same options from a file",
            "  slipway server --router-port 8081                     # no clusters: labs run on this machine",
            "  sudo slipway server --state-dir /var/lib/slipway --lab-user slipwaylab   # labs under their own uid",
            "  slipway server --clusters clusters.yaml --lab-url-template 'https://{lab}.{app}.labs.example.com'",
            "  PGUSER=slipway PGPASSWORD=... slipway server --db jdbc:postgresql://db:5432/slipway",
            "  slipway deploy . --env production --server http://127.0.0.1:7420   # then, from the CLI",
            "",
            "Exit codes: 0 stopped normally, 1 invalid configuration, 2 usage error."
        })
final class ServerCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML file with these options, named without dashes (db: ..., port: 7420); relative"
                    + " paths in it are relative to the file; flags given as well override it.")
    Path config;

    @Option(
            names = "--host",
            paramLabel = "ADDR",
            description = "Bind address (default: 127.0.0.1). Anything but loopback is served over TLS only.")
    String host;

    @Option(names = "--port", paramLabel = "N", description = "Port (default: 7420); 0 picks a free one.")
    String port;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "First admin token, generated TLS CA, default H2 database, exported commits (default:"
                    + " $SLIPWAY_HOME/state, else $XDG_STATE_HOME/slipway, else ~/.local/state/slipway; an existing"
                    + " ~/.slipway is used until moved).")
    Path stateDir;

    @Option(
            names = "--db",
            paramLabel = "JDBC_URL",
            description = "jdbc:postgresql://host:5432/db for PostgreSQL, or a jdbc:h2: URL"
                    + " (default: H2 file STATE_DIR/store.mv.db). A URL with password= is refused.")
    String db;

    @Option(
            names = "--db-credentials-file",
            paramLabel = "FILE",
            description = "Properties file with user= and password= (mode 0600); else PGUSER/PGPASSWORD.")
    Path dbCredentialsFile;

    @Option(
            names = "--clusters",
            paramLabel = "FILE",
            description = "Cluster groups deploys and labs go to (default: $SLIPWAY_CLUSTERS, else"
                    + " ~/.config/slipway/clusters.yaml if it exists). Without any, the server runs labs as"
                    + " local processes behind its own router (--router-port) and deploys no environments.")
    Path clusters;

    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "Kubeconfig holding the clusters' contexts (default: $KUBECONFIG, else ~/.kube/config).")
    Path kubeconfig;

    @Option(
            names = "--server-id",
            paramLabel = "ID",
            description = "Identity among servers sharing a database; keep it stable (default: host name).")
    String serverId;

    @Option(
            names = "--tls-keystore",
            paramLabel = "FILE.p12",
            description = "The server's own certificate (PKCS#12); needs --tls-password-file.")
    Path tlsKeystore;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "File holding the keystore's password.")
    Path tlsPasswordFile;

    @Option(
            names = "--github-webhook-secret-file",
            paramLabel = "FILE",
            description = "Enables POST /api/ci/github, verified with this secret (default: disabled).")
    Path githubWebhookSecretFile;

    @Option(
            names = "--slack-signing-secret-file",
            paramLabel = "FILE",
            description = "Enables Slack's slash command at POST /chat/slack/commands, its requests verified with this"
                    + " signing secret (default: disabled; docs/chat.md).")
    Path slackSigningSecretFile;

    @Option(
            names = "--chatops-public-key-file",
            paramLabel = "FILE.pem",
            description =
                    "Enables the Chatops RPC endpoint at /_chatops for the client whose RSA public key (PEM) this is"
                            + " (default: disabled; docs/chat.md).")
    Path chatopsPublicKeyFile;

    @Option(
            names = "--chatops-base-url",
            paramLabel = "URL",
            description = "The server's URL as the chatops client sees it, which it signs (default: the server's own).")
    String chatopsBaseUrl;

    @Option(
            names = "--lab-ttl",
            paramLabel = "DURATION",
            description = "Default lab lifetime after its last deploy (default: 24h).")
    String labTtl;

    @Option(
            names = "--max-lab-ttl",
            paramLabel = "DURATION",
            description = "The longest lab lifetime or extension a request may ask for; longer ones are refused"
                    + " with 422 (default: 30d).")
    String maxLabTtl;

    @Option(names = "--deploy-timeout", paramLabel = "DURATION", description = "Health wait per cluster (default: 5m).")
    String deployTimeout;

    @Option(
            names = "--reaper-interval",
            paramLabel = "DURATION",
            description = "How often expired labs are looked for (default: 30s).")
    String reaperInterval;

    @Option(
            names = "--router-port",
            paramLabel = "N",
            description = "Without a clusters file: the loopback port of the router in front of local labs, each at"
                    + " http://<lab>.<app>.localhost:N/ (default: 8080; 0 picks a free one).")
    String routerPort;

    @Option(
            names = "--lab-url-template",
            paramLabel = "URL",
            description = "Cluster labs' URL shown by the API and lab list, with {lab}, {app} and {namespace}"
                    + " filled in, e.g. 'https://{lab}.{app}.labs.example.com' (default: none).")
    String labUrlTemplate;

    @Option(
            names = "--lab-user",
            paramLabel = "NAME",
            description = "Without a clusters file: run labs as this user (through setpriv), so a branch's code"
                    + " cannot read the server's token, database or secrets key; the server must run as root and"
                    + " its state directory be passable by that user, e.g. --state-dir /var/lib/slipway"
                    + " (default: labs run as the server's user).")
    String labUser;

    @Override
    public Integer call() {
        CliContext context = root.context();
        List<String> args = new ArrayList<>();
        add(args, "--config", path(context, config));
        add(args, "--host", host);
        add(args, "--port", port);
        add(args, "--state-dir", path(context, stateDir));
        add(args, "--db", db);
        add(args, "--db-credentials-file", path(context, dbCredentialsFile));
        add(args, "--clusters", path(context, clusters));
        // The CLI's own environment, not the JVM's, so in-process runs see the same $KUBECONFIG rule as deploy.
        add(
                args,
                "--kubeconfig",
                kubeconfig != null
                        ? path(context, kubeconfig)
                        : context.envValue("KUBECONFIG")
                                .map(v -> path(context, Path.of(v.split(File.pathSeparator)[0])))
                                .orElse(null));
        add(args, "--server-id", serverId);
        add(args, "--tls-keystore", path(context, tlsKeystore));
        add(args, "--tls-password-file", path(context, tlsPasswordFile));
        add(args, "--github-webhook-secret-file", path(context, githubWebhookSecretFile));
        add(args, "--slack-signing-secret-file", path(context, slackSigningSecretFile));
        add(args, "--chatops-public-key-file", path(context, chatopsPublicKeyFile));
        add(args, "--chatops-base-url", chatopsBaseUrl);
        add(args, "--lab-ttl", labTtl);
        add(args, "--max-lab-ttl", maxLabTtl);
        add(args, "--deploy-timeout", deployTimeout);
        add(args, "--reaper-interval", reaperInterval);
        add(args, "--router-port", routerPort);
        add(args, "--lab-url-template", labUrlTemplate);
        add(args, "--lab-user", labUser);
        ServerEntryPoint server = ServerEntryPoint.find()
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "slipway server",
                        "the server is not on this CLI's class path (it ships as a jar of its own,"
                                + " server/target/slipway-server.jar, next to the CLI's)",
                        "run it through the ./slipway launcher, which builds both jars and adds the server's for"
                                + " this command, or: java -cp cli/target/slipway.jar:server/target/slipway-server.jar"
                                + " dev.slipway.cli.Main server ...")));
        return server.run(
                args.toArray(String[]::new),
                context.env(),
                context.home(),
                spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }

    private static String path(CliContext context, Path path) {
        return path == null ? null : context.resolve(path).toString();
    }

    private static void add(List<String> args, String option, String value) {
        if (value != null) {
            args.add(option);
            args.add(value);
        }
    }
}
