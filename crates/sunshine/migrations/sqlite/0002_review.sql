-- Review before publishing: importance, pre-review form, approvals bound to content digests,
-- screening findings, overrides, consultations, withdrawal, and the item's own history.

ALTER TABLE items ADD COLUMN importance TEXT NOT NULL DEFAULT 'general';
ALTER TABLE items ADD COLUMN prereview TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN publish_at BIGINT;
ALTER TABLE items ADD COLUMN withdrawn_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE items ADD COLUMN screening TEXT NOT NULL DEFAULT '[]';
ALTER TABLE items ADD COLUMN review_comment TEXT NOT NULL DEFAULT '';
CREATE INDEX items_scheduled ON items (state, publish_at);

-- The unit's review chains as JSON ({"general": [...], ...}); empty means the default.
ALTER TABLE units ADD COLUMN review_policy TEXT NOT NULL DEFAULT '';

CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    step BIGINT NOT NULL,
    role TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    digest TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    void BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX approvals_item ON approvals (item_id, void);

CREATE TABLE overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    digest TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX overrides_item ON overrides (item_id);

CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    department TEXT NOT NULL,
    contact TEXT NOT NULL,
    held_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX consultations_item ON consultations (item_id);

CREATE TABLE item_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX item_events_item ON item_events (item_id);
