/* src/update--1.1--1.2.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.2'; the
   Makefile appends src/diagnostics_scan.sql, src/attribution.sql, src/breakdown.sql,
   src/readiness.sql, src/spend.sql, src/campaign.sql (new in 1.2), src/register.sql and
   src/refresh.sql (replaced in 1.2) to make conversion_quality--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.2'" to load this file. \quit

-- What changes (README, "Upgrading"): cq.refresh computes cq.tracking_health and
-- the volumes of cq.event_quality in one C scan (cq_internal.tracking_scan, new)
-- instead of SQL over a temporary copy of the source; cq_internal.refresh_source is
-- replaced.  No object a user can depend on changes; report rows stay as they are
-- until the next cq.refresh.  New: cq.attribute, cq.breakdown,
-- cq.spend_report and cq.adset_readiness (README, "Attribution", "Breakdowns", "Spend",
-- "Readiness per ad set"), and the report cq.campaign_quality, for which a source
-- registers dimension columns: cq.event_sources gains dimension_columns (NULL for the
-- sources registered before), and cq.register_source gains a last argument
-- dimension_columns (calls without it keep working); it is dropped here and created again
-- from src/register.sql.

ALTER TABLE cq.event_sources
    ADD COLUMN dimension_columns name[] CHECK (array_position(dimension_columns, NULL) IS NULL);
DROP FUNCTION cq.register_source(text, regclass, name, name, name, name, name, name, text[], name,
                                 interval, interval, jsonb);

-- 1.1 described the p-value of cq.event_quality as Welch's; it is the correlation's t-test
-- (cq.signal_p_value), which is Student's pooled two-sample t-test.
COMMENT ON COLUMN cq.event_quality.p_value IS 'Two-sided p-value of the correlation (the t-test of cq.signal_p_value, as scipy.stats.pearsonr; the same as Student''s pooled two-sample t-test of the difference in mean revenue).';
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
-- Breakdowns (README, "Breakdowns"): conversion and revenue per value of a dimension
-- column (campaign, ad set, creative, landing page, ...), each bucket against the rest,
-- with Benjamini-Hochberg q-values across buckets and the minimum detectable difference
-- at the bucket's size.  New in 1.2.

-- Benjamini-Hochberg q-values of p (NULLs stay NULL and do not count), in p's order.
CREATE FUNCTION cq_internal.bh_q_values(p float8[])
RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT array_agg(q.q ORDER BY x.i)
  FROM unnest(p) WITH ORDINALITY AS x(p, i)
  LEFT JOIN (SELECT b.i,
                    least(1, min(b.p * b.m / b.k) OVER (ORDER BY b.p DESC, b.i DESC
                                                        ROWS UNBOUNDED PRECEDING)) AS q
               FROM (SELECT y.p, y.i, count(*) OVER () AS m,
                            row_number() OVER (ORDER BY y.p, y.i) AS k
                       FROM unnest(p) WITH ORDINALITY AS y(p, i)
                      WHERE y.p IS NOT NULL) b) q ON q.i = x.i
$$;

COMMENT ON FUNCTION cq_internal.bh_q_values(float8[]) IS
'Benjamini-Hochberg q-values of an array of p-values, element by element (NULL for a NULL p-value, which does not count among the tests).';

-- A table read by name by the campaign reports (cq.breakdown, cq.spend_report,
-- cq.adset_readiness): the caller may read it (checked before any column is looked at, so
-- that a role that may not learns nothing of its columns), and it has the user, time and
-- event columns.
CREATE FUNCTION cq_internal.check_source_readable(rel regclass, user_column name, time_column name,
                                                 event_column name)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT has_table_privilege(rel, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for table %', rel::text
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF user_column IS NOT NULL OR time_column IS NOT NULL OR event_column IS NOT NULL THEN
        PERFORM cq_internal.check_source_column(rel, user_column, 'user_column', 'any', true);
        PERFORM cq_internal.check_source_column(rel, time_column, 'time_column', 'time', true);
        PERFORM cq_internal.check_source_column(rel, event_column, 'event_column', 'any', true);
    END IF;
END
$$;

COMMENT ON FUNCTION cq_internal.check_source_readable(regclass, name, name, name) IS
'Raises 42501 unless the caller may read rel; then, unless all three are NULL, checks its user, time and event columns (cq_internal.check_source_column).';

CREATE FUNCTION cq.breakdown(
    events regclass,
    dimension_column name,
    rule text DEFAULT 'entry',
    step text DEFAULT NULL,
    conversion_event text DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    min_users integer DEFAULT 100,
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    event_column name DEFAULT 'event_name',
    value_column name DEFAULT NULL)
RETURNS TABLE (
    bucket text,
    bucket_rule text,
    users bigint,
    small boolean,
    converters bigint,
    conversion_rate float8,
    rest_conversion_rate float8,
    conversion_p_value float8,
    conversion_q_value float8,
    conversion_mdd float8,
    revenue_per_user float8,
    rest_revenue_per_user float8,
    revenue_p_value float8,
    revenue_q_value float8,
    revenue_mdd float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- z(1 - 0.05 / 2) + z(0.80): a two-sided test at 5 % with 80 % power
    z_sum CONSTANT float8 := 1.959963984540054 + 0.8416212335729143;
    assign_where text;
    assign_order text;
    rule_label text;
BEGIN
    IF events IS NULL OR dimension_column IS NULL OR rule IS NULL OR horizon IS NULL
       OR min_users IS NULL THEN
        RAISE EXCEPTION 'cq.breakdown: events, dimension_column, rule, horizon and min_users must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call it as cq.breakdown(''events'', ''creative'', conversion_event => ''purchase'').';
    END IF;
    PERFORM cq_internal.check_source_readable(events, user_column, time_column, event_column);
    PERFORM cq_internal.check_source_column(events, dimension_column, 'dimension_column', 'any', true);
    PERFORM cq_internal.check_source_column(events, value_column, 'value_column', 'number', false);
    IF conversion_event IS NULL AND value_column IS NULL THEN
        RAISE EXCEPTION 'cq.breakdown needs conversion_event or value_column'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A user converts with a row of conversion_event, or, without one, with a row whose value is above zero.',
                  HINT = 'Pass conversion_event => ''purchase'', or value_column => ''revenue''.';
    END IF;
    IF horizon < interval '0' OR extract(epoch FROM horizon) < 0 THEN
        RAISE EXCEPTION 'horizon must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The horizon is how long after a user''s assignment to a bucket conversions count.',
                  HINT = 'Use an interval such as ''30 days''.';
    END IF;
    IF min_users < 0 THEN
        RAISE EXCEPTION 'min_users must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Buckets with fewer users are labelled small; use a count such as 100.';
    END IF;
    -- the row that puts a user in a bucket, per rule (ties: the dimension value in byte order)
    CASE rule
        WHEN 'entry' THEN
            assign_where := 'true';
            assign_order := 'r.t, r.d COLLATE pg_catalog."C"';
            rule_label := 'entry';
        WHEN 'step' THEN
            IF step IS NULL THEN
                RAISE EXCEPTION 'rule ''step'' needs the step''s event name'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Pass step => ''lead_submitted''.';
            END IF;
            assign_where := 'r.ev = $1';
            assign_order := 'r.t, r.d COLLATE pg_catalog."C"';
            rule_label := 'step:' || step;
        WHEN 'last_touch' THEN
            assign_where := '(f.c IS NULL OR r.t <= f.c)';
            assign_order := 'r.t DESC, r.d COLLATE pg_catalog."C" DESC';
            rule_label := 'last_touch';
        ELSE
            RAISE EXCEPTION 'unknown breakdown rule "%"', rule
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'The rules are entry (the value at the user''s first row with one), step (at the first row of a named step) and last_touch (the last value before the user''s first conversion).',
                      HINT = 'Name one of them, in lower case.';
    END CASE;

    -- search_path is pinned to pg_catalog: the operators and functions below are
    -- PostgreSQL's, whatever the caller's objects are called
    RETURN QUERY EXECUTE format($q$
    WITH r AS (
        SELECT e.%1$I AS u, e.%2$I::pg_catalog.timestamptz AS t, e.%3$I::pg_catalog.text AS ev,
               e.%4$I::pg_catalog.text AS d, %5$s AS v
          FROM %6$s e
         WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL
           AND pg_catalog.isfinite(e.%2$I::pg_catalog.timestamptz)),
    rc AS (
        SELECT r.*, CASE WHEN $2 IS NOT NULL THEN coalesce(r.ev = $2, false)
                         ELSE coalesce(r.v > 0, false) END AS conv
          FROM r),
    f AS (SELECT rc.u, pg_catalog.min(rc.t) AS c FROM rc WHERE rc.conv GROUP BY rc.u),
    assign AS (
        SELECT DISTINCT ON (r.u) r.u, r.t AS a, r.d AS b
          FROM r LEFT JOIN f ON f.u = r.u
         WHERE r.d IS NOT NULL AND %7$s
         ORDER BY r.u, %8$s),
    per_user AS (
        SELECT x.u, a.b, coalesce(a.a, x.first_t) AS a
          FROM (SELECT r.u, pg_catalog.min(r.t) AS first_t FROM r GROUP BY r.u) x
          LEFT JOIN assign a ON a.u = x.u),
    outcome AS (
        SELECT p.u, p.b,
               coalesce(pg_catalog.bool_or(rc.conv) FILTER (WHERE rc.t >= p.a
                            AND rc.t <= p.a + $3), false)::int::float8 AS y,
               coalesce(pg_catalog.sum(rc.v) FILTER (WHERE rc.t >= p.a
                            AND rc.t <= p.a + $3), 0) AS rev
          FROM per_user p JOIN rc ON rc.u = p.u
         GROUP BY p.u, p.b),
    g AS (          -- per bucket: exact sums, and signal states for the tests
        SELECT o.b, pg_catalog.count(*) AS n,
               pg_catalog.sum(o.y::pg_catalog.numeric) AS sy,
               pg_catalog.sum(o.rev::pg_catalog.numeric) AS sr,
               pg_catalog.sum((o.rev::pg_catalog.numeric) * o.rev::pg_catalog.numeric) AS srr,
               cq.event_signal(true, o.y) AS c1, cq.event_signal(false, o.y) AS c0,
               cq.event_signal(true, o.rev) AS r1, cq.event_signal(false, o.rev) AS r0
          FROM outcome o GROUP BY o.b),
    tot AS (SELECT pg_catalog.sum(g.n) AS n, pg_catalog.sum(g.sy) AS sy, pg_catalog.sum(g.sr) AS sr,
                   pg_catalog.sum(g.srr) AS srr FROM g),
    t AS (          -- each bucket against the rest
        SELECT g.b, g.n, g.sy, g.sr, g.srr, tot.n - g.n AS rn,
               tot.sy - g.sy AS rsy, tot.sr - g.sr AS rsr,
               tot.srr - g.srr AS rsrr,
               (SELECT cq.signal_p_value(cq.signal_rollup(x.s))
                  FROM (SELECT g.c1 UNION ALL SELECT g2.c0 FROM g g2 WHERE g2.b IS DISTINCT FROM g.b) x(s)) AS cp,
               (SELECT cq.signal_p_value(cq.signal_rollup(x.s))
                  FROM (SELECT g.r1 UNION ALL SELECT g2.r0 FROM g g2 WHERE g2.b IS DISTINCT FROM g.b) x(s)) AS rp,
               pg_catalog.row_number() OVER (ORDER BY g.b COLLATE pg_catalog."C" NULLS LAST) AS i
          FROM g, tot),
    v AS (          -- sums of squares (0/1 outcomes: sum y^2 = sum y), pooled variances
        SELECT t.*,
               ((t.sy - t.sy * t.sy / t.n)
                + CASE WHEN t.rn > 0
                     THEN t.rsy - t.rsy * t.rsy / t.rn
                     ELSE 0 END)::pg_catalog.float8 AS css,
               ((t.srr - t.sr * t.sr / t.n)
                + CASE WHEN t.rn > 0
                     THEN t.rsrr - t.rsr * t.rsr / t.rn
                     ELSE 0 END)::pg_catalog.float8 AS rss
          FROM t),
    qs AS (SELECT cq_internal.bh_q_values(pg_catalog.array_agg(v.cp ORDER BY v.i)) AS cq,
                  cq_internal.bh_q_values(pg_catalog.array_agg(v.rp ORDER BY v.i)) AS rq
             FROM v)
    SELECT v.b, $4, v.n, v.n < $5, v.sy::pg_catalog.int8,
           (v.sy / v.n)::pg_catalog.float8,
           CASE WHEN v.rn > 0 THEN (v.rsy / v.rn)::pg_catalog.float8 END,
           v.cp, qs.cq[v.i],
           CASE WHEN v.rn > 0 AND v.n + v.rn > 2
                THEN $7 * pg_catalog.sqrt(v.css / (v.n + v.rn - 2)
                     * (1.0 / v.n + 1.0 / v.rn)) END,
           CASE WHEN $6 THEN (v.sr / v.n)::pg_catalog.float8 END,
           CASE WHEN $6 AND v.rn > 0 THEN (v.rsr / v.rn)::pg_catalog.float8 END,
           CASE WHEN $6 THEN v.rp END, CASE WHEN $6 THEN qs.rq[v.i] END,
           CASE WHEN $6 AND v.rn > 0 AND v.n + v.rn > 2
                THEN $7 * pg_catalog.sqrt(v.rss / (v.n + v.rn - 2)
                     * (1.0 / v.n + 1.0 / v.rn)) END
      FROM v, qs
     ORDER BY v.i
    $q$,
        user_column, time_column, event_column, dimension_column,
        CASE WHEN value_column IS NULL THEN 'NULL::pg_catalog.float8'
             ELSE format('CASE WHEN e.%1$I::pg_catalog.float8 <> ALL '
                         '(''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]) THEN e.%1$I::pg_catalog.float8 END',
                         value_column) END,
        events, assign_where, assign_order)
    USING step, conversion_event, horizon, rule_label, min_users, value_column IS NOT NULL, z_sum;
END
$$;

COMMENT ON FUNCTION cq.breakdown(regclass, name, text, text, text, interval, integer, name, name, name, name) IS
'Conversion and revenue per value (bucket) of dimension_column, one bucket per user by rule: entry (the value at the user''s first row that has one), step (at the first row of event step) or last_touch (the last value at or before the user''s first conversion; for users who never convert, their last value); users without a value form the NULL bucket. A user converts with a row of conversion_event (or, without one, a row whose value is above zero) in [assignment, assignment + horizon]; revenue is the sum of value there. Each bucket against the rest: rates, two-sided p-values (pooled two-sample t-test, as the point-biserial correlation test of cq.signal_p_value), Benjamini-Hochberg q-values across buckets, and the minimum detectable difference at 5 % and 80 % power for the bucket''s size ((1.96 + 0.84) * pooled sd * sqrt(1/n + 1/n_rest)); small = fewer than min_users users. Reads the table with the caller''s privileges.';
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
-- Registration of an event source (README, "Registering a source").  A file of its
-- own because 1.2 replaces cq.register_source (it gained dimension_columns): the
-- install script and the update script both take it from here.

CREATE FUNCTION cq.register_source(name text, relation regclass, user_column name,
                                   time_column name, event_column name,
                                   value_column name DEFAULT NULL,
                                   event_id_column name DEFAULT NULL,
                                   source_column name DEFAULT NULL,
                                   entry_events text[] DEFAULT NULL,
                                   received_at_column name DEFAULT NULL,
                                   horizon interval DEFAULT '30 days',
                                   within interval DEFAULT '7 days',
                                   customer_columns jsonb DEFAULT NULL,
                                   dimension_columns name[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    nsp name;
    rel name;
    own name;
BEGIN
    IF register_source.name IS NULL OR btrim(register_source.name) = '' THEN
        RAISE EXCEPTION 'a source needs a name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a short name, such as ''web'': reports and funnels refer to it.';
    END IF;
    IF relation IS NULL THEN
        RAISE EXCEPTION 'relation must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT n.nspname, c.relname, r.rolname INTO nsp, rel, own
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_roles r ON r.oid = c.relowner
     WHERE c.oid = relation AND c.relkind IN ('r', 'p', 'v', 'm', 'f');
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a table or view', relation::text
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'A source is a table, partitioned table, view, materialized view or foreign table.';
    END IF;
    IF NOT cq_internal.may_manage(nsp, rel, own) THEN
        RAISE EXCEPTION 'must be owner of relation % to register it as a source', relation::text
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Sources are registered by the owner of the relation (or a member of its owning role) or a superuser.';
    END IF;
    PERFORM cq_internal.check_source(relation, user_column, time_column, event_column, value_column,
                                     event_id_column, source_column, received_at_column);
    PERFORM cq_internal.check_customer_columns(relation, customer_columns);
    IF dimension_columns IS NOT NULL THEN
        IF array_position(dimension_columns, NULL) IS NOT NULL
           OR (SELECT count(DISTINCT d) FROM unnest(dimension_columns) d) < cardinality(dimension_columns) THEN
            RAISE EXCEPTION 'dimension_columns must name distinct columns, without NULL'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name the campaign, ad set, creative, landing page ... columns once each.';
        END IF;
        PERFORM cq_internal.check_source_column(relation, d, 'dimension_columns', 'any', true)
           FROM unnest(dimension_columns) d;
    END IF;
    IF horizon IS NULL OR horizon <= interval '0' THEN
        RAISE EXCEPTION 'horizon must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF within IS NULL OR within < interval '0' THEN
        RAISE EXCEPTION 'within must be zero or positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Registering a name again replaces its mapping; the reports of the old
    -- mapping go (they describe another relation or other columns).
    PERFORM 1 FROM cq.event_sources s WHERE s.name = register_source.name FOR UPDATE;
    IF FOUND THEN
        DELETE FROM cq_internal.event_quality_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.tracking_health_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.funnel_report_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.match_quality_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.campaign_quality_data d WHERE d.source = register_source.name;
        UPDATE cq.event_sources s
           SET relation_schema = nsp, relation_name = rel, relation_owner = own,
               user_column = register_source.user_column, time_column = register_source.time_column,
               event_column = register_source.event_column, value_column = register_source.value_column,
               event_id_column = register_source.event_id_column,
               source_column = register_source.source_column,
               received_at_column = register_source.received_at_column,
               entry_events = register_source.entry_events, horizon = register_source.horizon,
               within = register_source.within, customer_columns = register_source.customer_columns,
               dimension_columns = register_source.dimension_columns,
               registered_by = current_user, registered_at = now()
         WHERE s.name = register_source.name;
    ELSE
        BEGIN
            INSERT INTO cq.event_sources (name, relation_schema, relation_name, relation_owner,
                                          user_column, time_column, event_column, value_column,
                                          event_id_column, source_column, received_at_column,
                                          entry_events, horizon, within, customer_columns,
                                          dimension_columns)
            VALUES (register_source.name, nsp, rel, own, user_column, time_column, event_column,
                    value_column, event_id_column, source_column, received_at_column, entry_events,
                    horizon, within, customer_columns, dimension_columns);
        EXCEPTION WHEN unique_violation OR insufficient_privilege THEN
            RAISE EXCEPTION 'a source named "%" already exists', register_source.name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Source names are shared by every role of the database: choose another. If it is yours and its relation was dropped or renamed, remove it first with cq.unregister_source.';
        END;
    END IF;
END
$$;

COMMENT ON FUNCTION cq.register_source(text, regclass, name, name, name, name, name, name, text[], name, interval, interval, jsonb, name[]) IS
'Registers (or updates) an event source: relation and the columns holding the user, the event time, the event name, and optionally the revenue value, the event id (for deduplication), the sending channel (browser/pixel, server), the time the row was received, the entry (acquisition) events, the landmark windows of cq.rank_events, the columns of customer information (customer_columns: email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid, and phone_region), and the dimension columns (campaign, ad set, creative, landing page ...) that cq.campaign_quality breaks the source down by. Every column is checked. Only the owner of the relation (or a member of its role) may register it; registering a name again replaces its mapping and drops its reports.';

COMMENT ON COLUMN cq.event_sources.dimension_columns IS
'Columns the source is broken down by in cq.campaign_quality (campaign, ad set, creative, landing page ...); NULL for none.';
-- The campaign report (README, "Breakdowns"): cq.breakdown of every registered source by
-- each of its dimension columns, written by cq.refresh, read through the view
-- cq.campaign_quality.  New in 1.2; the same row-level security as the other reports
-- (src/report.sql): a role sees the rows of the sources whose relation it may read.
CREATE TABLE cq_internal.campaign_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    bucket text,
    bucket_rule text NOT NULL,
    users bigint NOT NULL,
    small boolean NOT NULL,
    converters bigint NOT NULL,
    conversion_rate double precision,
    rest_conversion_rate double precision,
    conversion_p_value double precision,
    conversion_q_value double precision,
    conversion_mdd double precision,
    revenue_per_user double precision,
    rest_revenue_per_user double precision,
    revenue_p_value double precision,
    revenue_q_value double precision,
    revenue_mdd double precision,
    refreshed_at timestamptz NOT NULL
);
CREATE INDEX campaign_quality_data_source_idx ON cq_internal.campaign_quality_data (source, dimension);

COMMENT ON TABLE cq_internal.campaign_quality_data IS
'Rows of cq.campaign_quality, written by cq.refresh.';

SELECT pg_catalog.pg_extension_config_dump('cq_internal.campaign_quality_data', '');

ALTER TABLE cq_internal.campaign_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.campaign_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.campaign_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.campaign_quality_data TO PUBLIC;

CREATE VIEW cq.campaign_quality WITH (security_invoker = true) AS
SELECT source, dimension, bucket, bucket_rule, users, small, converters, conversion_rate,
       rest_conversion_rate, conversion_p_value, conversion_q_value, conversion_mdd,
       revenue_per_user, rest_revenue_per_user, revenue_p_value, revenue_q_value, revenue_mdd,
       refreshed_at
  FROM cq_internal.campaign_quality_data
 WHERE cq_internal.may_read_source(source);

GRANT SELECT ON cq.campaign_quality TO PUBLIC;

COMMENT ON VIEW cq.campaign_quality IS
'Per registered source with a value column, dimension column (cq.register_source dimension_columns) and value of it: cq.breakdown with the entry rule (one bucket per user: the value at their first row with one), conversion = revenue above zero within the source''s horizon, each bucket against the rest. Written by cq.refresh; a role sees the rows of the sources whose relation it may read.';
COMMENT ON COLUMN cq.campaign_quality.source IS 'Registered source.';
COMMENT ON COLUMN cq.campaign_quality.dimension IS 'Dimension column of the source.';
COMMENT ON COLUMN cq.campaign_quality.bucket IS 'Value of the dimension; NULL for the users without one.';
COMMENT ON COLUMN cq.campaign_quality.bucket_rule IS 'The rule that put users in buckets (entry).';
COMMENT ON COLUMN cq.campaign_quality.users IS 'Users in the bucket.';
COMMENT ON COLUMN cq.campaign_quality.small IS 'Fewer than 100 users: read the figures with care (tested like the others).';
COMMENT ON COLUMN cq.campaign_quality.converters IS 'Users with revenue above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.campaign_quality.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.campaign_quality.rest_conversion_rate IS 'The same for the users of the other buckets.';
COMMENT ON COLUMN cq.campaign_quality.conversion_p_value IS 'Two-sided p-value of the difference in conversion rate, bucket against the rest (pooled two-sample t-test).';
COMMENT ON COLUMN cq.campaign_quality.conversion_q_value IS 'Benjamini-Hochberg q-value across the buckets of the dimension.';
COMMENT ON COLUMN cq.campaign_quality.conversion_mdd IS 'Minimum detectable difference in conversion rate at 5 % and 80 % power for the bucket''s size.';
COMMENT ON COLUMN cq.campaign_quality.revenue_per_user IS 'Revenue within the horizon per user of the bucket.';
COMMENT ON COLUMN cq.campaign_quality.rest_revenue_per_user IS 'The same for the other buckets.';
COMMENT ON COLUMN cq.campaign_quality.revenue_p_value IS 'Two-sided p-value of the difference in revenue per user.';
COMMENT ON COLUMN cq.campaign_quality.revenue_q_value IS 'Benjamini-Hochberg q-value across the buckets.';
COMMENT ON COLUMN cq.campaign_quality.revenue_mdd IS 'Minimum detectable difference in revenue per user.';
COMMENT ON COLUMN cq.campaign_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';
-- Refresh of one registered source (README, "Reports"): cq.refresh (src/report.sql)
-- calls cq_internal.refresh_source for each source it refreshes.  A file of its own
-- because a release that changes how a refresh works replaces this function alone:
-- the install script and the update script both take it from here (CREATE OR
-- REPLACE), so it is written once.

-- One source: read it once in C (cq_internal.tracking_scan) for the tracking
-- figures and the volumes, and, when the source has a value column, customer
-- columns or funnels, once more, in the same snapshot, into a temporary table of
-- (user, time, arrival, event, value, id, channel, blank id, copy) for
-- cq.rank_events, match quality, orphans and funnels.  The caller holds the
-- source's row lock.  Returns the rows read and written.
CREATE OR REPLACE FUNCTION cq_internal.refresh_source(s cq.event_sources, OUT rows_read bigint,
                                          OUT quality_rows bigint, OUT funnel_rows bigint,
                                          OUT health_rows bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    rel regclass;
    t0 timestamptz := clock_timestamp();
    until timestamptz;
    f cq.funnels;
    n bigint;
    need_rows boolean;
    dim name;
BEGIN
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF rel IS NULL THEN
        RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
              quote_ident(s.relation_name), s.name
            USING ERRCODE = 'undefined_table',
                  DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                  HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
    END IF;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    PERFORM cq_internal.check_customer_columns(rel, s.customer_columns);

    -- What the reports need beyond cq.tracking_health: with a value column,
    -- customer columns or funnels, the rows are read once into a temporary
    -- table (for cq.rank_events, match quality, orphans and funnels) and the
    -- scan reads that table, so that every report comes from one snapshot;
    -- otherwise the scan reads the source itself.
    IF to_regclass('pg_temp.cq_refresh_rows') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_rows;
    END IF;
    IF to_regclass('pg_temp.cq_refresh_scan') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_scan;
    END IF;
    need_rows := s.value_column IS NOT NULL OR s.customer_columns IS NOT NULL
                 OR s.dimension_columns IS NOT NULL
                 OR EXISTS (SELECT 1 FROM cq.funnels fu WHERE fu.source = s.name);
    IF need_rows THEN
        -- copies: the rule of cq.rank_events (cq.dedup_key, cq.dedup_keep within
        -- 48 hours), rows it skips (time at +-infinity, revenue not finite) kept
        -- out of the windows
        EXECUTE format(
            'CREATE TEMPORARY TABLE cq_refresh_rows ON COMMIT DROP AS '
            'SELECT *, CASE WHEN k IS NOT NULL AND ok '
            '               THEN k::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) '
            '                    pg_catalog.sum(CASE WHEN copy THEN 0 ELSE 1 END) '
            '                    OVER (PARTITION BY k, ok ORDER BY t ROWS UNBOUNDED PRECEDING) '
            '               ELSE ''r'' OPERATOR(pg_catalog.||) pg_catalog.row_number() OVER () END AS grp '
            '  FROM (SELECT u, t, a, ev, v, id, channel, m, fb_external_id, fb_fbp, dims, k, ok, '
            '       k IS NULL AND %s AS blank_id, '
            '       CASE WHEN k IS NULL OR NOT ok THEN false '
            '            ELSE NOT cq.dedup_keep(t, ''48 hours''::pg_catalog.interval) '
            '                 OVER (PARTITION BY k, ok ORDER BY t) END AS copy '
            '  FROM (SELECT *, pg_catalog.isfinite(t) AND coalesce(CASE WHEN v OPERATOR(pg_catalog.<>) 0 THEN v END '
            '                  OPERATOR(pg_catalog.<>) ALL (''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]), true) AS ok, '
            '               cq.dedup_key(ev, id) AS k '
            '          FROM (SELECT e.%I AS u, e.%I::pg_catalog.timestamptz AS t, %s AS a, '
            '                       e.%I::pg_catalog.text AS ev, %s AS v, %s AS id, %s AS channel, %s AS m, '
            '                       %s AS fb_external_id, %s AS fb_fbp, %s AS dims '
            '                  FROM %s e '
            '                 WHERE e.%I IS NOT NULL AND e.%I IS NOT NULL AND e.%I IS NOT NULL) r) q) c',
            (s.event_id_column IS NOT NULL)::text,
            s.user_column, s.time_column,
            CASE WHEN s.received_at_column IS NULL THEN 'NULL::pg_catalog.timestamptz'
                 ELSE format('e.%I::pg_catalog.timestamptz', s.received_at_column) END,
            s.event_column,
            CASE WHEN s.value_column IS NULL THEN 'NULL::pg_catalog.float8'
                 ELSE format('e.%I::pg_catalog.float8', s.value_column) END,
            CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
                 ELSE format('e.%I::pg_catalog.text', s.event_id_column) END,
            CASE WHEN s.source_column IS NULL THEN 'NULL::pg_catalog.text'
                 ELSE format('e.%I::pg_catalog.text', s.source_column) END,
            -- the customer information, as {identifier: value}
            coalesce((SELECT 'pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('
                             || string_agg(format('%L, e.%I::pg_catalog.text', c.key, c.value), ', ')
                             || '))'
                        FROM jsonb_each_text(s.customer_columns) c WHERE c.key <> 'phone_region'),
                     'NULL::pg_catalog.jsonb'),
            -- the fallback keys of the dedup key coverage, as text
            CASE WHEN s.customer_columns ? 'external_id'
                 THEN format('e.%I::pg_catalog.text', s.customer_columns->>'external_id')
                 ELSE 'NULL::pg_catalog.text' END,
            CASE WHEN s.customer_columns ? 'fbp'
                 THEN format('e.%I::pg_catalog.text', s.customer_columns->>'fbp')
                 ELSE 'NULL::pg_catalog.text' END,
            -- the dimension columns, as {column: value}
            coalesce((SELECT 'pg_catalog.jsonb_build_object('
                             || string_agg(format('%L, e.%I::pg_catalog.text', d, d), ', ')
                             || ')'
                        FROM unnest(s.dimension_columns) d),
                     'NULL::pg_catalog.jsonb'),
            rel, s.user_column, s.time_column, s.event_column);
        CREATE TEMPORARY TABLE cq_refresh_scan ON COMMIT DROP AS
        SELECT * FROM cq_internal.tracking_scan(
            'pg_temp.cq_refresh_rows'::regclass, 'u', 't', 'ev',
            CASE WHEN s.value_column IS NOT NULL THEN 'v'::name END,
            CASE WHEN s.event_id_column IS NOT NULL THEN 'id'::name END,
            CASE WHEN s.source_column IS NOT NULL THEN 'channel'::name END,
            CASE WHEN s.received_at_column IS NOT NULL THEN 'a'::name END,
            array_remove(ARRAY[CASE WHEN s.customer_columns ? 'external_id' THEN 'fb_external_id'::name END,
                               CASE WHEN s.customer_columns ? 'fbp' THEN 'fb_fbp'::name END], NULL),
            now());
    ELSE
        -- the scan: every figure of cq.tracking_health the rows decide alone,
        -- and one row per event name (day NULL) with its volumes
        CREATE TEMPORARY TABLE cq_refresh_scan ON COMMIT DROP AS
        SELECT * FROM cq_internal.tracking_scan(
            rel, s.user_column, s.time_column, s.event_column, NULL, s.event_id_column,
            s.source_column, s.received_at_column, NULL, now());
    END IF;
    -- The end of observation: the latest arrival when arrivals are known,
    -- else the latest event time, never later than now (a clock in the
    -- future must not make recent users look fully observed).
    SELECT coalesce(sum(x.rows), 0), coalesce(max(x.observed_until), now())
      INTO rows_read, until FROM pg_temp.cq_refresh_scan x WHERE x.day IS NULL;
    RAISE NOTICE 'cq.refresh: source "%": read % rows (%)', s.name, rows_read, clock_timestamp() - t0;

    -- tracking health, per UTC day of the event time and event name, from the
    -- scan's counts; a figure that needs a column the source did not register
    -- is NULL (the view's comments say which)
    DELETE FROM cq_internal.tracking_health_data d WHERE d.source = s.name;
    INSERT INTO cq_internal.tracking_health_data
    SELECT s.name, x.day, x.event_name, x.rows, x.events, x.users,
           CASE WHEN s.event_id_column IS NOT NULL THEN (x.rows - x.events)::float8 / x.rows END,
           CASE WHEN s.event_id_column IS NOT NULL THEN x.blank_ids::float8 / x.rows END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.server_events::float8 / x.events END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.browser_events::float8 / x.events END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.both_events::float8 / x.events END,
           -- dedup keys by channel: the event id, and what the fallback keys
           -- (external_id, fbp) add where the id is missing
           CASE WHEN s.source_column IS NOT NULL AND s.event_id_column IS NOT NULL AND x.browser_rows > 0
                THEN x.browser_id_rows::float8 / x.browser_rows END,
           CASE WHEN s.source_column IS NOT NULL AND s.event_id_column IS NOT NULL AND x.server_rows > 0
                THEN x.server_id_rows::float8 / x.server_rows END,
           CASE WHEN s.source_column IS NOT NULL AND (s.customer_columns ? 'external_id' OR s.customer_columns ? 'fbp')
                     AND x.browser_rows > 0
                THEN x.browser_fallback_rows::float8 / x.browser_rows END,
           CASE WHEN s.source_column IS NOT NULL AND (s.customer_columns ? 'external_id' OR s.customer_columns ? 'fbp')
                     AND x.server_rows > 0
                THEN x.server_fallback_rows::float8 / x.server_rows END,
           CASE WHEN s.event_id_column IS NOT NULL THEN x.reused_ids END,
           x.burst_events,
           NULL::bigint,       -- orphan_events, below
           NULL::bigint, NULL::bigint, NULL::boolean,  -- the volume band, below
           x.future_events,
           CASE WHEN s.received_at_column IS NOT NULL THEN x.late_events END,
           CASE WHEN s.received_at_column IS NOT NULL THEN x.stale_events END,
           x.median_lag_seconds, x.p95_lag_seconds,
           CASE WHEN s.source_column IS NOT NULL THEN x.channels END,
           now()
      FROM pg_temp.cq_refresh_scan x
     WHERE x.day IS NOT NULL;
    GET DIAGNOSTICS health_rows = ROW_COUNT;

    -- orphans: kept rows of an event that ends a defined funnel of two steps
    -- or more, with no row of an earlier step of such a funnel by the same
    -- user within that funnel's window before it (an index makes each check
    -- a probe)
    IF EXISTS (SELECT 1 FROM cq.funnels fu WHERE fu.source = s.name AND cardinality(fu.steps) > 1) THEN
        CREATE INDEX ON pg_temp.cq_refresh_rows (u, ev, t);
        UPDATE cq_internal.tracking_health_data d SET orphan_events = o.n
          FROM (SELECT (r.t AT TIME ZONE 'UTC')::date AS day, r.ev,
                       count(*) FILTER (WHERE NOT EXISTS (
                           SELECT 1 FROM cq.funnels fu, pg_temp.cq_refresh_rows e
                            WHERE fu.source = s.name AND cardinality(fu.steps) > 1
                              AND fu.steps[cardinality(fu.steps)] = r.ev
                              AND e.u = r.u AND e.ev = ANY (fu.steps[1:cardinality(fu.steps) - 1])
                              AND e.t <= r.t AND e.t >= r.t - fu."window")) AS n
                  FROM pg_temp.cq_refresh_rows r
                 WHERE NOT r.copy
                   AND r.ev IN (SELECT fu.steps[cardinality(fu.steps)] FROM cq.funnels fu
                                 WHERE fu.source = s.name AND cardinality(fu.steps) > 1)
                 GROUP BY 1, 2) o
         WHERE d.source = s.name AND d.day = o.day AND d.event_name = o.ev;
    END IF;

    -- volume anomalies: each day's rows of an event against the same weekday
    -- of the 4 weeks before (0 for a day without a row, from the event's first
    -- day to the last day not in the future): expected between half the
    -- smallest and 1.5 times the largest of the 4; a day outside is flagged,
    -- and a day with no row that was expected to have some gets a row of 0
    WITH days AS (
        SELECT d.event_name, d.day, d.rows FROM cq_internal.tracking_health_data d
         WHERE d.source = s.name AND isfinite(d.day) AND d.day <= current_date),
    grid AS (
        SELECT e.event_name, g::date AS day
          FROM (SELECT event_name, min(day) AS first FROM days GROUP BY 1) e,
               generate_series(e.first, (SELECT max(day) FROM days), interval '1 day') g),
    vol AS (
        SELECT g.event_name, g.day, coalesce(d.rows, 0) AS rows, d.rows IS NULL AS missing
          FROM grid g LEFT JOIN days d ON d.event_name = g.event_name AND d.day = g.day),
    past AS (
        SELECT v.*, ARRAY[lag(v.rows, 7) OVER w, lag(v.rows, 14) OVER w, lag(v.rows, 21) OVER w,
                          lag(v.rows, 28) OVER w] AS weeks
          FROM vol v WINDOW w AS (PARTITION BY v.event_name ORDER BY v.day)),
    band AS (
        SELECT p.event_name, p.day, p.rows, p.missing,
               floor(0.5 * (SELECT min(x) FROM unnest(p.weeks) x))::bigint AS lo,
               ceil(1.5 * (SELECT max(x) FROM unnest(p.weeks) x))::bigint AS hi
          FROM past p WHERE array_position(p.weeks, NULL) IS NULL),
    upd AS (
        UPDATE cq_internal.tracking_health_data d
           SET expected_low = b.lo, expected_high = b.hi,
               volume_anomaly = d.rows < b.lo OR d.rows > b.hi
          FROM band b
         WHERE d.source = s.name AND d.event_name = b.event_name AND d.day = b.day AND NOT b.missing)
    INSERT INTO cq_internal.tracking_health_data (source, day, event_name, rows, events, users,
                                                  burst_events, future_events, expected_low,
                                                  expected_high, volume_anomaly, refreshed_at)
    SELECT s.name, b.day, b.event_name, 0, 0, 0, 0, 0, b.lo, b.hi, true, now()
      FROM band b WHERE b.missing AND b.lo >= 1;
    GET DIAGNOSTICS n = ROW_COUNT;
    health_rows := health_rows + n;
    RAISE NOTICE 'cq.refresh: source "%": tracking health, % days and events (%)', s.name, health_rows,
        clock_timestamp() - t0;

    -- match quality: per event name and identifier, the share of the
    -- deduplicated events that carry it (on any copy) and that carry a
    -- usable value (cq_internal.identifier_valid)
    DELETE FROM cq_internal.match_quality_data d WHERE d.source = s.name;
    IF s.customer_columns IS NOT NULL THEN
        INSERT INTO cq_internal.match_quality_data
        WITH events AS (
            SELECT r.grp, min(r.ev) FILTER (WHERE NOT r.copy) AS ev
              FROM pg_temp.cq_refresh_rows r GROUP BY r.grp),
        n AS (SELECT e.ev, count(*) AS events FROM events e WHERE e.ev IS NOT NULL GROUP BY 1),
        carried AS (
            SELECT r.grp, c.key AS identifier,
                   bool_or(btrim(c.value) <> '') AS present,
                   bool_or(coalesce(cq_internal.identifier_valid(c.key, c.value,
                                                                 s.customer_columns->>'phone_region'), false))
                       AS valid
              FROM pg_temp.cq_refresh_rows r, jsonb_each_text(r.m) c
             GROUP BY 1, 2),
        ids AS (SELECT k AS identifier FROM jsonb_object_keys(s.customer_columns) k WHERE k <> 'phone_region')
        SELECT s.name, n.ev, i.identifier, n.events,
               count(*) FILTER (WHERE c.present)::float8 / n.events,
               count(*) FILTER (WHERE c.valid)::float8 / n.events,
               cq_internal.match_weight(i.identifier), now()
          FROM n CROSS JOIN ids i
          LEFT JOIN events e ON e.ev = n.ev
          LEFT JOIN carried c ON c.grp = e.grp AND c.identifier = i.identifier
         GROUP BY n.ev, i.identifier, n.events;
    END IF;

    -- event quality: volumes from the rows read, signal from cq.rank_events
    DELETE FROM cq_internal.event_quality_data d WHERE d.source = s.name;
    IF to_regclass('pg_temp.cq_refresh_rank') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_rank;
    END IF;
    CREATE TEMPORARY TABLE cq_refresh_rank ON COMMIT DROP AS
    SELECT * FROM cq.rank_events(NULL::regclass, interval '1 day') WITH NO DATA;
    IF s.value_column IS NOT NULL THEN
        INSERT INTO pg_temp.cq_refresh_rank
        SELECT * FROM cq.rank_events('pg_temp.cq_refresh_rows', s.horizon, user_column => 'u',
                                     time_column => 't', event_column => 'ev', value_column => 'v',
                                     observed_until => until, entry_events => s.entry_events,
                                     within => s.within,
                                     event_id_column => CASE WHEN s.event_id_column IS NOT NULL
                                                             THEN 'id'::name END);
    END IF;
    INSERT INTO cq_internal.event_quality_data
    SELECT s.name, v.ev, v.n, v.users, v.kept,
           CASE WHEN s.event_id_column IS NOT NULL THEN v.copies::float8 / v.n END,
           CASE WHEN s.event_id_column IS NOT NULL THEN v.blank::float8 / v.n END,
           coalesce(k.weekly_volume,
                    v.kept_until / greatest(1.0, extract(epoch FROM until - v.first_t) / 604800.0)),
           k.users_with_event, k.conversion_rate, k.baseline_conversion_rate, k.lift, k.odds_ratio,
           k.correlation, k.p_value, k.q_value, k.revenue_share,
           extract(epoch FROM k.median_event_latency)::float8 / 3600,
           extract(epoch FROM k.median_lead_time)::float8 / 3600,
           k.is_revenue_event, k.verdict, k.advice, coalesce(k.recommended, false), k.rank,
           (SELECT sum(mq.weight * mq.valid_share) FROM cq_internal.match_quality_data mq
             WHERE mq.source = s.name AND mq.event_name = v.ev), now()
      FROM (SELECT x.event_name AS ev, x.rows AS n, x.users, x.events AS kept, x.kept_until,
                   x.rows - x.events AS copies, x.blank_ids AS blank, x.first_time AS first_t
              FROM pg_temp.cq_refresh_scan x WHERE x.day IS NULL) v
      LEFT JOIN pg_temp.cq_refresh_rank k ON k.event_name = v.ev AND k.threshold = 1;
    GET DIAGNOSTICS quality_rows = ROW_COUNT;
    RAISE NOTICE 'cq.refresh: source "%": event quality, % event names (%)', s.name, quality_rows,
        clock_timestamp() - t0;

    -- campaign quality: cq.breakdown by each dimension column (entry rule; a user converts
    -- with revenue above zero within the source's horizon), over the rows that are not
    -- copies, through a temporary view of the rows read; needs a value column
    DELETE FROM cq_internal.campaign_quality_data d WHERE d.source = s.name;
    IF s.value_column IS NOT NULL AND s.dimension_columns IS NOT NULL THEN
        FOR dim IN SELECT x FROM unnest(s.dimension_columns) x LOOP
            EXECUTE format('CREATE OR REPLACE TEMPORARY VIEW cq_refresh_dimension AS '
                           'SELECT r.u, r.t, r.ev, r.v, r.dims OPERATOR(pg_catalog.->>) %L AS d '
                           '  FROM pg_temp.cq_refresh_rows r WHERE NOT r.copy', dim);
            INSERT INTO cq_internal.campaign_quality_data
            SELECT s.name, dim, b.*, now()
              FROM cq.breakdown('pg_temp.cq_refresh_dimension'::regclass, 'd', 'entry', NULL, NULL,
                                s.horizon, 100, 'u', 't', 'ev', 'v') b;
            GET DIAGNOSTICS n = ROW_COUNT;
            RAISE NOTICE 'cq.refresh: source "%": campaign quality by %, % buckets (%)', s.name, dim, n,
                clock_timestamp() - t0;
        END LOOP;
        DROP VIEW pg_temp.cq_refresh_dimension;
    END IF;

    -- funnels, over the rows that are not copies
    funnel_rows := 0;
    FOR f IN SELECT * FROM cq.funnels x WHERE x.source = s.name ORDER BY x.name LOOP
        DELETE FROM cq_internal.funnel_report_data d WHERE d.funnel = f.name;
        INSERT INTO cq_internal.funnel_report_data
        SELECT f.name, s.name, r.step, f.steps[r.step], r.users, r.conversion_from_previous,
               r.conversion_from_first, extract(epoch FROM r.median_from_previous)::float8,
               extract(epoch FROM r.p90_from_previous)::float8, now()
          FROM (SELECT cq.funnel_report(st, f."window", f.mode) AS rep
                  FROM (SELECT cq.funnel_events(x.t, x.ev, VARIADIC f.steps) AS st
                          FROM pg_temp.cq_refresh_rows x
                         WHERE NOT x.copy AND x.ev = ANY (f.steps)
                         GROUP BY x.u) p) q,
               unnest(q.rep) r;
        GET DIAGNOSTICS n = ROW_COUNT;
        funnel_rows := funnel_rows + n;
        RAISE NOTICE 'cq.refresh: source "%": funnel "%", % steps (%)', s.name, f.name, n,
            clock_timestamp() - t0;
    END LOOP;
    IF need_rows THEN
        DROP TABLE pg_temp.cq_refresh_rows;
    END IF;
    DROP TABLE pg_temp.cq_refresh_scan;
    DROP TABLE pg_temp.cq_refresh_rank;
END
$$;

COMMENT ON FUNCTION cq_internal.refresh_source(cq.event_sources) IS
'Computes the three reports of one source (cq.refresh holds its lock).';
