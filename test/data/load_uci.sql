-- Loads the bundled UCI Online Retail file (CC BY 4.0, see
-- test/data/uci-online-retail/SOURCE.md) into table online_retail.
-- Run with psql from the top of the checkout.
CREATE TEMP TABLE online_retail_raw (
    invoice_no text, stock_code text, description text, quantity text,
    invoice_date text, unit_price text, customer_id text, country text);
\copy online_retail_raw FROM PROGRAM 'zcat test/data/uci-online-retail/online_retail.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE online_retail AS
SELECT invoice_no, stock_code, description, quantity::integer AS quantity,
       invoice_date::timestamp AS invoice_date, unit_price::numeric AS unit_price,
       customer_id::numeric::integer AS customer_id, country
  FROM online_retail_raw;
DROP TABLE online_retail_raw;
ANALYZE online_retail;
