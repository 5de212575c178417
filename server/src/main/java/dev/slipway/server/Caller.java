package dev.slipway.server;

import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;

/** Who is making a request (the token's name), with what scope and from where; stamped on every audit entry. */
record Caller(String name, Scope scope, RequestSource source) {

    static final Caller REAPER = new Caller("reaper", Scope.ADMIN, RequestSource.REAPER);
    static final Caller GITHUB = new Caller("github-webhook", Scope.DEPLOY, RequestSource.CI);
    static final Caller SERVER = new Caller("server", Scope.ADMIN, RequestSource.SERVER);
}
