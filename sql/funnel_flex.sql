-- Optional steps and minimum gaps (README "Optional steps and minimum gaps"):
-- cq.funnel_stage_flexible by hand, without options against cq.funnel_stage on generated
-- states, its NULLs and errors.  test/check_funnel_reference.py checks it against a brute
-- force in Python with each user's own optional steps and gaps.
SET TimeZone = 'UTC';
CREATE TABLE ff_states AS
SELECT u, cq.funnel_events(ts, e, 'a', 'b', 'c', 'd') AS st
  FROM (VALUES
    -- 1: a b c d an hour apart
    (1, timestamptz '2024-05-01 10:00+00', 'a'), (1, '2024-05-01 11:00+00', 'b'), (1, '2024-05-01 12:00+00', 'c'),
    (1, '2024-05-01 13:00+00', 'd'),
    -- 2: b c d (no a)
    (2, '2024-05-01 10:00+00', 'b'), (2, '2024-05-01 11:00+00', 'c'), (2, '2024-05-01 12:00+00', 'd'),
    -- 3: a c d (no b)
    (3, '2024-05-01 10:00+00', 'a'), (3, '2024-05-01 11:00+00', 'c'), (3, '2024-05-01 12:00+00', 'd'),
    -- 4: a b, then c ten seconds after b, d a day later
    (4, '2024-05-01 10:00+00', 'a'), (4, '2024-05-01 10:01+00', 'b'), (4, '2024-05-01 10:01:10+00', 'c'),
    (4, '2024-05-02 10:02+00', 'd'),
    -- 5: b at 10:00 and 10:30, c at 10:40: a 30-minute gap is met only from the first b
    (5, '2024-05-01 10:00+00', 'b'), (5, '2024-05-01 10:30+00', 'b'), (5, '2024-05-01 10:40+00', 'c')) v(u, ts, e)
 GROUP BY u;
-- window 3 hours, from the first step reached: user 2's chain starts at b
SELECT u, cq.funnel_stage(st, interval '3 hours') AS plain,
       cq.funnel_stage_flexible(st, interval '3 hours', NULL) AS no_options,
       cq.funnel_stage_flexible(st, interval '3 hours', '{1}') AS a_optional,
       cq.funnel_stage_flexible(st, interval '3 hours', '{2}') AS b_optional,
       cq.funnel_stage_flexible(st, interval '3 hours', '{1,2,3}') AS abc_optional,
       cq.funnel_stage_flexible(st, interval '2 days', '{1}', ARRAY[interval '0', '30 minutes', '0']) AS gap_before_c,
       cq.funnel_stage_flexible(st, interval '2 days', '{3}', ARRAY[interval '0', '1 hour', '0']) AS c_optional_gap
  FROM ff_states ORDER BY u;
-- one row satisfying two steps serves both (as in cq.window_funnel), unless a gap forbids it
SELECT cq.funnel_stage_flexible(cq.funnel_events(timestamptz '2024-05-01 10:00+00', true, true), interval '1 hour', NULL) AS one_row,
       cq.funnel_stage_flexible(cq.funnel_events(timestamptz '2024-05-01 10:00+00', true, true), interval '1 hour', NULL,
                                ARRAY[interval '1 second']) AS one_row_gap;

-- Without options it is cq.funnel_stage: 3,000 generated users, windows 0 to a day, ties
CREATE TABLE ff_gen AS
SELECT g % 3000 AS u, cq.funnel_events(timestamptz '2024-01-01 00:00+00' + (hashint4(g) & 127) * interval '10 minutes',
                                       (hashint4(g + 1) & 3) = 0, (hashint4(g + 2) & 3) = 1, (hashint4(g + 3) & 3) <= 1,
                                       (hashint4(g + 4) & 7) = 0) AS st
  FROM generate_series(1, 60000) g GROUP BY g % 3000;
SELECT w AS "window", count(*) AS users,
       count(*) FILTER (WHERE cq.funnel_stage_flexible(st, w, '{}') <> cq.funnel_stage(st, w)) AS differ,
       count(*) FILTER (WHERE cq.funnel_stage_flexible(st, w, '{1,2,3,4}') < cq.funnel_stage(st, w)) AS optional_lower,
       count(*) FILTER (WHERE cq.funnel_stage_flexible(st, w, NULL, ARRAY[interval '1 hour', '1 hour', '1 hour'])
                              > cq.funnel_stage(st, w)) AS gaps_higher
  FROM ff_gen, unnest(ARRAY[interval '0', interval '30 minutes', interval '3 hours', interval '1 day']) w
 GROUP BY w ORDER BY w;

-- NULLs and errors
SELECT cq.funnel_stage_flexible(NULL, interval '1 hour', '{1}') IS NULL AS null_state,
       cq.funnel_stage_flexible(st, NULL, '{1}') IS NULL AS null_window
  FROM ff_states WHERE u = 1;
SELECT cq.funnel_stage_flexible(st, interval '1 hour', '{5}') FROM ff_states WHERE u = 1;
SELECT cq.funnel_stage_flexible(st, interval '1 hour', '{NULL}') FROM ff_states WHERE u = 1;
SELECT cq.funnel_stage_flexible(st, interval '1 hour', NULL, ARRAY[interval '1 hour']) FROM ff_states WHERE u = 1;
SELECT cq.funnel_stage_flexible(st, interval '1 hour', NULL, ARRAY[interval '-1 hour', '0', '0']) FROM ff_states WHERE u = 1;
SELECT cq.funnel_stage_flexible(st, interval '1 hour', '{{1}}') FROM ff_states WHERE u = 1;
DROP TABLE ff_states, ff_gen;
