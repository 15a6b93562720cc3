-- provcheck corpus schema, version 1.

CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL UNIQUE,  -- absolute, canonical
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    width       INTEGER NOT NULL,         -- as displayed (EXIF orientation applied)
    height      INTEGER NOT NULL,
    added_at    TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX files_sha256 ON files (sha256);

-- One row per file and algorithm; `settings` is the hash settings version the
-- hash was made with, so a change of settings invalidates the cache.
CREATE TABLE hashes (
    file_id          INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    algorithm        TEXT    NOT NULL,   -- 'pdq' | 'phash64'
    settings         INTEGER NOT NULL,
    hash             BLOB    NOT NULL,
    quality          INTEGER,            -- PDQ quality 0-100
    low_information  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (file_id, algorithm)
);

CREATE TABLE exif (
    file_id            INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    datetime_original  TEXT,
    offset_time        TEXT,
    datetime_modified  TEXT,
    make               TEXT,
    model              TEXT,
    software           TEXT,
    artist             TEXT,
    copyright          TEXT,
    image_description  TEXT,
    gps_latitude       REAL,
    gps_longitude      REAL,
    gps_altitude       REAL,
    orientation        INTEGER,
    pixel_width        INTEGER,
    pixel_height       INTEGER,
    warnings           TEXT     -- JSON array of strings
);

-- Known appearances of a file: where and when it was published, by whom.
CREATE TABLE contexts (
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
    UNIQUE (file_id, source_url)
);
CREATE INDEX contexts_file ON contexts (file_id);
