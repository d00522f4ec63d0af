-- Foundation schema. Timestamps are Unix seconds (BIGINT), calendar dates ISO text
-- (YYYY-MM-DD), flags 0/1 BIGINT, so both backends read the same through sqlx's Any driver.

CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES units(id),
    org_code TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    office_address TEXT NOT NULL DEFAULT '',
    office_hours TEXT NOT NULL DEFAULT '',
    office_phone TEXT NOT NULL DEFAULT '',
    office_fax TEXT NOT NULL DEFAULT '',
    office_email TEXT NOT NULL DEFAULT '',
    index_pattern TEXT NOT NULL DEFAULT '{org}/{YYYY}-{NNNNN}',
    created_at BIGINT NOT NULL
);

CREATE TABLE columns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    parent_id BIGINT REFERENCES columns(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    hidden BIGINT NOT NULL DEFAULT 0,
    UNIQUE (unit_id, slug)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, unit_id, role)
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    column_id BIGINT NOT NULL REFERENCES columns(id),
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    publisher TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    doc_no TEXT,
    written_on TEXT,
    published_on TEXT,
    published_at BIGINT,
    topic TEXT NOT NULL DEFAULT '',
    validity TEXT NOT NULL DEFAULT 'valid',
    disclosure TEXT NOT NULL DEFAULT 'active',
    withheld_reason TEXT NOT NULL DEFAULT '',
    index_no TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'draft',
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    hits BIGINT NOT NULL DEFAULT 0,
    UNIQUE (unit_id, doc_no)
);
CREATE INDEX items_public ON items (column_id, state, disclosure, published_on, id);
CREATE INDEX items_unit_state ON items (unit_id, state);
CREATE INDEX items_latest ON items (state, disclosure, published_on, id);

-- Per-unit, per-year counters behind 索引号; a number once handed out is never handed out again.
CREATE TABLE index_counters (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (unit_id, year)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    file_name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_item ON attachments (item_id);

-- Changes to what the public sees, written in the same transaction as the change; the search
-- index and feeds follow this log.
CREATE TABLE change_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    op TEXT NOT NULL,
    at BIGINT NOT NULL
);

-- Append-only audit trail; each entry's hash covers the previous entry's hash.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq BIGINT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    unit_id BIGINT,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- One row: the head of the audit chain. Updating it first serialises appenders on every node.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
