-- cq.rank_events: the landmark design on a hand-checked example (quoted identifiers),
-- thresholds, copies, rows that cannot be used, the planted example of the README, the
-- parameters, and clean errors.  Statistics against scipy on generated data with planted
-- signals: test/check_rank_events.py; false discoveries over many seeds:
-- test/check_rank_calibration.py.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
\pset null '(null)'
SET timezone = 'UTC';
SET datestyle = 'ISO, MDY';
SET intervalstyle = 'postgres';
SET extra_float_digits = 0;

CREATE SCHEMA "Shop Data";
CREATE TABLE "Shop Data"."My Events" ("User Id" int, "When" timestamptz, "What" text,
                                      "Amount" numeric, "Order" text);
-- within 2 days, horizon 10 days, observed until Jan 31: entry E (first event),
-- landmark L = E + 2 days, outcome (L, L + 10 days]
INSERT INTO "Shop Data"."My Events" VALUES
  -- u1: E Jan 1, L Jan 3; cart Jan 2 (exposed); 7 before the landmark; 50 on Jan 8 (outcome),
  -- and a copy of that order 10 hours later (same id)
  (1, '2024-01-01', 'visit', NULL, NULL), (1, '2024-01-02', 'cart', NULL, NULL),
  (1, '2024-01-02 06:00', 'purchase', 7, 'o1'),
  (1, '2024-01-08', 'purchase', 50, 'o2'), (1, '2024-01-08 10:00', 'purchase', 50, 'o2'),
  -- u2: two carts on Jan 1 12:00 and 18:00; 20 exactly at the landmark (not outcome);
  -- 30 exactly at the outcome's end (outcome: the end is inclusive)
  (2, '2024-01-01', 'visit', NULL, NULL), (2, '2024-01-01 12:00', 'cart', NULL, NULL),
  (2, '2024-01-01 18:00', 'cart', NULL, NULL), (2, '2024-01-03', 'purchase', 20, 'o3'),
  (2, '2024-01-13', 'purchase', 30, 'o4'),
  -- u3: no cart in the window; a purchase after its outcome window (0), and a cart after
  -- the end of observation, which no volume counts
  (3, '2024-01-01', 'visit', NULL, NULL), (3, '2024-01-20', 'purchase', 10, 'o5'),
  (3, '2024-02-15', 'cart', NULL, NULL),
  -- u4: E Jan 2, L Jan 4; cart Jan 5, after the landmark: not exposed (latency 3 days); 5
  (4, '2024-01-02', 'visit', NULL, NULL), (4, '2024-01-05', 'cart', NULL, NULL),
  (4, '2024-01-06', 'purchase', 5, 'o6'),
  -- u5: seen too late for a full outcome window: censored
  (5, '2024-01-25', 'visit', NULL, NULL),
  -- u6: E Jan 5; cart Jan 6; a refund of 15 on Jan 8 then 40 on Jan 9: outcome 25, and the
  -- lead time runs to the first positive revenue (3 days), not to the refund
  (6, '2024-01-05', 'visit', NULL, NULL), (6, '2024-01-06', 'cart', NULL, NULL),
  (6, '2024-01-08', 'purchase', -15, 'o7'), (6, '2024-01-09', 'purchase', 40, 'o8'),
  -- rows that cannot be used: skipped and counted, never an error
  (7, 'infinity', 'visit', NULL, NULL), (7, '-infinity', 'cart', NULL, NULL),
  (8, '2024-01-01', 'purchase', 'NaN', NULL),
  -- rows with a NULL user, time or event name are ignored
  (NULL, '2024-01-01', 'cart', NULL, NULL), (9, NULL, 'cart', NULL, NULL),
  (10, '2024-01-01', NULL, 1, NULL);

