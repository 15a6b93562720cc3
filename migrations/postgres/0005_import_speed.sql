-- provcheck corpus schema for PostgreSQL, version 5: cheaper bulk imports.
--
-- SHA-256 digests and source URLs are compared byte by byte (collation
-- "C", as paths already are; hex digests and URLs sort the same).
ALTER TABLE files ALTER COLUMN sha256 TYPE text COLLATE "C";
ALTER TABLE contexts ALTER COLUMN source_url TYPE text COLLATE "C";

-- The unique index on (file_id, source_url) serves the lookups by file.
DROP INDEX contexts_file;

-- Hash and context rows go with their file as before, by a trigger per
-- removing statement instead of foreign keys: a key check locks the file's
-- row for every inserted row (a write to the file's page and to the WAL
-- each), half to two thirds of the time of inserting 250,000 hash or
-- context rows (measured with EXPLAIN ANALYZE). Only provcheck writes these
-- tables, always for a file id it holds in the same transaction, with
-- writers taking turns (migration 3).
ALTER TABLE hashes DROP CONSTRAINT hashes_file_id_fkey;
ALTER TABLE contexts DROP CONSTRAINT contexts_file_id_fkey;
CREATE FUNCTION provcheck_file_rows_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM hashes WHERE file_id IN (SELECT id FROM removed);
    DELETE FROM contexts WHERE file_id IN (SELECT id FROM removed);
    RETURN NULL;
END $$;
CREATE TRIGGER files_rows_removed AFTER DELETE ON files
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION provcheck_file_rows_removed();
