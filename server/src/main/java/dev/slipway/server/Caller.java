package dev.slipway.server;

import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;

/** Who is making a request (the token's name), with what scope and from where; stamped on every audit entry. */
record Caller(String name, Scope scope, RequestSource source, java.util.Optional<Long> tokenId) {

    /** Someone, or something, that did not authenticate with a token of its own (the reaper, a session's user). */
    Caller(String name, Scope scope, RequestSource source) {
        this(name, scope, source, java.util.Optional.empty());
    }

    static final Caller REAPER = new Caller("reaper", Scope.ADMIN, RequestSource.REAPER);
    static final Caller GITHUB = new Caller("github-webhook", Scope.DEPLOY, RequestSource.CI);
    static final Caller SERVER = new Caller("server", Scope.ADMIN, RequestSource.SERVER);
}
