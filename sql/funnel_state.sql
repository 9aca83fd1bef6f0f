-- cq.funnel_state: formats, the two-step API (cq.funnel_events -> accessors, cq.funnel_rollup)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
CREATE TABLE fs_ev (uid int, ts timestamptz, e text);
INSERT INTO fs_ev VALUES
  (1, '2024-01-01 00:00:00+00', 'view'), (1, '2024-01-01 00:00:10+00', 'cart'),
  (1, '2024-01-01 00:00:10+00', 'view'), (1, '2024-01-01 00:00:20+00', 'other'),
  (1, '2024-01-01 00:00:20+00', 'other'), (1, '2024-01-01 00:01:00+00', 'buy'),
  (2, '2024-01-02 00:00:00+00', 'cart'), (2, NULL, 'view'),
  (3, '2024-01-03 00:00:00+00', 'view'), (3, '2024-01-03 00:00:30+00', 'cart'),
  (3, '2024-01-03 00:00:40+00', 'view'), (3, '2024-01-03 00:00:50+00', 'cart'),
  (3, '2024-01-03 00:01:35+00', 'buy');

-- Golden text form: microseconds since 2000-01-01 UTC and the mask of steps (bit k-1 = step k),
-- sorted by (time, mask); a repeated row satisfying no step at one time is kept once
CREATE TABLE fs_st AS
SELECT uid, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'buy') AS st
  FROM fs_ev GROUP BY uid;
SELECT uid, st FROM fs_st ORDER BY uid;
SELECT cq.funnel_events(ts, e = 'view') AS no_usable_rows FROM fs_ev WHERE ts IS NULL;
SELECT cq.funnel_events(ts, e = 'view') AS no_rows FROM fs_ev WHERE false;

-- Text and binary forms round-trip exactly; golden binary form
SELECT uid, st::text::cq.funnel_state::text = st::text AS text_round_trip FROM fs_st ORDER BY uid;
SELECT encode(cq_internal.funnel_state_send(st), 'hex') AS golden_binary FROM fs_st WHERE uid = 2;
SELECT encode(cq_internal.funnel_state_send('v1 steps=2 params=86400000000/3 events=0'), 'hex') AS with_params;
-- (files go to the cluster's data directory, which the test cluster removes)
SELECT current_setting('data_directory') || '/cq_funnel_state.bin' AS statefile,
       current_setting('data_directory') || '/cq_funnel_raw.bin' AS rawfile \gset
COPY fs_st TO :'statefile' WITH (FORMAT binary);
CREATE TABLE fs_back (LIKE fs_st);
COPY fs_back FROM :'statefile' WITH (FORMAT binary);
SELECT count(*) AS rows_back, bool_and(a.st::text = b.st::text) AS binary_round_trip
  FROM fs_st a JOIN fs_back b USING (uid);
-- about 16 bytes per row
SELECT uid, pg_column_size(st) AS bytes FROM fs_st ORDER BY uid;

-- Malformed text: 22P02, cleanly
\set VERBOSITY sqlstate
SELECT 'garbage'::cq.funnel_state;
SELECT 'v2 steps=1 params=- events=0'::cq.funnel_state;
SELECT 'v1 steps=0 params=- events=0'::cq.funnel_state;
SELECT 'v1 steps=33 params=- events=0'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=2 0:1'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=1 0:1,5:1'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=2 5:1,0:1'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=2 0:0,0:0'::cq.funnel_state;
SELECT 'v1 steps=2 params=- events=1 0:4'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=1 9223372036854775806:1'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=1 99999999999999999999:1'::cq.funnel_state;
SELECT 'v1 steps=1 params=-1/0 events=0'::cq.funnel_state;
SELECT 'v1 steps=1 params=0/99 events=0'::cq.funnel_state;
SELECT 'v1 steps=1 params=0/16 events=0'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=01'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=1 -0:1'::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=0 '::cq.funnel_state;
SELECT 'v1 steps=1 params=- events=999999999 0:1'::cq.funnel_state;
\set VERBOSITY default
SELECT 'v1 steps=2 params=- events=2 5:1,0:1'::cq.funnel_state;
-- valid edge cases: infinite times, 32 steps, a row satisfying no step, equal rows
SELECT 'v1 steps=32 params=- events=4 -9223372036854775808:0,0:4294967295,0:4294967295,9223372036854775807:1'::cq.funnel_state;

-- Malformed binary (fed through COPY BINARY): 22P03
CREATE TABLE fs_raw (id int, b bytea);
INSERT INTO fs_raw VALUES
  (1, '\x0201000000000000'),                           -- version 2
  (2, '\x0121000000000000'),                           -- 33 steps
  (3, '\x010100000000'),                               -- truncated count
  (4, '\x010100000000010000000000000000000000'),       -- one event announced, 11 of its 12 bytes carried
  (5, '\x0101000000000100000000000000050000000100'),   -- a trailing byte
  (6, '\x010102000000000000000000'),                   -- bad parameter flag
  (7, '\x01020000000001000000000000000000000004');     -- step 3 of 2
CREATE TABLE fs_in (st cq.funnel_state);
\set VERBOSITY sqlstate
COPY (SELECT b FROM fs_raw WHERE id = 1) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
COPY (SELECT b FROM fs_raw WHERE id = 2) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
COPY (SELECT b FROM fs_raw WHERE id = 3) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
COPY (SELECT b FROM fs_raw WHERE id = 4) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
COPY (SELECT b FROM fs_raw WHERE id = 5) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
COPY (SELECT b FROM fs_raw WHERE id = 6) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
COPY (SELECT b FROM fs_raw WHERE id = 7) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
\set VERBOSITY default
-- and a valid payload goes through
INSERT INTO fs_raw VALUES (8, '\x0101000000000100000000000000050000000100'::bytea);
UPDATE fs_raw SET b = substr(b, 1, 19) WHERE id = 8;
COPY (SELECT b FROM fs_raw WHERE id = 8) TO :'rawfile' WITH (FORMAT binary);
COPY fs_in FROM :'rawfile' WITH (FORMAT binary);
SELECT st FROM fs_in;

-- Accessors: funnel_stage equals window_funnel on the same rows, for each window and mode
SELECT w, mode, bool_and(a.stage = b.stage) AS same, array_agg(a.stage ORDER BY uid) AS stages
  FROM (SELECT uid, w, mode,
               cq.window_funnel(w, mode, ts, e = 'view', e = 'cart', e = 'buy') AS stage
          FROM fs_ev, (VALUES (interval '0'), ('30 s'), ('60 s'), ('95 s')) w(w),
               (VALUES (''), ('strict_order'), ('strict_deduplication')) m(mode)
         GROUP BY uid, w, mode) a
  JOIN (SELECT uid, w, mode, cq.funnel_stage(st, w, mode) AS stage
          FROM fs_st, (VALUES (interval '0'), ('30 s'), ('60 s'), ('95 s')) w(w),
               (VALUES (''), ('strict_order'), ('strict_deduplication')) m(mode)) b
 USING (uid, w, mode)
 GROUP BY w, mode ORDER BY w, mode;

-- Step times of the first chain that reached the stage reported
SELECT uid, cq.funnel_stage(st, interval '95 s') AS stage,
       cq.funnel_step_times(st, interval '95 s') AS step_times,
       cq.funnel_step_times(st, interval '60 s') AS within_60s,
       cq.funnel_step_times(st, interval '60 s', 'strict_order') AS strict_order
  FROM fs_st ORDER BY uid;

-- Per-step windows: windows[i] limits step i -> step i+1 (here view->cart 30 s, cart->buy 50 s)
SELECT uid, cq.funnel_stage(st, ARRAY[interval '30 s', '50 s']) AS stage,
       cq.funnel_step_times(st, ARRAY[interval '30 s', '50 s']) AS step_times,
       cq.funnel_stage(st, ARRAY[interval '30 s', '40 s']) AS cart_to_buy_40s
  FROM fs_st ORDER BY uid;
-- one window of 50 s from step 1 instead: user 3 buys 55 s after the view of its chain
SELECT uid, cq.funnel_stage(st, interval '50 s') AS one_window_50s FROM fs_st ORDER BY uid;

-- Rollup: merging per-day (here per-row-parity) states gives the state of the union
SELECT a.uid, a.st::text = b.st::text AS same_state
  FROM fs_st a
  JOIN (SELECT uid, cq.funnel_rollup(part) AS st
          FROM (SELECT uid, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'buy') AS part
                  FROM (SELECT *, row_number() OVER () % 2 AS half FROM fs_ev) q
                 GROUP BY uid, half) p
         GROUP BY uid) b USING (uid)
 ORDER BY a.uid;
