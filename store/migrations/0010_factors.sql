-- Second factors. A TOTP secret per account (field-encrypted), when its holder confirmed it with a
-- code (NULL: set up but not confirmed, so not asked at login), and the last time step a code was
-- accepted for: a code is taken once, by a compare-and-set on that step. Recovery codes are single
-- use and kept only as SHA-256 hashes.
CREATE TABLE totp_factors (
    user_id BIGINT NOT NULL PRIMARY KEY,
    secret_cipher TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT NULL,
    last_step BIGINT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE recovery_codes (
    code_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
