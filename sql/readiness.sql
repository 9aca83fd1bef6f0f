-- cq.adset_readiness: per ad set and candidate event, the deduplicated events credited to
-- the ad set inside the attribution window in the last 7 days, the verdict and the event
-- each ad set should optimize on (README, "Readiness per ad set").  Worked by hand.
\pset null '(null)'
SET TimeZone = 'UTC';
CREATE TABLE rd_ev (user_id int, event_time timestamptz, event_name text, ad_set text, event_id text);
INSERT INTO rd_ev VALUES
 -- u1: clicks S1, adds to cart (a pixel and a server copy of one event), buys
 (1, '2024-03-25 10:00', 'ad_click', 'S1', 'c1'), (1, '2024-03-25 10:05', 'add_to_cart', NULL, 'a1'),
 (1, '2024-03-25 10:06', 'add_to_cart', NULL, 'a1'), (1, '2024-03-25 10:10', 'purchase', NULL, 'p1'),
 -- u2: clicks S1, later S2, then adds to cart and buys: S2's
 (2, '2024-03-20 00:00', 'ad_click', 'S1', 'c2'), (2, '2024-03-26 00:00', 'ad_click', 'S2', 'c3'),
 (2, '2024-03-27 00:00', 'add_to_cart', NULL, 'a2'), (2, '2024-03-27 01:00', 'purchase', NULL, 'p2'),
 -- u3: clicks S2, buys 16 days later: outside the 7-day window, credited to no ad set
 (3, '2024-03-10 00:00', 'ad_click', 'S2', 'c4'), (3, '2024-03-26 00:00', 'purchase', NULL, 'p3'),
 -- u4: clicks S1, adds to cart the next day (before the last week) and again on the 25th
 (4, '2024-03-22 00:00', 'ad_click', 'S1', 'c5'), (4, '2024-03-23 00:00', 'add_to_cart', NULL, 'a4'),
 (4, '2024-03-25 00:00', 'add_to_cart', NULL, 'a5'),
 -- u5: clicks S1 and S2 at one instant and adds to cart then: the last click by
 -- (time, ad set) is S2's
 (5, '2024-03-28 00:00', 'ad_click', 'S1', 'c6'), (5, '2024-03-28 00:00', 'ad_click', 'S2', 'c7'),
 (5, '2024-03-28 00:00', 'add_to_cart', NULL, 'a6'),
 -- u6: clicks S2, buys
 (6, '2024-03-29 00:00', 'ad_click', 'S2', 'c8'), (6, '2024-03-29 00:30', 'purchase', NULL, 'p6');
-- By hand, last week = (2024-03-24, 2024-03-31], 3 weeks from the first row (03-10):
--  S1 add_to_cart: u1 (one event: its copy is left out), u4 twice (03-23 is before the last
--     week) -> 2 in the last week, 3 in all, ready at 2; purchase: u1 -> 1, too rare
--  S2 add_to_cart: u2, u5 -> 2, ready; purchase: u2, u6 -> 2, ready: S2 optimizes on purchase
--  no ad set: purchase u3 -> 1
SELECT ad_set, event_name, depth, last_week_events, credited_events, round(weekly_average::numeric, 3) AS weekly,
       verdict, recommended, advice
  FROM cq.adset_readiness('rd_ev', 'ad_set', '{add_to_cart,purchase}', min_weekly_volume => 2,
                          observed_until => '2024-03-31', event_id_column => 'event_id');
-- without the id column the copy of u1's add_to_cart counts twice
SELECT ad_set, event_name, last_week_events, credited_events
  FROM cq.adset_readiness('rd_ev', 'ad_set', '{add_to_cart}', min_weekly_volume => 2,
                          observed_until => '2024-03-31')
 WHERE ad_set = 'S1';
-- a 30-day window credits u3's purchase to S2; the default end of observation is the latest row
SELECT ad_set, event_name, last_week_events, verdict, recommended
  FROM cq.adset_readiness('rd_ev', 'ad_set', '{add_to_cart,purchase}', attribution_window => '30 days',
                          min_weekly_volume => 3, event_id_column => 'event_id');

-- Caller's mistakes
\set VERBOSITY default
SELECT * FROM cq.adset_readiness('rd_ev', 'ad_set', '{}');
SELECT * FROM cq.adset_readiness('rd_ev', 'ad_set', '{purchase,purchase}');
SELECT * FROM cq.adset_readiness('rd_ev', 'ad_set', '{purchase,NULL}');
SELECT * FROM cq.adset_readiness('rd_ev', 'ad_set', '{purchase}', attribution_window => '-1 day');
SELECT * FROM cq.adset_readiness('rd_ev', 'campaign', '{purchase}');
SELECT * FROM cq.adset_readiness('rd_ev', 'ad_set', NULL);
CREATE ROLE regress_cq_readiness;
SET ROLE regress_cq_readiness;
SELECT * FROM cq.adset_readiness('rd_ev', 'no_such_column', '{purchase}');
RESET ROLE;
DROP ROLE regress_cq_readiness;
\set VERBOSITY terse
DROP TABLE rd_ev;
