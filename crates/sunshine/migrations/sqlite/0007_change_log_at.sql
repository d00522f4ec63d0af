-- A full build of the search index starts following the change log from the last entry older
-- than the time a transaction may take to commit: found through this index, not a scan.
CREATE INDEX change_log_at ON change_log (at);
