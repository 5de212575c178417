package dev.slipway.core.deploy;

import java.time.Instant;

/**
 * A held deploy lock for one app/environment on one cluster; pass it back to release it.
 *
 * @param scope what is locked
 * @param id unique per acquisition, so a holder never releases a lock someone took over from it
 * @param holder who holds it (as shown to anyone refused)
 * @param acquired when it was taken
 * @param expires when others may take it over if it is not released (a crashed deploy never blocks forever)
 */
public record DeployLock(AppEnvironment scope, String id, String holder, Instant acquired, Instant expires) {}
