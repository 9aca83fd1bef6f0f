-- cq.funnel_revenue (README "Revenue in the funnel"): worked by hand; equal to plain SQL
-- (count, sum, avg, percentile_cont over cq.funnel_stage) on generated users, serially and
-- on a forced parallel plan; NULL, non-finite revenue, errors.
\pset null '(null)'
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TABLE fv_ev (u int, ts timestamptz, e text);
INSERT INTO fv_ev VALUES
 (1, '2024-05-01 10:00', 'view'), (1, '2024-05-01 10:05', 'cart'), (1, '2024-05-01 10:09', 'buy'),
 (2, '2024-05-01 11:00', 'view'), (2, '2024-05-01 11:30', 'cart'),
 (3, '2024-05-01 12:00', 'view'),
 (4, '2024-05-01 13:00', 'view'), (4, '2024-05-01 13:10', 'cart'), (4, '2024-05-01 13:20', 'buy'),
 (5, '2024-05-01 14:00', 'cart');
CREATE TABLE fv_rev (u int, revenue float8);
INSERT INTO fv_rev VALUES (1, 120), (2, 0), (3, 10), (4, 60), (5, 500);
-- By hand (window 1 hour): stages u1 3, u2 2, u3 1, u4 3, u5 0 (a cart without a view: never
-- entered, left out). Step 1: u1-u4, revenue 120 + 0 + 10 + 60 = 190, mean 47.5, median
-- (10 + 60) / 2 = 35, per entrant 47.5; step 2: u1, u2, u4: 180, 60, median 60, 180 / 4 = 45;
-- step 3: u1, u4: 180, 90, median 90, 45.
SELECT r.*
  FROM (SELECT cq.funnel_revenue(s.st, v.revenue, interval '1 hour') AS rep
          FROM (SELECT u, cq.funnel_events(ts, e, 'view', 'cart', 'buy') AS st FROM fv_ev GROUP BY u) s
          JOIN fv_rev v USING (u)) q,
       unnest(q.rep) r;
-- a NULL revenue counts the user, not the revenue; a non-finite one likewise; a NULL state
-- is no user
SELECT r.step, r.users, r.users_with_revenue, r.revenue_sum, r.revenue_median, r.revenue_per_entrant
  FROM (SELECT cq.funnel_revenue(s.st, v.revenue, interval '1 hour') AS rep
          FROM (SELECT u, cq.funnel_events(ts, e, 'view', 'cart', 'buy') AS st FROM fv_ev GROUP BY u
                UNION ALL SELECT 9, NULL) s
          JOIN (VALUES (1, NULL::float8), (2, 'NaN'), (3, 10), (4, 'Infinity'), (9, 1000)) v(u, revenue)
            USING (u)) q,
       unnest(q.rep) r;

-- Generated users against plain SQL, every mode
SELECT setseed(0.5);
CREATE TABLE fv_gen AS
SELECT u, timestamptz '2024-01-01' + (random() * 86400 * 3) * interval '1 second' AS ts,
       (ARRAY['view', 'cart', 'checkout', 'buy', 'other'])[1 + floor(random() * 5)::int] AS e
  FROM generate_series(1, 4000) u, generate_series(1, 1 + (u % 9)) i;
CREATE TABLE fv_users AS
SELECT u, cq.funnel_events(ts, e, 'view', 'cart', 'checkout', 'buy') AS st,
       CASE WHEN u % 11 = 0 THEN NULL ELSE round((random() * 300)::numeric, 2)::float8 END AS revenue
  FROM fv_gen GROUP BY u;
