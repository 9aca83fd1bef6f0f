-- The examples of README.md, section "Signal quality", run verbatim.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, MDY';
SET intervalstyle = 'postgres';
-- the UCI table
\set ECHO none
\i test/data/load_uci.sql
\set ECHO all

-- README: per-customer summary
CREATE TABLE customer_signal AS
SELECT cq.event_signal(bought_heart, revenue) AS s
  FROM (SELECT customer_id,
               bool_or(stock_code = '85123A') AS bought_heart,
               sum(quantity * unit_price)::float8 AS revenue
          FROM online_retail
         WHERE customer_id IS NOT NULL
         GROUP BY customer_id) c;

SELECT n, n_event, round(correlation::numeric, 4) AS r, p_value < 1e-6 AS significant,
       round(lift::numeric, 3) AS lift, round(odds_ratio::numeric, 3) AS odds_ratio,
       round(odds_ratio_lower::numeric, 3) AS or_low, round(odds_ratio_upper::numeric, 3) AS or_high,
       round("precision"::numeric, 3) AS "precision", round(recall::numeric, 3) AS recall,
       round(revenue_share::numeric, 3) AS revenue_share, round(log_t::numeric, 2) AS log_t
  FROM customer_signal, cq.signal_report(s);

-- README: daily summaries, rolled up
CREATE TABLE daily_signal AS
SELECT invoice_date::date AS day, cq.event_signal(country = 'United Kingdom', quantity * unit_price) AS s
  FROM online_retail
 GROUP BY 1;

SELECT date_trunc('month', day)::date AS month,
       round(cq.signal_correlation(cq.signal_rollup(s))::numeric, 4) AS r,
       round(cq.signal_revenue_share(cq.signal_rollup(s))::numeric, 3) AS uk_share
  FROM daily_signal
 WHERE day < '2011-03-01'
 GROUP BY 1 ORDER BY 1;

SELECT round(cq.signal_correlation(cq.signal_rollup(s))::numeric, 10) AS rolled_up,
       (SELECT round(cq.signal_correlation(cq.event_signal(country = 'United Kingdom',
                                                           quantity * unit_price))::numeric, 10)
          FROM online_retail) AS all_rows
  FROM daily_signal;

-- README: rank measures
SELECT round(cq.rank_correlation(invoices, revenue)::numeric, 4) AS spearman,
       round(corr(invoices, revenue)::numeric, 4) AS pearson,
       round(cq.auc(revenue, bought_heart)::numeric, 4) AS auc
  FROM (SELECT customer_id, count(DISTINCT invoice_no) AS invoices,
               sum(quantity * unit_price)::float8 AS revenue,
               bool_or(stock_code = '85123A') AS bought_heart
          FROM online_retail WHERE customer_id IS NOT NULL
         GROUP BY customer_id) c;

-- README: stored rank samples
-- one sample per month of the customers' first purchase, stored once
CREATE TABLE monthly_rank AS
SELECT first_month, cq.rank_sample(invoices, revenue) AS sample
  FROM (SELECT date_trunc('month', min(invoice_date))::date AS first_month,
               count(DISTINCT invoice_no) AS invoices, sum(quantity * unit_price)::float8 AS revenue
          FROM online_retail WHERE customer_id IS NOT NULL
         GROUP BY customer_id) c
 GROUP BY first_month;

-- merged for any period: all months give the figure of all customers at once
SELECT cq.rank_n(cq.rank_rollup(sample)) AS customers,
       round(cq.rank_correlation(cq.rank_rollup(sample))::numeric, 4) AS spearman
  FROM monthly_rank;

-- README: ranking the events of UCI customers
CREATE VIEW uci_product_events AS
SELECT customer_id AS user_id, invoice_date AS event_time, p.event_name
  FROM online_retail
  JOIN (VALUES ('85123A', 'bought heart t-light holder'), ('22423', 'bought cake stand'),
               ('85099B', 'bought jumbo bag'), ('47566', 'bought party bunting'),
               ('84879', 'bought bird ornament')) p(stock_code, event_name) USING (stock_code)
 WHERE customer_id IS NOT NULL AND quantity > 0
UNION ALL
SELECT customer_id, invoice_date, 'cancellation'
  FROM online_retail
 WHERE customer_id IS NOT NULL AND invoice_no LIKE 'C%';

CREATE VIEW uci_invoices AS
SELECT customer_id AS user_id, invoice_date AS event_time, sum(quantity * unit_price) AS revenue
  FROM online_retail
 WHERE customer_id IS NOT NULL
 GROUP BY invoice_no, customer_id, invoice_date;

SELECT rank, event_name, users, users_with_event AS with_event, users_censored AS censored,
       round(conversion_rate::numeric, 3) AS conv, round(lift::numeric, 2) AS lift,
       round(correlation::numeric, 3) AS r, round(q_value::numeric, 4) AS q,
       median_lead_time AS lead, round(weekly_volume::numeric) AS weekly, verdict
  FROM cq.rank_events('uci_product_events', '90 days', revenue_events => 'uci_invoices');

-- README: generated data with planted signals
CREATE TABLE gen_events (user_id bigint, event_time timestamptz, event_name text, revenue numeric);
\copy gen_events FROM PROGRAM '/usr/bin/python3 test/gen_signal_data.py --users 20000 --seed 1' WITH (FORMAT csv)

SELECT rank, event_name, users_with_event AS with_event, users_censored AS censored,
       round(conversion_rate::numeric, 3) AS conv, round(odds_ratio::numeric, 1) AS odds,
       round(correlation::numeric, 3) AS r, round(q_value::numeric, 3) AS q,
       round(weekly_volume::numeric) AS weekly, verdict, round(score::numeric, 3) AS score
  FROM cq.rank_events('gen_events', '14 days');
