-- cq.window_funnel modes, hand-checked; ClickHouse vectors are named after their test.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
-- f(spec, mode, window): stage of steps a, b, c, d over events "letter@second ..."
CREATE FUNCTION f(spec text, mode text, w interval DEFAULT '1 hour') RETURNS int
LANGUAGE sql AS $$
    SELECT cq.window_funnel(w, mode, timestamptz '2024-01-01 00:00:00+00' + split_part(x, '@', 2)::int * interval '1 second',
                            split_part(x, '@', 1) = 'a', split_part(x, '@', 1) = 'b',
                            split_part(x, '@', 1) = 'c', split_part(x, '@', 1) = 'd')
      FROM unnest(string_to_array(spec, ' ')) x
$$;
-- f3: the same with three steps a, b, c (d is a foreign event)
CREATE FUNCTION f3(spec text, mode text, w interval DEFAULT '1 hour') RETURNS int
LANGUAGE sql AS $$
    SELECT cq.window_funnel(w, mode, timestamptz '2024-01-01 00:00:00+00' + split_part(x, '@', 2)::int * interval '1 second',
                            split_part(x, '@', 1) = 'a', split_part(x, '@', 1) = 'b',
                            split_part(x, '@', 1) = 'c')
      FROM unnest(string_to_array(spec, ' ')) x
$$;

-- strict_order: a foreign row or a step before its predecessor ends the scan, once step 1 was seen
SELECT spec, f3(spec, '') AS "default", f3(spec, 'strict_order') AS strict_order
  FROM (VALUES ('a@1 a@2 b@3 b@4 d@5 c@6 c@7'),   -- ch00632-q21: 2
               ('a@1 d@2 b@3 c@4'),               -- ch00632-q21: 1
               ('a@1 c@2 b@3'),                   -- ch00632-q23: 1
               ('d@1 a@2 b@3 c@4'),               -- foreign row before step 1: ignored
               ('a@1 b@2 a@3 c@4'),               -- a repeated step 1 restarts, no violation
               ('a@0 d@5 b@5 c@6')) v(spec);      -- a foreign row sorts before steps at its time

-- allow_reentry: a premature step is skipped instead of ending the scan; foreign rows still end it
SELECT spec, f3(spec, 'strict_order') AS strict_order,
       f3(spec, 'strict_order,allow_reentry') AS with_reentry
  FROM (VALUES ('a@1 c@2 b@3 c@4'),
               ('a@1 c@2 d@3 b@4 c@5'),
               ('b@1 a@2 b@3 c@4')) v(spec);

-- strict_deduplication: a repeat of a reached step >= 2 ends the scan with the level reached (PR #99003)
SELECT spec, f(spec, '') AS "default", f(spec, 'strict_deduplication') AS strict_deduplication
  FROM (VALUES ('a@1 b@2 d@3 b@4'),               -- issue #40263 data: 2 (old rule gave 4)
               ('a@1 b@2 b@3 c@4'),
               ('a@1 a@2 b@3 c@4'),               -- a repeated step 1 is not a duplicate
               ('a@1 b@2 c@3 b@4 d@5')) v(spec);
-- the repeat counts even outside the window
SELECT f('a@0 b@1 a@100 b@101 c@102', '', '10 s') AS "default",
       f('a@0 b@1 a@100 b@101 c@102', 'strict_deduplication', '10 s') AS strict_deduplication;

-- strict_increase: consecutive steps need strictly increasing times
SELECT f('a@5 b@5 c@6', '') AS "default", f('a@5 b@5 c@6', 'strict_increase') AS strict_increase;
-- its greedy scan undercounts (ClickHouse issue #52844): 2 although a@1 b@2 c@3 d@4 exists
SELECT f('a@1 b@2 c@2 d@2 b@3 c@3 d@3 b@4 c@4 d@4', 'strict_increase') AS issue_52844,
       f('a@1 b@2 c@2 d@2 b@3 c@3 d@3 b@4 c@4 d@4', 'strict_increase,strict_once') AS with_strict_once;
SELECT f('a@0 a@1 b@1', 'strict_increase') AS latest_chain_only;

-- strict_once: a row fills at most one step of a chain
SELECT cq.window_funnel('1 hour', ts, e = 'x', e = 'x', e = 'x') AS "default",
       cq.window_funnel('1 hour', 'strict_once', ts, e = 'x', e = 'x', e = 'x') AS strict_once  -- ch00632-q33
  FROM (VALUES (timestamptz '2024-01-01', 'x')) v(ts, e);
SELECT cq.window_funnel('1 hour', 'strict_once', ts, e = 'x', e = 'x', e = 'x') AS two_rows,
       cq.window_funnel('1 hour', 'strict_once', ts, true, true, true) AS two_rows_all_true
  FROM (VALUES (timestamptz '2024-01-01', 'x'), ('2024-01-01', 'x')) v(ts, e);
-- it keeps every candidate chain: the chain from a@2 cannot use its own row as b, the one from
-- a@1 can (keeping only the latest chain, as the default scan does, would stop at 1)
SELECT cq.window_funnel('1 hour', 'strict_once', ts, a, b, c) AS strict_once,
       cq.window_funnel('1 hour', ts, a, b, c) AS "default"
  FROM (VALUES (timestamptz '2024-01-01 00:00:01', true, false, false),
               ('2024-01-01 00:00:02', true, true, false),
               ('2024-01-01 00:00:03', false, false, true)) v(ts, a, b, c);

-- modes combine; the result never depends on input order, even with ties under strict_once
SELECT count(DISTINCT stage) AS distinct_answers, min(stage) AS stage
  FROM (SELECT cq.window_funnel('10 s', 'strict_once,strict_deduplication', ts, VARIADIC s) AS stage
          FROM generate_series(1, 20) g,
               LATERAL (SELECT * FROM (VALUES (timestamptz '2024-01-01 00:00:01', ARRAY[true, true, false]),
                                              ('2024-01-01 00:00:01', ARRAY[false, true, true]),
                                              ('2024-01-01 00:00:01', ARRAY[true, false, true]),
                                              ('2024-01-01 00:00:02', ARRAY[false, true, true])) v(ts, s)
                         ORDER BY random() + g * 0) q
         GROUP BY g) r;
