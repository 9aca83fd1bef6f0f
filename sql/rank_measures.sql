-- cq.rank_correlation (Spearman) and cq.auc (ROC AUC): hand-checked values, ties, NULLs,
-- the cq.rank_sample state formats, malformed input, parallel plans.  scipy / sklearn
-- comparisons on large data are in test/check_rank_measures.py.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
\pset null '(null)'

-- x = 1 2 2 4 5 (ranks 1 2.5 2.5 4 5), y = 2 3 5 4 1 (ranks 2 3 5 4 1):
-- sum of rank products minus n((n+1)/2)^2 = 43 - 45 = -2; rank sums of squares 9.5 and 10
-- rho = -2 / sqrt(9.5 * 10) = -0.2051956704 (scipy.stats.spearmanr agrees)
SELECT round(cq.rank_correlation(x, y)::numeric, 10) AS rho
  FROM (VALUES (1, 2), (2, 3), (2, 5), (4, 4), (5, 1)) t(x, y);
-- monotone but not linear: rho = 1, Pearson < 1
SELECT cq.rank_correlation(x, exp(x)) AS rho, round(corr(x, exp(x))::numeric, 6) AS pearson
  FROM generate_series(1, 10) x;
SELECT cq.rank_correlation(x, -x ^ 3) FROM generate_series(1, 10) x;
-- AUC: positives score 3, 5; negatives 1, 3, 4
-- pairs (pos > neg): (3>1) (3=3 half) (5>1) (5>3) (5>4) -> 4.5 / 6 = 0.75
SELECT cq.auc(s, l) FROM (VALUES (3, true), (5, true), (1, false), (3, false), (4, false)) t(s, l);
-- every score tied: 0.5; a perfect separation: 1 and 0
SELECT cq.auc(1, l) FROM (VALUES (true), (false), (false)) t(l);
SELECT cq.auc(s, s > 2), cq.auc(-s, s > 2) FROM generate_series(1, 5) s;
-- NULL rows skipped; fewer than 2 pairs, a constant, or one label only: NULL
SELECT cq.rank_correlation(x, y), cq.auc(x, y > 1)
  FROM (VALUES (1, NULL), (NULL, 2), (3, 4)) t(x, y);
SELECT cq.rank_correlation(x, 7) FROM generate_series(1, 3) x;
SELECT cq.auc(x, true) FROM generate_series(1, 3) x;
SELECT cq.rank_correlation(x, x), cq.auc(x, true) FROM generate_series(1, 3) x WHERE false;
-- infinities are ordered values
SELECT cq.rank_correlation(x, y), cq.auc(x, y > 0)
  FROM (VALUES ('-Infinity'::float8, -1::float8), (0, 0), ('Infinity', 1), (1, 2)) t(x, y);

-- per group, and under a forced parallel plan
CREATE TABLE rank_data AS
SELECT g AS id, ((g::bigint * 7919) % 1000)::float8 AS x,
       (((g::bigint * 7919) % 1000) / 3 + (g::bigint * 104729) % 500)::float8 AS y
  FROM generate_series(1, 100000) g;
ANALYZE rank_data;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE rank_serial AS
SELECT cq.rank_correlation(x, y) AS rho, cq.auc(y, x > 500) AS auc FROM rank_data;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT cq.rank_correlation(x, y), cq.auc(y, x > 500) FROM rank_data;
SELECT round(p.rho::numeric, 12) AS rho, round(p.auc::numeric, 12) AS auc,
       p.rho = s.rho AS rho_equal, p.auc = s.auc AS auc_equal
  FROM (SELECT cq.rank_correlation(x, y) AS rho, cq.auc(y, x > 500) AS auc FROM rank_data) p,
       rank_serial s;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- the state: text and binary forms
SELECT cq_internal.rank_sample_transfn(cq_internal.rank_sample_transfn(NULL, 1.5, 2), 'Infinity', -0.1);
SELECT cq_internal.auc_transfn(cq_internal.auc_transfn(NULL, 0.25, true), 3, false);
SELECT cq_internal.rank_sample_combine('v1:1:1,2', 'v1:2:3,4;5,6');
SELECT cq_internal.rank_sample_combine(NULL, 'v1:0:');
SELECT cq_internal.rank_sample_send('v1:2:1,0;-Infinity,1');
SELECT 'v1:3:0.1,0.2;1e-300,-2.5;Infinity,-Infinity'::cq.rank_sample::text::cq.rank_sample;
-- the state survives a table and COPY BINARY
CREATE TABLE rank_states AS
SELECT id % 3 AS k, (SELECT cq_internal.rank_sample_transfn(NULL, id, id * 0.1)) AS s
  FROM generate_series(1, 6) id;
\copy (SELECT k, s FROM rank_states ORDER BY k, s::text) TO 'results/rank_states.bin' WITH (FORMAT binary)
CREATE TABLE rank_states_copy (k int, s cq.rank_sample);
\copy rank_states_copy FROM 'results/rank_states.bin' WITH (FORMAT binary)
SELECT k, s FROM rank_states_copy ORDER BY k, s::text;

-- errors
SELECT cq.rank_correlation(x, 'NaN') FROM generate_series(1, 3) x;
SELECT cq.auc('NaN', true);
SELECT 'v2:0:'::cq.rank_sample;
SELECT 'v1:2:1,2'::cq.rank_sample;
SELECT 'v1:1:1,2;3,4'::cq.rank_sample;
SELECT 'v1:1:1'::cq.rank_sample;
SELECT 'v1:1:NaN,1'::cq.rank_sample;
SELECT 'v1:-1:'::cq.rank_sample;
SELECT 'v1:99999999999:1,2'::cq.rank_sample;
SELECT 'v1:1:1,2 '::cq.rank_sample;
