// The baseline of the deploy benchmark: the simplest correct client-side loop a platform team would write
// with fabric8 — for each cluster in turn, server-side apply every rendered object (the Namespace first)
// one after the other. No health waits, no revisions, no locks, no prune.
//
// Run as a single-file program: java -cp CLASSPATH SequentialApply.java KUBECONFIG CONTEXT=FILE...
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class SequentialApply {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SequentialApply KUBECONFIG CONTEXT=FILE...");
            System.exit(2);
        }
        java.io.File kubeconfig = Path.of(args[0]).toFile();
        int applied = 0;
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            Config config = Config.fromKubeconfig(pair[0], kubeconfig);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                    InputStream in = Files.newInputStream(Path.of(pair[1]))) {
                List<HasMetadata> items = client.load(in).items();
                for (HasMetadata item : items) {
                    GenericKubernetesResource generic = client.getKubernetesSerialization()
                            .convertValue(item, GenericKubernetesResource.class);
                    client.resource(generic).fieldManager("bench").forceConflicts().serverSideApply();
                    applied++;
                }
            }
        }
        System.out.println("applied " + applied + " objects");
    }
}
