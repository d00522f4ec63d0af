-- Closing the holes found when the product was probed: one approval per step, authors by content,
-- an importance floor, atomic throttles, single-use intake keys, credentials that end, and the
-- keyed audit chain.

-- At most one approval in force per item, step and content digest (two simultaneous approvals
-- once stored two). Duplicates left by the old code are voided first, keeping the earliest.
UPDATE approvals SET void = 1 WHERE void = 0 AND id NOT IN (
    SELECT MIN(id) FROM approvals WHERE void = 0 GROUP BY item_id, step, digest
);
CREATE UNIQUE INDEX approvals_one_per_step ON approvals (item_id, step, digest) WHERE void = 0;

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

-- The lowest importance an item may be given: what it was submitted at, or what a reviewer
-- raised it to. Only a reviewer, with a reason, lowers it.
ALTER TABLE items ADD COLUMN importance_floor TEXT NOT NULL DEFAULT 'general';
UPDATE items SET importance_floor = importance WHERE state <> 'draft';
