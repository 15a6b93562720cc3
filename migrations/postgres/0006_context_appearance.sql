-- provcheck corpus schema for PostgreSQL, version 6: contexts keyed by appearance.
--
-- A context is one appearance of its file: identified by its source URL, or
-- without one by its publisher and publication date (joined by the unit
-- separator, chr(31), as Context::appearance does), so that two
-- publications known without a URL are both kept; before, every context
-- without a URL replaced the previous one.
ALTER TABLE contexts ADD COLUMN appearance text COLLATE "C";
UPDATE contexts SET appearance = CASE WHEN source_url <> '' THEN source_url
    ELSE chr(31) || COALESCE(publisher, '') || chr(31) || COALESCE(published, '') END;
ALTER TABLE contexts ALTER COLUMN appearance SET NOT NULL;
ALTER TABLE contexts DROP CONSTRAINT contexts_file_id_source_url_key;
ALTER TABLE contexts ADD CONSTRAINT contexts_file_appearance UNIQUE (file_id, appearance);
