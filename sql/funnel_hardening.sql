-- Funnels under input that used to break them (issue 10): strict_once stays
-- bounded, cq.funnel_events agrees with cq.window_funnel for timestamp columns
-- in any time zone, hand-called transitions never use stale step names,
-- infinite step times saturate in cq.funnel_report, rollups merge in any order.
-- Expected values are worked out by hand in the comments.
SET TimeZone = 'UTC';

-- 1. strict_once keeps only the chains that can still matter.

-- 300 rows a second apart, each satisfying steps 1-4 of a 5-step funnel: a
-- chain uses a row once, so it reaches step 4 with four rows and never step
-- 5.  1.0 kept every candidate chain (C(300, 4) = 330 million of them: the
-- backend ran out of memory from 125 rows on).
SELECT cq.window_funnel('100 years', 'strict_once', ts, true, true, true, true, false) AS stage
  FROM (SELECT timestamptz '2024-01-01' + g * interval '1 second' AS ts
          FROM generate_series(1, 300) g) s;

-- The same rows all satisfying all five steps: the fifth row completes it.
-- With n rows, min(n, 5).
SELECT n, cq.window_funnel('100 years', 'strict_once', ts, true, true, true, true, true) AS stage
  FROM generate_series(1, 7) n,
       LATERAL (SELECT timestamptz '2024-01-01' + g * interval '1 second' AS ts
                  FROM generate_series(1, n) g) s
 GROUP BY n ORDER BY n;

-- All rows at one time: the steps must go to distinct rows.  With n rows
-- satisfying every step, min(n, 5); 2000 rows at one time are no harder.
SELECT n, cq.window_funnel('1 day', 'strict_once', ts, true, true, true, true, true) AS stage
  FROM (VALUES (1), (2), (3), (4), (5), (6), (2000)) v(n),
       LATERAL (SELECT timestamptz '2024-01-01' AS ts FROM generate_series(1, n)) s
 GROUP BY n ORDER BY n;

-- Rows at one time whose step sets overlap: a step may only take a row no
-- earlier step of the chain took (a matching of steps to rows).
--   {1,2} {2}         -> 2 (1 <- first row, 2 <- second)
--   {1,2} {1}         -> 2 (1 <- second row, 2 <- first)
--   {1,2,3} {1} {1}   -> 2 (step 3 would need the {1,2,3} row twice)
--   {1} {2,3} {3}     -> 3
--   {1,2,3} {1,2,3}   -> 2
--   {1,2} {1,2} {3}   -> 3
--   {2} {3}           -> 0 (no step 1)
WITH cases(c, steps) AS (
    VALUES (1, ARRAY[[true, true, false], [false, true, false], [false, false, false]]),
           (2, ARRAY[[true, true, false], [true, false, false], [false, false, false]]),
           (3, ARRAY[[true, true, true], [true, false, false], [true, false, false]]),
           (4, ARRAY[[true, false, false], [false, true, true], [false, false, true]]),
           (5, ARRAY[[true, true, true], [true, true, true], [false, false, false]]),
           (6, ARRAY[[true, true, false], [true, true, false], [false, false, true]]),
           (7, ARRAY[[false, true, false], [false, false, true], [false, false, false]]))
SELECT c, cq.window_funnel('1 hour', 'strict_once', timestamptz '2024-01-01',
                           steps[r][1], steps[r][2], steps[r][3]) AS stage
  FROM cases, generate_series(1, 3) r
 WHERE steps[r][1] OR steps[r][2] OR steps[r][3]
 GROUP BY c ORDER BY c;

-- A stored state of 1000 such rows, read with strict_once by every accessor
-- and the report: stage 4; the first chain to reach step 4 is rows 1-4.
CREATE TABLE once_states AS
SELECT 1 AS u, cq.funnel_events(ts, true, true, true, true, false) AS st
  FROM (SELECT timestamptz '2024-01-01' + g * interval '1 second' AS ts
          FROM generate_series(1, 1000) g) s;
SELECT cq.funnel_stage(st, interval '100 years', 'strict_once') AS stage,
       cq.funnel_step_times(st, interval '100 years', 'strict_once') AS step_times,
       cq.funnel_stage(st, ARRAY[interval '1 second', '1 second', '1 second', '1 second'],
                       'strict_once') AS stage_per_step
  FROM once_states;
