package dev.slipway.core.deploy;

/**
 * One app's environment on a cluster: the key of its lock and its revisions, which live in its namespace.
 *
 * @param app app name
 * @param environment environment name
 * @param namespace the environment's namespace
 */
public record AppEnvironment(String app, String environment, String namespace) {}
