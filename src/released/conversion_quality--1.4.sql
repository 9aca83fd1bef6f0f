-- conversion_quality--1.1.sql, built by the Makefile from the SQL sources in
-- src/ (src/conversion_quality.sql first, then one file per capability).  Edit
-- those files, never the built script; released scripts such as
-- conversion_quality--1.0.sql never change.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION conversion_quality" to load this file. \quit

-- What analysts call lives in schema cq, created here so that DROP EXTENSION
-- removes it too.
CREATE SCHEMA cq;
COMMENT ON SCHEMA cq IS
'conversion_quality: event dedup keys, funnel progression and event-to-revenue signal quality';
-- Analysts use the functions without further grants; every function runs with
-- the caller's privileges, so this gives no access to anyone's data.  A DBA may
-- REVOKE it and grant USAGE to chosen roles instead.
GRANT USAGE ON SCHEMA cq TO PUBLIC;

-- Support functions (transition, final and combine functions, type I/O, the
-- scan behind cq.rank_events) live out of the analyst's way, in schema
-- cq_internal, usable as before: the aggregates and views that call them run
-- with the caller's privileges.
CREATE SCHEMA cq_internal;
COMMENT ON SCHEMA cq_internal IS
'conversion_quality: support functions of the objects in schema cq (aggregate support, type I/O, scans); not meant to be called directly';
GRANT USAGE ON SCHEMA cq_internal TO PUBLIC;
------------------------------------------------------------------------------
-- Identity: identifier normalization and match keys (src/identity.h)
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
------------------------------------------------------------------------------
-- Funnels (src/funnel.h)
------------------------------------------------------------------------------

-- The funnel state: the rows a funnel can see, 16 bytes each.
CREATE TYPE cq.funnel_state;

CREATE FUNCTION cq_internal.funnel_state_in(cstring)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_state_out(cq.funnel_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'funnel_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_state_recv(internal)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_state_send(cq.funnel_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'funnel_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.funnel_state (
    INPUT = cq_internal.funnel_state_in,
    OUTPUT = cq_internal.funnel_state_out,
    RECEIVE = cq_internal.funnel_state_recv,
    SEND = cq_internal.funnel_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE cq.funnel_state IS
'Funnel state: the rows of a group as (time, set of steps satisfied), 16 bytes per row. Built by cq.funnel_events, merged by cq.funnel_rollup, read by cq.funnel_stage and cq.funnel_step_times. Text form (format v1, canonical): v1 steps=<n> params=<-|window_us/mode> events=<count> <ts_us>:<mask>,... with ts in microseconds since 2000-01-01 UTC and bit k-1 of mask for step k.';
COMMENT ON FUNCTION cq_internal.funnel_state_in(cstring) IS
'Input function of cq.funnel_state: accepts only the canonical text form of a valid state (SQLSTATE 22P02 otherwise).';
COMMENT ON FUNCTION cq_internal.funnel_state_out(cq.funnel_state) IS
'Output function of cq.funnel_state: the canonical text form, which cq.funnel_state_in reads back into the same state.';
COMMENT ON FUNCTION cq_internal.funnel_state_recv(internal) IS
'Binary input of cq.funnel_state (format v1, network byte order); anything but a valid canonical state is rejected with SQLSTATE 22P03.';
COMMENT ON FUNCTION cq_internal.funnel_state_send(cq.funnel_state) IS
'Binary output of cq.funnel_state: uint8 version, uint8 steps, uint8 has_params, [int64 window_us, uint32 mode], int32 count, count x (int64 ts_us, uint32 mask).';

-- Support functions shared by the funnel aggregates
CREATE FUNCTION cq_internal.funnel_combine(cq.funnel_state, cq.funnel_state)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_combine(cq.funnel_state, cq.funnel_state) IS
'Combine function of the funnel aggregates and transition of cq.funnel_rollup: the state of the union of both groups of rows. NULL on either side is a group without rows. Different step counts are an error (22023).';

CREATE FUNCTION cq_internal.window_funnel_finalfn(cq.funnel_state)
RETURNS integer
AS 'MODULE_PATHNAME', 'window_funnel_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.window_funnel_finalfn(cq.funnel_state) IS
'Final function of cq.window_funnel: the stage reached under the window and mode kept in the state; 0 without usable rows.';

CREATE FUNCTION cq_internal.funnel_events_finalfn(cq.funnel_state)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_events_finalfn(cq.funnel_state) IS
'Final function of cq.funnel_events and cq.funnel_rollup: the canonical (sorted, compact) state.';

-- cq.window_funnel, three forms of steps, each with and without a mode and for
-- timestamptz and timestamp (both are microseconds; a timestamp is not
-- converted through the session time zone):
--   VARIADIC steps "any"         separate boolean conditions (or one boolean[]),
--                                passed to C without building an array per row
--   steps boolean[]              one boolean array (the form a distributed
--                                engine can aggregate partially on its workers)
--   event text, VARIADIC steps text[]   an event column and the step names
-- One C transition function serves them all: it reads its declared signature.

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamptz, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamp, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamptz, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamp, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'window_funnel_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamptz, VARIADIC "any") IS
'Transition of cq.window_funnel(window, ts, steps): appends the row in place.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, VARIADIC "any") IS
'Transition of cq.window_funnel(window, mode, ts, steps): appends the row in place.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamp, VARIADIC "any") IS
'Transition of cq.window_funnel(window, ts, steps) for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, VARIADIC "any") IS
'Transition of cq.window_funnel(window, mode, ts, steps) for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean[]) IS
'Transition of cq.window_funnel(window, ts, steps boolean[]).';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean[]) IS
'Transition of cq.window_funnel(window, mode, ts, steps boolean[]).';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean[]) IS
'Transition of cq.window_funnel(window, ts, steps boolean[]) for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean[]) IS
'Transition of cq.window_funnel(window, mode, ts, steps boolean[]) for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamptz, text, text[]) IS
'Transition of the event-name form of cq.window_funnel.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, text, text[]) IS
'Transition of the event-name form of cq.window_funnel.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, timestamp, text, text[]) IS
'Transition of the event-name form of cq.window_funnel.';
COMMENT ON FUNCTION cq_internal.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, text, text[]) IS
'Transition of the event-name form of cq.window_funnel.';

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamptz, VARIADIC steps "any") (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamptz, VARIADIC steps "any") (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamp, VARIADIC steps "any") (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamp, VARIADIC steps "any") (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamptz, steps boolean[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamptz, steps boolean[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamp, steps boolean[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamp, steps boolean[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamptz, event text, VARIADIC steps text[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamptz, event text, VARIADIC steps text[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, ts timestamp, event text, VARIADIC steps text[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.window_funnel("window" interval, mode text, ts timestamp, event text, VARIADIC steps text[]) (
    SFUNC = cq_internal.window_funnel_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.window_funnel_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.window_funnel(interval, timestamptz, VARIADIC "any") IS
'ClickHouse windowFunnel: the highest step (0..N, N = 1..32) reached by a chain starting at a step-1 row whose later steps occur at most window after that start (inclusive). Steps are boolean conditions (or one boolean array). Rows are taken in (time, step) order, so equal times advance step by step and input order never matters. Rows with a NULL time or step are skipped. A day counts 24 hours, a month 30 days.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamptz, VARIADIC "any") IS
'ClickHouse windowFunnel with a mode: a comma-separated set of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry (which requires strict_order). Unknown or invalid modes are errors (22023).';
COMMENT ON AGGREGATE cq.window_funnel(interval, timestamp, VARIADIC "any") IS
'cq.window_funnel for timestamp without time zone.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamp, VARIADIC "any") IS
'cq.window_funnel with a mode, for timestamp without time zone.';
COMMENT ON AGGREGATE cq.window_funnel(interval, timestamptz, boolean[]) IS
'cq.window_funnel with the steps as one boolean array: the same results; the form a distributed engine such as Citus can aggregate partially on its workers.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean[]) IS
'cq.window_funnel with a mode and the steps as one boolean array.';
COMMENT ON AGGREGATE cq.window_funnel(interval, timestamp, boolean[]) IS
'cq.window_funnel with the steps as one boolean array, for timestamp without time zone.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamp, boolean[]) IS
'cq.window_funnel with a mode and the steps as one boolean array, for timestamp without time zone.';
COMMENT ON AGGREGATE cq.window_funnel(interval, timestamptz, text, VARIADIC text[]) IS
'cq.window_funnel with steps given as event names: step k fires on a row whose event equals steps[k] (under the call''s collation). Same results as the boolean form with event = name conditions; a NULL event skips the row; NULL or missing names are errors.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamptz, text, VARIADIC text[]) IS
'cq.window_funnel with a mode and steps given as event names.';
COMMENT ON AGGREGATE cq.window_funnel(interval, timestamp, text, VARIADIC text[]) IS
'cq.window_funnel with steps given as event names, for timestamp without time zone.';
COMMENT ON AGGREGATE cq.window_funnel(interval, text, timestamp, text, VARIADIC text[]) IS
'cq.window_funnel with a mode and steps given as event names, for timestamp without time zone.';

-- Two-step funnel: cq.funnel_events -> cq.funnel_state -> accessors, cq.funnel_rollup
CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- timestamp without time zone: its own microseconds are kept, never converted
-- through the session time zone, so the state and every reading of it agree
-- with cq.window_funnel over the same column in any session.
CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, boolean[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, text, text[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, VARIADIC "any") IS
'Transition of cq.funnel_events: appends the row in place.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, boolean[]) IS
'Transition of cq.funnel_events(ts, steps boolean[]).';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, text, text[]) IS
'Transition of the event-name form of cq.funnel_events.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, VARIADIC "any") IS
'Transition of cq.funnel_events for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, boolean[]) IS
'Transition of cq.funnel_events(ts, steps boolean[]) for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, text, text[]) IS
'Transition of the event-name form of cq.funnel_events for timestamp without time zone.';

CREATE AGGREGATE cq.funnel_events(ts timestamptz, VARIADIC steps "any") (
    SFUNC = cq_internal.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_events(ts timestamptz, steps boolean[]) (
    SFUNC = cq_internal.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_events(ts timestamptz, event text, VARIADIC steps text[]) (
    SFUNC = cq_internal.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_events(ts timestamp, VARIADIC steps "any") (
    SFUNC = cq_internal.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_events(ts timestamp, steps boolean[]) (
    SFUNC = cq_internal.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_events(ts timestamp, event text, VARIADIC steps text[]) (
    SFUNC = cq_internal.funnel_events_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_events(timestamptz, VARIADIC "any") IS
'Funnel state of a group: every row with a time and no NULL step, as (time, steps satisfied), including rows satisfying no step (strict_order needs them). Steps are boolean conditions (or one boolean array). NULL for a group without such rows. Read it with cq.funnel_stage / cq.funnel_step_times; merge states with cq.funnel_rollup.';
COMMENT ON AGGREGATE cq.funnel_events(timestamptz, boolean[]) IS
'cq.funnel_events with the steps as one boolean array: the same state; the form a distributed engine such as Citus can aggregate partially on its workers.';
COMMENT ON AGGREGATE cq.funnel_events(timestamptz, text, VARIADIC text[]) IS
'cq.funnel_events with steps given as event names: the state of the boolean form with event = name conditions. Rows with a NULL event are skipped.';
COMMENT ON AGGREGATE cq.funnel_events(timestamp, VARIADIC "any") IS
'cq.funnel_events for timestamp without time zone: the column''s own microseconds are kept (wall-clock time, as cq.window_funnel measures it), whatever the session time zone. Step times read back as timestamptz in UTC: AT TIME ZONE ''UTC'' gives the column''s values.';
COMMENT ON AGGREGATE cq.funnel_events(timestamp, boolean[]) IS
'cq.funnel_events with the steps as one boolean array, for timestamp without time zone.';
COMMENT ON AGGREGATE cq.funnel_events(timestamp, text, VARIADIC text[]) IS
'cq.funnel_events with steps given as event names, for timestamp without time zone.';

CREATE AGGREGATE cq.funnel_rollup(cq.funnel_state) (
    SFUNC = cq_internal.funnel_combine,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
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

-- cq.retention (src/funnel_retention.c)
CREATE FUNCTION cq_internal.retention_transfn(bigint, boolean[])
RETURNS bigint
AS 'MODULE_PATHNAME', 'retention_transfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq_internal.retention_combine(bigint, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'retention_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cq_internal.retention_finalfn(bigint)
RETURNS boolean[]
AS 'MODULE_PATHNAME', 'retention_finalfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.retention_transfn(bigint, boolean[]) IS
'Transition of cq.retention: state bits 0-31 = condition k+1 held in some row, bits 32-39 = number of conditions.';
COMMENT ON FUNCTION cq_internal.retention_combine(bigint, bigint) IS
'Combine function of cq.retention: bitwise OR of the flags; condition counts must agree.';
COMMENT ON FUNCTION cq_internal.retention_finalfn(bigint) IS
'Final function of cq.retention: r[1] = condition 1 held, r[i] = r[1] and condition i held; NULL without rows.';

CREATE AGGREGATE cq.retention(VARIADIC conditions boolean[]) (
    SFUNC = cq_internal.retention_transfn,
    STYPE = bigint,
    INITCOND = '0',
    FINALFUNC = cq_internal.retention_finalfn,
    COMBINEFUNC = cq_internal.retention_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.retention(VARIADIC boolean[]) IS
'ClickHouse retention: r[1] = condition 1 held in some row; r[i] = condition 1 and condition i each held in some row. No time relation: put dates into the conditions. Rows with a NULL condition are skipped; NULL for a group without rows. 1 to 32 conditions.';

-- Funnel report (src/funnel_report.c): per step, users reaching it, conversions,
-- median and p90 time from the previous step
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

CREATE FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval, text)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[])
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[], text)
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_report_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION cq_internal.funnel_report_finalfn(cq.funnel_state)
RETURNS cq.funnel_step_report[]
AS 'MODULE_PATHNAME', 'funnel_report_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval) IS
'Transition of cq.funnel_report(state, window): adds one user (its step times under the window) to the report state.';
COMMENT ON FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval, text) IS
'Transition of cq.funnel_report(state, window, mode).';
COMMENT ON FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[]) IS
'Transition of cq.funnel_report(state, windows): per-step windows.';
COMMENT ON FUNCTION cq_internal.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[], text) IS
'Transition of cq.funnel_report(state, windows, mode): per-step windows.';
COMMENT ON FUNCTION cq_internal.funnel_report_finalfn(cq.funnel_state) IS
'Final function of cq.funnel_report: one cq.funnel_step_report per step; NULL without user states.';

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, "window" interval) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_report_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, "window" interval, mode text) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_report_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, windows interval[]) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_report_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report(state cq.funnel_state, windows interval[], mode text) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_report_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
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
-- Funnel reports that are stored and rolled up (README, "Daily states"): the state of
-- cq.funnel_report for a group of users, kept (per day, per dimension value) and merged
-- later into one report.  New in 1.3; a file of its own so that the install script
-- and the update to 1.3 both take it from here.

CREATE FUNCTION cq_internal.funnel_report_rollup_finalfn(cq.funnel_state)
RETURNS cq.funnel_step_report[]
AS 'MODULE_PATHNAME', 'funnel_report_rollup_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_report_rollup_finalfn(cq.funnel_state) IS
'Final function of cq.funnel_report_rollup: the report of a merged report state; a state that cannot be one (a user''s state of cq.funnel_events) is an error (22023).';

-- The state of cq.funnel_report, without its final step: one entry per user and step
-- reached (the same transition as cq.funnel_report, so the same window, mode and
-- per-step windows).
CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, "window" interval) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, "window" interval, mode text) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, windows interval[]) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, windows interval[], mode text) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

-- The report of the union of stored report states.
CREATE AGGREGATE cq.funnel_report_rollup(report cq.funnel_state) (
    SFUNC = cq_internal.funnel_combine,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_report_rollup_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval) IS
'The state of cq.funnel_report over one cq.funnel_state per user (one entry per user and step reached, 16 bytes each), to store per day or dimension value and merge with cq.funnel_report_rollup. NULL without any user state.';
COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval, text) IS
'cq.funnel_report_state with a mode (as cq.window_funnel).';
COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval[]) IS
'cq.funnel_report_state with per-step windows.';
COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval[], text) IS
'cq.funnel_report_state with per-step windows and a mode.';
COMMENT ON AGGREGATE cq.funnel_report_rollup(cq.funnel_state) IS
'The cq.funnel_report of the union of report states of cq.funnel_report_state (days, dimension values, partitions, nodes): equal to cq.funnel_report over all their users. A state of cq.funnel_events is refused (22023).';
-- Counting over a funnel state (README "Any order and completions"): the most distinct steps
-- done within one window in any order, and how many times the funnel completes.  New in
-- 1.3; a file of its own so that the install script and the update to 1.3 both take it
-- from here.

CREATE FUNCTION cq.funnel_any_order(state cq.funnel_state, "window" interval)
RETURNS integer
AS 'MODULE_PATHNAME', 'funnel_any_order'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_any_order(cq.funnel_state, interval) IS
'Any-order funnel: the largest number of distinct steps (every condition of the state) that rows within one window [t, t + window] satisfy, t the time of a row satisfying a step, in any order; a row satisfying several steps counts for each; 0 without such a row.';

CREATE FUNCTION cq.funnel_completions(state cq.funnel_state, "window" interval, mode text DEFAULT '',
                                      exclusions integer[] DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'funnel_completions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_completions(cq.funnel_state, interval, text, integer[]) IS
'How many times the funnel completes: the first completion is the one cq.funnel_stage finds; each next one is searched, as a funnel of its own (window, mode and exclusions as cq.funnel_stage), among the rows strictly after the last step of the one before. A row never serves two completions.';

CREATE FUNCTION cq.funnel_completions(state cq.funnel_state, windows interval[], mode text DEFAULT '',
                                      exclusions integer[] DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'funnel_completions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_completions(cq.funnel_state, interval[], text, integer[]) IS
'cq.funnel_completions with per-step windows (windows[i] limits the time from step i to step i+1).';
-- Revenue in the funnel (README "Revenue in the funnel"): per step, the users who reached
-- it and the sum, mean and median of their revenue, and that sum per entrant.  New in 1.3;
-- a file of its own so that the install script and the update to 1.3 both take it from here.

CREATE TYPE cq.funnel_revenue_step AS (
    step integer,
    users bigint,
    users_with_revenue bigint,
    revenue_sum double precision,
    revenue_mean double precision,
    revenue_median double precision,
    revenue_per_entrant double precision
);

COMMENT ON TYPE cq.funnel_revenue_step IS
'One step of cq.funnel_revenue: the users who reached it, how many of them have a usable revenue (not NULL, finite), the sum, mean and median (percentile_cont) of those revenues, and the sum divided by the users who reached step 1.';

CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval, text)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[])
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[], text)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval) IS
'Transition of cq.funnel_revenue: the stage of one user''s state (as cq.funnel_stage) and the user''s revenue.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval, text) IS
'Transition of cq.funnel_revenue with a mode.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[]) IS
'Transition of cq.funnel_revenue with per-step windows.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[], text) IS
'Transition of cq.funnel_revenue with per-step windows and a mode.';

CREATE FUNCTION cq_internal.funnel_revenue_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'funnel_revenue_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_finalfn(internal)
RETURNS cq.funnel_revenue_step[] AS 'MODULE_PATHNAME', 'funnel_revenue_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_revenue_combine(internal, internal) IS
'Combine function of cq.funnel_revenue: the users of both partial states.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_serialize(internal) IS
'Serial function of cq.funnel_revenue: the (stage, revenue) pairs as bytea.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_deserialize(bytea, internal) IS
'Deserial function of cq.funnel_revenue; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.funnel_revenue_finalfn(internal) IS
'Final function of cq.funnel_revenue: one cq.funnel_revenue_step per step.';

CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, "window" interval) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, "window" interval, mode text) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, windows interval[]) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, windows interval[], mode text) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval) IS
'Revenue in the funnel, over one cq.funnel_state and one revenue per user: per step, the users whose funnel reached it within the window (as cq.funnel_stage), and the sum, mean and median of their revenue and that sum per entrant (user reaching step 1). A NULL state is skipped; a NULL or non-finite revenue counts the user but not the revenue. unnest() it for one row per step.';
COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval, text) IS
'cq.funnel_revenue with a mode (as cq.window_funnel).';
COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval[]) IS
'cq.funnel_revenue with per-step windows.';
COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval[], text) IS
'cq.funnel_revenue with per-step windows and a mode.';
-- Conversion with windows still open (README "Conversion with windows still open"): the
-- Kaplan-Meier estimate of converting by time t since entry, with a Greenwood 95 % band and
-- the naive rate beside it.  New in 1.4; a file of its own so that the install script and
-- the update to 1.4 both take it from here.

CREATE TYPE cq.conversion_point AS (
    step integer,
    time_to_convert interval,
    at_risk bigint,
    converted bigint,
    conversion double precision,
    conversion_lower double precision,
    conversion_upper double precision,
    naive_conversion double precision
);

COMMENT ON TYPE cq.conversion_point IS
'One point of a conversion curve: at time_to_convert since entry (a duration at which someone converted), the users still at risk (entered, not converted earlier, observed that long), those who converted then, the Kaplan-Meier probability of having converted by then with its 95 % band (Greenwood variance, log(-log) transform), and the naive rate (conversions so far over all entrants, as if no window were still open). step: the funnel step of cq.funnel_conversion_curve, NULL for cq.conversion_curve.';

CREATE FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'conversion_curve_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_finalfn(internal)
RETURNS cq.conversion_point[] AS 'MODULE_PATHNAME', 'conversion_curve_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz) IS
'Transition of cq.conversion_curve: one user''s entry, conversion (NULL: none) and end of observation.';
COMMENT ON FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz, interval, interval) IS
'Transition of cq.conversion_curve with a horizon and a resolution.';
COMMENT ON FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz) IS
'Transition of cq.funnel_conversion_curve: one user''s funnel state read as cq.funnel_step_times.';
COMMENT ON FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz, interval) IS
'Transition of cq.funnel_conversion_curve with a resolution.';
COMMENT ON FUNCTION cq_internal.conversion_curve_combine(internal, internal) IS
'Combine function of the conversion curves: the users of both partial states.';
COMMENT ON FUNCTION cq_internal.conversion_curve_serialize(internal) IS
'Serial function of the conversion curves: settings and per-curve duration codes as bytea.';
COMMENT ON FUNCTION cq_internal.conversion_curve_deserialize(bytea, internal) IS
'Deserial function of the conversion curves; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.conversion_curve_finalfn(internal) IS
'Final function of the conversion curves: the Kaplan-Meier points of each curve.';

