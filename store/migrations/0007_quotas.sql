-- Per-account limits and usage. A NULL limit means "the server's default" (configuration), so a
-- change of the default reaches every account an admin has not set apart. `bytes_used` is kept
-- in step with the live originals and versions by the transactions that add and delete them;
-- `window_start`/`window_uploads` count the uploads of the current minute. Keyed like
-- `images.owner_id` (no foreign key: the store serves embedders without `users` rows too).
CREATE TABLE quotas (
    user_id BIGINT NOT NULL PRIMARY KEY,
    max_bytes BIGINT NULL,
    max_queued_jobs BIGINT NULL,
    uploads_per_minute BIGINT NULL,
    bytes_used BIGINT NOT NULL DEFAULT 0,
    window_start BIGINT NOT NULL DEFAULT 0,
    window_uploads BIGINT NOT NULL DEFAULT 0
);
INSERT INTO quotas (user_id, bytes_used)
SELECT u.id,
    COALESCE((SELECT SUM(i.bytes) FROM images i WHERE i.owner_id = u.id AND i.deleted_at IS NULL), 0)
    + COALESCE((SELECT SUM(v.bytes) FROM processed_images v JOIN images i ON i.id = v.image_id
        WHERE i.owner_id = u.id AND i.deleted_at IS NULL AND v.deleted_at IS NULL), 0)
FROM users u;
-- An upload's Idempotency-Key (per owner), so a retried upload stores nothing twice.
ALTER TABLE images ADD COLUMN idempotency_key VARCHAR(200) NULL;
CREATE UNIQUE INDEX images_idempotency ON images (owner_id, idempotency_key);
