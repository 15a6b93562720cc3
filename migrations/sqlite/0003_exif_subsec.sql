-- provcheck corpus schema, version 3: the fraction of a second of the
-- capture time (EXIF SubSecTimeOriginal, digits), which tells apart frames
-- a camera took within one second (bursts, HDR brackets). Files added
-- before this version have none until they are hashed again.
ALTER TABLE exif ADD COLUMN subsec_original TEXT;
