-- cq.spend_report on a case worked by hand (README, "Spend"), and bad input.  Every figure
-- is also checked against an independent model on the demo data by test/check_spend.py.
\pset null '(null)'
SET TimeZone = 'UTC';
CREATE TABLE sp_ev (user_id int, event_time timestamptz, event_name text, creative text,
                    value numeric, event_id text);
INSERT INTO sp_ev VALUES
 -- u1: creative A; a lead with a copy a minute later; a deal of 1000 four days later
 (1, '2024-01-01 10:00', 'ad_click', 'A', 0, NULL), (1, '2024-01-01 11:00', 'lead', NULL, 0, 'l1'),
 (1, '2024-01-01 11:01', 'lead', NULL, 0, 'l1'), (1, '2024-01-05 09:00', 'deal', NULL, 1000, 'd1'),
 -- u2: creative A; a lead, no deal
 (2, '2024-01-02 10:00', 'ad_click', 'A', 0, NULL), (2, '2024-01-02 12:00', 'lead', NULL, 0, 'l2'),
 -- u3: creative B; a lead, and a deal of 500 two months later (after the 30-day horizon)
 (3, '2024-01-01 10:00', 'ad_click', 'B', 0, NULL), (3, '2024-01-01 10:30', 'lead', NULL, 0, 'l3'),
 (3, '2024-03-01 10:00', 'deal', NULL, 500, 'd3'),
 -- u4: creative B; a lead on a day B has no spend row
 (4, '2024-01-03 10:00', 'ad_click', 'B', 0, NULL), (4, '2024-01-03 10:30', 'lead', NULL, 0, 'l4');
CREATE TABLE sp_spend (day date, creative text, spend numeric, currency text);
INSERT INTO sp_spend VALUES
 ('2024-01-01', 'A', 100, 'EUR'), ('2024-01-02', 'A', 100, 'EUR'), ('2024-01-05', 'A', 50, 'EUR'),
 ('2024-01-01', 'B', 100, 'EUR'), ('2024-01-02', 'B', 100, 'EUR'),
 ('2024-01-01', 'C', 30, 'EUR');
-- By hand (event lead, horizon 30 days, 4 a week needed; spend days 2024-01-01 .. 01-05):
--  A  spend 250 on 3 days, no missing day; on those days 3 lead rows, 2 deduplicated (u1's
--     copy), 1 qualified (u1's deal on day 4): 83.3333, 125, 250 per each; revenue of A's
--     users on A's spend days 1000 (u1's deal on 01-05): ROAS 4, per-user revenue 1000 and
--     0 (sd 707.107): 1000 +- 1.96 * 707.107 * sqrt(2) = -960 .. 2960, / 250 = -3.84 .. 11.84;
--     weekly 2 / (3 / 7) = 4.667: ready
--  B  spend 200 on 2 days; 01-03 had a lead but no spend row: 1 missing day; 1 lead on spend
--     days, deduplicated, not qualified (the deal is 60 days later): 200, 200, NULL; revenue 0,
--     ROAS 0 .. 0; weekly 3.5: too rare
--  C  spend 30, no user: no events, costs NULL, no interval; too rare
--  share of spend on too rare buckets: 230 / 480 = 0.479167
SELECT bucket, currency, spend, spend_days, missing_spend_days, event_rows, deduplicated_events,
       qualified_conversions, cost_per_event, cost_per_deduplicated_event,
       cost_per_qualified_conversion, revenue, round(roas::numeric, 4) AS roas,
       round(roas_low::numeric, 4) AS roas_low, round(roas_high::numeric, 4) AS roas_high,
       round(weekly_volume::numeric, 3) AS weekly, verdict,
       round(too_rare_spend_share::numeric, 6) AS too_rare_share
  FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', min_weekly_volume => 4,
                       event_id_column => 'event_id', currency_column => 'currency');
-- a longer horizon qualifies u3's lead; without the id column the copy counts
SELECT bucket, event_rows, deduplicated_events, qualified_conversions
  FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', horizon => '90 days');
-- two currencies in one bucket: no cost or ROAS
INSERT INTO sp_spend VALUES ('2024-01-02', 'C', 10, 'USD');
SELECT bucket, currency, spend, cost_per_event, roas
  FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', currency_column => 'currency')
 WHERE bucket = 'C';

-- Caller's mistakes
\set VERBOSITY default
SELECT * FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', NULL);
SELECT * FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', horizon => '-1 day');
SELECT * FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', spend_column => 'cost');
SELECT * FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', spend_column => 'currency');
CREATE ROLE regress_cq_spend;
GRANT SELECT ON sp_ev TO regress_cq_spend;
SET ROLE regress_cq_spend;
SELECT * FROM cq.spend_report('sp_ev', 'sp_spend', 'creative', 'lead', spend_column => 'no_such');
RESET ROLE;
REVOKE SELECT ON sp_ev FROM regress_cq_spend;
DROP ROLE regress_cq_spend;
\set VERBOSITY terse
DROP TABLE sp_ev, sp_spend;
