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
\echo '== 5. Signal: which UCI event predicts revenue in the next 90 days (cq.rank_events) =='
CREATE TEMP VIEW uci_product_events AS
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
CREATE TEMP VIEW uci_invoices AS
SELECT customer_id AS user_id, invoice_date AS event_time, sum(quantity * unit_price) AS revenue
  FROM online_retail
 WHERE customer_id IS NOT NULL
 GROUP BY invoice_no, customer_id, invoice_date;
SELECT rank, event_name, users_with_event AS with_event,
       round(lift::numeric, 2) AS lift, round(correlation::numeric, 3) AS r,
       round(q_value::numeric, 4) AS q, round(weekly_volume::numeric) AS weekly, verdict
  FROM cq.rank_events('uci_product_events', '90 days', revenue_events => 'uci_invoices');

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
