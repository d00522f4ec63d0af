-- The change log also records changes to what every page shows around the items (a unit's
-- settings, its columns, a new unit), with no item: page caches follow them; the search index
-- skips them. SQLite cannot drop a NOT NULL in place, so the table is made again.
CREATE TABLE change_log_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT REFERENCES items(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    op TEXT NOT NULL,
    at BIGINT NOT NULL
);
INSERT INTO change_log_new (id, item_id, unit_id, op, at) SELECT id, item_id, unit_id, op, at FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_new RENAME TO change_log;
CREATE INDEX change_log_at ON change_log (at);
