-- Closing the holes found when the product was probed: one approval per step, authors by content,
-- an importance floor, atomic throttles, single-use intake keys, credentials that end, and the
-- keyed audit chain.

-- At most one approval in force per item, step, role and content digest (two simultaneous
-- approvals once stored two). Duplicates left by the old code are voided first, keeping the
-- earliest. (Approvals that no longer fit their step after a change of importance or policy are
-- voided by the application.)
UPDATE approvals SET void = 1 WHERE void = 0 AND id NOT IN (
    SELECT MIN(id) FROM approvals WHERE void = 0 GROUP BY item_id, step, role, digest
);
CREATE UNIQUE INDEX approvals_one_per_step ON approvals (item_id, step, role, digest) WHERE void = 0;

-- Everyone who changed an item's content (title, body, metadata, attachments) is one of its
-- authors: they approve no step of it and do not publish it (four eyes by content).
CREATE TABLE item_authors (
    item_id BIGINT NOT NULL REFERENCES items(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (item_id, user_id)
);
INSERT INTO item_authors (item_id, user_id, unit_id, at)
    SELECT id, created_by, unit_id, created_at FROM items WHERE created_by IS NOT NULL;
-- And whoever the audit log shows changing an item's content before this migration.
INSERT INTO item_authors (item_id, user_id, unit_id, at)
    SELECT i.id, a.actor_id, i.unit_id, MIN(a.at)
    FROM audit_log a JOIN items i ON a.target = 'item:' || CAST(i.id AS TEXT)
    JOIN users u ON u.id = a.actor_id
    WHERE a.action IN ('item.update', 'item.mask', 'attachment.add', 'attachment.delete')
    GROUP BY i.id, a.actor_id, i.unit_id
ON CONFLICT (item_id, user_id) DO NOTHING;

-- The lowest importance an item may be given: what it was submitted at, or what a reviewer
-- raised it to. Only a reviewer, with a reason, lowers it.
ALTER TABLE items ADD COLUMN importance_floor TEXT NOT NULL DEFAULT 'general';
UPDATE items SET importance_floor = importance WHERE state <> 'draft';

-- Throttles: one counter per bucket and key, counted and recorded in one statement (simultaneous
-- attempts once all passed a check made before any was recorded). Buckets are kept apart, so
-- wrong tracking codes never lock staff out.
CREATE TABLE throttle (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE INDEX throttle_window ON throttle (window_start);
DROP TABLE login_failures;
DROP TABLE intake_attempts;

-- Credentials that end: a password change, disabling or a forced sign-out moves the user's epoch
-- on and so ends every session signed in before; API tokens expire and can be revoked (tokens
-- issued before this migration expire 90 days after it).
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
UPDATE api_tokens SET expires_at = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) + 7776000;

-- The audit chain is keyed (HMAC with a key kept outside the database). A database that already
-- holds entries keeps them as they are, unkeyed, up to `legacy_upto`; the operator's
-- `sunshine audit upgrade` checks them, sets the boundary and appends the first keyed entry,
-- whose MAC covers the last unkeyed one. Until then the scheme says `sha256` and the server does
-- not start (an automatic upgrade could be provoked to launder a rewritten log). A new database
-- starts keyed.
ALTER TABLE audit_head ADD COLUMN scheme TEXT NOT NULL DEFAULT 'hmac-sha256';
ALTER TABLE audit_head ADD COLUMN legacy_upto BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET scheme = 'sha256' WHERE seq > 0;

-- One-off upgrades done in code at start (they need the key): which have run.
CREATE TABLE upgrades (
    name TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);

-- Idempotency of intake: the public form's challenge is single-use and a reload or double submit
-- gets the first submission's receipt; the API honours Idempotency-Key the same way. The receipt
-- is kept sealed (encrypted) for a day, then forgotten.
CREATE TABLE intake_keys (
    key_hash TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    application_id BIGINT REFERENCES applications(id),
    receipt_sealed TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX intake_keys_created ON intake_keys (created_at);

-- A fingerprint of the deployment's key (an HMAC of a fixed label): a node or command started
-- with another key is refused, instead of writing records nobody can read or verify later.
ALTER TABLE audit_head ADD COLUMN key_check TEXT NOT NULL DEFAULT '';
