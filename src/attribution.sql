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
