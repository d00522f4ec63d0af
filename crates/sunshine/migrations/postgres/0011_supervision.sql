-- The supervision view reads a year's submissions and publications of the units it covers.
CREATE INDEX item_events_unit_at ON item_events (unit_id, at);
-- A unit's public items carry their column and 成文日期 in the index: the annual report counts
-- them per column, the supervision view reads their dates, neither visiting the table.
DROP INDEX items_unit_public;
CREATE INDEX items_unit_public ON items (unit_id, state, disclosure, published_on, id, column_id, written_on);
-- 规章 and 规范性文件 are a few items among many: table 二 reads them alone.
CREATE INDEX items_documents ON items (unit_id, doc_type) WHERE doc_type IN ('rule', 'normative');
