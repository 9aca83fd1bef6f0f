-- Paths around a step (README "Paths around a step"): cq.funnel_next_events by hand, against a
-- plain SQL formulation over cq.funnel_step_times on generated rows (forward and backward),
-- serial and parallel, and its NULLs and errors.
SET TimeZone = 'UTC';

-- One user: view, cart, two rows at the same time as the cart, then more.  After step 2
-- (the cart at 10:01): rows at 10:01 are not after it; the next three are 10:02 (b, then
-- the NULL name last), 10:03.  Before step 2, nearest first: 10:00 (view), 09:59.  After
-- step 1, at 10:01 the row of no step comes before the cart.
-- (coalesce: a NULL step would leave the row out, as in cq.window_funnel)
SELECT cq.funnel_next_events(interval '1 hour', ts, e, 2, 3, coalesce(e = 'view', false), coalesce(e = 'cart', false)) AS after_cart,
       cq.funnel_next_events(interval '1 hour', ts, e, 2, -3, coalesce(e = 'view', false), coalesce(e = 'cart', false)) AS before_cart,
       cq.funnel_next_events(interval '1 hour', ts, e, 1, 1, coalesce(e = 'view', false), coalesce(e = 'cart', false)) AS after_view,
       cq.funnel_next_events(interval '1 hour', ts, e, 2, 3, e = 'view', e = 'cart') AS null_steps_left_out
  FROM (VALUES (timestamptz '2024-05-01 09:59+00', 'ad_click'), ('2024-05-01 10:00+00', 'view'),
               ('2024-05-01 10:01+00', 'cart'), ('2024-05-01 10:01+00', 'size_guide'),
               ('2024-05-01 10:02+00', NULL), ('2024-05-01 10:02+00', 'b'),
               ('2024-05-01 10:03+00', 'exit'), ('2024-05-01 10:04+00', 'late')) v(ts, e);
-- the step not reached: NULL; no row: NULL; nothing after the step: an empty array
SELECT cq.funnel_next_events(interval '1 hour', ts, e, 2, 1, e = 'view', e = 'cart') IS NULL AS not_reached
  FROM (VALUES (timestamptz '2024-05-01 10:00+00', 'view')) v(ts, e);
SELECT cq.funnel_next_events(interval '1 hour', ts, e, 1, 1, true) IS NULL AS no_rows
  FROM (SELECT timestamptz '2024-05-01 10:00+00', 'x' WHERE false) v(ts, e);
SELECT cq.funnel_next_events(interval '1 hour', ts, e, 1, 2, e = 'view') AS nothing_after
  FROM (VALUES (timestamptz '2024-05-01 10:00+00', 'view')) v(ts, e);

-- Generated: 2,000 users, 3 steps among 6 event names, ties, NULL names (no step), NULL
-- steps (a step row whose `known` is NULL is left out) and NULL times;
-- against plain SQL: the step's time from cq.funnel_step_times over the same rows, then the
-- names of the rows after (before) it in (time, steps, name) order
CREATE TABLE fp_ev AS
SELECT g % 2000 AS u,
       CASE WHEN g % 211 = 0 THEN NULL
            ELSE timestamptz '2024-01-01 00:00+00' + ((hashint4(g) & 255) * interval '5 minutes') END AS ts,
       CASE WHEN g % 53 = 0 THEN NULL ELSE (ARRAY['view', 'cart', 'buy', 'faq', 'exit', 'search'])[1 + (hashint4(g + 1) & 7) % 6] END AS e,
       CASE WHEN g % 89 = 0 THEN NULL ELSE true END AS known
  FROM generate_series(1, 30000) g;
ANALYZE fp_ev;
CREATE VIEW fp_rows AS
SELECT u, ts, e, s1, s2, s3, s1::int + 2 * s2::int + 4 * s3::int AS mask
  FROM (SELECT u, ts, e, coalesce(e = 'view', false) AND known AS s1, coalesce(e = 'cart', false) AND known AS s2,
               coalesce(e = 'buy', false) AND known AS s3
          FROM fp_ev) r
 WHERE ts IS NOT NULL AND s1 IS NOT NULL AND s2 IS NOT NULL AND s3 IS NOT NULL;
