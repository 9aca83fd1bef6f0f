-- cq.window_funnel: ClickHouse windowFunnel semantics, hand-checked cases.
-- Events are letters at whole seconds after 2024-01-01 00:00 UTC.
-- (works alone and after other tests: the extension may already exist)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
CREATE FUNCTION ev(uid int, spec text) RETURNS TABLE (uid int, ts timestamptz, e text)
LANGUAGE sql AS $$
    SELECT uid, timestamptz '2024-01-01 00:00:00+00' + split_part(x, '@', 2)::int * interval '1 second',
           split_part(x, '@', 1)
      FROM unnest(string_to_array(spec, ' ')) x
$$;

-- The window runs from the chain's step 1 and is inclusive: a@0 b@10 c@20 b@30 d@40
SELECT w, cq.window_funnel(w, ts, e = 'a', e = 'b', e = 'c', e = 'd') AS stage
  FROM ev(1, 'a@0 b@10 c@20 b@30 d@40'), (VALUES (interval '40 s'), ('39 s'), ('20 s'), ('19 s'), ('0')) v(w)
 GROUP BY w ORDER BY w;

-- Input order never matters; a later step-1 restarts the chain (latest chain per level)
SELECT cq.window_funnel('10 s', ts, e = 'a', e = 'b', e = 'c') AS stage
  FROM (SELECT * FROM ev(1, 'c@25 b@22 a@20 a@0 b@5') ORDER BY random()) q;

-- Step 1 never fires: 0.  Later steps before any step 1 are ignored.
SELECT cq.window_funnel('1 hour', ts, e = 'x', e = 'a') AS no_step1,
       cq.window_funnel('1 hour', ts, e = 'b', e = 'a') AS b_then_a_late
  FROM ev(1, 'a@0 b@5');

-- Equal times are taken in step order: one row (or rows at one time) can advance several steps
SELECT cq.window_funnel('0', ts, e = 'a', e = 'b', e = 'c') AS same_instant,
       cq.window_funnel('0', ts, e = 'c', e = 'b', e = 'a') AS reversed_steps,
       cq.window_funnel('0', ts, true, true, true) AS one_row_all_steps
  FROM ev(1, 'c@7 b@7 a@7');

-- NULL time or any NULL step: the row is skipped; all rows skipped gives 0
SELECT cq.window_funnel('1 hour', ts, e = 'a', e = 'b') AS stage
  FROM (VALUES (timestamptz '2024-01-01', 'a'), (NULL, 'b'), ('2024-01-01 00:10', NULL),
               ('2024-01-01 00:20', 'b')) v(ts, e);
SELECT cq.window_funnel('1 hour', ts, e = 'a', e = 'b') AS stage
  FROM (VALUES (timestamptz '2024-01-01', 'a'), ('2024-01-01 00:10', NULL)) v(ts, e);
SELECT cq.window_funnel('1 hour', ts, e = 'a', e = 'b') AS all_null
  FROM (VALUES (NULL::timestamptz, 'a'), ('2024-01-01', NULL)) v(ts, e);
SELECT cq.window_funnel('1 hour', ts, true) AS no_rows FROM ev(1, 'a@0') WHERE false;

-- Grouped by user
SELECT uid, cq.window_funnel('1 minute', ts, e = 'view', e = 'cart', e = 'buy') AS stage
  FROM (SELECT * FROM ev(1, 'view@0 cart@30 buy@60')
        UNION ALL SELECT * FROM ev(2, 'view@0 cart@30 buy@61')
        UNION ALL SELECT * FROM ev(3, 'cart@0 buy@1')
        UNION ALL SELECT * FROM ev(4, 'view@0 view@100 cart@130 buy@150')) q
 GROUP BY uid ORDER BY uid;

-- One step: any step-1 row gives 1
SELECT cq.window_funnel('0', ts, e = 'a') FROM ev(1, 'b@0 a@9');

-- timestamp without time zone
SELECT cq.window_funnel('10 s', ts::timestamp, e = 'a', e = 'b') AS stage,
       cq.window_funnel('10 s', 'strict_order', ts::timestamp, e = 'a', e = 'b') AS strict_stage
  FROM ev(1, 'a@0 b@10');

-- Windows: a day counts 24 hours and a month 30 days, whatever the time zone
SET TIME ZONE 'America/New_York';
SELECT cq.window_funnel('1 day', ts, e = 'a', e = 'b') AS across_dst_24h,
       cq.window_funnel('1 day', ts, e = 'a', e = 'c') AS across_dst_25h
  FROM (VALUES (timestamptz '2024-11-02 12:00-04', 'a'), ('2024-11-03 11:00-05', 'b'),
               ('2024-11-03 12:00-05', 'c')) v(ts, e);
