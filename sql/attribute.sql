-- cq.attribute: the six models on a case worked by hand (README, "Attribution"),
-- the rules at their edges, and bad input.
\pset null '(null)'
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
CREATE TABLE at_touches (user_id int, event_time timestamptz, channel text);
CREATE TABLE at_convs (user_id int, event_time timestamptz, value numeric);
-- user 1: search, social, direct, then a purchase of 100 a day after the direct visit
-- user 2: email and direct at the same instant as a purchase of 50 (ties: by channel)
-- user 3: a search touch 69 days before a purchase of 30 (outside 28 days)
-- user 4: a purchase of 10 and no touch at all
INSERT INTO at_touches VALUES
 (1, '2024-01-01 00:00', 'search'), (1, '2024-01-05 00:00', 'social'), (1, '2024-01-08 00:00', 'direct'),
 (2, '2024-01-10 00:00', 'email'), (2, '2024-01-10 00:00', 'direct'),
 (3, '2023-11-01 00:00', 'search');
INSERT INTO at_convs VALUES
 (1, '2024-01-09 00:00', 100), (2, '2024-01-10 00:00', 50), (3, '2024-01-09 00:00', 30),
 (4, '2024-01-09 00:00', 10);
-- By hand.  Unattributed in every model: users 3 and 4, 2 conversions worth 40.
--  first_touch      user 1 -> search; user 2 -> direct ('direct' < 'email')
--  last_touch       user 1 -> direct; user 2 -> email
--  last_non_direct  user 1 -> social; user 2 -> email
--  linear           user 1: 1/3 each; user 2: 1/2 each -> direct 1/3 + 1/2 = 0.8333
--  position_based   user 1: search 0.4, social 0.2, direct 0.4; user 2 (two touches): 1/2 each
--  time_decay       user 1: ages 8, 4, 1 days, half-life 7: weights 2^(-7/7), 2^(-3/7), 1
--                   = 0.5, 0.74300, 1 (sum 2.24300): search 0.22292, social 0.33125,
--                   direct 0.44583 (+ 0.5 from user 2); user 2: both age 0, 1/2 each
SELECT m AS model, a.channel, round(a.conversions::numeric, 5) AS conversions,
       round(a.value::numeric, 3) AS value
  FROM unnest(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based',
                    'time_decay']) m,
       cq.attribute('at_touches', 'at_convs', m, value_column => 'value') a
 ORDER BY m, a.channel NULLS LAST;
-- the credits of every model sum to the 4 conversions, the values to 190
SELECT m AS model, round(sum(a.conversions)::numeric, 12) AS conversions, round(sum(a.value)::numeric, 9) AS value
  FROM unnest(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based',
                    'time_decay']) m,
       cq.attribute('at_touches', 'at_convs', m, value_column => 'value') a
 GROUP BY m ORDER BY m;
-- without a value column the value is NULL
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'last_touch') ORDER BY channel NULLS LAST;

-- The aggregate form: one state per user, summed with cq.attribution_rollup, gives what
-- cq.attribute gives, under every model
CREATE VIEW at_rows AS
SELECT user_id, event_time, channel, false AS is_conversion, NULL::float8 AS value FROM at_touches
UNION ALL SELECT user_id, event_time, NULL, true, value::float8 FROM at_convs;
SELECT cq.attribution_credits(event_time, channel, is_conversion, value, 'linear', '28 days', '7 days')
           AS user_1_linear
  FROM at_rows WHERE user_id = 1;
SELECT m AS model, count(*) AS rows,
       count(*) FILTER (WHERE abs(r.conversions - a.conversions) > 1e-12
                           OR abs(r.value - a.value) > 1e-9 OR a.channel IS DISTINCT FROM r.channel) AS differ
  FROM unnest(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based',
                    'time_decay']) m
  CROSS JOIN LATERAL (
        SELECT x.* FROM (SELECT cq.attribution_rollup(s) AS s
                           FROM (SELECT cq.attribution_credits(event_time, channel, is_conversion, value,
                                                               m, '28 days', '7 days') AS s
                                   FROM at_rows GROUP BY user_id) u) t,
                        cq.attribution_rows(t.s) x) r
  LEFT JOIN cq.attribute('at_touches', 'at_convs', m, value_column => 'value') a
    ON coalesce(a.channel, '') = coalesce(r.channel, '')
 GROUP BY m ORDER BY m;
-- a state without rows, and NULL states, which the rollup skips
SELECT cq.attribution_credits(event_time, channel, is_conversion, value, 'linear', '28 days', '7 days')
  FROM at_rows WHERE false;
SELECT cq.attribution_rollup(s) FROM (VALUES (NULL::jsonb), ('{"credit": {"a": [1, 2]}, "unattributed": [0, 0]}'),
                                             ('{"credit": {"a": [0.5, 1], "b": [0.5, 1]}, "unattributed": [1, 3]}')) v(s);
\set VERBOSITY default
SELECT cq.attribution_credits(event_time, channel, is_conversion, value, 'linear',
                              CASE WHEN user_id = 1 THEN interval '28 days' ELSE interval '7 days' END, '7 days')
  FROM at_rows;
