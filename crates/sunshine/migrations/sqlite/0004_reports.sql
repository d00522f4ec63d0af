-- Records the annual report needs, and the reports themselves.

-- Rules (规章) and normative documents (行政规范性文件) are items with a document type, counted in
-- table 二 (一) from their issue and repeal dates.
ALTER TABLE items ADD COLUMN doc_type TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN repealed_on TEXT;

CREATE TABLE report_trainings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    attendance BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX report_trainings_unit ON report_trainings (unit_id, held_on);

CREATE TABLE report_inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    held_on TEXT NOT NULL,
    inspector TEXT NOT NULL,
    findings TEXT NOT NULL,
    rectification TEXT NOT NULL DEFAULT '',
    rectified_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX report_inspections_unit ON report_inspections (unit_id, held_on);

-- Counts a unit keeps elsewhere (行政许可, 行政处罚, 行政强制, 行政事业性收费 in 万元, as text to
-- keep the decimal exact), and the staff-written sections 五 and 六.
CREATE TABLE report_years (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    licensing BIGINT NOT NULL DEFAULT 0,
    penalty BIGINT NOT NULL DEFAULT 0,
    coercion BIGINT NOT NULL DEFAULT 0,
    fees_wan_yuan TEXT NOT NULL DEFAULT '0',
    section_five TEXT NOT NULL DEFAULT '',
    section_six TEXT NOT NULL DEFAULT '',
    -- The generated report (JSON) and the item it is published as.
    report_json TEXT,
    item_id BIGINT REFERENCES items(id),
    PRIMARY KEY (unit_id, year)
);

-- When the unit's annual report is due (MM-DD of the following year). Empty: by kind, 31 January,
-- and 31 March for a city government (Art. 49); local rules set the date for townships.
ALTER TABLE units ADD COLUMN report_due TEXT NOT NULL DEFAULT '';
