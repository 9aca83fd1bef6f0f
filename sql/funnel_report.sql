-- cq.funnel_report: per step, users reaching it, conversions, median and p90 time from the previous step
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
SET IntervalStyle = 'postgres';

-- Five users; times in minutes after 2024-01-01 00:00 UTC
CREATE TABLE fr_ev (uid int, ts timestamptz, e text);
INSERT INTO fr_ev
SELECT uid, timestamptz '2024-01-01 00:00:00+00' + m * interval '1 minute', e
  FROM (VALUES (1, 0, 'view'), (1, 10, 'cart'), (1, 20, 'buy'),     -- 10 min, 10 min
               (2, 0, 'view'), (2, 30, 'cart'), (2, 90, 'buy'),     -- 30 min, 60 min
               (3, 0, 'view'), (3, 50, 'cart'),                     -- 50 min
               (4, 0, 'view'),
               (5, 0, 'cart'), (5, 5, 'buy')) v(uid, m, e);        -- never viewed: stage 0
CREATE TABLE fr_st AS
SELECT uid, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'buy') AS st FROM fr_ev GROUP BY uid;

-- view -> cart: 3 of 4 users, times 10, 30, 50 min: median 30, p90 = 30 + 0.8 * 20 = 46 min
-- cart -> buy: 2 of 3, times 10 and 60 min: median 35, p90 = 10 + 0.9 * 50 = 55 min
SELECT r.* FROM (SELECT cq.funnel_report(st, interval '2 hours') AS rep FROM fr_st) q, unnest(q.rep) r;
-- a 1-hour window from step 1 loses user 2's purchase (90 min after the view)
SELECT r.* FROM unnest((SELECT cq.funnel_report(st, interval '1 hour') FROM fr_st)) r;
-- per-step windows: cart within 40 min of the view, purchase within 1 hour of the cart
SELECT r.* FROM unnest((SELECT cq.funnel_report(st, ARRAY[interval '40 min', '1 hour']) FROM fr_st)) r;
SELECT r.step, r.users FROM unnest((SELECT cq.funnel_report(st, ARRAY[interval '40 min', '1 hour'], 'strict_order')
                                      FROM fr_st)) r;

-- Cross-check with percentile_cont over cq.funnel_step_times
WITH t AS (SELECT cq.funnel_step_times(st, interval '2 hours') AS tm FROM fr_st),
     c AS (SELECT k, count(*) AS users,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY tm[k] - tm[k - 1]) AS med,
                  percentile_cont(0.9) WITHIN GROUP (ORDER BY tm[k] - tm[k - 1]) AS p90
             FROM t, generate_series(1, 3) k WHERE cardinality(tm) >= k GROUP BY k)
SELECT k, c.users = r.users AS same_users,
       c.med IS NOT DISTINCT FROM r.median_from_previous AS same_median,
       c.p90 IS NOT DISTINCT FROM r.p90_from_previous AS same_p90
  FROM c JOIN unnest((SELECT cq.funnel_report(st, interval '2 hours') FROM fr_st)) r ON r.step = c.k
 ORDER BY k;

-- NULL states are skipped; no state at all gives NULL; one report covers one funnel
SELECT (cq.funnel_report(st, interval '2 hours'))[1].users AS users_step1
  FROM (SELECT st FROM fr_st UNION ALL SELECT NULL) q;
SELECT cq.funnel_report(st, interval '2 hours') IS NULL AS no_states FROM fr_st WHERE false;
\set VERBOSITY sqlstate
SELECT cq.funnel_report(st, interval '1 hour')
  FROM (VALUES ('v1 steps=1 params=- events=0'::cq.funnel_state), ('v1 steps=2 params=- events=0')) v(st);
SELECT cq.funnel_report(st, NULL::interval) FROM fr_st;
SELECT cq.funnel_report(st, interval '1 hour', 'bogus') FROM fr_st;
\set VERBOSITY default

-- Parallel plan: same report as serial
CREATE TABLE fr_many AS
SELECT g * 10 + uid AS uid, st FROM fr_st, generate_series(1, 2000) g;
ANALYZE fr_many;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE fr_serial AS SELECT cq.funnel_report(st, interval '2 hours')::text AS rep FROM fr_many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT cq.funnel_report(st, interval '2 hours') FROM fr_many;
SELECT cq.funnel_report(st, interval '2 hours')::text = (SELECT rep FROM fr_serial) AS parallel_equals_serial,
       (cq.funnel_report(st, interval '2 hours'))[2].users AS users_step2
  FROM fr_many;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
