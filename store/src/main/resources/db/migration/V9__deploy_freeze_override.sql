-- An admin's reason for letting one deploy through a deploy freeze (POST .../deploys {"overrideFreeze": ...}):
-- kept with the deploy, so the run that picks it up (on any server) goes through, and the record says why.
ALTER TABLE deploys ADD COLUMN freeze_override VARCHAR(1000);
