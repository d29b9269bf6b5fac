-- Accounts at OpenID Connect providers linked to fotobase accounts: a provider's subject (`sub`,
-- stable and never reassigned at that provider) signs in to exactly one account. Linking happens
-- at sign-in, by a verified e-mail address and with the account's password (the person's
-- consent); unlinking is the account holder's.
CREATE TABLE identities (
    provider VARCHAR(64) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX identities_user ON identities (user_id);
