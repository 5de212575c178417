package dev.slipway.rollout.feed;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A small real HTTP backend on 127.0.0.1 answering every path (health checks too) with its name. */
final class HttpBackend implements AutoCloseable {
    static {
        // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to every small response.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    final String name;
    private final HttpServer server;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean hang;
    private boolean stopped;

    HttpBackend(String name) {
        this.name = name;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            if (hang) {
                // Accepts connections but never answers, as a node that is cut off: one dispatcher thread, held.
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** From now on, answers nothing (the connection is accepted, then nothing), until stopped. */
    void hang() {
        hang = true;
    }

    /** Stops listening at once, as a backend that died. */
    void stop() {
        if (!stopped) {
            stopped = true;
            release.countDown();
            server.stop(0);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
