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
