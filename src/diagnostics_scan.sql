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
