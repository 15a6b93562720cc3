-- provcheck corpus schema, version 6: no pHash for hash-only references
-- that came without one.
--
-- Before, a frame of an imported vPDQ list (a hash-only video: its `videos`
-- row has settings 0) and a hash-list record without `phash64` (format
-- 'external') were stored with pHash 0, and a match against one reported
-- the weight of the query's own pHash as a pHash distance. Such a pHash is
-- unknown: its row goes, as the import now writes none.
DELETE FROM hashes
 WHERE algorithm = 'phash64'
   AND hash = zeroblob(8)
   AND (file_id IN (SELECT id FROM files WHERE format = 'external')
        OR file_id IN (SELECT vf.file_id FROM video_frames vf
                         JOIN videos v ON v.file_id = vf.video_id
                        WHERE v.settings = 0));
