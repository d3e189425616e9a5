-- brotr index schema, version 4: what is known of each relay, a typed column per fact,
-- each written by one stage: the Synchronizer's cursor (every event up to sync_through
-- is archived) and what it learned of the relay's paging; the Validator's mark for a
-- relay answering only without certificate checks; and the monitor's last check and
-- NIP-77 support. NULL: not known yet.
CREATE TABLE relay_state (
    relay INTEGER PRIMARY KEY,
    sync_through INTEGER,
    until_exclusive INTEGER,
    page_cap INTEGER,
    confirmed_page INTEGER NOT NULL DEFAULT 0,
    ignores_limit INTEGER NOT NULL DEFAULT 0,
    unordered INTEGER NOT NULL DEFAULT 0,
    requires_auth INTEGER NOT NULL DEFAULT 0,
    insecure INTEGER NOT NULL DEFAULT 0,
    checked_at INTEGER,
    nip77 INTEGER
);
INSERT OR IGNORE INTO relay_state (relay)
    SELECT DISTINCT r.id FROM service_state s JOIN relay r ON r.url = substr(s.key, instr(s.key, ':') + 1)
    WHERE s.service = 'synchronizer' AND substr(s.key, 1, instr(s.key, ':')) IN ('cursor:', 'quirks:', 'insecure:');
UPDATE relay_state SET sync_through = (
    SELECT CAST(s.value AS INTEGER) FROM service_state s JOIN relay r ON s.key = 'cursor:' || r.url
    WHERE s.service = 'synchronizer' AND r.id = relay_state.relay AND s.value GLOB '[0-9]*')
    WHERE relay IN (SELECT r.id FROM service_state s JOIN relay r ON s.key = 'cursor:' || r.url WHERE s.service = 'synchronizer');
UPDATE relay_state SET (until_exclusive, page_cap, confirmed_page, ignores_limit, unordered, requires_auth) = (
    SELECT json_extract(s.value, '$.untilExclusive'), json_extract(s.value, '$.pageCap'),
        COALESCE(json_extract(s.value, '$.confirmedPage'), 0), COALESCE(json_extract(s.value, '$.ignoresLimit'), 0),
        COALESCE(json_extract(s.value, '$.unordered'), 0), COALESCE(json_extract(s.value, '$.requiresAuth'), 0)
    FROM service_state s JOIN relay r ON s.key = 'quirks:' || r.url
    WHERE s.service = 'synchronizer' AND r.id = relay_state.relay AND json_valid(s.value))
    WHERE relay IN (
        SELECT r.id FROM service_state s JOIN relay r ON s.key = 'quirks:' || r.url
        WHERE s.service = 'synchronizer' AND json_valid(s.value));
UPDATE relay_state SET insecure = 1
    WHERE relay IN (SELECT r.id FROM service_state s JOIN relay r ON s.key = 'insecure:' || r.url WHERE s.service = 'synchronizer');
DELETE FROM service_state WHERE service = 'synchronizer'
    AND key IN (SELECT p.prefix || r.url FROM relay r, (SELECT 'cursor:' AS prefix UNION ALL SELECT 'quirks:' UNION ALL SELECT 'insecure:') p);
