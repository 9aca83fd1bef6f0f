-- The quality report printed by `make demo` (dedup, funnel, signal), over the bundled real data
-- (test/data/load_uci.sql and test/data/load_otto.sql must have run).
\set QUIET on
\pset footer off
\pset null '(null)'

\echo
\echo '== 1. Dedup: UCI Online Retail (541,909 invoice lines, no event ids) =='
\echo 'Each line is keyed by its content with cq.event_fingerprint; a copy is a duplicate'
\echo 'at any distance (NULL window), so the duplicates are the fully identical rows.'
CREATE TEMP VIEW retail_events AS
SELECT CASE WHEN invoice_no LIKE 'C%' THEN 'cancellation' ELSE 'purchase' END AS event_name,
       cq.event_fingerprint(invoice_no, stock_code, description, quantity, invoice_date,
                            unit_price, customer_id, country)::text AS event_id,
       'uci file'::text AS source,
       invoice_date AS arrived_at
  FROM online_retail;
SELECT event_name, source, rows, conversions, duplicates,
       round(duplicate_rate::numeric, 4) AS duplicate_rate
  FROM cq.dedup_report('retail_events', dedup_window => NULL)
 WHERE NOT is_total;

\echo
\echo '== 2. The trap: a key without quantity and price over-merges real order lines =='
SELECT count(*) AS rows,
       count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, description, quantity,
                                           invoice_date, unit_price, customer_id, country))
           AS distinct_by_full_content,
       count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, invoice_date, customer_id))
           AS distinct_by_invoice_product_time
  FROM online_retail;

\echo
\echo '== 3. Dedup: OTTO sessions (862 click/cart/order events) =='
\echo 'Multi-item orders share session, type and timestamp but are distinct events.'
CREATE TEMP VIEW otto_keyed AS
SELECT type AS event_name,
       cq.event_fingerprint(session, aid, ts_ms, type)::text AS event_id,
       'otto'::text AS source, ts AS arrived_at
  FROM otto_events;
SELECT event_name, rows, conversions, duplicates FROM cq.dedup_report('otto_keyed') WHERE is_total;
SELECT count(*) AS orders,
       count(DISTINCT cq.event_fingerprint(session, aid, ts_ms)) AS distinct_with_item,
       count(DISTINCT cq.event_fingerprint(session, ts_ms)) AS distinct_without_item
  FROM otto_events WHERE type = 'orders';

\echo
\echo '== 4. Funnel: OTTO click -> cart -> order within one hour (cq.window_funnel) =='
SELECT stage, count(*) AS sessions
  FROM (SELECT session,
               cq.window_funnel(interval '1 hour', ts,
                                type = 'clicks', type = 'carts', type = 'orders') AS stage
          FROM otto_events GROUP BY session) s
 GROUP BY stage ORDER BY stage;

\echo
\echo '== 5. Signal: which event deserves the budget (cq.rank_events, landmark design) =='
\echo '   a planted log of 40,000 users: driver makes a purchase 8 times as likely; noise and'
\echo '   late_noise change nothing; rare_perfect always buys big but is rare'
\set seed 0.42
\ir data/planted.sql
SELECT rank, event_name, recommended AS rec, round(lift::numeric, 2) AS lift,
       round(correlation::numeric, 3) AS r, round(q_value::numeric, 4) AS q,
       round(weekly_volume::numeric) AS weekly, verdict, advice
  FROM cq.rank_events('planted', '30 days', value_column => 'revenue');

\echo
\echo '== 6. Stored summaries: monthly rank samples of UCI customers, merged (cq.rank_sample, cq.rank_rollup) =='
CREATE TEMP TABLE monthly_rank AS
SELECT first_month, cq.rank_sample(invoices, revenue) AS sample
  FROM (SELECT date_trunc('month', min(invoice_date))::date AS first_month,
               count(DISTINCT invoice_no) AS invoices, sum(quantity * unit_price)::float8 AS revenue
          FROM online_retail WHERE customer_id IS NOT NULL
         GROUP BY customer_id) c
 GROUP BY first_month;
SELECT cq.rank_n(cq.rank_rollup(sample)) AS customers,
       round(cq.rank_correlation(cq.rank_rollup(sample))::numeric, 4) AS spearman_invoices_revenue
  FROM monthly_rank;