-- cart at threshold 1: users 1, 2, 6 exposed (outcomes 100, 30, 25: u1's copy counts twice
-- without an id column), users 3 and 4 not (0 and 5); u5 censored, u7 and u8 never enter.
-- Revenue before the landmark of the exposed: 7 + 20.  Lead times 6, 11.5 and 3 days:
-- median 6 days.  Latency from entry to the first cart: 1 day, 12 h, 3 days, 1 day: median
-- 1 day.  At threshold 2 only u2 is exposed.  Weekly volume: 5 carts up to Jan 31 in 30
-- days (the first event row is Jan 1).  Rows skipped: the two at infinity and the NaN.
SELECT rank, event_name, threshold AS k, recommended, users, users_with_event AS exposed,
       users_censored AS censored, users_without_entry AS no_entry, conversion_rate,
       baseline_conversion_rate, revenue_before_landmark AS before_landmark, median_lead_time,
       median_event_latency, round(weekly_volume::numeric, 4) AS weekly, rows_skipped,
       is_revenue_event, verdict
  FROM cq.rank_events('"Shop Data"."My Events"', '10 days',
                      user_column => 'User Id', time_column => 'When', event_column => 'What',
                      value_column => 'Amount', observed_until => '2024-01-31',
                      min_weekly_volume => 0, within => '2 days', thresholds => '{2,1}');
SELECT threshold AS k, round(cq.signal_mean(signal, true)::numeric, 6) AS mean_exposed,
       round(cq.signal_mean(signal, false)::numeric, 6) AS mean_other, signal
  FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                      time_column => 'When', event_column => 'What', value_column => 'Amount',
                      observed_until => '2024-01-31', within => '2 days', thresholds => '{1,2}')
 WHERE event_name = 'cart' ORDER BY threshold;
-- with the order id, the copy of u1's order 10 hours later is left out: its outcome is 50,
-- and purchase has one copy among its 9 rows (1/9)
SELECT event_name, round(cq.signal_mean(signal, true)::numeric, 6) AS mean_exposed,
       duplicate_rate, round(weekly_volume::numeric, 4) AS weekly
  FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                      time_column => 'When', event_column => 'What', value_column => 'Amount',
                      observed_until => '2024-01-31', within => '2 days',
                      event_id_column => 'Order')
 WHERE event_name IN ('cart', 'purchase') ORDER BY event_name;
