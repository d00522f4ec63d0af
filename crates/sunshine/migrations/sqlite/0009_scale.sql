-- Listings that do not grow with the tables: every public and staff list reads a bounded page
-- through one of these, in the order it shows.

-- A unit's public items, newest first (its API list, its catalog, its feed); also what the
-- review queue and the report's counts look up by unit and state.
CREATE INDEX items_unit_public ON items (unit_id, state, disclosure, published_on, id);
DROP INDEX items_unit_state;
-- The back office's list of a unit's items, last changed first.
CREATE INDEX items_unit_updated ON items (unit_id, updated_at, id);
-- The catalog's other orders, and its 主题分类 filter and counts.
CREATE INDEX items_catalog_title ON items (state, disclosure, title, id);
CREATE INDEX items_catalog_written ON items (state, disclosure, (COALESCE(written_on, published_on)), id);
CREATE INDEX items_catalog_topic ON items (state, disclosure, topic, published_on, id);
CREATE INDEX items_catalog_index ON items (state, disclosure, index_no);
-- Replied cases newest first: a unit's, everyone's, the late ones.
CREATE INDEX applications_received ON applications (unit_id, received_on, id);
CREATE INDEX applications_newest ON applications (phase, received_on, id);
CREATE INDEX applications_late ON applications (overdue, received_on, id);