SELECT cq.funnel_rollup(st) IS NULL AS rollup_of_nothing FROM fs_st WHERE false;
SELECT cq.funnel_stage(cq.funnel_rollup(st), interval '1 day') AS all_users_as_one FROM fs_st;

-- Mismatches are errors (22023; a NULL per-step window is 22004)
\set VERBOSITY sqlstate
SELECT cq.funnel_rollup(st) FROM (VALUES ('v1 steps=1 params=- events=0'::cq.funnel_state),
                                         ('v1 steps=2 params=- events=0')) v(st);
SELECT cq.funnel_stage(st, ARRAY[interval '1 s']) FROM fs_st WHERE uid = 1;
SELECT cq.funnel_stage(st, ARRAY[interval '1 s', NULL]) FROM fs_st WHERE uid = 1;
SELECT cq.funnel_stage(st, interval '1 s', 'strict') FROM fs_st WHERE uid = 1;
SELECT cq.funnel_stage(st, interval '-1 s') FROM fs_st WHERE uid = 1;
SELECT cq.funnel_events(ts, VARIADIC CASE WHEN e = 'view' THEN ARRAY[true] ELSE ARRAY[true, true] END)
  FROM fs_ev;
\set VERBOSITY default
SELECT cq.funnel_rollup(st) FROM (VALUES ('v1 steps=1 params=- events=0'::cq.funnel_state),
                                         ('v1 steps=2 params=- events=0')) v(st);
SELECT cq.funnel_stage(st, ARRAY[interval '1 s']) FROM fs_st WHERE uid = 1;
-- NULL arguments give NULL (the accessors are strict)
SELECT cq.funnel_stage(NULL, interval '1 s') IS NULL AS null_state,
       cq.funnel_stage(st, NULL::interval) IS NULL AS null_window
  FROM fs_st WHERE uid = 1;

-- Support functions called by hand work on copies and give the same answers
SELECT cq_internal.funnel_events_finalfn(cq_internal.funnel_events_transfn(cq_internal.funnel_events_transfn(NULL,
         '2024-01-01 00:00:05+00', ARRAY[false, true]), '2024-01-01 00:00:01+00', ARRAY[true, false]))
  AS by_hand;
SELECT cq.funnel_stage(cq_internal.funnel_combine(a, b), interval '1 min') AS combined,
       a::text AS a_unchanged
  FROM (VALUES ('v1 steps=2 params=- events=1 0:1'::cq.funnel_state,
                'v1 steps=2 params=- events=1 1000000:2'::cq.funnel_state)) v(a, b);
