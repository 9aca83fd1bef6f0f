/* conversion_quality--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION conversion_quality" to load this file. \quit

-- Every object lives in schema cq, created here so that DROP EXTENSION
-- removes it too.
CREATE SCHEMA cq;
COMMENT ON SCHEMA cq IS
'conversion_quality: event dedup keys, funnel progression and event-to-revenue signal quality';

------------------------------------------------------------------------------
-- Identity: identifier normalization and match keys
------------------------------------------------------------------------------

CREATE FUNCTION cq.normalize_email(email text, platform text DEFAULT 'generic')
RETURNS text
AS 'MODULE_PATHNAME', 'normalize_email'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.normalize_email(text, text) IS
'Email normalized for an ad platform (generic, google, meta, tiktok, snap, uid2): trimmed and lowercased; google also removes dots and +tag from gmail.com/googlemail.com local parts, uid2 from gmail.com only. NULL when the value is not an address.';

CREATE FUNCTION cq.normalize_phone(phone text, default_region text DEFAULT NULL,
                                   platform text DEFAULT 'e164')
RETURNS text
AS 'MODULE_PATHNAME', 'normalize_phone'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.normalize_phone(text, text, text) IS
'Phone number parsed with libphonenumber (national formats in default_region, an ISO 3166-1 alpha-2 code): +<digits> for e164, generic, google, tiktok, uid2; digits only for meta, snap. NULL when the number is not valid or phone or platform is NULL.';

CREATE FUNCTION cq.normalize_identifier(value text, kind text, platform text DEFAULT 'generic',
                                        default_region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'normalize_identifier'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.normalize_identifier(text, text, text, text) IS
'Clear-text platform-normalized customer identifier of a kind (email, phone, first_name, last_name, city, state, zip, country, external_id): what cq.match_key hashes, and what Google expects unhashed for city, state, zip and country. NULL when unusable.';

CREATE FUNCTION cq.match_key(value text, kind text, platform text DEFAULT 'generic',
                             default_region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'match_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.match_key(text, text, text, text) IS
'Lowercase hex SHA-256 of the UTF-8 bytes of cq.normalize_identifier(value, kind, platform, default_region): the hashed identifier uploaded for advanced matching / enhanced conversions. NULL when normalization gives NULL.';

------------------------------------------------------------------------------
-- Dedup keys and duplicate detection
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

-- Duplicate report over any event table.  Identifiers are checked through
-- the catalog and quoted with format('%I'); the table is read with the
-- caller's privileges (SECURITY INVOKER, the default).
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
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col_args text[] := ARRAY['event_name_column', 'event_id_column', 'source_column',
                             'arrived_at_column', 'scope_column'];
    cols name[] := ARRAY[event_name_column, event_id_column, source_column,
                         arrived_at_column, scope_column];
    col_type regtype;
    scope_expr text := 'NULL::text';
BEGIN
    IF events IS NULL OR event_name_column IS NULL OR event_id_column IS NULL
       OR source_column IS NULL OR arrived_at_column IS NULL THEN
        RAISE EXCEPTION 'arguments of cq.dedup_report must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Only scope_column may be NULL (no scope); a NULL dedup_window means a window that never closes.',
                  HINT = 'Name the table and each of its columns.';
    END IF;
    FOR i IN 1 .. 5 LOOP
        CONTINUE WHEN cols[i] IS NULL;
        SELECT a.atttypid::regtype INTO col_type
          FROM pg_attribute a
         WHERE a.attrelid = events AND a.attname = cols[i]
           AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" does not exist in %', cols[i], events
                USING ERRCODE = 'undefined_column',
                      DETAIL = format('cq.dedup_report reads it as %s.', col_args[i]),
                      HINT = format('Pass the name of an existing column, for example %s => ''my_column''.',
                                    col_args[i]);
        END IF;
        IF i = 4 AND col_type NOT IN ('timestamp with time zone'::regtype,
                                      'timestamp without time zone'::regtype, 'date'::regtype) THEN
            RAISE EXCEPTION 'column "%" of % has type %, not a timestamp', cols[i], events, col_type
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = 'The arrival column orders the copies of a conversion in time.',
                      HINT = 'Use a timestamptz, timestamp or date column, or a view that casts one.';
        END IF;
    END LOOP;
    IF scope_column IS NOT NULL THEN
        scope_expr := format('e.%I::text', scope_column);
    END IF;

    RETURN QUERY EXECUTE format($q$
        WITH src AS (
            SELECT e.%1$I::text AS event_name, e.%3$I::text AS source,
                   e.%4$I::timestamptz AS arrived_at,
                   cq.dedup_key(e.%1$I::text, e.%2$I::text, %5$s) AS k
              FROM %6$s e
        ), decided AS (
            SELECT s.*,
                   CASE WHEN s.k IS NOT NULL AND s.arrived_at IS NOT NULL
                        THEN cq.dedup_keep(s.arrived_at, $1)
                             OVER (PARTITION BY s.k ORDER BY s.arrived_at, s.source)
                   END AS keep
              FROM src s
        ), chained AS (
            SELECT d.*,
                   CASE WHEN d.keep IS NOT NULL
                        THEN count(*) FILTER (WHERE d.keep)
                             OVER (PARTITION BY d.k ORDER BY d.arrived_at, d.source, d.keep DESC
                                   ROWS UNBOUNDED PRECEDING)
                   END AS chain
              FROM decided d
        ), conv AS (
            SELECT c.k, c.chain,
                   count(DISTINCT c.source) + max((c.source IS NULL)::int) AS nsources
              FROM chained c
             WHERE c.chain IS NOT NULL
             GROUP BY c.k, c.chain
        ), r AS (
            SELECT c.*, coalesce(v.nsources, 1) AS nsources
              FROM chained c
              LEFT JOIN conv v ON v.k = c.k AND v.chain = c.chain
        ), g AS (
            SELECT r.event_name, r.source, GROUPING(r.source) = 1 AS is_total,
                   count(*) AS rows,
                   count(*) FILTER (WHERE r.k IS NULL) AS rows_without_id,
                   count(*) FILTER (WHERE r.k IS NOT NULL AND r.arrived_at IS NULL)
                       AS rows_without_time,
                   count(DISTINCT (r.k, r.chain)) FILTER (WHERE r.chain IS NOT NULL)
                       + count(*) FILTER (WHERE r.chain IS NULL) AS conversions,
                   count(*) FILTER (WHERE r.keep IS NOT FALSE) AS kept,
                   count(DISTINCT (r.k, r.chain)) FILTER (WHERE r.nsources > 1)
                       AS multi_source_conversions
              FROM r
             GROUP BY GROUPING SETS ((r.event_name, r.source), (r.event_name))
        )
        SELECT g.event_name, g.source, g.is_total, g.rows, g.rows_without_id,
               g.rows_without_time, g.conversions,
               CASE WHEN g.is_total THEN g.conversions ELSE g.kept END,
               g.rows - CASE WHEN g.is_total THEN g.conversions ELSE g.kept END,
               (g.rows - CASE WHEN g.is_total THEN g.conversions ELSE g.kept END)::float8
                   / g.rows,
               g.multi_source_conversions,
               g.conversions - g.multi_source_conversions
          FROM g
         ORDER BY g.event_name NULLS LAST, g.is_total DESC, g.source NULLS LAST
    $q$, event_name_column, event_id_column, source_column, arrived_at_column,
         scope_expr, events)
    USING dedup_window;
END
$$;

COMMENT ON FUNCTION cq.dedup_report(regclass, interval, name, name, name, name, name) IS
'Duplicate report of an event table: per event name and source (and a total row per event name, is_total), rows, rows without id or arrival time, conversions after dedup (cq.dedup_key + cq.dedup_keep within dedup_window), copies kept and dropped, duplicate rate, and conversions seen by several sources or by one. Reads the table with the caller''s privileges.';
