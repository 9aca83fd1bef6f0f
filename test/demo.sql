-- The report printed by `make demo`.  Part one is the product a team uses every week: the
-- demo warehouse (test/data/gen_warehouse.sql: e-commerce, app and lead generation, with the
-- platforms' tracking defects and planted truths) and the real Olist lead funnel
-- (test/data/load_olist.sql) registered as sources, funnels defined, one cq.refresh, and the
-- report views read as a BI tool reads them.  Part two shows the functions one by one on the
-- bundled real data (test/data/load_uci.sql and test/data/load_otto.sql).  All four loaders
-- must have run.
\set QUIET on
\pset footer off
\pset null '(null)'
SET client_min_messages = warning;

\echo
\echo '== 1. Register the sources and their funnels, then one refresh =='
SELECT cq.register_source('web', 'shop.web_events', 'user_id', 'event_time', 'event_name',
                          value_column => 'value', event_id_column => 'event_id',
                          source_column => 'channel', entry_events => '{ad_click}',
                          received_at_column => 'received_at') \gset
SELECT cq.register_source('app', 'shop.app_events', 'user_id', 'event_time', 'event_name',
                          value_column => 'value', event_id_column => 'event_id',
                          source_column => 'channel', entry_events => '{ad_click}',
                          received_at_column => 'received_at') \gset
SELECT cq.register_source('leads', 'shop.lead_events', 'user_id', 'event_time', 'event_name',
                          value_column => 'value', event_id_column => 'event_id',
                          source_column => 'channel', entry_events => '{ad_click}',
                          received_at_column => 'received_at', horizon => '60 days',
                          dimension_columns => '{campaign,ad_set,creative}') \gset
SELECT cq.register_source('olist', 'olist_leads', 'mql_id', 'event_time', 'event_name',
                          value_column => 'deal', entry_events => '{lead}', within => '1 day',
                          horizon => '90 days') \gset
SELECT cq.define_funnel('web_checkout', 'web', '{view_item,add_to_cart,begin_checkout,purchase}',
                        '1 day') \gset
SELECT cq.define_funnel('app_onboarding', 'app', '{ad_click,app_install,tutorial_complete,subscribe}',
                        '14 days') \gset
SELECT cq.define_funnel('lead_pipeline', 'leads',
                        '{form_start,lead_submitted,qualified_lead,booked_call,won_deal}',
                        '60 days') \gset
SELECT cq.define_funnel('olist_lead_to_deal', 'olist', '{lead,won}', '90 days') \gset
SELECT source_name AS source, rows_read, event_quality_rows AS events,
       funnel_report_rows AS funnel_steps, tracking_health_rows AS health_rows
  FROM cq.refresh();

\echo
\echo '== 2. Is the tracking clean? (cq.tracking_health, summed over the days) =='
\echo '   duplicates: pixel + server copies and retries of one event (same name and id within'
\echo '   48 hours); rows without id can never be deduplicated; future: stamped over an hour'
\echo '   after it arrived (device clocks); late: arrived over a day after its stamp; stale:'
\echo '   over 7 days (the platforms reject them); both: deduplicated events seen by the browser'
\echo '   and the server; reused ids: one id for several users, values or events; anomalies:'
\echo '   days and events whose volume left the band of the same weekday in the 4 weeks before'
SELECT source, sum(rows) AS rows, round(100.0 * (1 - sum(events)::numeric / sum(rows)), 1) AS "dup %",
       round((100.0 * sum(missing_id_rate * rows) / sum(rows))::numeric, 1) AS "no id %",
       round((100.0 * sum(both_share * events) / sum(events))::numeric, 1) AS "both %",
       sum(reused_ids) AS reused_ids, sum(burst_events) AS bursts,
       sum(future_events) AS future, sum(late_events) AS late, sum(stale_events) AS stale,
       count(DISTINCT day) FILTER (WHERE day > current_date) AS days_in_future,
       count(*) FILTER (WHERE volume_anomaly) AS anomalies
  FROM cq.tracking_health GROUP BY source ORDER BY source;

\echo
\echo '== 3. Why did copies not deduplicate? (cq.dedup_explain, Meta''s rule, web shop) =='
\echo '   pairs of copies of one event (same user, same name up to case and spaces, at most'
\echo '   5 minutes apart), the reasons of those Meta would count twice, ranked'
SELECT reason, pairs, round(100 * share::numeric, 1) AS "% of pairs", example
  FROM cq.dedup_explain('web', 'meta') LIMIT 6;

\echo
\echo '== 4. Which event deserves to be the optimization event? (cq.event_quality) =='
\echo '   per source, deduplicated volume, the landmark comparison of cq.rank_events'
\echo '   (exposed in the first week after the ad click, revenue in the following 30 days;'
\echo '   60 for leads), the verdict and the one recommended event'
SELECT source, event_name, round(weekly_volume) AS weekly, round(duplicate_rate::numeric, 2) AS dup,
       round(lift::numeric, 2) AS lift, round(correlation::numeric, 3) AS r,
       round(q_value::numeric, 4) AS q, verdict, CASE WHEN recommended THEN '<== optimize' ELSE '' END AS " "
  FROM cq.event_quality
 WHERE source IN ('web', 'app', 'leads') AND NOT is_revenue_event AND event_name <> 'ad_click'
 ORDER BY source, rank;
\echo '   ... and why, in words'
SELECT source, event_name, advice FROM cq.event_quality
 WHERE source IN ('web', 'app', 'leads') AND (recommended OR verdict IN ('too rare', 'too late'))
 ORDER BY source, rank;

\echo
\echo '== 5. How do users progress? (cq.funnel_report) =='
SELECT funnel, step, step_name, users, round(conversion_from_previous::numeric, 3) AS from_previous,
       round(conversion_from_first::numeric, 3) AS from_first,
       CASE WHEN median_seconds_from_previous < 7200
            THEN round((median_seconds_from_previous / 60)::numeric) || ' min'
            ELSE round((median_seconds_from_previous / 86400)::numeric, 1) || ' days' END AS median_wait
  FROM cq.funnel_report WHERE source <> 'olist' ORDER BY funnel, step;

\echo
\echo '== 6. Lead quality by creative: cheap leads that never qualify (cq.window_funnel) =='
SELECT c.creative, count(*) AS users,
       count(*) FILTER (WHERE stage >= 2) AS leads,
       round(count(*) FILTER (WHERE stage >= 3)::numeric / nullif(count(*) FILTER (WHERE stage >= 2), 0), 3)
           AS qualified_per_lead,
       count(*) FILTER (WHERE stage >= 5) AS won
  FROM (SELECT user_id, cq.window_funnel(interval '60 days', event_time, event_name, 'form_start',
                                         'lead_submitted', 'qualified_lead', 'booked_call',
                                         'won_deal') AS stage
          FROM shop.lead_events GROUP BY user_id) f
  JOIN (SELECT DISTINCT ON (user_id) user_id, creative FROM shop.lead_events
         WHERE event_name = 'ad_click' ORDER BY user_id, event_time) c USING (user_id)
 GROUP BY c.creative ORDER BY qualified_per_lead, c.creative;

\echo
\echo '== 7. A real lead funnel: Olist, 8,000 marketing-qualified leads -> 842 won deals =='
\echo '   which acquisition channel predicts a won deal within 90 days (a deal counts 1)'
SELECT funnel, step_name, users, round(conversion_from_first::numeric, 3) AS from_first,
       round((median_seconds_from_previous / 86400)::numeric, 1) AS median_days
  FROM cq.funnel_report WHERE source = 'olist' ORDER BY step;
SELECT event_name, users_with_event AS leads, round(conversion_rate::numeric, 3) AS won_rate,
       round(baseline_conversion_rate::numeric, 3) AS others, round(q_value::numeric, 4) AS q,
       round(weekly_volume::numeric, 1) AS weekly, verdict
  FROM cq.event_quality WHERE source = 'olist' AND event_name LIKE 'channel:%' ORDER BY rank;

\echo
\echo '== 8. Dedup: UCI Online Retail (541,909 invoice lines, no event ids) =='
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
\echo '== 9. The trap: a key without quantity and price over-merges real order lines =='
SELECT count(*) AS rows,
       count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, description, quantity,
                                           invoice_date, unit_price, customer_id, country))
           AS distinct_by_full_content,
       count(DISTINCT cq.event_fingerprint(invoice_no, stock_code, invoice_date, customer_id))
           AS distinct_by_invoice_product_time
  FROM online_retail;

