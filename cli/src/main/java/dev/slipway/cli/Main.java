package dev.slipway.cli;

/** Entry point of the {@code slipway} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("slipway 0.1.0-SNAPSHOT");
    }
}
