-- A processing job's output is recorded once: a job run again after a crash (its lease
-- ran out after the version was stored, before the job was marked done) finds the
-- version it already made instead of adding a second one.
ALTER TABLE processed_images ADD COLUMN job_id BIGINT NULL;
CREATE UNIQUE INDEX processed_images_job ON processed_images (job_id);
