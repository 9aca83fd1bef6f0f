-- cq.breakdown: the three bucket rules on a case worked by hand (README, "Breakdowns"),
-- rows that cannot be used, and bad input.  The statistics are checked against scipy by
-- test/check_breakdown.py.
\pset null '(null)'
SET TimeZone = 'UTC';
CREATE TABLE bd_ev (user_id int, event_time timestamptz, event_name text, creative text, value numeric);
INSERT INTO bd_ev VALUES
 -- u1: clicks A, signs up (no creative on that row), buys 100 on day 2, clicks B on day 3
 (1, '2024-01-01 00:00', 'ad_click', 'A', 0), (1, '2024-01-02 00:00', 'signup', NULL, 0),
 (1, '2024-01-03 00:00', 'purchase', NULL, 100), (1, '2024-01-04 00:00', 'ad_click', 'B', 0),
 -- u2: clicks B, buys 50 on day 40 (after a 30-day horizon)
 (2, '2024-01-01 00:00', 'ad_click', 'B', 0), (2, '2024-02-10 00:00', 'purchase', NULL, 50),
 -- u3: clicks A, then B an hour later, signs up from creative C, buys 20 on day 1
 (3, '2024-01-01 00:00', 'ad_click', 'A', 0), (3, '2024-01-01 01:00', 'ad_click', 'B', 0),
 (3, '2024-01-01 02:00', 'signup', 'C', 0), (3, '2024-01-02 00:00', 'purchase', NULL, 20),
 -- u4: never sees a creative, buys 10
 (4, '2024-01-01 00:00', 'page_view', NULL, 0), (4, '2024-01-02 00:00', 'purchase', NULL, 10),
 -- u5: clicks A and B at the same instant, never buys
 (5, '2024-01-01 00:00', 'ad_click', 'B', 0), (5, '2024-01-01 00:00', 'ad_click', 'A', 0),
 -- rows that are not read: no user, no time, a time at infinity
 (NULL, '2024-01-01 00:00', 'ad_click', 'A', 0), (6, NULL, 'ad_click', 'A', 0),
 (7, 'infinity', 'ad_click', 'A', 0);
-- By hand (conversion = a purchase within 30 days of the assignment):
--  entry       u1 A (buys 100), u2 B (buys on day 40: not within 30 days), u3 A (20),
--              u4 no creative: the NULL bucket, from its first row (10), u5 A (ties: 'A' < 'B')
--              -> A: 3 users, 2 converters, 120; B: 1, 0, 0; NULL: 1, 1, 10
--  step signup u3 C (its signup row has one); u1's signup row has none, so u1, u2, u4, u5
--              are in the NULL bucket -> C: 1, 1, 20; NULL: 4, 2 (u1, u4), 110
--  last_touch  the last creative at or before the first purchase: u1 A (B comes after),
--              u2 B, u3 C; u5 never buys: its last creative (ties: 'B' after 'A');
--              u4 NULL -> A: 1, 1, 100; B: 2, 0, 0; C: 1, 1, 20; NULL: 1, 1, 10
SELECT r AS rule, b.bucket, b.bucket_rule, b.users, b.small, b.converters,
       round(b.conversion_rate::numeric, 4) AS rate, round(b.rest_conversion_rate::numeric, 4) AS rest,
       round(b.revenue_per_user::numeric, 2) AS revenue_per_user,
       round(b.rest_revenue_per_user::numeric, 2) AS rest_revenue,
       b.conversion_p_value IS NOT NULL AS tested
  FROM unnest(ARRAY['entry', 'step', 'last_touch']) r,
       cq.breakdown('bd_ev', 'creative', r, step => 'signup', conversion_event => 'purchase',
                    min_users => 2, value_column => 'value') b
 ORDER BY r, b.bucket NULLS LAST;
-- without conversion_event a row with a value above zero converts; without a value
-- column the revenue columns are NULL
SELECT bucket, users, converters, revenue_per_user, revenue_p_value, revenue_mdd
  FROM cq.breakdown('bd_ev', 'creative', conversion_event => 'purchase')
 ORDER BY bucket NULLS LAST;
SELECT bucket, users, converters FROM cq.breakdown('bd_ev', 'creative', value_column => 'value')
 ORDER BY bucket NULLS LAST;
-- a longer horizon counts u2's purchase
SELECT bucket, converters FROM cq.breakdown('bd_ev', 'creative', conversion_event => 'purchase',
                                            horizon => '60 days')
 ORDER BY bucket NULLS LAST;
-- two buckets: each is the other's rest, so both get the same p-value and MDD
SELECT bucket, users, conversion_p_value, conversion_mdd
  FROM cq.breakdown('bd_ev', 'event_name', rule => 'step', step => 'page_view', conversion_event => 'purchase')
 ORDER BY bucket NULLS LAST;
-- q-values: Benjamini-Hochberg over the tested buckets (worked: p 0.01, 0.04, 0.03, NULL)
SELECT cq_internal.bh_q_values('{0.01,0.04,0.03,NULL}') AS q;

-- Caller's mistakes
\set VERBOSITY default
SELECT * FROM cq.breakdown('bd_ev', 'creative', rule => 'first', conversion_event => 'purchase');
SELECT * FROM cq.breakdown('bd_ev', 'creative', rule => 'step', conversion_event => 'purchase');
SELECT * FROM cq.breakdown('bd_ev', 'creative');
SELECT * FROM cq.breakdown('bd_ev', 'creative', conversion_event => 'purchase', horizon => '-1 day');
SELECT * FROM cq.breakdown('bd_ev', 'campaign', conversion_event => 'purchase');
SELECT * FROM cq.breakdown('bd_ev', 'creative', conversion_event => 'purchase', value_column => 'creative');
SELECT * FROM cq.breakdown('bd_ev', NULL, conversion_event => 'purchase');
CREATE ROLE regress_cq_breakdown;
SET ROLE regress_cq_breakdown;
SELECT * FROM cq.breakdown('bd_ev', 'no_such_column', conversion_event => 'purchase');
RESET ROLE;
DROP ROLE regress_cq_breakdown;
\set VERBOSITY terse
DROP TABLE bd_ev;
