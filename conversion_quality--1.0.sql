/* conversion_quality--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION conversion_quality" to load this file. \quit

-- Every object lives in schema cq, created here so that DROP EXTENSION
-- removes it too.
CREATE SCHEMA cq;
COMMENT ON SCHEMA cq IS
'conversion_quality: event dedup keys, funnel progression and event-to-revenue signal quality';
-- Analysts use the functions without further grants; every function runs with
-- the caller's privileges, so this gives no access to anyone's data.  A DBA may
-- REVOKE it and grant USAGE to chosen roles instead.
GRANT USAGE ON SCHEMA cq TO PUBLIC;

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

CREATE FUNCTION cq.phone_regions()
RETURNS text[]
AS 'MODULE_PATHNAME', 'phone_regions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.phone_regions() IS
'The ISO 3166-1 alpha-2 region codes libphonenumber knows, sorted: the valid values of default_region in cq.normalize_phone and cq.match_key.';

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

------------------------------------------------------------------------------
-- Funnels
------------------------------------------------------------------------------

-- The funnel state: the rows a funnel can see, 16 bytes each.
CREATE TYPE cq.funnel_state;

CREATE FUNCTION cq.funnel_state_in(cstring)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq.funnel_state_out(cq.funnel_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'funnel_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq.funnel_state_recv(internal)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq.funnel_state_send(cq.funnel_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'funnel_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.funnel_state (
    INPUT = cq.funnel_state_in,
    OUTPUT = cq.funnel_state_out,
    RECEIVE = cq.funnel_state_recv,
    SEND = cq.funnel_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE cq.funnel_state IS
'Funnel state: the rows of a group as (time, set of steps satisfied), 16 bytes per row. Built by cq.funnel_events, merged by cq.funnel_rollup, read by cq.funnel_stage and cq.funnel_step_times. Text form (format v1, canonical): v1 steps=<n> params=<-|window_us/mode> events=<count> <ts_us>:<mask>,... with ts in microseconds since 2000-01-01 UTC and bit k-1 of mask for step k.';
COMMENT ON FUNCTION cq.funnel_state_in(cstring) IS
'Input function of cq.funnel_state: accepts only the canonical text form of a valid state (SQLSTATE 22P02 otherwise).';
COMMENT ON FUNCTION cq.funnel_state_out(cq.funnel_state) IS
'Output function of cq.funnel_state: the canonical text form, which cq.funnel_state_in reads back into the same state.';
COMMENT ON FUNCTION cq.funnel_state_recv(internal) IS
'Binary input of cq.funnel_state (format v1, network byte order); anything but a valid canonical state is rejected with SQLSTATE 22P03.';
COMMENT ON FUNCTION cq.funnel_state_send(cq.funnel_state) IS
'Binary output of cq.funnel_state: uint8 version, uint8 steps, uint8 has_params, [int64 window_us, uint32 mode], int32 count, count x (int64 ts_us, uint32 mask).';

-- Support functions shared by the funnel aggregates
CREATE FUNCTION cq.funnel_combine(cq.funnel_state, cq.funnel_state)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_combine(cq.funnel_state, cq.funnel_state) IS
'Combine function of the funnel aggregates and transition of cq.funnel_rollup: the state of the union of both groups of rows. NULL on either side is a group without rows. Different step counts are an error (22023).';

-- cq.window_funnel
CREATE FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.window_funnel_finalfn(cq.funnel_state)
RETURNS integer
AS 'MODULE_PATHNAME', 'window_funnel_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean[]) IS
'Transition of cq.window_funnel(window, ts, steps): appends the row in place.';
COMMENT ON FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean[]) IS
'Transition of cq.window_funnel(window, mode, ts, steps): appends the row in place.';
COMMENT ON FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean[]) IS
'Transition of cq.window_funnel(window, ts, steps) for timestamp without time zone.';
COMMENT ON FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean[]) IS
'Transition of cq.window_funnel(window, mode, ts, steps) for timestamp without time zone.';
COMMENT ON FUNCTION cq.window_funnel_finalfn(cq.funnel_state) IS
'Final function of cq.window_funnel: the stage reached under the window and mode kept in the state; 0 without usable rows.';

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.window_funnel_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.window_funnel_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamp, VARIADIC steps boolean[]) (
    SFUNC = cq.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.window_funnel_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamp, VARIADIC steps boolean[]) (
    SFUNC = cq.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.window_funnel_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.window_funnel(interval, timestamptz, VARIADIC boolean[]) IS
'ClickHouse windowFunnel: the highest step (0..N, N = 1..32) reached by a chain starting at a step-1 row whose later steps occur at most window after that start (inclusive). Rows are taken in (time, step) order, so equal times advance step by step and input order never matters. Rows with a NULL time or step are skipped. A day counts 24 hours, a month 30 days.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamptz, VARIADIC boolean[]) IS
'ClickHouse windowFunnel with a mode: a comma-separated set of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry (which requires strict_order). Unknown or invalid modes are errors (22023).';
COMMENT ON AGGREGATE cq.window_funnel(interval, timestamp, VARIADIC boolean[]) IS
'cq.window_funnel for timestamp without time zone.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamp, VARIADIC boolean[]) IS
'cq.window_funnel with a mode, for timestamp without time zone.';

-- Two-step funnel: cq.funnel_events -> cq.funnel_state -> accessors, cq.funnel_rollup
CREATE FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.funnel_events_finalfn(cq.funnel_state)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean[]) IS
'Transition of cq.funnel_events: appends the row in place.';
COMMENT ON FUNCTION cq.funnel_events_finalfn(cq.funnel_state) IS
'Final function of cq.funnel_events and cq.funnel_rollup: the canonical (sorted, compact) state.';

CREATE AGGREGATE cq.funnel_events(ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_events_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_events(timestamptz, VARIADIC boolean[]) IS
'Funnel state of a group: every row with a time and no NULL step, as (time, steps satisfied), including rows satisfying no step (strict_order needs them). NULL for a group without such rows. Read it with cq.funnel_stage / cq.funnel_step_times; merge states with cq.funnel_rollup.';

CREATE AGGREGATE cq.funnel_rollup(cq.funnel_state) (
    SFUNC = cq.funnel_combine,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_events_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_rollup(cq.funnel_state) IS
'Merges funnel states (of days, partitions, nodes) into the state of the union of their rows. NULL states are skipped; states with different step counts are an error (22023).';

CREATE FUNCTION cq.funnel_stage(state cq.funnel_state, "window" interval, mode text DEFAULT '',
                             exclusions integer[] DEFAULT '{}')
RETURNS integer
AS 'MODULE_PATHNAME', 'funnel_stage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_stage(cq.funnel_state, interval, text, integer[]) IS
'Stage (0..N) the state''s rows reach: equals cq.window_funnel(window, mode, ...) over the same rows. exclusions: [condition, from_step, to_step] triples; the excluded conditions must be the last ones given to cq.funnel_events, and an excluded event strictly after a chain''s step from_step, before it reaches to_step, breaks that chain.';

CREATE FUNCTION cq.funnel_stage(state cq.funnel_state, windows interval[], mode text DEFAULT '',
                             exclusions integer[] DEFAULT '{}')
RETURNS integer
AS 'MODULE_PATHNAME', 'funnel_stage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_stage(cq.funnel_state, interval[], text, integer[]) IS
'Stage (0..N) with per-step windows: windows[i] (N-1 of them) limits the time from step i to step i+1 (inclusive), instead of one window from step 1.';

CREATE FUNCTION cq.funnel_step_times(state cq.funnel_state, "window" interval, mode text DEFAULT '',
                             exclusions integer[] DEFAULT '{}')
RETURNS timestamptz[]
AS 'MODULE_PATHNAME', 'funnel_step_times'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_step_times(cq.funnel_state, interval, text, integer[]) IS
'Times of steps 1..stage of the first chain that reached the stage cq.funnel_stage reports; empty array for stage 0.';

CREATE FUNCTION cq.funnel_step_times(state cq.funnel_state, windows interval[], mode text DEFAULT '',
                             exclusions integer[] DEFAULT '{}')
RETURNS timestamptz[]
AS 'MODULE_PATHNAME', 'funnel_step_times'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_step_times(cq.funnel_state, interval[], text, integer[]) IS
'cq.funnel_step_times with per-step windows (windows[i] limits step i to step i+1).';

-- cq.retention
CREATE FUNCTION cq.retention_transfn(bigint, boolean[])
RETURNS bigint
AS 'MODULE_PATHNAME', 'retention_transfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq.retention_combine(bigint, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'retention_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq.retention_finalfn(bigint)
RETURNS boolean[]
AS 'MODULE_PATHNAME', 'retention_finalfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.retention_transfn(bigint, boolean[]) IS
'Transition of cq.retention: state bits 0-31 = condition k+1 held in some row, bits 32-39 = number of conditions.';
COMMENT ON FUNCTION cq.retention_combine(bigint, bigint) IS
'Combine function of cq.retention: bitwise OR of the flags; condition counts must agree.';
COMMENT ON FUNCTION cq.retention_finalfn(bigint) IS
'Final function of cq.retention: r[1] = condition 1 held, r[i] = r[1] and condition i held; NULL without rows.';

CREATE AGGREGATE cq.retention(VARIADIC conditions boolean[]) (
    SFUNC = cq.retention_transfn,
    STYPE = bigint,
    INITCOND = '0',
    FINALFUNC = cq.retention_finalfn,
    COMBINEFUNC = cq.retention_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.retention(VARIADIC boolean[]) IS
'ClickHouse retention: r[1] = condition 1 held in some row; r[i] = condition 1 and condition i each held in some row. No time relation: put dates into the conditions. Rows with a NULL condition are skipped; NULL for a group without rows. 1 to 32 conditions.';

-- Funnel report: per step, users reaching it, conversions, median and p90 time from the previous step
CREATE TYPE cq.funnel_step_report AS (
    step integer,
    users bigint,
    conversion_from_previous double precision,
    conversion_from_first double precision,
    median_from_previous interval,
    p90_from_previous interval
);

COMMENT ON TYPE cq.funnel_step_report IS
'One step of cq.funnel_report: users whose funnel reached the step, users(step)/users(step-1) (NULL for step 1), users(step)/users(1), and the median and 90th percentile (percentile_cont, rounded to the microsecond) of the time from the previous step (NULL for step 1).';

CREATE FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval, text)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[], text)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq.funnel_report_finalfn(cq.funnel_state)
RETURNS cq.funnel_step_report[]
AS 'MODULE_PATHNAME', 'funnel_report_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval) IS
'Transition of cq.funnel_report(state, window): adds one user (its step times under the window) to the report state.';
COMMENT ON FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval, text) IS
'Transition of cq.funnel_report(state, window, mode).';
COMMENT ON FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[]) IS
'Transition of cq.funnel_report(state, windows): per-step windows.';
COMMENT ON FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[], text) IS
'Transition of cq.funnel_report(state, windows, mode): per-step windows.';
COMMENT ON FUNCTION cq.funnel_report_finalfn(cq.funnel_state) IS
'Final function of cq.funnel_report: one cq.funnel_step_report per step; NULL without user states.';

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, "window" interval) (
    SFUNC = cq.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_report_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, "window" interval, mode text) (
    SFUNC = cq.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_report_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, windows interval[]) (
    SFUNC = cq.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_report_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, windows interval[], mode text) (
    SFUNC = cq.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_report_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_report(cq.funnel_state, interval) IS
'Funnel report over one cq.funnel_state per user: one cq.funnel_step_report per step (users reaching it, conversion from the previous and from the first step, median and p90 time from the previous step), for the window. unnest() it for one row per step.';
COMMENT ON AGGREGATE cq.funnel_report(cq.funnel_state, interval, text) IS
'cq.funnel_report with a mode (as cq.window_funnel).';
COMMENT ON AGGREGATE cq.funnel_report(cq.funnel_state, interval[]) IS
'cq.funnel_report with per-step windows (windows[i] limits step i to step i+1).';
COMMENT ON AGGREGATE cq.funnel_report(cq.funnel_state, interval[], text) IS
'cq.funnel_report with per-step windows and a mode.';

-- Fixed-arity forms of cq.window_funnel and cq.funnel_events for 1 to 8 steps.  A call with
-- separate boolean steps resolves to them (PostgreSQL prefers an exact non-variadic match), so
-- the executor does not build a boolean[] per row; they share the C functions and give exactly
-- the results of the VARIADIC forms.
DO $fixed$
DECLARE
    n int;
    bools text;
    tstype text;
    withmode boolean;
    args text;
BEGIN
    FOR n IN 1 .. 8 LOOP
        bools := (SELECT string_agg('boolean', ', ') FROM generate_series(1, n));
        FOREACH tstype IN ARRAY ARRAY['timestamptz', 'timestamp'] LOOP
            FOREACH withmode IN ARRAY ARRAY[false, true] LOOP
                args := 'interval, ' || CASE WHEN withmode THEN 'text, ' ELSE '' END
                        || tstype || ', ' || bools;
                EXECUTE format('CREATE FUNCTION cq.window_funnel_transfn(cq.funnel_state, %s) '
                               'RETURNS cq.funnel_state AS %L, %L LANGUAGE C IMMUTABLE PARALLEL SAFE',
                               args, 'MODULE_PATHNAME', 'window_funnel_transfn');
                EXECUTE format('COMMENT ON FUNCTION cq.window_funnel_transfn(cq.funnel_state, %s) IS %L',
                               args, format('Transition of the %s-step fixed-arity cq.window_funnel.', n));
                EXECUTE format('CREATE AGGREGATE cq.window_funnel(%s) (SFUNC = cq.window_funnel_transfn, '
                               'STYPE = cq.funnel_state, SSPACE = 160, FINALFUNC = cq.window_funnel_finalfn, '
                               'COMBINEFUNC = cq.funnel_combine, PARALLEL = SAFE)', args);
                EXECUTE format('COMMENT ON AGGREGATE cq.window_funnel(%s) IS %L', args,
                               format('cq.window_funnel with %s separate boolean steps: same results as the VARIADIC form, without building an array per row.', n));
            END LOOP;
        END LOOP;
        args := 'timestamptz, ' || bools;
        EXECUTE format('CREATE FUNCTION cq.funnel_events_transfn(cq.funnel_state, %s) '
                       'RETURNS cq.funnel_state AS %L, %L LANGUAGE C IMMUTABLE PARALLEL SAFE',
                       args, 'MODULE_PATHNAME', 'funnel_events_transfn');
        EXECUTE format('COMMENT ON FUNCTION cq.funnel_events_transfn(cq.funnel_state, %s) IS %L',
                       args, format('Transition of the %s-step fixed-arity cq.funnel_events.', n));
        EXECUTE format('CREATE AGGREGATE cq.funnel_events(%s) (SFUNC = cq.funnel_events_transfn, '
                       'STYPE = cq.funnel_state, SSPACE = 160, FINALFUNC = cq.funnel_events_finalfn, '
                       'COMBINEFUNC = cq.funnel_combine, PARALLEL = SAFE)', args);
        EXECUTE format('COMMENT ON AGGREGATE cq.funnel_events(%s) IS %L', args,
                       format('cq.funnel_events with %s separate boolean steps: same state as the VARIADIC form, without building an array per row.', n));
    END LOOP;
END
$fixed$;

-- Event-name forms of cq.window_funnel and cq.funnel_events: the steps are event names matched
-- against one text argument (step k fires when event = steps[k], under the call's collation).
-- Same state and results as the boolean forms with `event = 'name'` conditions; the executor
-- evaluates no comparison per row, the C code compares each row's event with the cached names.
DO $names$
DECLARE
    tstype text;
    withmode boolean;
    args text;
    sig text;
BEGIN
    FOREACH tstype IN ARRAY ARRAY['timestamptz', 'timestamp'] LOOP
        FOREACH withmode IN ARRAY ARRAY[false, true] LOOP
            args := 'interval, ' || CASE WHEN withmode THEN 'text, ' ELSE '' END || tstype || ', text, text[]';
            sig := '"window" interval, ' || CASE WHEN withmode THEN 'mode text, ' ELSE '' END
                   || 'ts ' || tstype || ', event text, VARIADIC steps text[]';
            EXECUTE format('CREATE FUNCTION cq.window_funnel_transfn(cq.funnel_state, %s) '
                           'RETURNS cq.funnel_state AS %L, %L LANGUAGE C IMMUTABLE PARALLEL SAFE',
                           args, 'MODULE_PATHNAME', 'window_funnel_transfn');
            EXECUTE format('COMMENT ON FUNCTION cq.window_funnel_transfn(cq.funnel_state, %s) IS %L',
                           args, 'Transition of the event-name form of cq.window_funnel.');
            EXECUTE format('CREATE AGGREGATE cq.window_funnel(%s) (SFUNC = cq.window_funnel_transfn, '
                           'STYPE = cq.funnel_state, SSPACE = 160, FINALFUNC = cq.window_funnel_finalfn, '
                           'COMBINEFUNC = cq.funnel_combine, PARALLEL = SAFE)', sig);
            EXECUTE format('COMMENT ON AGGREGATE cq.window_funnel(%s) IS %L', sig,
                           'cq.window_funnel with steps given as event names: step k fires on a row whose event equals steps[k] (under the call''s collation). Same results as the boolean form with event = name conditions; a NULL event skips the row; NULL or missing names are errors.');
        END LOOP;
    END LOOP;
END
$names$;

CREATE FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, text, text[]) IS
'Transition of the event-name form of cq.funnel_events.';

CREATE AGGREGATE cq.funnel_events(ts timestamptz, event text, VARIADIC steps text[]) (
    SFUNC = cq.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq.funnel_events_finalfn,
    COMBINEFUNC = cq.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_events(timestamptz, text, VARIADIC text[]) IS
'cq.funnel_events with steps given as event names: the state of the boolean form with event = name conditions. Rows with a NULL event are skipped.';

-- Signal quality
------------------------------------------------------------------------------

-- The summary type: fixed length, versioned text and binary forms.
CREATE TYPE cq.event_signal;

CREATE FUNCTION cq.event_signal_in(cstring) RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.event_signal_out(cq.event_signal) RETURNS cstring
AS 'MODULE_PATHNAME', 'event_signal_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.event_signal_recv(internal) RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.event_signal_send(cq.event_signal) RETURNS bytea
AS 'MODULE_PATHNAME', 'event_signal_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.event_signal (
    INTERNALLENGTH = 96,
    INPUT = cq.event_signal_in,
    OUTPUT = cq.event_signal_out,
    RECEIVE = cq.event_signal_recv,
    SEND = cq.event_signal_send,
    ALIGNMENT = double,
    STORAGE = plain);

COMMENT ON TYPE cq.event_signal IS
'Mergeable summary of an event (boolean) against a value (revenue): per group (without, with the event) the row count, rows with value > 0, and Youngs-Cramer moments of value and of sign(value)*log1p(|value|). Text form v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx (without, then with), floats in shortest exact form.';
COMMENT ON FUNCTION cq.event_signal_in(cstring) IS 'Text input of cq.event_signal (format v1, every invariant checked).';
COMMENT ON FUNCTION cq.event_signal_out(cq.event_signal) IS 'Text output of cq.event_signal (format v1, floats round-trip bit-exactly).';
COMMENT ON FUNCTION cq.event_signal_recv(internal) IS 'Binary input of cq.event_signal (version byte 1, per group 2 int8 and 4 float8).';
COMMENT ON FUNCTION cq.event_signal_send(cq.event_signal) IS 'Binary output of cq.event_signal (version byte 1, per group 2 int8 and 4 float8).';

CREATE FUNCTION cq.event_signal_transfn(cq.event_signal, boolean, float8)
RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_transfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.event_signal_transfn(cq.event_signal, boolean, float8) IS
'Transition function of cq.event_signal: adds one row (skipped when either argument is NULL; a non-finite value is an error).';

CREATE FUNCTION cq.event_signal_combine(cq.event_signal, cq.event_signal)
RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq.event_signal_combine(cq.event_signal, cq.event_signal) IS
'Merges two cq.event_signal summaries (NULL sides are skipped): the combine function of cq.event_signal and cq.signal_rollup, exact like serial aggregation.';

CREATE AGGREGATE cq.event_signal(has_event boolean, value float8) (
    SFUNC = cq.event_signal_transfn,
    STYPE = cq.event_signal,
    COMBINEFUNC = cq.event_signal_combine,
    INITCOND = 'v1:0,0,0,0,0,0;0,0,0,0,0,0',
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.event_signal(boolean, float8) IS
'Summary of has_event against value (usually revenue per user) as cq.event_signal; rows with a NULL argument are skipped; no rows give an empty summary whose accessors are NULL (counts 0). Read it with cq.signal_* accessors, merge summaries with cq.signal_rollup.';

CREATE AGGREGATE cq.signal_rollup(cq.event_signal) (
    SFUNC = cq.event_signal_combine,
    STYPE = cq.event_signal,
    COMBINEFUNC = cq.event_signal_combine,
    INITCOND = 'v1:0,0,0,0,0,0;0,0,0,0,0,0',
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.signal_rollup(cq.event_signal) IS
'Merges cq.event_signal summaries (per day, partition or node) into one, exactly as if the rows had been aggregated together; NULL summaries are skipped.';

CREATE FUNCTION cq.signal_n(s cq.event_signal) RETURNS bigint
AS 'MODULE_PATHNAME', 'signal_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_n(cq.event_signal) IS 'Rows summarized.';

CREATE FUNCTION cq.signal_n_event(s cq.event_signal) RETURNS bigint
AS 'MODULE_PATHNAME', 'signal_n_event' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_n_event(cq.event_signal) IS 'Rows with the event.';

CREATE FUNCTION cq.signal_n_converted(s cq.event_signal) RETURNS bigint
AS 'MODULE_PATHNAME', 'signal_n_converted' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_n_converted(cq.event_signal) IS 'Rows that converted (value > 0).';

CREATE FUNCTION cq.signal_mean(s cq.event_signal, has_event boolean) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_mean(cq.event_signal, boolean) IS
'Mean value of the rows with (true) or without (false) the event; NULL for an empty group.';

CREATE FUNCTION cq.signal_correlation(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_correlation' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_correlation(cq.event_signal) IS
'Pearson correlation of has_event (0/1) with value (point-biserial r); NULL when either group is empty or the value is constant.';

CREATE FUNCTION cq.signal_p_value(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_p_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_p_value(cq.event_signal) IS
'Two-sided p-value of the correlation (t-test with n - 2 degrees of freedom, as scipy.stats.pearsonr); NULL when the correlation is NULL or n < 3.';

CREATE FUNCTION cq.signal_lift(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_lift' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_lift(cq.event_signal) IS
'Mean value of rows with the event divided by the mean value of all rows; NULL when no row has the event or the overall mean is 0.';

CREATE FUNCTION cq.signal_odds_ratio(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_odds_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_odds_ratio(cq.event_signal) IS
'Odds of conversion (value > 0) with the event divided by the odds without, 0.5 added to each of the four cells; NULL when either group is empty.';

CREATE FUNCTION cq.signal_odds_ratio_ci(s cq.event_signal, level float8 DEFAULT 0.95)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'signal_odds_ratio_ci' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_odds_ratio_ci(cq.event_signal, float8) IS
'Woolf (log) confidence interval {lower, upper} of cq.signal_odds_ratio on the same smoothed table: exp(ln OR -/+ z*sqrt(1/a+1/b+1/c+1/d)); level strictly between 0 and 1.';

CREATE FUNCTION cq.signal_precision(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_precision' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_precision(cq.event_signal) IS
'P(value > 0 | event): the conversion rate of rows with the event; NULL when none has it.';

CREATE FUNCTION cq.signal_recall(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_recall' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_recall(cq.event_signal) IS
'P(event | value > 0): the share of converting rows that have the event; NULL when none converted.';

CREATE FUNCTION cq.signal_revenue_share(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_revenue_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_revenue_share(cq.event_signal) IS
'Share of the total value carried by rows with the event; NULL when the total is 0; with refunds (negative values) it can leave [0, 1].';

CREATE FUNCTION cq.signal_log_t(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_log_t' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_log_t(cq.event_signal) IS
'Welch t statistic of sign(value)*log1p(|value|) (log1p for non-negative revenue), rows with the event minus rows without; NULL when a group has fewer than 2 rows or both variances are 0.';

CREATE FUNCTION cq.signal_log_df(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_log_df' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_log_df(cq.event_signal) IS
'Welch-Satterthwaite degrees of freedom of cq.signal_log_t.';

CREATE FUNCTION cq.signal_log_p_value(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_log_p_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_log_p_value(cq.event_signal) IS
'Two-sided p-value of cq.signal_log_t (as scipy.stats.ttest_ind(equal_var=False) on the transformed values).';

CREATE FUNCTION cq.signal_report(
    s cq.event_signal,
    OUT n bigint, OUT n_event bigint, OUT n_converted bigint,
    OUT mean_with float8, OUT mean_without float8,
    OUT correlation float8, OUT p_value float8, OUT lift float8,
    OUT odds_ratio float8, OUT odds_ratio_lower float8, OUT odds_ratio_upper float8,
    OUT "precision" float8, OUT recall float8, OUT revenue_share float8,
    OUT log_t float8, OUT log_df float8, OUT log_p_value float8)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT cq.signal_n(s), cq.signal_n_event(s), cq.signal_n_converted(s),
       cq.signal_mean(s, true), cq.signal_mean(s, false),
       cq.signal_correlation(s), cq.signal_p_value(s), cq.signal_lift(s),
       cq.signal_odds_ratio(s), ci[1], ci[2],
       cq.signal_precision(s), cq.signal_recall(s), cq.signal_revenue_share(s),
       cq.signal_log_t(s), cq.signal_log_df(s), cq.signal_log_p_value(s)
  FROM (SELECT cq.signal_odds_ratio_ci(s, 0.95) AS ci) c
$$;
COMMENT ON FUNCTION cq.signal_report(cq.event_signal) IS
'Every accessor of a cq.event_signal as one record (odds ratio interval at 95%), for BI tools: SELECT (cq.signal_report(s)).* ...';

-- Exact rank measures.  The state type holds the sample itself (pairs of float8).
CREATE TYPE cq.rank_sample;

CREATE FUNCTION cq.rank_sample_in(cstring) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.rank_sample_out(cq.rank_sample) RETURNS cstring
AS 'MODULE_PATHNAME', 'rank_sample_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.rank_sample_recv(internal) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.rank_sample_send(cq.rank_sample) RETURNS bytea
AS 'MODULE_PATHNAME', 'rank_sample_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.rank_sample (
    INTERNALLENGTH = VARIABLE,
    INPUT = cq.rank_sample_in,
    OUTPUT = cq.rank_sample_out,
    RECEIVE = cq.rank_sample_recv,
    SEND = cq.rank_sample_send,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE cq.rank_sample IS
'Transition state of cq.rank_correlation and cq.auc: the (x, y) pairs seen, kept exactly because exact ranks need every value. Text form v1:<count>:x,y;x,y;... (floats in shortest exact form).';
COMMENT ON FUNCTION cq.rank_sample_in(cstring) IS 'Text input of cq.rank_sample (format v1; the count must match the pairs; NaN rejected).';
COMMENT ON FUNCTION cq.rank_sample_out(cq.rank_sample) IS 'Text output of cq.rank_sample (format v1; floats round-trip bit-exactly).';
COMMENT ON FUNCTION cq.rank_sample_recv(internal) IS 'Binary input of cq.rank_sample (version byte 1, int8 count, then the pairs as float8).';
COMMENT ON FUNCTION cq.rank_sample_send(cq.rank_sample) IS 'Binary output of cq.rank_sample (version byte 1, int8 count, then the pairs as float8).';

CREATE FUNCTION cq.rank_sample_transfn(cq.rank_sample, float8, float8) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_sample_transfn(cq.rank_sample, float8, float8) IS
'Transition function of cq.rank_correlation: appends (x, y); rows with a NULL are skipped; NaN is an error.';

CREATE FUNCTION cq.auc_transfn(cq.rank_sample, float8, boolean) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'auc_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq.auc_transfn(cq.rank_sample, float8, boolean) IS
'Transition function of cq.auc: appends (score, 1 or 0); rows with a NULL are skipped; a NaN score is an error.';

CREATE FUNCTION cq.rank_sample_combine(cq.rank_sample, cq.rank_sample) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_sample_combine(cq.rank_sample, cq.rank_sample) IS
'Combine function of cq.rank_correlation and cq.auc: concatenates two samples (NULL sides skipped).';

CREATE FUNCTION cq.rank_correlation_finalfn(cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'rank_correlation_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_correlation_finalfn(cq.rank_sample) IS
'Final function of cq.rank_correlation: Spearman''s rho with average ranks for ties.';

CREATE FUNCTION cq.auc_finalfn(cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'auc_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq.auc_finalfn(cq.rank_sample) IS
'Final function of cq.auc: Mann-Whitney U / (n1 n0), ties counting one half.';

CREATE AGGREGATE cq.rank_correlation(x float8, y float8) (
    SFUNC = cq.rank_sample_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq.rank_sample_combine,
    FINALFUNC = cq.rank_correlation_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_correlation(float8, float8) IS
'Spearman rank correlation of x and y, exact: tied values get the average of their ranks (as scipy.stats.spearmanr). Rows with a NULL are skipped; NULL with fewer than 2 pairs or a constant variable. Keeps every pair (16 bytes each) until the end.';

CREATE AGGREGATE cq.auc(score float8, label boolean) (
    SFUNC = cq.auc_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq.rank_sample_combine,
    FINALFUNC = cq.auc_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.auc(float8, boolean) IS
'ROC AUC of score for label, exact: the probability that a random positive scores above a random negative, ties counting one half (as sklearn.metrics.roc_auc_score). Rows with a NULL are skipped; NULL unless both labels occur. Keeps every pair (16 bytes each) until the end.';

-- The single pass behind cq.rank_events (src/rank_events.c): walks a query ordered by user
-- and time and returns the raw per-event figures.  Internal: its query argument is built by
-- cq.rank_events from checked, quoted identifiers.
CREATE FUNCTION cq.rank_events_scan(query text, horizon interval, observed_until timestamptz)
RETURNS TABLE (
    event_name text,
    occurrences bigint,
    carries boolean,
    users_censored bigint,
    signal cq.event_signal,
    median_lead_time interval,
    first_time timestamptz)
AS 'MODULE_PATHNAME', 'rank_events_scan'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION cq.rank_events_scan(text, interval, timestamptz) IS
'Internal to cq.rank_events: one pass over a query of (user, time, event name, revenue) ordered by user and time; per event name its rows, whether they carry revenue, censored users, the cq.event_signal of window revenue (with: from the first occurrence; without: from the first event), the median lead time to the first revenue, and the earliest event time.';

-- Ranking of every candidate event of an event table by how well it predicts the revenue
-- that follows it.  Identifiers are checked through the catalog and quoted with
-- format('%I'); the tables are read with the caller's privileges (SECURITY INVOKER).
CREATE FUNCTION cq.rank_events(
    events regclass,
    horizon interval,
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    event_column name DEFAULT 'event_name',
    value_column name DEFAULT 'revenue',
    revenue_events regclass DEFAULT NULL,
    conversion_event text DEFAULT NULL,
    exclude_events text[] DEFAULT '{}',
    min_weekly_volume float8 DEFAULT 50,
    observed_until timestamptz DEFAULT NULL,
    alpha float8 DEFAULT 0.05)
RETURNS TABLE (
    rank integer,
    event_name text,
    users bigint,
    users_with_event bigint,
    users_censored bigint,
    conversion_rate float8,
    baseline_conversion_rate float8,
    lift float8,
    odds_ratio float8,
    odds_ratio_lower float8,
    odds_ratio_upper float8,
    correlation float8,
    p_value float8,
    q_value float8,
    revenue_share float8,
    median_lead_time interval,
    weekly_volume float8,
    is_revenue_event boolean,
    verdict text,
    score float8,
    signal cq.event_signal)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rev_rel regclass := coalesce(revenue_events, events);
    col_args text[] := ARRAY['user_column', 'time_column', 'event_column', 'value_column'];
    cols name[] := ARRAY[user_column, time_column, event_column, value_column];
    rels regclass[];
    col_type regtype;
    rev_sql text;
    stream_sql text;
    t_end timestamptz;
BEGIN
    IF events IS NULL OR horizon IS NULL OR user_column IS NULL OR time_column IS NULL
       OR event_column IS NULL OR value_column IS NULL OR min_weekly_volume IS NULL
       OR alpha IS NULL OR exclude_events IS NULL THEN
        RAISE EXCEPTION 'arguments of cq.rank_events must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Only revenue_events, conversion_event and observed_until may be NULL.',
                  HINT = 'Name the table, the horizon and each column; pass ''{}'' for no excluded events.';
    END IF;
    IF horizon <= interval '0' THEN
        RAISE EXCEPTION 'horizon must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The horizon is how long after an event its revenue counts; %s is not positive.', horizon),
                  HINT = 'Use an interval such as ''30 days''.';
    END IF;
    IF NOT (min_weekly_volume >= 0 AND min_weekly_volume < 'Infinity') THEN
        RAISE EXCEPTION 'min_weekly_volume must be a non-negative number'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'It is the weekly count of an event an ad platform needs to learn from it.',
                  HINT = 'Use the platform''s figure, such as 50 conversions per week.';
    END IF;
    IF NOT (alpha > 0 AND alpha < 1) THEN
        RAISE EXCEPTION 'alpha must be between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'alpha is the false discovery rate at which q-values count as significant.',
                  HINT = 'Use a level such as 0.05.';
    END IF;

    -- columns: the event table has user, time and event columns, and the value column unless
    -- the revenue comes from revenue_events, which has user, time and value columns
    FOR i IN 1 .. 4 LOOP
        rels := CASE WHEN i = 3 THEN ARRAY[events]
                     WHEN i = 4 THEN ARRAY[rev_rel]
                     WHEN revenue_events IS NULL THEN ARRAY[events]
                     ELSE ARRAY[events, revenue_events] END;
        FOR j IN 1 .. array_length(rels, 1) LOOP
            SELECT a.atttypid::regtype INTO col_type
              FROM pg_attribute a
             WHERE a.attrelid = rels[j] AND a.attname = cols[i]
               AND a.attnum > 0 AND NOT a.attisdropped;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'column "%" does not exist in %', cols[i], rels[j]
                    USING ERRCODE = 'undefined_column',
                          DETAIL = format('cq.rank_events reads it as %s.', col_args[i]),
                          HINT = format('Pass the name of an existing column, for example %s => ''my_column''.',
                                        col_args[i]);
            END IF;
            IF i = 2 AND col_type NOT IN ('timestamp with time zone'::regtype,
                                          'timestamp without time zone'::regtype, 'date'::regtype) THEN
                RAISE EXCEPTION 'column "%" of % has type %, not a timestamp', cols[i], rels[j], col_type
                    USING ERRCODE = 'datatype_mismatch',
                          DETAIL = 'The time column places events and revenue in time.',
                          HINT = 'Use a timestamptz, timestamp or date column, or a view that casts one.';
            END IF;
            IF i = 4 AND col_type NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                                          'numeric'::regtype, 'real'::regtype,
                                          'double precision'::regtype) THEN
                RAISE EXCEPTION 'column "%" of % has type %, not a number', cols[i], rels[j], col_type
                    USING ERRCODE = 'datatype_mismatch',
                          DETAIL = 'The value column holds the revenue of a row.',
                          HINT = 'Use a numeric column, or a view that casts one.';
            END IF;
        END LOOP;
    END LOOP;

    -- The stream the C scan walks: (user, time, event name or NULL, revenue or NULL), ordered
    -- by user and time.  Revenue is the value of rows with a non-zero value, or of rows of
    -- conversion_event, or the rows of revenue_events.
    IF revenue_events IS NOT NULL THEN
        rev_sql := 'NULL::float8';
    ELSIF conversion_event IS NOT NULL THEN
        rev_sql := format('CASE WHEN e.%I::text = %L THEN e.%I::float8 END',
                          event_column, conversion_event, value_column);
    ELSE
        rev_sql := format('CASE WHEN e.%I::float8 <> 0 THEN e.%1$I::float8 END', value_column);
    END IF;
    stream_sql := format('SELECT e.%I AS u, e.%I::timestamptz AS t, e.%I::text AS name, %s AS rev
                            FROM %s e
                           WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL AND e.%3$I IS NOT NULL',
                         user_column, time_column, event_column, rev_sql, events);
    IF revenue_events IS NOT NULL THEN
        stream_sql := stream_sql || format('
                          UNION ALL
                          SELECT r.%I, r.%I::timestamptz, NULL::text, r.%I::float8
                            FROM %s r
                           WHERE r.%1$I IS NOT NULL AND r.%2$I IS NOT NULL AND r.%3$I IS NOT NULL',
                          user_column, time_column, value_column, revenue_events);
    END IF;
    stream_sql := 'SELECT u, t, name, rev FROM (' || stream_sql || ') s ORDER BY u, t';

    -- the end of observation: the latest time in the data unless given
    t_end := observed_until;
    IF t_end IS NULL THEN
        EXECUTE format('SELECT max(e.%I)::timestamptz FROM %s e', time_column, events) INTO t_end;
        IF revenue_events IS NOT NULL THEN
            EXECUTE format('SELECT greatest($1, max(r.%I)::timestamptz) FROM %s r',
                           time_column, revenue_events) INTO t_end USING t_end;
        END IF;
    END IF;
    IF t_end IS NULL THEN
        RETURN;                 -- no rows at all
    END IF;

    RETURN QUERY
        WITH scan AS (
            SELECT sc.*, coalesce(sc.event_name = conversion_event, false) OR sc.carries AS is_rev,
                   sc.occurrences / greatest(extract(epoch FROM (t_end - sc.first_time)) / 604800, 1)
                       AS weekly
              FROM cq.rank_events_scan(stream_sql, horizon, t_end) sc
             WHERE NOT coalesce(sc.event_name = ANY (exclude_events), false)
        ), tested AS (
            SELECT sc.*, cq.signal_p_value(sc.signal) AS p, cq.signal_correlation(sc.signal) AS r,
                   cq.signal_odds_ratio_ci(sc.signal, 0.95) AS ci
              FROM scan sc
        ), bh AS (
            -- Benjamini-Hochberg over the events with a p-value (revenue events excluded)
            SELECT b.event_name,
                   least(1, min(b.p * b.m / b.k) OVER (ORDER BY b.p DESC, b.event_name DESC
                                                       ROWS UNBOUNDED PRECEDING)) AS q
              FROM (SELECT tt.event_name, tt.p,
                           count(*) OVER () AS m,
                           row_number() OVER (ORDER BY tt.p, tt.event_name) AS k
                      FROM tested tt WHERE tt.p IS NOT NULL AND NOT tt.is_rev) b
        ), judged AS (
            SELECT t.*, bh.q,
                   CASE WHEN t.is_rev THEN 'revenue event'
                        WHEN t.p IS NULL THEN 'not enough data'
                        WHEN bh.q > alpha OR t.r <= 0 THEN 'no signal'
                        WHEN t.weekly < min_weekly_volume THEN 'too rare'
                        ELSE 'ready' END AS verdict,
                   CASE WHEN t.is_rev OR t.p IS NULL THEN NULL
                        WHEN bh.q > alpha THEN 0
                        ELSE t.r * least(1, CASE WHEN min_weekly_volume > 0
                                                 THEN t.weekly / min_weekly_volume ELSE 1 END)
                   END AS score
              FROM tested t LEFT JOIN bh USING (event_name)
        )
        SELECT (row_number() OVER (ORDER BY j.score DESC NULLS LAST, j.is_rev, j.event_name))::integer,
               j.event_name,
               cq.signal_n(j.signal), cq.signal_n_event(j.signal), j.users_censored,
               cq.signal_precision(j.signal),
               CASE WHEN cq.signal_n(j.signal) > cq.signal_n_event(j.signal)
                    THEN (cq.signal_n_converted(j.signal) - round(cq.signal_precision(j.signal)
                          * cq.signal_n_event(j.signal)))::float8
                         / (cq.signal_n(j.signal) - cq.signal_n_event(j.signal)) END,
               cq.signal_lift(j.signal), cq.signal_odds_ratio(j.signal), j.ci[1], j.ci[2],
               j.r, j.p, j.q, cq.signal_revenue_share(j.signal), j.median_lead_time,
               j.weekly::float8, j.is_rev, j.verdict, j.score, j.signal
          FROM judged j
         ORDER BY 1;
END
$$;

COMMENT ON FUNCTION cq.rank_events(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8) IS
'Ranks every event name of an event table by how well it predicts the revenue within horizon after a user''s first occurrence of it (users without the event: after their first event). Equal windows: users whose window ends after observed_until (default: the latest time in the data) are left out and counted in users_censored; revenue at or before the event does not count. Revenue: the value column of the event table (rows with a non-zero value; those events are flagged is_revenue_event), or only rows of conversion_event, or a separate revenue_events table with the same user, time and value column names. Per event: conversion rate, lift, odds ratio with 95% Woolf interval, point-biserial correlation, p-value, Benjamini-Hochberg q-value, revenue share, median lead time to the first revenue, weekly volume, verdict (ready, too rare, no signal, not enough data, revenue event) and score = correlation * min(1, weekly_volume / min_weekly_volume) when q <= alpha, 0 otherwise; ordered by score. Reads the tables with the caller''s privileges.';
