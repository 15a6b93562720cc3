-- provcheck corpus schema for PostgreSQL, version 3: the change sequence
-- that keeps every process's in-memory index current without reloading it,
-- and the paths other desks know a stored picture by.
--
-- `provcheck_changes` holds one row, the sequence number of the last write.
-- Every write transaction starts by raising it (which also makes writers
-- take turns: the row stays locked until the transaction ends), stamps the
-- rows of `files` it inserts or changes with the new number, and a trigger
-- records each removed file in `file_removals` under it. A process that
-- loaded its index at number N reads the files stamped above N and the
-- removals above N, and applies them.
CREATE TABLE provcheck_changes (seq bigint NOT NULL);
INSERT INTO provcheck_changes (seq) VALUES (1);

-- The number of the running write (inserts that name none get it).
CREATE FUNCTION provcheck_seq() RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT seq FROM provcheck_changes';

ALTER TABLE files ADD COLUMN change_seq bigint NOT NULL DEFAULT provcheck_seq();
CREATE INDEX files_change_seq ON files (change_seq);

CREATE TABLE file_removals (
    file_id     bigint NOT NULL,
    change_seq  bigint NOT NULL
);
CREATE INDEX file_removals_seq ON file_removals (change_seq);

CREATE FUNCTION provcheck_file_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO file_removals (file_id, change_seq) VALUES (OLD.id, provcheck_seq());
    RETURN NULL;
END $$;
CREATE TRIGGER files_removed AFTER DELETE ON files
    FOR EACH ROW EXECUTE FUNCTION provcheck_file_removed();

-- A file's identity across machines is its bytes (SHA-256) and its
-- contexts, not a local path: a desk that builds a picture another desk
-- already stored, from a folder of its own, adds its path here (with the
-- size and modification time its incremental builds compare) instead of a
-- second reference, and its contexts go to the one reference.
CREATE TABLE file_paths (
    path      text COLLATE "C" PRIMARY KEY,
    file_id   bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    size      bigint NOT NULL,
    mtime_ns  bigint NOT NULL
);
CREATE INDEX file_paths_file ON file_paths (file_id);
