-- cq.rank_events: window rules on a hand-checked example (quoted identifiers), the
-- parameters, and clean errors.  Statistics against scipy on generated data with planted
-- signals: test/check_rank_events.py.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
\pset null '(null)'
SET timezone = 'UTC';
SET datestyle = 'ISO, MDY';
SET intervalstyle = 'postgres';

CREATE SCHEMA "Shop Data";
CREATE TABLE "Shop Data"."My Events" ("User Id" int, "When" timestamptz, "What" text, "Amount" numeric);
INSERT INTO "Shop Data"."My Events" VALUES
  -- u1: cart on Jan 2, purchase exactly 10 days later: inside (the window end is inclusive)
  (1, '2024-01-01', 'visit', NULL), (1, '2024-01-02', 'cart', NULL),
  (1, '2024-01-12', 'purchase', 50),
  -- u2: a purchase at the same moment as the cart does not count for it; the later one does
  (2, '2024-01-01', 'visit', NULL), (2, '2024-01-03', 'cart', NULL),
  (2, '2024-01-03', 'purchase', 20), (2, '2024-01-05', 'purchase', 30),
  -- u3: no cart; revenue after its 10 days from the first visit: 0
  (3, '2024-01-01', 'visit', NULL), (3, '2024-01-20', 'purchase', 10),
  -- u4: no cart; 5 within its 10 days
  (4, '2024-01-02', 'visit', NULL), (4, '2024-01-05', 'purchase', 5),
  -- u5: seen too late for a full window: censored
  (5, '2024-01-25', 'visit', NULL),
  -- u6: cart too late for a full window: censored for cart
  (6, '2024-01-05', 'visit', NULL), (6, '2024-01-25', 'cart', NULL),
  -- rows with a NULL user, time or event name are ignored
  (NULL, '2024-01-01', 'cart', NULL), (7, NULL, 'cart', NULL), (8, '2024-01-01', NULL, 1);

-- cart: users 1 and 2 with it (50 and 30), users 3 and 4 without (0 and 5), 5 and 6 censored;
-- lead times 10 and 2 days, median 6 days
SELECT rank, event_name, users, users_with_event, users_censored, conversion_rate,
       baseline_conversion_rate, lift, correlation IS NOT NULL AS has_r, median_lead_time,
       is_revenue_event, verdict
  FROM cq.rank_events('"Shop Data"."My Events"', '10 days',
                      user_column => 'User Id', time_column => 'When', event_column => 'What',
                      value_column => 'Amount', observed_until => '2024-01-31',
                      min_weekly_volume => 0);
SELECT round(cq.signal_mean(signal, true)::numeric, 6) AS mean_with,
       round(cq.signal_mean(signal, false)::numeric, 6) AS mean_without, signal
  FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                      time_column => 'When', event_column => 'What', value_column => 'Amount',
                      observed_until => '2024-01-31')
 WHERE event_name = 'cart';
-- a longer horizon censors more users; excluded events disappear (a NULL in the list matches nothing)
SELECT event_name, users, users_censored, verdict
  FROM cq.rank_events('"Shop Data"."My Events"', '20 days', user_column => 'User Id',
                      time_column => 'When', event_column => 'What', value_column => 'Amount',
                      observed_until => '2024-01-31', exclude_events => '{visit,NULL}');
-- the output row type
SELECT p.proname, pg_get_function_result(p.oid)
  FROM pg_proc p WHERE p.oid = 'cq.rank_events'::regproc;

-- errors: each names the problem
\set SHOW_CONTEXT never
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                             time_column => 'What', event_column => 'What', value_column => 'Amount');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '10 days', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'What');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '-1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount');
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', NULL);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             alpha => 1);
SELECT * FROM cq.rank_events('"Shop Data"."My Events"', '1 day', user_column => 'User Id',
                             time_column => 'When', event_column => 'What', value_column => 'Amount',
                             min_weekly_volume => -1);
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
                                           'What', 'Amount', NULL, NULL, '{}', 50, NULL, 0.05);
