// The baseline of the deploy benchmark: the simplest correct client-side loop a platform team would write
// with fabric8 — for each cluster in turn, create the namespace, then server-side apply every rendered
// object one after the other. No health waits, no revisions, no locks, no prune.
//
// Run as a single-file program: java -cp CLASSPATH SequentialApply.java KUBECONFIG NAMESPACE CONTEXT=FILE...
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class SequentialApply {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SequentialApply KUBECONFIG NAMESPACE CONTEXT=FILE...");
            System.exit(2);
        }
        String kubeconfig = Files.readString(Path.of(args[0]));
        String namespace = args[1];
        int applied = 0;
        for (int i = 2; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            Config config = Config.fromKubeconfig(pair[0], kubeconfig, null);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                    InputStream in = Files.newInputStream(Path.of(pair[1]))) {
                client.namespaces()
                        .resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                        .fieldManager("bench")
                        .serverSideApply();
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
