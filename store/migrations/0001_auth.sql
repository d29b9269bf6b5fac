-- Text columns are VARCHAR, not TEXT: through sqlx's Any driver MySQL TEXT decodes as a BLOB.
-- Auth tables: refresh-token sessions (auth::session) and login throttling (auth::throttle).
CREATE TABLE sessions (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    revoked_at BIGINT NULL,
    revoked_reason VARCHAR(64) NULL,
    roles VARCHAR(4000) NOT NULL,
    scope VARCHAR(4000) NULL,
    user_agent VARCHAR(512) NULL,
    ip VARCHAR(64) NULL
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE refresh_tokens (
    hash VARCHAR(64) NOT NULL PRIMARY KEY,
    session_id VARCHAR(64) NOT NULL,
    generation INTEGER NOT NULL,
    issued_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    -- On the table, because MySQL before 9.0 ignores a REFERENCES clause on a column.
    CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE login_attempts (
    throttle_key VARCHAR(255) NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at BIGINT NOT NULL
);
