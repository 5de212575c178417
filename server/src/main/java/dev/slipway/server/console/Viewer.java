package dev.slipway.server.console;

/**
 * The person logged in: their token's name and scope, and the CSRF token every form of theirs carries.
 *
 * @param canDeploy whether their scope may act (deploy, rollout and lab buttons are shown only then)
 * @param admin whether their scope may read the audit log
 */
public record Viewer(String name, String scope, boolean canDeploy, boolean admin, String csrf) {}