SELECT cq.window_funnel('1 mon', ts, e = 'a', e = 'b') AS thirty_days,
       cq.window_funnel('1 mon', ts, e = 'a', e = 'c') AS thirty_days_and_a_second
  FROM (VALUES (timestamptz '2024-01-01 00:00Z', 'a'), ('2024-01-31 00:00Z', 'b'),
               ('2024-01-31 00:00:01Z', 'c')) v(ts, e);
SET TIME ZONE 'UTC';

-- Infinite times do not overflow the window arithmetic
SELECT cq.window_funnel('1 day', ts, e = 'a', e = 'b') AS inf_b,
       cq.window_funnel('1 day', ts, e = 'n', e = 'a') AS ninf_then_a
  FROM (VALUES (timestamptz '-infinity', 'n'), ('2024-01-01', 'a'), ('infinity', 'b')) v(ts, e);

-- 32 steps is the limit
SELECT cq.window_funnel('1 hour', ts, VARIADIC array_fill(true, ARRAY[32])) AS all32
  FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', ts, VARIADIC (SELECT array_agg(s <= 20) FROM generate_series(1, 32) s))
  AS twenty_of_32 FROM ev(1, 'a@0');

-- Caller mistakes: SQLSTATE 22023 (22004 for NULL parameters)
\set VERBOSITY sqlstate
SELECT cq.window_funnel('1 hour', ts, VARIADIC array_fill(true, ARRAY[33])) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', ts, VARIADIC '{}'::boolean[]) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', ts, VARIADIC '{{t},{t}}'::boolean[]) FROM ev(1, 'a@0');
SELECT cq.window_funnel('-1 hour', ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel(NULL, ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', NULL, ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', ts, VARIADIC CASE WHEN e = 'a' THEN ARRAY[true] ELSE ARRAY[true, false] END)
  FROM ev(1, 'a@0 b@1');
SELECT cq.window_funnel(CASE WHEN e = 'a' THEN interval '1 hour' ELSE '2 hours' END, ts, true)
  FROM ev(1, 'a@0 b@1');
SELECT cq.window_funnel('1 hour', 'strict', ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', 'Strict_Order', ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', 'strict_order,', ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', 'allow_reentry', ts, true) FROM ev(1, 'a@0');
\set VERBOSITY default
-- the full error text
SELECT cq.window_funnel('1 hour', 'allow_reentry', ts, true) FROM ev(1, 'a@0');
SELECT cq.window_funnel('1 hour', ts, VARIADIC array_fill(true, ARRAY[33])) FROM ev(1, 'a@0');
-- the mode is checked on every row, even a skipped one (without rows it is never read)
SELECT cq.window_funnel('1 hour', 'bogus', ts, true) FROM ev(1, 'a@0') WHERE false;
SELECT cq.window_funnel('1 hour', 'bogus', NULL::timestamptz, true);
-- spaces around mode names are fine, repeats too
SELECT cq.window_funnel('1 hour', ' strict_order , strict_order ', ts, e = 'a', e = 'b') FROM ev(1, 'a@0 b@1');

-- cq.retention: r[1] = cond1 held; r[i] = cond1 and cond_i held, in any rows, any order
SELECT uid, cq.retention(d = 1, d = 2, d = 7) AS r
  FROM (VALUES (1, 1), (1, 2), (1, 7), (2, 1), (2, 7), (3, 2), (3, 7), (4, 7), (4, 1)) v(uid, d)
 GROUP BY uid ORDER BY uid;
SELECT cq.retention(x = 1) AS one_condition FROM (VALUES (1), (2)) v(x);
-- rows with a NULL condition are skipped; all skipped gives all false; no rows gives NULL
SELECT cq.retention(x = 1, y = 1) AS r
  FROM (VALUES (1, NULL), (NULL, 1), (2, 1)) v(x, y);
SELECT cq.retention(x = 1, y = 1) AS all_skipped FROM (VALUES (1, NULL::int)) v(x, y);
SELECT cq.retention(x = 1, y = 1) AS no_rows FROM (VALUES (1, 1)) v(x, y) WHERE false;
\set VERBOSITY sqlstate
SELECT cq.retention(VARIADIC array_fill(true, ARRAY[33]));
SELECT cq.retention(VARIADIC CASE WHEN x = 1 THEN ARRAY[true] ELSE ARRAY[true, true] END)
  FROM (VALUES (1), (2)) v(x);
SELECT cq_internal.retention_combine(1, 1::bigint << 40);
\set VERBOSITY default
SELECT cq.retention(VARIADIC array_fill(true, ARRAY[33]));
