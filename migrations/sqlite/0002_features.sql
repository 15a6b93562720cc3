-- provcheck corpus schema, version 2: local features for verification.

-- Keypoints and descriptors of a reference (see src/features), in their
-- compact stored form; `settings` is the hash settings version they were
-- made with. References imported as hashes only have none.
CREATE TABLE features (
    file_id   INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    settings  INTEGER NOT NULL,
    data      BLOB    NOT NULL
);
