------------------------------------------------------------------------------
-- Dedup keys and duplicate detection (src/dedup.h)
------------------------------------------------------------------------------

CREATE FUNCTION cq.dedup_key(event_name text, event_id text, scope text DEFAULT NULL)
RETURNS uuid
AS 'MODULE_PATHNAME', 'dedup_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.dedup_key(text, text, text) IS
'128-bit dedup key (UUID version 8) of (scope, event_name, event_id), encoding cq.dedup_key.v1: SHA-256 over length-prefixed UTF-8 fields, exact bytes. NULL when event_id is NULL or blank: such rows must never merge.';

CREATE FUNCTION cq.event_fingerprint(VARIADIC "any")
RETURNS uuid
AS 'MODULE_PATHNAME', 'event_fingerprint'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.event_fingerprint("any") IS
'Content key (UUID version 8, encoding cq.event_fingerprint.v1) of the values given, for sources without event ids. Type-aware (1::int, 1::bigint and ''1''::text differ) and NULL-aware (NULL differs from ''''). STABLE because nested text in arrays and records follows client_encoding.';

CREATE FUNCTION cq.dedup_keep(arrived_at timestamptz, dedup_window interval DEFAULT '48 hours')
RETURNS boolean
AS 'MODULE_PATHNAME', 'dedup_keep'
LANGUAGE C WINDOW STABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.dedup_keep(timestamptz, interval) IS
'Window function, OVER (PARTITION BY <dedup key> ORDER BY <arrival>): true for the copy that counts. The first copy is kept; copies arriving at most dedup_window after the kept copy (inclusive) are duplicates; a later copy starts a new conversion. NULL window: never closes. NULL arrival: NULL. STABLE because windows of days or months follow the session time zone.';

-- Duplicate report over any event table (src/dedup_report.c): the table is a
-- regclass, every column is checked in the catalog and quoted, and the table
-- is read with the caller's privileges.
CREATE FUNCTION cq.dedup_report(
    events regclass,
    dedup_window interval DEFAULT '48 hours',
    event_name_column name DEFAULT 'event_name',
    event_id_column name DEFAULT 'event_id',
    source_column name DEFAULT 'source',
    arrived_at_column name DEFAULT 'arrived_at',
    scope_column name DEFAULT NULL)
RETURNS TABLE (
    event_name text,
    source text,
    is_total boolean,
    rows bigint,
    rows_without_id bigint,
    rows_without_time bigint,
    conversions bigint,
    kept bigint,
    duplicates bigint,
    duplicate_rate double precision,
    multi_source_conversions bigint,
    single_source_conversions bigint)
AS 'MODULE_PATHNAME', 'dedup_report'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION cq.dedup_report(regclass, interval, name, name, name, name, name) IS
'Duplicate report of an event table: per event name and source (and a total row per event name, is_total), rows, rows without id or arrival time, conversions after dedup (cq.dedup_key + cq.dedup_keep within dedup_window), copies kept and dropped, duplicate rate, and conversions seen by several sources or by one. Reads the table with the caller''s privileges.';
