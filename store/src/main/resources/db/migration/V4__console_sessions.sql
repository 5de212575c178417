-- Web console sessions: a login with an API token becomes a session cookie. Only a SHA-256 of the cookie's
-- secret is kept; the session lives until it expires, its token is revoked, or its user logs out. Kept in the
-- store (not in one server's memory) so a restarted server, or another one of the same store, knows it.

CREATE TABLE console_sessions (
    hash              VARCHAR(64) PRIMARY KEY,
    token_id          BIGINT NOT NULL REFERENCES tokens (id),
    csrf              VARCHAR(64) NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);

CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
