-- The supervision view reads a year's submissions and publications of the units it covers.
CREATE INDEX item_events_unit_at ON item_events (unit_id, at);
