package dev.slipway.store;

/** One environment of a registered app as the server last read it from the app's spec. */
public record EnvironmentRecord(String name, String clusterGroup, String namespace) {}
