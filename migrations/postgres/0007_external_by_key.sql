-- provcheck corpus schema for PostgreSQL, version 7: hash-only references
-- found by their key, not by a second index.
--
-- A hash-only reference's key begins with `external:` and the first 16
-- digits of its SHA-256 (`external:<sha256>` or `external:<16 digits>/<name>`,
-- see `external_key`), so the unique index on paths finds it by SHA-256 as
-- well (a range of keys). The index by SHA-256 now holds only files of
-- their own bytes: at 10M hash-only references it was 911 MB, and keeping
-- it cost each imported reference a write at a random place in it
-- (250,000 inserts took 5.4-5.9 s with it and with `ON CONFLICT`, 2.4-3.3 s
-- without both, measured with EXPLAIN ANALYZE on 10M rows).
ALTER TABLE files ADD CONSTRAINT files_external_key_names_sha256
    CHECK (format <> 'external' OR sha256 = ''
           OR starts_with(path, 'external:' || left(sha256, 16)));
DROP INDEX files_sha256;
CREATE INDEX files_sha256 ON files (sha256) WHERE format <> 'external';
