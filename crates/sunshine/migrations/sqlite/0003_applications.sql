-- Applications (依申请公开), the working-day calendar loaded at run time, remedies, complaints.

-- A year's holiday arrangement loaded with `sunshine calendar load`; overrides the shipped data.
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    data TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    loaded_by TEXT NOT NULL
);

-- Whether the reply clock stops while a fee is outstanding (not settled nationally; default on).
ALTER TABLE units ADD COLUMN pause_clock_for_fee BIGINT NOT NULL DEFAULT 1;

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    tracking_no TEXT NOT NULL UNIQUE,
    access_code_hash TEXT NOT NULL,
    applicant_kind TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    id_type TEXT NOT NULL,
    -- The ID number, encrypted at rest (AES-256-GCM, key from configuration); the masked form for lists.
    id_number_enc TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    -- Keyed hash of the ID number: finds one applicant's applications in a month (fees by count)
    -- without decrypting anything.
    applicant_hash TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    delivery TEXT NOT NULL,
    channel TEXT NOT NULL,
    received_on TEXT NOT NULL,
    -- Derived from the events; kept for queues and recomputed when the calendar changes.
    due_on TEXT,
    -- 1 when the deadline runs into a year whose holiday arrangement is not loaded yet.
    due_provisional BIGINT NOT NULL DEFAULT 0,
    phase TEXT NOT NULL DEFAULT 'running',
    outcome TEXT,
    replied_on TEXT,
    overdue BIGINT NOT NULL DEFAULT 0,
    fee_method TEXT,
    fee_yuan BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_unit ON applications (unit_id, phase, due_on);
CREATE INDEX applications_applicant ON applications (applicant_hash, received_on);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    actor_id BIGINT,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX application_events_app ON application_events (application_id);

CREATE TABLE letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX letters_app ON letters (application_id);

CREATE TABLE remedies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    body TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'pending',
    decided_on TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    received_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

-- Per-unit reply letter templates, by outcome; the built-in text when absent.
CREATE TABLE reply_templates (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    outcome TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (unit_id, outcome)
);

-- Submissions per address, for the public form's rate limit (shared by every node).
CREATE TABLE intake_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX intake_attempts_ip ON intake_attempts (ip, at);
