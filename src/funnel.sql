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
