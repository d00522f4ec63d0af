-- The text of an attachment as the search index reads it, extracted once at upload (NULL for a
-- file whose text cannot be read, and for files uploaded before search existed).
ALTER TABLE attachments ADD COLUMN text TEXT;