SELECT (r).step, (r).users, (r).median_from_previous
  FROM (SELECT unnest(cq.funnel_report(st, interval '100 years', 'strict_once')) AS r
          FROM once_states) x;

-- The step times strict_once reports: among the chains that reached the stage
-- at the same row, the one that started last (as the default mode does).
-- view at 1 s and 2 s, buy at 3 s: both views lead to the buy; {2 s, 3 s}.
SELECT cq.funnel_step_times(cq.funnel_events(ts, e = 'view', e = 'buy'), interval '1 hour',
                            'strict_once') AS once,
       cq.funnel_step_times(cq.funnel_events(ts, e = 'view', e = 'buy'), interval '1 hour') AS plain
  FROM (VALUES (timestamptz '2024-01-01 00:00:01', 'view'), ('2024-01-01 00:00:02', 'view'),
               ('2024-01-01 00:00:03', 'buy')) v(ts, e);

-- 2. One funnel, one answer across a DST change.  A timestamp column is wall
-- clock time for both forms; a timestamptz column absolute time for both.
-- 01:30 -> 03:15 on 2024-03-10 is 1 h 45 min of wall clock but 45 minutes
-- of real time in New York (02:00 does not exist that night).
SET TimeZone = 'America/New_York';
CREATE TABLE dst_events (ts timestamp, e text);
INSERT INTO dst_events VALUES ('2024-03-10 01:30', 'view'), ('2024-03-10 03:15', 'buy');
SELECT cq.window_funnel('1 hour', ts, e = 'view', e = 'buy') AS direct,
       cq.funnel_stage(cq.funnel_events(ts, e = 'view', e = 'buy'), interval '1 hour') AS two_step,
       cq.funnel_stage(cq.funnel_events(ts, ARRAY[e = 'view', e = 'buy']), interval '1 hour') AS two_step_array,
       cq.funnel_stage(cq.funnel_events(ts, e, 'view', 'buy'), interval '1 hour') AS two_step_names,
       cq.window_funnel('1 hour', ts::timestamptz, e = 'view', e = 'buy') AS direct_tz,
       cq.funnel_stage(cq.funnel_events(ts::timestamptz, e = 'view', e = 'buy'), interval '1 hour') AS two_step_tz
  FROM dst_events;
-- The state of a timestamp column is the same in every session time zone
CREATE TABLE dst_state AS
SELECT cq.funnel_events(ts, e = 'view', e = 'buy')::text AS st FROM dst_events;
SET TimeZone = 'Asia/Tokyo';
SELECT st = (SELECT cq.funnel_events(ts, e = 'view', e = 'buy')::text FROM dst_events) AS same_state,
       st
  FROM dst_state;
-- ... and its step times are the column's own values, labelled UTC
SET TimeZone = 'UTC';
SELECT cq.funnel_step_times(cq.funnel_events(ts, e = 'view', e = 'buy'), interval '1 day') AS step_times
  FROM dst_events;

-- 3. Step names read by a hand-called transition follow the argument's value:
-- a PL/pgSQL variable changed in place between calls is read again.  Row 1
-- is 'view' under names {view, cart}; then step 2 becomes 'buy' and row 2 is
-- 'buy': stage 2 (stale names would leave 'buy' unmatched: stage 1).
DO $$
DECLARE
    names text[] := ARRAY['view', 'cart'];
    events text[] := ARRAY['view', 'buy'];
    st cq.funnel_state;
BEGIN
    FOR i IN 1 .. 2 LOOP
        st := cq_internal.window_funnel_transfn(st, interval '1 day',
                  timestamptz '2024-01-01' + i * interval '1 hour', events[i], names);
        names[2] := 'buy';
    END LOOP;
    RAISE NOTICE 'stage %', cq_internal.window_funnel_finalfn(st);
END
$$;

