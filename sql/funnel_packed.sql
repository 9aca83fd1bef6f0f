-- Packed aggregate states (funnel.h): a running state of at most 8 steps
-- keeps each row as one int64, ts * 256 + mask, and is widened to 16-byte
-- events when a row lies 2^55 us (about 1141 years) or more from
-- 2000-01-01.  Nothing of that may be visible: answers, text and binary
-- forms are those of the wide state.
SET timezone = 'UTC';

-- 1. A transition state made by hand is packed; its text form is the
--    canonical one (sorted, (ts, mask) order; repeated foreign rows once).
--    Times are microseconds from 2000-01-01.
CREATE TEMP TABLE fp_by_hand AS
SELECT cq_internal.funnel_events_transfn(cq_internal.funnel_events_transfn(cq_internal.funnel_events_transfn(
         cq_internal.funnel_events_transfn(NULL,
           '2000-01-01 00:00:03', ARRAY[false, true]),
           '2000-01-01 00:00:01', ARRAY[true, false]),
           '1999-12-31 23:59:59', ARRAY[false, false]),
           '1999-12-31 23:59:59', ARRAY[false, false]) AS st;
SELECT st::text AS by_hand_text FROM fp_by_hand;
-- stored as it is, it reads back the same, and so does its text form
SELECT cq.funnel_stage(st, interval '2 s') AS stage_2s,
       cq.funnel_stage(st, interval '1 s') AS stage_1s,
       cq.funnel_stage(st::text::cq.funnel_state, interval '2 s') AS stage_from_text,
       cq.funnel_step_times(st, interval '2 s') AS times,
       cq.funnel_stage(st, interval '10 s', 'strict_order') AS strict_order
  FROM fp_by_hand;

-- The memory it takes: a packed state holds 12 rows in one 128-byte chunk,
-- a wide one (9 steps or more) 6, then 14 in 256 bytes.  (pg_column_size
-- shows a 128-byte value as 125: stored with a 1-byte header.)
WITH RECURSIVE r(i, p8, w9) AS (
  SELECT 0, NULL::cq.funnel_state, NULL::cq.funnel_state
  UNION ALL
  SELECT i + 1,
         cq_internal.funnel_events_transfn(p8, timestamptz '2024-01-01' + i * interval '1 s', ARRAY[true]),
         cq_internal.funnel_events_transfn(w9, timestamptz '2024-01-01' + i * interval '1 s',
                                  ARRAY[true, false, false, false, false, false, false, false, false])
    FROM r WHERE i < 15)
SELECT i AS rows, pg_column_size(p8) AS packed_bytes, pg_column_size(w9) AS wide_bytes,
       cq.funnel_stage(p8, interval '1 day') AS stage_packed,
       cq.funnel_stage(w9, interval '1 day') AS stage_wide
  FROM r WHERE i IN (1, 6, 7, 12, 13, 14, 15) ORDER BY i;

-- 2. Rows outside the packing range widen the state, in any position.
--    2^55 us after 2000-01-01 is the first time that cannot be packed.
-- (interval arithmetic goes through float8; the text form of a state is exact)
CREATE FUNCTION pg_temp.fp_us(us bigint) RETURNS timestamptz LANGUAGE sql AS $$
  SELECT (cq.funnel_step_times(format('v1 steps=1 params=- events=1 %s:1', us)::cq.funnel_state,
                               interval '1 s'))[1] $$;
CREATE TEMP TABLE fp_far(uid int, ts timestamptz, e text);
INSERT INTO fp_far VALUES
  (1, '2024-01-01 00:00:00', 'view'),
  (1, '2024-01-01 00:00:10', 'cart'),
  (1, 'infinity', 'buy'),                 -- widens after two packed rows
  (1, '2024-01-01 00:00:20', 'buy'),      -- appended wide
  (2, '-infinity', 'view'),               -- wide from the first row
  (2, '2024-01-01 00:00:00', 'cart'),
  (3, pg_temp.fp_us(36028797018963967), 'view'),  -- 2^55 - 1: packed
  (3, pg_temp.fp_us(36028797018963968), 'cart'),  -- 2^55: wide
  (4, pg_temp.fp_us(-36028797018963967), 'view'),  -- -(2^55 - 1): packed
  (4, pg_temp.fp_us(-36028797018963966), 'cart'),
  (5, pg_temp.fp_us(-36028797018963968), 'view'),  -- -(2^55): wide
  (5, pg_temp.fp_us(-36028797018963967), 'cart');
SELECT uid,
       cq.window_funnel(interval '1 minute', ts, e = 'view', e = 'cart', e = 'buy') AS stage,
       cq.funnel_events(ts, e = 'view', e = 'cart', e = 'buy')::text AS state
  FROM fp_far GROUP BY uid ORDER BY uid;

