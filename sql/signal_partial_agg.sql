-- cq.event_signal and cq.signal_rollup under parallel and partitionwise plans: combine must
-- give the serial result, including partitions with no rows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
CREATE TABLE sig_part (user_id int, has_event boolean, revenue float8) PARTITION BY LIST ((user_id % 4));
CREATE TABLE sig_part_0 PARTITION OF sig_part FOR VALUES IN (0);
CREATE TABLE sig_part_1 PARTITION OF sig_part FOR VALUES IN (1);
CREATE TABLE sig_part_2 PARTITION OF sig_part FOR VALUES IN (2);
CREATE TABLE sig_part_3 PARTITION OF sig_part FOR VALUES IN (3);  -- stays empty
INSERT INTO sig_part
SELECT g, (g::bigint * 7919) % 10 < 3,
       CASE WHEN (g::bigint * 104729) % 17 < 3 THEN round((((g * 31) % 997) * 1.37)::numeric, 2) ELSE 0 END
  FROM generate_series(1, 200000) g WHERE g % 4 <> 3;
ANALYZE sig_part;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS SELECT cq.event_signal(has_event, revenue)::text AS s FROM sig_part;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT cq.event_signal(has_event, revenue) FROM sig_part;
-- summaries are merged in a different order; the counts are exact and the moments agree to
-- rounding, so every accessor agrees with the serial plan to 12 digits
CREATE TEMP TABLE par AS SELECT cq.event_signal(has_event, revenue) AS s FROM sig_part;
SELECT cq.signal_n(p.s) = cq.signal_n(q.s::cq.event_signal) AS n_equal,
       cq.signal_n_converted(p.s) = cq.signal_n_converted(q.s::cq.event_signal) AS conv_equal,
       abs(cq.signal_correlation(p.s) / cq.signal_correlation(q.s::cq.event_signal) - 1) < 1e-12 AS r_equal,
       abs(cq.signal_log_t(p.s) - cq.signal_log_t(q.s::cq.event_signal)) < 1e-10 AS t_equal,
       abs(cq.signal_revenue_share(p.s) / cq.signal_revenue_share(q.s::cq.event_signal) - 1) < 1e-12 AS share_equal
  FROM par p, serial q;

-- per-partition summaries rolled up in parallel, including the empty partition's
CREATE TABLE sig_daily AS
SELECT user_id % 4 AS part, user_id % 7 AS day, cq.event_signal(has_event, revenue) AS s
  FROM sig_part GROUP BY 1, 2;
INSERT INTO sig_daily
SELECT 3, d, (SELECT cq.event_signal(has_event, revenue) FROM sig_part WHERE false)
  FROM generate_series(0, 6) d;
INSERT INTO sig_daily SELECT 3, NULL, NULL;
ANALYZE sig_daily;
EXPLAIN (COSTS OFF) SELECT cq.signal_rollup(s) FROM sig_daily;
SELECT cq.signal_n(r.s) = cq.signal_n(q.s::cq.event_signal) AS n_equal,
       abs(cq.signal_correlation(r.s) / cq.signal_correlation(q.s::cq.event_signal) - 1) < 1e-12 AS r_equal,
       round(cq.signal_correlation(r.s)::numeric, 10) AS r,
       round(cq.signal_p_value(r.s)::numeric, 10) AS p
  FROM (SELECT cq.signal_rollup(s) AS s FROM sig_daily) r, serial q;
-- group by partition: partitionwise partial aggregation with an empty partition
EXPLAIN (COSTS OFF)
SELECT user_id % 4, cq.signal_n(cq.event_signal(has_event, revenue)) FROM sig_part GROUP BY 1;
SELECT user_id % 4 AS part, cq.signal_n(cq.event_signal(has_event, revenue))
  FROM sig_part GROUP BY 1 ORDER BY 1;