\echo
\echo '== 10. Dedup: OTTO sessions (862 click/cart/order events) =='
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
\echo '== 11. Funnel: OTTO click -> cart -> order within one hour (cq.window_funnel) =='
SELECT stage, count(*) AS sessions
  FROM (SELECT session,
               cq.window_funnel(interval '1 hour', ts,
                                type = 'clicks', type = 'carts', type = 'orders') AS stage
          FROM otto_events GROUP BY session) s
 GROUP BY stage ORDER BY stage;

\echo
\echo '== 12. Signal: which event deserves the budget (cq.rank_events, landmark design) =='
\echo '   a planted log of 40,000 users: driver makes a purchase 8 times as likely; noise and'
\echo '   late_noise change nothing; rare_perfect always buys big but is rare'
\set seed 0.42
\ir data/planted.sql
SELECT rank, event_name, recommended AS rec, round(lift::numeric, 2) AS lift,
       round(correlation::numeric, 3) AS r, round(q_value::numeric, 4) AS q,
       round(weekly_volume::numeric) AS weekly, verdict, advice
  FROM cq.rank_events('planted', '30 days', value_column => 'revenue');

\echo
\echo '== 13. Stored summaries: monthly rank samples of UCI customers, merged (cq.rank_sample, cq.rank_rollup) =='
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

