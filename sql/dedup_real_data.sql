-- Dedup on the bundled real data (test/data, CC BY 4.0).
\set QUIET on
\i test/data/load_uci.sql
\i test/data/load_otto.sql
\set QUIET off

-- UCI Online Retail has exactly 5,268 fully identical extra rows.  Checked
-- three ways: plain SQL DISTINCT, distinct content fingerprints, and the
-- duplicate report keyed by fingerprint with a window that never closes.
SELECT count(*) AS rows,
       count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM online_retail) d)
           AS identical_extra_rows_sql,
       count(*) - count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, description,
                                                      quantity, invoice_date, unit_price,
                                                      customer_id, country))
           AS identical_extra_rows_fingerprint
  FROM online_retail;
CREATE TEMP VIEW retail_events AS
SELECT CASE WHEN invoice_no LIKE 'C%' THEN 'cancellation' ELSE 'purchase' END AS event_name,
       cq.event_fingerprint(invoice_no, stock_code, description, quantity, invoice_date,
                            unit_price, customer_id, country)::text AS event_id,
       'uci file'::text AS source, invoice_date AS arrived_at
  FROM online_retail;
SELECT sum(rows) AS rows, sum(conversions) AS conversions, sum(duplicates) AS duplicates
  FROM cq.dedup_report('retail_events', NULL) WHERE is_total;

-- Lines sharing invoice, product, time and customer (10,677 extra rows) are
-- not all copies: in 5,193 of these groups the rows differ (in quantity or
-- price; in 2 groups only in the description).  In every one of them the
-- fingerprint keeps as many rows as there are distinct lines.
WITH groups AS (
  SELECT invoice_no, stock_code, invoice_date, customer_id,
         count(DISTINCT (quantity, unit_price, description, country)) AS distinct_lines,
         count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, description, quantity,
                                             invoice_date, unit_price, customer_id, country))
             AS distinct_fingerprints
    FROM online_retail
   GROUP BY invoice_no, stock_code, invoice_date, customer_id
  HAVING count(*) > 1 AND count(DISTINCT (quantity, unit_price, description, country)) > 1)
SELECT count(*) AS near_duplicate_groups,
       count(*) FILTER (WHERE distinct_lines > 1 AND distinct_fingerprints > 1) AS multi_line,
       count(*) FILTER (WHERE distinct_fingerprints = distinct_lines) AS kept_apart
  FROM groups;

-- OTTO: multi-item orders share session, type and timestamp (5 extra rows in
-- 4 groups) but are distinct events; a key with the item keeps all 10.
SELECT count(*) AS orders,
       count(*) - count(DISTINCT (session, ts_ms)) AS same_session_type_time_extra,
       count(DISTINCT cq.event_fingerprint(session, type, ts_ms, aid)) AS distinct_events
  FROM otto_events WHERE type = 'orders';
CREATE TEMP VIEW otto_keyed AS
SELECT type AS event_name, cq.event_fingerprint(session, aid, ts_ms, type)::text AS event_id,
       'otto'::text AS source, ts AS arrived_at
  FROM otto_events;
SELECT event_name, rows, conversions, duplicates
  FROM cq.dedup_report('otto_keyed') WHERE is_total;

-- The README's example.
SELECT count(*) - count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, description,
           quantity, invoice_date, unit_price, customer_id, country)) AS identical_extra_rows
  FROM online_retail;   -- 5268

-- Leave the shared regression database as it was found.
DROP VIEW retail_events, otto_keyed;
DROP TABLE online_retail, otto_events;
