-- provcheck corpus schema, version 4: videos. A video (or an animation) is
-- a row of `files` without hashes, with a row of `videos` holding its
-- container metadata. Each frame kept from it is a row of `files` of its own
-- (key: the video's key and `#t=` its time), hashed like a still picture,
-- with a row of `video_frames` naming its video, number and time.
CREATE TABLE videos (
    file_id    INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    settings   INTEGER NOT NULL,   -- hash settings version of its frames
    duration   REAL,               -- seconds
    container  TEXT    NOT NULL    -- JSON: codec, size, frame rate, rotation, ...
);

CREATE TABLE video_frames (
    file_id   INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    video_id  INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    frame     INTEGER NOT NULL,    -- number in decoding order, 0 first
    time      REAL    NOT NULL     -- seconds from the start
);
CREATE INDEX video_frames_video ON video_frames (video_id, time);

-- A video's frames leave with it.
CREATE TRIGGER video_frames_leave_with_their_video BEFORE DELETE ON files
BEGIN
    DELETE FROM files WHERE id IN (SELECT file_id FROM video_frames WHERE video_id = old.id);
END;