-- 3. Merging packed and widened states (what a parallel plan does)
SELECT cq_internal.funnel_combine(a.st, b.st)::text AS packed_plus_wide,
       cq_internal.funnel_combine(b.st, a.st)::text AS wide_plus_packed,
       cq_internal.funnel_combine(a.st, a.st)::text AS packed_plus_packed
  FROM (SELECT cq_internal.funnel_events_transfn(cq_internal.funnel_events_transfn(NULL,
                 '2000-01-01 00:00:02', ARRAY[false, true]), '2000-01-01 00:00:01', ARRAY[true, false]) AS st) a,
       (SELECT cq_internal.funnel_events_transfn(NULL, 'infinity', ARRAY[false, true]) AS st) b;

-- 4. Packed (8 steps) and wide (the same 8 steps and a 9th that never
--    fires) give the same stage and step times on generated users, for
--    every mode, with ties, repeats and rows matching several steps.
CREATE TEMP TABLE fp_gen AS
SELECT (i % 2000) AS uid,
       timestamptz '2024-01-01' + ((hashint4(i) & 65535) % 120) * interval '1 minute' AS ts,  -- ties, exact windows
       (hashint4(-i) & 255) AS bits
  FROM generate_series(1, 40000) i;
SELECT m AS mode,
       count(*) AS users,
       count(*) FILTER (WHERE p8 <> w9) AS stage_differs,
       count(*) FILTER (WHERE t8 IS DISTINCT FROM t9) AS times_differ,
       count(DISTINCT p8) AS distinct_stages
  FROM (SELECT m, uid,
               cq.funnel_stage(s8, interval '30 minutes', m) AS p8,
               cq.funnel_stage(s9, interval '30 minutes', m) AS w9,
               cq.funnel_step_times(s8, interval '30 minutes', m) AS t8,
               cq.funnel_step_times(s9, interval '30 minutes', m) AS t9
          FROM (SELECT uid,
                       cq.funnel_events(ts, VARIADIC ARRAY(SELECT (bits & (1 << k)) <> 0 FROM generate_series(0, 7) k)) AS s8,
                       cq.funnel_events(ts, VARIADIC ARRAY(SELECT (bits & (1 << k)) <> 0 FROM generate_series(0, 7) k) || false) AS s9
                  FROM fp_gen GROUP BY uid) s,
               unnest(ARRAY['', 'strict_deduplication', 'strict_order', 'strict_increase',
                            'strict_once', 'strict_order,allow_reentry']) m) r
 GROUP BY m ORDER BY m;
-- window_funnel itself, packed against wide, in every mode (mode '' takes
-- the packed fast path, cq_funnel_packed_stage)
SELECT m AS mode, count(*) AS users, count(*) FILTER (WHERE a <> b) AS differ,
       count(DISTINCT a) AS distinct_stages
  FROM (SELECT m, uid,
               cq.window_funnel(interval '30 minutes', m, ts, VARIADIC ARRAY(SELECT (bits & (1 << k)) <> 0 FROM generate_series(0, 7) k)) AS a,
               cq.window_funnel(interval '30 minutes', m, ts, VARIADIC ARRAY(SELECT (bits & (1 << k)) <> 0 FROM generate_series(0, 7) k) || false) AS b
          FROM fp_gen,
               unnest(ARRAY['', 'strict_deduplication', 'strict_order', 'strict_increase',
                            'strict_once', 'strict_order,allow_reentry']) m
         GROUP BY m, uid) s
 GROUP BY m ORDER BY m;

-- A row matching no step is held once per time, also where two states meet
-- (found by the Citus suite: a worker's partial state shipped as text must
-- read back) and where a small sorted state takes a row out of order before
-- it is widened.
SELECT cq_internal.funnel_combine(a, b)::text AS combined,
       cq_internal.funnel_combine(a, b)::text::cq.funnel_state::text = cq_internal.funnel_combine(a, b)::text
         AS reads_back
  FROM (SELECT 'v1 steps=2 params=- events=2 0:0,10:1'::cq.funnel_state AS a,
               'v1 steps=2 params=- events=2 0:0,5:2'::cq.funnel_state AS b) s;
SELECT st::text AS widened, st::text::cq.funnel_state::text = st::text AS reads_back
  FROM (SELECT cq_internal.funnel_events_transfn(cq_internal.funnel_events_transfn(
                 cq_internal.funnel_events_transfn(cq_internal.funnel_events_transfn(NULL,
                   timestamptz '2000-01-01', false, false), timestamptz '2000-01-01 00:00:10', true, false),
                 timestamptz '2000-01-01', false, false), 'infinity', false, true) AS st) s;
