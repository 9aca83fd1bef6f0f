-- Holding a property constant (README "Hold a property constant"): cq.window_funnel_by_key
-- by hand, against cq.window_funnel per key and the best key (plain GROUP BY) on generated
-- rows in several modes, serial and parallel, and its NULLs and errors.
-- test/check_funnel_reference.py checks it against the Python reference model.
SET TimeZone = 'UTC';

-- User 1 puts order 1 in the cart and pays order 2 (never in the cart): per order, order 1
-- reached the cart only; plain cq.window_funnel mixes the orders and says 3.  User 2 does
-- all three steps on order 3.  User 3's rows have no order id: no key's funnel.
SELECT u, cq.window_funnel_by_key(interval '1 day', o, ts, e = 'cart', e = 'checkout', e = 'paid') AS by_order,
       cq.window_funnel(interval '1 day', ts, e = 'cart', e = 'checkout', e = 'paid') AS plain
  FROM (VALUES (1, 'o1', timestamptz '2024-05-01 10:00+00', 'cart'), (1, 'o2', '2024-05-01 10:05+00', 'checkout'),
               (1, 'o2', '2024-05-01 10:06+00', 'paid'),
               (2, 'o3', '2024-05-01 11:00+00', 'cart'), (2, 'o3', '2024-05-01 11:02+00', 'checkout'),
               (2, 'o3', '2024-05-01 11:03+00', 'paid'),
               (3, NULL, '2024-05-01 12:00+00', 'cart'), (3, NULL, '2024-05-01 12:01+00', 'checkout')) v(u, o, ts, e)
 GROUP BY u ORDER BY u;

-- Generated: 3,000 users, keys shared between users by name (a key is per group), NULL
-- keys, times and steps, ties; the aggregate equals the best cq.window_funnel over each
-- (user, key), for six modes
CREATE TABLE fk_ev AS
SELECT g % 3000 AS u,
       CASE WHEN g % 17 = 0 THEN NULL ELSE 'k' || (hashint4(g) & 3) END AS k,
       CASE WHEN g % 101 = 0 THEN NULL
            ELSE timestamptz '2024-01-01 00:00+00' + ((hashint4(g + 1) & 63) * interval '10 minutes') END AS ts,
       CASE WHEN g % 97 = 0 THEN NULL ELSE (hashint4(g + 2) & 3) = 0 END AS s1,
       (hashint4(g + 3) & 3) = 1 AS s2,
       (hashint4(g + 4) & 3) <= 1 AS s3
  FROM generate_series(1, 40000) g;
ANALYZE fk_ev;
CREATE FUNCTION fk_compare(mode text) RETURNS TABLE (users bigint, differ bigint)
LANGUAGE sql AS $$
  WITH agg AS (SELECT u, cq.window_funnel_by_key(interval '2 hours', mode, k, ts, s1, s2, s3) AS stage
                 FROM fk_ev GROUP BY u),
       per_key AS (SELECT u, max(stage) AS stage
                     FROM (SELECT u, k, cq.window_funnel(interval '2 hours', mode, ts, s1, s2, s3) AS stage
                             FROM fk_ev WHERE k IS NOT NULL GROUP BY u, k) x GROUP BY u)
  SELECT count(*), count(*) FILTER (WHERE agg.stage IS DISTINCT FROM coalesce(per_key.stage, 0))
    FROM agg LEFT JOIN per_key USING (u)
$$;
SELECT m AS mode, c.* FROM unnest(ARRAY['', 'strict_order', 'strict_deduplication', 'strict_increase',
                                        'strict_once', 'strict_order,allow_reentry']) m, fk_compare(m) c;
-- a parallel plan (partial states serialized, keys renumbered) gives the serial answer, for
-- the whole table as one group (every key's rows spread over the workers) and per user
SET max_parallel_workers_per_gather = 0;
CREATE TABLE fk_serial AS
SELECT u, cq.window_funnel_by_key(interval '2 hours', 'strict_order', k, ts, s1, s2, s3) AS stage
  FROM fk_ev GROUP BY u;
CREATE TABLE fk_serial_all AS
SELECT cq.window_funnel_by_key(interval '2 hours', 'strict_order', 'all', ts, s1, s2, s3) AS one_key,
       cq.window_funnel_by_key(interval '2 hours', 'strict_order', k, ts, s1, s2, s3) AS by_key
  FROM fk_ev;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT u, cq.window_funnel_by_key(interval '2 hours', 'strict_order', k, ts, s1, s2, s3) FROM fk_ev GROUP BY u;
SELECT count(*) AS users, count(*) FILTER (WHERE s.stage IS DISTINCT FROM p.stage) AS differ_in_parallel
  FROM fk_serial s
  JOIN (SELECT u, cq.window_funnel_by_key(interval '2 hours', 'strict_order', k, ts, s1, s2, s3) AS stage
          FROM fk_ev GROUP BY u) p USING (u);
SELECT a.one_key = p.one_key AND a.by_key = p.by_key AS whole_table_same, a.*
  FROM fk_serial_all a,
       (SELECT cq.window_funnel_by_key(interval '2 hours', 'strict_order', 'all', ts, s1, s2, s3) AS one_key,
               cq.window_funnel_by_key(interval '2 hours', 'strict_order', k, ts, s1, s2, s3) AS by_key
          FROM fk_ev) p;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET enable_hashagg;

-- NULLs: no row gives NULL; rows without a key only: 0
SELECT cq.window_funnel_by_key(interval '1 day', k, ts, true) IS NULL AS no_rows
  FROM (SELECT 'a'::text, timestamptz '2024-01-01 00:00+00' WHERE false) v(k, ts);
SELECT cq.window_funnel_by_key(interval '1 day', k, ts, true) AS no_key
  FROM (VALUES (NULL::text, timestamptz '2024-01-01 00:00+00')) v(k, ts);

-- Errors: NULL window, a window or mode that changes within a group, more than 32 steps,
-- an unknown mode, a negative window
SELECT cq.window_funnel_by_key(NULL, 'a', timestamptz '2024-01-01 00:00+00', true);
SELECT cq.window_funnel_by_key(w, 'a', timestamptz '2024-01-01 00:00+00', true)
  FROM (VALUES (interval '1 day'), (interval '2 days')) v(w);
SELECT cq.window_funnel_by_key(interval '1 day', 'a', timestamptz '2024-01-01 00:00+00', VARIADIC array_fill(true, ARRAY[33]));
SELECT cq.window_funnel_by_key(interval '1 day', 'strict', 'a', timestamptz '2024-01-01 00:00+00', true);
SELECT cq.window_funnel_by_key(interval '-1 day', 'a', timestamptz '2024-01-01 00:00+00', true);
DROP FUNCTION fk_compare(text);
DROP TABLE fk_ev, fk_serial, fk_serial_all;
