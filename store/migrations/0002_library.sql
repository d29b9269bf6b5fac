-- The library: accounts, images and their processed versions, folders, share links, jobs.
-- Owner ids carry no foreign key to users: split deployments keep users and images in different databases.
-- Large text (JSON payloads, metrics) is {text}: TEXT, or MySQL's MEDIUMTEXT since its TEXT stops at 64 KiB;
-- short text is VARCHAR (see 0001).
CREATE TABLE users (
    id {id},
    email_cipher VARCHAR(1024) NOT NULL,
    email_index VARCHAR(128) NOT NULL,
    password_hash VARCHAR(512) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    disabled_at BIGINT NULL
);
CREATE UNIQUE INDEX users_email ON users (email_index);
CREATE TABLE profiles (
    user_id BIGINT NOT NULL PRIMARY KEY,
    display_name VARCHAR(200) NOT NULL,
    avatar_image_id BIGINT NULL,
    preferences {text} NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT profiles_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE roles (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    description VARCHAR(255) NOT NULL
);
INSERT INTO roles (name, description) VALUES ('admin', 'Manages users and roles, sees global statistics');
INSERT INTO roles (name, description) VALUES ('user', 'Owns images and folders');
CREATE TABLE user_roles (
    user_id BIGINT NOT NULL,
    role VARCHAR(64) NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role),
    CONSTRAINT user_roles_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT user_roles_role_fk FOREIGN KEY (role) REFERENCES roles (name)
);
CREATE INDEX user_roles_role ON user_roles (role);
CREATE TABLE algorithms (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    format VARCHAR(16) NOT NULL,
    lossless INTEGER NOT NULL,
    description VARCHAR(255) NOT NULL,
    enabled INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One row per content address in use: the lock that orders uploads against deletion (storage::media).
CREATE TABLE blobs (
    blob_key VARCHAR(200) NOT NULL PRIMARY KEY,
    state VARCHAR(16) NOT NULL,
    claimed_at BIGINT NOT NULL,
    deleting_since BIGINT NULL
);
CREATE INDEX blobs_state ON blobs (state, claimed_at);
CREATE TABLE images (
    id {id},
    owner_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    blob_key VARCHAR(200) NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    format VARCHAR(16) NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    orientation INTEGER NOT NULL,
    taken_at BIGINT NULL,
    uploaded_at BIGINT NOT NULL,
    captured_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    visibility VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    thumbnail_key VARCHAR(200) NULL,
    deleted_at BIGINT NULL
);
CREATE INDEX images_owner_captured ON images (owner_id, captured_at, id);
CREATE INDEX images_captured ON images (captured_at, id);
CREATE INDEX images_blob ON images (blob_key);
CREATE INDEX images_thumbnail ON images (thumbnail_key);
CREATE INDEX images_deleted ON images (deleted_at);
CREATE TABLE image_tags (
    image_id BIGINT NOT NULL,
    tag VARCHAR(64) NOT NULL,
    PRIMARY KEY (image_id, tag),
    CONSTRAINT image_tags_image_fk FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
);
CREATE INDEX image_tags_tag ON image_tags (tag, image_id);
CREATE TABLE processed_images (
    id {id},
    image_id BIGINT NOT NULL,
    algorithm VARCHAR(64) NOT NULL,
    params {text} NOT NULL,
    blob_key VARCHAR(200) NOT NULL,
    format VARCHAR(16) NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    ssimulacra2 {double} NULL,
    metrics {text} NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT NULL,
    CONSTRAINT processed_images_image_fk FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
);
CREATE INDEX processed_images_image ON processed_images (image_id, id);
CREATE INDEX processed_images_blob ON processed_images (blob_key);
CREATE INDEX processed_images_algorithm ON processed_images (algorithm);
CREATE TABLE comparisons (
    id {id},
    image_id BIGINT NOT NULL,
    version_a BIGINT NULL,
    version_b BIGINT NOT NULL,
    metrics {text} NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT comparisons_image_fk FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
);
CREATE INDEX comparisons_image ON comparisons (image_id, id);
CREATE TABLE folders (
    id {id},
    owner_id BIGINT NOT NULL,
    parent_id BIGINT NULL,
    name VARCHAR(255) NOT NULL,
    visibility VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT folders_parent_fk FOREIGN KEY (parent_id) REFERENCES folders (id) ON DELETE CASCADE
);
CREATE INDEX folders_owner ON folders (owner_id, id);
CREATE INDEX folders_parent ON folders (parent_id);
CREATE TABLE folder_images (
    folder_id BIGINT NOT NULL,
    image_id BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (folder_id, image_id),
    CONSTRAINT folder_images_folder_fk FOREIGN KEY (folder_id) REFERENCES folders (id) ON DELETE CASCADE,
    CONSTRAINT folder_images_image_fk FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
);
CREATE INDEX folder_images_image ON folder_images (image_id);
CREATE TABLE folder_tags (
    folder_id BIGINT NOT NULL,
    tag VARCHAR(64) NOT NULL,
    PRIMARY KEY (folder_id, tag),
    CONSTRAINT folder_tags_folder_fk FOREIGN KEY (folder_id) REFERENCES folders (id) ON DELETE CASCADE
);
CREATE INDEX folder_tags_tag ON folder_tags (tag, folder_id);
CREATE TABLE share_links (
    id {id},
    token_hash VARCHAR(64) NOT NULL,
    owner_id BIGINT NOT NULL,
    folder_id BIGINT NULL,
    image_id BIGINT NULL,
    password_hash VARCHAR(512) NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    revoked_at BIGINT NULL,
    CONSTRAINT share_links_folder_fk FOREIGN KEY (folder_id) REFERENCES folders (id) ON DELETE CASCADE,
    CONSTRAINT share_links_image_fk FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX share_links_token ON share_links (token_hash);
CREATE INDEX share_links_owner ON share_links (owner_id, id);
-- The job queue (storage::db::queue): claimed with a lease, retried with back-off, dead-lettered as 'failed'.
CREATE TABLE jobs (
    id {id},
    queue VARCHAR(64) NOT NULL,
    kind VARCHAR(64) NOT NULL,
    owner_id BIGINT NULL,
    idempotency_key VARCHAR(200) NULL,
    payload {text} NOT NULL,
    state VARCHAR(16) NOT NULL,
    priority INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    lease_token VARCHAR(64) NULL,
    lease_expires_at BIGINT NULL,
    heartbeat_at BIGINT NULL,
    progress {double} NOT NULL,
    result {text} NULL,
    last_error {text} NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT NULL
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key);
CREATE INDEX jobs_claim ON jobs (queue, state, priority DESC, run_at, id);
CREATE INDEX jobs_finished ON jobs (state, finished_at);
CREATE INDEX jobs_lease ON jobs (state, lease_expires_at);
CREATE INDEX jobs_owner ON jobs (owner_id, id);
