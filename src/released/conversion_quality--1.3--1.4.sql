/* src/update--1.3--1.4.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.4'; the
   Makefile appends src/funnel_survival.sql, src/funnel_key.sql, src/funnel_paths.sql,
   src/funnel_flex.sql and src/sequence.sql (new in 1.4) to make
   conversion_quality--1.3--1.4.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.4'" to load this file. \quit

-- What changes (README, "Upgrading"): nothing that exists changes.  New: the conversion
-- curves with windows still open (Kaplan-Meier): the aggregates cq.conversion_curve and
-- cq.funnel_conversion_curve and their row type cq.conversion_point, README "Conversion
-- with windows still open"; the aggregate cq.window_funnel_by_key, README "Hold a property
-- constant"; the aggregate cq.funnel_next_events, README "Paths around a step"; the accessor
-- cq.funnel_stage_flexible, README "Optional steps and minimum gaps"; the sequence
-- patterns cq.sequence_match, cq.sequence_count and
-- cq.sequence_match_events (accessors and aggregates), README "Sequence patterns".
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