\echo
\echo '== 14. Attribution: lead-gen won deals by campaign, last touch vs linear vs first touch (cq.attribute) =='
\echo '   ad clicks are the touches (15 % of users click twice); lookback 45 days'
CREATE VIEW lead_clicks AS
SELECT user_id, event_time, campaign AS channel FROM shop.lead_events WHERE event_name = 'ad_click';
CREATE VIEW lead_won AS
SELECT user_id, event_time, value FROM shop.lead_events WHERE event_name = 'won_deal';
SELECT coalesce(a.channel, '(unattributed)') AS campaign,
       round(sum(a.conversions) FILTER (WHERE m = 'last_touch')::numeric, 1) AS last_touch,
       round(sum(a.conversions) FILTER (WHERE m = 'linear')::numeric, 1) AS linear,
       round(sum(a.conversions) FILTER (WHERE m = 'first_touch')::numeric, 1) AS first_touch,
       round(sum(a.value) FILTER (WHERE m = 'linear')::numeric) AS linear_value
  FROM unnest(ARRAY['last_touch', 'linear', 'first_touch']) m,
       cq.attribute('lead_clicks', 'lead_won', m, '45 days', value_column => 'value') a
 GROUP BY a.channel ORDER BY a.channel NULLS LAST;

\echo
\echo '== 15. Which creative buys low-quality leads? Qualified-lead rate per entry creative, each against the rest (cq.breakdown) =='
SELECT bucket AS creative, users, small, round(conversion_rate::numeric, 3) AS qualified_rate,
       round(rest_conversion_rate::numeric, 3) AS rest_rate, round(conversion_q_value::numeric, 4) AS q,
       round(conversion_mdd::numeric, 3) AS detectable_difference
  FROM cq.breakdown('shop.lead_events', 'creative', conversion_event => 'qualified_lead',
                    horizon => '60 days')
 ORDER BY conversion_rate;
\echo '   ... and what cq.refresh keeps for BI tools (cq.campaign_quality: the leads source by'
\echo '   creative, a user converting with a won deal within its 60-day horizon)'
SELECT bucket AS creative, users, converters AS won, round(conversion_rate::numeric, 4) AS won_rate,
       round(conversion_q_value::numeric, 4) AS q, round(revenue_per_user::numeric) AS revenue_per_user,
       round(revenue_q_value::numeric, 4) AS revenue_q
  FROM cq.campaign_quality WHERE source = 'leads' AND dimension = 'creative'
 ORDER BY revenue_per_user;

\echo
\echo '== 16. Readiness where bidding happens: which event can each web ad set optimize on? (cq.adset_readiness) =='
\echo '   events credited to the last click within 30 days, the week to 2025-03-10, 40 a week needed'
SELECT ad_set, event_name, last_week_events AS last_week, verdict, recommended AS rec, advice
  FROM cq.adset_readiness('shop.web_events', 'ad_set', '{add_to_cart,begin_checkout,purchase}',
                          attribution_window => '30 days', min_weekly_volume => 40,
                          observed_until => '2025-03-10', event_id_column => 'event_id')
 WHERE recommended OR ad_set IS NULL
 ORDER BY ad_set NULLS LAST, event_name;

\echo
\echo '== 17. Spend: the cheapest lead is the most expensive customer (cq.spend_report) =='
\echo '   a flat 40 EUR a day per lead-gen creative, Jan 1 - Apr 30, ten unpaid days for roi_calculator'
CREATE TABLE lead_spend AS
SELECT d::date AS day, c.creative, 40.00::numeric AS spend, 'EUR' AS currency
  FROM generate_series('2025-01-01'::date, '2025-04-30', '1 day') d,
       (SELECT DISTINCT creative FROM shop.lead_events WHERE creative IS NOT NULL) c
 WHERE NOT (c.creative = 'roi_calculator' AND d BETWEEN '2025-02-01' AND '2025-02-10');
SELECT bucket AS creative, spend, missing_spend_days AS missing, deduplicated_events AS leads,
       qualified_conversions AS leads_that_paid, cost_per_deduplicated_event AS per_lead,
       cost_per_qualified_conversion AS per_paying_lead, round(roas::numeric, 1) AS roas,
       round(roas_low::numeric, 1) AS roas_low, round(roas_high::numeric, 1) AS roas_high, verdict
  FROM cq.spend_report('shop.lead_events', 'lead_spend', 'creative', 'lead_submitted', '90 days',
                       min_weekly_volume => 20, event_id_column => 'event_id',
                       currency_column => 'currency')
 ORDER BY per_lead;

