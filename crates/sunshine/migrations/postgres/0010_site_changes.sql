-- The change log also records changes to what every page shows around the items (a unit's
-- settings, its columns, a new unit), with no item: page caches follow them; the search index
-- skips them.
ALTER TABLE change_log ALTER COLUMN item_id DROP NOT NULL;
