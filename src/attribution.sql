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