CREATE FUNCTION fp_compare(step int, len int) RETURNS TABLE (users bigint, reached bigint, differ bigint)
LANGUAGE sql AS $$
  WITH agg AS (SELECT u, cq.funnel_next_events(interval '2 hours', ts, e, step, len,
                                               coalesce(e = 'view', false) AND known,
                                               coalesce(e = 'cart', false) AND known,
                                               coalesce(e = 'buy', false) AND known) AS path
                 FROM fp_ev GROUP BY u),
       t AS (SELECT u, (cq.funnel_step_times(cq.funnel_events(ts, s1, s2, s3), interval '2 hours'))[step] AS at
               FROM fp_rows GROUP BY u),
       want AS (SELECT t.u,
                       CASE WHEN t.at IS NULL THEN NULL
                            WHEN len > 0 THEN coalesce((SELECT array_agg(e ORDER BY ts, mask, e NULLS LAST)
                                                          FROM (SELECT * FROM fp_rows r WHERE r.u = t.u AND r.ts > t.at
                                                                 ORDER BY ts, mask, e NULLS LAST LIMIT len) x), '{}')
                            ELSE coalesce((SELECT array_agg(e ORDER BY ts DESC, mask DESC, e DESC NULLS FIRST)
                                             FROM (SELECT * FROM fp_rows r WHERE r.u = t.u AND r.ts < t.at
                                                    ORDER BY ts DESC, mask DESC, e DESC NULLS FIRST LIMIT -len) x), '{}') END AS path
                  FROM t)
  SELECT count(*), count(agg.path), count(*) FILTER (WHERE agg.path IS DISTINCT FROM want.path)
    FROM agg LEFT JOIN want USING (u)
$$;
SELECT s AS step, l AS length, c.* FROM (VALUES (1, 1), (1, 3), (2, 2), (3, 4), (2, -1), (3, -3)) v(s, l),
       fp_compare(s, l) c;
-- a parallel plan gives the serial answer
SET max_parallel_workers_per_gather = 0;
CREATE TABLE fp_serial AS
SELECT u, cq.funnel_next_events(interval '2 hours', ts, e, 2, 3, e = 'view', e = 'cart', e = 'buy') AS path
  FROM fp_ev GROUP BY u;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT u, cq.funnel_next_events(interval '2 hours', ts, e, 2, 3, e = 'view', e = 'cart', e = 'buy') FROM fp_ev GROUP BY u;
SELECT count(*) AS users, count(*) FILTER (WHERE s.path IS DISTINCT FROM p.path) AS differ_in_parallel
  FROM fp_serial s
  JOIN (SELECT u, cq.funnel_next_events(interval '2 hours', ts, e, 2, 3, e = 'view', e = 'cart', e = 'buy') AS path
          FROM fp_ev GROUP BY u) p USING (u);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET enable_hashagg;

-- Errors: a step that is not a step, a length of 0 or past 100, NULL settings, settings that
-- change within a group
SELECT cq.funnel_next_events(interval '1 hour', timestamptz '2024-05-01 10:00+00', 'x', 3, 1, true, false);
SELECT cq.funnel_next_events(interval '1 hour', timestamptz '2024-05-01 10:00+00', 'x', 1, 0, true);
SELECT cq.funnel_next_events(interval '1 hour', timestamptz '2024-05-01 10:00+00', 'x', 1, 101, true);
SELECT cq.funnel_next_events(interval '1 hour', timestamptz '2024-05-01 10:00+00', 'x', NULL, 1, true);
SELECT cq.funnel_next_events(interval '1 hour', ts, 'x', 1, l, true)
  FROM (VALUES (timestamptz '2024-05-01 10:00+00', 1), ('2024-05-01 10:01+00', 2)) v(ts, l);
DROP FUNCTION fp_compare(int, int);
DROP VIEW fp_rows;
DROP TABLE fp_ev, fp_serial;
