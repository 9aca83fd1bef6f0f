-- Every aggregate of the extension over a partitioned table (one partition empty) with
-- enable_partitionwise_aggregate and forced parallel plans (partial states built per
-- partition and per worker, combined, serialized where the state is internal) gives the
-- answer of the same rows in a plain table on a serial plan (issue 16, section 1).  Results
-- are compared as text, except summaries whose bits depend on the order rows arrive in: a
-- signal summary (floating-point moments) by its counts and figures to 10 digits, a rank
-- sample (pairs kept in arrival order) by its exact measures, attribution credits (sums of
-- floating-point credits) by their rows to 9 and 6 decimals.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
CREATE TABLE pw_ev AS
SELECT g % 1500 AS u,
       timestamptz '2024-01-01 00:00+00' + (hashint4(g) & 4095) * interval '7 minutes' AS ts,
       (ARRAY['a', 'b', 'c', 'd', 'x'])[1 + (hashint4(g + 1) & 7) % 5] AS e,
       ((hashint4(g + 2) & 1023) / 10.0)::float8 AS v,
       'k' || (hashint4(g + 3) & 3) AS k
  FROM generate_series(1, 30000) g;
CREATE TABLE pw_part (u int, ts timestamptz, e text, v float8, k text) PARTITION BY RANGE (u);
CREATE TABLE pw_part_0 PARTITION OF pw_part FOR VALUES FROM (0) TO (500);
CREATE TABLE pw_part_1 PARTITION OF pw_part FOR VALUES FROM (500) TO (1000);
CREATE TABLE pw_part_2 PARTITION OF pw_part FOR VALUES FROM (1000) TO (1500);
CREATE TABLE pw_part_empty PARTITION OF pw_part FOR VALUES FROM (10000) TO (20000);
INSERT INTO pw_part SELECT * FROM pw_ev;
-- per-user states, plain and partitioned the same way
CREATE TABLE pw_st AS
SELECT u, st, rev, sig, sample, credits, cq.funnel_report_state(st, interval '1 day') OVER (PARTITION BY u) AS rep
  FROM (SELECT u, cq.funnel_events(ts, e = 'a', e = 'b', e = 'c') AS st, max(v) AS rev,
               cq.event_signal(e = 'b', v) AS sig, cq.rank_sample(u, v) AS sample,
               cq.attribution_credits(ts, e, e = 'd', v, 'linear', '3 days', '1 day') AS credits
          FROM pw_ev GROUP BY u) s;
CREATE TABLE pw_st_part (LIKE pw_st) PARTITION BY RANGE (u);
CREATE TABLE pw_st_part_0 PARTITION OF pw_st_part FOR VALUES FROM (0) TO (700);
CREATE TABLE pw_st_part_1 PARTITION OF pw_st_part FOR VALUES FROM (700) TO (1500);
CREATE TABLE pw_st_part_empty PARTITION OF pw_st_part FOR VALUES FROM (10000) TO (20000);
INSERT INTO pw_st_part SELECT * FROM pw_st;
ANALYZE pw_ev, pw_part, pw_st, pw_st_part;

