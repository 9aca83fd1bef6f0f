-- The 1.1 surface of cq.window_funnel and cq.funnel_events: VARIADIC "any"
-- steps (separate boolean conditions, passed without building an array per
-- row), type-checked once per call site; the typed forms (one boolean[], an
-- event and its names) give the same answers.
\pset null '(null)'
SET client_min_messages = warning;

CREATE TABLE fa_ev (uid int, ts timestamptz, e text);
INSERT INTO fa_ev
SELECT u, timestamptz '2024-01-01' + ((u * 7919 + i * 104729) % 7200) * interval '1 second',
       (ARRAY['view', 'cart', 'checkout', 'buy', 'other'])[1 + (u * 31 + i * 17) % 5]
  FROM generate_series(1, 300) u, generate_series(1, 12) i;

-- 1. Three forms, one answer, in every mode and for timestamp too
SELECT mode,
       count(*) AS users,
       count(*) FILTER (WHERE sep <> arr OR sep <> names) AS differ,
       count(*) FILTER (WHERE sep_ts <> sep) AS timestamp_differs,
       count(*) FILTER (WHERE st_sep <> st_arr OR st_sep <> st_names) AS states_differ,
       sum(sep) AS total_stage
  FROM (SELECT m.mode, uid,
               cq.window_funnel('30 min', m.mode, ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS sep,
               cq.window_funnel('30 min', m.mode, ts, ARRAY[e = 'view', e = 'cart', e = 'checkout', e = 'buy']) AS arr,
               cq.window_funnel('30 min', m.mode, ts, e, 'view', 'cart', 'checkout', 'buy') AS names,
               cq.window_funnel('30 min', m.mode, ts::timestamp, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS sep_ts,
               cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy')::text AS st_sep,
               cq.funnel_events(ts, ARRAY[e = 'view', e = 'cart', e = 'checkout', e = 'buy'])::text AS st_arr,
               cq.funnel_events(ts, e, 'view', 'cart', 'checkout', 'buy')::text AS st_names
          FROM fa_ev, (VALUES (''), ('strict_order'), ('strict_deduplication'), ('strict_increase'),
                              ('strict_once'), ('strict_order,allow_reentry')) m(mode)
         GROUP BY m.mode, uid) q
 GROUP BY mode ORDER BY mode;

-- The default mode without a mode argument, and the same as a window function
SELECT count(*) FILTER (WHERE a <> b) AS differ, sum(a) AS total_stage
  FROM (SELECT uid, cq.window_funnel('30 min', ts, e = 'view', e = 'cart', e = 'checkout') AS a,
               cq.window_funnel('30 min', '', ts, e = 'view', e = 'cart', e = 'checkout') AS b
          FROM fa_ev GROUP BY uid) q;
SELECT count(*) FILTER (WHERE w <> g) AS window_differs
  FROM (SELECT DISTINCT uid, cq.window_funnel('30 min', ts, e = 'view', e = 'cart') OVER (PARTITION BY uid) AS w
          FROM fa_ev) a
  JOIN (SELECT uid, cq.window_funnel('30 min', ts, e = 'view', e = 'cart') AS g FROM fa_ev GROUP BY uid) b
 USING (uid);

-- 2. Up to 32 separate steps (1.0 took 1 to 8 as separate arguments); 33 is an error
SELECT cq.window_funnel('1 day', ts, true, true, true, true, true, true, true, true, true, true,
                        true, true, true, true, true, true, true, true, true, true, true, true,
                        true, true, true, true, true, true, true, true, true, true) AS stage_32
  FROM (VALUES (timestamptz '2024-01-01')) v(ts);
SELECT cq.window_funnel('1 day', ts, true, true, true, true, true, true, true, true, true, true,
                        true, true, true, true, true, true, true, true, true, true, true, true,
                        true, true, true, true, true, true, true, true, true, true, true)
  FROM (VALUES (timestamptz '2024-01-01')) v(ts);
SELECT cq.funnel_events(ts, true) AS one_step FROM (VALUES (timestamptz '2024-01-01')) v(ts);

-- 3. Anything but boolean steps is refused once per call site, with 42804
\set VERBOSITY default
SELECT cq.window_funnel('1 day', ts, 1, 2) FROM (VALUES (timestamptz '2024-01-01')) v(ts);
SELECT cq.window_funnel('1 day', ts, true, 'cart'::text) FROM (VALUES (timestamptz '2024-01-01')) v(ts);
SELECT cq.window_funnel('1 day', 'strict_order', ts, e = 'view', 2.5) FROM fa_ev;
SELECT cq.funnel_events(ts, ARRAY[1, 2]) FROM (VALUES (timestamptz '2024-01-01')) v(ts);
SELECT cq.funnel_events(ts, now()) FROM (VALUES (timestamptz '2024-01-01')) v(ts);
-- untyped literals have no type to check (1.0's fixed-arity forms read them as booleans)
SELECT cq.window_funnel('1 day', ts, true, NULL) FROM (VALUES (timestamptz '2024-01-01')) v(ts);
SELECT cq.window_funnel('1 day', ts, true, NULL::boolean) AS typed_null_skips_the_row
  FROM (VALUES (timestamptz '2024-01-01')) v(ts);
-- a function that cannot resolve at all
SELECT cq.window_funnel('1 day', ts) FROM (VALUES (timestamptz '2024-01-01')) v(ts);
\set VERBOSITY terse

-- 4. NULL steps skip the row, as they did; the same rows give the same state
SELECT cq.funnel_events(ts, a, b)::text = cq.funnel_events(ts, ARRAY[a, b])::text AS same_state,
       cq.funnel_events(ts, a, b)::text AS state
  FROM (VALUES (timestamptz '2024-01-01', true, NULL::boolean), ('2024-01-01 00:01', true, false),
               ('2024-01-01 00:02', false, true)) v(ts, a, b);

-- 5. The transition function called directly reads its arguments the same way
SELECT cq_internal.funnel_events_finalfn(
         cq_internal.funnel_events_transfn(
           cq_internal.funnel_events_transfn(NULL, timestamptz '2024-01-01 00:01', false, true),
           timestamptz '2024-01-01', true, false))::text AS by_hand;
SELECT cq_internal.window_funnel_finalfn(
         cq_internal.window_funnel_transfn(NULL, interval '1 hour', timestamptz '2024-01-01', true, false))
       AS stage_by_hand;

DROP TABLE fa_ev;
