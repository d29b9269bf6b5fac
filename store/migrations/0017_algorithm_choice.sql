-- Which algorithms a deployment offers is the admins' choice (`enabled`, kept across restarts);
-- whether this build of the image engine still has one is `retired`, set at start-up.
ALTER TABLE algorithms ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
