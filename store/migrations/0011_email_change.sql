-- A change of address waits in its confirmation link: the new address (field-encrypted, and its
-- blind index) rides on the single-use token sent to it, and becomes the account's only when the
-- link is followed. NULL for the other purposes.
ALTER TABLE email_tokens ADD COLUMN new_email_cipher TEXT NULL;
ALTER TABLE email_tokens ADD COLUMN new_email_index VARCHAR(128) NULL;