-- 4. cq.funnel_report with infinite step times: a delta from -infinity is
-- infinitely long; percentiles that involve it saturate to the longest
-- interval of hours (PG_INT64_MAX microseconds), never wrap around.
-- Two users from -infinity (1900-01-01 for step 2, window of 2562047788 hours,
-- the longest there is) and one of 10 minutes: median = infinite (the middle
-- value is infinite), p90 = infinite; with one infinite user of three
-- ordered 10 min, 20 min, inf: median 20 min, p90 interpolates into the
-- infinite value: infinite.
SELECT (r).step, (r).users, (r).median_from_previous, (r).p90_from_previous
  FROM (SELECT unnest(cq.funnel_report(st, interval '2562047788 hours')) AS r
          FROM (SELECT u, cq.funnel_events(ts, s = 1, s = 2) AS st
                  FROM (VALUES (1, timestamptz '-infinity', 1), (1, '1900-01-01', 2),
                               (2, '-infinity', 1), (2, '1900-01-01', 2),
                               (3, '1900-01-01 00:00', 1), (3, '1900-01-01 00:10', 2)) v(u, ts, s)
                 GROUP BY u) x) y;
SELECT (r).step, (r).users, (r).median_from_previous, (r).p90_from_previous
  FROM (SELECT unnest(cq.funnel_report(st, interval '2562047788 hours')) AS r
          FROM (SELECT u, cq.funnel_events(ts, s = 1, s = 2) AS st
                  FROM (VALUES (1, timestamptz '-infinity', 1), (1, '1900-01-01', 2),
                               (2, '1900-01-01 00:00', 1), (2, '1900-01-01 00:20', 2),
                               (3, '1900-01-01 00:00', 1), (3, '1900-01-01 00:10', 2)) v(u, ts, s)
                 GROUP BY u) x) y;

-- Two steps at the same instant take no time, at infinity too: median 0.
-- A delta of exactly the timestamp range's end (from 1 us before 2000 to
-- 1 us before the year 294277) is no timestamp: infinite, and the report's
-- own state, passed through its text form, reads back.
SELECT (r).step, (r).users, (r).median_from_previous
  FROM (SELECT unnest(cq.funnel_report(st, interval '1 day')) AS r
          FROM (SELECT cq.funnel_events(timestamptz 'infinity', true, true) AS st) x) y;
SELECT (r).step, (r).median_from_previous
  FROM (SELECT unnest(cq.funnel_report(st, interval '2562047788 hours')) AS r
          FROM (SELECT cq.funnel_events(ts, s = 1, s = 2) AS st
                  FROM (VALUES (timestamptz '1999-12-31 23:59:59.999999+00', 1),
                               ('294276-12-31 23:59:59.999999+00', 2)) v(ts, s)) x) y;
SELECT cq_internal.funnel_report_transfn(NULL, st, interval '2562047788 hours')::text::cq.funnel_state IS NOT NULL
       AS report_state_reads_back
  FROM (SELECT cq.funnel_events(ts, s = 1, s = 2) AS st
          FROM (VALUES (timestamptz '1999-12-31 23:59:59.999999+00', 1),
                       ('294276-12-31 23:59:59.999999+00', 2)) v(ts, s)) x;

-- 5. Rollups merge in any order to the same state: 3000 one-row states (a
-- row matching no step every 7th, repeated at the same time in two states)
-- rolled up in ascending, descending and shuffled order equal the state of
-- all their rows.  Rows g = 2 (step 1) and g = 3 (step 2) share second 1, so
-- the rolled-up state reaches stage 2 even under strict_order.
CREATE TABLE small_states AS
SELECT g, cq.funnel_events(ts, g % 7 <> 0 AND g % 2 = 0, g % 7 <> 0 AND g % 2 = 1) AS st
  FROM (SELECT g, timestamptz '2024-01-01' + (g / 2) * interval '1 second' AS ts
          FROM generate_series(1, 3000) g) s
 GROUP BY g;
SELECT count(*) AS states,
       cq.funnel_rollup(st ORDER BY g)::text = cq.funnel_rollup(st ORDER BY g DESC)::text AS asc_desc,
       cq.funnel_rollup(st ORDER BY g)::text = cq.funnel_rollup(st ORDER BY md5(g::text))::text AS asc_shuffled,
       cq.funnel_rollup(st ORDER BY g)::text =
           (SELECT cq.funnel_events(ts, g % 7 <> 0 AND g % 2 = 0, g % 7 <> 0 AND g % 2 = 1)::text
              FROM (SELECT g, timestamptz '2024-01-01' + (g / 2) * interval '1 second' AS ts
                      FROM generate_series(1, 3000) g) s) AS equals_all_rows,
       cq.funnel_stage(cq.funnel_rollup(st ORDER BY g DESC), interval '1 second', 'strict_order') AS stage
  FROM small_states;

DROP TABLE once_states, dst_events, dst_state, small_states;
