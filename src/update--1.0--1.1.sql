/* src/update--1.0--1.1.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.1'; the
   Makefile appends src/report.sql (objects new in 1.1) to make conversion_quality--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.1'" to load this file. \quit

-- What changes (README, "Upgrading"):
-- * support functions move to schema cq_internal (no privilege changes for callers);
-- * cq.window_funnel and cq.funnel_events take VARIADIC "any" steps instead of the
--   1.0 forms with 1 to 8 separate booleans and VARIADIC boolean[]; one boolean[]
--   is a typed form of its own; the event-name forms stay as they are;
-- * cq.rank_sample gets an aggregate, a rollup and accessors;
-- * cq.dedup_report is a C function and cq.rank_events a plain SQL function over a
--   C scan that builds its own query; no function takes SQL text any more.
-- Objects a user's view or index depends on are kept (same OID) wherever 1.1 has
-- them; the 1.0 funnel forms that 1.1 replaces are dropped without CASCADE, so an
-- object that depends on one stops the update with an error naming it.

CREATE SCHEMA cq_internal;
COMMENT ON SCHEMA cq_internal IS
'conversion_quality: support functions of the objects in schema cq (aggregate support, type I/O, scans); not meant to be called directly';
GRANT USAGE ON SCHEMA cq_internal TO PUBLIC;

-- Support functions move to cq_internal: the aggregates and types that use them
-- follow them by OID, so stored states, views and indexes keep working.
ALTER FUNCTION cq.funnel_state_in(cstring) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_state_out(cq.funnel_state) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_state_recv(internal) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_state_send(cq.funnel_state) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_combine(cq.funnel_state, cq.funnel_state) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_finalfn(cq.funnel_state) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_events_finalfn(cq.funnel_state) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, text, text[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, text, text[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, text, text[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, text, text[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, text, text[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval, text) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_report_transfn(cq.funnel_state, cq.funnel_state, interval[], text) SET SCHEMA cq_internal;
ALTER FUNCTION cq.funnel_report_finalfn(cq.funnel_state) SET SCHEMA cq_internal;
ALTER FUNCTION cq.retention_transfn(bigint, boolean[]) SET SCHEMA cq_internal;
ALTER FUNCTION cq.retention_combine(bigint, bigint) SET SCHEMA cq_internal;
ALTER FUNCTION cq.retention_finalfn(bigint) SET SCHEMA cq_internal;
ALTER FUNCTION cq.event_signal_in(cstring) SET SCHEMA cq_internal;
ALTER FUNCTION cq.event_signal_out(cq.event_signal) SET SCHEMA cq_internal;
ALTER FUNCTION cq.event_signal_recv(internal) SET SCHEMA cq_internal;
ALTER FUNCTION cq.event_signal_send(cq.event_signal) SET SCHEMA cq_internal;
ALTER FUNCTION cq.event_signal_transfn(cq.event_signal, boolean, float8) SET SCHEMA cq_internal;
ALTER FUNCTION cq.event_signal_combine(cq.event_signal, cq.event_signal) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_sample_in(cstring) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_sample_out(cq.rank_sample) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_sample_recv(internal) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_sample_send(cq.rank_sample) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_sample_transfn(cq.rank_sample, float8, float8) SET SCHEMA cq_internal;
ALTER FUNCTION cq.auc_transfn(cq.rank_sample, float8, boolean) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_sample_combine(cq.rank_sample, cq.rank_sample) SET SCHEMA cq_internal;
ALTER FUNCTION cq.rank_correlation_finalfn(cq.rank_sample) SET SCHEMA cq_internal;
ALTER FUNCTION cq.auc_finalfn(cq.rank_sample) SET SCHEMA cq_internal;

-- The 1.0 funnel forms that 1.1 replaces: 1 to 8 separate booleans and VARIADIC boolean[]
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP AGGREGATE cq.funnel_events(timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);

DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.window_funnel_transfn(cq.funnel_state, interval, text, timestamp, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION cq.funnel_events_transfn(cq.funnel_state, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean);

DROP AGGREGATE cq.window_funnel(interval, timestamptz, VARIADIC boolean[]);
DROP AGGREGATE cq.window_funnel(interval, text, timestamptz, VARIADIC boolean[]);
DROP AGGREGATE cq.window_funnel(interval, timestamp, VARIADIC boolean[]);
DROP AGGREGATE cq.window_funnel(interval, text, timestamp, VARIADIC boolean[]);
DROP AGGREGATE cq.funnel_events(timestamptz, VARIADIC boolean[]);

-- The 1.1 funnel forms: VARIADIC "any" steps, and one boolean[]
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

CREATE FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, VARIADIC "any")
RETURNS cq.funnel_state
AS 'MODULE_PATHNAME', 'funnel_events_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

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


-- Comments of the funnel forms and of the rank sample, as 1.1 words them
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
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, VARIADIC "any") IS
'Transition of cq.funnel_events: appends the row in place.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, boolean[]) IS
'Transition of cq.funnel_events(ts, steps boolean[]).';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamptz, text, text[]) IS
'Transition of the event-name form of cq.funnel_events.';
COMMENT ON AGGREGATE cq.funnel_events(timestamptz, VARIADIC "any") IS
'Funnel state of a group: every row with a time and no NULL step, as (time, steps satisfied), including rows satisfying no step (strict_order needs them). Steps are boolean conditions (or one boolean array). NULL for a group without such rows. Read it with cq.funnel_stage / cq.funnel_step_times; merge states with cq.funnel_rollup.';
COMMENT ON AGGREGATE cq.funnel_events(timestamptz, boolean[]) IS
'cq.funnel_events with the steps as one boolean array: the same state; the form a distributed engine such as Citus can aggregate partially on its workers.';
COMMENT ON AGGREGATE cq.funnel_events(timestamptz, text, VARIADIC text[]) IS
'cq.funnel_events with steps given as event names: the state of the boolean form with event = name conditions. Rows with a NULL event are skipped.';
COMMENT ON FUNCTION cq.funnel_stage(cq.funnel_state, interval, text, integer[]) IS
'Stage (0..N) the state''s rows reach: equals cq.window_funnel(window, mode, ...) over the same rows. exclusions: [condition, from_step, to_step] triples; the excluded conditions must be the last ones given to cq.funnel_events, and an excluded event strictly after a chain''s step from_step, before it reaches to_step, breaks that chain.';
COMMENT ON AGGREGATE cq.funnel_report(cq.funnel_state, interval, text) IS
'cq.funnel_report with a mode (as cq.window_funnel).';
COMMENT ON TYPE cq.rank_sample IS
'A sample of (x, y) pairs, kept exactly because exact ranks need every value: the state of cq.rank_correlation and cq.auc, and a storable summary built by cq.rank_sample, merged by cq.rank_rollup and read by cq.rank_correlation(sample), cq.auc(sample) and cq.rank_n. Text form v1:<count>:x,y;x,y;... (floats in shortest exact form).';
COMMENT ON FUNCTION cq_internal.rank_sample_transfn(cq.rank_sample, float8, float8) IS
'Transition function of cq.rank_sample and cq.rank_correlation: appends (x, y); rows with a NULL are skipped; NaN is an error.';
COMMENT ON FUNCTION cq_internal.rank_sample_combine(cq.rank_sample, cq.rank_sample) IS
'Combine function of the rank aggregates and transition of cq.rank_rollup: concatenates two samples (NULL sides skipped).';

-- Ranking of every candidate event of an event table by how well it predicts the
-- revenue that follows it: the statistics over the scan, in plain SQL.
-- cq.rank_events takes a landmark design (entry_events, within, thresholds,
-- event_id_column) and returns more columns: the 1.0 function is replaced, not
-- redefined, so a view bound to it stops the update (README, "Upgrading").
DROP FUNCTION cq.rank_events(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8);
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

-- The 1.0 scan, which ran the query text it was given, goes (cq.rank_events no
-- longer calls it).
DROP FUNCTION cq.rank_events_scan(text, interval, timestamptz);

-- Duplicate report over any event table (src/dedup_report.c): the table is a
-- regclass, every column is checked in the catalog and quoted, and the table
-- is read with the caller's privileges.
CREATE OR REPLACE FUNCTION cq.dedup_report(
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

-- cq.funnel_events for timestamp without time zone (1.0 cast such a column to
-- timestamptz through the session time zone)
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

COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, VARIADIC "any") IS
'Transition of cq.funnel_events for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, boolean[]) IS
'Transition of cq.funnel_events(ts, steps boolean[]) for timestamp without time zone.';
COMMENT ON FUNCTION cq_internal.funnel_events_transfn(cq.funnel_state, timestamp, text, text[]) IS
'Transition of the event-name form of cq.funnel_events for timestamp without time zone.';


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

COMMENT ON AGGREGATE cq.funnel_events(timestamp, VARIADIC "any") IS
'cq.funnel_events for timestamp without time zone: the column''s own microseconds are kept (wall-clock time, as cq.window_funnel measures it), whatever the session time zone. Step times read back as timestamptz in UTC: AT TIME ZONE ''UTC'' gives the column''s values.';
COMMENT ON AGGREGATE cq.funnel_events(timestamp, boolean[]) IS
'cq.funnel_events with the steps as one boolean array, for timestamp without time zone.';
COMMENT ON AGGREGATE cq.funnel_events(timestamp, text, VARIADIC text[]) IS
'cq.funnel_events with steps given as event names, for timestamp without time zone.';