SELECT cq.attribution_credits(event_time, channel, is_conversion, value, NULL, '28 days', '7 days') FROM at_rows;
\set VERBOSITY terse
DROP VIEW at_rows;

-- The window's ends are included: a touch exactly 28 days before counts, one a
-- microsecond earlier does not; only direct touches: last_non_direct falls back to
-- the last direct one; identical touch rows count separately; one touch serves
-- several conversions; a longer lookback or a shorter half-life changes the answer.
CREATE TABLE at_edge_t (user_id bigint, event_time timestamp, channel text);
CREATE TABLE at_edge_c (user_id bigint, event_time timestamp, value float8);
INSERT INTO at_edge_t VALUES
 (10, '2024-02-01 00:00:00', 'edge'), (10, '2024-01-31 23:59:59.999999', 'too_early'),
 (11, '2024-02-27 00:00', 'direct'), (11, '2024-02-28 00:00', 'direct'),
 (12, '2024-02-28 00:00', 'display'), (12, '2024-02-28 00:00', 'display'), (12, '2024-02-28 00:00', 'search');
INSERT INTO at_edge_c VALUES
 (10, '2024-02-29 00:00', 1), (11, '2024-02-29 00:00', 2), (12, '2024-02-29 00:00', 3),
 (12, '2024-03-01 00:00', 4);
SELECT channel, conversions, value FROM cq.attribute('at_edge_t', 'at_edge_c', 'last_non_direct', value_column => 'value')
 ORDER BY channel NULLS LAST;
SELECT channel, round(conversions::numeric, 6) AS conversions, round(value::numeric, 6) AS value
  FROM cq.attribute('at_edge_t', 'at_edge_c', 'linear', value_column => 'value')
 ORDER BY channel NULLS LAST;
SELECT channel, conversions FROM cq.attribute('at_edge_t', 'at_edge_c', 'first_touch', lookback => '29 days')
 ORDER BY channel NULLS LAST;
SELECT channel, round(conversions::numeric, 6) AS conversions
  FROM cq.attribute('at_edge_t', 'at_edge_c', 'time_decay', lookback => '0', half_life => '1 hour')
 ORDER BY channel NULLS LAST;

-- Rows that cannot be used: NULL user, time or channel touches are not touches; a
-- conversion with a NULL or NaN value counts and adds no value; rows at +-infinity
-- are not read.
CREATE TABLE at_bad_t (user_id int, event_time timestamptz, channel text);
CREATE TABLE at_bad_c (user_id int, event_time timestamptz, value float8);
INSERT INTO at_bad_t VALUES (20, '2024-01-01', NULL), (NULL, '2024-01-01', 'x'), (20, NULL, 'x'),
                            (20, '-infinity', 'ancient'), (20, '2024-01-02', 'ok');
INSERT INTO at_bad_c VALUES (20, '2024-01-03', NULL), (20, '2024-01-03', 'NaN'), (20, '2024-01-03', 5),
                            (20, 'infinity', 7), (NULL, '2024-01-03', 9);
SELECT * FROM cq.attribute('at_bad_t', 'at_bad_c', 'last_touch', value_column => 'value')
 ORDER BY channel NULLS LAST;
-- empty tables: only the unattributed row, with 0
CREATE TABLE at_empty (user_id int, event_time timestamptz, channel text, value numeric);
SELECT * FROM cq.attribute('at_empty', 'at_empty', 'linear', value_column => 'value');

-- A conversion less than a lookback after the start of the timestamp range: every touch
-- so far is eligible (no "timestamp out of range")
CREATE TABLE at_bc_t (user_id int, event_time timestamptz, channel text);
CREATE TABLE at_bc_c (user_id int, event_time timestamptz, value float8);
INSERT INTO at_bc_t VALUES (1, '4714-11-24 00:00:00+00 BC', 'ancient');
INSERT INTO at_bc_c VALUES (1, '4714-12-01 00:00:00+00 BC', 1);
SELECT * FROM cq.attribute('at_bc_t', 'at_bc_c', 'time_decay', value_column => 'value');
DROP TABLE at_bc_t, at_bc_c;

-- Caller's mistakes
\set VERBOSITY default
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'Linear');
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'linear', lookback => '-1 day');
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'time_decay', half_life => '0');
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'time_decay', half_life => NULL);
SELECT * FROM cq.attribute(NULL, 'at_convs', 'linear');
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'linear', channel_column => 'medium');
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'linear', value_column => 'channel');
SELECT * FROM cq.attribute('at_edge_c', 'at_edge_c', 'linear', time_column => 'value', channel_column => 'value');
-- a role that may not read a table learns nothing about its columns
CREATE ROLE regress_cq_attr;
SET ROLE regress_cq_attr;
SELECT * FROM cq.attribute('at_touches', 'at_convs', 'linear', channel_column => 'no_such_column');
RESET ROLE;
DROP ROLE regress_cq_attr;
\set VERBOSITY terse

DROP TABLE at_touches, at_convs, at_edge_t, at_edge_c, at_bad_t, at_bad_c, at_empty;
