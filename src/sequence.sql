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