CREATE FUNCTION fv_close(a float8, b float8, tol float8) RETURNS boolean LANGUAGE sql
AS $$ SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= tol $$;
CREATE FUNCTION fv_compare(mode text, parallel boolean) RETURNS TABLE (steps bigint, equal bigint)
LANGUAGE plpgsql AS $$
BEGIN
    IF parallel THEN
        SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
        SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
    ELSE
        SET LOCAL max_parallel_workers_per_gather = 0;
    END IF;
    RETURN QUERY
    WITH mine AS (
        SELECT r.* FROM (SELECT cq.funnel_revenue(st, revenue, interval '6 hours', mode) AS rep FROM fv_users) q,
                        unnest(q.rep) r),
    plain AS (
        SELECT k AS step, count(*) FILTER (WHERE s.stage >= k) AS users,
               count(s.revenue) FILTER (WHERE s.stage >= k) AS users_with_revenue,
               sum(s.revenue) FILTER (WHERE s.stage >= k) AS revenue_sum,
               avg(s.revenue) FILTER (WHERE s.stage >= k) AS revenue_mean,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY s.revenue) FILTER (WHERE s.stage >= k) AS revenue_median,
               sum(s.revenue) FILTER (WHERE s.stage >= k)
                   / nullif(count(*) FILTER (WHERE s.stage >= 1), 0) AS revenue_per_entrant
          FROM (SELECT cq.funnel_stage(st, interval '6 hours', mode) AS stage, revenue FROM fv_users) s,
               generate_series(1, 4) k
         GROUP BY k)
    -- (sums within 1e-6: plain SQL adds in table order, the aggregate in ascending order)
    SELECT count(*), count(*) FILTER (WHERE m.users = p.users AND m.users_with_revenue = p.users_with_revenue
                                      AND fv_close(m.revenue_sum, p.revenue_sum, 1e-6)
                                      AND fv_close(m.revenue_mean, p.revenue_mean, 1e-9)
                                      AND fv_close(m.revenue_median, p.revenue_median, 0)
                                      AND fv_close(m.revenue_per_entrant, p.revenue_per_entrant, 1e-9))
      FROM mine m FULL JOIN plain p USING (step);
END
$$;
SELECT m.mode, s.steps, s.equal, p.steps AS parallel_steps, p.equal AS parallel_equal
  FROM (VALUES (''), ('strict_order'), ('strict_once'), ('strict_deduplication,strict_increase')) m(mode),
       fv_compare(m.mode, false) s, fv_compare(m.mode, true) p;
-- the parallel plan combines partial states through serialize/deserialize
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT cq.funnel_revenue(st, revenue, interval '6 hours') FROM fv_users;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- per-step windows
SELECT (cq.funnel_revenue(st, revenue, ARRAY[interval '1 hour', '1 hour', '1 hour']))[4].users
       = count(*) FILTER (WHERE cq.funnel_stage(st, ARRAY[interval '1 hour', '1 hour', '1 hour']) = 4)
       AS per_step_windows_agree
  FROM fv_users;
-- groups whose user states are all NULL (users without rows): NULL, serially, grouped and on
-- a parallel plan (the partial states of such groups are NULL too); -0 and 0 are one revenue
SELECT cq.funnel_revenue(NULL::cq.funnel_state, 1, interval '1 day') IS NULL AS all_null_states;
SELECT g, cq.funnel_revenue(st, revenue, interval '6 hours') IS NULL AS no_report
  FROM (SELECT u % 2 AS g, CASE WHEN u % 2 = 0 THEN NULL ELSE st END AS st, revenue FROM fv_users) x
 GROUP BY g ORDER BY g;
CREATE TABLE fv_nulls AS SELECT u, NULL::cq.funnel_state AS st, 1.0::float8 AS revenue FROM generate_series(1, 5000) u;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT cq.funnel_revenue(st, revenue, interval '1 day') IS NULL AS parallel_all_null FROM fv_nulls;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT (SELECT (cq.funnel_revenue(st, r, interval '1 hour' ORDER BY i))[1].revenue_median::text
          FROM (SELECT i, r, cq.funnel_events(now(), 'a', 'a') AS st
                  FROM unnest(ARRAY['-0'::float8, 0, 5]) WITH ORDINALITY x(r, i) GROUP BY i, r) y) AS median_minus_zero_first,
       (SELECT (cq.funnel_revenue(st, r, interval '1 hour' ORDER BY i DESC))[1].revenue_median::text
          FROM (SELECT i, r, cq.funnel_events(now(), 'a', 'a') AS st
                  FROM unnest(ARRAY['-0'::float8, 0, 5]) WITH ORDINALITY x(r, i) GROUP BY i, r) y) AS median_zero_first;
-- errors: different step counts, a bad mode
\set VERBOSITY default
SELECT cq.funnel_revenue(st, 1, interval '1 hour')
  FROM (SELECT cq.funnel_events(now(), 'a', 'a', 'b')
        UNION ALL SELECT cq.funnel_events(now(), 'a', 'a', 'b', 'c')) v(st);
SELECT cq.funnel_revenue(st, revenue, interval '1 hour', 'sideways') FROM fv_users;
SELECT cq.funnel_revenue(st, revenue, interval '1 hour') IS NULL AS no_users FROM fv_users WHERE false;
DROP FUNCTION fv_compare(text, boolean), fv_close(float8, float8, float8);
DROP TABLE fv_ev, fv_rev, fv_gen, fv_users, fv_nulls;
