-- What an organisation's application names besides the organisation (法定代表人, 联系人), and
-- everyone's 邮编 (Art. 29 forms ask for them).
ALTER TABLE applications ADD COLUMN legal_rep TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN contact_person TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
-- Files of an application: the applicant's proof of identity (身份证明), kept encrypted with the
-- data key and shown to the handling unit's staff only. A file uploaded with a form that had
-- errors waits here without an application (application_id NULL) until the corrected form is
-- sent, and is removed with its object after two hours if it never is.
CREATE TABLE application_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT REFERENCES applications(id),
    unit_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    sealed BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX application_files_application ON application_files (application_id);
CREATE INDEX application_files_pending ON application_files (created_at) WHERE application_id IS NULL;
-- An account given a one-time password (new, or reset by its unit's administrator) must choose
-- its own at the next sign-in.
ALTER TABLE users ADD COLUMN must_change BIGINT NOT NULL DEFAULT 0;
-- Who made an account in the back office (none: the CLI), so that the same form sent twice is
-- told from a login someone else holds.
ALTER TABLE users ADD COLUMN created_by BIGINT REFERENCES users(id);
-- Drafts a reviewer sent back, for their authors' dashboards: few among all items.
CREATE INDEX items_returned ON items (updated_at) WHERE state = 'draft' AND review_comment <> '';