\echo
\echo '== 18. Daily states: the leads source kept per day, and a late batch refreshed incrementally (cq.refresh_daily) =='
\echo '   first the whole history (a rebuild); revenue within the 60-day horizon of each user''s first click, by creative'
SELECT cq.enable_daily_states('leads') \gset
SELECT source_name, rebuilt, changed_days, cohort_days, rows_read FROM cq.refresh_daily('leads');
SELECT bucket AS creative, users, converters AS won, round(conversion_rate::numeric, 4) AS won_rate,
       round(revenue_per_user::numeric) AS revenue_per_user, first_day, last_day
  FROM cq.cohort_quality WHERE source = 'leads' AND dimension = 'creative'
 ORDER BY revenue_per_user;
\echo '   then the web shop with a 7-day horizon, and a late batch: 40 purchases of 2025-03-01 arrive'
\echo '   now; only the days they reach are read (all rolled back afterwards: the warehouse stays as generated)'
BEGIN;
SELECT cq.register_source('web_7d', 'shop.web_events', 'user_id', 'event_time', 'event_name',
                          value_column => 'value', event_id_column => 'event_id', horizon => '7 days',
                          dimension_columns => '{campaign}') \gset
SELECT cq.enable_daily_states('web_7d') \gset
SELECT source_name, rebuilt, changed_days, cohort_days, rows_read FROM cq.refresh_daily('web_7d');
INSERT INTO shop.web_events (event_id, user_id, event_time, received_at, event_name, value, channel)
SELECT 'late-' || user_id, user_id, timestamptz '2025-03-01 12:00', now(), 'purchase', 80, 'server'
  FROM (SELECT DISTINCT user_id FROM shop.web_events
         WHERE event_name = 'add_to_cart' AND event_time BETWEEN '2025-02-27' AND '2025-03-01'
         ORDER BY user_id LIMIT 40) u;
SELECT source_name, rebuilt, changed_days, cohort_days, rows_read FROM cq.refresh_daily('web_7d');
\echo '   the same states as a full rebuild:'
CREATE TEMPORARY TABLE web_7d_incremental AS
SELECT dimension, day, bucket, users, converters, revenue FROM cq_internal.daily_states WHERE source = 'web_7d';
SELECT rebuilt, rows_read FROM cq.refresh_daily('web_7d', full_rebuild => true);
SELECT (SELECT count(*) FROM web_7d_incremental) AS cohort_rows,
       (SELECT count(*) FROM (TABLE web_7d_incremental
                              EXCEPT ALL SELECT dimension, day, bucket, users, converters, revenue
                                           FROM cq_internal.daily_states WHERE source = 'web_7d') d) AS differ;
ROLLBACK;

\echo
\echo '== 19. Conversion with windows still open: lead-gen ad click -> lead -> won deal within 60 days (cq.funnel_conversion_curve) =='
\echo '   seen on 2025-03-15, when the last six weeks of entrants are still in their window: the curve at its'
\echo '   last point against the naive rate ...'
SELECT 'as of 2025-03-15' AS seen, x.step, max(x.t) AS last_point,
       round((array_agg(x.conversion ORDER BY x.t DESC))[1]::numeric, 3) AS curve,
       round((array_agg(x.conversion_lower ORDER BY x.t DESC))[1]::numeric, 3) AS lower,
       round((array_agg(x.conversion_upper ORDER BY x.t DESC))[1]::numeric, 3) AS upper,
       round((array_agg(x.naive_conversion ORDER BY x.t DESC))[1]::numeric, 3) AS naive
  FROM (SELECT p.step, p.time_to_convert AS t, p.conversion, p.conversion_lower, p.conversion_upper,
               p.naive_conversion
          FROM (SELECT cq.funnel_conversion_curve(st, interval '60 days', timestamptz '2025-03-15 00:00+00',
                                                  interval '1 day') AS curve
                  FROM (SELECT user_id, cq.funnel_events(event_time, event_name, 'ad_click', 'lead_submitted',
                                                         'won_deal') AS st
                          FROM shop.lead_events WHERE event_time <= '2025-03-15 00:00+00' GROUP BY user_id) s) c,
               unnest(c.curve) p) x
 GROUP BY x.step ORDER BY x.step;
\echo '   ... and what happened: the users who entered before 2025-03-01, every window closed by the end of April'
SELECT count(*) AS entrants, round(avg((cardinality(t) >= 2)::int), 3) AS lead_rate,
       round(avg((cardinality(t) >= 3)::int), 3) AS won_rate
  FROM (SELECT cq.funnel_step_times(cq.funnel_events(event_time, event_name, 'ad_click', 'lead_submitted', 'won_deal'),
                                    interval '60 days') AS t
          FROM shop.lead_events GROUP BY user_id) s
 WHERE t[1] < '2025-03-01 00:00+00';
