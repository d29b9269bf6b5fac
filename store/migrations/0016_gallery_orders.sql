-- The gallery's other orders (`GET /api/v1/images?sort=`): each is a keyset walk over one owner's
-- images by (column, id), like images_owner_captured for the default order by date taken.
CREATE INDEX images_owner_uploaded ON images (owner_id, uploaded_at, id);
CREATE INDEX images_owner_name ON images (owner_id, name, id);
CREATE INDEX images_owner_bytes ON images (owner_id, bytes, id);
