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
