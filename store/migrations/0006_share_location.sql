-- A share link may hand out originals with their location (EXIF GPS, XMP places) when its owner
-- says so; by default (0) recipients get the files without it.
ALTER TABLE share_links ADD COLUMN include_location BIGINT NOT NULL DEFAULT 0;
