-- brotr index schema, version 5: what one check alone measured (round-trip times),
-- as a JSON object beside its snapshot, so that the documents, shared by content,
-- stay identical from check to check. NULL: nothing of the kind.
ALTER TABLE relay_metadata ADD COLUMN data TEXT;
