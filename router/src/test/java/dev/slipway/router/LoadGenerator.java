package dev.slipway.router;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Keeps a few keep-alive clients sending GETs until stopped, recording every failure and who answered. */
final class LoadGenerator implements AutoCloseable {
    final AtomicInteger ok = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final Map<String, AtomicInteger> byBackend = new ConcurrentHashMap<>();
    /** System.nanoTime() of the last answer from each backend. */
    final Map<String, AtomicLong> lastAnswer = new ConcurrentHashMap<>();

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    LoadGenerator(InetSocketAddress router, int clients, String path) {
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> run(router, path), "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(InetSocketAddress router, String path) {
        TestClient client = new TestClient(router);
        while (running) {
            try {
                TestClient.Response r = client.get(path);
                if (r.status() != 200) {
                    failures.add(r.status() + " " + r.body().trim());
                } else {
                    ok.incrementAndGet();
                    byBackend
                            .computeIfAbsent(r.body(), b -> new AtomicInteger())
                            .incrementAndGet();
                    lastAnswer.computeIfAbsent(r.body(), b -> new AtomicLong()).set(System.nanoTime());
                }
                if ("close".equalsIgnoreCase(r.header("connection"))) {
                    client.close();
                    client = new TestClient(router);
                }
            } catch (RuntimeException e) {
                failures.add(e.toString());
                client.close();
                client = new TestClient(router);
            }
        }
        client.close();
    }

    int answeredBy(String backend) {
        AtomicInteger n = byBackend.get(backend);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(20_000);
        }
    }
}
