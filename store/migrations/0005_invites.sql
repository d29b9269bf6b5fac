-- Single-use invitations for invite-only sign-up (registration = "invite"). Only the code's
-- SHA-256 is kept: the code itself is shown once, to the admin who made it.
CREATE TABLE invites (
    code_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    used_by BIGINT NULL,
    FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (used_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invites_creator ON invites (created_by);
