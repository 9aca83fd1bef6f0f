-- Funnel aggregates on forced parallel and partitionwise plans equal the serial plan,
-- including partial states that saw no rows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
CREATE TABLE pa_ev AS
SELECT i % 500 AS uid,
       timestamptz '2024-01-01 00:00:00+00' + ((i * 7919) % 7200) * interval '1 second' AS ts,
       (ARRAY['a', 'b', 'c', 'x'])[1 + ((i / 500) * (1 + (i % 500) % 7) + (i % 500) / 3) % 4] AS e
  FROM generate_series(1, 60000) i;
ANALYZE pa_ev;

-- Serial answers
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT uid,
       cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') AS wf,
       cq.window_funnel('5 min', 'strict_order,strict_once', ts, e = 'a', e = 'b', e = 'c') AS wf_modes,
       cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text AS st,
       cq.retention(e = 'a', e = 'b', e = 'c') AS ret
  FROM pa_ev GROUP BY uid;
SELECT cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') AS one_user,
       cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text = (SELECT st FROM serial WHERE uid = 7) AS same_state
  FROM pa_ev WHERE uid = 7;

-- Forced parallel plans
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT uid, cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') FROM pa_ev GROUP BY uid;
SELECT count(*) AS users,
       count(*) FILTER (WHERE s.wf IS DISTINCT FROM p.wf) AS wf_differs,
       count(*) FILTER (WHERE s.wf_modes IS DISTINCT FROM p.wf_modes) AS wf_modes_differs,
       count(*) FILTER (WHERE s.st IS DISTINCT FROM p.st) AS state_differs,
       count(*) FILTER (WHERE s.ret IS DISTINCT FROM p.ret) AS retention_differs,
       array_agg(DISTINCT p.wf ORDER BY p.wf) AS stages_seen,
       array_agg(DISTINCT p.wf_modes ORDER BY p.wf_modes) AS stages_seen_modes
  FROM serial s
  FULL JOIN (SELECT uid,
                    cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') AS wf,
                    cq.window_funnel('5 min', 'strict_order,strict_once', ts, e = 'a', e = 'b', e = 'c') AS wf_modes,
                    cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text AS st,
                    cq.retention(e = 'a', e = 'b', e = 'c') AS ret
               FROM pa_ev GROUP BY uid) p USING (uid);

-- One user: most partial states see no rows (NULL partial states)
EXPLAIN (COSTS OFF)
SELECT cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') FROM pa_ev WHERE uid = 7;
SELECT cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') AS one_user,
       cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text = (SELECT st FROM serial WHERE uid = 7) AS same_state,
       cq.retention(e = 'a', e = 'b', e = 'c') = (SELECT ret FROM serial WHERE uid = 7) AS same_retention
  FROM pa_ev WHERE uid = 7;
-- No rows at all on any worker
SELECT cq.window_funnel('5 min', ts, e = 'a') AS no_rows, cq.funnel_events(ts, e = 'a') AS no_state,
       cq.retention(e = 'a') AS no_retention
  FROM pa_ev WHERE uid = -1;
-- Rollup of stored states in parallel
CREATE TABLE pa_st AS SELECT uid, st::cq.funnel_state AS st FROM serial;
ANALYZE pa_st;
EXPLAIN (COSTS OFF) SELECT cq.funnel_rollup(st) FROM pa_st;
SELECT cq.funnel_stage(cq.funnel_rollup(st), interval '5 min') AS rollup_stage,
       cq.funnel_rollup(st)::text = (SELECT cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text
                                       FROM pa_ev) AS rollup_equals_all_rows
  FROM pa_st;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_hashagg;

-- Partitionwise partial aggregation with an empty partition
CREATE TABLE pa_part (uid int, ts timestamptz, e text) PARTITION BY RANGE (uid);
CREATE TABLE pa_part_1 PARTITION OF pa_part FOR VALUES FROM (0) TO (250);
CREATE TABLE pa_part_2 PARTITION OF pa_part FOR VALUES FROM (250) TO (500);
CREATE TABLE pa_part_empty PARTITION OF pa_part FOR VALUES FROM (500) TO (1000);
INSERT INTO pa_part SELECT * FROM pa_ev WHERE uid IN (7, 300);
ANALYZE pa_part;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') FROM pa_part;
SELECT cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') AS partitionwise,
       cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text =
         (SELECT cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text FROM pa_ev WHERE uid IN (7, 300))
         AS same_state
  FROM pa_part;
SELECT cq.window_funnel('5 min', ts, e = 'a') AS only_empty FROM pa_part WHERE uid >= 500;
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;

-- Separate steps (the VARIADIC "any" form) and one boolean array (the typed form) agree, in every mode
SELECT mode,
       count(*) FILTER (WHERE fixed <> var) AS stage_differs,
       count(*) FILTER (WHERE fixed_st <> var_st) AS state_differs
  FROM (SELECT m.mode, uid,
               cq.window_funnel('5 min', m.mode, ts, e = 'a', e = 'b', e = 'c') AS fixed,
               cq.window_funnel('5 min', m.mode, ts, ARRAY[e = 'a', e = 'b', e = 'c']) AS var,
               cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text AS fixed_st,
               cq.funnel_events(ts, ARRAY[e = 'a', e = 'b', e = 'c'])::text AS var_st
          FROM pa_ev, (VALUES (''), ('strict_order'), ('strict_once,strict_deduplication'),
                              ('strict_increase')) m(mode)
         GROUP BY m.mode, uid) q
 GROUP BY mode ORDER BY mode;
SELECT cq.window_funnel('5 min', ts, e = 'a', e = 'b', e = 'c') = cq.window_funnel('5 min', ts::timestamp, e = 'a', e = 'b', e = 'c')
       AS timestamp_form_agrees
  FROM pa_ev WHERE uid = 300;
-- a NULL among separate steps skips the row, as a NULL array element does
SELECT cq.window_funnel('1 hour', ts, a, b) AS fixed, cq.window_funnel('1 hour', ts, VARIADIC ARRAY[a, b]) AS var
  FROM (VALUES (timestamptz '2024-01-01', true, false), ('2024-01-01 00:01', NULL, true)) v(ts, a, b);
-- separate steps resolve to the VARIADIC "any" form (no ARRAY[] built per row), an
-- array to the typed boolean[] form (with or without the VARIADIC keyword)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT cq.window_funnel('1 hour', ts, a, b), cq.window_funnel('1 hour', ts, VARIADIC ARRAY[a, b]),
       cq.window_funnel('1 hour', ts, ARRAY[a, b])
  FROM (VALUES (timestamptz '2024-01-01', true, false)) v(ts, a, b);
CREATE TEMP VIEW pa_resolved AS
SELECT cq.window_funnel('1 hour', ts, a, b) AS separate, cq.window_funnel('1 hour', ts, ARRAY[a, b]) AS one_array
  FROM (VALUES (timestamptz '2024-01-01', true, false)) v(ts, a, b);
SELECT DISTINCT d.refobjid::regprocedure AS resolved_to
  FROM pg_depend d JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
 WHERE r.ev_class = 'pa_resolved'::regclass AND d.refclassid = 'pg_proc'::regclass
 ORDER BY 1;

