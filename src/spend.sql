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
