-- provcheck corpus schema for PostgreSQL, version 4: the removals of the
-- change sequence are kept for a stated horizon, not forever.
--
-- Every write transaction deletes the rows of `file_removals` older than
-- the horizon (7 days, see `REMOVALS_KEPT` in src/corpus/postgres/changes.rs)
-- and raises `removals_from` to the highest number it deleted: a process
-- whose index stands at a point below `removals_from` may have missed a
-- removal, and reloads its index instead of following the changes.
ALTER TABLE file_removals ADD COLUMN removed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX file_removals_at ON file_removals (removed_at);
ALTER TABLE provcheck_changes ADD COLUMN removals_from bigint NOT NULL DEFAULT 0;