-- expr over rows (source 'ev') or states ('st'); reader: how a result is compared (%s: it)
CREATE TABLE pw_cases (n serial, source text, expr text, reader text DEFAULT '%s::text');
INSERT INTO pw_cases (source, expr) VALUES
  ('ev', $$cq.window_funnel(interval '1 day', ts, e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.window_funnel(interval '1 day', 'strict_order', ts, e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.window_funnel(interval '1 day', ts::timestamp, e = 'a', e = 'b')$$),
  ('ev', $$cq.window_funnel(interval '1 day', ts, VARIADIC ARRAY[e = 'a', e = 'b'])$$),
  ('ev', $$cq.window_funnel(interval '1 day', ts, e, 'a', 'b', 'c')$$),
  ('ev', $$cq.window_funnel(interval '1 day', 'strict_once', ts::timestamp, e, 'a', 'b')$$),
  ('ev', $$cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.funnel_events(ts::timestamp, VARIADIC ARRAY[e = 'a', e = 'b'])$$),
  ('ev', $$cq.funnel_events(ts, e, 'a', 'b', 'c', 'd')$$),
  ('ev', $$cq.retention(e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.conversion_curve(ts, CASE WHEN e = 'd' THEN ts + interval '1 hour' END, timestamptz '2024-01-20 00:00+00', interval '2 days', interval '1 hour')$$),
  ('ev', $$cq.conversion_curve(ts, CASE WHEN e = 'd' THEN ts + (v * interval '1 minute') END, timestamptz '2024-01-15 00:00+00')$$),
  ('ev', $$cq.window_funnel_by_key(interval '1 day', k, ts, e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.window_funnel_by_key(interval '1 day', 'strict_increase', k, ts, e = 'a', e = 'b')$$),
  ('ev', $$cq.funnel_next_events(interval '1 day', ts, e, 2, 3, e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.sequence_match('(?1).*(?2)(?t<=3600)(?3)', ts, e = 'a', e = 'b', e = 'c')$$),
  ('ev', $$cq.sequence_count('(?1).*(?2)', ts, e = 'a', e = 'b')$$),
  ('ev', $$cq.sequence_match_events('(?1)(?t>600)(?2)', ts, e = 'a', e = 'b')$$),
  ('st', $$cq.funnel_rollup(st)$$),
  ('st', $$cq.funnel_report(st, interval '1 day')$$),
  ('st', $$cq.funnel_report(st, interval '1 day', 'strict_order')$$),
  ('st', $$cq.funnel_report(st, ARRAY[interval '1 hour', '1 day'])$$),
  ('st', $$cq.funnel_report(st, ARRAY[interval '1 hour', '1 day'], 'strict_increase')$$),
  ('st', $$cq.funnel_report_state(st, interval '1 day')$$),
  ('st', $$cq.funnel_report_state(st, interval '1 day', 'strict_order')$$),
  ('st', $$cq.funnel_report_state(st, ARRAY[interval '1 hour', '1 day'])$$),
  ('st', $$cq.funnel_report_state(st, ARRAY[interval '1 hour', '1 day'], 'strict_increase')$$),
  ('st', $$cq.funnel_report_rollup(rep)$$),
  ('st', $$cq.funnel_revenue(st, rev, interval '1 day')$$),
  ('st', $$cq.funnel_revenue(st, rev, interval '1 day', 'strict_order')$$),
  ('st', $$cq.funnel_revenue(st, rev, ARRAY[interval '1 hour', '1 day'])$$),
  ('st', $$cq.funnel_revenue(st, rev, ARRAY[interval '1 hour', '1 day'], 'strict_order')$$),
  ('st', $$cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-20 00:00+00')$$),
  ('st', $$cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-20 00:00+00', interval '30 minutes')$$);
INSERT INTO pw_cases (source, expr, reader) VALUES
  ('ev', $$cq.attribution_credits(ts, e, e = 'd', v, 'position_based', '3 days', '1 day')$$,
   $ATT$(SELECT string_agg(format('%%s %%s %%s', channel, round(conversions::numeric, 9), round(value::numeric, 6)), ',' ORDER BY channel) FROM cq.attribution_rows(%s))$ATT$),
  ('st', $$cq.attribution_rollup(credits)$$,
   $ATT$(SELECT string_agg(format('%%s %%s %%s', channel, round(conversions::numeric, 9), round(value::numeric, 6)), ',' ORDER BY channel) FROM cq.attribution_rows(%s))$ATT$),
  ('ev', $$cq.event_signal(e = 'b', v)$$,
   $$format('%%s %%s %%s %%s', cq.signal_n(%1$s), cq.signal_n_event(%1$s), round(cq.signal_correlation(%1$s)::numeric, 10), round(cq.signal_log_t(%1$s)::numeric, 8))$$),
  ('st', $$cq.signal_rollup(sig)$$,
   $$format('%%s %%s %%s %%s', cq.signal_n(%1$s), cq.signal_n_event(%1$s), round(cq.signal_correlation(%1$s)::numeric, 10), round(cq.signal_log_t(%1$s)::numeric, 8))$$),
  ('ev', $$cq.rank_sample(u, v)$$, $$format('%%s %%s %%s', cq.rank_n(%1$s), cq.rank_correlation(%1$s), cq.auc(%1$s))$$),
  ('st', $$cq.rank_rollup(sample)$$, $$format('%%s %%s %%s', cq.rank_n(%1$s), cq.rank_correlation(%1$s), cq.auc(%1$s))$$),
  ('ev', $$cq.rank_correlation(u, v)$$, $$round(%s::numeric, 12)::text$$),
  ('ev', $$cq.auc(v, e = 'b')$$, $$round(%s::numeric, 12)::text$$);

-- one case: its groups (the whole table, and u % 3) on the partitioned table with
-- partitionwise partial aggregation on a forced parallel plan, and on the plain table serially
CREATE FUNCTION pw_answer(c pw_cases, partitioned boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    q text := format('SELECT string_agg(g::text || ''='' || coalesce(r, ''(null)''), '';'' ORDER BY g) FROM '
                     '(SELECT g, %s AS r FROM (SELECT u %% 3 AS g, %s AS a FROM %s GROUP BY 1 '
                     ' UNION ALL SELECT -1, %s FROM %s) x) y',
                     format(c.reader, 'a'), c.expr,
                     CASE c.source WHEN 'ev' THEN 'pw_' || CASE WHEN partitioned THEN 'part' ELSE 'ev' END
                                   ELSE 'pw_st' || CASE WHEN partitioned THEN '_part' ELSE '' END END,
                     c.expr,
                     CASE c.source WHEN 'ev' THEN 'pw_' || CASE WHEN partitioned THEN 'part' ELSE 'ev' END
                                   ELSE 'pw_st' || CASE WHEN partitioned THEN '_part' ELSE '' END END);
    r text;
BEGIN
    IF partitioned THEN
        SET LOCAL enable_partitionwise_aggregate = on;
        SET LOCAL parallel_setup_cost = 0;
        SET LOCAL parallel_tuple_cost = 0;
        SET LOCAL min_parallel_table_scan_size = 0;
        SET LOCAL max_parallel_workers_per_gather = 2;
    ELSE
        SET LOCAL enable_partitionwise_aggregate = off;
        SET LOCAL max_parallel_workers_per_gather = 0;
    END IF;
    EXECUTE q INTO r;
    RETURN r;
END $$;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE pw_answer(c, true) = pw_answer(c, false)) AS partitionwise_parallel_equals_serial,
       count(DISTINCT substring(c.expr FROM 'cq\.([a-z_]+)')) AS aggregates,
       count(*) FILTER (WHERE pw_answer(c, false) NOT LIKE '%(null)%') AS answers_without_null_group
  FROM pw_cases c;
SELECT c.n, c.expr FROM pw_cases c WHERE pw_answer(c, true) IS DISTINCT FROM pw_answer(c, false);
-- every aggregate of the extension has a case here
SELECT p.proname AS aggregate_without_case
  FROM pg_proc p
 WHERE p.pronamespace = 'cq'::regnamespace AND p.prokind = 'a'
   AND NOT EXISTS (SELECT 1 FROM pw_cases c WHERE c.expr LIKE '%cq.' || p.proname || '(%')
 GROUP BY 1 ORDER BY 1;

-- the plans: partial aggregation per partition (the empty one pruned or empty), combined
SET enable_partitionwise_aggregate = on;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT u % 3, cq.sequence_count('(?1).*(?2)', ts, e = 'a', e = 'b') FROM pw_part GROUP BY 1;
EXPLAIN (COSTS OFF)
SELECT cq.funnel_revenue(st, rev, interval '1 day') FROM pw_st_part;
RESET enable_partitionwise_aggregate; RESET parallel_setup_cost; RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
DROP FUNCTION pw_answer(pw_cases, boolean);
DROP TABLE pw_cases, pw_ev, pw_part, pw_st, pw_st_part;
