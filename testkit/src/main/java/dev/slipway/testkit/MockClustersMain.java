package dev.slipway.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs simulated clusters until killed, for benchmarks and trying Slipway by hand:
 * {@code MockClustersMain --clusters 3 --kubeconfig FILE [--names east-1,west-1,west-2]}.
 */
public final class MockClustersMain {
    private MockClustersMain() {}

    public static void main(String[] args) throws InterruptedException {
        int count = 3;
        Path kubeconfig = Path.of("testkit.kubeconfig");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clusters" -> count = Integer.parseInt(value(args, ++i));
                case "--kubeconfig" -> kubeconfig = Path.of(value(args, ++i));
                case "--names" -> names = List.of(value(args, ++i).split(","));
                default -> {
                    System.err.println("usage: MockClustersMain [--clusters N] [--kubeconfig FILE] [--names a,b,c]");
                    System.exit(2);
                }
            }
        }
        if (names.isEmpty()) {
            for (int i = 1; i <= count; i++) {
                names.add("cluster-" + i);
            }
        }
        TestClusters clusters = TestClusters.start(kubeconfig, names.toArray(String[]::new));
        CountDownLatch killed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            clusters.close();
            killed.countDown();
        }));
        for (MockCluster c : clusters.all()) {
            System.out.println("cluster " + c.name() + " at " + c.url());
        }
        System.out.println("kubeconfig written to " + kubeconfig.toAbsolutePath() + "; stop with Ctrl-C");
        killed.await();
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("missing value for " + args[i - 1]);
            System.exit(2);
        }
        return args[i];
    }
}
