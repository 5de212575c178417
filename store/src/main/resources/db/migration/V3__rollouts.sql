-- The state of each environment's rollout (the rollout controller's RolloutState as JSON, which this module does
-- not read), saved with compare-and-set on version so two servers never both move one rollout.

CREATE TABLE rollouts (
    app               VARCHAR(200) NOT NULL,
    environment       VARCHAR(200) NOT NULL,
    state             VARCHAR(1000000) NOT NULL,
    version           BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (app, environment)
);
