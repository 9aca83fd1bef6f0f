-- The event-name form: cq.window_funnel(window, [mode,] ts, event, VARIADIC names) and
-- cq.funnel_events(ts, event, VARIADIC names) give what the boolean forms give with
-- `event = name` conditions.
SET timezone = 'UTC';

-- 1. By hand.  User 1: view 00:00, cart 00:10, NULL event 00:15 (skipped), buy 00:30.
--    User 2: the same names twice in the funnel (view -> view -> buy).
CREATE TEMP TABLE fn_ev(uid int, ts timestamptz, e text);
INSERT INTO fn_ev VALUES
  (1, '2024-01-01 00:00', 'view'), (1, '2024-01-01 00:10', 'cart'),
  (1, '2024-01-01 00:15', NULL),   (1, '2024-01-01 00:30', 'buy'),
  (2, '2024-01-01 00:00', 'view'), (2, '2024-01-01 00:05', 'view'),
  (2, '2024-01-01 00:07', 'buy');
SELECT uid,
       cq.window_funnel('1 hour', ts, e, 'view', 'cart', 'buy') AS hour,            -- 1: 3, 2: 1
       cq.window_funnel('20 minutes', ts, e, 'view', 'cart', 'buy') AS twenty_min,  -- 1: 2
       cq.window_funnel('1 hour', 'strict_order', ts, e, 'view', 'cart', 'buy') AS strict_order,
       cq.window_funnel('1 hour', ts, e, 'view', 'view', 'buy') AS view_view_buy,   -- 2: 3 (one row may be steps 1 and 2)
       -- 2: 1, as ClickHouse: every step-1 row restarts the chain, and with strict_increase a
       -- row cannot also be the step 2 of its own chain
       cq.window_funnel('1 hour', 'strict_increase', ts, e, 'view', 'view', 'buy') AS strict_increase,
       cq.window_funnel('1 hour', 'strict_increase', ts, e = 'view', e = 'view', e = 'buy') AS boolean_form,
       cq.funnel_events(ts, e, 'view', 'cart', 'buy')::text AS state
  FROM fn_ev GROUP BY uid ORDER BY uid;

-- 2. Against the boolean form on generated users: every mode, timestamp and timestamptz,
--    funnel_events states, an event vocabulary with names outside the funnel and NULLs.
CREATE TEMP TABLE fn_gen AS
SELECT i % 3000 AS uid,
       timestamptz '2024-01-01' + ((hashint4(i) & 65535) % 240) * interval '1 minute' AS ts,
       (ARRAY['view', 'cart', 'checkout', 'buy', 'other', 'View', NULL])[1 + (hashint4(-i) & 65535) % 7] AS e
  FROM generate_series(1, 60000) i;
