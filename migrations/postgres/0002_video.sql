-- provcheck corpus schema for PostgreSQL, version 2: videos, as in the
-- SQLite schema (version 4). A video (or an animation) is a row of `files`
-- without hashes, with a row of `videos` holding its container metadata.
-- Each frame kept from it is a row of `files` of its own (key: the video's
-- key and `#t=` its time), hashed like a still picture, with a row of
-- `video_frames` naming its video, number and time.
CREATE TABLE videos (
    file_id    bigint PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    settings   bigint NOT NULL,            -- hash settings version of its frames
    duration   double precision,           -- seconds
    container  text   NOT NULL             -- JSON: codec, size, frame rate, rotation, ...
);

CREATE TABLE video_frames (
    file_id   bigint PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    video_id  bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    frame     bigint NOT NULL,             -- number in decoding order, 0 first
    time      double precision NOT NULL    -- seconds from the start
);
CREATE INDEX video_frames_video ON video_frames (video_id, time);

-- A video's frames leave with it.
CREATE FUNCTION provcheck_video_frames_leave() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM files WHERE id IN (SELECT file_id FROM video_frames WHERE video_id = OLD.id);
    RETURN OLD;
END $$;
CREATE TRIGGER video_frames_leave_with_their_video BEFORE DELETE ON files
    FOR EACH ROW EXECUTE FUNCTION provcheck_video_frames_leave();
