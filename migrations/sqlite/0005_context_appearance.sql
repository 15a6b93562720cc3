-- provcheck corpus schema, version 5: contexts keyed by appearance.
--
-- A context is one appearance of its file: identified by its source URL, or
-- without one by its publisher and publication date (joined by the unit
-- separator, char 31, as Context::appearance does), so that two
-- publications known without a URL are both kept; before, every context
-- without a URL replaced the previous one. SQLite cannot drop a table's
-- UNIQUE constraint, so the table is made again (no key refers to it).
CREATE TABLE contexts_new (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    source_url  TEXT NOT NULL DEFAULT '',
    publisher   TEXT,
    published   TEXT,             -- ISO date: YYYY, YYYY-MM or YYYY-MM-DD
    caption     TEXT,
    location    TEXT,
    latitude    REAL,
    longitude   REAL,
    credit      TEXT,
    licence     TEXT,
    notes       TEXT,
    appearance  TEXT NOT NULL,
    UNIQUE (file_id, appearance)
);
INSERT INTO contexts_new
    SELECT id, file_id, source_url, publisher, published, caption, location, latitude,
           longitude, credit, licence, notes,
           CASE WHEN source_url <> '' THEN source_url
                ELSE char(31) || COALESCE(publisher, '') || char(31) || COALESCE(published, '')
           END
    FROM contexts;
DROP TABLE contexts;
ALTER TABLE contexts_new RENAME TO contexts;
CREATE INDEX contexts_file ON contexts (file_id);
