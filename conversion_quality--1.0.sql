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
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.dedup_keep(timestamptz, interval) IS
'Window function, OVER (PARTITION BY <dedup key> ORDER BY <arrival>): true for the copy that counts. The first copy is kept; copies arriving at most dedup_window after the kept copy (inclusive) are duplicates; a later copy starts a new conversion. NULL window: never closes. NULL arrival: NULL.';

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
