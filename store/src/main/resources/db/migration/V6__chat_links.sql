-- Chat identities: a chat user (per provider, e.g. slack:T123/U456) linked once to a Slipway token, whose name
-- and scope they then act with. A link is made with a one-time code its token's holder asked for; only the
-- code's SHA-256 is kept, and it lives ten minutes.

CREATE TABLE chat_links (
    provider          VARCHAR(40) NOT NULL,
    chat_user         VARCHAR(200) NOT NULL,
    chat_name         VARCHAR(200) NOT NULL,
    token_id          BIGINT NOT NULL REFERENCES tokens (id),
    linked_at         BIGINT NOT NULL,
    PRIMARY KEY (provider, chat_user)
);

CREATE TABLE chat_link_codes (
    hash              VARCHAR(64) PRIMARY KEY,
    token_id          BIGINT NOT NULL REFERENCES tokens (id),
    expires_at        BIGINT NOT NULL
);