CREATE AGGREGATE cq.conversion_curve(entered timestamptz, converted timestamptz, observed_until timestamptz) (
    SFUNC = cq_internal.conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.conversion_curve(entered timestamptz, converted timestamptz, observed_until timestamptz,
                                     horizon interval, resolution interval) (
    SFUNC = cq_internal.conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_conversion_curve(state cq.funnel_state, "window" interval, observed_until timestamptz) (
    SFUNC = cq_internal.funnel_conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_conversion_curve(state cq.funnel_state, "window" interval, observed_until timestamptz,
                                            resolution interval) (
    SFUNC = cq_internal.funnel_conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.conversion_curve(timestamptz, timestamptz, timestamptz) IS
'Conversion with windows still open: the Kaplan-Meier probability of converting by each time since entry, one row per user (entry; conversion or NULL; the end of the data, or of that user''s observation). A user not converted by observed_until is censored there, so recent entrants count for as long as they were seen instead of as non-converters. A 95 % band (Greenwood) and the naive rate beside each point. unnest() it for one row per point.';
COMMENT ON AGGREGATE cq.conversion_curve(timestamptz, timestamptz, timestamptz, interval, interval) IS
'cq.conversion_curve with a horizon (durations past it are censored at it; NULL: none) and a resolution (conversions rounded up, observation rounded down to multiples of it; NULL: exact).';
COMMENT ON AGGREGATE cq.funnel_conversion_curve(cq.funnel_state, interval, timestamptz) IS
'Conversion with windows still open over funnel states: for each step 2 .. n, the Kaplan-Meier probability of reaching it by each time since step 1, from the chain cq.funnel_step_times reports for the window; users are censored at the earlier of the window''s end and observed_until. unnest() it for one row per step and point.';
COMMENT ON AGGREGATE cq.funnel_conversion_curve(cq.funnel_state, interval, timestamptz, interval) IS
'cq.funnel_conversion_curve with a resolution (conversions rounded up, observation rounded down to multiples of it).';
-- Holding a property constant (README "Hold a property constant"): the funnel evaluated per
-- key (order, cart, session, product), the best key's stage.  New in 1.4; a file of its own so
-- that the install script and the update to 1.4 both take it from here.

CREATE FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, timestamptz, VARIADIC boolean[])
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, text, timestamptz, VARIADIC boolean[])
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'window_funnel_by_key_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_finalfn(internal)
RETURNS integer AS 'MODULE_PATHNAME', 'window_funnel_by_key_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, timestamptz, boolean[]) IS
'Transition of cq.window_funnel_by_key: one row, filed under its key.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, text, timestamptz, boolean[]) IS
'Transition of cq.window_funnel_by_key with a mode.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_combine(internal, internal) IS
'Combine function of cq.window_funnel_by_key: the rows of both partial states, keys renumbered.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_serialize(internal) IS
'Serial function of cq.window_funnel_by_key: settings, keys and rows as bytea.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_deserialize(bytea, internal) IS
'Deserial function of cq.window_funnel_by_key; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_finalfn(internal) IS
'Final function of cq.window_funnel_by_key: the best stage over the keys.';

CREATE AGGREGATE cq.window_funnel_by_key("window" interval, key text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq_internal.window_funnel_by_key_transfn, STYPE = internal,
    FINALFUNC = cq_internal.window_funnel_by_key_finalfn,
    COMBINEFUNC = cq_internal.window_funnel_by_key_combine,
    SERIALFUNC = cq_internal.window_funnel_by_key_serialize,
    DESERIALFUNC = cq_internal.window_funnel_by_key_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.window_funnel_by_key("window" interval, mode text, key text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq_internal.window_funnel_by_key_transfn, STYPE = internal,
    FINALFUNC = cq_internal.window_funnel_by_key_finalfn,
    COMBINEFUNC = cq_internal.window_funnel_by_key_combine,
    SERIALFUNC = cq_internal.window_funnel_by_key_serialize,
    DESERIALFUNC = cq_internal.window_funnel_by_key_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.window_funnel_by_key(interval, text, timestamptz, boolean[]) IS
'cq.window_funnel holding a property constant: the funnel is evaluated over the rows of each key (order, cart, session, product id) separately, and the group (user) gets the best key''s stage. Rows with a NULL key belong to no key; rows with a NULL time or step are left out, as in cq.window_funnel. Session funnels are this with the session id.';
COMMENT ON AGGREGATE cq.window_funnel_by_key(interval, text, text, timestamptz, boolean[]) IS
'cq.window_funnel_by_key with a mode (as cq.window_funnel''s).';
-- Paths around a step (README "Paths around a step"): the events right after (or before) the
-- step a user's funnel reached, as ClickHouse's sequenceNextNode gives one.  New in 1.4; a
-- file of its own so that the install script and the update to 1.4 both take it from here.

CREATE FUNCTION cq_internal.funnel_next_events_transfn(internal, interval, timestamptz, text, integer, integer, VARIADIC boolean[])
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_next_events_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_next_events_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_next_events_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_next_events_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'funnel_next_events_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_next_events_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_next_events_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_next_events_finalfn(internal)
RETURNS text[] AS 'MODULE_PATHNAME', 'funnel_next_events_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_next_events_transfn(internal, interval, timestamptz, text, integer, integer, boolean[]) IS
'Transition of cq.funnel_next_events: one row, its time, steps and event name.';
COMMENT ON FUNCTION cq_internal.funnel_next_events_combine(internal, internal) IS
'Combine function of cq.funnel_next_events: the rows of both partial states.';
COMMENT ON FUNCTION cq_internal.funnel_next_events_serialize(internal) IS
'Serial function of cq.funnel_next_events: settings and rows as bytea.';
COMMENT ON FUNCTION cq_internal.funnel_next_events_deserialize(bytea, internal) IS
'Deserial function of cq.funnel_next_events; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.funnel_next_events_finalfn(internal) IS
'Final function of cq.funnel_next_events: the names of the events after (or before) the step.';

CREATE AGGREGATE cq.funnel_next_events("window" interval, ts timestamptz, event text, step integer, length integer,
                                       VARIADIC steps boolean[]) (
    SFUNC = cq_internal.funnel_next_events_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_next_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_next_events_combine,
    SERIALFUNC = cq_internal.funnel_next_events_serialize,
    DESERIALFUNC = cq_internal.funnel_next_events_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_next_events(interval, timestamptz, text, integer, integer, boolean[]) IS
'Paths around a step (ClickHouse sequenceNextNode, for a path): for a user whose funnel (as cq.window_funnel, the chain cq.funnel_step_times reports) reached step, the event names of the length rows right after that step''s row (rows at its time excluded), or with a negative length of the -length rows right before it, nearest first. NULL when the funnel did not reach the step. GROUP BY the result for the distribution of next events or the top paths.';
-- Optional steps and minimum gaps (README "Optional steps and minimum gaps"): a stored funnel
-- state read with steps that may be skipped and a least time before each step.  New in 1.4; a
-- file of its own so that the install script and the update to 1.4 both take it from here.

CREATE FUNCTION cq.funnel_stage_flexible(state cq.funnel_state, "window" interval,
                                         optional_steps integer[], min_gaps interval[] DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'funnel_stage_flexible' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_stage_flexible(cq.funnel_state, interval, integer[], interval[]) IS
'The stage of a stored funnel state as cq.funnel_stage (default mode) reads it, except that the steps in optional_steps may be skipped without ending the path (a step an ad blocker drops), and that step k + 1 must come at least min_gaps[k] after the step reached before it. The window runs from the first step reached. NULL state or window: NULL; NULL optional_steps or min_gaps: none.';
-- Sequence patterns (README "Sequence patterns"): ClickHouse's sequenceMatch, sequenceCount and
-- sequenceMatchEvents with their pattern language, as accessors of a stored cq.funnel_state
-- and as aggregates over rows.  New in 1.4; a file of its own so that the install script and
-- the update to 1.4 both take it from here.

CREATE FUNCTION cq.sequence_match(state cq.funnel_state, pattern text)
RETURNS boolean AS 'MODULE_PATHNAME', 'sequence_match_state' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.sequence_count(state cq.funnel_state, pattern text)
RETURNS bigint AS 'MODULE_PATHNAME', 'sequence_count_state' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq.sequence_match_events(state cq.funnel_state, pattern text)
RETURNS timestamptz[] AS 'MODULE_PATHNAME', 'sequence_match_events_state' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.sequence_match(cq.funnel_state, text) IS
'Does the state''s rows match the pattern (ClickHouse sequenceMatch)? (?N) is an event satisfying step N of the state, . any event, .* any number of events, (?t<=S) (also <, >=, >, ==) a time condition in seconds between the events matched around it. Rows satisfying no step are not events.';
COMMENT ON FUNCTION cq.sequence_count(cq.funnel_state, text) IS
'How many non-overlapping matches of the pattern the state''s rows hold, each searched after the one before (ClickHouse sequenceCount).';
COMMENT ON FUNCTION cq.sequence_match_events(cq.funnel_state, text) IS
'The times of the events the (?N) items of the first match matched; without a match, those of the longest chain matched on the way (ClickHouse sequenceMatchEvents).';

CREATE FUNCTION cq_internal.sequence_transfn(internal, text, timestamptz, VARIADIC boolean[])
RETURNS internal AS 'MODULE_PATHNAME', 'sequence_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.sequence_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sequence_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.sequence_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'sequence_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.sequence_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sequence_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.sequence_match_finalfn(internal)
RETURNS boolean AS 'MODULE_PATHNAME', 'sequence_match_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.sequence_count_finalfn(internal)
RETURNS bigint AS 'MODULE_PATHNAME', 'sequence_count_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.sequence_match_events_finalfn(internal)
RETURNS timestamptz[] AS 'MODULE_PATHNAME', 'sequence_match_events_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.sequence_transfn(internal, text, timestamptz, boolean[]) IS
'Transition of the sequence aggregates: the pattern (parsed on a group''s first row) and the rows satisfying a condition.';
COMMENT ON FUNCTION cq_internal.sequence_combine(internal, internal) IS
'Combine function of the sequence aggregates: the rows of both partial states (same pattern).';
COMMENT ON FUNCTION cq_internal.sequence_serialize(internal) IS
'Serial function of the sequence aggregates: the pattern and the rows as a cq.funnel_state.';
COMMENT ON FUNCTION cq_internal.sequence_deserialize(bytea, internal) IS
'Deserial function of the sequence aggregates; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.sequence_match_finalfn(internal) IS
'Final function of the aggregate cq.sequence_match.';
COMMENT ON FUNCTION cq_internal.sequence_count_finalfn(internal) IS
'Final function of the aggregate cq.sequence_count.';
COMMENT ON FUNCTION cq_internal.sequence_match_events_finalfn(internal) IS
'Final function of the aggregate cq.sequence_match_events.';

CREATE AGGREGATE cq.sequence_match(pattern text, ts timestamptz, VARIADIC conditions boolean[]) (
    SFUNC = cq_internal.sequence_transfn, STYPE = internal,
    FINALFUNC = cq_internal.sequence_match_finalfn,
    COMBINEFUNC = cq_internal.sequence_combine,
    SERIALFUNC = cq_internal.sequence_serialize,
    DESERIALFUNC = cq_internal.sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.sequence_count(pattern text, ts timestamptz, VARIADIC conditions boolean[]) (
    SFUNC = cq_internal.sequence_transfn, STYPE = internal,
    FINALFUNC = cq_internal.sequence_count_finalfn,
    COMBINEFUNC = cq_internal.sequence_combine,
    SERIALFUNC = cq_internal.sequence_serialize,
    DESERIALFUNC = cq_internal.sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.sequence_match_events(pattern text, ts timestamptz, VARIADIC conditions boolean[]) (
    SFUNC = cq_internal.sequence_transfn, STYPE = internal,
    FINALFUNC = cq_internal.sequence_match_events_finalfn,
    COMBINEFUNC = cq_internal.sequence_combine,
    SERIALFUNC = cq_internal.sequence_serialize,
    DESERIALFUNC = cq_internal.sequence_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.sequence_match(text, timestamptz, boolean[]) IS
'ClickHouse''s sequenceMatch(pattern)(ts, cond1, ...): does the group''s rows, in time order, match the pattern? Rows satisfying no condition are not events; a row with a NULL time or condition is left out.';
COMMENT ON AGGREGATE cq.sequence_count(text, timestamptz, boolean[]) IS
'ClickHouse''s sequenceCount: the number of non-overlapping matches of the pattern in the group''s rows.';
COMMENT ON AGGREGATE cq.sequence_match_events(text, timestamptz, boolean[]) IS
'ClickHouse''s sequenceMatchEvents: the times of the events the (?N) items of the first match matched (of the longest partial chain without a match).';
------------------------------------------------------------------------------
-- Signal quality (src/signal.h)
------------------------------------------------------------------------------
------------------------------------------------------------------------------

-- The summary type: fixed length, versioned text and binary forms.
CREATE TYPE cq.event_signal;

CREATE FUNCTION cq_internal.event_signal_in(cstring) RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.event_signal_out(cq.event_signal) RETURNS cstring
AS 'MODULE_PATHNAME', 'event_signal_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.event_signal_recv(internal) RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.event_signal_send(cq.event_signal) RETURNS bytea
AS 'MODULE_PATHNAME', 'event_signal_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.event_signal (
    INTERNALLENGTH = 96,
    INPUT = cq_internal.event_signal_in,
    OUTPUT = cq_internal.event_signal_out,
    RECEIVE = cq_internal.event_signal_recv,
    SEND = cq_internal.event_signal_send,
    ALIGNMENT = double,
    STORAGE = plain);

COMMENT ON TYPE cq.event_signal IS
'Mergeable summary of an event (boolean) against a value (revenue): per group (without, with the event) the row count, rows with value > 0, and Youngs-Cramer moments of value and of sign(value)*log1p(|value|). Text form v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx (without, then with), floats in shortest exact form.';
COMMENT ON FUNCTION cq_internal.event_signal_in(cstring) IS 'Text input of cq.event_signal (format v1, every invariant checked).';
COMMENT ON FUNCTION cq_internal.event_signal_out(cq.event_signal) IS 'Text output of cq.event_signal (format v1, floats round-trip bit-exactly).';
COMMENT ON FUNCTION cq_internal.event_signal_recv(internal) IS 'Binary input of cq.event_signal (version byte 1, per group 2 int8 and 4 float8).';
COMMENT ON FUNCTION cq_internal.event_signal_send(cq.event_signal) IS 'Binary output of cq.event_signal (version byte 1, per group 2 int8 and 4 float8).';

CREATE FUNCTION cq_internal.event_signal_transfn(cq.event_signal, boolean, float8)
RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_transfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.event_signal_transfn(cq.event_signal, boolean, float8) IS
'Transition function of cq.event_signal: adds one row (skipped when either argument is NULL; a non-finite value is an error).';

CREATE FUNCTION cq_internal.event_signal_combine(cq.event_signal, cq.event_signal)
RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.event_signal_combine(cq.event_signal, cq.event_signal) IS
'Merges two cq.event_signal summaries (NULL sides are skipped): the combine function of cq.event_signal and cq.signal_rollup, exact like serial aggregation.';

CREATE AGGREGATE cq.event_signal(has_event boolean, value float8) (
    SFUNC = cq_internal.event_signal_transfn,
    STYPE = cq.event_signal,
    COMBINEFUNC = cq_internal.event_signal_combine,
    INITCOND = 'v1:0,0,0,0,0,0;0,0,0,0,0,0',
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.event_signal(boolean, float8) IS
'Summary of has_event against value (usually revenue per user) as cq.event_signal; rows with a NULL argument are skipped; no rows give an empty summary whose accessors are NULL (counts 0). Read it with cq.signal_* accessors, merge summaries with cq.signal_rollup.';

CREATE AGGREGATE cq.signal_rollup(cq.event_signal) (
    SFUNC = cq_internal.event_signal_combine,
    STYPE = cq.event_signal,
    COMBINEFUNC = cq_internal.event_signal_combine,
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

------------------------------------------------------------------------------
-- Rank measures and event ranking (src/rank.h)
------------------------------------------------------------------------------

-- Exact rank measures.  The state type holds the sample itself (pairs of float8).
CREATE TYPE cq.rank_sample;

CREATE FUNCTION cq_internal.rank_sample_in(cstring) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.rank_sample_out(cq.rank_sample) RETURNS cstring
AS 'MODULE_PATHNAME', 'rank_sample_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.rank_sample_recv(internal) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.rank_sample_send(cq.rank_sample) RETURNS bytea
AS 'MODULE_PATHNAME', 'rank_sample_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.rank_sample (
    INTERNALLENGTH = VARIABLE,
    INPUT = cq_internal.rank_sample_in,
    OUTPUT = cq_internal.rank_sample_out,
    RECEIVE = cq_internal.rank_sample_recv,
    SEND = cq_internal.rank_sample_send,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE cq.rank_sample IS
'A sample of (x, y) pairs, kept exactly because exact ranks need every value: the state of cq.rank_correlation and cq.auc, and a storable summary built by cq.rank_sample, merged by cq.rank_rollup and read by cq.rank_correlation(sample), cq.auc(sample) and cq.rank_n. Text form v1:<count>:x,y;x,y;... (floats in shortest exact form).';
COMMENT ON FUNCTION cq_internal.rank_sample_in(cstring) IS 'Text input of cq.rank_sample (format v1; the count must match the pairs; NaN rejected).';
COMMENT ON FUNCTION cq_internal.rank_sample_out(cq.rank_sample) IS 'Text output of cq.rank_sample (format v1; floats round-trip bit-exactly).';
COMMENT ON FUNCTION cq_internal.rank_sample_recv(internal) IS 'Binary input of cq.rank_sample (version byte 1, int8 count, then the pairs as float8).';
COMMENT ON FUNCTION cq_internal.rank_sample_send(cq.rank_sample) IS 'Binary output of cq.rank_sample (version byte 1, int8 count, then the pairs as float8).';

CREATE FUNCTION cq_internal.rank_sample_transfn(cq.rank_sample, float8, float8) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_sample_transfn(cq.rank_sample, float8, float8) IS
'Transition function of cq.rank_sample and cq.rank_correlation: appends (x, y); rows with a NULL are skipped; NaN is an error.';

CREATE FUNCTION cq_internal.auc_transfn(cq.rank_sample, float8, boolean) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'auc_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.auc_transfn(cq.rank_sample, float8, boolean) IS
'Transition function of cq.auc: appends (score, 1 or 0); rows with a NULL are skipped; a NaN score is an error.';

CREATE FUNCTION cq_internal.rank_sample_combine(cq.rank_sample, cq.rank_sample) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_sample_combine(cq.rank_sample, cq.rank_sample) IS
'Combine function of the rank aggregates and transition of cq.rank_rollup: concatenates two samples (NULL sides skipped).';

CREATE FUNCTION cq_internal.rank_correlation_finalfn(cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'rank_correlation_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_correlation_finalfn(cq.rank_sample) IS
'Final function of cq.rank_correlation: Spearman''s rho with average ranks for ties.';

CREATE FUNCTION cq_internal.auc_finalfn(cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'auc_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.auc_finalfn(cq.rank_sample) IS
'Final function of cq.auc: Mann-Whitney U / (n1 n0), ties counting one half.';

CREATE AGGREGATE cq.rank_correlation(x float8, y float8) (
    SFUNC = cq_internal.rank_sample_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.rank_correlation_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_correlation(float8, float8) IS
'Spearman rank correlation of x and y, exact: tied values get the average of their ranks (as scipy.stats.spearmanr). Rows with a NULL are skipped; NULL with fewer than 2 pairs or a constant variable. Keeps every pair (16 bytes each) until the end.';

CREATE AGGREGATE cq.auc(score float8, label boolean) (
    SFUNC = cq_internal.auc_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.auc_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.auc(float8, boolean) IS
'ROC AUC of score for label, exact: the probability that a random positive scores above a random negative, ties counting one half (as sklearn.metrics.roc_auc_score). Rows with a NULL are skipped; NULL unless both labels occur. Keeps every pair (16 bytes each) until the end.';


-- Two-step use: store samples, merge them, read the measures
CREATE FUNCTION cq_internal.rank_sample_finalfn(cq.rank_sample) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_sample_finalfn(cq.rank_sample) IS
'Final function of cq.rank_sample and cq.rank_rollup: the sample without spare room.';

CREATE AGGREGATE cq.rank_sample(x float8, y float8) (
    SFUNC = cq_internal.rank_sample_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.rank_sample_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_sample(float8, float8) IS
'The (x, y) pairs of a group as a storable cq.rank_sample (16 bytes per pair), for cq.rank_correlation(sample), cq.auc(sample) (y is the label: 0 negative, any other value positive) and cq.rank_rollup. Rows with a NULL are skipped; NaN is an error; NULL for a group without pairs.';

CREATE AGGREGATE cq.rank_rollup(cq.rank_sample) (
    SFUNC = cq_internal.rank_sample_combine,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.rank_sample_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_rollup(cq.rank_sample) IS
'Merges rank samples (of days, partitions, nodes) into the sample of all their pairs; NULL samples are skipped. The measures of the merged sample equal those of the pairs aggregated at once.';

CREATE FUNCTION cq.rank_correlation(sample cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'rank_correlation_finalfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_correlation(cq.rank_sample) IS
'Spearman rank correlation of the x and y of a stored sample (tied values get the average of their ranks); NULL with fewer than 2 pairs or a constant variable.';

CREATE FUNCTION cq.auc(sample cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'auc_finalfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.auc(cq.rank_sample) IS
'ROC AUC of score x for label y (0 negative, any other value positive) of a stored sample, ties counting one half; NULL unless both labels occur.';

CREATE FUNCTION cq.rank_n(sample cq.rank_sample) RETURNS bigint
AS 'MODULE_PATHNAME', 'rank_sample_n'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_n(cq.rank_sample) IS
'Pairs in a stored sample.';

-- The one pass behind cq.rank_events (src/rank_events.c): checks every argument,
-- builds its query from the checked, quoted table and column names, and walks it
-- once, ordered by user and time.  It returns the raw figures of every event name
-- and threshold with the population's and the end of observation used;
-- cq.rank_events derives the statistics in SQL.
CREATE FUNCTION cq_internal.rank_events_scan(
    events regclass,
    horizon interval,
    user_column name,
    time_column name,
    event_column name,
    value_column name,
    revenue_events regclass,
    conversion_event text,
    exclude_events text[],
    min_weekly_volume float8,
    observed_until timestamptz,
    alpha float8,
    entry_events text[],
    within interval,
    thresholds integer[],
    event_id_column name)
RETURNS TABLE (
    event_name text,
    threshold integer,
    occurrences bigint,
    duplicates bigint,
    carries boolean,
    signal cq.event_signal,
    revenue_before_landmark float8,
    median_lead_time interval,
    median_event_latency interval,
    users bigint,
    users_censored bigint,
    users_without_entry bigint,
    rows_skipped bigint,
    first_time timestamptz,
    observed_until timestamptz)
AS 'MODULE_PATHNAME', 'rank_events_scan_1_1'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cq_internal.rank_events_scan(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8, text[], interval, integer[], name) IS
'The scan behind cq.rank_events (same arguments): per event name and threshold its rows up to the end of observation, copies left out, whether they carry revenue, the cq.event_signal of outcome revenue (group 1: included users with the event at least threshold times between entry and landmark; group 0: the other included users), their revenue before the landmark, the median lead and latency times, and the population''s figures. Reads the tables with the caller''s privileges.';

-- Ranking of every candidate event of an event table by how well it predicts the
-- revenue that follows, under a landmark design: the statistics over the scan, in
-- plain SQL.
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
    alpha float8 DEFAULT 0.05,
    entry_events text[] DEFAULT NULL,
    within interval DEFAULT '7 days',
    thresholds integer[] DEFAULT '{1}',
    event_id_column name DEFAULT NULL)
RETURNS TABLE (
    rank integer,
    event_name text,
    threshold integer,
    recommended boolean,
    users bigint,
    users_with_event bigint,
    users_censored bigint,
    users_without_entry bigint,
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
    revenue_before_landmark float8,
    median_lead_time interval,
    median_event_latency interval,
    weekly_volume float8,
    duplicate_rate float8,
    rows_skipped bigint,
    is_revenue_event boolean,
    verdict text,
    advice text,
    score float8,
    signal cq.event_signal)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
WITH scan AS (
    -- rows (copies left out) per week over the observed period, at least one week
    SELECT sc.*,
           coalesce(sc.event_name = rank_events.conversion_event, false) OR sc.carries AS is_rev,
           sc.occurrences / greatest(extract(epoch FROM (sc.observed_until - sc.first_time)) / 604800, 1)
               AS weekly
      FROM cq_internal.rank_events_scan(rank_events.events, rank_events.horizon,
                                        rank_events.user_column, rank_events.time_column,
                                        rank_events.event_column, rank_events.value_column,
                                        rank_events.revenue_events, rank_events.conversion_event,
                                        rank_events.exclude_events, rank_events.min_weekly_volume,
                                        rank_events.observed_until, rank_events.alpha,
                                        rank_events.entry_events, rank_events.within,
                                        rank_events.thresholds, rank_events.event_id_column) sc
     WHERE NOT coalesce(sc.event_name = ANY (rank_events.exclude_events), false)
), tested AS (
    SELECT sc.*, cq.signal_p_value(sc.signal) AS p, cq.signal_correlation(sc.signal) AS r,
           cq.signal_odds_ratio_ci(sc.signal, 0.95) AS ci
      FROM scan sc
), bh AS (
    -- Benjamini-Hochberg over every tested row, each event at each threshold
    -- (revenue events excluded)
    SELECT b.event_name, b.threshold,
           least(1, min(b.p * b.m / b.k) OVER (ORDER BY b.p DESC, b.event_name DESC, b.threshold DESC
                                               ROWS UNBOUNDED PRECEDING)) AS q
      FROM (SELECT tt.event_name, tt.threshold, tt.p,
                   count(*) OVER () AS m,
                   row_number() OVER (ORDER BY tt.p, tt.event_name, tt.threshold) AS k
              FROM tested tt WHERE tt.p IS NOT NULL AND NOT tt.is_rev) b
), judged AS (
    SELECT t.*, bh.q,
           CASE WHEN t.is_rev THEN 'revenue event'
                WHEN t.p IS NULL THEN 'not enough data'
                WHEN bh.q > rank_events.alpha OR t.r <= 0 THEN 'no signal'
                WHEN t.median_event_latency > rank_events.within THEN 'too late'
                WHEN t.weekly < rank_events.min_weekly_volume THEN 'too rare'
                ELSE 'ready' END AS verdict,
           CASE WHEN t.is_rev OR t.p IS NULL THEN NULL
                WHEN bh.q > rank_events.alpha OR t.r <= 0 THEN 0
                ELSE t.r * least(1, CASE WHEN rank_events.min_weekly_volume > 0
                                         THEN t.weekly / rank_events.min_weekly_volume ELSE 1 END)
           END AS score
      FROM tested t LEFT JOIN bh USING (event_name, threshold)
), placed AS (
    -- recommended first, then ready by score, too rare, too late, no signal,
    -- not enough data, revenue events
    SELECT j.*,
           CASE j.verdict WHEN 'ready' THEN 1 WHEN 'too rare' THEN 2 WHEN 'too late' THEN 3
                          WHEN 'no signal' THEN 4 WHEN 'not enough data' THEN 5 ELSE 6 END AS tier
      FROM judged j
), ranked AS (
    SELECT pl.*,
           row_number() OVER (ORDER BY pl.tier, pl.score DESC NULLS LAST, pl.event_name,
                                       pl.threshold)::integer AS pos
      FROM placed pl
)
SELECT x.pos, x.event_name, x.threshold,
       x.pos = 1 AND x.verdict = 'ready',
       cq.signal_n(x.signal), cq.signal_n_event(x.signal), x.users_censored, x.users_without_entry,
       cq.signal_precision(x.signal),
       CASE WHEN cq.signal_n(x.signal) > cq.signal_n_event(x.signal)
            THEN (cq.signal_n_converted(x.signal) - coalesce(round(cq.signal_precision(x.signal)
                  * cq.signal_n_event(x.signal)), 0))::float8
                 / (cq.signal_n(x.signal) - cq.signal_n_event(x.signal)) END,
       cq.signal_lift(x.signal), cq.signal_odds_ratio(x.signal), x.ci[1], x.ci[2],
       x.r, x.p, x.q, cq.signal_revenue_share(x.signal), x.revenue_before_landmark,
       x.median_lead_time, x.median_event_latency,
       x.weekly::float8,
       CASE WHEN rank_events.event_id_column IS NOT NULL AND x.occurrences + x.duplicates > 0
            THEN x.duplicates::float8 / (x.occurrences + x.duplicates) END,
       x.rows_skipped, x.is_rev, x.verdict,
       CASE WHEN x.pos = 1 AND x.verdict = 'ready'
                 THEN 'recommended: the strongest predictor of revenue that a platform can learn from'
            WHEN x.verdict = 'ready' THEN 'predicts revenue, often enough to optimize on'
            WHEN x.verdict = 'too rare'
                 THEN format('a good audience signal, not an optimization event: %s a week, below the %s a platform needs to learn',
                             round(x.weekly::numeric, 1), rank_events.min_weekly_volume)
            WHEN x.verdict = 'too late'
                 THEN format('predicts revenue, but usually fires %s after entry, past the %s attribution window: it cannot steer bidding',
                             CASE WHEN x.median_event_latency >= interval '1 day'
                                  THEN round(extract(epoch FROM x.median_event_latency) / 86400, 1) || ' days'
                                  ELSE round(extract(epoch FROM x.median_event_latency) / 3600, 1) || ' hours' END,
                             rank_events.within)
            WHEN x.verdict = 'no signal' THEN 'no evidence that it predicts revenue'
            WHEN x.verdict = 'not enough data'
                 THEN 'nothing to compare: every user or no user has it, or no user had revenue'
            ELSE 'the revenue itself' END,
       x.score, x.signal
  FROM ranked x
 ORDER BY x.pos
$$;

COMMENT ON FUNCTION cq.rank_events(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8, text[], interval, integer[], name) IS
'Ranks every event name of an event table by how well it predicts revenue, under a landmark design: each user''s entry is their first event (or first of entry_events); exposure = the event at least threshold times in [entry, entry + within]; outcome = revenue in (entry + within, entry + within + horizon]; users whose outcome window ends after observed_until (default: the latest finite time in the data) are left out and counted in users_censored, a rule that depends on no event. One row per event and threshold: conversion rate, lift, odds ratio with 95% Woolf interval, point-biserial correlation, p-value, Benjamini-Hochberg q-value over every tested row, revenue share, revenue before the landmark (excluded from the outcome), median lead time to the first revenue and median latency from entry to the event, weekly volume (copies within 48 hours of the same event and id left out when event_id_column is given, with the duplicate rate), verdict (ready, too rare, too late, no signal, not enough data, revenue event), advice, score = correlation * min(1, weekly_volume / min_weekly_volume) when q <= alpha and the correlation is positive (else 0), and recommended: true on at most one row, the best ready event. Rows that cannot be used (infinite times, non-finite revenue) are skipped and counted. Reads the tables with the caller''s privileges.';
-- Registered sources, funnel definitions, one atomic refresh and the report
-- views for BI tools (README, "For BI tools and DBAs").
--
-- Who may do what is decided by row-level security on every table here, so
-- every function runs with the caller's privileges (no SECURITY DEFINER):
--   * a role sees a source, its funnels and its report rows only while it may
--     read every row of the source relation: SELECT on it, USAGE on its
--     schema, and no row-level security of the relation (nor a
--     security_invoker view) that would hide rows from it;
--   * a role registers, changes, refreshes or unregisters a source, and
--     defines its funnels, only when it is a member of the role that owns the
--     source relation (superusers are members of every role); a superuser
--     refreshes only sources owned by a superuser, so that no code of a less
--     privileged role (a function in a view, a cast) runs with its rights.
-- A source is bound to its relation by schema, name and owner, not by OID: a
-- regclass column would stop pg_upgrade, and names survive pg_dump and
-- pg_restore.  A relation that no longer exists under that name and owner
-- (dropped, renamed, replaced by another role's) makes the source dead:
-- nobody reads its reports, and only the role that registered it (or a
-- superuser) may remove it.  Funnels and report rows belong to their source
-- by foreign keys (ON DELETE CASCADE).

-- ---------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------

-- The relation of a source: schema.name if it exists and is owned by "owner".
CREATE FUNCTION cq_internal.source_relation(relation_schema name, relation_name name, owner name)
RETURNS oid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT c.oid
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) c.relowner
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) $2
   AND r.rolname OPERATOR(pg_catalog.=) $3
$$;

COMMENT ON FUNCTION cq_internal.source_relation(name, name, name) IS
'The OID of relation schema.name when it exists and is owned by role "owner"; NULL otherwise (the source is dead).';

CREATE FUNCTION cq_internal.may_read(relation_schema name, relation_name name, owner name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((
  SELECT pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE')
         AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
         -- row-level security would hide rows from this reader, unless it bypasses it
         AND (NOT c.relrowsecurity
              OR (pg_catalog.pg_has_role(c.relowner, 'USAGE') AND NOT c.relforcerowsecurity)
              OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                          WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER
                            AND (r.rolsuper OR r.rolbypassrls)))
         -- a security_invoker view reads its tables with the reader's rights
         AND (c.relkind OPERATOR(pg_catalog.<>) 'v'
              OR NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(c.reloptions) o
                              WHERE pg_catalog.lower(o) OPERATOR(pg_catalog.~)
                                    '^security_invoker=(true|on|yes|1|t|y)')
              OR pg_catalog.pg_has_role(c.relowner, 'USAGE'))
    FROM pg_catalog.pg_class c
   WHERE c.oid OPERATOR(pg_catalog.=) cq_internal.source_relation($1, $2, $3)), false)
$$;

COMMENT ON FUNCTION cq_internal.may_read(name, name, name) IS
'True when the current role may read every row of the source relation schema.name owned by "owner": SELECT on it, USAGE on its schema, and no row-level security (or security_invoker view) that would filter its rows for this role. False for a dead source.';

CREATE FUNCTION cq_internal.may_manage(relation_schema name, relation_name name, owner name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE')
                   FROM pg_catalog.pg_class c
                  WHERE c.oid OPERATOR(pg_catalog.=) cq_internal.source_relation($1, $2, $3)), false)
$$;

COMMENT ON FUNCTION cq_internal.may_manage(name, name, name) IS
'True when the source relation schema.name exists, is owned by "owner", and the current role is a member of that role (superusers are members of every role).';

CREATE FUNCTION cq_internal.may_remove(relation_schema name, relation_name name, owner name,
                                       registered_by name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT cq_internal.may_manage($1, $2, $3)
    OR (cq_internal.source_relation($1, $2, $3) IS NULL
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                     WHERE (r.rolname OPERATOR(pg_catalog.=) $4
                            AND pg_catalog.pg_has_role(r.oid, 'USAGE'))
                        OR (r.rolname OPERATOR(pg_catalog.=) CURRENT_USER AND r.rolsuper)))
$$;

COMMENT ON FUNCTION cq_internal.may_remove(name, name, name, name) IS
'True when the current role may manage the source (cq_internal.may_manage) or, for a dead source, is a member of the role that registered it or a superuser.';

-- ---------------------------------------------------------------------------
-- Configuration (dumped by pg_dump: pg_extension_config_dump)
-- ---------------------------------------------------------------------------
CREATE TABLE cq.event_sources (
    name text PRIMARY KEY CHECK (btrim(name) <> '' AND length(name) <= 200),
    relation_schema name NOT NULL,
    relation_name name NOT NULL,
    relation_owner name NOT NULL,
    user_column name NOT NULL,
    time_column name NOT NULL,
    event_column name NOT NULL,
    value_column name,
    event_id_column name,
    source_column name,
    received_at_column name,
    entry_events text[],
    customer_columns jsonb CHECK (jsonb_typeof(customer_columns) = 'object'),
    horizon interval NOT NULL DEFAULT '30 days' CHECK (horizon > '0'),
    within interval NOT NULL DEFAULT '7 days' CHECK (within >= '0'),
    registered_by name NOT NULL DEFAULT current_user,
    registered_at timestamptz NOT NULL DEFAULT now(),
    dimension_columns name[] CHECK (array_position(dimension_columns, NULL) IS NULL)
);

COMMENT ON TABLE cq.event_sources IS
'Registered event sources (cq.register_source): an event table or view, its owner, and the meaning of its columns. A role sees the sources whose relation it may read; the owner of the relation changes them.';

CREATE TABLE cq.funnels (
    name text PRIMARY KEY CHECK (btrim(name) <> '' AND length(name) <= 200),
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    steps text[] NOT NULL CHECK (cardinality(steps) BETWEEN 1 AND 32 AND array_position(steps, NULL) IS NULL),
    "window" interval NOT NULL CHECK ("window" > '0'),
    mode text NOT NULL DEFAULT '',
    defined_by name NOT NULL DEFAULT current_user,
    defined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, source)
);

COMMENT ON TABLE cq.funnels IS
'Funnel definitions (cq.define_funnel): steps are event names of the source, in order, within "window", with the cq.window_funnel mode.';

CREATE INDEX funnels_source_idx ON cq.funnels (source);

-- ---------------------------------------------------------------------------
-- Report tables, written by cq.refresh, read through the views below
-- ---------------------------------------------------------------------------
CREATE TABLE cq_internal.event_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    event_name text NOT NULL,
    rows bigint NOT NULL,
    users bigint NOT NULL,
    deduplicated_events bigint NOT NULL,
    duplicate_rate double precision,
    missing_id_rate double precision,
    weekly_volume double precision,
    users_with_event bigint,
    conversion_rate double precision,
    baseline_conversion_rate double precision,
    lift double precision,
    odds_ratio double precision,
    correlation double precision,
    p_value double precision,
    q_value double precision,
    revenue_share double precision,
    median_event_latency_hours double precision,
    median_lead_time_hours double precision,
    is_revenue_event boolean,
    verdict text,
    advice text,
    recommended boolean NOT NULL,
    rank bigint,
    match_score double precision,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (source, event_name)
);

CREATE TABLE cq_internal.funnel_report_data (
    funnel text NOT NULL,
    source text NOT NULL,
    step bigint NOT NULL,
    step_name text NOT NULL,
    users bigint NOT NULL,
    conversion_from_previous double precision,
    conversion_from_first double precision,
    median_seconds_from_previous double precision,
    p90_seconds_from_previous double precision,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (funnel, step),
    FOREIGN KEY (funnel, source) REFERENCES cq.funnels (name, source) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE cq_internal.tracking_health_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    day date NOT NULL,
    event_name text NOT NULL,
    rows bigint NOT NULL,
    events bigint NOT NULL,
    users bigint NOT NULL,
    duplicate_rate double precision,
    missing_id_rate double precision,
    server_share double precision,
    browser_share double precision,
    both_share double precision,
    browser_id_share double precision,
    server_id_share double precision,
    browser_fallback_extra double precision,
    server_fallback_extra double precision,
    reused_ids bigint,
    burst_events bigint NOT NULL,
    orphan_events bigint,
    expected_low bigint,
    expected_high bigint,
    volume_anomaly boolean,
    future_events bigint NOT NULL,
    late_events bigint,
    stale_events bigint,
    median_lag_seconds double precision,
    p95_lag_seconds double precision,
    channels bigint,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (source, day, event_name)
);

CREATE TABLE cq_internal.match_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    event_name text NOT NULL,
    identifier text NOT NULL,
    events bigint NOT NULL,
    present_share double precision NOT NULL,
    valid_share double precision NOT NULL,
    weight double precision NOT NULL,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (source, event_name, identifier)
);

COMMENT ON TABLE cq_internal.match_quality_data IS
'Rows of cq.match_quality, written by cq.refresh.';

COMMENT ON TABLE cq_internal.event_quality_data IS
'Rows of cq.event_quality, written by cq.refresh.';
COMMENT ON TABLE cq_internal.funnel_report_data IS
'Rows of cq.funnel_report, written by cq.refresh.';
COMMENT ON TABLE cq_internal.tracking_health_data IS
'Rows of cq.tracking_health, written by cq.refresh.';

SELECT pg_catalog.pg_extension_config_dump('cq.event_sources', '');
SELECT pg_catalog.pg_extension_config_dump('cq.funnels', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.event_quality_data', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.funnel_report_data', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.tracking_health_data', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.match_quality_data', '');

CREATE FUNCTION cq_internal.may_read_source(source text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((SELECT cq_internal.may_read(s.relation_schema, s.relation_name, s.relation_owner)
                   FROM cq.event_sources s WHERE s.name OPERATOR(pg_catalog.=) $1), false)
$$;

COMMENT ON FUNCTION cq_internal.may_read_source(text) IS
'True when the current role may read the relation of registered source "source" (cq_internal.may_read).';

CREATE FUNCTION cq_internal.may_manage_source(source text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((SELECT cq_internal.may_manage(s.relation_schema, s.relation_name, s.relation_owner)
                   FROM cq.event_sources s WHERE s.name OPERATOR(pg_catalog.=) $1), false)
$$;

COMMENT ON FUNCTION cq_internal.may_manage_source(text) IS
'True when the current role may manage registered source "source" (cq_internal.may_manage).';

CREATE FUNCTION cq_internal.may_refresh_source(source text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT cq_internal.may_manage_source($1)
   AND NOT EXISTS (SELECT 1
                     FROM cq.event_sources s, pg_catalog.pg_roles me, pg_catalog.pg_roles o
                    WHERE s.name OPERATOR(pg_catalog.=) $1
                      AND me.rolname OPERATOR(pg_catalog.=) CURRENT_USER AND me.rolsuper
                      AND o.rolname OPERATOR(pg_catalog.=) s.relation_owner AND NOT o.rolsuper)
$$;

COMMENT ON FUNCTION cq_internal.may_refresh_source(text) IS
'True when the current role may refresh source "source": it may manage it, and is not a superuser reading a relation of a role that is not one (whose functions and casts would run with superuser rights).';

-- Row-level security: readers of a source see its rows; its owners write them.
ALTER TABLE cq.event_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq.event_sources FOR SELECT
    USING (cq_internal.may_remove(relation_schema, relation_name, relation_owner, registered_by)
           OR cq_internal.may_read(relation_schema, relation_name, relation_owner));
CREATE POLICY owners_insert ON cq.event_sources FOR INSERT
    WITH CHECK (cq_internal.may_manage(relation_schema, relation_name, relation_owner)
                AND registered_by OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY owners_update ON cq.event_sources FOR UPDATE
    USING (cq_internal.may_manage(relation_schema, relation_name, relation_owner))
    WITH CHECK (cq_internal.may_manage(relation_schema, relation_name, relation_owner)
                AND registered_by OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY owners_delete ON cq.event_sources FOR DELETE
    USING (cq_internal.may_remove(relation_schema, relation_name, relation_owner, registered_by));

ALTER TABLE cq.funnels ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq.funnels FOR SELECT
    USING (cq_internal.may_read_source(source) OR cq_internal.may_manage_source(source));
CREATE POLICY owners ON cq.funnels FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.event_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.event_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.event_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.funnel_report_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.funnel_report_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.funnel_report_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.tracking_health_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.tracking_health_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.tracking_health_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.match_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.match_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.match_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

GRANT SELECT, INSERT, UPDATE, DELETE ON cq.event_sources, cq.funnels,
    cq_internal.event_quality_data, cq_internal.funnel_report_data,
    cq_internal.tracking_health_data, cq_internal.match_quality_data TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Registration
-- ---------------------------------------------------------------------------

-- The column "col" of relation "rel", given as argument "arg", exists and is
-- of the type family "family": 'any', 'time' (date, timestamp, timestamptz,
-- or a domain over one) or 'number' (a numeric type); a clean error otherwise.
-- A NULL col is an error when "required".
CREATE FUNCTION cq_internal.check_source_column(rel regclass, col name, arg text, family text,
                                               required boolean)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    typ oid;
    base oid;
    cat "char";
BEGIN
    IF col IS NULL THEN
        IF required THEN
            RAISE EXCEPTION '% must not be NULL', arg
                USING ERRCODE = 'null_value_not_allowed',
                      HINT = 'Name the column of ' || rel::text || ' that holds it.';
        END IF;
        RETURN;
    END IF;
    SELECT a.atttypid INTO typ
      FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', col, rel::text
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('%s names the column to read; %s has no column of that name.',
                                  arg, rel::text),
                  HINT = 'Column names are case-sensitive: "User Id" is not user_id.';
    END IF;
    base := typ;
    WHILE (SELECT t.typtype = 'd' FROM pg_type t WHERE t.oid = base) LOOP
        base := (SELECT t.typbasetype FROM pg_type t WHERE t.oid = base);
    END LOOP;
    SELECT t.typcategory INTO cat FROM pg_type t WHERE t.oid = base;
    IF family = 'time' AND base NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
        RAISE EXCEPTION 'column "%" of relation % has type %', col, rel::text, format_type(typ, NULL)
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = arg || ' must be a date, timestamp or timestamp with time zone column.';
    ELSIF family = 'number' AND cat <> 'N' THEN
        RAISE EXCEPTION 'column "%" of relation % has type %', col, rel::text, format_type(typ, NULL)
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = arg || ' must be a numeric column (numeric, integer, double precision, ...).';
    END IF;
END
$$;

COMMENT ON FUNCTION cq_internal.check_source_column(regclass, name, text, text, boolean) IS
'Checks that a column named by argument "arg" exists in rel and is of a type family (any, time, number); raises 42703, 42804 or 22004 naming the column, the relation and what was expected.';

-- Every column of a source: the checks of cq.register_source, again at each refresh.
CREATE FUNCTION cq_internal.check_source(rel regclass, user_column name, time_column name,
                                        event_column name, value_column name, event_id_column name,
                                        source_column name, received_at_column name)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM cq_internal.check_source_column(rel, user_column, 'user_column', 'any', true);
    PERFORM cq_internal.check_source_column(rel, time_column, 'time_column', 'time', true);
    PERFORM cq_internal.check_source_column(rel, event_column, 'event_column', 'any', true);
    PERFORM cq_internal.check_source_column(rel, value_column, 'value_column', 'number', false);
    PERFORM cq_internal.check_source_column(rel, event_id_column, 'event_id_column', 'any', false);
    PERFORM cq_internal.check_source_column(rel, source_column, 'source_column', 'any', false);
    PERFORM cq_internal.check_source_column(rel, received_at_column, 'received_at_column', 'time', false);
END
$$;

COMMENT ON FUNCTION cq_internal.check_source(regclass, name, name, name, name, name, name, name) IS
'Checks every column of a source (cq_internal.check_source_column).';

-- cq.register_source is in src/register.sql (replaced in 1.2).

CREATE FUNCTION cq.unregister_source(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    -- the row lock waits for a refresh of the source; funnels and reports go
    -- with it (foreign keys ON DELETE CASCADE)
    DELETE FROM cq.event_sources s WHERE s.name = unregister_source.name;
    IF FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM cq.event_sources s WHERE s.name = unregister_source.name) THEN
        RAISE EXCEPTION 'must be owner of the relation of source "%" to unregister it', unregister_source.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'A source is removed by the owner of its relation, or, once that relation is gone, by the role that registered it or a superuser.';
    END IF;
    RAISE EXCEPTION 'source "%" is not registered', unregister_source.name
        USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the registered sources.';
END
$$;

COMMENT ON FUNCTION cq.unregister_source(text) IS
'Removes a registered source, its funnels and its report rows (the relation itself is not touched). The owner of the relation may remove it; once the relation is gone, the role that registered it or a superuser.';

CREATE FUNCTION cq.define_funnel(name text, source text, steps text[], "window" interval,
                                 mode text DEFAULT '')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF define_funnel.name IS NULL OR btrim(define_funnel.name) = '' THEN
        RAISE EXCEPTION 'a funnel needs a name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM cq.event_sources s WHERE s.name = define_funnel.source) THEN
        RAISE EXCEPTION 'source "%" is not registered', define_funnel.source
            USING ERRCODE = 'undefined_object',
                  HINT = 'Register it first with cq.register_source; cq.event_sources lists the registered sources.';
    END IF;
    IF NOT cq_internal.may_manage_source(define_funnel.source) THEN
        RAISE EXCEPTION 'must be owner of the relation of source "%" to define its funnels', define_funnel.source
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF steps IS NULL OR cardinality(steps) NOT BETWEEN 1 AND 32
       OR array_position(steps, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'steps must be 1 to 32 event names, none NULL'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For example ''{view_item,add_to_cart,purchase}''.';
    END IF;
    -- the window and the mode are checked by the funnel aggregate itself
    PERFORM cq.window_funnel("window", coalesce(mode, ''), now(), true);
    BEGIN
        INSERT INTO cq.funnels AS f (name, source, steps, "window", mode)
        VALUES (define_funnel.name, define_funnel.source, steps, "window", coalesce(mode, ''))
        ON CONFLICT ON CONSTRAINT funnels_pkey DO UPDATE
           SET source = excluded.source, steps = excluded.steps, "window" = excluded."window",
               mode = excluded.mode, defined_by = current_user, defined_at = now();
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'a funnel named "%" already exists', define_funnel.name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Funnel names are shared by every role of the database: choose another.';
    END;
    DELETE FROM cq_internal.funnel_report_data d WHERE d.funnel = define_funnel.name;
END
$$;

COMMENT ON FUNCTION cq.define_funnel(text, text, text[], interval, text) IS
'Defines (or redefines) a funnel over a registered source: event names as steps, the window and the cq.window_funnel mode. Its report appears in cq.funnel_report at the next cq.refresh.';

CREATE FUNCTION cq.drop_funnel(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM cq.funnels f WHERE f.name = drop_funnel.name;     -- its report rows cascade
    IF FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM cq.funnels f WHERE f.name = drop_funnel.name) THEN
        RAISE EXCEPTION 'must be owner of the relation of the source of funnel "%" to drop it', drop_funnel.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'funnel "%" is not defined', drop_funnel.name
        USING ERRCODE = 'undefined_object', HINT = 'cq.funnels lists the defined funnels.';
END
$$;

COMMENT ON FUNCTION cq.drop_funnel(text) IS
'Removes a funnel definition and its report rows.';

-- ---------------------------------------------------------------------------
-- Refresh
-- ---------------------------------------------------------------------------

-- cq_internal.refresh_source, the work of one source, is in src/refresh.sql.

CREATE FUNCTION cq.refresh(source text DEFAULT NULL, nowait boolean DEFAULT false)
RETURNS TABLE (source_name text, rows_read bigint, event_quality_rows bigint,
               funnel_report_rows bigint, tracking_health_rows bigint, elapsed interval)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    s cq.event_sources;
    r record;
    t0 timestamptz;
    todo text[];
    nm text;
    why text;
BEGIN
    IF refresh.source IS NOT NULL THEN
        SELECT * INTO s FROM cq.event_sources x WHERE x.name = refresh.source;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'source "%" is not registered', refresh.source
                USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the registered sources.';
        END IF;
        IF cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner) IS NULL THEN
            RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
                  quote_ident(s.relation_name), s.name
                USING ERRCODE = 'undefined_table',
                      DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                      HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
        END IF;
        IF NOT cq_internal.may_manage_source(refresh.source) THEN
            RAISE EXCEPTION 'must be owner of the relation of source "%" to refresh it', refresh.source
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Reports are refreshed by the owner of the source relation (or a member of its role).';
        END IF;
        IF NOT cq_internal.may_refresh_source(refresh.source) THEN
            RAISE EXCEPTION 'a superuser does not refresh source "%": its relation belongs to role %',
                  refresh.source, quote_ident(s.relation_owner)
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'Reading it would run functions and casts of that role with superuser rights.',
                      HINT = format('Refresh it as %s (SET ROLE is not enough: schedule the job as that role).',
                                    quote_ident(s.relation_owner));
        END IF;
        todo := ARRAY[refresh.source];
    ELSE
        -- every source the caller may manage, in name order (one lock order: no deadlock)
        SELECT coalesce(array_agg(x.name ORDER BY x.name), '{}') INTO todo
          FROM cq.event_sources x
         WHERE cq_internal.may_remove(x.relation_schema, x.relation_name, x.relation_owner,
                                      x.registered_by);
    END IF;
    FOREACH nm IN ARRAY todo LOOP
        t0 := clock_timestamp();
        IF refresh.source IS NULL THEN
            -- one dead or foreign source must not stop the reports of all the others
            SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm;
            CONTINUE WHEN NOT FOUND;
            why := CASE
                WHEN cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner) IS NULL
                THEN format('its relation %s.%s does not exist or is no longer owned by %s',
                            quote_ident(s.relation_schema), quote_ident(s.relation_name),
                            quote_ident(s.relation_owner))
                WHEN NOT cq_internal.may_refresh_source(nm)
                THEN format('its relation belongs to role %s, whose functions a superuser does not run; refresh it as %s',
                            quote_ident(s.relation_owner), quote_ident(s.relation_owner))
                END;
            IF why IS NOT NULL THEN
                RAISE WARNING 'source "%" skipped: %', nm, why;
                CONTINUE;
            END IF;
        END IF;
        BEGIN
            IF nowait THEN
                SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm FOR UPDATE NOWAIT;
            ELSE
                SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm FOR UPDATE;
            END IF;
        EXCEPTION WHEN lock_not_available THEN
            RAISE EXCEPTION 'source "%" is being refreshed or changed by another session', nm
                USING ERRCODE = 'lock_not_available',
                      HINT = 'Wait for it to finish, or call cq.refresh without nowait to wait.';
        END;
        CONTINUE WHEN NOT FOUND;      -- unregistered meanwhile
        r := cq_internal.refresh_source(s);
        source_name := nm;
        rows_read := r.rows_read;
        event_quality_rows := r.quality_rows;
        funnel_report_rows := r.funnel_rows;
        tracking_health_rows := r.health_rows;
        elapsed := clock_timestamp() - t0;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq.refresh(text, boolean) IS
'Recomputes the reports (cq.event_quality, cq.funnel_report, cq.tracking_health) of one registered source, or of every source the caller may refresh (a superuser: those whose relation a superuser owns), in the current transaction: readers see the old or the new reports, never a mix, and a failure leaves the old ones. A second refresh of the same source waits for the first (or fails at once with nowait). NOTICEs report progress. One row per source refreshed.';

-- ---------------------------------------------------------------------------
-- Views for BI tools: plain columns, rows of the sources the reader may read.
-- security_invoker (PostgreSQL 15+) makes the reader's own privileges and the
-- policies above apply through the views; the Makefile drops the option for
-- 13 and 14, where the WHERE clauses do the same filtering.
-- ---------------------------------------------------------------------------
CREATE VIEW cq.event_quality WITH (security_invoker = true) AS
SELECT source, event_name, rows, users, deduplicated_events, duplicate_rate, missing_id_rate,
       weekly_volume, users_with_event, conversion_rate, baseline_conversion_rate, lift,
       odds_ratio, correlation, p_value, q_value, revenue_share, median_event_latency_hours,
       median_lead_time_hours, is_revenue_event, verdict, advice, recommended, rank, match_score,
       refreshed_at
  FROM cq_internal.event_quality_data
 WHERE cq_internal.may_read_source(source);

CREATE VIEW cq.funnel_report WITH (security_invoker = true) AS
SELECT funnel, source, step, step_name, users, conversion_from_previous, conversion_from_first,
       median_seconds_from_previous, p90_seconds_from_previous, refreshed_at
  FROM cq_internal.funnel_report_data
 WHERE cq_internal.may_read_source(source);

CREATE VIEW cq.tracking_health WITH (security_invoker = true) AS
SELECT source, day, event_name, rows, events, users, duplicate_rate, missing_id_rate,
       server_share, browser_share, both_share, browser_id_share, server_id_share,
       browser_fallback_extra, server_fallback_extra, reused_ids, burst_events, orphan_events,
       expected_low, expected_high, volume_anomaly, future_events,
       late_events, stale_events, median_lag_seconds, p95_lag_seconds, channels, refreshed_at
  FROM cq_internal.tracking_health_data
 WHERE cq_internal.may_read_source(source);

CREATE VIEW cq.match_quality WITH (security_invoker = true) AS
SELECT source, event_name, identifier, events, present_share, valid_share, weight, refreshed_at
  FROM cq_internal.match_quality_data
 WHERE cq_internal.may_read_source(source);

GRANT SELECT ON cq.event_quality, cq.funnel_report, cq.tracking_health, cq.match_quality TO PUBLIC;

COMMENT ON VIEW cq.match_quality IS
'Per registered source, event name and identifier of customer information (email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid, as registered in customer_columns): the share of the deduplicated events carrying it and carrying a usable value, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.match_quality.source IS 'Registered source.';
COMMENT ON COLUMN cq.match_quality.event_name IS 'Event name.';
COMMENT ON COLUMN cq.match_quality.identifier IS 'email, phone, external_id, ip, user_agent, fbp, fbc, ttclid or gclid.';
COMMENT ON COLUMN cq.match_quality.events IS 'Deduplicated events of the event name.';
COMMENT ON COLUMN cq.match_quality.present_share IS 'Share of those events with a non-blank value on some copy.';
COMMENT ON COLUMN cq.match_quality.valid_share IS 'Share with a usable value on some copy: email and phone normalize (Meta''s rules), ip is an address, fbp and fbc have Meta''s form, the others are not blank.';
COMMENT ON COLUMN cq.match_quality.weight IS 'Weight of the identifier in the 0-10 match score of cq.event_quality (ours: email 3, phone 2.5, external_id 1.5, fbc 1, fbp 0.75, ip and user_agent 0.375 each, ttclid and gclid 0.25 each).';
COMMENT ON COLUMN cq.match_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';

COMMENT ON VIEW cq.event_quality IS
'Per registered source and event name: volumes, duplicates and the signal statistics and verdict of cq.rank_events, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.event_quality.source IS 'Registered source (cq.event_sources.name).';
COMMENT ON COLUMN cq.event_quality.event_name IS 'Event name.';
COMMENT ON COLUMN cq.event_quality.rows IS 'Rows of the event (user, time and event name not NULL), copies included.';
COMMENT ON COLUMN cq.event_quality.users IS 'Distinct users with the event.';
COMMENT ON COLUMN cq.event_quality.deduplicated_events IS 'Rows that are not copies: a copy has the same event name and id as a kept row at most 48 hours earlier (cq.dedup_key, cq.dedup_keep). Equal to rows without an event id column.';
COMMENT ON COLUMN cq.event_quality.duplicate_rate IS 'Copies / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.event_quality.missing_id_rate IS 'Rows whose event id is NULL or blank (never deduplicated) / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.event_quality.weekly_volume IS 'Deduplicated events per week from the first event to the end of observation (cq.rank_events; at least one week).';
COMMENT ON COLUMN cq.event_quality.users_with_event IS 'Included users exposed to the event in their first "within" after entry (cq.rank_events). NULL without a value column.';
COMMENT ON COLUMN cq.event_quality.conversion_rate IS 'Share of exposed users with revenue above zero in the outcome window.';
COMMENT ON COLUMN cq.event_quality.baseline_conversion_rate IS 'The same for the included users not exposed.';
COMMENT ON COLUMN cq.event_quality.lift IS 'Mean outcome revenue of the exposed / of the others.';
COMMENT ON COLUMN cq.event_quality.odds_ratio IS 'Odds ratio of converting, exposed against the others.';
COMMENT ON COLUMN cq.event_quality.correlation IS 'Point-biserial correlation of exposure with outcome revenue (an association, not an effect).';
COMMENT ON COLUMN cq.event_quality.p_value IS 'Two-sided p-value of the correlation (the t-test of cq.signal_p_value, as scipy.stats.pearsonr; the same as Student''s pooled two-sample t-test of the difference in mean revenue).';
COMMENT ON COLUMN cq.event_quality.q_value IS 'Benjamini-Hochberg q-value over the tested events of the source.';
COMMENT ON COLUMN cq.event_quality.revenue_share IS 'Share of outcome revenue that comes from the exposed users.';
COMMENT ON COLUMN cq.event_quality.median_event_latency_hours IS 'Median hours from entry to the first occurrence of the event.';
COMMENT ON COLUMN cq.event_quality.median_lead_time_hours IS 'Median hours from the event to the first outcome revenue above zero, over exposed converters.';
COMMENT ON COLUMN cq.event_quality.is_revenue_event IS 'The event''s rows carry revenue: it is the outcome, not a predictor.';
COMMENT ON COLUMN cq.event_quality.verdict IS 'ready, too rare, too late, no signal, not enough data or revenue event (cq.rank_events). NULL without a value column.';
COMMENT ON COLUMN cq.event_quality.advice IS 'The verdict in a sentence a marketer can act on.';
COMMENT ON COLUMN cq.event_quality.recommended IS 'True on at most one event per source: the best ready event to optimize ad bidding on.';
COMMENT ON COLUMN cq.event_quality.rank IS 'Order of cq.rank_events within the source (1 = best). NULL without a value column.';
COMMENT ON COLUMN cq.event_quality.match_score IS '0-10: the weighted share of the event''s deduplicated events carrying usable customer information (cq.match_quality; our weights, in the spirit of Meta''s Event Match Quality, whose formula is not public). NULL without customer columns.';
COMMENT ON COLUMN cq.event_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';

COMMENT ON VIEW cq.funnel_report IS
'Per defined funnel and step: users reaching the step, conversions and times between steps, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.funnel_report.funnel IS 'Funnel name (cq.funnels.name).';
COMMENT ON COLUMN cq.funnel_report.source IS 'Registered source of the funnel.';
COMMENT ON COLUMN cq.funnel_report.step IS 'Step number, from 1.';
COMMENT ON COLUMN cq.funnel_report.step_name IS 'Event name of the step.';
COMMENT ON COLUMN cq.funnel_report.users IS 'Users whose funnel reached the step within the window (copies left out).';
COMMENT ON COLUMN cq.funnel_report.conversion_from_previous IS 'users(step) / users(step - 1); NULL for step 1.';
COMMENT ON COLUMN cq.funnel_report.conversion_from_first IS 'users(step) / users(1).';
COMMENT ON COLUMN cq.funnel_report.median_seconds_from_previous IS 'Median seconds from the previous step; NULL for step 1.';
COMMENT ON COLUMN cq.funnel_report.p90_seconds_from_previous IS '90th percentile of the seconds from the previous step; NULL for step 1.';
COMMENT ON COLUMN cq.funnel_report.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';

COMMENT ON VIEW cq.tracking_health IS
'Per registered source, UTC day of the event time and event name: rows, deduplicated events, duplicates, missing ids, events stamped in the future and events arriving late, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.tracking_health.source IS 'Registered source.';
COMMENT ON COLUMN cq.tracking_health.day IS 'UTC date of the event time.';
COMMENT ON COLUMN cq.tracking_health.event_name IS 'Event name.';
COMMENT ON COLUMN cq.tracking_health.rows IS 'Rows of the event stamped that day, copies included.';
COMMENT ON COLUMN cq.tracking_health.events IS 'Rows that are not copies (same event name and id within 48 hours of a kept row): deduplicated events. Equal to rows without an event id column.';
COMMENT ON COLUMN cq.tracking_health.users IS 'Distinct users with the event that day.';
COMMENT ON COLUMN cq.tracking_health.duplicate_rate IS 'Copies / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.tracking_health.missing_id_rate IS 'Rows whose event id is NULL or blank (never deduplicated) / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.tracking_health.server_share IS 'Share of the deduplicated events with a copy from a server (channel server, capi, eapi, events_api, api, s2s, server_api). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.browser_share IS 'Share of the deduplicated events with a copy from the browser or app (channel browser, pixel, web, app, sdk, client). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.both_share IS 'Share of the deduplicated events seen by both a browser and a server copy (Meta''s event coverage). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.browser_id_share IS 'Share of the browser rows with an event id (the dedup key). NULL without a source or an event id column.';
COMMENT ON COLUMN cq.tracking_health.server_id_share IS 'Share of the server rows with an event id. NULL without a source or an event id column.';
COMMENT ON COLUMN cq.tracking_health.browser_fallback_extra IS 'Share of the browser rows without an event id that carry a fallback key (external_id or fbp, from customer_columns): the coverage the fallback adds. NULL without a source column or without either fallback column.';
COMMENT ON COLUMN cq.tracking_health.server_fallback_extra IS 'The same for the server rows.';
COMMENT ON COLUMN cq.tracking_health.reused_ids IS 'Event ids first seen that day (for that event name) that are reused: given to several users, to several values, or to events more than 48 hours apart. NULL without an event id column.';
COMMENT ON COLUMN cq.tracking_health.burst_events IS 'Rows that are not copies and follow a row of the same user and event name by at most 10 seconds: reload loops, double clicks, bots.';
COMMENT ON COLUMN cq.tracking_health.orphan_events IS 'Deduplicated events of an event name that ends a defined funnel (two steps or more) with no earlier step of such a funnel by the same user within its window before them: conversions nothing led to. NULL for an event name that ends no funnel.';
COMMENT ON COLUMN cq.tracking_health.expected_low IS 'Fewest rows expected: half the smallest count of the same weekday in the 4 weeks before (0 for a day without a row). NULL without 4 weeks of history, or for a day in the future.';
COMMENT ON COLUMN cq.tracking_health.expected_high IS 'Most rows expected: 1.5 times the largest count of the same weekday in the 4 weeks before. NULL without 4 weeks of history.';
COMMENT ON COLUMN cq.tracking_health.volume_anomaly IS 'rows outside [expected_low, expected_high]; a day on which an event stopped arriving has a row of its own with rows 0. NULL without 4 weeks of history.';
COMMENT ON COLUMN cq.tracking_health.future_events IS 'Rows stamped more than one hour after their arrival (or after the refresh, without a received-at column): clocks in the future.';
COMMENT ON COLUMN cq.tracking_health.late_events IS 'Rows arriving more than 24 hours after their time stamp. NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.stale_events IS 'Rows arriving more than 7 days after their time stamp, which the ad platforms reject. NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.median_lag_seconds IS 'Median seconds from the time stamp to the arrival (rows with finite times). NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.p95_lag_seconds IS '95th percentile of the seconds from the time stamp to the arrival (percentile_cont). NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.channels IS 'Distinct values of the source column (browser/pixel, server, ...). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';
-- Tracking diagnostics (README, "Tracking diagnostics"): why two copies of an
-- event did or did not deduplicate under each ad platform's rule, for one pair
-- (cq.dedup_explain(jsonb, jsonb)) or for a whole registered source
-- (cq.dedup_explain(text)).  The rules are those of
-- ../shared/reference/DEDUP_RULES.md, summarized in the README with their
-- sources; where a platform's documentation is vague the README says which
-- reading is taken.

-- The channel of a copy: 'browser' (pixel, web, app, sdk, client), 'server'
-- (capi, eapi, events_api, api, s2s, server_api), NULL for anything else
-- (a value read from a table).  Plain SQL, so that it is inlined per row.
CREATE FUNCTION cq_internal.channel_kind(channel text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE pg_catalog.lower(pg_catalog.btrim(channel, E' \t\n\r\f\v'))
    WHEN 'browser' THEN 'browser' WHEN 'pixel' THEN 'browser' WHEN 'web' THEN 'browser'
    WHEN 'app' THEN 'browser' WHEN 'sdk' THEN 'browser' WHEN 'client' THEN 'browser'
    WHEN 'server' THEN 'server' WHEN 'capi' THEN 'server' WHEN 'eapi' THEN 'server'
    WHEN 'events_api' THEN 'server' WHEN 'api' THEN 'server' WHEN 's2s' THEN 'server'
    WHEN 'server_api' THEN 'server' END
$$;

COMMENT ON FUNCTION cq_internal.channel_kind(text) IS
'browser or server for the spellings of a copy''s channel (pixel, web, app, sdk, client; capi, eapi, events_api, api, s2s, server_api), trimmed of whitespace and case-insensitive; NULL for anything else.';

-- The same for a channel a caller gives: anything unknown is a mistake.
CREATE FUNCTION cq_internal.channel_kind_strict(channel text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF channel IS NOT NULL AND cq_internal.channel_kind(channel) IS NULL THEN
        RAISE EXCEPTION 'unknown channel "%"', channel
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A copy comes from the browser (or app) or from a server.',
                  HINT = 'Use browser (also pixel, web, app, sdk, client) or server (also capi, eapi, events_api, api, s2s, server_api).';
    END IF;
    RETURN cq_internal.channel_kind(channel);
END
$$;

COMMENT ON FUNCTION cq_internal.channel_kind_strict(text) IS
'cq_internal.channel_kind, with 22023 for a non-NULL channel it does not know.';

-- The standard event names of Meta and TikTok (their documentation, 2024-2025).
CREATE FUNCTION cq_internal.standard_events(platform text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE platform
    WHEN 'meta' THEN ARRAY['AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'CompleteRegistration',
                           'Contact', 'CustomizeProduct', 'Donate', 'FindLocation',
                           'InitiateCheckout', 'Lead', 'PageView', 'Purchase', 'Schedule',
                           'Search', 'StartTrial', 'SubmitApplication', 'Subscribe', 'ViewContent']
    WHEN 'tiktok' THEN ARRAY['AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'ApplicationApproval',
                             'ClickButton', 'CompletePayment', 'CompleteRegistration', 'Contact',
                             'CustomizeProduct', 'Download', 'FindLocation', 'InitiateCheckout',
                             'Lead', 'PlaceAnOrder', 'Purchase', 'Schedule', 'Search',
                             'StartTrial', 'SubmitApplication', 'SubmitForm', 'Subscribe',
                             'ViewContent']
    ELSE '{}'::text[] END
$$;

COMMENT ON FUNCTION cq_internal.standard_events(text) IS
'The standard event names of Meta or TikTok as their documentation listed them in 2024-2025; empty for other platforms.';

-- How two event names differ, for a platform: NULL when they are identical.
CREATE FUNCTION cq_internal.name_difference(a text, b text, platform text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
    WHEN a IS NULL OR b IS NULL THEN 'event name missing on one copy'
    WHEN a = b THEN NULL
    WHEN platform = 'tiktok' AND ARRAY[a, b] <@ ARRAY['CompletePayment', 'Purchase']
        THEN format('event names differ: %L and %L (TikTok renamed CompletePayment to Purchase; the names must be identical)', a, b)
    WHEN btrim(a) = btrim(b) THEN format('event names differ in surrounding whitespace: %L and %L', a, b)
    WHEN lower(a) = lower(b) THEN format('event names differ in case: %L and %L', a, b)
    WHEN lower(btrim(a)) = lower(btrim(b)) THEN format('event names differ in case and whitespace: %L and %L', a, b)
    WHEN platform IN ('meta', 'tiktok')
         AND (a = ANY (cq_internal.standard_events(platform))) <> (b = ANY (cq_internal.standard_events(platform)))
        THEN format('event names differ: %L is a standard %s event, %L a custom one',
                    CASE WHEN a = ANY (cq_internal.standard_events(platform)) THEN a ELSE b END,
                    CASE platform WHEN 'meta' THEN 'Meta' ELSE 'TikTok' END,
                    CASE WHEN a = ANY (cq_internal.standard_events(platform)) THEN b ELSE a END)
    ELSE format('event names differ: %L and %L', a, b)
END
$$;

COMMENT ON FUNCTION cq_internal.name_difference(text, text, text) IS
'NULL when two event names are identical, else how they differ: whitespace, case, a renamed TikTok event, a standard against a custom event, or simply different.';

-- How two event ids differ: NULL when both are present and identical.
-- A blank id (empty or only spaces) counts as missing.
CREATE FUNCTION cq_internal.id_difference(a text, b text, a_label text, b_label text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
    WHEN coalesce(btrim(a), '') = '' AND coalesce(btrim(b), '') = '' THEN 'no event_id on either copy'
    WHEN coalesce(btrim(a), '') = '' THEN format('event_id missing on the %s copy%s', a_label,
                                                 CASE WHEN a = '' THEN ' (an empty string)'
                                                      WHEN a IS NOT NULL THEN ' (only spaces)' ELSE '' END)
    WHEN coalesce(btrim(b), '') = '' THEN format('event_id missing on the %s copy%s', b_label,
                                                 CASE WHEN b = '' THEN ' (an empty string)'
                                                      WHEN b IS NOT NULL THEN ' (only spaces)' ELSE '' END)
    WHEN a = b THEN NULL
    WHEN btrim(a) = btrim(b) THEN format('event ids differ in surrounding whitespace: %L and %L', a, b)
    WHEN lower(a) = lower(b) THEN format('event ids differ in case: %L and %L', a, b)
    WHEN lower(btrim(a)) = lower(btrim(b)) THEN format('event ids differ in case and whitespace: %L and %L', a, b)
    WHEN right(a, length(b)) = b THEN format('event ids differ by a prefix: %L on the %s copy, %L on the %s copy',
                                             a, a_label, b, b_label)
    WHEN right(b, length(a)) = a THEN format('event ids differ by a prefix: %L on the %s copy, %L on the %s copy',
                                             b, b_label, a, a_label)
    WHEN left(a, length(b)) = b OR left(b, length(a)) = a
        THEN format('event ids differ by a suffix: %L and %L', a, b)
    ELSE format('event ids differ: %L and %L', a, b)
END
$$;

COMMENT ON FUNCTION cq_internal.id_difference(text, text, text, text) IS
'NULL when two event ids are present and identical, else how they differ: missing (NULL or blank) on one or both copies, whitespace, case, a prefix or suffix, or simply different.';

-- The pair form's work; cq.dedup_explain(jsonb, jsonb, text) below is its
-- public face (PL/pgSQL cannot name an input and an output "platform").
CREATE FUNCTION cq_internal.dedup_explain_pair(a jsonb, b jsonb, only_platform text)
RETURNS TABLE (platform text, counted_once boolean, reasons text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    keys constant text[] := ARRAY['event_name', 'event_id', 'event_time', 'received_at', 'channel',
                                  'external_id', 'fbp', 'ttp', 'test_event_code'];
    bad text;
    p text;
    ca text;            -- channels
    cb text;
    ta timestamptz;     -- arrivals
    tb timestamptz;
    gap interval;
    first_label text;
    la text;            -- labels of the copies in the reasons
    lb text;
    name_diff text;
    id_diff text;
    ids_usable boolean;
    win constant interval := interval '48 hours';
    fallback text;
    r text[];
    once boolean;
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN;                 -- no pair, no answer
    END IF;
    IF jsonb_typeof(a) <> 'object' OR jsonb_typeof(b) <> 'object' THEN
        RAISE EXCEPTION 'each copy must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ''{"event_name": "Purchase", "event_id": "o-1", "channel": "browser"}''.';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO bad
      FROM (SELECT jsonb_object_keys(a) AS k UNION SELECT jsonb_object_keys(b)) x
     WHERE k <> ALL (keys);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown key in a copy: %', bad
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || array_to_string(keys, ', ') || '; absent keys are absent fields.';
    END IF;
    IF only_platform IS NOT NULL AND lower(only_platform) NOT IN ('tiktok', 'meta', 'google', 'cq') THEN
        RAISE EXCEPTION 'unknown platform "%"', only_platform
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use tiktok, meta, google, cq (the extension''s own rule), or NULL for all four.';
    END IF;

    ca := cq_internal.channel_kind_strict(a->>'channel');
    cb := cq_internal.channel_kind_strict(b->>'channel');
    la := CASE WHEN ca IS NOT NULL AND ca IS DISTINCT FROM cb THEN ca ELSE 'first' END;
    lb := CASE WHEN cb IS NOT NULL AND ca IS DISTINCT FROM cb THEN cb ELSE 'second' END;
    ta := coalesce((a->>'received_at')::timestamptz, (a->>'event_time')::timestamptz);
    tb := coalesce((b->>'received_at')::timestamptz, (b->>'event_time')::timestamptz);
    -- a time at +-infinity is no time: nothing to measure a window on
    IF NOT isfinite(ta) THEN
        ta := NULL;
    END IF;
    IF NOT isfinite(tb) THEN
        tb := NULL;
    END IF;
    gap := CASE WHEN ta IS NULL OR tb IS NULL THEN NULL WHEN ta <= tb THEN tb - ta ELSE ta - tb END;
    first_label := CASE WHEN ta IS NULL OR tb IS NULL THEN NULL WHEN ta <= tb THEN la ELSE lb END;

    FOREACH p IN ARRAY ARRAY['tiktok', 'meta', 'google', 'cq'] LOOP
        CONTINUE WHEN only_platform IS NOT NULL AND lower(only_platform) <> p;
        r := '{}';
        name_diff := cq_internal.name_difference(a->>'event_name', b->>'event_name', p);
        id_diff := cq_internal.id_difference(a->>'event_id', b->>'event_id', la, lb);
        ids_usable := id_diff IS NULL;
        IF name_diff IS NOT NULL THEN
            r := r || name_diff;
        END IF;
        IF id_diff IS NOT NULL THEN
            r := r || id_diff;
        END IF;
        -- test events never merge with live ones
        IF p IN ('tiktok', 'meta')
           AND (a->>'test_event_code') IS DISTINCT FROM (b->>'test_event_code') THEN
            r := r || format('test_event_code differs (%s and %s): test events are kept apart from live ones',
                             coalesce(quote_literal(a->>'test_event_code'), 'none'),
                             coalesce(quote_literal(b->>'test_event_code'), 'none'));
        END IF;
        IF p = 'google' THEN
            -- transaction id per conversion action; no window documented
            IF greatest(length(a->>'event_id'), length(b->>'event_id')) > 64 THEN
                r := r || text 'a transaction id longer than 64 characters is not accepted';
            END IF;
            once := name_diff IS NULL AND ids_usable
                    AND greatest(length(a->>'event_id'), length(b->>'event_id')) <= 64;
            IF once THEN
                r := r || text 'the second conversion with this transaction id is rejected as a duplicate (no time limit)';
            END IF;
        ELSE
            fallback := NULL;
            IF NOT ids_usable AND name_diff IS NULL AND id_diff NOT LIKE 'event ids differ%' THEN
                -- ids missing: the platforms' fallback keys
                IF p = 'meta' THEN
                    fallback := CASE
                        WHEN (a->>'fbp') IS NOT NULL AND (a->>'fbp') = (b->>'fbp') THEN 'fbp'
                        WHEN (a->>'external_id') IS NOT NULL AND (a->>'external_id') = (b->>'external_id') THEN 'external_id'
                        END;
                    IF fallback IS NULL THEN
                        r := r || text 'no shared fbp or external_id to fall back on';
                    ELSIF ca IS NULL OR cb IS NULL OR ca = cb THEN
                        r := r || format('the fallback on %s joins a browser copy with a later server copy only, not two %s copies',
                                         fallback, coalesce(ca, cb, 'unlabelled'));
                        fallback := NULL;
                    ELSIF first_label IS DISTINCT FROM 'browser' THEN
                        r := r || format('the fallback on %s works only when the browser copy arrives first; the server copy came first',
                                         fallback);
                        fallback := NULL;
                    END IF;
                ELSIF p = 'tiktok' THEN
                    IF (a->>'ttp') IS NOT NULL AND (a->>'ttp') = (b->>'ttp') AND ca IS DISTINCT FROM cb THEN
                        fallback := 'ttp';
                    ELSE
                        r := r || text 'no shared _ttp cookie to fall back on';
                    END IF;
                END IF;
            END IF;
            once := name_diff IS NULL
                    AND (ids_usable OR fallback IS NOT NULL)
                    AND NOT EXISTS (SELECT 1 FROM unnest(r) x WHERE x LIKE 'test_event_code differs%');
            IF once AND gap IS NOT NULL AND gap > win THEN
                once := false;
                r := r || format('arrived %s hours apart: %s hours past the 48-hour window',
                                 round(extract(epoch FROM gap) / 3600, 2),
                                 round(extract(epoch FROM gap - win) / 3600, 2));
            ELSIF gap IS NULL AND (once OR fallback IS NOT NULL) THEN
                r := r || text 'no finite time on one copy: the 48-hour window was not checked';
            END IF;
            IF once THEN
                IF fallback IS NOT NULL THEN
                    r := r || CASE WHEN p = 'meta'
                                   THEN format('deduplicated on the fallback key %s: browser copy first, the later server copy dropped', fallback)
                                   ELSE 'deduplicated on the _ttp cookie (best effort, as older TikTok documentation describes)' END;
                ELSIF p = 'tiktok' AND ca IS DISTINCT FROM cb AND gap IS NOT NULL AND gap <= interval '5 minutes' THEN
                    r := r || text 'merged: the first copy is kept and enriched with the other''s match keys (browser and server within 5 minutes)';
                ELSIF p = 'meta' AND ca IS DISTINCT FROM cb AND ca IS NOT NULL AND cb IS NOT NULL
                      AND gap IS NOT NULL AND gap <= interval '5 minutes' THEN
                    r := r || text 'the browser copy is favoured (browser and server within 5 minutes)';
                ELSIF first_label IN ('browser', 'server') THEN
                    r := r || format('the first copy received (%s) is kept', first_label);
                ELSIF first_label IS NOT NULL THEN
                    r := r || text 'the first copy received is kept';
                END IF;
            END IF;
        END IF;
        platform := p;
        counted_once := once;
        reasons := r;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq_internal.dedup_explain_pair(jsonb, jsonb, text) IS
'The work of cq.dedup_explain(jsonb, jsonb, text).';

CREATE FUNCTION cq.dedup_explain(a jsonb, b jsonb, platform text DEFAULT NULL)
RETURNS TABLE (platform text, counted_once boolean, reasons text[])
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM cq_internal.dedup_explain_pair($1, $2, $3)
$$;

COMMENT ON FUNCTION cq.dedup_explain(jsonb, jsonb, text) IS
'Two copies of an event (JSON objects with keys event_name, event_id, event_time, received_at, channel, external_id, fbp, ttp, test_event_code) judged by each platform''s dedup rule (tiktok, meta, google, cq; or one of them): whether they count once, and every reason (how names or ids differ, the window, the fallback key, which copy is kept). NULL input: no rows.';

-- The whole-source form.  Candidate pairs are the copies a platform should
-- have merged: two rows of the same user whose event names are equal up to
-- case, surrounding whitespace and TikTok's renamed CompletePayment, stamped
-- at most 5 minutes apart (each row paired with the next such row).  Each
-- pair is judged by the platform's rule; the reasons of the pairs that are
-- not counted once are counted by kind (the text before any colon, numbers
-- replaced by N) and ranked.
CREATE FUNCTION cq_internal.dedup_explain_source(source text, only_platform text)
RETURNS TABLE (platform text, reason text, pairs bigint, share double precision, example text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_variable
DECLARE
    s cq.event_sources;
    rel regclass;
    p text := lower(coalesce(only_platform, 'cq'));
BEGIN
    IF p NOT IN ('tiktok', 'meta', 'google', 'cq') THEN
        RAISE EXCEPTION 'unknown platform "%"', only_platform
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use tiktok, meta, google or cq.';
    END IF;
    SELECT * INTO s FROM cq.event_sources x WHERE x.name = dedup_explain_source.source;
    IF NOT FOUND OR NOT cq_internal.may_read(s.relation_schema, s.relation_name, s.relation_owner) THEN
        RAISE EXCEPTION 'source "%" is not registered', dedup_explain_source.source
            USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the sources you may read.';
    END IF;
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    RETURN QUERY EXECUTE format($q$
WITH r AS (
    SELECT e.%1$I AS u, e.%2$I::pg_catalog.timestamptz AS t, e.%3$I::pg_catalog.text AS name,
           %4$s AS id, %5$s AS channel, %6$s AS arrived
      FROM %7$s e
     WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL AND e.%3$I IS NOT NULL),
c AS (
    SELECT r2.*, pg_catalog.lead(j) OVER w AS next, pg_catalog.lead(t) OVER w AS next_t
      FROM (SELECT r.*,
                   CASE WHEN pg_catalog.lower(pg_catalog.btrim(name)) = 'completepayment' THEN 'purchase'
                        ELSE pg_catalog.lower(pg_catalog.btrim(name)) END AS k,
                   pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                       'event_name', name, 'event_id', id, 'event_time', t,
                       'received_at', arrived, 'channel', channel)) AS j
              FROM r) r2
    WINDOW w AS (PARTITION BY u, k ORDER BY t)),
p AS (
    SELECT x.counted_once, x.reasons
      FROM c, cq_internal.dedup_explain_pair(c.j, c.next, %8$L) x
     WHERE c.next_t IS NOT NULL AND c.next_t <= c.t + interval '5 minutes' AND pg_catalog.isfinite(c.t)),
n AS (SELECT pg_catalog.count(*) AS total FROM p)
SELECT %8$L::text, q.kind, pg_catalog.count(*), pg_catalog.count(*)::float8 / pg_catalog.max(n.total),
       pg_catalog.min(q.reason)
  FROM (SELECT CASE WHEN p.counted_once THEN '(counted once)'
                    ELSE pg_catalog.regexp_replace(pg_catalog.regexp_replace(reason, ':.*$', ''),
                                                   '[0-9]+([.][0-9]+)?', 'N', 'g') END AS kind,
               reason
          FROM p, pg_catalog.unnest(CASE WHEN p.counted_once THEN ARRAY[NULL::text]
                                         ELSE p.reasons END) AS reason) q, n
 GROUP BY q.kind
 ORDER BY q.kind = '(counted once)', pg_catalog.count(*) DESC, q.kind
$q$,
        s.user_column, s.time_column, s.event_column,
        CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE format('e.%I::pg_catalog.text', s.event_id_column) END,
        CASE WHEN s.source_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE format('cq_internal.channel_kind(e.%I::pg_catalog.text)', s.source_column) END,
        CASE WHEN s.received_at_column IS NULL THEN 'NULL::pg_catalog.timestamptz'
             ELSE format('e.%I::pg_catalog.timestamptz', s.received_at_column) END,
        rel, p);
END
$$;

COMMENT ON FUNCTION cq_internal.dedup_explain_source(text, text) IS
'The work of cq.dedup_explain(text, text).';

CREATE FUNCTION cq.dedup_explain(source text, platform text DEFAULT 'cq')
RETURNS TABLE (platform text, reason text, pairs bigint, share double precision, example text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM cq_internal.dedup_explain_source($1, $2)
$$;

COMMENT ON FUNCTION cq.dedup_explain(text, text) IS
'Why copies in a registered source do not deduplicate under a platform''s rule (tiktok, meta, google, or cq, the default): pairs of rows of one user with the same event name up to case and whitespace, stamped at most 5 minutes apart, judged by cq.dedup_explain(jsonb, jsonb); the reasons of the pairs not counted once, by kind, counted and ranked, with one example each, and the pairs counted once. Reads the source with the caller''s privileges.';

-- ---------------------------------------------------------------------------
-- Match quality: the customer information an event carries for the ad
-- platforms' matching (README, "Match quality")
-- ---------------------------------------------------------------------------

-- The identifiers a source may map to columns, and their weight in the
-- 0-10 match score.  The weights are ours: the platforms publish which
-- parameters help matching most (email and phone first, then external ids,
-- click ids and browser ids, then IP address and user agent together), not
-- a formula.  They sum to 10.
CREATE FUNCTION cq_internal.match_weight(identifier text)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE identifier
    WHEN 'email' THEN 3.0 WHEN 'phone' THEN 2.5 WHEN 'external_id' THEN 1.5
    WHEN 'fbc' THEN 1.0 WHEN 'fbp' THEN 0.75 WHEN 'ip' THEN 0.375 WHEN 'user_agent' THEN 0.375
    WHEN 'ttclid' THEN 0.25 WHEN 'gclid' THEN 0.25 END
$$;

COMMENT ON FUNCTION cq_internal.match_weight(text) IS
'Weight of an identifier in the 0-10 match score: email 3, phone 2.5, external_id 1.5, fbc 1, fbp 0.75, ip 0.375, user_agent 0.375, ttclid 0.25, gclid 0.25 (ours; the platforms publish no formula). NULL for an unknown identifier.';

-- Whether a value of an identifier would be usable by the platforms: email
-- and phone through the extension's own normalizers (Meta's rules; phones
-- without a country code read in "region"), ip shaped like an IPv4 or IPv6
-- address, fbp and fbc in Meta's fb.<subdomain>.<creation time>.<id> form,
-- the others not blank.  NULL for NULL.
CREATE FUNCTION cq_internal.identifier_valid(identifier text, value text, region text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
    WHEN value IS NULL THEN NULL
    WHEN identifier = 'email' THEN cq.normalize_email(value, 'meta') IS NOT NULL
    WHEN identifier = 'phone' THEN cq.normalize_phone(value, region, 'meta') IS NOT NULL
    WHEN identifier = 'ip' THEN btrim(value) ~ '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$'
                            OR (btrim(value) ~ '^[0-9A-Fa-f:.]+$' AND btrim(value) ~ ':.*:')
    WHEN identifier = 'fbp' THEN btrim(value) ~ '^fb\.[0-9]+\.[0-9]{10,13}\.[0-9]+$'
    WHEN identifier = 'fbc' THEN btrim(value) ~ '^fb\.[0-9]+\.[0-9]{10,13}\.[^[:space:]]+$'
    ELSE btrim(value) <> '' END
$$;

COMMENT ON FUNCTION cq_internal.identifier_valid(text, text, text) IS
'Whether a value of an identifier is usable: email and phone normalize (cq.normalize_email, cq.normalize_phone, Meta''s rules, phones read in region), ip is an IPv4 or IPv6 address, fbp and fbc have Meta''s fb.N.<time>.<id> form, the others are not blank. NULL for NULL.';

-- The customer_columns argument of cq.register_source: an object mapping
-- identifiers to columns of rel (plus phone_region, a region code, not a
-- column); a clean error otherwise.
CREATE FUNCTION cq_internal.check_customer_columns(rel regclass, customer_columns jsonb)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
    v jsonb;
BEGIN
    IF customer_columns IS NULL THEN
        RETURN;
    END IF;
    IF jsonb_typeof(customer_columns) <> 'object' THEN
        RAISE EXCEPTION 'customer_columns must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ''{"email": "email", "phone": "phone_number", "phone_region": "FR"}''.';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(customer_columns) LOOP
        IF jsonb_typeof(v) <> 'string' THEN
            RAISE EXCEPTION 'customer_columns.% must be a string', k
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF k = 'phone_region' THEN
            IF NOT (v #>> '{}') = ANY (cq.phone_regions()) THEN
                RAISE EXCEPTION 'unknown phone region "%"', v #>> '{}'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Use an ISO 3166-1 alpha-2 code that cq.phone_regions() lists, such as US or FR.';
            END IF;
        ELSIF cq_internal.match_weight(k) IS NULL THEN
            RAISE EXCEPTION 'unknown identifier "%" in customer_columns', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Identifiers: email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid; and phone_region, a region code.';
        ELSE
            PERFORM cq_internal.check_source_column(rel, (v #>> '{}')::name, 'customer_columns.' || k,
                                                    'any', true);
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq_internal.check_customer_columns(regclass, jsonb) IS
'Checks the customer_columns of a source: an object whose keys are known identifiers naming columns of rel, and phone_region a known region code; 22023 or 42703 otherwise.';

-- ---------------------------------------------------------------------------
-- Reconciliation against the source of truth (README, "Reconciliation")
-- ---------------------------------------------------------------------------

-- Per UTC day: the orders of an orders (or payments) table against the
-- tracked conversions of a registered source, matched by order id = event
-- id.  Tracked rows are deduplicated first (the source's rule); an order row
-- with a negative value is a refund of its order id.
CREATE FUNCTION cq_internal.reconcile_source(source text, orders_table regclass, order_id_column name,
                                             value_column name, time_column name,
                                             conversion_event text, tolerance numeric)
RETURNS TABLE (day date, orders bigint, tracked bigint, matched bigint, not_tracked bigint,
               tracked_without_order bigint, surviving_duplicates bigint, value_mismatches bigint,
               refunds bigint, order_revenue numeric, tracked_revenue numeric, revenue_gap numeric,
               refunded_revenue numeric, net_revenue numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_variable
DECLARE
    s cq.event_sources;
    rel regclass;
BEGIN
    SELECT * INTO s FROM cq.event_sources x WHERE x.name = reconcile_source.source;
    IF NOT FOUND OR NOT cq_internal.may_read(s.relation_schema, s.relation_name, s.relation_owner) THEN
        RAISE EXCEPTION 'source "%" is not registered', reconcile_source.source
            USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the sources you may read.';
    END IF;
    IF s.event_id_column IS NULL THEN
        RAISE EXCEPTION 'source "%" has no event id column', s.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Orders are matched to tracked conversions by order id = event id.',
                  HINT = 'Register the source again with event_id_column.';
    END IF;
    IF orders_table IS NULL OR order_id_column IS NULL OR value_column IS NULL OR time_column IS NULL
       OR conversion_event IS NULL THEN
        RAISE EXCEPTION 'arguments of cq.reconcile must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name the orders table, its order id, value and time columns, and the conversion event.';
    END IF;
    IF tolerance IS NULL OR tolerance < 0 THEN
        RAISE EXCEPTION 'tolerance must be zero or positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    PERFORM cq_internal.check_source_column(orders_table, order_id_column, 'order_id_column', 'any', true);
    PERFORM cq_internal.check_source_column(orders_table, value_column, 'value_column', 'number', true);
    PERFORM cq_internal.check_source_column(orders_table, time_column, 'time_column', 'time', true);
    RETURN QUERY EXECUTE format($q$
WITH tracked_rows AS (
    SELECT e.%1$I::pg_catalog.text AS id, e.%2$I::pg_catalog.timestamptz AS t, %3$s AS v,
           cq.dedup_key(e.%4$I::pg_catalog.text, e.%1$I::pg_catalog.text) AS k
      FROM %5$s e
     WHERE e.%4$I::pg_catalog.text = %6$L AND e.%2$I IS NOT NULL),
tracked AS (        -- deduplicated: the kept rows of each key, blank ids alone
    SELECT id, t, v
      FROM (SELECT *, CASE WHEN k IS NULL THEN true
                           ELSE cq.dedup_keep(t, '48 hours'::pg_catalog.interval)
                                OVER (PARTITION BY k ORDER BY t) END AS keep
              FROM tracked_rows) x
     WHERE keep),
per_id AS (
    SELECT id, pg_catalog.min(t) AS t, pg_catalog.count(*) AS n,
           (pg_catalog.array_agg(v ORDER BY t))[1] AS v, pg_catalog.sum(v) AS v_total
      FROM tracked WHERE pg_catalog.btrim(coalesce(id, '')) <> '' GROUP BY id),
order_rows AS (
    SELECT o.%7$I::pg_catalog.text AS id, o.%8$I::pg_catalog.timestamptz AS t,
           o.%9$I::pg_catalog.numeric AS v
      FROM %10$s o
     WHERE o.%7$I IS NOT NULL AND o.%8$I IS NOT NULL AND o.%9$I IS NOT NULL),
ord AS (            -- one row per order id: its first sale, its refunds
    SELECT id, pg_catalog.min(t) FILTER (WHERE v >= 0) AS t, pg_catalog.min(t) AS t_any,
           pg_catalog.sum(v) FILTER (WHERE v >= 0) AS sold,
           pg_catalog.count(*) FILTER (WHERE v < 0) AS refunds,
           -pg_catalog.sum(v) FILTER (WHERE v < 0) AS refunded
      FROM order_rows GROUP BY id),
joined AS (
    SELECT coalesce(ord.t, p.t, ord.t_any) AS t, ord.t IS NOT NULL AS is_order,
           p.id IS NOT NULL AS is_tracked, coalesce(p.n, 0) AS n, ord.sold, p.v AS tracked_v,
           p.v_total,
           coalesce(ord.refunds, 0) AS refunds, coalesce(ord.refunded, 0) AS refunded
      FROM ord FULL JOIN per_id p ON p.id = ord.id),
blank AS (          -- tracked conversions without an id: never matched
    SELECT t, v FROM tracked WHERE pg_catalog.btrim(coalesce(id, '')) = '')
SELECT d, pg_catalog.sum(orders)::bigint, pg_catalog.sum(tracked)::bigint, pg_catalog.sum(matched)::bigint,
       pg_catalog.sum(not_tracked)::bigint, pg_catalog.sum(without_order)::bigint,
       pg_catalog.sum(dups)::bigint, pg_catalog.sum(mismatch)::bigint, pg_catalog.sum(refunds)::bigint,
       coalesce(pg_catalog.sum(sold), 0), coalesce(pg_catalog.sum(tracked_v), 0),
       coalesce(pg_catalog.sum(sold), 0) - coalesce(pg_catalog.sum(tracked_v), 0),
       coalesce(pg_catalog.sum(refunded), 0),
       coalesce(pg_catalog.sum(sold), 0) - coalesce(pg_catalog.sum(refunded), 0)
  FROM (SELECT (t AT TIME ZONE 'UTC')::date AS d, is_order::int AS orders, n AS tracked,
               (is_order AND is_tracked)::int AS matched, (is_order AND NOT is_tracked)::int AS not_tracked,
               (is_tracked AND NOT is_order)::int AS without_order,
               GREATEST(n - 1, 0) AS dups,
               (is_order AND is_tracked AND (tracked_v IS NULL
                  OR pg_catalog.abs(tracked_v - sold) > %11$L::pg_catalog.numeric))::int AS mismatch,
               refunds, sold, v_total AS tracked_v, refunded
          FROM joined
        UNION ALL
        SELECT (t AT TIME ZONE 'UTC')::date, 0, 1, 0, 0, 1, 0, 0, 0, NULL, v::pg_catalog.numeric, 0
          FROM blank) x
 WHERE d IS NOT NULL
 GROUP BY d ORDER BY d
$q$,
        s.event_id_column, s.time_column,
        CASE WHEN s.value_column IS NULL THEN 'NULL::pg_catalog.numeric'
             ELSE format('e.%I::pg_catalog.numeric', s.value_column) END,
        s.event_column, rel, conversion_event,
        order_id_column, time_column, value_column, orders_table, tolerance);
END
$$;

COMMENT ON FUNCTION cq_internal.reconcile_source(text, regclass, name, name, name, text, numeric) IS
'The work of cq.reconcile.';

CREATE FUNCTION cq.reconcile(source text, orders regclass, order_id_column name DEFAULT 'order_id',
                             value_column name DEFAULT 'value', time_column name DEFAULT 'created_at',
                             conversion_event text DEFAULT 'purchase', tolerance numeric DEFAULT 0.01)
RETURNS TABLE (day date, orders bigint, tracked bigint, matched bigint, not_tracked bigint,
               tracked_without_order bigint, surviving_duplicates bigint, value_mismatches bigint,
               refunds bigint, order_revenue numeric, tracked_revenue numeric, revenue_gap numeric,
               refunded_revenue numeric, net_revenue numeric)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM cq_internal.reconcile_source($1, $2, $3, $4, $5, $6, $7)
$$;

COMMENT ON FUNCTION cq.reconcile(text, regclass, name, name, name, text, numeric) IS
'Per UTC day, a registered source''s tracked conversions (conversion_event, deduplicated by the source''s rule) against an orders table matched by order id = event id: orders, tracked conversions, matched, orders never tracked, tracked conversions with no order, duplicates that survived dedup, value mismatches (beyond tolerance), refunds (order rows with a negative value), order and tracked revenue, the gap, refunded and net revenue. Reads both tables with the caller''s privileges.';
-- The read behind cq.tracking_health (README, "Tracking diagnostics"): one scan
-- of a registered source in C (src/diagnostics_scan.c), new in 1.2.
-- cq_internal.refresh_source (src/refresh.sql) calls it with the source's
-- registered columns and writes the report from its rows.
CREATE FUNCTION cq_internal.tracking_scan(
    relation regclass,
    user_column name,
    time_column name,
    event_column name,
    value_column name,
    event_id_column name,
    source_column name,
    received_at_column name,
    fallback_columns name[],
    refresh_time timestamptz)
RETURNS TABLE (
    day date,
    event_name text,
    rows bigint,
    events bigint,
    users bigint,
    blank_ids bigint,
    server_events bigint,
    browser_events bigint,
    both_events bigint,
    browser_rows bigint,
    browser_id_rows bigint,
    server_rows bigint,
    server_id_rows bigint,
    browser_fallback_rows bigint,
    server_fallback_rows bigint,
    reused_ids bigint,
    burst_events bigint,
    future_events bigint,
    late_events bigint,
    stale_events bigint,
    median_lag_seconds float8,
    p95_lag_seconds float8,
    channels bigint,
    kept_until bigint,
    first_time timestamptz,
    observed_until timestamptz)
AS 'MODULE_PATHNAME', 'tracking_scan'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION cq_internal.tracking_scan(regclass, name, name, name, name, name, name, name, name[], timestamptz) IS
'The scan behind cq.tracking_health and the volumes of cq.event_quality: one read of the relation with the caller''s privileges; per UTC day and event name the counts of cq.tracking_health (copies within 48 hours of the kept row of the same event name and id, channels of each deduplicated event, reused ids, bursts within 10 seconds, future stamps, late and stale arrivals, lag percentiles, distinct channels), then per event name (day NULL) rows, deduplicated events, users, blank ids, deduplicated events up to the end of observation, the first finite time and the end of observation.';
-- Attribution (README, "Attribution"): how much of each conversion each channel gets,
-- under the six classic models, credited conversion by conversion over a touch table
-- (clicks, impressions) and a conversion table with the same column names (a view can
-- rename).  New in 1.2.
CREATE FUNCTION cq.attribute(
    touches regclass,
    conversion_events regclass,
    model text,
    lookback interval DEFAULT '28 days',
    half_life interval DEFAULT '7 days',
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    channel_column name DEFAULT 'channel',
    value_column name DEFAULT NULL)
RETURNS TABLE (channel text, conversions float8, value float8)
AS 'MODULE_PATHNAME', 'attribute'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION cq.attribute(regclass, regclass, text, interval, interval, name, name, name, name) IS
'Credits each conversion of conversion_events to the channels of the same user''s touches in [conversion - lookback, conversion] (both ends included; touches ordered by time, then channel in byte order) under model first_touch, last_touch, last_non_direct (skips channel ''direct'' unless only direct touches are eligible), linear, position_based (40/20/40) or time_decay (weight 2^(-age/half_life)); credits of a conversion sum to 1. One row per channel with credit (conversions, and value when value_column is given), and one with a NULL channel for the conversions with no eligible touch. Reads both tables with the caller''s privileges.';

-- The aggregate form, for stored states: one user's rows in, that user's credits out as
-- jsonb; states sum with cq.attribution_rollup (across users, days, partitions, shards)
-- and read back as rows with cq.attribution_rows.  The sum over every user of a table
-- equals cq.attribute over it.
CREATE FUNCTION cq_internal.attribution_credits_transfn(internal, timestamptz, text, boolean, float8,
                                                       text, interval, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'attribution_credits_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.attribution_credits_transfn(internal, timestamptz, text, boolean, float8, text, interval, interval) IS
'Transition function of cq.attribution_credits: appends one row of the user.';

CREATE FUNCTION cq_internal.attribution_credits_finalfn(internal)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'attribution_credits_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.attribution_credits_finalfn(internal) IS
'Final function of cq.attribution_credits: credits the user''s conversions as cq.attribute does (STABLE: a lookback in days or months follows the session''s time zone).';

CREATE AGGREGATE cq.attribution_credits(ts timestamptz, channel text, is_conversion boolean,
                                        value float8, model text, lookback interval,
                                        half_life interval) (
    SFUNC = cq_internal.attribution_credits_transfn,
    STYPE = internal,
    FINALFUNC = cq_internal.attribution_credits_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.attribution_credits(timestamptz, text, boolean, float8, text, interval, interval) IS
'One user''s touches (is_conversion false, channel) and conversions (is_conversion true, value) credited under model with lookback and half_life exactly as cq.attribute does, as jsonb {"credit": {channel: [conversions, value]}, "unattributed": [conversions, value]}. Group by user; sum states with cq.attribution_rollup, read them with cq.attribution_rows.';

-- Two states summed channel by channel, in numeric (exact: the states hold decimal numbers)
CREATE FUNCTION cq_internal.attribution_combine(a jsonb, b jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_build_object(
    'credit', coalesce((SELECT jsonb_object_agg(y.k, jsonb_build_array(y.c, y.v))
                          FROM (SELECT x.k, sum(x.c) AS c, sum(x.v) AS v
                                  FROM (SELECT e.key AS k, (e.value->>0)::numeric AS c, (e.value->>1)::numeric AS v
                                          FROM jsonb_each(a->'credit') e
                                        UNION ALL
                                        SELECT e.key, (e.value->>0)::numeric, (e.value->>1)::numeric
                                          FROM jsonb_each(b->'credit') e) x
                                 GROUP BY x.k) y), '{}'::jsonb),
    'unattributed', jsonb_build_array(
        (a->'unattributed'->>0)::numeric + (b->'unattributed'->>0)::numeric,
        (a->'unattributed'->>1)::numeric + (b->'unattributed'->>1)::numeric))
$$;
COMMENT ON FUNCTION cq_internal.attribution_combine(jsonb, jsonb) IS
'Sum of two cq.attribution_credits states, channel by channel, and their unattributed conversions.';

CREATE AGGREGATE cq.attribution_rollup(jsonb) (
    SFUNC = cq_internal.attribution_combine,
    STYPE = jsonb,
    COMBINEFUNC = cq_internal.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.attribution_rollup(jsonb) IS
'Sum of cq.attribution_credits states (users, days, partitions or shards); NULL states are skipped.';

CREATE FUNCTION cq.attribution_rows(state jsonb)
RETURNS TABLE (channel text, conversions float8, value float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT e.key, (e.value->>0)::float8, (e.value->>1)::float8 FROM jsonb_each(state->'credit') e
UNION ALL
SELECT NULL, (state->'unattributed'->>0)::float8, (state->'unattributed'->>1)::float8
$$;
COMMENT ON FUNCTION cq.attribution_rows(jsonb) IS
'The rows of a cq.attribution_credits (or cq.attribution_rollup) state: one per channel with credit, then the unattributed conversions (channel NULL), as cq.attribute returns them.';
-- Breakdowns (README, "Breakdowns"): conversion and revenue per value of a dimension
-- column (campaign, ad set, creative, landing page, ...), each bucket against the rest,
-- with Benjamini-Hochberg q-values across buckets and the minimum detectable difference
-- at the bucket's size.  New in 1.2.

-- Benjamini-Hochberg q-values of p (NULLs stay NULL and do not count), in p's order.
CREATE FUNCTION cq_internal.bh_q_values(p float8[])
RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT array_agg(q.q ORDER BY x.i)
  FROM unnest(p) WITH ORDINALITY AS x(p, i)
  LEFT JOIN (SELECT b.i,
                    least(1, min(b.p * b.m / b.k) OVER (ORDER BY b.p DESC, b.i DESC
                                                        ROWS UNBOUNDED PRECEDING)) AS q
               FROM (SELECT y.p, y.i, count(*) OVER () AS m,
                            row_number() OVER (ORDER BY y.p, y.i) AS k
                       FROM unnest(p) WITH ORDINALITY AS y(p, i)
                      WHERE y.p IS NOT NULL) b) q ON q.i = x.i
$$;

COMMENT ON FUNCTION cq_internal.bh_q_values(float8[]) IS
'Benjamini-Hochberg q-values of an array of p-values, element by element (NULL for a NULL p-value, which does not count among the tests).';

-- A table read by name by the campaign reports (cq.breakdown, cq.spend_report,
-- cq.adset_readiness): the caller may read it (checked before any column is looked at, so
-- that a role that may not learns nothing of its columns), and it has the user, time and
-- event columns.
CREATE FUNCTION cq_internal.check_source_readable(rel regclass, user_column name, time_column name,
                                                 event_column name)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT has_table_privilege(rel, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for table %', rel::text
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF user_column IS NOT NULL OR time_column IS NOT NULL OR event_column IS NOT NULL THEN
        PERFORM cq_internal.check_source_column(rel, user_column, 'user_column', 'any', true);
        PERFORM cq_internal.check_source_column(rel, time_column, 'time_column', 'time', true);
        PERFORM cq_internal.check_source_column(rel, event_column, 'event_column', 'any', true);
    END IF;
END
$$;

COMMENT ON FUNCTION cq_internal.check_source_readable(regclass, name, name, name) IS
'Raises 42501 unless the caller may read rel; then, unless all three are NULL, checks its user, time and event columns (cq_internal.check_source_column).';

CREATE FUNCTION cq.breakdown(
    events regclass,
    dimension_column name,
    rule text DEFAULT 'entry',
    step text DEFAULT NULL,
    conversion_event text DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    min_users integer DEFAULT 100,
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    event_column name DEFAULT 'event_name',
    value_column name DEFAULT NULL)
RETURNS TABLE (
    bucket text,
    bucket_rule text,
    users bigint,
    small boolean,
    converters bigint,
    conversion_rate float8,
    rest_conversion_rate float8,
    conversion_p_value float8,
    conversion_q_value float8,
    conversion_mdd float8,
    revenue_per_user float8,
    rest_revenue_per_user float8,
    revenue_p_value float8,
    revenue_q_value float8,
    revenue_mdd float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- z(1 - 0.05 / 2) + z(0.80): a two-sided test at 5 % with 80 % power
    z_sum CONSTANT float8 := 1.959963984540054 + 0.8416212335729143;
    assign_where text;
    assign_order text;
    rule_label text;
BEGIN
    IF events IS NULL OR dimension_column IS NULL OR rule IS NULL OR horizon IS NULL
       OR min_users IS NULL THEN
        RAISE EXCEPTION 'cq.breakdown: events, dimension_column, rule, horizon and min_users must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call it as cq.breakdown(''events'', ''creative'', conversion_event => ''purchase'').';
    END IF;
    PERFORM cq_internal.check_source_readable(events, user_column, time_column, event_column);
    PERFORM cq_internal.check_source_column(events, dimension_column, 'dimension_column', 'any', true);
    PERFORM cq_internal.check_source_column(events, value_column, 'value_column', 'number', false);
    IF conversion_event IS NULL AND value_column IS NULL THEN
        RAISE EXCEPTION 'cq.breakdown needs conversion_event or value_column'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A user converts with a row of conversion_event, or, without one, with a row whose value is above zero.',
                  HINT = 'Pass conversion_event => ''purchase'', or value_column => ''revenue''.';
    END IF;
    IF horizon < interval '0' OR extract(epoch FROM horizon) < 0 THEN
        RAISE EXCEPTION 'horizon must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The horizon is how long after a user''s assignment to a bucket conversions count.',
                  HINT = 'Use an interval such as ''30 days''.';
    END IF;
    IF min_users < 0 THEN
        RAISE EXCEPTION 'min_users must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Buckets with fewer users are labelled small; use a count such as 100.';
    END IF;
    -- the row that puts a user in a bucket, per rule (ties: the dimension value in byte order)
    CASE rule
        WHEN 'entry' THEN
            assign_where := 'true';
            assign_order := 'r.t, r.d COLLATE pg_catalog."C"';
            rule_label := 'entry';
        WHEN 'step' THEN
            IF step IS NULL THEN
                RAISE EXCEPTION 'rule ''step'' needs the step''s event name'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Pass step => ''lead_submitted''.';
            END IF;
            assign_where := 'r.ev = $1';
            assign_order := 'r.t, r.d COLLATE pg_catalog."C"';
            rule_label := 'step:' || step;
        WHEN 'last_touch' THEN
            assign_where := '(f.c IS NULL OR r.t <= f.c)';
            assign_order := 'r.t DESC, r.d COLLATE pg_catalog."C" DESC';
            rule_label := 'last_touch';
        ELSE
            RAISE EXCEPTION 'unknown breakdown rule "%"', rule
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'The rules are entry (the value at the user''s first row with one), step (at the first row of a named step) and last_touch (the last value before the user''s first conversion).',
                      HINT = 'Name one of them, in lower case.';
    END CASE;

    -- search_path is pinned to pg_catalog: the operators and functions below are
    -- PostgreSQL's, whatever the caller's objects are called
    RETURN QUERY EXECUTE format($q$
    WITH r AS (
        SELECT e.%1$I AS u, e.%2$I::pg_catalog.timestamptz AS t, e.%3$I::pg_catalog.text AS ev,
               e.%4$I::pg_catalog.text AS d, %5$s AS v
          FROM %6$s e
         WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL
           AND pg_catalog.isfinite(e.%2$I::pg_catalog.timestamptz)),
    rc AS (
        SELECT r.*, CASE WHEN $2 IS NOT NULL THEN coalesce(r.ev = $2, false)
                         ELSE coalesce(r.v > 0, false) END AS conv
          FROM r),
    f AS (SELECT rc.u, pg_catalog.min(rc.t) AS c FROM rc WHERE rc.conv GROUP BY rc.u),
    assign AS (
        SELECT DISTINCT ON (r.u) r.u, r.t AS a, r.d AS b
          FROM r LEFT JOIN f ON f.u = r.u
         WHERE r.d IS NOT NULL AND %7$s
         ORDER BY r.u, %8$s),
    per_user AS (
        SELECT x.u, a.b, coalesce(a.a, x.first_t) AS a
          FROM (SELECT r.u, pg_catalog.min(r.t) AS first_t FROM r GROUP BY r.u) x
          LEFT JOIN assign a ON a.u = x.u),
    outcome AS (
        SELECT p.u, p.b,
               coalesce(pg_catalog.bool_or(rc.conv) FILTER (WHERE rc.t >= p.a
                            AND rc.t <= p.a + $3), false)::int::float8 AS y,
               coalesce(pg_catalog.sum(rc.v) FILTER (WHERE rc.t >= p.a
                            AND rc.t <= p.a + $3), 0) AS rev
          FROM per_user p JOIN rc ON rc.u = p.u
         GROUP BY p.u, p.b),
    g AS (          -- per bucket: exact sums, and signal states for the tests
        SELECT o.b, pg_catalog.count(*) AS n,
               pg_catalog.sum(o.y::pg_catalog.numeric) AS sy,
               pg_catalog.sum(o.rev::pg_catalog.numeric) AS sr,
               pg_catalog.sum((o.rev::pg_catalog.numeric) * o.rev::pg_catalog.numeric) AS srr,
               cq.event_signal(true, o.y) AS c1, cq.event_signal(false, o.y) AS c0,
               cq.event_signal(true, o.rev) AS r1, cq.event_signal(false, o.rev) AS r0
          FROM outcome o GROUP BY o.b),
    tot AS (SELECT pg_catalog.sum(g.n) AS n, pg_catalog.sum(g.sy) AS sy, pg_catalog.sum(g.sr) AS sr,
                   pg_catalog.sum(g.srr) AS srr FROM g),
    t AS (          -- each bucket against the rest
        SELECT g.b, g.n, g.sy, g.sr, g.srr, tot.n - g.n AS rn,
               tot.sy - g.sy AS rsy, tot.sr - g.sr AS rsr,
               tot.srr - g.srr AS rsrr,
               (SELECT cq.signal_p_value(cq.signal_rollup(x.s))
                  FROM (SELECT g.c1 UNION ALL SELECT g2.c0 FROM g g2 WHERE g2.b IS DISTINCT FROM g.b) x(s)) AS cp,
               (SELECT cq.signal_p_value(cq.signal_rollup(x.s))
                  FROM (SELECT g.r1 UNION ALL SELECT g2.r0 FROM g g2 WHERE g2.b IS DISTINCT FROM g.b) x(s)) AS rp,
               pg_catalog.row_number() OVER (ORDER BY g.b COLLATE pg_catalog."C" NULLS LAST) AS i
          FROM g, tot),
    v AS (          -- sums of squares (0/1 outcomes: sum y^2 = sum y), pooled variances
        SELECT t.*,
               ((t.sy - t.sy * t.sy / t.n)
                + CASE WHEN t.rn > 0
                     THEN t.rsy - t.rsy * t.rsy / t.rn
                     ELSE 0 END)::pg_catalog.float8 AS css,
               ((t.srr - t.sr * t.sr / t.n)
                + CASE WHEN t.rn > 0
                     THEN t.rsrr - t.rsr * t.rsr / t.rn
                     ELSE 0 END)::pg_catalog.float8 AS rss
          FROM t),
    qs AS (SELECT cq_internal.bh_q_values(pg_catalog.array_agg(v.cp ORDER BY v.i)) AS cq,
                  cq_internal.bh_q_values(pg_catalog.array_agg(v.rp ORDER BY v.i)) AS rq
             FROM v)
    SELECT v.b, $4, v.n, v.n < $5, v.sy::pg_catalog.int8,
           (v.sy / v.n)::pg_catalog.float8,
           CASE WHEN v.rn > 0 THEN (v.rsy / v.rn)::pg_catalog.float8 END,
           v.cp, qs.cq[v.i],
           CASE WHEN v.rn > 0 AND v.n + v.rn > 2
                THEN $7 * pg_catalog.sqrt(v.css / (v.n + v.rn - 2)
                     * (1.0 / v.n + 1.0 / v.rn)) END,
           CASE WHEN $6 THEN (v.sr / v.n)::pg_catalog.float8 END,
           CASE WHEN $6 AND v.rn > 0 THEN (v.rsr / v.rn)::pg_catalog.float8 END,
           CASE WHEN $6 THEN v.rp END, CASE WHEN $6 THEN qs.rq[v.i] END,
           CASE WHEN $6 AND v.rn > 0 AND v.n + v.rn > 2
                THEN $7 * pg_catalog.sqrt(v.rss / (v.n + v.rn - 2)
                     * (1.0 / v.n + 1.0 / v.rn)) END
      FROM v, qs
     ORDER BY v.i
    $q$,
        user_column, time_column, event_column, dimension_column,
        CASE WHEN value_column IS NULL THEN 'NULL::pg_catalog.float8'
             ELSE format('CASE WHEN e.%1$I::pg_catalog.float8 <> ALL '
                         '(''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]) THEN e.%1$I::pg_catalog.float8 END',
                         value_column) END,
        events, assign_where, assign_order)
    USING step, conversion_event, horizon, rule_label, min_users, value_column IS NOT NULL, z_sum;
END
$$;

COMMENT ON FUNCTION cq.breakdown(regclass, name, text, text, text, interval, integer, name, name, name, name) IS
'Conversion and revenue per value (bucket) of dimension_column, one bucket per user by rule: entry (the value at the user''s first row that has one), step (at the first row of event step) or last_touch (the last value at or before the user''s first conversion; for users who never convert, their last value); users without a value form the NULL bucket. A user converts with a row of conversion_event (or, without one, a row whose value is above zero) in [assignment, assignment + horizon]; revenue is the sum of value there. Each bucket against the rest: rates, two-sided p-values (pooled two-sample t-test, as the point-biserial correlation test of cq.signal_p_value), Benjamini-Hochberg q-values across buckets, and the minimum detectable difference at 5 % and 80 % power for the bucket''s size ((1.96 + 0.84) * pooled sd * sqrt(1/n + 1/n_rest)); small = fewer than min_users users. Reads the table with the caller''s privileges.';
-- Readiness where bidding happens (README, "Readiness per ad set"): per ad set and
-- candidate optimization event, the deduplicated events the ad set would be credited with
-- inside the platform's attribution window in the last 7 days, against the ~50 per week
-- the platforms' learning phase needs, and the event each ad set should optimize on.
-- New in 1.2.
CREATE FUNCTION cq.adset_readiness(
    events regclass,
    ad_set_column name,
    candidate_events text[],
    click_event text DEFAULT 'ad_click',
    attribution_window interval DEFAULT '7 days',
    min_weekly_volume integer DEFAULT 50,
    observed_until timestamptz DEFAULT NULL,
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    event_column name DEFAULT 'event_name',
    event_id_column name DEFAULT NULL)
RETURNS TABLE (
    ad_set text,
    event_name text,
    depth integer,
    last_week_events bigint,
    credited_events bigint,
    weekly_average float8,
    verdict text,
    recommended boolean,
    advice text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF events IS NULL OR ad_set_column IS NULL OR candidate_events IS NULL OR click_event IS NULL
       OR attribution_window IS NULL OR min_weekly_volume IS NULL THEN
        RAISE EXCEPTION 'cq.adset_readiness: events, ad_set_column, candidate_events, click_event, attribution_window and min_weekly_volume must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call it as cq.adset_readiness(''events'', ''ad_set'', ''{add_to_cart,purchase}'').';
    END IF;
    IF cardinality(candidate_events) = 0 OR array_position(candidate_events, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT c) FROM unnest(candidate_events) c) < cardinality(candidate_events) THEN
        RAISE EXCEPTION 'candidate_events must name distinct events, without NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'They are the events an ad set could optimize on, from the shallowest to the deepest.',
                  HINT = 'Pass them in funnel order, such as ''{add_to_cart,begin_checkout,purchase}''.';
    END IF;
    IF attribution_window < interval '0' OR min_weekly_volume < 0 THEN
        RAISE EXCEPTION 'attribution_window and min_weekly_volume must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use the platform''s figures, such as ''7 days'' and 50.';
    END IF;
    PERFORM cq_internal.check_source_readable(events, user_column, time_column, event_column);
    PERFORM cq_internal.check_source_column(events, ad_set_column, 'ad_set_column', 'any', true);
    PERFORM cq_internal.check_source_column(events, event_id_column, 'event_id_column', 'any', false);

    -- search_path is pinned to pg_catalog: the operators and functions below are
    -- PostgreSQL's and the extension's, whatever the caller's objects are called
    RETURN QUERY EXECUTE format($q$
    WITH r AS (
        SELECT e.%1$I AS u, e.%2$I::timestamptz AS t, e.%3$I::text AS ev, e.%4$I::text AS ad, %5$s AS id
          FROM %6$s e
         WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL AND e.%3$I IS NOT NULL
           AND isfinite(e.%2$I::timestamptz)),
    bounds AS (SELECT min(r.t) AS first_t, coalesce($4, least(max(r.t), now())) AS until FROM r),
    -- candidate events, copies left out (same event name and id within 48 hours
    -- of the kept row: cq.dedup_key and cq.dedup_keep)
    cand AS (
        SELECT c.u, c.t, c.ev,
               CASE WHEN c.k IS NULL THEN true
                    ELSE cq.dedup_keep(c.t, '48 hours') OVER (PARTITION BY c.k ORDER BY c.t) END AS kept
          FROM (SELECT r.*, cq.dedup_key(r.ev, r.id) AS k FROM r WHERE r.ev = ANY ($1)) c),
    -- clicks and kept candidate events of a user in time order, clicks first at one
    -- instant (then by ad set, in byte order): an event belongs to the last click at or before it
    seq AS (
        SELECT x.*, count(*) FILTER (WHERE NOT x.is_event)
                        OVER (PARTITION BY x.u ORDER BY x.t, x.is_event, x.ad COLLATE "C"
                              ROWS UNBOUNDED PRECEDING) AS g
          FROM (SELECT r.u, r.t, NULL::text AS ev, r.ad, false AS is_event FROM r
                 WHERE r.ev = $2 AND r.ad IS NOT NULL
                UNION ALL
                SELECT c.u, c.t, c.ev, NULL, true FROM cand c WHERE c.kept) x),
    credited AS (
        SELECT s.ev, s.t,
               CASE WHEN s.click_t >= s.t - $3 THEN s.click_ad END AS ad
          FROM (SELECT s.*, first_value(s.ad) OVER w AS click_ad, first_value(s.t) OVER w AS click_t
                  FROM seq s
                WINDOW w AS (PARTITION BY s.u, s.g ORDER BY s.is_event, s.t)) s
         WHERE s.is_event),
    counted AS (
        SELECT c.ad, c.ev, count(*) AS n,
               count(*) FILTER (WHERE c.t > b.until - interval '7 days' AND c.t <= b.until) AS week
          FROM credited c, bounds b GROUP BY c.ad, c.ev),
    grid AS (       -- every ad set clicked, and the unattributed events (NULL), by candidate
        SELECT a.ad, ce.ev, ce.depth::integer
          FROM (SELECT DISTINCT r.ad FROM r WHERE r.ev = $2 AND r.ad IS NOT NULL
                UNION SELECT c.ad FROM counted c WHERE c.ad IS NULL) a,
               unnest($1) WITH ORDINALITY AS ce(ev, depth)),
    judged AS (
        SELECT g.ad, g.ev, g.depth, coalesce(c.week, 0) AS week, coalesce(c.n, 0) AS n,
               coalesce(c.n, 0) / greatest(1.0, extract(epoch FROM b.until - b.first_t) / 604800.0)::float8 AS avg,
               CASE WHEN g.ad IS NULL THEN 'unattributed'
                    WHEN coalesce(c.week, 0) >= $5 THEN 'ready' ELSE 'too rare' END AS verdict
          FROM grid g CROSS JOIN bounds b
          LEFT JOIN counted c ON c.ad IS NOT DISTINCT FROM g.ad AND c.ev = g.ev),
    best AS (       -- per ad set: the deepest ready candidate, else the most frequent one
        SELECT DISTINCT ON (j.ad) j.ad, j.ev, j.week, j.verdict
          FROM judged j WHERE j.ad IS NOT NULL
         ORDER BY j.ad, j.verdict = 'ready' DESC,
                  CASE WHEN j.verdict = 'ready' THEN j.depth ELSE 0 END DESC, j.week DESC, j.depth DESC)
    SELECT j.ad, j.ev, j.depth, j.week, j.n, j.avg, j.verdict,
           coalesce(bt.ev = j.ev AND bt.verdict = 'ready', false),
           CASE WHEN j.ad IS NULL THEN
                    format('%%s %%s events in the last 7 days had no click of an ad set within the attribution window', j.week, j.ev)
                WHEN bt.verdict = 'ready' AND bt.ev = j.ev THEN
                    format('optimize this ad set on %%s: %%s deduplicated events in the last 7 days (needs %%s)', j.ev, j.week, $5)
                WHEN bt.verdict = 'ready' THEN
                    format('%%s: %%s in the last 7 days; this ad set optimizes on %%s', j.verdict, j.week, bt.ev)
                WHEN bt.ev = j.ev THEN
                    format('no candidate reaches %%s a week here; %%s is the most frequent (%%s in the last 7 days): optimize on it, widen the audience or merge ad sets', $5, j.ev, j.week)
                ELSE format('too rare: %%s in the last 7 days (needs %%s)', j.week, $5) END
      FROM judged j LEFT JOIN best bt ON bt.ad = j.ad
     ORDER BY j.ad NULLS LAST, j.depth
    $q$,
        user_column, time_column, event_column, ad_set_column,
        CASE WHEN event_id_column IS NULL THEN 'NULL::text' ELSE format('e.%I::text', event_id_column) END,
        events)
    USING candidate_events, click_event, attribution_window, observed_until, min_weekly_volume;
END
$$;

COMMENT ON FUNCTION cq.adset_readiness(regclass, name, text[], text, interval, integer, timestamptz, name, name, name, name) IS
'Per ad set (the ad_set_column of click_event rows) and candidate event: the candidate''s events (copies within 48 hours of the same event name and id left out when event_id_column is given) credited to the ad set of the user''s last click at or before them within attribution_window, in the last 7 days up to observed_until (default: the latest time in the table, or now if that is earlier) and on average per week; verdict ready (at least min_weekly_volume in the last 7 days), too rare, or unattributed (the rows with a NULL ad set); recommended: per ad set the deepest ready candidate (candidate_events go from the shallowest to the deepest); advice. Events credited to no ad set form rows with a NULL ad set. Reads the table with the caller''s privileges.';
-- Spend and efficiency (README, "Spend"): a spend table (day, dimension value, spend,
-- optional currency) joined to the events of the users of each bucket of that dimension:
-- cost per event, per deduplicated event and per qualified conversion, revenue per unit
-- of spend (ROAS) with an interval, missing spend days, and the share of spend on buckets
-- whose optimization event is too rare.  New in 1.2.
CREATE FUNCTION cq.spend_report(
    events regclass,
    spend_table regclass,
    dimension_column name,
    conversion_event text,
    horizon interval DEFAULT '30 days',
    min_weekly_volume integer DEFAULT 50,
    value_column name DEFAULT 'value',
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    event_column name DEFAULT 'event_name',
    event_id_column name DEFAULT NULL,
    spend_day_column name DEFAULT 'day',
    spend_column name DEFAULT 'spend',
    currency_column name DEFAULT NULL)
RETURNS TABLE (
    bucket text,
    currency text,
    spend numeric,
    spend_days integer,
    missing_spend_days integer,
    event_rows bigint,
    deduplicated_events bigint,
    qualified_conversions bigint,
    cost_per_event numeric,
    cost_per_deduplicated_event numeric,
    cost_per_qualified_conversion numeric,
    revenue numeric,
    roas float8,
    roas_low float8,
    roas_high float8,
    weekly_volume float8,
    verdict text,
    too_rare_spend_share float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF events IS NULL OR spend_table IS NULL OR dimension_column IS NULL OR conversion_event IS NULL
       OR horizon IS NULL OR min_weekly_volume IS NULL OR value_column IS NULL THEN
        RAISE EXCEPTION 'cq.spend_report: events, spend_table, dimension_column, conversion_event, horizon, min_weekly_volume and value_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call it as cq.spend_report(''events'', ''spend'', ''creative'', ''purchase'').';
    END IF;
    IF horizon < interval '0' OR min_weekly_volume < 0 THEN
        RAISE EXCEPTION 'horizon and min_weekly_volume must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use figures such as ''30 days'' and 50.';
    END IF;
    -- both tables readable before any column of either is looked at
    PERFORM cq_internal.check_source_readable(events, NULL, NULL, NULL);
    PERFORM cq_internal.check_source_readable(spend_table, NULL, NULL, NULL);
    PERFORM cq_internal.check_source_readable(events, user_column, time_column, event_column);
    PERFORM cq_internal.check_source_column(events, dimension_column, 'dimension_column', 'any', true);
    PERFORM cq_internal.check_source_column(events, value_column, 'value_column', 'number', true);
    PERFORM cq_internal.check_source_column(events, event_id_column, 'event_id_column', 'any', false);
    PERFORM cq_internal.check_source_column(spend_table, spend_day_column, 'spend_day_column', 'time', true);
    PERFORM cq_internal.check_source_column(spend_table, dimension_column, 'dimension_column', 'any', true);
    PERFORM cq_internal.check_source_column(spend_table, spend_column, 'spend_column', 'number', true);
    PERFORM cq_internal.check_source_column(spend_table, currency_column, 'currency_column', 'any', false);

    -- search_path is pinned to pg_catalog and the time zone to UTC: days are UTC days
    RETURN QUERY EXECUTE format($q$
    WITH r AS (
        SELECT e.%1$I AS u, e.%2$I::timestamptz AS t, e.%3$I::text AS ev, e.%4$I::text AS d,
               CASE WHEN e.%5$I::float8 <> ALL ('{NaN,Infinity,-Infinity}'::float8[])
                    THEN e.%5$I::numeric END AS v, %6$s AS id
          FROM %7$s e
         WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL AND isfinite(e.%2$I::timestamptz)),
    -- one bucket per user: the value at the user's first row with one (cq.breakdown's entry)
    bucket_of AS (
        SELECT DISTINCT ON (r.u) r.u, r.d AS b FROM r WHERE r.d IS NOT NULL
         ORDER BY r.u, r.t, r.d COLLATE "C"),
    sp AS (         -- spend per bucket and UTC day; currencies seen
        SELECT s.%4$I::text AS b, s.%8$I::date AS day, sum(s.%9$I::numeric) AS amount,
               array_agg(DISTINCT %10$s) FILTER (WHERE %10$s IS NOT NULL) AS currencies
          FROM %11$s s
         WHERE s.%4$I IS NOT NULL AND s.%8$I IS NOT NULL AND s.%9$I IS NOT NULL
         GROUP BY 1, 2),
    -- the optimization event's rows of bucketed users, copies marked (48 hours)
    ev AS (
        SELECT c.*, (c.t AT TIME ZONE 'UTC')::date AS day,
               CASE WHEN c.k IS NULL THEN true
                    ELSE cq.dedup_keep(c.t, '48 hours') OVER (PARTITION BY c.k ORDER BY c.t) END AS kept
          FROM (SELECT r.u, r.t, bo.b, cq.dedup_key(r.ev, r.id) AS k
                  FROM r JOIN bucket_of bo ON bo.u = r.u WHERE r.ev = $1) c),
    -- qualified: a kept event followed by revenue (a row with a value above zero) of the
    -- same user within the horizon: the first such row strictly after the event
    ev_q AS (
        SELECT x.u, x.t, x.b, x.day, x.kept,
               x.kept AND coalesce(x.next_rev <= x.t + $2, false) AS qualified
          FROM (SELECT y.*, min(y.t) FILTER (WHERE NOT y.is_ev)
                            OVER (PARTITION BY y.u ORDER BY y.t
                                  RANGE BETWEEN '1 microsecond' FOLLOWING AND UNBOUNDED FOLLOWING) AS next_rev
                  FROM (SELECT e.u, e.t, e.b, e.day, e.kept, true AS is_ev FROM ev e
                        UNION ALL
                        SELECT r.u, r.t, NULL, NULL, NULL, false FROM r
                         WHERE r.v > 0 AND r.u IN (SELECT e.u FROM ev e)) y) x
         WHERE x.is_ev),
    -- revenue of the bucketed users, per bucket and day, and per user on days with spend
    rev_user AS (
        SELECT bo.b, r.u, sum(coalesce(r.v, 0)) AS amount
          FROM r JOIN bucket_of bo ON bo.u = r.u
          JOIN sp ON sp.b = bo.b AND sp.day = (r.t AT TIME ZONE 'UTC')::date
         GROUP BY bo.b, r.u),
    users_per_bucket AS (SELECT bo.b, count(*) AS n FROM bucket_of bo GROUP BY bo.b),
    ev_days AS (SELECT DISTINCT e.b, e.day FROM ev e),
    per_bucket AS (
        SELECT b.b,
               (SELECT CASE WHEN count(DISTINCT c) = 1 THEN min(c) WHEN count(DISTINCT c) > 1 THEN 'mixed' END
                  FROM sp s2, unnest(s2.currencies) c WHERE s2.b = b.b) AS currency,
               (SELECT sum(s2.amount) FROM sp s2 WHERE s2.b = b.b) AS amount,
               (SELECT count(*) FROM sp s2 WHERE s2.b = b.b)::integer AS days,
               (SELECT count(*) FROM ev_days d
                 WHERE d.b = b.b AND d.day BETWEEN (SELECT min(day) FROM sp) AND (SELECT max(day) FROM sp)
                   AND NOT EXISTS (SELECT 1 FROM sp s2 WHERE s2.b = b.b AND s2.day = d.day))::integer AS missing,
               (SELECT count(*) FROM ev_q e JOIN sp s2 ON s2.b = e.b AND s2.day = e.day WHERE e.b = b.b) AS rows_,
               (SELECT count(*) FILTER (WHERE e.kept) FROM ev_q e JOIN sp s2 ON s2.b = e.b AND s2.day = e.day
                 WHERE e.b = b.b) AS kept,
               (SELECT count(*) FILTER (WHERE e.qualified) FROM ev_q e JOIN sp s2 ON s2.b = e.b AND s2.day = e.day
                 WHERE e.b = b.b) AS qualified,
               (SELECT sum(ru.amount) FROM rev_user ru WHERE ru.b = b.b) AS revenue,
               -- the standard deviation of revenue per user over all the bucket's users
               -- (users without revenue on the spend days count as 0)
               (SELECT CASE WHEN max(ub.n) > 1 THEN
                           sqrt(greatest(0, (coalesce(sum(ru.amount * ru.amount), 0)
                                             - coalesce(sum(ru.amount), 0) ^ 2 / max(ub.n)) / (max(ub.n) - 1))) END
                  FROM users_per_bucket ub LEFT JOIN rev_user ru ON ru.b = ub.b WHERE ub.b = b.b) AS sd,
               (SELECT ub.n FROM users_per_bucket ub WHERE ub.b = b.b) AS n
          FROM (SELECT sp.b FROM sp UNION SELECT bo.b FROM bucket_of bo) b),
    judged AS (
        SELECT p.*,
               CASE WHEN p.days > 0 THEN p.kept / (p.days / 7.0) END AS weekly,
               CASE WHEN p.days IS NULL OR p.days = 0 THEN 'no spend'
                    WHEN p.kept / (p.days / 7.0) >= $3 THEN 'ready' ELSE 'too rare' END AS verdict
          FROM per_bucket p)
    SELECT j.b, j.currency, coalesce(j.amount, 0), coalesce(j.days, 0), j.missing,
           coalesce(j.rows_, 0), coalesce(j.kept, 0), coalesce(j.qualified, 0),
           CASE WHEN j.currency IS DISTINCT FROM 'mixed' AND j.rows_ > 0 THEN round(j.amount / j.rows_, 4) END,
           CASE WHEN j.currency IS DISTINCT FROM 'mixed' AND j.kept > 0 THEN round(j.amount / j.kept, 4) END,
           CASE WHEN j.currency IS DISTINCT FROM 'mixed' AND j.qualified > 0 THEN round(j.amount / j.qualified, 4) END,
           coalesce(j.revenue, 0),
           CASE WHEN j.currency IS DISTINCT FROM 'mixed' AND j.amount > 0 THEN (coalesce(j.revenue, 0) / j.amount)::float8 END,
           CASE WHEN j.currency IS DISTINCT FROM 'mixed' AND j.amount > 0 AND j.sd IS NOT NULL
                THEN ((coalesce(j.revenue, 0) - 1.959963984540054 * j.sd * sqrt(j.n::numeric)) / j.amount)::float8 END,
           CASE WHEN j.currency IS DISTINCT FROM 'mixed' AND j.amount > 0 AND j.sd IS NOT NULL
                THEN ((coalesce(j.revenue, 0) + 1.959963984540054 * j.sd * sqrt(j.n::numeric)) / j.amount)::float8 END,
           j.weekly::float8, j.verdict,
           (sum(j.amount) FILTER (WHERE j.verdict = 'too rare') OVER ()
            / nullif(sum(j.amount) OVER (), 0))::float8
      FROM judged j
     ORDER BY j.b COLLATE "C"
    $q$,
        user_column, time_column, event_column, dimension_column, value_column,
        CASE WHEN event_id_column IS NULL THEN 'NULL::text' ELSE format('e.%I::text', event_id_column) END,
        events, spend_day_column, spend_column,
        CASE WHEN currency_column IS NULL THEN 'NULL::text' ELSE format('s.%I::text', currency_column) END,
        spend_table)
    USING conversion_event, horizon, min_weekly_volume;
END
$$;

COMMENT ON FUNCTION cq.spend_report(regclass, regclass, name, text, interval, integer, name, name, name, name, name, name, name, name) IS
'Per value (bucket) of dimension_column: the spend of the spend table (summed per UTC day; currency, or mixed), the days with spend and the days with events of the bucket but no spend row (missing, not taken as 0), and, over the days with spend, the conversion_event rows of the bucket''s users (one bucket per user: the value at their first row with one), the deduplicated ones (same event name and id within 48 hours when event_id_column is given), the qualified ones (followed by revenue of the same user within horizon), cost per each, their revenue (value of the users'' rows on those days), ROAS = revenue / spend with a 95% normal interval over users, the weekly volume of deduplicated events, the verdict (ready at min_weekly_volume a week, too rare, no spend) and the share of all spend that goes to too rare buckets. Reads both tables with the caller''s privileges.';
-- Registration of an event source (README, "Registering a source").  A file of its
-- own because 1.2 replaces cq.register_source (it gained dimension_columns): the
-- install script and the update script both take it from here.

CREATE FUNCTION cq.register_source(name text, relation regclass, user_column name,
                                   time_column name, event_column name,
                                   value_column name DEFAULT NULL,
                                   event_id_column name DEFAULT NULL,
                                   source_column name DEFAULT NULL,
                                   entry_events text[] DEFAULT NULL,
                                   received_at_column name DEFAULT NULL,
                                   horizon interval DEFAULT '30 days',
                                   within interval DEFAULT '7 days',
                                   customer_columns jsonb DEFAULT NULL,
                                   dimension_columns name[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    nsp name;
    rel name;
    own name;
BEGIN
    IF register_source.name IS NULL OR btrim(register_source.name) = '' THEN
        RAISE EXCEPTION 'a source needs a name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a short name, such as ''web'': reports and funnels refer to it.';
    END IF;
    IF relation IS NULL THEN
        RAISE EXCEPTION 'relation must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT n.nspname, c.relname, r.rolname INTO nsp, rel, own
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_roles r ON r.oid = c.relowner
     WHERE c.oid = relation AND c.relkind IN ('r', 'p', 'v', 'm', 'f');
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a table or view', relation::text
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'A source is a table, partitioned table, view, materialized view or foreign table.';
    END IF;
    IF NOT cq_internal.may_manage(nsp, rel, own) THEN
        RAISE EXCEPTION 'must be owner of relation % to register it as a source', relation::text
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Sources are registered by the owner of the relation (or a member of its owning role) or a superuser.';
    END IF;
    PERFORM cq_internal.check_source(relation, user_column, time_column, event_column, value_column,
                                     event_id_column, source_column, received_at_column);
    PERFORM cq_internal.check_customer_columns(relation, customer_columns);
    IF dimension_columns IS NOT NULL THEN
        IF array_position(dimension_columns, NULL) IS NOT NULL
           OR (SELECT count(DISTINCT d) FROM unnest(dimension_columns) d) < cardinality(dimension_columns) THEN
            RAISE EXCEPTION 'dimension_columns must name distinct columns, without NULL'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name the campaign, ad set, creative, landing page ... columns once each.';
        END IF;
        PERFORM cq_internal.check_source_column(relation, d, 'dimension_columns', 'any', true)
           FROM unnest(dimension_columns) d;
    END IF;
    IF horizon IS NULL OR horizon <= interval '0' THEN
        RAISE EXCEPTION 'horizon must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF within IS NULL OR within < interval '0' THEN
        RAISE EXCEPTION 'within must be zero or positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Registering a name again replaces its mapping; the reports of the old
    -- mapping go (they describe another relation or other columns).
    PERFORM 1 FROM cq.event_sources s WHERE s.name = register_source.name FOR UPDATE;
    IF FOUND THEN
        DELETE FROM cq_internal.event_quality_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.tracking_health_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.funnel_report_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.match_quality_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.campaign_quality_data d WHERE d.source = register_source.name;
        UPDATE cq.event_sources s
           SET relation_schema = nsp, relation_name = rel, relation_owner = own,
               user_column = register_source.user_column, time_column = register_source.time_column,
               event_column = register_source.event_column, value_column = register_source.value_column,
               event_id_column = register_source.event_id_column,
               source_column = register_source.source_column,
               received_at_column = register_source.received_at_column,
               entry_events = register_source.entry_events, horizon = register_source.horizon,
               within = register_source.within, customer_columns = register_source.customer_columns,
               dimension_columns = register_source.dimension_columns,
               registered_by = current_user, registered_at = now()
         WHERE s.name = register_source.name;
    ELSE
        BEGIN
            INSERT INTO cq.event_sources (name, relation_schema, relation_name, relation_owner,
                                          user_column, time_column, event_column, value_column,
                                          event_id_column, source_column, received_at_column,
                                          entry_events, horizon, within, customer_columns,
                                          dimension_columns)
            VALUES (register_source.name, nsp, rel, own, user_column, time_column, event_column,
                    value_column, event_id_column, source_column, received_at_column, entry_events,
                    horizon, within, customer_columns, dimension_columns);
        EXCEPTION WHEN unique_violation OR insufficient_privilege THEN
            RAISE EXCEPTION 'a source named "%" already exists', register_source.name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Source names are shared by every role of the database: choose another. If it is yours and its relation was dropped or renamed, remove it first with cq.unregister_source.';
        END;
    END IF;
END
$$;

COMMENT ON FUNCTION cq.register_source(text, regclass, name, name, name, name, name, name, text[], name, interval, interval, jsonb, name[]) IS
'Registers (or updates) an event source: relation and the columns holding the user, the event time, the event name, and optionally the revenue value, the event id (for deduplication), the sending channel (browser/pixel, server), the time the row was received, the entry (acquisition) events, the landmark windows of cq.rank_events, the columns of customer information (customer_columns: email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid, and phone_region), and the dimension columns (campaign, ad set, creative, landing page ...) that cq.campaign_quality breaks the source down by. Every column is checked. Only the owner of the relation (or a member of its role) may register it; registering a name again replaces its mapping and drops its reports.';

COMMENT ON COLUMN cq.event_sources.dimension_columns IS
'Columns the source is broken down by in cq.campaign_quality (campaign, ad set, creative, landing page ...); NULL for none.';
-- The campaign report (README, "Breakdowns"): cq.breakdown of every registered source by
-- each of its dimension columns, written by cq.refresh, read through the view
-- cq.campaign_quality.  New in 1.2; the same row-level security as the other reports
-- (src/report.sql): a role sees the rows of the sources whose relation it may read.
CREATE TABLE cq_internal.campaign_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    bucket text,
    bucket_rule text NOT NULL,
    users bigint NOT NULL,
    small boolean NOT NULL,
    converters bigint NOT NULL,
    conversion_rate double precision,
    rest_conversion_rate double precision,
    conversion_p_value double precision,
    conversion_q_value double precision,
    conversion_mdd double precision,
    revenue_per_user double precision,
    rest_revenue_per_user double precision,
    revenue_p_value double precision,
    revenue_q_value double precision,
    revenue_mdd double precision,
    refreshed_at timestamptz NOT NULL
);
CREATE INDEX campaign_quality_data_source_idx ON cq_internal.campaign_quality_data (source, dimension);

COMMENT ON TABLE cq_internal.campaign_quality_data IS
'Rows of cq.campaign_quality, written by cq.refresh.';

SELECT pg_catalog.pg_extension_config_dump('cq_internal.campaign_quality_data', '');

ALTER TABLE cq_internal.campaign_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.campaign_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.campaign_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.campaign_quality_data TO PUBLIC;

CREATE VIEW cq.campaign_quality WITH (security_invoker = true) AS
SELECT source, dimension, bucket, bucket_rule, users, small, converters, conversion_rate,
       rest_conversion_rate, conversion_p_value, conversion_q_value, conversion_mdd,
       revenue_per_user, rest_revenue_per_user, revenue_p_value, revenue_q_value, revenue_mdd,
       refreshed_at
  FROM cq_internal.campaign_quality_data
 WHERE cq_internal.may_read_source(source);

GRANT SELECT ON cq.campaign_quality TO PUBLIC;

COMMENT ON VIEW cq.campaign_quality IS
'Per registered source with a value column, dimension column (cq.register_source dimension_columns) and value of it: cq.breakdown with the entry rule (one bucket per user: the value at their first row with one), conversion = revenue above zero within the source''s horizon, each bucket against the rest. Written by cq.refresh; a role sees the rows of the sources whose relation it may read.';
COMMENT ON COLUMN cq.campaign_quality.source IS 'Registered source.';
COMMENT ON COLUMN cq.campaign_quality.dimension IS 'Dimension column of the source.';
COMMENT ON COLUMN cq.campaign_quality.bucket IS 'Value of the dimension; NULL for the users without one.';
COMMENT ON COLUMN cq.campaign_quality.bucket_rule IS 'The rule that put users in buckets (entry).';
COMMENT ON COLUMN cq.campaign_quality.users IS 'Users in the bucket.';
COMMENT ON COLUMN cq.campaign_quality.small IS 'Fewer than 100 users: read the figures with care (tested like the others).';
COMMENT ON COLUMN cq.campaign_quality.converters IS 'Users with revenue above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.campaign_quality.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.campaign_quality.rest_conversion_rate IS 'The same for the users of the other buckets.';
COMMENT ON COLUMN cq.campaign_quality.conversion_p_value IS 'Two-sided p-value of the difference in conversion rate, bucket against the rest (pooled two-sample t-test).';
COMMENT ON COLUMN cq.campaign_quality.conversion_q_value IS 'Benjamini-Hochberg q-value across the buckets of the dimension.';
COMMENT ON COLUMN cq.campaign_quality.conversion_mdd IS 'Minimum detectable difference in conversion rate at 5 % and 80 % power for the bucket''s size.';
COMMENT ON COLUMN cq.campaign_quality.revenue_per_user IS 'Revenue within the horizon per user of the bucket.';
COMMENT ON COLUMN cq.campaign_quality.rest_revenue_per_user IS 'The same for the other buckets.';
COMMENT ON COLUMN cq.campaign_quality.revenue_p_value IS 'Two-sided p-value of the difference in revenue per user.';
COMMENT ON COLUMN cq.campaign_quality.revenue_q_value IS 'Benjamini-Hochberg q-value across the buckets.';
COMMENT ON COLUMN cq.campaign_quality.revenue_mdd IS 'Minimum detectable difference in revenue per user.';
COMMENT ON COLUMN cq.campaign_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';
-- Refresh of one registered source (README, "Reports"): cq.refresh (src/report.sql)
-- calls cq_internal.refresh_source for each source it refreshes.  A file of its own
-- because a release that changes how a refresh works replaces this function alone:
-- the install script and the update script both take it from here (CREATE OR
-- REPLACE), so it is written once.

-- One source: read it once in C (cq_internal.tracking_scan) for the tracking
-- figures and the volumes, and, when the source has a value column, customer
-- columns or funnels, once more, in the same snapshot, into a temporary table of
-- (user, time, arrival, event, value, id, channel, blank id, copy) for
-- cq.rank_events, match quality, orphans and funnels.  The caller holds the
-- source's row lock.  Returns the rows read and written.
CREATE OR REPLACE FUNCTION cq_internal.refresh_source(s cq.event_sources, OUT rows_read bigint,
                                          OUT quality_rows bigint, OUT funnel_rows bigint,
                                          OUT health_rows bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    rel regclass;
    t0 timestamptz := clock_timestamp();
    until timestamptz;
    f cq.funnels;
    n bigint;
    need_rows boolean;
    dim name;
BEGIN
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF rel IS NULL THEN
        RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
              quote_ident(s.relation_name), s.name
            USING ERRCODE = 'undefined_table',
                  DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                  HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
    END IF;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    PERFORM cq_internal.check_customer_columns(rel, s.customer_columns);

    -- What the reports need beyond cq.tracking_health: with a value column,
    -- customer columns or funnels, the rows are read once into a temporary
    -- table (for cq.rank_events, match quality, orphans and funnels) and the
    -- scan reads that table, so that every report comes from one snapshot;
    -- otherwise the scan reads the source itself.
    IF to_regclass('pg_temp.cq_refresh_rows') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_rows;
    END IF;
    IF to_regclass('pg_temp.cq_refresh_scan') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_scan;
    END IF;
    need_rows := s.value_column IS NOT NULL OR s.customer_columns IS NOT NULL
                 OR s.dimension_columns IS NOT NULL
                 OR EXISTS (SELECT 1 FROM cq.funnels fu WHERE fu.source = s.name);
    IF need_rows THEN
        -- copies: the rule of cq.rank_events (cq.dedup_key, cq.dedup_keep within
        -- 48 hours), rows it skips (time at +-infinity, revenue not finite) kept
        -- out of the windows
        EXECUTE format(
            'CREATE TEMPORARY TABLE cq_refresh_rows ON COMMIT DROP AS '
            'SELECT *, CASE WHEN k IS NOT NULL AND ok '
            '               THEN k::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) '
            '                    pg_catalog.sum(CASE WHEN copy THEN 0 ELSE 1 END) '
            '                    OVER (PARTITION BY k, ok ORDER BY t ROWS UNBOUNDED PRECEDING) '
            '               ELSE ''r'' OPERATOR(pg_catalog.||) pg_catalog.row_number() OVER () END AS grp '
            '  FROM (SELECT u, t, a, ev, v, id, channel, m, fb_external_id, fb_fbp, dims, k, ok, '
            '       k IS NULL AND %s AS blank_id, '
            '       CASE WHEN k IS NULL OR NOT ok THEN false '
            '            ELSE NOT cq.dedup_keep(t, ''48 hours''::pg_catalog.interval) '
            '                 OVER (PARTITION BY k, ok ORDER BY t) END AS copy '
            '  FROM (SELECT *, pg_catalog.isfinite(t) AND coalesce(CASE WHEN v OPERATOR(pg_catalog.<>) 0 THEN v END '
            '                  OPERATOR(pg_catalog.<>) ALL (''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]), true) AS ok, '
            '               cq.dedup_key(ev, id) AS k '
            '          FROM (SELECT e.%I AS u, e.%I::pg_catalog.timestamptz AS t, %s AS a, '
            '                       e.%I::pg_catalog.text AS ev, %s AS v, %s AS id, %s AS channel, %s AS m, '
            '                       %s AS fb_external_id, %s AS fb_fbp, %s AS dims '
            '                  FROM %s e '
            '                 WHERE e.%I IS NOT NULL AND e.%I IS NOT NULL AND e.%I IS NOT NULL) r) q) c',
            (s.event_id_column IS NOT NULL)::text,
            s.user_column, s.time_column,
            CASE WHEN s.received_at_column IS NULL THEN 'NULL::pg_catalog.timestamptz'
                 ELSE format('e.%I::pg_catalog.timestamptz', s.received_at_column) END,
            s.event_column,
            CASE WHEN s.value_column IS NULL THEN 'NULL::pg_catalog.float8'
                 ELSE format('e.%I::pg_catalog.float8', s.value_column) END,
            CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
                 ELSE format('e.%I::pg_catalog.text', s.event_id_column) END,
            CASE WHEN s.source_column IS NULL THEN 'NULL::pg_catalog.text'
                 ELSE format('e.%I::pg_catalog.text', s.source_column) END,
            -- the customer information, as {identifier: value}
            coalesce((SELECT 'pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('
                             || string_agg(format('%L, e.%I::pg_catalog.text', c.key, c.value), ', ')
                             || '))'
                        FROM jsonb_each_text(s.customer_columns) c WHERE c.key <> 'phone_region'),
                     'NULL::pg_catalog.jsonb'),
            -- the fallback keys of the dedup key coverage, as text
            CASE WHEN s.customer_columns ? 'external_id'
                 THEN format('e.%I::pg_catalog.text', s.customer_columns->>'external_id')
                 ELSE 'NULL::pg_catalog.text' END,
            CASE WHEN s.customer_columns ? 'fbp'
                 THEN format('e.%I::pg_catalog.text', s.customer_columns->>'fbp')
                 ELSE 'NULL::pg_catalog.text' END,
            -- the dimension columns, as {column: value}
            coalesce((SELECT 'pg_catalog.jsonb_build_object('
                             || string_agg(format('%L, e.%I::pg_catalog.text', d, d), ', ')
                             || ')'
                        FROM unnest(s.dimension_columns) d),
                     'NULL::pg_catalog.jsonb'),
            rel, s.user_column, s.time_column, s.event_column);
        CREATE TEMPORARY TABLE cq_refresh_scan ON COMMIT DROP AS
        SELECT * FROM cq_internal.tracking_scan(
            'pg_temp.cq_refresh_rows'::regclass, 'u', 't', 'ev',
            CASE WHEN s.value_column IS NOT NULL THEN 'v'::name END,
            CASE WHEN s.event_id_column IS NOT NULL THEN 'id'::name END,
            CASE WHEN s.source_column IS NOT NULL THEN 'channel'::name END,
            CASE WHEN s.received_at_column IS NOT NULL THEN 'a'::name END,
            array_remove(ARRAY[CASE WHEN s.customer_columns ? 'external_id' THEN 'fb_external_id'::name END,
                               CASE WHEN s.customer_columns ? 'fbp' THEN 'fb_fbp'::name END], NULL),
            now());
    ELSE
        -- the scan: every figure of cq.tracking_health the rows decide alone,
        -- and one row per event name (day NULL) with its volumes
        CREATE TEMPORARY TABLE cq_refresh_scan ON COMMIT DROP AS
        SELECT * FROM cq_internal.tracking_scan(
            rel, s.user_column, s.time_column, s.event_column, NULL, s.event_id_column,
            s.source_column, s.received_at_column, NULL, now());
    END IF;
    -- The end of observation: the latest arrival when arrivals are known,
    -- else the latest event time, never later than now (a clock in the
    -- future must not make recent users look fully observed).
    SELECT coalesce(sum(x.rows), 0), coalesce(max(x.observed_until), now())
      INTO rows_read, until FROM pg_temp.cq_refresh_scan x WHERE x.day IS NULL;
    RAISE NOTICE 'cq.refresh: source "%": read % rows (%)', s.name, rows_read, clock_timestamp() - t0;

    -- tracking health, per UTC day of the event time and event name, from the
    -- scan's counts; a figure that needs a column the source did not register
    -- is NULL (the view's comments say which)
    DELETE FROM cq_internal.tracking_health_data d WHERE d.source = s.name;
    INSERT INTO cq_internal.tracking_health_data
    SELECT s.name, x.day, x.event_name, x.rows, x.events, x.users,
           CASE WHEN s.event_id_column IS NOT NULL THEN (x.rows - x.events)::float8 / x.rows END,
           CASE WHEN s.event_id_column IS NOT NULL THEN x.blank_ids::float8 / x.rows END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.server_events::float8 / x.events END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.browser_events::float8 / x.events END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.both_events::float8 / x.events END,
           -- dedup keys by channel: the event id, and what the fallback keys
           -- (external_id, fbp) add where the id is missing
           CASE WHEN s.source_column IS NOT NULL AND s.event_id_column IS NOT NULL AND x.browser_rows > 0
                THEN x.browser_id_rows::float8 / x.browser_rows END,
           CASE WHEN s.source_column IS NOT NULL AND s.event_id_column IS NOT NULL AND x.server_rows > 0
                THEN x.server_id_rows::float8 / x.server_rows END,
           CASE WHEN s.source_column IS NOT NULL AND (s.customer_columns ? 'external_id' OR s.customer_columns ? 'fbp')
                     AND x.browser_rows > 0
                THEN x.browser_fallback_rows::float8 / x.browser_rows END,
           CASE WHEN s.source_column IS NOT NULL AND (s.customer_columns ? 'external_id' OR s.customer_columns ? 'fbp')
                     AND x.server_rows > 0
                THEN x.server_fallback_rows::float8 / x.server_rows END,
           CASE WHEN s.event_id_column IS NOT NULL THEN x.reused_ids END,
           x.burst_events,
           NULL::bigint,       -- orphan_events, below
           NULL::bigint, NULL::bigint, NULL::boolean,  -- the volume band, below
           x.future_events,
           CASE WHEN s.received_at_column IS NOT NULL THEN x.late_events END,
           CASE WHEN s.received_at_column IS NOT NULL THEN x.stale_events END,
           x.median_lag_seconds, x.p95_lag_seconds,
           CASE WHEN s.source_column IS NOT NULL THEN x.channels END,
           now()
      FROM pg_temp.cq_refresh_scan x
     WHERE x.day IS NOT NULL;
    GET DIAGNOSTICS health_rows = ROW_COUNT;

    -- orphans: kept rows of an event that ends a defined funnel of two steps
    -- or more, with no row of an earlier step of such a funnel by the same
    -- user within that funnel's window before it (an index makes each check
    -- a probe)
    IF EXISTS (SELECT 1 FROM cq.funnels fu WHERE fu.source = s.name AND cardinality(fu.steps) > 1) THEN
        CREATE INDEX ON pg_temp.cq_refresh_rows (u, ev, t);
        UPDATE cq_internal.tracking_health_data d SET orphan_events = o.n
          FROM (SELECT (r.t AT TIME ZONE 'UTC')::date AS day, r.ev,
                       count(*) FILTER (WHERE NOT EXISTS (
                           SELECT 1 FROM cq.funnels fu, pg_temp.cq_refresh_rows e
                            WHERE fu.source = s.name AND cardinality(fu.steps) > 1
                              AND fu.steps[cardinality(fu.steps)] = r.ev
                              AND e.u = r.u AND e.ev = ANY (fu.steps[1:cardinality(fu.steps) - 1])
                              AND e.t <= r.t AND e.t >= r.t - fu."window")) AS n
                  FROM pg_temp.cq_refresh_rows r
                 WHERE NOT r.copy
                   AND r.ev IN (SELECT fu.steps[cardinality(fu.steps)] FROM cq.funnels fu
                                 WHERE fu.source = s.name AND cardinality(fu.steps) > 1)
                 GROUP BY 1, 2) o
         WHERE d.source = s.name AND d.day = o.day AND d.event_name = o.ev;
    END IF;

    -- volume anomalies: each day's rows of an event against the same weekday
    -- of the 4 weeks before (0 for a day without a row, from the event's first
    -- day to the last day not in the future): expected between half the
    -- smallest and 1.5 times the largest of the 4; a day outside is flagged,
    -- and a day with no row that was expected to have some gets a row of 0
    WITH days AS (
        SELECT d.event_name, d.day, d.rows FROM cq_internal.tracking_health_data d
         WHERE d.source = s.name AND isfinite(d.day) AND d.day <= current_date),
    grid AS (
        SELECT e.event_name, g::date AS day
          FROM (SELECT event_name, min(day) AS first FROM days GROUP BY 1) e,
               generate_series(e.first, (SELECT max(day) FROM days), interval '1 day') g),
    vol AS (
        SELECT g.event_name, g.day, coalesce(d.rows, 0) AS rows, d.rows IS NULL AS missing
          FROM grid g LEFT JOIN days d ON d.event_name = g.event_name AND d.day = g.day),
    past AS (
        SELECT v.*, ARRAY[lag(v.rows, 7) OVER w, lag(v.rows, 14) OVER w, lag(v.rows, 21) OVER w,
                          lag(v.rows, 28) OVER w] AS weeks
          FROM vol v WINDOW w AS (PARTITION BY v.event_name ORDER BY v.day)),
    band AS (
        SELECT p.event_name, p.day, p.rows, p.missing,
               floor(0.5 * (SELECT min(x) FROM unnest(p.weeks) x))::bigint AS lo,
               ceil(1.5 * (SELECT max(x) FROM unnest(p.weeks) x))::bigint AS hi
          FROM past p WHERE array_position(p.weeks, NULL) IS NULL),
    upd AS (
        UPDATE cq_internal.tracking_health_data d
           SET expected_low = b.lo, expected_high = b.hi,
               volume_anomaly = d.rows < b.lo OR d.rows > b.hi
          FROM band b
         WHERE d.source = s.name AND d.event_name = b.event_name AND d.day = b.day AND NOT b.missing)
    INSERT INTO cq_internal.tracking_health_data (source, day, event_name, rows, events, users,
                                                  burst_events, future_events, expected_low,
                                                  expected_high, volume_anomaly, refreshed_at)
    SELECT s.name, b.day, b.event_name, 0, 0, 0, 0, 0, b.lo, b.hi, true, now()
      FROM band b WHERE b.missing AND b.lo >= 1;
    GET DIAGNOSTICS n = ROW_COUNT;
    health_rows := health_rows + n;
    RAISE NOTICE 'cq.refresh: source "%": tracking health, % days and events (%)', s.name, health_rows,
        clock_timestamp() - t0;

    -- match quality: per event name and identifier, the share of the
    -- deduplicated events that carry it (on any copy) and that carry a
    -- usable value (cq_internal.identifier_valid)
    DELETE FROM cq_internal.match_quality_data d WHERE d.source = s.name;
    IF s.customer_columns IS NOT NULL THEN
        INSERT INTO cq_internal.match_quality_data
        WITH events AS (
            SELECT r.grp, min(r.ev) FILTER (WHERE NOT r.copy) AS ev
              FROM pg_temp.cq_refresh_rows r GROUP BY r.grp),
        n AS (SELECT e.ev, count(*) AS events FROM events e WHERE e.ev IS NOT NULL GROUP BY 1),
        carried AS (
            SELECT r.grp, c.key AS identifier,
                   bool_or(btrim(c.value) <> '') AS present,
                   bool_or(coalesce(cq_internal.identifier_valid(c.key, c.value,
                                                                 s.customer_columns->>'phone_region'), false))
                       AS valid
              FROM pg_temp.cq_refresh_rows r, jsonb_each_text(r.m) c
             GROUP BY 1, 2),
        ids AS (SELECT k AS identifier FROM jsonb_object_keys(s.customer_columns) k WHERE k <> 'phone_region')
        SELECT s.name, n.ev, i.identifier, n.events,
               count(*) FILTER (WHERE c.present)::float8 / n.events,
               count(*) FILTER (WHERE c.valid)::float8 / n.events,
               cq_internal.match_weight(i.identifier), now()
          FROM n CROSS JOIN ids i
          LEFT JOIN events e ON e.ev = n.ev
          LEFT JOIN carried c ON c.grp = e.grp AND c.identifier = i.identifier
         GROUP BY n.ev, i.identifier, n.events;
    END IF;

    -- event quality: volumes from the rows read, signal from cq.rank_events
    DELETE FROM cq_internal.event_quality_data d WHERE d.source = s.name;
    IF to_regclass('pg_temp.cq_refresh_rank') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_rank;
    END IF;
    CREATE TEMPORARY TABLE cq_refresh_rank ON COMMIT DROP AS
    SELECT * FROM cq.rank_events(NULL::regclass, interval '1 day') WITH NO DATA;
    IF s.value_column IS NOT NULL THEN
        INSERT INTO pg_temp.cq_refresh_rank
        SELECT * FROM cq.rank_events('pg_temp.cq_refresh_rows', s.horizon, user_column => 'u',
                                     time_column => 't', event_column => 'ev', value_column => 'v',
                                     observed_until => until, entry_events => s.entry_events,
                                     within => s.within,
                                     event_id_column => CASE WHEN s.event_id_column IS NOT NULL
                                                             THEN 'id'::name END);
    END IF;
    INSERT INTO cq_internal.event_quality_data
    SELECT s.name, v.ev, v.n, v.users, v.kept,
           CASE WHEN s.event_id_column IS NOT NULL THEN v.copies::float8 / v.n END,
           CASE WHEN s.event_id_column IS NOT NULL THEN v.blank::float8 / v.n END,
           coalesce(k.weekly_volume,
                    v.kept_until / greatest(1.0, extract(epoch FROM until - v.first_t) / 604800.0)),
           k.users_with_event, k.conversion_rate, k.baseline_conversion_rate, k.lift, k.odds_ratio,
           k.correlation, k.p_value, k.q_value, k.revenue_share,
           extract(epoch FROM k.median_event_latency)::float8 / 3600,
           extract(epoch FROM k.median_lead_time)::float8 / 3600,
           k.is_revenue_event, k.verdict, k.advice, coalesce(k.recommended, false), k.rank,
           (SELECT sum(mq.weight * mq.valid_share) FROM cq_internal.match_quality_data mq
             WHERE mq.source = s.name AND mq.event_name = v.ev), now()
      FROM (SELECT x.event_name AS ev, x.rows AS n, x.users, x.events AS kept, x.kept_until,
                   x.rows - x.events AS copies, x.blank_ids AS blank, x.first_time AS first_t
              FROM pg_temp.cq_refresh_scan x WHERE x.day IS NULL) v
      LEFT JOIN pg_temp.cq_refresh_rank k ON k.event_name = v.ev AND k.threshold = 1;
    GET DIAGNOSTICS quality_rows = ROW_COUNT;
    RAISE NOTICE 'cq.refresh: source "%": event quality, % event names (%)', s.name, quality_rows,
        clock_timestamp() - t0;

    -- campaign quality: cq.breakdown by each dimension column (entry rule; a user converts
    -- with revenue above zero within the source's horizon), over the rows that are not
    -- copies, through a temporary view of the rows read; needs a value column
    DELETE FROM cq_internal.campaign_quality_data d WHERE d.source = s.name;
    IF s.value_column IS NOT NULL AND s.dimension_columns IS NOT NULL THEN
        FOR dim IN SELECT x FROM unnest(s.dimension_columns) x LOOP
            EXECUTE format('CREATE OR REPLACE TEMPORARY VIEW cq_refresh_dimension AS '
                           'SELECT r.u, r.t, r.ev, r.v, r.dims OPERATOR(pg_catalog.->>) %L AS d '
                           '  FROM pg_temp.cq_refresh_rows r WHERE NOT r.copy', dim);
            INSERT INTO cq_internal.campaign_quality_data
            SELECT s.name, dim, b.*, now()
              FROM cq.breakdown('pg_temp.cq_refresh_dimension'::regclass, 'd', 'entry', NULL, NULL,
                                s.horizon, 100, 'u', 't', 'ev', 'v') b;
            GET DIAGNOSTICS n = ROW_COUNT;
            RAISE NOTICE 'cq.refresh: source "%": campaign quality by %, % buckets (%)', s.name, dim, n,
                clock_timestamp() - t0;
        END LOOP;
        DROP VIEW pg_temp.cq_refresh_dimension;
    END IF;

    -- funnels, over the rows that are not copies
    funnel_rows := 0;
    FOR f IN SELECT * FROM cq.funnels x WHERE x.source = s.name ORDER BY x.name LOOP
        DELETE FROM cq_internal.funnel_report_data d WHERE d.funnel = f.name;
        INSERT INTO cq_internal.funnel_report_data
        SELECT f.name, s.name, r.step, f.steps[r.step], r.users, r.conversion_from_previous,
               r.conversion_from_first, extract(epoch FROM r.median_from_previous)::float8,
               extract(epoch FROM r.p90_from_previous)::float8, now()
          FROM (SELECT cq.funnel_report(st, f."window", f.mode) AS rep
                  FROM (SELECT cq.funnel_events(x.t, x.ev, VARIADIC f.steps) AS st
                          FROM pg_temp.cq_refresh_rows x
                         WHERE NOT x.copy AND x.ev = ANY (f.steps)
                         GROUP BY x.u) p) q,
               unnest(q.rep) r;
        GET DIAGNOSTICS n = ROW_COUNT;
        funnel_rows := funnel_rows + n;
        RAISE NOTICE 'cq.refresh: source "%": funnel "%", % steps (%)', s.name, f.name, n,
            clock_timestamp() - t0;
    END LOOP;
    IF need_rows THEN
        DROP TABLE pg_temp.cq_refresh_rows;
    END IF;
    DROP TABLE pg_temp.cq_refresh_scan;
    DROP TABLE pg_temp.cq_refresh_rank;
END
$$;

COMMENT ON FUNCTION cq_internal.refresh_source(cq.event_sources) IS
'Computes the three reports of one source (cq.refresh holds its lock).';
-- Daily states (README, "Daily states and incremental refresh"): for a registered source,
-- per cohort day (the UTC day a user was assigned to a bucket), dimension and bucket, the
-- states of the cohort's users within the source's horizon: counts and exact revenue
-- sums, one cq.event_signal per event name, one cq.funnel_report_state per funnel.  A
-- trigger logs the days whose rows change; cq.refresh_daily reads only the days those
-- changes reach and rewrites only the cohorts they touch; the views roll the stored days
-- up when read.  New in 1.3.
--
-- The rules, as the README states them:
--   * a user's assignment, per dimension column: the first row with a value of it (ties:
--     the value in byte order), as cq.breakdown's entry rule; without one, the user's
--     first row and the NULL bucket.  "Total" (dimension NULL in the views) puts every
--     user in the NULL bucket at the first row.
--   * the user's outcome: rows in [assignment, assignment + horizon]; rows of one event
--     name and event id (cq.dedup_key; a blank id never matches) count once there (the
--     first); converted = a value above zero; revenue = the sum of the values (a value
--     that is NULL or not finite adds nothing).
--   * rows without a user, time or event name, or at +-infinity, are not read.
-- Cohort day D depends only on the rows of days D .. D + 1 + horizon; a change on day X
-- can therefore reach cohorts X - horizon - 1 .. X, and the cohorts a moved assignment
-- leaves and joins (both are recomputed).

-- ---------------------------------------------------------------------------
-- Storage
-- ---------------------------------------------------------------------------

CREATE TABLE cq_internal.daily_sources (
    source text PRIMARY KEY REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    relation_schema name NOT NULL,  -- the relation that carries the triggers
    relation_name name NOT NULL,
    time_column name NOT NULL,      -- the column whose days they log
    settings jsonb,
    enabled_by name NOT NULL DEFAULT current_user,
    enabled_at timestamptz NOT NULL DEFAULT now(),
    refreshed_at timestamptz
);

COMMENT ON TABLE cq_internal.daily_sources IS
'Sources that keep daily states (cq.enable_daily_states), and the settings (columns, horizon, dimensions, funnels) their states were computed with; NULL settings: not built yet.';

-- Days with changed rows, one row per statement and day (append only: a refresh deletes
-- the rows it has seen, so a row a transaction still open writes is left for the next
-- refresh, and no writer waits for another on a unique index); day 'infinity' (a TRUNCATE):
-- rebuild everything.  Written by the triggers of cq_internal.daily_log_changes with the
-- rights of whoever changes the source, hence INSERT for every role: a row only makes the
-- next refresh read more (days outside the range of readable times are ignored).
CREATE TABLE cq_internal.daily_changes (
    source text NOT NULL,
    day date NOT NULL
);
CREATE INDEX daily_changes_source_idx ON cq_internal.daily_changes (source);

COMMENT ON TABLE cq_internal.daily_changes IS
'Days with new, changed or deleted rows of a source since its last cq.refresh_daily, one row per statement and day (logged by triggers); day infinity: the source was truncated.';

CREATE TABLE cq_internal.daily_assignments (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,        -- '' for the total
    u text NOT NULL,
    first_t timestamptz NOT NULL,   -- the user's first row
    a timestamptz,                  -- the first row with a value of the dimension
    bucket text,                    -- that value
    day date NOT NULL,              -- cohort day: UTC day of coalesce(a, first_t)
    PRIMARY KEY (u, source, dimension)
);
-- (no index starts with the source: the statistics of this shared table may predate a
-- rebuild of one source and count none of its rows, and the planner would then scan all of
-- them by such an index once per probe; led by the user, the day and the first row, each
-- index serves only the probes it is for)
CREATE INDEX daily_assignments_day_idx ON cq_internal.daily_assignments (day, source, dimension);
CREATE INDEX daily_assignments_first_idx ON cq_internal.daily_assignments (first_t, source);

COMMENT ON TABLE cq_internal.daily_assignments IS
'Per source, dimension and user: the user''s first row, assignment (time and bucket) and cohort day, kept so that a refresh knows whom a changed day moves.';

CREATE TABLE cq_internal.daily_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,
    bucket text,
    users bigint NOT NULL,
    converters bigint NOT NULL,
    revenue numeric NOT NULL,
    revenue_sq numeric NOT NULL,
    base cq.event_signal NOT NULL   -- cq.event_signal(false, revenue) of every user
);
CREATE INDEX daily_states_idx ON cq_internal.daily_states (source, dimension, day);

COMMENT ON TABLE cq_internal.daily_states IS
'Per source, dimension, cohort day and bucket: users, converters, exact revenue sums and the signal state of revenue with no event (the rows of cq.cohort_days).';

CREATE TABLE cq_internal.daily_event_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,
    bucket text,
    event_name text NOT NULL,
    signal cq.event_signal NOT NULL  -- cq.event_signal(did the event, revenue) of every user
);
CREATE INDEX daily_event_states_idx ON cq_internal.daily_event_states (source, dimension, day);

COMMENT ON TABLE cq_internal.daily_event_states IS
'Per source, dimension, cohort day, bucket and event name done by a user of the cohort: cq.event_signal(user did the event within the horizon, revenue) over every user of the cohort and bucket. A cohort without the event contributes its daily_states.base.';

CREATE TABLE cq_internal.daily_funnel_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,
    bucket text,
    funnel text NOT NULL,
    report cq.funnel_state NOT NULL  -- cq.funnel_report_state of the cohort's users
);
CREATE INDEX daily_funnel_states_idx ON cq_internal.daily_funnel_states (source, dimension, day);

COMMENT ON TABLE cq_internal.daily_funnel_states IS
'Per source, dimension, cohort day, bucket and funnel of the source: cq.funnel_report_state of the users of the cohort (their rows within the horizon), rolled up by cq.cohort_funnels.';

CREATE TABLE cq_internal.daily_attribution_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,               -- the UTC day of the conversions
    model text NOT NULL,
    credits jsonb NOT NULL           -- cq.attribution_rollup of the users' cq.attribution_credits
);
CREATE INDEX daily_attribution_states_idx ON cq_internal.daily_attribution_states (source, day, dimension);

COMMENT ON TABLE cq_internal.daily_attribution_states IS
'Per source, dimension, conversion day and attribution model: the conversions of the day credited to the values of the dimension on the same user''s rows within the horizon before them (cq.attribution_credits, rolled up), read by cq.cohort_attribution.';

SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_sources', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_changes', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_assignments', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_states', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_event_states', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_funnel_states', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_attribution_states', '');

-- The row-level security of the other reports (src/report.sql): readers of a source's
-- relation see its rows, its managers change them.
ALTER TABLE cq_internal.daily_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_sources FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_sources FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_sources TO PUBLIC;

ALTER TABLE cq_internal.daily_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY loggers ON cq_internal.daily_changes FOR INSERT WITH CHECK (true);
CREATE POLICY readers ON cq_internal.daily_changes FOR SELECT
    USING (cq_internal.may_read_source(source) OR cq_internal.may_manage_source(source));
CREATE POLICY owners ON cq_internal.daily_changes FOR DELETE USING (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, DELETE ON cq_internal.daily_changes TO PUBLIC;

ALTER TABLE cq_internal.daily_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_assignments FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_assignments FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_assignments TO PUBLIC;

ALTER TABLE cq_internal.daily_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_states TO PUBLIC;

ALTER TABLE cq_internal.daily_event_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_event_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_event_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_event_states TO PUBLIC;

ALTER TABLE cq_internal.daily_attribution_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_attribution_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_attribution_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_attribution_states TO PUBLIC;

ALTER TABLE cq_internal.daily_funnel_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_funnel_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_funnel_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_funnel_states TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Change log
-- ---------------------------------------------------------------------------

-- Trigger function of the statement triggers cq.enable_daily_states puts on a source's
-- relation (arguments: source name, time column): logs the UTC days of the inserted,
-- deleted and old and new updated rows; a TRUNCATE logs day infinity.  Runs with the
-- rights of the role changing the relation (not SECURITY DEFINER: the cast of the time
-- column is that role's).
CREATE FUNCTION cq_internal.daily_log_changes()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO cq_internal.daily_changes VALUES (TG_ARGV[0], 'infinity');
        RETURN NULL;
    END IF;
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE format('INSERT INTO cq_internal.daily_changes '
                           'SELECT DISTINCT $1, (x.%1$I::pg_catalog.timestamptz AT TIME ZONE ''UTC'')::pg_catalog.date '
                           '  FROM cq_daily_new x WHERE x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.>=) $2 '
                           '   AND x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.<) $3', TG_ARGV[1])
                USING TG_ARGV[0], cq_internal.daily_time_low(), cq_internal.daily_time_high();
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            EXECUTE format('INSERT INTO cq_internal.daily_changes '
                           'SELECT DISTINCT $1, (x.%1$I::pg_catalog.timestamptz AT TIME ZONE ''UTC'')::pg_catalog.date '
                           '  FROM cq_daily_old x WHERE x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.>=) $2 '
                           '   AND x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.<) $3', TG_ARGV[1])
                USING TG_ARGV[0], cq_internal.daily_time_low(), cq_internal.daily_time_high();
        END IF;
    EXCEPTION WHEN undefined_column THEN
        -- the time column was renamed or dropped: the write goes through, and the next
        -- refresh (which then asks for the source to be registered again) rebuilds
        INSERT INTO cq_internal.daily_changes VALUES (TG_ARGV[0], 'infinity');
    END;
    RETURN NULL;
END
$$;

-- The range of times daily states read (README): rows outside it are not read, like rows
-- at +-infinity, so that every day +- a horizon stays a valid timestamp.
CREATE FUNCTION cq_internal.daily_time_low()
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT timestamptz '0001-01-01 00:00:00+00' $$;

CREATE FUNCTION cq_internal.daily_time_high()
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT timestamptz '100000-01-01 00:00:00+00' $$;

COMMENT ON FUNCTION cq_internal.daily_time_low() IS
'First time daily states read (0001-01-01 UTC, included).';
COMMENT ON FUNCTION cq_internal.daily_time_high() IS
'End of the times daily states read (100000-01-01 UTC, excluded).';

COMMENT ON FUNCTION cq_internal.daily_log_changes() IS
'Statement trigger of a source with daily states (arguments: source, time column): logs the UTC days of the rows a statement inserts, updates or deletes into cq_internal.daily_changes, and day infinity for a TRUNCATE.';

-- The names of the four triggers of a source (a relation may back several sources)
CREATE FUNCTION cq_internal.daily_trigger_names(source text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.array_agg(p OPERATOR(pg_catalog.||) pg_catalog.left(pg_catalog.md5($1), 16) ORDER BY o)
  FROM pg_catalog.unnest(ARRAY['cq_daily_insert_', 'cq_daily_update_', 'cq_daily_delete_',
                               'cq_daily_truncate_']) WITH ORDINALITY x(p, o)
$$;

COMMENT ON FUNCTION cq_internal.daily_trigger_names(text) IS
'Names of the insert, update, delete and truncate triggers of a source''s daily states: a prefix and 16 hex digits of the md5 of the source name.';

-- Drop the triggers of a source's daily states that are on relation rel
CREATE FUNCTION cq_internal.daily_drop_triggers(source text, rel regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t name;
BEGIN
    FOR t IN SELECT g.tgname FROM pg_catalog.pg_trigger g
              WHERE g.tgrelid = rel AND g.tgname = ANY (cq_internal.daily_trigger_names(source)) LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t, rel);
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_drop_triggers(text, regclass) IS
'Drops the triggers of a source''s daily states from its relation (those that exist).';

-- The registered source "source", with the checks every daily-state function makes:
-- it exists, its relation exists and the caller may manage it.
CREATE FUNCTION cq_internal.daily_source(source text, action text)
RETURNS cq.event_sources
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cq.event_sources;
    rel regclass;
BEGIN
    SELECT * INTO s FROM cq.event_sources x WHERE x.name = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" is not registered', source
            USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the registered sources.';
    END IF;
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF rel IS NULL THEN
        RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
              quote_ident(s.relation_name), s.name
            USING ERRCODE = 'undefined_table',
                  DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                  HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
    END IF;
    IF NOT cq_internal.may_manage_source(source) THEN
        RAISE EXCEPTION 'must be owner of the relation of source "%" to %', source, action
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Daily states are kept by the owner of the source relation (or a member of its role).';
    END IF;
    IF NOT cq_internal.may_refresh_source(source) THEN
        RAISE EXCEPTION 'a superuser does not % of source "%": its relation belongs to role %', action,
              source, quote_ident(s.relation_owner)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Reading it would run functions and casts of that role with superuser rights.',
                  HINT = format('Do it as %s.', quote_ident(s.relation_owner));
    END IF;
    RETURN s;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_source(text, text) IS
'The registered source, after the checks of the daily-state functions (registered, relation alive, caller may manage and refresh it); action completes the messages.';

CREATE FUNCTION cq.enable_daily_states(source text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cq.event_sources;
    rel regclass;
    trg text[] := cq_internal.daily_trigger_names(source);
BEGIN
    s := cq_internal.daily_source(source, 'keep daily states');
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF s.value_column IS NULL THEN
        RAISE EXCEPTION 'source "%" has no value column', source
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Daily states count converters and revenue: a user converts with a value above zero.',
                  HINT = 'Register the source again with value_column => ''revenue''.';
    END IF;
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = rel) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'relation % of source "%" is not a table', rel, source
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Changes are logged by triggers, which only tables have.',
                  HINT = 'Register the table the view reads, or use cq.refresh, which reads views too.';
    END IF;
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = rel) = 'p' THEN
        RAISE EXCEPTION 'relation % of source "%" is partitioned', rel, source
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Rows written to a partition directly, and partitions attached or truncated, would not pass the statement triggers of the partitioned table.',
                  HINT = 'Keep daily states of an unpartitioned table, or use cq.refresh.';
    END IF;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, NULL, NULL);
    PERFORM cq_internal.check_source_column(rel, d, 'dimension_columns', 'any', true)
       FROM unnest(s.dimension_columns) d;
    -- the triggers, again (CREATE TRIGGER checks the caller's rights), and off the relation
    -- the source had before when it was registered again since
    PERFORM cq_internal.daily_drop_triggers(source, x.old_rel)
       FROM (SELECT to_regclass(format('%I.%I', d.relation_schema, d.relation_name)) AS old_rel
               FROM cq_internal.daily_sources d WHERE d.source = enable_daily_states.source) x
      WHERE x.old_rel IS NOT NULL AND x.old_rel <> rel;
    PERFORM cq_internal.daily_drop_triggers(source, rel);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS cq_daily_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[1], rel, source, s.time_column);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS cq_daily_old '
                   'NEW TABLE AS cq_daily_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[2], rel, source, s.time_column);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS cq_daily_old '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[3], rel, source, s.time_column);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[4], rel, source, s.time_column);
    INSERT INTO cq_internal.daily_sources AS d (source, relation_schema, relation_name, time_column)
    VALUES (enable_daily_states.source, s.relation_schema, s.relation_name, s.time_column)
        ON CONFLICT ON CONSTRAINT daily_sources_pkey
        DO UPDATE SET settings = NULL, relation_schema = excluded.relation_schema,
                      relation_name = excluded.relation_name, time_column = excluded.time_column;
END
$$;

COMMENT ON FUNCTION cq.enable_daily_states(text) IS
'Keeps daily states for a registered source with a value column whose relation is a table: puts four statement triggers on it that log the days of changed rows (the caller needs the right to create triggers on it); the first cq.refresh_daily builds the states. Again on an enabled source: the triggers are put back and the next refresh rebuilds.';

CREATE FUNCTION cq.disable_daily_states(source text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cq.event_sources;
BEGIN
    s := cq_internal.daily_source(source, 'drop daily states');
    DELETE FROM cq_internal.daily_sources d WHERE d.source = disable_daily_states.source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" keeps no daily states', source
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;

COMMENT ON FUNCTION cq.disable_daily_states(text) IS
'Drops the triggers and every daily state of a source.';

-- When a source stops keeping daily states (cq.disable_daily_states, or its
-- registration removed: the foreign key cascades), its triggers and logged days go too.
CREATE FUNCTION cq_internal.daily_sources_deleted()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel regclass := to_regclass(format('%I.%I', OLD.relation_schema, OLD.relation_name));
BEGIN
    IF rel IS NOT NULL THEN
        BEGIN
            PERFORM cq_internal.daily_drop_triggers(OLD.source, rel);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'the triggers of the daily states of source "%" stay on %', OLD.source, rel
                USING DETAIL = 'Only the owner of the table may drop them; they log changed days, nothing else.',
                      HINT = format('The owner of %s may drop the triggers whose names begin with cq_daily_.', rel);
        END;
    END IF;
    -- (after cq.unregister_source the row-level security of the log keeps its rows:
    -- nothing logs them any more, and a source enabled again starts with a rebuild)
    DELETE FROM cq_internal.daily_changes c WHERE c.source = OLD.source;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_sources_deleted() IS
'Trigger of cq_internal.daily_sources: drops the change-logging triggers of a source that no longer keeps daily states, and its logged days.';

CREATE TRIGGER daily_sources_deleted AFTER DELETE ON cq_internal.daily_sources
    FOR EACH ROW EXECUTE FUNCTION cq_internal.daily_sources_deleted();

-- ---------------------------------------------------------------------------
-- Refresh
-- ---------------------------------------------------------------------------

-- Read the rows of source s whose time lies in [lo, hi) (NULL: no bound), or whose
-- user is in users, into pg_temp.cq_daily_rows (u, t, ev, v, k, dims); rows without a
-- user, time or event name, or outside [daily_time_low, daily_time_high) (+-infinity
-- included), are not read; a value that is not finite is NULL.  Returns the rows read.
CREATE FUNCTION cq_internal.daily_read(s cq.event_sources, rel regclass, lo timestamptz,
                                       hi timestamptz, users text[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET extra_float_digits = 1
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format(
        'INSERT INTO pg_temp.cq_daily_rows '
        'SELECT e.%1$I::pg_catalog.text, e.%2$I::pg_catalog.timestamptz, e.%3$I::pg_catalog.text, '
        '       CASE WHEN e.%4$I::pg_catalog.float8 OPERATOR(pg_catalog.<>) '
        '                 ALL (''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]) '
        '            THEN e.%4$I::pg_catalog.numeric END, '
        '       %5$s, %6$s '
        '  FROM %7$s e '
        ' WHERE e.%1$I IS NOT NULL AND e.%3$I IS NOT NULL '
        '   AND e.%2$I OPERATOR(pg_catalog.>=) greatest($1, cq_internal.daily_time_low()) '
        '   AND e.%2$I OPERATOR(pg_catalog.<) least($2, cq_internal.daily_time_high()) '
        '   AND ($3 IS NULL OR e.%1$I OPERATOR(pg_catalog.=) ANY ($3::%8$s[]))',
        s.user_column, s.time_column, s.event_column, s.value_column,
        CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE format('cq.dedup_key(e.%I::pg_catalog.text, e.%I::pg_catalog.text)::pg_catalog.text',
                         s.event_column, s.event_id_column) END,
        coalesce((SELECT 'pg_catalog.jsonb_build_object('
                         || string_agg(format('%L, e.%I::pg_catalog.text', d, d), ', ')
                         || ')'
                    FROM unnest(s.dimension_columns) d),
                 'NULL::pg_catalog.jsonb'),
        rel,
        (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = rel AND a.attname = s.user_column))
        USING lo, hi, users;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_read(cq.event_sources, regclass, timestamptz, timestamptz, text[]) IS
'Reads the rows of a source in a time range (or of some users) into pg_temp.cq_daily_rows, with the caller''s privileges; returns the count.';

-- The first row and the assignment of each user of pg_temp.cq_daily_rows, per
-- dimension ('' for the total), into pg_temp.cq_daily_cand.
CREATE FUNCTION cq_internal.daily_candidates(dimensions text[])
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
INSERT INTO pg_temp.cq_daily_cand
SELECT x.dim, f.u, f.first_t, a.t, a.d
  FROM (SELECT r.u, min(r.t) AS first_t FROM pg_temp.cq_daily_rows r GROUP BY r.u) f
 CROSS JOIN unnest(ARRAY[''] || $1) x(dim)
  LEFT JOIN (SELECT DISTINCT ON (y.dim, r.u) y.dim, r.u, r.t, r.dims ->> y.dim AS d
               FROM pg_temp.cq_daily_rows r, unnest($1) y(dim)
              WHERE r.dims ->> y.dim IS NOT NULL
              ORDER BY y.dim, r.u, r.t, (r.dims ->> y.dim) COLLATE "C") a
         ON a.dim = x.dim AND a.u = f.u
$$;

COMMENT ON FUNCTION cq_internal.daily_candidates(text[]) IS
'Per dimension and user of pg_temp.cq_daily_rows: the first row, and the first row with a value of the dimension (ties: the value in byte order) and that value, into pg_temp.cq_daily_cand.';

-- Rebuild or bring up to date the daily states of one source (the caller holds the
-- lock of its cq_internal.daily_sources row).
CREATE FUNCTION cq_internal.daily_refresh_source(s cq.event_sources, rel regclass, full_rebuild boolean,
                                                 OUT rebuilt boolean, OUT changed_days integer,
                                                 OUT cohort_days integer, OUT rows_read bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET extra_float_digits = 1
AS $$
DECLARE
    dim_names text[] := coalesce(s.dimension_columns::text[], '{}');
    want jsonb;
    had jsonb;
    changed date[];
    lost_users text[];
    rng record;
    f cq.funnels;
    reach integer;
    tbl name;
BEGIN
    want := jsonb_build_object(
        'user', s.user_column, 'time', s.time_column, 'event', s.event_column,
        'value', s.value_column, 'event_id', s.event_id_column, 'horizon', s.horizon,
        'dimensions', dim_names,
        'funnels', coalesce((SELECT jsonb_agg(jsonb_build_array(x.name, x.steps, x."window", x.mode)
                                              ORDER BY x.name)
                               FROM cq.funnels x WHERE x.source = s.name), '[]'));
    SELECT d.settings INTO had FROM cq_internal.daily_sources d WHERE d.source = s.name;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, NULL, NULL);
    -- the triggers log the days of the relation and time column the source had when they
    -- were put on it
    IF NOT EXISTS (SELECT 1 FROM cq_internal.daily_sources d
                    WHERE d.source = s.name AND d.relation_schema = s.relation_schema
                      AND d.relation_name = s.relation_name AND d.time_column = s.time_column) THEN
        RAISE EXCEPTION 'source "%" was registered again with another relation or time column', s.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The triggers that log its changed days are on the relation and column it had when its daily states were enabled.',
                  HINT = format('Call cq.enable_daily_states(%L) again.', s.name);
    END IF;
    -- ... and they must still be there, enabled (a table dropped and another renamed in its
    -- place, a source renamed, a trigger disabled: changes would go unseen)
    IF (SELECT count(*) FROM pg_catalog.pg_trigger g
         WHERE g.tgrelid = rel AND g.tgenabled <> 'D'
           AND g.tgname = ANY (cq_internal.daily_trigger_names(s.name))) < 4 THEN
        RAISE EXCEPTION 'the triggers that log the changes of source "%" are missing or disabled on %',
              s.name, rel
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Without them a refresh would not see what changed.',
                  HINT = format('Call cq.enable_daily_states(%L) again (the next refresh rebuilds).', s.name);
    END IF;
    -- the changes logged so far are taken now: a change a transaction still open logs, or
    -- one committed later, stays for the next refresh; days outside the times read are
    -- dropped (only a hand-written row has one)
    WITH taken AS (DELETE FROM cq_internal.daily_changes c WHERE c.source = s.name RETURNING c.day)
    SELECT coalesce(array_agg(DISTINCT t.day ORDER BY t.day), '{}') INTO changed
      FROM taken t
     WHERE t.day = 'infinity'
        OR (t.day >= (cq_internal.daily_time_low() AT TIME ZONE 'UTC')::date
            AND t.day < (cq_internal.daily_time_high() AT TIME ZONE 'UTC')::date);
    -- how many days a horizon can reach at most: each part by its size, a month as 31 days
    -- (a horizon of '1 mon -30 days' reaches 1 day from Jan 31 and 3 from Mar 1)
    SELECT greatest(1, ceil(abs(m) * 31 + abs(d) + abs(e - (m * 30 + d) * 86400) / 86400.0))::int
      INTO reach
      FROM (SELECT extract(year FROM s.horizon) * 12 + extract(month FROM s.horizon) AS m,
                   extract(day FROM s.horizon) AS d, extract(epoch FROM s.horizon) AS e) h;
    rebuilt := full_rebuild OR had IS DISTINCT FROM want
               OR 'infinity'::date = ANY (changed);
    rows_read := 0;
    changed_days := cardinality(changed);
    cohort_days := 0;
    IF NOT rebuilt AND changed_days = 0 THEN
        RETURN;
    END IF;

    CREATE TEMPORARY TABLE cq_daily_rows (u text, t timestamptz, ev text, v numeric, k text, dims jsonb)
        ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_cand (dim text, u text, first_t timestamptz, a timestamptz, bucket text)
        ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_dirty (dim text, day date) ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_read_days (day date PRIMARY KEY) ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_conv_days (day date PRIMARY KEY) ON COMMIT DROP;

    IF rebuilt THEN
        -- everything: every row, every assignment, every cohort
        DELETE FROM cq_internal.daily_assignments a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_states a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_event_states a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_funnel_states a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_attribution_states a WHERE a.source = s.name;
        rows_read := cq_internal.daily_read(s, rel, NULL, NULL);
        PERFORM cq_internal.daily_candidates(dim_names);
        INSERT INTO cq_internal.daily_assignments
        SELECT s.name, c.dim, c.u, c.first_t, c.a, c.bucket,
               (coalesce(c.a, c.first_t) AT TIME ZONE 'UTC')::date
          FROM pg_temp.cq_daily_cand c;
        INSERT INTO pg_temp.cq_daily_dirty
        SELECT DISTINCT a.dimension, a.day FROM cq_internal.daily_assignments a WHERE a.source = s.name;
        changed_days := (SELECT count(DISTINCT (r.t AT TIME ZONE 'UTC')::date) FROM pg_temp.cq_daily_rows r);
        INSERT INTO pg_temp.cq_daily_conv_days
        SELECT DISTINCT (r.t AT TIME ZONE 'UTC')::date FROM pg_temp.cq_daily_rows r WHERE r.v > 0;
    ELSE
        -- 1. the rows of the changed days
        INSERT INTO pg_temp.cq_daily_read_days SELECT unnest(changed);
        FOR rng IN SELECT min(g.day) AS lo, max(g.day) AS hi
                     FROM (SELECT d.day, d.day - (row_number() OVER (ORDER BY d.day))::int AS grp
                             FROM pg_temp.cq_daily_read_days d) g
                    GROUP BY g.grp ORDER BY 1 LOOP
            rows_read := rows_read + cq_internal.daily_read(s, rel, rng.lo::timestamptz,
                                                             (rng.hi + 1)::timestamptz);
        END LOOP;
        PERFORM cq_internal.daily_candidates(dim_names);
        ANALYZE pg_temp.cq_daily_cand;

        -- 2. new assignments of the users on changed days, and of the users whose first
        -- row or assignment was on one: rows before a stored first row or assignment
        -- can only be on changed days, so the stored value stands unless its own day
        -- changed; when that day changed and no row of it is as early, the user is
        -- "lost" and read again whole (a probe with an index on the user column)
        CREATE TEMPORARY TABLE cq_daily_merge ON COMMIT DROP AS
        -- (three index probes: the users read, first rows on changed days, assignments on
        -- changed days)
        WITH old AS (
            SELECT o.* FROM pg_temp.cq_daily_cand c,
                   LATERAL (SELECT * FROM cq_internal.daily_assignments o
                             WHERE o.source = s.name AND o.dimension = c.dim AND o.u = c.u
                            OFFSET 0) o     -- a probe per user, whatever the statistics say
            UNION
            SELECT o.* FROM unnest(changed) c(day),
                   LATERAL (SELECT * FROM cq_internal.daily_assignments o
                             WHERE o.first_t >= c.day::timestamptz AND o.first_t < (c.day + 1)::timestamptz
                               AND o.source = s.name OFFSET 0) o
            UNION
            SELECT o.* FROM unnest(changed) c(day), unnest(ARRAY[''] || dim_names) dd(dim),
                   LATERAL (SELECT * FROM cq_internal.daily_assignments o
                             WHERE o.day = c.day AND o.source = s.name AND o.dimension = dd.dim
                               AND o.a IS NOT NULL OFFSET 0) o),
        m AS (
            SELECT coalesce(c.dim, o.dimension) AS dim, coalesce(c.u, o.u) AS u,
                   o.first_t AS o_first, o.a AS o_a, o.bucket AS o_bucket, o.day AS o_day,
                   c.first_t AS c_first, c.a AS c_a, c.bucket AS c_bucket,
                   (o.first_t AT TIME ZONE 'UTC')::date = ANY (changed) AS o_first_changed,
                   (o.a AT TIME ZONE 'UTC')::date = ANY (changed) AS o_a_changed
              FROM old o FULL JOIN pg_temp.cq_daily_cand c ON c.dim = o.dimension AND c.u = o.u)
        SELECT m.dim, m.u, m.o_first, m.o_a, m.o_bucket, m.o_day,
               CASE WHEN m.o_first IS NULL THEN m.c_first
                    WHEN NOT m.o_first_changed THEN least(m.o_first, m.c_first)
                    WHEN m.c_first <= m.o_first THEN m.c_first END AS n_first,
               CASE WHEN m.o_a IS NULL OR m.o_first IS NULL THEN m.c_a
                    WHEN NOT m.o_a_changed THEN
                         CASE WHEN m.c_a < m.o_a OR (m.c_a = m.o_a AND m.c_bucket COLLATE "C" < m.o_bucket)
                              THEN m.c_a ELSE m.o_a END
                    WHEN m.c_a <= m.o_a THEN m.c_a END AS n_a,
               CASE WHEN m.o_a IS NULL OR m.o_first IS NULL THEN m.c_bucket
                    WHEN NOT m.o_a_changed THEN
                         CASE WHEN m.c_a < m.o_a OR (m.c_a = m.o_a AND m.c_bucket COLLATE "C" < m.o_bucket)
                              THEN m.c_bucket ELSE m.o_bucket END
                    WHEN m.c_a <= m.o_a THEN m.c_bucket END AS n_bucket,
               (m.o_first IS NOT NULL AND m.o_first_changed AND (m.c_first IS NULL OR m.c_first > m.o_first))
               OR (m.o_a IS NOT NULL AND m.o_a_changed AND (m.c_a IS NULL OR m.c_a > m.o_a)) AS lost
          FROM m;
        -- the lost users, read whole
        SELECT array_agg(DISTINCT x.u) INTO lost_users FROM pg_temp.cq_daily_merge x WHERE x.lost;
        IF lost_users IS NOT NULL THEN
            TRUNCATE pg_temp.cq_daily_rows, pg_temp.cq_daily_cand;
            rows_read := rows_read + cq_internal.daily_read(s, rel, NULL, NULL, lost_users);
            PERFORM cq_internal.daily_candidates(dim_names);
            UPDATE pg_temp.cq_daily_merge x SET n_first = NULL, n_a = NULL, n_bucket = NULL
             WHERE x.u = ANY (lost_users);
            UPDATE pg_temp.cq_daily_merge x SET n_first = c.first_t, n_a = c.a, n_bucket = c.bucket
              FROM pg_temp.cq_daily_cand c WHERE c.dim = x.dim AND c.u = x.u AND x.u = ANY (lost_users);
            TRUNCATE pg_temp.cq_daily_rows;
        END IF;
        -- the cohorts an assignment leaves and joins
        INSERT INTO pg_temp.cq_daily_dirty
        SELECT x.dim, x.o_day FROM pg_temp.cq_daily_merge x
         WHERE x.o_day IS NOT NULL
           AND (x.n_first IS NULL OR x.o_first IS DISTINCT FROM x.n_first OR x.o_a IS DISTINCT FROM x.n_a
                OR x.o_bucket IS DISTINCT FROM x.n_bucket)
        UNION
        SELECT x.dim, (coalesce(x.n_a, x.n_first) AT TIME ZONE 'UTC')::date FROM pg_temp.cq_daily_merge x
         WHERE x.n_first IS NOT NULL
           AND (x.o_first IS DISTINCT FROM x.n_first OR x.o_a IS DISTINCT FROM x.n_a
                OR x.o_bucket IS DISTINCT FROM x.n_bucket);
        -- written back by primary key: users gone are deleted, the others upserted
        ANALYZE pg_temp.cq_daily_merge;
        -- (rows found by primary-key probes and deleted by ctid: a plan chosen on statistics
        -- taken before a rebuild would otherwise scan every assignment of the source once per
        -- user, as the benchmark found)
        DELETE FROM cq_internal.daily_assignments o
         WHERE o.ctid = ANY (ARRAY(
               SELECT a.ctid FROM pg_temp.cq_daily_merge x,
                      LATERAL (SELECT a.ctid FROM cq_internal.daily_assignments a
                                WHERE a.source = s.name AND a.dimension = x.dim AND a.u = x.u OFFSET 0) a
                WHERE x.n_first IS NULL));
        INSERT INTO cq_internal.daily_assignments AS o
        SELECT s.name, x.dim, x.u, x.n_first, x.n_a, x.n_bucket,
               (coalesce(x.n_a, x.n_first) AT TIME ZONE 'UTC')::date
          FROM pg_temp.cq_daily_merge x WHERE x.n_first IS NOT NULL
        ON CONFLICT ON CONSTRAINT daily_assignments_pkey
        DO UPDATE SET first_t = excluded.first_t, a = excluded.a, bucket = excluded.bucket, day = excluded.day
         WHERE (o.first_t, o.a, o.bucket) IS DISTINCT FROM (excluded.first_t, excluded.a, excluded.bucket);
        DROP TABLE pg_temp.cq_daily_merge;

        -- 3. the cohorts a changed day X can reach: X - horizon - 1 day .. X (the horizon in
        -- days as above: reach)
        INSERT INTO pg_temp.cq_daily_dirty
        SELECT DISTINCT dd.dim, g::date
          FROM unnest(changed) c(day), unnest(ARRAY[''] || dim_names) dd(dim),
               generate_series(c.day - reach - 1, c.day, interval '1 day') g;
        -- ... and the conversion days it can reach: X .. X + 1 day + horizon (the touches
        -- credited, and the earlier copy that makes a conversion row a copy, lie within the
        -- horizon before the conversion's day)
        INSERT INTO pg_temp.cq_daily_conv_days
        SELECT DISTINCT g::date
          FROM unnest(changed) c(day),
               generate_series(c.day, c.day + reach + 1, interval '1 day') g;
        -- 4. the rows those cohorts need, days D .. D + 1 day + horizon, and those the
        -- conversion days need, X - horizon - 1 day .. X
        TRUNCATE pg_temp.cq_daily_rows;
        DELETE FROM pg_temp.cq_daily_read_days;
        INSERT INTO pg_temp.cq_daily_read_days
        SELECT g::date
          FROM (SELECT DISTINCT d.day FROM pg_temp.cq_daily_dirty d) d,
               generate_series(d.day, d.day + reach + 1, interval '1 day') g
        UNION
        SELECT g::date
          FROM pg_temp.cq_daily_conv_days c,
               generate_series(c.day - reach - 1, c.day, interval '1 day') g;
        FOR rng IN SELECT min(g.day) AS lo, max(g.day) AS hi
                     FROM (SELECT d.day, d.day - (row_number() OVER (ORDER BY d.day))::int AS grp
                             FROM pg_temp.cq_daily_read_days d) g
                    GROUP BY g.grp ORDER BY 1 LOOP
            rows_read := rows_read + cq_internal.daily_read(s, rel, rng.lo::timestamptz,
                                                             (rng.hi + 1)::timestamptz);
        END LOOP;
        ANALYZE pg_temp.cq_daily_dirty;
        -- the states of those cohorts and conversion days go, found by index probes (as above);
        -- the three tables keyed by (source, dimension, day) alike
        FOREACH tbl IN ARRAY ARRAY['daily_states', 'daily_event_states', 'daily_funnel_states'] LOOP
            EXECUTE format(
                'DELETE FROM cq_internal.%1$I x '
                ' WHERE x.ctid = ANY (ARRAY('
                '       SELECT y.ctid FROM pg_temp.cq_daily_dirty d,'
                '              LATERAL (SELECT z.ctid FROM cq_internal.%1$I z'
                '                        WHERE z.source = $1 AND z.dimension = d.dim AND z.day = d.day'
                '                       OFFSET 0) y))', tbl)
                USING s.name;
        END LOOP;
        DELETE FROM cq_internal.daily_attribution_states x
         WHERE x.ctid = ANY (ARRAY(
               SELECT y.ctid FROM pg_temp.cq_daily_conv_days c,
                      LATERAL (SELECT z.ctid FROM cq_internal.daily_attribution_states z
                                WHERE z.source = s.name AND z.day = c.day OFFSET 0) y));
    END IF;

    -- the states of the dirty cohorts: each user's rows within the horizon, one row per
    -- event name and id
    ANALYZE pg_temp.cq_daily_rows;
    -- (the users first, counted by ANALYZE, so that the planner joins them to the rows by
    -- hash whatever the statistics of the shared table say)
    CREATE TEMPORARY TABLE cq_daily_members ON COMMIT DROP AS
    SELECT a.dimension AS dim, a.day, a.bucket, a.u, coalesce(a.a, a.first_t) AS at
      FROM (SELECT DISTINCT d.dim, d.day FROM pg_temp.cq_daily_dirty d) d,
           LATERAL (SELECT * FROM cq_internal.daily_assignments a
                     WHERE a.day = d.day AND a.source = s.name AND a.dimension = d.dim OFFSET 0) a;
    ANALYZE pg_temp.cq_daily_members;
    CREATE TEMPORARY TABLE cq_daily_users ON COMMIT DROP AS
    SELECT x.dim, x.day, x.bucket, x.u, x.t, x.ev, x.v
      FROM (SELECT m.dim, m.day, m.bucket, m.u, r.t, r.ev, r.v, r.k,
                   row_number() OVER (PARTITION BY m.dim, m.u, r.k ORDER BY r.t, r.v) AS nth
              FROM pg_temp.cq_daily_members m
              JOIN pg_temp.cq_daily_rows r
                ON r.u = m.u AND r.t >= m.at AND r.t <= m.at + s.horizon) x
     WHERE x.k IS NULL OR x.nth = 1;
    ANALYZE pg_temp.cq_daily_users;
    cohort_days := (SELECT count(DISTINCT d.day) FROM pg_temp.cq_daily_dirty d);

    INSERT INTO cq_internal.daily_states
    SELECT s.name, p.dim, p.day, p.bucket, count(*), count(*) FILTER (WHERE p.conv),
           coalesce(sum(p.rev::numeric), 0), coalesce(sum(p.rev::numeric * p.rev::numeric), 0),
           cq.event_signal(false, p.rev)
      FROM (SELECT x.dim, x.day, x.bucket, x.u, coalesce(bool_or(x.v > 0), false) AS conv,
                   coalesce(sum(x.v), 0) AS rev
              FROM pg_temp.cq_daily_users x GROUP BY 1, 2, 3, 4) p
     GROUP BY p.dim, p.day, p.bucket;

    INSERT INTO cq_internal.daily_event_states
    WITH pu AS (
        SELECT x.dim, x.day, x.bucket, x.u, coalesce(sum(x.v), 0) AS rev
          FROM pg_temp.cq_daily_users x GROUP BY 1, 2, 3, 4),
    did AS (SELECT DISTINCT x.dim, x.day, x.bucket, x.u, x.ev FROM pg_temp.cq_daily_users x),
    names AS (SELECT DISTINCT d.dim, d.day, d.bucket, d.ev FROM did d)
    SELECT s.name, n.dim, n.day, n.bucket, n.ev, cq.event_signal(d.u IS NOT NULL, pu.rev)
      FROM names n
      JOIN pu ON pu.dim = n.dim AND pu.day = n.day AND pu.bucket IS NOT DISTINCT FROM n.bucket
      LEFT JOIN did d ON d.dim = n.dim AND d.u = pu.u AND d.ev = n.ev
     GROUP BY n.dim, n.day, n.bucket, n.ev;

    FOR f IN SELECT * FROM cq.funnels x WHERE x.source = s.name ORDER BY x.name LOOP
        INSERT INTO cq_internal.daily_funnel_states
        SELECT s.name, p.dim, p.day, p.bucket, f.name, cq.funnel_report_state(p.st, f."window", f.mode)
          FROM (SELECT x.dim, x.day, x.bucket, x.u, cq.funnel_events(x.t, x.ev, VARIADIC f.steps) AS st
                  FROM pg_temp.cq_daily_users x
                 WHERE x.ev = ANY (f.steps)
                 GROUP BY 1, 2, 3, 4) p
         GROUP BY p.dim, p.day, p.bucket
        HAVING cq.funnel_report_state(p.st, f."window", f.mode) IS NOT NULL;
    END LOOP;

    -- attribution: per dimension and conversion day, the day's conversions (a value above
    -- zero; a row whose event name and id an earlier row of the user has within the horizon
    -- before the day is a copy) credited under each model to the dimension's values on the
    -- user's rows within the horizon before them (cq.attribution_credits, half-life 7 days)
    IF dim_names <> '{}' THEN
        ANALYZE pg_temp.cq_daily_conv_days;
        INSERT INTO cq_internal.daily_attribution_states
        WITH marked AS (
            SELECT r.*, (r.t AT TIME ZONE 'UTC')::date AS day,
                   lag(r.t) OVER (PARTITION BY r.u, r.k ORDER BY r.t, r.v) AS prev_t
              FROM pg_temp.cq_daily_rows r),
        conv AS (
            SELECT m.u, m.t, m.v, m.day FROM marked m
             WHERE m.v > 0 AND m.day IN (SELECT c.day FROM pg_temp.cq_daily_conv_days c)
               AND (m.k IS NULL OR m.prev_t IS NULL
                    OR m.prev_t < (m.day::timestamp - s.horizon)::timestamptz)),
        conv_users AS (SELECT DISTINCT c.u, c.day FROM conv c),
        input AS (          -- per dimension, day and user: touches, then conversions
            SELECT x.dim, cu.day, cu.u, r.t, r.dims ->> x.dim AS channel, false AS is_conv,
                   NULL::float8 AS v
              FROM conv_users cu
              JOIN pg_temp.cq_daily_rows r ON r.u = cu.u
               AND r.t >= (cu.day::timestamp - s.horizon)::timestamptz
               AND r.t < (cu.day + 1)::timestamptz
             CROSS JOIN unnest(dim_names) x(dim)
             WHERE r.dims ->> x.dim IS NOT NULL
            UNION ALL
            SELECT x.dim, c.day, c.u, c.t, NULL, true, c.v
              FROM conv c CROSS JOIN unnest(dim_names) x(dim)),
        per_user AS (
            SELECT i.dim, i.day, md.model,
                   cq.attribution_credits(i.t, i.channel, i.is_conv, i.v, md.model, s.horizon,
                                          interval '7 days') AS credits
              FROM input i
             CROSS JOIN unnest(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear',
                                     'position_based', 'time_decay']) md(model)
             GROUP BY i.dim, i.day, i.u, md.model)
        SELECT s.name, p.dim, p.day, p.model, cq.attribution_rollup(p.credits)
          FROM per_user p GROUP BY p.dim, p.day, p.model;
    END IF;

    UPDATE cq_internal.daily_sources d SET settings = want, refreshed_at = now()
     WHERE d.source = s.name;
    DROP TABLE pg_temp.cq_daily_rows, pg_temp.cq_daily_cand, pg_temp.cq_daily_dirty,
               pg_temp.cq_daily_read_days, pg_temp.cq_daily_members, pg_temp.cq_daily_users,
               pg_temp.cq_daily_conv_days;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_refresh_source(cq.event_sources, regclass, boolean) IS
'Rebuilds the daily states of one source, or brings them up to date from its logged changes (README, "Daily states and incremental refresh").';

CREATE FUNCTION cq.refresh_daily(source text DEFAULT NULL, full_rebuild boolean DEFAULT false)
RETURNS TABLE (source_name text, rebuilt boolean, changed_days integer, cohort_days integer,
               rows_read bigint, elapsed interval)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    nm text;
    s cq.event_sources;
    rel regclass;
    r record;
    t0 timestamptz;
BEGIN
    IF refresh_daily.source IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM cq_internal.daily_sources d WHERE d.source = refresh_daily.source) THEN
        PERFORM cq_internal.daily_source(refresh_daily.source, 'refresh daily states');
        RAISE EXCEPTION 'source "%" keeps no daily states', refresh_daily.source
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Call cq.enable_daily_states(%L) first.', refresh_daily.source);
    END IF;
    -- in name order (one lock order: no deadlock); without a name, the sources the caller
    -- may manage, and one that is dead or a superuser may not read does not stop the others
    FOR nm IN SELECT d.source FROM cq_internal.daily_sources d
               WHERE (refresh_daily.source IS NULL AND cq_internal.may_manage_source(d.source))
                  OR d.source = refresh_daily.source
               ORDER BY d.source LOOP
        t0 := clock_timestamp();
        IF refresh_daily.source IS NULL THEN
            SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm;
            IF cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner) IS NULL THEN
                RAISE WARNING 'source "%" skipped: its relation %.% does not exist or is no longer owned by %',
                    nm, quote_ident(s.relation_schema), quote_ident(s.relation_name), quote_ident(s.relation_owner);
                CONTINUE;
            ELSIF NOT cq_internal.may_refresh_source(nm) THEN
                RAISE WARNING 'source "%" skipped: its relation belongs to role %, whose functions a superuser does not run; refresh it as %',
                    nm, quote_ident(s.relation_owner), quote_ident(s.relation_owner);
                CONTINUE;
            END IF;
        END IF;
        s := cq_internal.daily_source(nm, 'refresh daily states');
        rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
        PERFORM 1 FROM cq_internal.daily_sources d WHERE d.source = nm FOR UPDATE;
        r := cq_internal.daily_refresh_source(s, rel, coalesce(full_rebuild, false));
        source_name := nm;
        rebuilt := r.rebuilt;
        changed_days := r.changed_days;
        cohort_days := r.cohort_days;
        rows_read := r.rows_read;
        elapsed := clock_timestamp() - t0;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq.refresh_daily(text, boolean) IS
'Brings the daily states of a source (NULL: every source that keeps them and the caller may manage) up to date: reads only the days its logged changes reach (a changed day X: the rows of cohorts X - horizon - 1 day .. X, days up to X + horizon + 1), or everything when full_rebuild is true, after a TRUNCATE, or when the source''s columns, horizon, dimensions or funnels changed. One row per source: whether it was rebuilt, changed days, cohort days written, rows read, time.';

-- ---------------------------------------------------------------------------
-- Views: the stored days rolled up when read
-- ---------------------------------------------------------------------------

CREATE VIEW cq.cohort_days WITH (security_invoker = true) AS
SELECT x.source, nullif(x.dimension, '') AS dimension, x.bucket, x.day, x.users, x.converters,
       x.converters::float8 / x.users AS conversion_rate, x.revenue,
       (x.revenue / x.users)::float8 AS revenue_per_user,
       (x.day + 1 + s.horizon) AT TIME ZONE 'UTC' <= now() AS complete
  FROM cq_internal.daily_states x
  JOIN cq.event_sources s ON s.name = x.source
 WHERE cq_internal.may_read_source(x.source);

GRANT SELECT ON cq.cohort_days TO PUBLIC;

COMMENT ON VIEW cq.cohort_days IS
'Per source with daily states, dimension (NULL: all users), bucket and cohort day (the UTC day of the users'' assignment): users, converters and revenue within the horizon. Written by cq.refresh_daily.';
COMMENT ON COLUMN cq.cohort_days.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_days.users IS 'Users assigned that day to the bucket.';
COMMENT ON COLUMN cq.cohort_days.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.cohort_days.revenue_per_user IS 'revenue / users.';
COMMENT ON COLUMN cq.cohort_days.dimension IS 'Dimension column; NULL for the total (every user in the NULL bucket, assigned at the first row).';
COMMENT ON COLUMN cq.cohort_days.bucket IS 'Value of the dimension at the user''s first row with one; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_days.day IS 'UTC day of the assignment.';
COMMENT ON COLUMN cq.cohort_days.converters IS 'Users with a value above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.cohort_days.revenue IS 'Sum of the values within the horizon (exact).';
COMMENT ON COLUMN cq.cohort_days.complete IS 'The horizon of every user of the cohort has passed (day + 1 day + horizon <= now()).';

CREATE VIEW cq.cohort_quality WITH (security_invoker = true) AS
SELECT x.source, nullif(x.dimension, '') AS dimension, x.bucket, min(x.day) AS first_day,
       max(x.day) AS last_day, sum(x.users)::bigint AS users, sum(x.converters)::bigint AS converters,
       (sum(x.converters) / sum(x.users))::float8 AS conversion_rate, sum(x.revenue) AS revenue,
       (sum(x.revenue) / sum(x.users))::float8 AS revenue_per_user,
       CASE WHEN sum(x.users) > 1
            THEN sqrt(greatest((sum(x.revenue_sq) - sum(x.revenue) * sum(x.revenue) / sum(x.users))
                               / (sum(x.users) - 1), 0))::float8 END AS revenue_sd
  FROM cq_internal.daily_states x
 WHERE cq_internal.may_read_source(x.source)
 GROUP BY x.source, x.dimension, x.bucket;

GRANT SELECT ON cq.cohort_quality TO PUBLIC;

COMMENT ON VIEW cq.cohort_quality IS
'cq.cohort_days rolled up over every cohort day: per source, dimension and bucket, users, converters, conversion rate, revenue per user and its standard deviation (exact sums).';
COMMENT ON COLUMN cq.cohort_quality.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_quality.dimension IS 'Dimension column; NULL for the total.';
COMMENT ON COLUMN cq.cohort_quality.bucket IS 'Value of the dimension at the users'' assignment; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_quality.first_day IS 'First cohort day.';
COMMENT ON COLUMN cq.cohort_quality.last_day IS 'Last cohort day.';
COMMENT ON COLUMN cq.cohort_quality.users IS 'Users of the bucket, every cohort day.';
COMMENT ON COLUMN cq.cohort_quality.converters IS 'Users with a value above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.cohort_quality.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.cohort_quality.revenue IS 'Sum of the values within the horizon (exact).';
COMMENT ON COLUMN cq.cohort_quality.revenue_per_user IS 'revenue / users.';
COMMENT ON COLUMN cq.cohort_quality.revenue_sd IS 'Sample standard deviation of revenue per user (n - 1).';

CREATE VIEW cq.cohort_events WITH (security_invoker = true) AS
WITH names AS (
    SELECT DISTINCT e.source, e.dimension, e.event_name FROM cq_internal.daily_event_states e),
sig AS (
    SELECT b.source, b.dimension, b.bucket, n.event_name,
           cq.signal_rollup(coalesce(e.signal, b.base)) AS st
      FROM cq_internal.daily_states b
      JOIN names n ON n.source = b.source AND n.dimension = b.dimension
      LEFT JOIN cq_internal.daily_event_states e
        ON e.source = b.source AND e.dimension = b.dimension AND e.day = b.day
       AND e.bucket IS NOT DISTINCT FROM b.bucket AND e.event_name = n.event_name
     WHERE cq_internal.may_read_source(b.source)
     GROUP BY b.source, b.dimension, b.bucket, n.event_name)
SELECT sig.source, nullif(sig.dimension, '') AS dimension, sig.bucket, sig.event_name,
       cq.signal_n(sig.st) AS users, cq.signal_n_event(sig.st) AS users_with_event,
       cq.signal_mean(sig.st, true) AS revenue_per_user_with_event,
       cq.signal_mean(sig.st, false) AS revenue_per_user_without_event,
       cq.signal_lift(sig.st) AS lift, cq.signal_correlation(sig.st) AS correlation,
       cq.signal_p_value(sig.st) AS p_value, cq.signal_revenue_share(sig.st) AS revenue_share
  FROM sig;

GRANT SELECT ON cq.cohort_events TO PUBLIC;

COMMENT ON VIEW cq.cohort_events IS
'Per source with daily states, dimension, bucket and event name: the signal of doing the event within the horizon on revenue within the horizon, over every user of the bucket (cq.event_signal rolled up over the cohort days), with its accessors.';
COMMENT ON COLUMN cq.cohort_events.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_events.dimension IS 'Dimension column; NULL for the total.';
COMMENT ON COLUMN cq.cohort_events.bucket IS 'Value of the dimension at the users'' assignment; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_events.event_name IS 'Event name done by a user of the bucket within the horizon.';
COMMENT ON COLUMN cq.cohort_events.users IS 'Users of the bucket.';
COMMENT ON COLUMN cq.cohort_events.users_with_event IS 'Those who did the event within the horizon after their assignment.';
COMMENT ON COLUMN cq.cohort_events.revenue_per_user_with_event IS 'Mean revenue within the horizon of the users with the event.';
COMMENT ON COLUMN cq.cohort_events.revenue_per_user_without_event IS 'The same for the users without it.';
COMMENT ON COLUMN cq.cohort_events.lift IS 'Revenue per user with the event / revenue per user overall (cq.signal_lift).';
COMMENT ON COLUMN cq.cohort_events.correlation IS 'Correlation of doing the event with revenue (point-biserial, cq.signal_correlation).';
COMMENT ON COLUMN cq.cohort_events.p_value IS 'Two-sided p-value of the correlation (cq.signal_p_value).';
COMMENT ON COLUMN cq.cohort_events.revenue_share IS 'Share of the bucket''s revenue made by users with the event.';

CREATE VIEW cq.cohort_attribution WITH (security_invoker = true) AS
SELECT q.source, q.dimension, q.model, r.channel AS bucket, r.conversions, r.value, q.first_day,
       q.last_day
  FROM (SELECT a.source, a.dimension, a.model, min(a.day) AS first_day, max(a.day) AS last_day,
               cq.attribution_rollup(a.credits) AS credits
          FROM cq_internal.daily_attribution_states a
         WHERE cq_internal.may_read_source(a.source)
         GROUP BY a.source, a.dimension, a.model) q,
       cq.attribution_rows(q.credits) r;

GRANT SELECT ON cq.cohort_attribution TO PUBLIC;

COMMENT ON VIEW cq.cohort_attribution IS
'Per source with daily states and dimension columns, dimension, attribution model (first_touch, last_touch, last_non_direct, linear, position_based, time_decay with a 7-day half-life) and value of the dimension: the conversions (rows with a value above zero, copies within the horizon left out) credited to the dimension''s values on the same user''s rows within the source''s horizon before them, and their value, rolled up over the conversion days. bucket NULL: the unattributed conversions.';
COMMENT ON COLUMN cq.cohort_attribution.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_attribution.dimension IS 'Dimension column whose values are credited.';
COMMENT ON COLUMN cq.cohort_attribution.model IS 'Attribution model (as cq.attribute).';
COMMENT ON COLUMN cq.cohort_attribution.first_day IS 'First conversion day.';
COMMENT ON COLUMN cq.cohort_attribution.last_day IS 'Last conversion day.';
COMMENT ON COLUMN cq.cohort_attribution.bucket IS 'Value of the dimension credited (the "channel" of cq.attribute); NULL for conversions with no row carrying a value of it within the horizon before them.';
COMMENT ON COLUMN cq.cohort_attribution.conversions IS 'Conversions credited (fractions under the multi-touch models).';
COMMENT ON COLUMN cq.cohort_attribution.value IS 'Their value, credited likewise.';

CREATE VIEW cq.cohort_funnels WITH (security_invoker = true) AS
SELECT q.source, q.funnel, nullif(q.dimension, '') AS dimension, q.bucket, r.step::bigint AS step,
       fu.steps[r.step] AS step_name, r.users, r.conversion_from_previous, r.conversion_from_first,
       extract(epoch FROM r.median_from_previous)::float8 AS median_seconds_from_previous,
       extract(epoch FROM r.p90_from_previous)::float8 AS p90_seconds_from_previous
  FROM (SELECT f.source, f.funnel, f.dimension, f.bucket, cq.funnel_report_rollup(f.report) AS rep
          FROM cq_internal.daily_funnel_states f
         WHERE cq_internal.may_read_source(f.source)
         GROUP BY f.source, f.funnel, f.dimension, f.bucket) q
  JOIN cq.funnels fu ON fu.name = q.funnel,
       unnest(q.rep) r;

GRANT SELECT ON cq.cohort_funnels TO PUBLIC;

COMMENT ON VIEW cq.cohort_funnels IS
'Per source with daily states, funnel, dimension and bucket: cq.funnel_report of the users (their rows within the horizon after assignment), rolled up from the daily report states by cq.funnel_report_rollup.';
COMMENT ON COLUMN cq.cohort_funnels.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_funnels.funnel IS 'Funnel of the source (cq.define_funnel).';
COMMENT ON COLUMN cq.cohort_funnels.dimension IS 'Dimension column; NULL for the total.';
COMMENT ON COLUMN cq.cohort_funnels.bucket IS 'Value of the dimension at the users'' assignment; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_funnels.step IS 'Step number, from 1.';
COMMENT ON COLUMN cq.cohort_funnels.step_name IS 'Event name of the step.';
COMMENT ON COLUMN cq.cohort_funnels.users IS 'Users of the bucket whose funnel reached the step within the window (their rows within the horizon after assignment).';
COMMENT ON COLUMN cq.cohort_funnels.conversion_from_previous IS 'users / users of the previous step; NULL for step 1.';
COMMENT ON COLUMN cq.cohort_funnels.conversion_from_first IS 'users / users of step 1.';
COMMENT ON COLUMN cq.cohort_funnels.median_seconds_from_previous IS 'Median time from the previous step, in seconds (cq.funnel_report).';
COMMENT ON COLUMN cq.cohort_funnels.p90_seconds_from_previous IS '90th percentile of that time, in seconds.';
