-- brotr index schema, version 6: how many monitor checks of a relay failed in a row
-- (every check failed, none answered), so that a relay that is down is checked less
-- often, never dropped; its first answer sets it back to 0.
ALTER TABLE relay_state ADD COLUMN check_failures INTEGER NOT NULL DEFAULT 0;
