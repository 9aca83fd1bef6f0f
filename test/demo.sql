-- The quality report printed by `make demo`, over the bundled real data
-- (test/data/load_uci.sql and test/data/load_otto.sql must have run).
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
