-- Loads the bundled Olist marketing funnel (CC BY-NC-SA 4.0, see
-- test/data/olist-marketing-funnel/SOURCE.md): 8,000 marketing-qualified leads of a
-- Brazilian marketplace's seller acquisition, 842 of them won.  Creates table olist_leads,
-- one row per lead event: 'lead' at the first contact (date only, taken as midnight UTC),
-- 'channel:<origin>' at the same time (the acquisition channel as an event, 'unknown' when
-- empty), and 'won' when the deal closed, valued 1 (the declared monthly revenue is 0 for 797
-- of the 842 deals, so a won deal counts as one conversion).  Run with psql from the top of
-- the checkout.
CREATE TEMP TABLE olist_mql_raw (mql_id text, first_contact_date date, landing_page_id text,
                                 origin text);
\copy olist_mql_raw FROM PROGRAM 'zcat test/data/olist-marketing-funnel/olist_marketing_qualified_leads_dataset.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE olist_won_raw (mql_id text, seller_id text, sdr_id text, sr_id text,
    won_date timestamp, business_segment text, lead_type text, lead_behaviour_profile text,
    has_company text, has_gtin text, average_stock text, business_type text,
    declared_product_catalog_size text, declared_monthly_revenue text);
\copy olist_won_raw FROM PROGRAM 'zcat test/data/olist-marketing-funnel/olist_closed_deals_dataset.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE olist_leads AS
SELECT mql_id, first_contact_date::timestamp AT TIME ZONE 'UTC' AS event_time, 'lead' AS event_name,
       0::numeric AS deal, landing_page_id
  FROM olist_mql_raw
UNION ALL
SELECT mql_id, first_contact_date::timestamp AT TIME ZONE 'UTC', 'channel:' || coalesce(nullif(origin, ''), 'unknown'),
       0, landing_page_id
  FROM olist_mql_raw
UNION ALL
SELECT w.mql_id, w.won_date AT TIME ZONE 'UTC', 'won', 1, m.landing_page_id
  FROM olist_won_raw w JOIN olist_mql_raw m USING (mql_id);
DROP TABLE olist_mql_raw, olist_won_raw;
ANALYZE olist_leads;