-- a row that cannot be used starts no 48-hour window: the NaN copy of order o9 is skipped,
-- and the valid row an hour later counts (u1's outcome: 30)
CREATE TABLE "Shop Data".resend (u int, t timestamptz, e text, v float8, id text);
INSERT INTO "Shop Data".resend VALUES
  (1, '2024-01-01', 'visit', NULL, NULL), (1, '2024-01-01 01:00', 'cart', NULL, NULL),
  (1, '2024-01-05', 'purchase', 'NaN', 'o9'), (1, '2024-01-05 01:00', 'purchase', 30, 'o9'),
  (2, '2024-01-01', 'visit', NULL, NULL);
SELECT event_name, round(cq.signal_mean(signal, true)::numeric, 2) AS mean_exposed,
       rows_skipped, duplicate_rate
  FROM cq.rank_events('"Shop Data".resend', '10 days', user_column => 'u', time_column => 't',
                      event_column => 'e', value_column => 'v', event_id_column => 'id',
                      within => '2 days', observed_until => '2024-01-31')
 ORDER BY event_name;
-- entry events: a user enters at their first cart (u1 Jan 2, u2 Jan 1 12:00, u4 Jan 5,
-- u6 Jan 6; u3's cart is after the end of observation, so u3 is censored); users without a
-- cart never enter
SELECT event_name, users, users_with_event AS exposed, users_censored AS censored,
       users_without_entry AS no_entry
  FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                      time_column => 'When', event_column => 'What', value_column => 'Amount',
                      observed_until => '2024-01-31', within => '2 days',
                      entry_events => '{cart}')
 ORDER BY event_name;
-- a longer horizon censors more users; excluded events disappear (a NULL in the list matches
-- nothing); a time near the end of the timestamp range with a calendar horizon is no error
INSERT INTO "Shop Data"."My Events" VALUES (11, '294276-12-01', 'visit', NULL, NULL);
SELECT event_name, users, users_censored, rows_skipped, verdict
  FROM cq.rank_events('"Shop Data"."My Events"', '20 days', user_column => 'User Id',
                      time_column => 'When', event_column => 'What', value_column => 'Amount',
                      observed_until => '2024-01-31', exclude_events => '{visit,NULL}',
                      within => '2 days');
DELETE FROM "Shop Data"."My Events" WHERE "User Id" = 11;
-- the output row type
SELECT p.proname, pg_get_function_result(p.oid)
  FROM pg_proc p WHERE p.oid = 'cq.rank_events'::regproc;

-- The planted example of the README (seed 0.42): 40,000 users, each with a visit at
-- acquisition; driver 1 hour later for 30 % (a purchase 8 times as likely); noise 2 hours later
-- for 80 % and late_noise 5 days later for 50 % (both independent of everything); rare_perfect
-- for 0.3 % (all buy big); purchases 1 to 21 days after acquisition.  Expected: driver
-- recommended; rare_perfect a too rare audience signal below it; noise and late_noise no signal;
-- visit (everybody) not enough data; purchase the revenue event, last.
\set seed 0.42
\i test/data/planted.sql
SELECT rank, event_name, recommended AS rec, users_with_event AS exposed,
       round(lift::numeric, 2) AS lift, round(correlation::numeric, 3) AS r,
       round(q_value::numeric, 4) AS q, round(weekly_volume::numeric) AS weekly, verdict,
       round(score::numeric, 3) AS score
  FROM cq.rank_events('planted', '30 days', value_column => 'revenue');
-- an event that predicts revenue but usually fires after the attribution window: for the
-- driver's users, slow_driver comes 1 hour after acquisition for 30 % of them, 10 days
-- after for the others (median latency 10 days > within 7 days): too late
INSERT INTO planted
SELECT user_id, event_time + CASE WHEN user_id % 10 < 3 THEN interval '0' ELSE interval '10 days' END,
       'slow_driver', 0
  FROM planted WHERE event_name = 'driver';
SELECT rank, event_name, recommended AS rec, median_event_latency, verdict, advice
  FROM cq.rank_events('planted', '30 days', value_column => 'revenue')
 WHERE event_name IN ('driver', 'slow_driver', 'rare_perfect') ORDER BY rank;

-- errors: each names the problem
\set SHOW_CONTEXT never
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                             time_column => 'What', event_column => 'What', value_column => 'Amount');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'What');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '-1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 month -1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             within => '-1 hour');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', NULL);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             within => NULL);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             alpha => 1);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             min_weekly_volume => -1);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             thresholds => '{1,0}');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             thresholds => '{}');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             thresholds => '{1,NULL}');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             thresholds => (SELECT array_agg(g) FROM generate_series(1, 33) g));
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             entry_events => '{visit,NULL}');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             event_id_column => 'Order Id');
SELECT * FROM cq.rank_events('no_such_table', '1 day');
-- a revenue table must have the user, time and value columns
CREATE TABLE "Shop Data".revenue (buyer int, "When" timestamptz, "Amount" numeric);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             revenue_events => '"Shop Data".revenue');
-- an identifier is never spliced into SQL unquoted
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day',
                             user_column => 'User Id"; DROP TABLE x; --');
-- the tables are read with the caller's privileges
CREATE ROLE regress_cq_signal_reader;
GRANT USAGE ON SCHEMA cq, "Shop Data" TO regress_cq_signal_reader;
SET ROLE regress_cq_signal_reader;
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount');
RESET ROLE;
GRANT SELECT ON "Shop Data"."My Events" TO regress_cq_signal_reader;
SET ROLE regress_cq_signal_reader;
SELECT count(*) FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                                    time_column => 'When', event_column => 'What', value_column => 'Amount');
RESET ROLE;
REVOKE ALL ON SCHEMA cq, "Shop Data" FROM regress_cq_signal_reader;
REVOKE ALL ON "Shop Data"."My Events" FROM regress_cq_signal_reader;
DROP ROLE regress_cq_signal_reader;
-- the internal scan builds its query itself: no function of the extension takes SQL text
SELECT p.oid::regprocedure AS takes_query_text
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'conversion_quality')
   AND 'query' = ANY (p.proargnames);
-- the internal scan checks its arguments like cq.rank_events
SELECT * FROM cq_internal.rank_events_scan('"Shop Data"."My Events"', '-1 day', 'User Id', 'When',
                                           'What', 'Amount', NULL, NULL, '{}', 50, NULL, 0.05,
                                           NULL, '7 days', '{1}', NULL);
DROP TABLE planted;
DROP SCHEMA "Shop Data" CASCADE;
