-- Passkeys (WebAuthn credentials) that sign in to an account without a password. The browser
-- names a credential by its id (up to 1023 bytes), so it is found by the id's SHA-256; the COSE
-- public key is what verifies its signatures, and the signature counter, where the
-- authenticator keeps one, reveals a cloned authenticator when it goes backwards.
CREATE TABLE passkeys (
    id {id},
    user_id BIGINT NOT NULL,
    credential_hash VARCHAR(64) NOT NULL UNIQUE,
    credential_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    name VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- Challenges of ceremonies whose state travels with the browser (a sealed cookie), recorded when
-- used so that each is used once; kept until they would have expired anyway.
CREATE TABLE spent_challenges (
    challenge_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at);
