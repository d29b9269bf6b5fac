-- Camera facts read from the EXIF at upload (date, camera, lens, exposure, GPS): the JSON form of
-- fotobase::image::Metadata, NULL when the file says nothing. GPS is in it: the API shows it to
-- the owner only.
ALTER TABLE images ADD COLUMN photo_metadata TEXT NULL;
