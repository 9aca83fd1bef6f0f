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
