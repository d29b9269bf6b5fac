-- Transform URLs an account's owner minted for its private images carry the account's epoch
-- when they were minted; logging out everywhere (or a password reset) moves it on, and URLs of an
-- earlier epoch stop working.
ALTER TABLE users ADD COLUMN url_epoch BIGINT NOT NULL DEFAULT 0;