SELECT m AS mode, count(*) AS users,
       count(*) FILTER (WHERE n <> b) AS differ,
       count(*) FILTER (WHERE n_ts <> b_ts) AS differ_timestamp,
       count(DISTINCT n) AS distinct_stages
  FROM (SELECT m, uid,
               cq.window_funnel('30 minutes', m, ts, e, 'view', 'cart', 'checkout', 'buy') AS n,
               cq.window_funnel('30 minutes', m, ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS b,
               cq.window_funnel('30 minutes', m, ts::timestamp, e, 'view', 'cart', 'checkout', 'buy') AS n_ts,
               cq.window_funnel('30 minutes', m, ts::timestamp, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS b_ts
          FROM fn_gen,
               unnest(ARRAY['', 'strict_deduplication', 'strict_order', 'strict_increase',
                            'strict_once', 'strict_order,allow_reentry']) m
         GROUP BY m, uid) s
 GROUP BY m ORDER BY m;
SELECT count(*) AS users,
       count(*) FILTER (WHERE a <> b) AS default_mode_differs,
       count(*) FILTER (WHERE sa <> sb) AS state_differs
  FROM (SELECT uid,
               cq.window_funnel('30 minutes', ts, e, 'view', 'cart', 'checkout', 'buy') AS a,
               cq.window_funnel('30 minutes', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS b,
               cq.funnel_events(ts, e, 'view', 'cart', 'checkout', 'buy')::text AS sa,
               cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy')::text AS sb
          FROM fn_gen GROUP BY uid) s;

-- 3. Names that are not constants: each user its own funnel (view -> cart for even users,
--    cart -> view for odd ones); the names are re-read whenever they change.
SELECT count(*) AS users, count(*) FILTER (WHERE a <> b) AS differ, count(DISTINCT a) AS distinct_stages
  FROM (SELECT uid,
               cq.window_funnel('30 minutes', ts, e, VARIADIC CASE WHEN uid % 2 = 0 THEN ARRAY['view', 'cart']
                                                                   ELSE ARRAY['cart', 'view'] END) AS a,
               cq.window_funnel('30 minutes', ts, e = CASE WHEN uid % 2 = 0 THEN 'view' ELSE 'cart' END,
                                                  e = CASE WHEN uid % 2 = 0 THEN 'cart' ELSE 'view' END) AS b
          FROM fn_gen GROUP BY uid) s;

-- 4. A nondeterministic collation compares as `=` does under it
CREATE COLLATION fn_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT count(*) AS users,
       count(*) FILTER (WHERE a <> b) AS differ,
       count(*) FILTER (WHERE a <> c) AS differs_from_case_sensitive
  FROM (SELECT uid,
               cq.window_funnel('30 minutes', ts, e COLLATE fn_ci, 'VIEW', 'Cart') AS a,
               cq.window_funnel('30 minutes', ts, e = 'VIEW' COLLATE fn_ci, e = 'Cart' COLLATE fn_ci) AS b,
               cq.window_funnel('30 minutes', ts, e, 'VIEW', 'Cart') AS c
          FROM fn_gen GROUP BY uid) s;

-- A type with its own equality that reaches the text argument through an implicit binary
-- cast (citext) is refused (42804): the names would silently be compared as text.  An explicit
-- cast to text asks for text comparison; the boolean form keeps citext's equality.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS citext;
RESET client_min_messages;
CREATE TEMP TABLE fn_citext AS
SELECT * FROM (VALUES (1, timestamptz '2024-01-01 00:00', 'View'::citext),
                      (1, timestamptz '2024-01-01 00:01', 'CART'::citext)) v(uid, ts, e);
SELECT cq.window_funnel('1 hour', ts, e, 'view', 'cart') FROM fn_citext;
SELECT cq.window_funnel('1 hour', ts, e::text, 'view', 'cart') AS names_as_text,   -- 0
       cq.window_funnel('1 hour', ts, e::text, 'View', 'CART') AS exact_names,     -- 2
       cq.window_funnel('1 hour', ts, e = 'view', e = 'cart') AS citext_equality   -- 2
  FROM fn_citext;
-- also as a window function and when the transition function is called directly
\set VERBOSITY sqlstate
SELECT cq.window_funnel('1 hour', ts, e, 'view', 'cart') OVER (PARTITION BY uid) FROM fn_citext;
SELECT cq.funnel_events(ts, e, 'view', 'cart') OVER (PARTITION BY uid) FROM fn_citext;
-- one window node runs both calls with one transition function: the citext one is still refused
SELECT cq.window_funnel('1 hour', ts, e::text, 'view', 'cart') OVER w,
       cq.window_funnel('1 hour', ts, e, 'view', 'cart') OVER w
  FROM fn_citext WINDOW w AS (PARTITION BY uid);
SELECT cq_internal.window_funnel_transfn(NULL, '1 hour', ts, e, ARRAY['view']) FROM fn_citext;
-- char(n) equality ignores trailing spaces, text's does not: refused too
SELECT cq.window_funnel('1 hour', ts, e::char(6), 'View  ', 'CART') FROM fn_citext;
\set VERBOSITY default
SELECT cq.window_funnel('1 hour', ts, e::char(6)::text, 'View', 'CART') AS char_as_text  -- 2
  FROM fn_citext;
DROP TABLE fn_citext;
-- the window-function form of the name form equals the boolean form's
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE a <> b) AS differ
  FROM (SELECT cq.window_funnel('30 minutes', ts, e, 'view', 'cart', 'buy') OVER w AS a,
               cq.window_funnel('30 minutes', ts, e = 'view', e = 'cart', e = 'buy') OVER w AS b
          FROM fn_gen WHERE uid < 200
        WINDOW w AS (PARTITION BY uid ORDER BY ts)) s;
DROP EXTENSION citext;

-- 5. Parallel plans: partial states (packed) combine to the serial answer (a temporary
--    table cannot be read by parallel workers)
CREATE TABLE fn_gen_shared AS SELECT * FROM fn_gen;
ANALYZE fn_gen_shared;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT uid, cq.window_funnel('30 minutes', ts, e, 'view', 'cart', 'checkout', 'buy') FROM fn_gen_shared GROUP BY uid;
CREATE TEMP TABLE fn_par AS
SELECT uid, cq.window_funnel('30 minutes', ts, e, 'view', 'cart', 'checkout', 'buy') AS a,
       cq.window_funnel('30 minutes', 'strict_order', ts, e, 'view', 'cart', 'checkout', 'buy') AS so
  FROM fn_gen_shared GROUP BY uid;
DROP TABLE fn_gen_shared;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_hashagg;
SELECT count(*) AS users,
       count(*) FILTER (WHERE p.a <> s.b) AS differ,
       count(*) FILTER (WHERE p.so <> s.bso) AS strict_order_differs
  FROM fn_par p
  JOIN (SELECT uid, cq.window_funnel('30 minutes', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS b,
               cq.window_funnel('30 minutes', 'strict_order', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS bso
          FROM fn_gen GROUP BY uid) s USING (uid);

-- 6. Caller mistakes: NULL names (22004), no names, 33 names, two dimensions, a step count
--    that changes inside a group (22023)
\set VERBOSITY sqlstate
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC NULL::text[]) FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, 'view', NULL) FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC '{}'::text[]) FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC array_fill('x'::text, ARRAY[33])) FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC '{{a,b},{c,d}}'::text[]) FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC CASE WHEN e = 'buy' THEN ARRAY['buy'] ELSE ARRAY['view', 'cart'] END) FROM fn_ev;
SELECT cq.funnel_events(ts, e, VARIADIC NULL::text[]) FROM fn_ev;
SELECT cq.window_funnel(NULL::interval, ts, e, 'view') FROM fn_ev;
SELECT cq.window_funnel('1 hour', NULL::text, ts, e, 'view') FROM fn_ev;
\set VERBOSITY default
-- NULL times and events skip their rows
SELECT cq.window_funnel('1 hour', NULL::timestamptz, e, 'view') AS null_times,
       cq.window_funnel('1 hour', ts, NULL::text, 'view') AS null_events,
       cq.funnel_events(ts, NULL::text, 'view') IS NULL AS no_state
  FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, 'view', NULL) FROM fn_ev;
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC '{}'::text[]) FROM fn_ev;
-- 32 names is the limit; no rows gives 0, as the boolean form
SELECT cq.window_funnel('1 hour', ts, e, VARIADIC array_fill('view'::text, ARRAY[32])) AS all_view_steps,
       cq.window_funnel('1 hour', ts, e, 'view') FILTER (WHERE false) AS no_rows
  FROM fn_ev WHERE uid = 1;
DROP COLLATION fn_ci;
