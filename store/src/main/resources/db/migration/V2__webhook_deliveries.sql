-- GitHub webhook deliveries already taken (X-GitHub-Delivery), so a replayed delivery is refused, and the time
-- (and order) the reporter gave each CI status, so a status older than the one stored cannot replace it.

CREATE TABLE github_deliveries (
    delivery_id       VARCHAR(64) PRIMARY KEY,
    event             VARCHAR(32) NOT NULL,
    received_at       BIGINT NOT NULL
);
CREATE INDEX github_deliveries_received ON github_deliveries (received_at);

-- reported_at: when the reporter says the status was set (GitHub's updated_at; the server's clock for
-- POST /api/ci/statuses); report_order breaks ties within the same millisecond (GitHub's status id).
ALTER TABLE ci_statuses ADD COLUMN reported_at BIGINT;
ALTER TABLE ci_statuses ADD COLUMN report_order BIGINT;
UPDATE ci_statuses SET reported_at = updated_at, report_order = 0;
ALTER TABLE ci_statuses ALTER COLUMN reported_at SET NOT NULL;
ALTER TABLE ci_statuses ALTER COLUMN report_order SET NOT NULL;
