-- Security events of each account (sign-ins, failures, password
-- and address changes, session ends, administration), for the account holder and admins.
CREATE TABLE audit_events (
    id {id},
    user_id BIGINT NOT NULL,
    kind VARCHAR(32) NOT NULL,
    ip VARCHAR(64) NULL,
    user_agent VARCHAR(255) NULL,
    actor_id BIGINT NULL,
    created_at BIGINT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX audit_events_user ON audit_events (user_id, id);
