-- Browsers that signed in to an account (a device cookie: OWASP's answer to lock-outs by
-- strangers). A known device is throttled on its own counter, not the account's; one that passed
-- the second factor with "remember this browser" skips it until second_factor_until. Only the
-- cookie's SHA-256 is kept; a password change, a reset, logging out everywhere and second-factor
-- changes forget an account's devices.
CREATE TABLE devices (
    token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    second_factor_until BIGINT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX devices_user ON devices (user_id);
