-- When an account's address was confirmed (NULL: not yet), and the single-use links sent by
-- e-mail (verification, password reset): only each token's SHA-256 is kept.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT NULL;
CREATE TABLE email_tokens (
    token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    purpose VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
