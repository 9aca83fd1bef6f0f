-- gen_warehouse.sql - a seeded, deterministic advertiser data warehouse for `make demo`.
--
-- WHAT IT CREATES
--   Schema shop with three event tables of identical columns, one per business line:
--     shop.web_events   e-commerce          user_id 1 .. 25,000 x scale
--     shop.app_events   subscription app    user_id 1,000,001 .. 1,000,000 + 10,000 x scale
--     shop.lead_events  B2B lead generation user_id 2,000,001 .. 2,000,000 + 8,000 x scale
--   Nothing else is left behind (the working tables are temporary and dropped); nothing is
--   dropped beforehand, so run it in an empty database.  The three tables are filled in one
--   transaction, in order of received_at, and analyzed.
--
-- HOW TO RUN (from the project root)
--   psql -X -v ON_ERROR_STOP=1 -v seed=0.5 -v scale=1 -f test/data/gen_warehouse.sql
--   Variables (psql -v):
--     seed   argument of setseed(), between -1 and 1; default 0.5.
--     scale  multiplies the user counts (rounded to whole users); default 1.
--   The same seed and scale give the same rows on any PostgreSQL 15 server: the script sets
--   max_parallel_workers_per_gather = 0, work_mem = 64MB and TimeZone = UTC (all reset at the
--   end), calls setseed(:seed), and draws every random() in a fixed row order.  It is plain
--   SQL (no extension, no plpgsql).  Output: one line,
--     gen_warehouse: seed S scale K - shop.web_events N rows, shop.app_events N rows, ...
--   At seed 0.5, scale 1: web 331,892 rows, app 140,049, lead 23,531 (495,472 in all), in
--   about 5 s on a busy 2-core VM.
--
-- COLUMNS (the same in all three tables)
--   event_id     text         the sender's event id, '<w|a|l>-<user_id>-<k>' (k: a counter,
--                             unique within the run), one per logical event and shared by its
--                             pixel and server copies; NULL or '' on some pixel rows and
--                             'evt-0000' on the buggy web clients' page views (see DEFECTS)
--   user_id      bigint
--   event_time   timestamptz  when the event happened, as stamped by the sender
--   received_at  timestamptz  when the warehouse received the row
--   event_name   text
--   value        numeric      revenue on purchase, subscribe and won_deal rows; minus the
--                             refunded purchase's value on refund rows; 0 on every other row
--   channel      text         'pixel' or 'server': which copy of the event the row is
--   campaign, ad_set, creative, landing_page   text, filled on ad_click rows only, else NULL
--
-- TIME AND CLICKS (all three tables)
--   Entry = the user's first ad_click, uniform over [2025-01-01 00:00, 2025-03-17 00:00) UTC.
--   "Day d" below means entry + d days.  The analysis this data is made for uses a landmark
--   design: exposure = the event occurs in the first week, (entry, entry + 7 d]; outcome =
--   the user's revenue in (entry + 7 d, entry + 37 d].  Events run to about day 45 (refunds
--   and app renewals to day 67, late arrivals are received up to 40 days after that).
--   15 % of users click a second time, 1 hour to 40 days after entry: half of them on the
--   entry click's creative, the others on a fresh draw.  A click picks one row of the line's
--   ad dimensions, all rows equally likely except quiz_giveaway (lead gen, below):
--     web   campaigns spring_sale, brand_search, retargeting_q1, new_arrivals; 2-3 ad sets
--           each (e.g. 'spring_sale/lookalike_1pct'), 2-3 creatives each (e.g. 'video_15s_a',
--           'carousel_b'); 20 rows; landing pages such as '/lp/spring', '/lp/brand'.
--     app   install_ios, install_android, reengage_q1; 12 rows; '/lp/app-ios', ...
--     lead  demo_requests, webinar_q1, lead_magnet_q1; 11 rows; '/lp/demo', '/lp/quiz', ...
--   The ad dimensions have no effect on anything except quiz_giveaway.
--
-- WEB (e-commerce), 25,000 users at scale 1.  Planted truths:
--   add_to_cart in the first week (THE DRIVER): 35 % of users, at day 0.02 .. 6.92, each with
--     a view_item 2 .. 20 min before it.  These users become buyers with probability 25 %,
--     the others with 5 % (5x).
--   Buyers make 1, 2 or 3 purchases (60 / 30 / 10 %), each at an independent uniform time in
--     days 7.05 .. 44.95, value uniform 20.00 .. 300.00.  Each purchase session has a
--     view_item 16 .. 46 min, an add_to_cart 8 .. 15 min and a begin_checkout 1 .. 7 min
--     before the purchase (so begin_checkout is strongly linked to revenue, but after day 7).
--   Early purchases: 5 % of the first-week add_to_cart users also buy in that session, 10 .. 30
--     min after the add_to_cart (begin_checkout 1 .. 7 min before) - the only revenue in the
--     first week.
--   view_item in the first week: all first-week add_to_cart users plus 53.85 % of the others
--     (one view_item at day 0.01 .. 6.96), 70 % of users in all.  No effect of its own: users
--     with a first-week view_item but no first-week add_to_cart buy at the base 5 %.
--   newsletter_signup: 20 % of users, day 0.01 .. 6.96, drawn independently - no effect.
--   page_view: 1 .. 11 per user (uniform, mean 6) at uniform times over days 0 .. 45, drawn
--     independently - no effect.
--   wishlist_add: 0.4 % of users, day 0.01 .. 6.96; every one of them buys (whatever their
--     add_to_cart), 2 or 3 purchases (50 / 50) in days 7.05 .. 36.95, 200.00 .. 300.00 each:
--     rare but perfect.
--   Abandoned sessions: 20 % of users, at a uniform time in days 7.05 .. 44.95: view_item,
--     add_to_cart 2 .. 12 min later and, for 30 % of them, begin_checkout 13 .. 23 min after
--     the view_item; no purchase.
--   refund: 5 % of purchases, 3 .. 20 days after the purchase, value = minus its value.
--   Measured at seed 0.5, scale 1 (users; an event counts as exposure if any of its rows has
--   event_time in the first week; "buys" = any purchase row in (day 7, day 37]):
--     first-week add_to_cart 34.7 % of users: 21.7 % buy vs 4.6 % without (4.8x; over
--       days 7 .. 45: 25.2 % vs 5.3 %);
--     first-week view_item 69.4 %; with view_item but no add_to_cart 4.4 % buy, with
--       neither 4.7 %;
--     newsletter_signup 19.6 %: 10.7 % buy vs 10.4 %; first-week page_view 57.8 %: 10.6 % vs
--       10.4 %;
--     wishlist_add 91 users (0.36 %), 100 % buy;
--     91.3 % of server purchase revenue falls after day 7; refunds = 4.6 % of purchases.
--
-- APP, 10,000 users at scale 1.  Planted truth: tutorial_complete -> 5x the chance to
-- subscribe after day 7.
--   app_install: 90 % of users, 2 min .. 6 h after the click (log-uniform); the other 10 %
--     have no further events (but may click again).
--   tutorial_complete: 40 % of users (all installers; 44.4 % of installers), 0.02 .. 3 days
--     after the install, so always in the first week.
--   push_opt_in: 50 % of users (55.6 % of installers), 0 .. 2 days after the install, drawn
--     independently - no effect.
--   app_open: 1 .. 15 per installer (uniform, mean 8) at uniform times over days 0.01 .. 45,
--     independent noise.
--   subscribe: an installer subscribes once, at a uniform time in days 7.05 .. 36.95, with
--     probability 30 % after tutorial_complete and 7.2 % without, i.e. 6 % of all users
--     without tutorial (non-installers never subscribe): 5x.  value 9.99 (70 %) or 59.99
--     (30 %).  60 % of the 9.99 subscribers renew once: another subscribe row of 9.99 exactly
--     30 days later (days 37.05 .. 66.95).
--   Measured at seed 0.5, scale 1: installed 90.1 %, tutorial 40.2 %, push_opt_in 49.6 %;
--     subscribe in (day 7, day 37]: 29.2 % with tutorial vs 6.4 % without (4.6x); 17.7 %
--     with push_opt_in vs 16.7 % of installers without.
--
-- LEAD GEN (B2B), 8,000 users at scale 1.  Planted truths: quiz_giveaway buys many
-- low-quality leads; booked_call is the best first-week predictor of won_deal revenue.
--   quiz_giveaway: creative of two rows (ad sets 'lead_magnet_q1/broad' and
--     'lead_magnet_q1/lookalike_1pct', landing page '/lp/quiz') drawn by 20 % of entry clicks;
--     a user counts as quiz if the entry click's creative is quiz_giveaway.
--   form_start: 60 % of users, 7 min .. 1 day after entry.
--   lead_submitted: 70 % of starters (quiz: 85 %), 5 min .. 1 day after form_start.
--   qualified_lead: 35 % of submitters (quiz: 8 %), 0.5 + 7.5 u^2 days after submission
--     (u uniform; skewed early), i.e. about day 0.7 .. 10.
--   booked_call: 60 % of qualified leads, 1 + 13 u^2 days after qualification, i.e. about
--     day 2 .. 23; about 37 % of booked calls fall in the first week, most later.
--   won_deal: 40 % of booked calls (quiz: 10 %), at max(booked_call + 2 days, day 15 .. 40
--     uniform), value 1,000 .. 20,000 (whole units).  So a won deal for 0.6 x 0.7 x 0.35 x
--     0.6 x 0.4 = 3.5 % of other users and 0.6 x 0.85 x 0.08 x 0.6 x 0.1 = 0.24 % of quiz users
--     (almost never); P(won | booked_call) = 40 % > P(won | qualified_lead) = 24 %.
--   Measured at seed 0.5, scale 1: quiz users 1,638 (20.5 %); lead_submitted per form_start
--     83.1 % (quiz) vs 70.2 %; qualified per submitted 7.1 % vs 34.4 %; won 3 quiz users
--     (0.18 %) vs 218 others (3.4 %).  First-week exposure -> won_deal in (day 7, day 37]:
--     booked_call 2.8 % of users -> 29.3 %; qualified_lead 10.6 % -> 19.3 %; lead_submitted
--     44.1 % -> 5.6 %; form_start 60.6 % -> 4.0 %.  37 % of booked calls are in week 1.
--
-- DEFECTS (the platforms' duplicate patterns; same rates in all three tables)
--   Copies.  ad_click: one pixel row, always clean (its own id, event_time = the click,
--     received 1 .. 60 s later, never blanked, late or mis-stamped).  purchase: a pixel row
--     and a server row, always.  subscribe, won_deal, refund: a server row only.  Every other
--     event: pixel and server copies 40 %, pixel only 45 %, server only 15 %.
--   Pixel row: event_time = the event's time t, received_at = t + 1 .. 60 s.
--   Server row: the same event_id; event_time = t + 0 .. 5 min (uniform); received_at =
--     its event_time + 60 .. 900 s, so always later than the pixel copy's received_at.
--   Retries: 2 % of server events are sent twice: a second server row identical but for
--     received_at, 1 .. 30 s later.
--   Blank ids: 6 % of non-click pixel rows have event_id NULL and 2 % have '' (cannot be
--     deduplicated; the server copy keeps the id).
--   Reused ids: 1 % of web users run a buggy client: all their page_view events carry the
--     constant event_id 'evt-0000' (pixel and server copies, retries too; the pixel copy can
--     still be blanked), so one id stands for different page views days apart (and for
--     several users).
--   Late arrivals: 3 % of server events are received 2 .. 6 days after their event_time and
--     0.3 % 20 .. 40 days after (offline batch); a retry keeps its original's delay.
--   Future stamps: 0.5 % of non-click pixel rows have event_time = received_at + 1 .. 48 h
--     (bad device clocks); besides, exactly 5 non-click pixel rows per table have their
--     event_time moved 6 years ahead, into 2031 (received_at unchanged).  Server rows never
--     have event_time after received_at.
--   Measured at seed 0.5, scale 1 (web / app / lead): pixel non-click rows with NULL id
--     6.06 / 6.14 / 6.02 %, with '' 2.11 / 2.14 / 2.17 %, future-stamped (not 2031) 0.53 /
--     0.50 / 0.60 %; rows in 2031: 5 / 5 / 5; server rows received 2 .. 6 days late 2.94 /
--     2.87 / 3.02 %, 20+ days late 0.28 / 0.27 / 0.31 %; server events sent twice 2.05 /
--     1.99 / 1.96 % (non-revenue); among non-blank ids of non-click, non-revenue events, 38.3
--     / 38.0 / 38.6 % have both copies (40 % less the copies whose pixel id was blanked);
--     'evt-0000': 1,561 web rows of 215 users (0.86 %).
--
-- FAULT KNOBS (psql -v; defaults in brackets give the rows described above, and a knob
-- never changes a random draw, so that only the rows it is about change)
--   retry_rate [0.02]        server events sent twice
--   blank_null_rate [0.06], blank_empty_rate [0.02]   non-click pixel rows with id NULL / ''
--   buggy_rate [0.01]        web users whose page views all carry 'evt-0000'
--   late_rate [0.03], very_late_rate [0.003]   server events received 2 .. 6 / 20 .. 40 days late
--   future_rate [0.005]      non-click pixel rows stamped 1 .. 48 h after their arrival
--   far_future_rows [5]      non-click pixel rows per table moved into 2031
--   burst_rate [0]           page views repeated twice more 1 .. 3 s apart (reload loops)
--   orphan_rate [0]          web purchase sessions (after day 7) without their view_item
--   outage_day ['']          a UTC date whose events never arrive (tag and server down), e.g.
--                            '2025-03-05'
--   Set every rate to 0 (and far_future_rows to 0) for a warehouse without any fault:
--   test/check_planted_faults.py runs it both ways.
\set gw_quiet :QUIET
\set QUIET on
\if :{?seed}
\else
\set seed 0.5
\endif
\if :{?scale}
\else
\set scale 1
\endif
-- fault knobs (see FAULT KNOBS above); the defaults are the documented rates
\if :{?retry_rate}
\else
\set retry_rate 0.02
\endif
\if :{?blank_null_rate}
\else
\set blank_null_rate 0.06
\endif
\if :{?blank_empty_rate}
\else
\set blank_empty_rate 0.02
\endif
\if :{?buggy_rate}
\else
\set buggy_rate 0.01
\endif
\if :{?late_rate}
\else
\set late_rate 0.03
\endif
\if :{?very_late_rate}
\else
\set very_late_rate 0.003
\endif
\if :{?future_rate}
\else
\set future_rate 0.005
\endif
\if :{?far_future_rows}
\else
\set far_future_rows 5
\endif
\if :{?burst_rate}
\else
\set burst_rate 0
\endif
\if :{?orphan_rate}
\else
\set orphan_rate 0
\endif
\if :{?outage_day}
\else
\set outage_day ''
\endif

SET max_parallel_workers_per_gather = 0;
SET work_mem = '64MB';
SET TimeZone = 'UTC';
BEGIN;
SELECT setseed(:seed) \gset

-- ---------------------------------------------------------------------------------------
-- Ad dimensions: one row per creative; a user's click picks a row with probability
-- weight / (sum of the line's weights), through the half-open range [lo, hi).
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE gw_dim AS
WITH v(line, k, campaign, ad_set, creative, landing_page, w) AS (VALUES
  ('w',  1, 'spring_sale',    'spring_sale/lookalike_1pct',       'video_15s_a',        '/lp/spring',       1.0),
  ('w',  2, 'spring_sale',    'spring_sale/lookalike_1pct',       'carousel_b',         '/lp/spring',       1.0),
  ('w',  3, 'spring_sale',    'spring_sale/lookalike_1pct',       'static_c',           '/lp/spring-b',     1.0),
  ('w',  4, 'spring_sale',    'spring_sale/interest_fashion',     'video_15s_a',        '/lp/spring',       1.0),
  ('w',  5, 'spring_sale',    'spring_sale/interest_fashion',     'ugc_review_a',       '/lp/spring-b',     1.0),
  ('w',  6, 'spring_sale',    'spring_sale/broad',                'static_c',           '/lp/spring',       1.0),
  ('w',  7, 'spring_sale',    'spring_sale/broad',                'carousel_b',         '/lp/spring',       1.0),
  ('w',  8, 'brand_search',   'brand_search/exact',               'text_ad_a',          '/lp/brand',        1.0),
  ('w',  9, 'brand_search',   'brand_search/exact',               'text_ad_b',          '/lp/brand',        1.0),
  ('w', 10, 'brand_search',   'brand_search/phrase',              'text_ad_a',          '/lp/brand',        1.0),
  ('w', 11, 'brand_search',   'brand_search/phrase',              'text_ad_c',          '/lp/brand-deals',  1.0),
  ('w', 12, 'retargeting_q1', 'retargeting_q1/cart_abandoners',   'dynamic_product_a',  '/lp/retarget',     1.0),
  ('w', 13, 'retargeting_q1', 'retargeting_q1/cart_abandoners',   'dynamic_product_b',  '/lp/retarget',     1.0),
  ('w', 14, 'retargeting_q1', 'retargeting_q1/site_visitors_30d', 'carousel_b',         '/lp/retarget',     1.0),
  ('w', 15, 'retargeting_q1', 'retargeting_q1/site_visitors_30d', 'static_discount_10', '/lp/retarget-10',  1.0),
  ('w', 16, 'new_arrivals',   'new_arrivals/lookalike_1pct',      'video_15s_b',        '/lp/new',          1.0),
  ('w', 17, 'new_arrivals',   'new_arrivals/lookalike_1pct',      'carousel_new',       '/lp/new',          1.0),
  ('w', 18, 'new_arrivals',   'new_arrivals/interest_home',       'static_new_a',       '/lp/new-home',     1.0),
  ('w', 19, 'new_arrivals',   'new_arrivals/interest_home',       'video_15s_b',        '/lp/new',          1.0),
  ('w', 20, 'new_arrivals',   'new_arrivals/interest_home',       'ugc_review_b',       '/lp/new-home',     1.0),
  ('a',  1, 'install_ios',     'install_ios/lookalike_1pct',      'playable_demo',      '/lp/app-ios',      1.0),
  ('a',  2, 'install_ios',     'install_ios/lookalike_1pct',      'video_15s_a',        '/lp/app-ios',      1.0),
  ('a',  3, 'install_ios',     'install_ios/broad',               'video_15s_a',        '/lp/app-ios',      1.0),
  ('a',  4, 'install_ios',     'install_ios/broad',               'static_screens',     '/lp/app-ios',      1.0),
  ('a',  5, 'install_android', 'install_android/lookalike_1pct',  'playable_demo',      '/lp/app-android',  1.0),
  ('a',  6, 'install_android', 'install_android/lookalike_1pct',  'video_15s_a',        '/lp/app-android',  1.0),
  ('a',  7, 'install_android', 'install_android/lookalike_1pct',  'ugc_review_a',       '/lp/app-android',  1.0),
  ('a',  8, 'install_android', 'install_android/broad',           'static_screens',     '/lp/app-android',  1.0),
  ('a',  9, 'install_android', 'install_android/broad',           'video_30s_b',        '/lp/app-android',  1.0),
  ('a', 10, 'reengage_q1',     'reengage_q1/lapsed_users',        'video_15s_a',        '/lp/app-open',     1.0),
  ('a', 11, 'reengage_q1',     'reengage_q1/lapsed_users',        'promo_first_month',  '/lp/app-promo',    1.0),
  ('a', 12, 'reengage_q1',     'reengage_q1/lookalike_1pct',      'promo_first_month',  '/lp/app-promo',    1.0),
  ('l',  1, 'demo_requests',  'demo_requests/it_managers',        'case_study_video',   '/lp/demo',         1.0),
  ('l',  2, 'demo_requests',  'demo_requests/it_managers',        'roi_calculator',     '/lp/demo-roi',     1.0),
  ('l',  3, 'demo_requests',  'demo_requests/ops_directors',      'case_study_video',   '/lp/demo',         1.0),
  ('l',  4, 'demo_requests',  'demo_requests/ops_directors',      'testimonial_carousel', '/lp/demo',       1.0),
  ('l',  5, 'webinar_q1',     'webinar_q1/lookalike_1pct',        'webinar_promo_a',    '/lp/webinar',      1.0),
  ('l',  6, 'webinar_q1',     'webinar_q1/lookalike_1pct',        'webinar_promo_b',    '/lp/webinar',      1.0),
  ('l',  7, 'webinar_q1',     'webinar_q1/interest_saas',         'webinar_promo_a',    '/lp/webinar',      1.0),
  ('l',  8, 'webinar_q1',     'webinar_q1/interest_saas',         'webinar_promo_c',    '/lp/webinar',      1.0),
  ('l',  9, 'lead_magnet_q1', 'lead_magnet_q1/broad',             'ebook_download',     '/lp/guide',        1.0),
  ('l', 10, 'lead_magnet_q1', 'lead_magnet_q1/broad',             'quiz_giveaway',      '/lp/quiz',         1.125),
  ('l', 11, 'lead_magnet_q1', 'lead_magnet_q1/lookalike_1pct',    'quiz_giveaway',      '/lp/quiz',         1.125))
SELECT line, campaign, ad_set, creative, landing_page,
       (coalesce(sum(w) OVER (PARTITION BY line ORDER BY k
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
        / sum(w) OVER (PARTITION BY line))::float8 AS lo,
       (sum(w) OVER (PARTITION BY line ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        / sum(w) OVER (PARTITION BY line))::float8 AS hi
  FROM v;

-- ---------------------------------------------------------------------------------------
-- Users, one table per business line.  Every random() is drawn here or in a statement that
-- reads a single table (or a table and generate_series), so the draws happen in a fixed
-- order; joins come only in statements that draw nothing.
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE gw_uw AS
SELECT g::bigint AS user_id,
       timestamptz '2025-01-01 00:00:00+00' + random() * interval '75 days' AS e,
       random() AS r_dim,
       random() < 0.15 AS click2, random() AS r_c2t, random() AS r_dim2, random() AS r_same,
       random() < 0.35 AS atc1,            -- add_to_cart in the first week
       random() AS r_view,                 -- view_item in week 1 for non-atc1: < 0.5385
       random() < 0.20 AS news,
       random() < 0.004 AS wish,
       random() AS r_buy, random() AS r_nbuy,
       random() < :buggy_rate AS buggy,
       1 + floor(random() * 11)::int AS n_pv,
       random() AS r_early, random() AS r_aband, random() AS r_abco,
       random() AS t_atc, random() AS t_view, random() AS t_news, random() AS t_wish,
       random() AS t_ab, random() AS s_ab1, random() AS s_ab2, random() AS s_ab3, random() AS s_ep
  FROM generate_series(1, round(25000 * :scale)::int) g;

CREATE TEMP TABLE gw_ua AS
SELECT 1000000 + g::bigint AS user_id,
       timestamptz '2025-01-01 00:00:00+00' + random() * interval '75 days' AS e,
       random() AS r_dim,
       random() < 0.15 AS click2, random() AS r_c2t, random() AS r_dim2, random() AS r_same,
       random() < 0.90 AS inst, random() AS r_inst,
       random() AS r_tut, random() AS t_tut,
       random() AS r_push, random() AS t_push,
       random() AS r_sub, random() AS t_sub, random() AS r_plan, random() AS r_renew,
       1 + floor(random() * 15)::int AS n_open
  FROM generate_series(1, round(10000 * :scale)::int) g;

CREATE TEMP TABLE gw_ul AS
SELECT 2000000 + g::bigint AS user_id,
       timestamptz '2025-01-01 00:00:00+00' + random() * interval '75 days' AS e,
       random() AS r_dim,
       random() < 0.15 AS click2, random() AS r_c2t, random() AS r_dim2, random() AS r_same,
       random() AS r_fs, random() AS t_fs, random() AS r_sub, random() AS t_sub,
       random() AS r_q, random() AS t_q, random() AS r_b, random() AS t_b,
       random() AS r_w, random() AS t_w, random() AS r_val
  FROM generate_series(1, round(8000 * :scale)::int) g;

-- Logical events (one row per real-world event, before the tracking copies).
CREATE TEMP TABLE gw_ev (
  line text, user_id bigint, t timestamptz, event_name text, value numeric,
  campaign text, ad_set text, creative text, landing_page text, fixed_id text);

-- ad_click: entry click for everyone, a second click 1 h .. 40 days later for 15 %
-- (half the time on the entry creative, otherwise a fresh draw).
INSERT INTO gw_ev
SELECT c.line, c.user_id, c.t, 'ad_click', 0, d.campaign, d.ad_set, d.creative, d.landing_page, NULL
  FROM (SELECT 'w' AS line, user_id, e AS t, r_dim AS r FROM gw_uw
        UNION ALL SELECT 'a', user_id, e, r_dim FROM gw_ua
        UNION ALL SELECT 'l', user_id, e, r_dim FROM gw_ul
        UNION ALL
        SELECT 'w', user_id, e + (1.0 / 24 + 40 * r_c2t) * interval '1 day',
               CASE WHEN r_same < 0.5 THEN r_dim ELSE r_dim2 END FROM gw_uw WHERE click2
        UNION ALL
        SELECT 'a', user_id, e + (1.0 / 24 + 40 * r_c2t) * interval '1 day',
               CASE WHEN r_same < 0.5 THEN r_dim ELSE r_dim2 END FROM gw_ua WHERE click2
        UNION ALL
        SELECT 'l', user_id, e + (1.0 / 24 + 40 * r_c2t) * interval '1 day',
               CASE WHEN r_same < 0.5 THEN r_dim ELSE r_dim2 END FROM gw_ul WHERE click2) c
  JOIN gw_dim d ON d.line = c.line AND c.r >= d.lo AND c.r < d.hi;

-- ---- Web -------------------------------------------------------------------------------
-- Purchases: buyers (25 % with a first-week add_to_cart, 5 % without, all wishlist users)
-- make 1/2/3 purchases (60/30/10 %; wishlist users 2 or 3), each uniform in days
-- 7.05 .. 44.95 (wishlist users: 7.05 .. 36.95, 200..300 each); 5 % of first-week carts
-- also buy in that same session.
CREATE TEMP TABLE gw_wp AS
SELECT x.user_id, false AS early,
       CASE WHEN x.wish THEN x.e + (7.05 + 29.9 * random()) * interval '1 day'
            ELSE x.e + (7.05 + 37.9 * random()) * interval '1 day' END AS pt,
       CASE WHEN x.wish THEN round((200 + 100 * random())::numeric, 2)
            ELSE round((20 + 280 * random())::numeric, 2) END AS value,
       random() AS r_ref, random() AS t_ref, random() AS s1, random() AS s2, random() AS s3
  FROM (SELECT u.*,
               CASE WHEN u.wish THEN 2 + (u.r_nbuy < 0.5)::int
                    WHEN u.r_buy < CASE WHEN u.atc1 THEN 0.25 ELSE 0.05 END
                    THEN CASE WHEN u.r_nbuy < 0.6 THEN 1 WHEN u.r_nbuy < 0.9 THEN 2 ELSE 3 END
                    ELSE 0 END AS nb
          FROM gw_uw u) x,
       generate_series(1, x.nb) k;

INSERT INTO gw_wp
SELECT user_id, true,
       e + (0.02 + 6.9 * t_atc) * interval '1 day' + (10 + 20 * s_ep) * interval '1 minute',
       round((20 + 280 * random())::numeric, 2),
       random(), random(), random(), 0, 0
  FROM gw_uw
 WHERE atc1 AND r_early < 0.05;

INSERT INTO gw_ev (line, user_id, t, event_name, value, fixed_id)
-- first-week cart session: view_item 2..20 min before add_to_cart
SELECT 'w', user_id, e + (0.02 + 6.9 * t_atc) * interval '1 day', 'add_to_cart', 0, NULL
  FROM gw_uw WHERE atc1
UNION ALL
SELECT 'w', user_id, e + (0.02 + 6.9 * t_atc) * interval '1 day'
                      - (2 + 18 * t_view) * interval '1 minute', 'view_item', 0, NULL
  FROM gw_uw WHERE atc1
UNION ALL
SELECT 'w', user_id, e + (0.01 + 6.95 * t_view) * interval '1 day', 'view_item', 0, NULL
  FROM gw_uw WHERE NOT atc1 AND r_view < 0.5385
UNION ALL
SELECT 'w', user_id, e + (0.01 + 6.95 * t_news) * interval '1 day', 'newsletter_signup', 0, NULL
  FROM gw_uw WHERE news
UNION ALL
SELECT 'w', user_id, e + (0.01 + 6.95 * t_wish) * interval '1 day', 'wishlist_add', 0, NULL
  FROM gw_uw WHERE wish
-- abandoned sessions after day 7 (20 % of users): view_item, add_to_cart, 30 % checkout
UNION ALL
SELECT 'w', user_id, e + (7.05 + 37.9 * t_ab) * interval '1 day', 'view_item', 0, NULL
  FROM gw_uw WHERE r_aband < 0.20
UNION ALL
SELECT 'w', user_id, e + (7.05 + 37.9 * t_ab) * interval '1 day'
                      + (2 + 10 * s_ab1) * interval '1 minute', 'add_to_cart', 0, NULL
  FROM gw_uw WHERE r_aband < 0.20
UNION ALL
SELECT 'w', user_id, e + (7.05 + 37.9 * t_ab) * interval '1 day'
                      + (13 + 10 * s_ab2) * interval '1 minute', 'begin_checkout', 0, NULL
  FROM gw_uw WHERE r_aband < 0.20 AND r_abco < 0.30
-- purchase sessions: view_item 16..46 min, add_to_cart 8..15 min, begin_checkout 1..7 min
-- before the purchase (first-week purchases reuse the first-week cart)
UNION ALL
SELECT 'w', user_id, pt, 'purchase', value, NULL FROM gw_wp
UNION ALL
SELECT 'w', user_id, pt - (1 + 6 * s1) * interval '1 minute', 'begin_checkout', 0, NULL FROM gw_wp
UNION ALL
SELECT 'w', user_id, pt - (8 + 7 * s2) * interval '1 minute', 'add_to_cart', 0, NULL
  FROM gw_wp WHERE NOT early
UNION ALL
SELECT 'w', user_id, pt - (16 + 30 * s3) * interval '1 minute', 'view_item', 0, NULL
  FROM gw_wp WHERE NOT early AND t_ref >= :orphan_rate
-- refunds: 5 % of purchases, 3..20 days later, minus the purchase value
UNION ALL
SELECT 'w', user_id, pt + (3 + 17 * t_ref) * interval '1 day', 'refund', -value, NULL
  FROM gw_wp WHERE r_ref < 0.05;

-- page_view: 1..11 per user, uniform over the user's 45 days; the buggy 1 % reuse evt-0000
INSERT INTO gw_ev (line, user_id, t, event_name, value, fixed_id)
SELECT 'w', u.user_id, u.e + (0.001 + 44.999 * random()) * interval '1 day', 'page_view', 0,
       CASE WHEN u.buggy THEN 'evt-0000' END
  FROM gw_uw u, generate_series(1, u.n_pv) k;

-- ---- App -------------------------------------------------------------------------------
INSERT INTO gw_ev (line, user_id, t, event_name, value, fixed_id)
SELECT 'a', user_id, e + power(180, r_inst) * interval '2 minutes', 'app_install', 0, NULL
  FROM gw_ua WHERE inst
UNION ALL
SELECT 'a', user_id, e + power(180, r_inst) * interval '2 minutes'
                      + (0.02 + 2.98 * t_tut) * interval '1 day', 'tutorial_complete', 0, NULL
  FROM gw_ua WHERE inst AND r_tut < 0.40 / 0.90
UNION ALL
SELECT 'a', user_id, e + power(180, r_inst) * interval '2 minutes'
                      + (0.001 + 2 * t_push) * interval '1 day', 'push_opt_in', 0, NULL
  FROM gw_ua WHERE inst AND r_push < 0.50 / 0.90
UNION ALL
SELECT 'a', user_id, e + (7.05 + 29.9 * t_sub) * interval '1 day', 'subscribe',
       CASE WHEN r_plan < 0.70 THEN 9.99 ELSE 59.99 END, NULL
  FROM gw_ua WHERE inst AND r_sub < CASE WHEN r_tut < 0.40 / 0.90 THEN 0.30 ELSE 0.072 END
UNION ALL
SELECT 'a', user_id, e + (37.05 + 29.9 * t_sub) * interval '1 day', 'subscribe', 9.99, NULL
  FROM gw_ua WHERE inst AND r_sub < CASE WHEN r_tut < 0.40 / 0.90 THEN 0.30 ELSE 0.072 END
   AND r_plan < 0.70 AND r_renew < 0.60;

INSERT INTO gw_ev (line, user_id, t, event_name, value, fixed_id)
SELECT 'a', u.user_id, u.e + (0.01 + 44.99 * random()) * interval '1 day', 'app_open', 0, NULL
  FROM gw_ua u, generate_series(1, CASE WHEN u.inst THEN u.n_open ELSE 0 END) k;

-- ---- Lead gen --------------------------------------------------------------------------
CREATE TEMP TABLE gw_lf AS
SELECT s.*,
       s.sub_t + (0.5 + 7.5 * s.t_q * s.t_q) * interval '1 day' AS q_t,
       s.sub_t + (0.5 + 7.5 * s.t_q * s.t_q) * interval '1 day'
               + (1 + 13 * s.t_b * s.t_b) * interval '1 day' AS b_t
  FROM (SELECT u.*, d.creative = 'quiz_giveaway' AS quiz,
               u.e + (0.005 + u.t_fs) * interval '1 day' AS fs_t,
               u.e + (0.005 + u.t_fs) * interval '1 day'
                   + (5 + 1435 * u.t_sub) * interval '1 minute' AS sub_t
          FROM gw_ul u JOIN gw_dim d ON d.line = 'l' AND u.r_dim >= d.lo AND u.r_dim < d.hi) s;

INSERT INTO gw_ev (line, user_id, t, event_name, value, fixed_id)
SELECT 'l', user_id, fs_t, 'form_start', 0, NULL FROM gw_lf WHERE r_fs < 0.60
UNION ALL
SELECT 'l', user_id, sub_t, 'lead_submitted', 0, NULL FROM gw_lf
 WHERE r_fs < 0.60 AND r_sub < CASE WHEN quiz THEN 0.85 ELSE 0.70 END
UNION ALL
SELECT 'l', user_id, q_t, 'qualified_lead', 0, NULL FROM gw_lf
 WHERE r_fs < 0.60 AND r_sub < CASE WHEN quiz THEN 0.85 ELSE 0.70 END
   AND r_q < CASE WHEN quiz THEN 0.08 ELSE 0.35 END
UNION ALL
SELECT 'l', user_id, b_t, 'booked_call', 0, NULL FROM gw_lf
 WHERE r_fs < 0.60 AND r_sub < CASE WHEN quiz THEN 0.85 ELSE 0.70 END
   AND r_q < CASE WHEN quiz THEN 0.08 ELSE 0.35 END AND r_b < 0.60
UNION ALL
SELECT 'l', user_id, greatest(b_t + interval '2 days', e + (15 + 25 * t_w) * interval '1 day'),
       'won_deal', round(1000 + 19000 * r_val::numeric), NULL FROM gw_lf
 WHERE r_fs < 0.60 AND r_sub < CASE WHEN quiz THEN 0.85 ELSE 0.70 END
   AND r_q < CASE WHEN quiz THEN 0.08 ELSE 0.35 END AND r_b < 0.60
   AND r_w < CASE WHEN quiz THEN 0.10 ELSE 0.40 END;

-- ---------------------------------------------------------------------------------------
-- Number the logical events (a counter in insertion order, so no sort) and draw their
-- tracking defects, into one temp partition per business line.
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE gw_lg (
  line text, user_id bigint, t timestamptz, event_name text, value numeric,
  campaign text, ad_set text, creative text, landing_page text, id text, is_click boolean,
  r_copy float8, r_pid float8, r_pfut float8, r_retry float8, r_late float8,
  d1 float8, d2 float8, d3 float8, d4 float8, d5 float8) PARTITION BY LIST (line);
CREATE TEMP TABLE gw_lg_w PARTITION OF gw_lg FOR VALUES IN ('w');
CREATE TEMP TABLE gw_lg_a PARTITION OF gw_lg FOR VALUES IN ('a');
CREATE TEMP TABLE gw_lg_l PARTITION OF gw_lg FOR VALUES IN ('l');
INSERT INTO gw_lg
SELECT line, user_id, t, event_name, value, campaign, ad_set, creative, landing_page,
       coalesce(fixed_id, line || '-' || user_id || '-' || row_number() OVER ()),
       event_name = 'ad_click',
       random(), random(), random(), random(), random(),
       random(), random(), random(), random(), random()
  FROM gw_ev;
-- reload loops (burst_rate): a page view repeated twice more, 1 .. 3 s apart, with ids
-- of their own (a buggy client's 'evt-0000' stays); no draw of its own (d3, d5 of the page view), so that the other rows
-- stay the same whatever the knob
INSERT INTO gw_lg
SELECT line, user_id, t + k * (1 + 2 * d3) * interval '1 second', event_name, value,
       campaign, ad_set, creative, landing_page,
       CASE WHEN id = 'evt-0000' THEN id ELSE id || '-reload-' || k END, is_click,
       r_copy, r_pid, r_pfut, r_retry, r_late, d1, d2, d3, d4, d5
  FROM gw_lg, generate_series(1, 2) k
 WHERE event_name = 'page_view' AND d5 < :burst_rate;

CREATE TEMP VIEW gw_lx AS
SELECT lg.*,
       CASE WHEN is_click OR event_name = 'purchase' THEN true
            WHEN event_name IN ('subscribe', 'won_deal', 'refund') THEN false
            ELSE r_copy < 0.85 END AS has_pixel,
       CASE WHEN is_click THEN false
            WHEN event_name IN ('purchase', 'subscribe', 'won_deal', 'refund') THEN true
            ELSE r_copy < 0.40 OR r_copy >= 0.85 END AS has_server
  FROM gw_lg lg;

-- the 5 non-click pixel rows per table with the highest r_pfut get a 2031 stamp
CREATE TEMP TABLE gw_y31 AS
SELECT v.line,
       (SELECT min(s.r_pfut)
          FROM (SELECT x.r_pfut FROM gw_lx x
                 WHERE x.line = v.line AND x.has_pixel AND NOT x.is_click
                 ORDER BY x.r_pfut DESC LIMIT :far_future_rows) s) AS thr
  FROM (VALUES ('w'), ('a'), ('l')) v(line);

CREATE TEMP VIEW gw_rows AS
SELECT x.line, x.user_id,
       CASE WHEN x.is_click THEN x.id WHEN x.r_pid < :blank_null_rate THEN NULL
            WHEN x.r_pid < :blank_null_rate + :blank_empty_rate THEN '' ELSE x.id END AS event_id,
       CASE WHEN x.is_click THEN x.t
            WHEN x.r_pfut >= y.thr THEN x.t + interval '6 years'
            WHEN x.r_pfut < :future_rate THEN x.t + (1 + 59 * x.d1) * interval '1 second'
                                          + (1 + 47 * x.d5) * interval '1 hour'
            ELSE x.t END AS event_time,
       x.t + (1 + 59 * x.d1) * interval '1 second' AS received_at,
       x.event_name, x.value, 'pixel' AS channel,
       x.campaign, x.ad_set, x.creative, x.landing_page
  FROM gw_lx x JOIN gw_y31 y ON y.line = x.line
 WHERE x.has_pixel
UNION ALL
SELECT x.line, x.user_id, x.id,
       x.t + x.d2 * interval '5 minutes',
       x.t + x.d2 * interval '5 minutes'
           + CASE WHEN x.r_late < :very_late_rate THEN (20 + 20 * x.d4) * interval '1 day'
                  WHEN x.r_late < :very_late_rate + :late_rate THEN (2 + 4 * x.d4) * interval '1 day'
                  ELSE (60 + 840 * x.d3) * interval '1 second' END
           + (k - 1) * (1 + 29 * x.d1) * interval '1 second',
       x.event_name, x.value, 'server',
       x.campaign, x.ad_set, x.creative, x.landing_page
  FROM gw_lx x, generate_series(1, CASE WHEN x.r_retry < :retry_rate THEN 2 ELSE 1 END) k
 WHERE x.has_server;

-- an outage (outage_day): no row of an event of that UTC day arrives, from either channel
CREATE TEMP VIEW gw_kept AS
SELECT * FROM gw_rows
 WHERE :'outage_day' = '' OR (event_time AT TIME ZONE 'UTC')::date <> nullif(:'outage_day', '')::date;

-- ---------------------------------------------------------------------------------------
-- The warehouse tables, loaded in arrival order.
-- ---------------------------------------------------------------------------------------
CREATE SCHEMA shop;
CREATE TABLE shop.web_events (
  event_id     text,
  user_id      bigint,
  event_time   timestamptz,
  received_at  timestamptz,
  event_name   text,
  value        numeric,
  channel      text,
  campaign     text,
  ad_set       text,
  creative     text,
  landing_page text);
CREATE TABLE shop.app_events (LIKE shop.web_events);
CREATE TABLE shop.lead_events (LIKE shop.web_events);

INSERT INTO shop.web_events
SELECT event_id, user_id, event_time, received_at, event_name, value, channel,
       campaign, ad_set, creative, landing_page
  FROM gw_kept WHERE line = 'w' ORDER BY received_at, user_id;
INSERT INTO shop.app_events
SELECT event_id, user_id, event_time, received_at, event_name, value, channel,
       campaign, ad_set, creative, landing_page
  FROM gw_kept WHERE line = 'a' ORDER BY received_at, user_id;
INSERT INTO shop.lead_events
SELECT event_id, user_id, event_time, received_at, event_name, value, channel,
       campaign, ad_set, creative, landing_page
  FROM gw_kept WHERE line = 'l' ORDER BY received_at, user_id;

DROP VIEW gw_kept, gw_rows, gw_lx;
DROP TABLE gw_y31, gw_lg, gw_lf, gw_ev, gw_wp, gw_ul, gw_ua, gw_uw, gw_dim;
COMMIT;

ANALYZE shop.web_events;
ANALYZE shop.app_events;
ANALYZE shop.lead_events;

SELECT (SELECT count(*) FROM shop.web_events) AS gw_n_web,
       (SELECT count(*) FROM shop.app_events) AS gw_n_app,
       (SELECT count(*) FROM shop.lead_events) AS gw_n_lead \gset
RESET TimeZone;
RESET work_mem;
RESET max_parallel_workers_per_gather;
\echo 'gen_warehouse: seed' :seed 'scale' :scale '- shop.web_events' :gw_n_web 'rows, shop.app_events' :gw_n_app 'rows, shop.lead_events' :gw_n_lead 'rows'
\set QUIET :gw_quiet
