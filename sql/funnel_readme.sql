-- Every SQL example of README.md's "## Funnels" section, verbatim, in order
-- (test/check_funnel_readme_sync.sh checks that they stay identical).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
\i test/data/load_otto.sql

CREATE TABLE app_events (user_id int, ts timestamptz, event text);
INSERT INTO app_events VALUES
  (1, '2024-03-01 09:00+00', 'install'), (1, '2024-03-02 10:00+00', 'signup'),
  (1, '2024-03-05 18:00+00', 'purchase'),
  (2, '2024-03-01 12:00+00', 'install'), (2, '2024-03-09 12:00+00', 'signup'),
  (2, '2024-03-10 12:00+00', 'purchase'),
  (3, '2024-03-02 08:00+00', 'install'), (3, '2024-03-02 08:05+00', 'signup'),
  (4, '2024-03-03 20:00+00', 'signup'),
  (5, '2024-03-04 07:00+00', 'install'), (5, '2024-03-08 07:00+00', 'purchase'),
  (5, '2024-03-11 06:59+00', 'signup');

-- stage per user: 1 = installed, 2 = signed up within 7 days of the install, 3 = also bought
SELECT user_id,
       cq.window_funnel(interval '7 days', ts,
                        event = 'install', event = 'signup', event = 'purchase') AS stage
  FROM app_events GROUP BY user_id ORDER BY user_id;

SELECT count(*) FILTER (WHERE stage >= 1) AS installed,
       count(*) FILTER (WHERE stage >= 2) AS activated_7d,
       count(*) FILTER (WHERE stage >= 3) AS bought_7d
  FROM (SELECT user_id,
               cq.window_funnel(interval '7 days', ts,
                                event = 'install', event = 'signup', event = 'purchase') AS stage
          FROM app_events GROUP BY user_id) s;

SELECT user_id,
       cq.retention(e.event = 'install',
                    e.event = 'signup' AND e.ts <= i.installed + interval '7 days',
                    e.event = 'purchase' AND e.ts <= i.installed + interval '7 days') AS r
  FROM app_events e
  JOIN (SELECT user_id, min(ts) AS installed FROM app_events
         WHERE event = 'install' GROUP BY user_id) i USING (user_id)
 GROUP BY user_id ORDER BY user_id;

SELECT stage, count(*) AS sessions
  FROM (SELECT session,
               cq.window_funnel(interval '1 hour', ts,
                                type = 'clicks', type = 'carts', type = 'orders') AS stage
          FROM otto_events GROUP BY session) s
 GROUP BY stage ORDER BY stage;

SELECT count(*) AS sessions,
       count(*) FILTER (WHERE by_condition <> by_name) AS differing
  FROM (SELECT session,
               cq.window_funnel(interval '1 hour', ts,
                                type = 'clicks', type = 'carts', type = 'orders') AS by_condition,
               cq.window_funnel(interval '1 hour', ts, type, 'clicks', 'carts', 'orders') AS by_name
          FROM otto_events GROUP BY session) s;

CREATE TABLE session_funnels AS
SELECT session, cq.funnel_events(ts, type = 'clicks', type = 'carts', type = 'orders') AS st
  FROM otto_events GROUP BY session;

SELECT session,
       cq.funnel_stage(st, interval '1 hour') AS stage_1h,
       cq.funnel_stage(st, interval '1 day', 'strict_order') AS stage_1d_strict,
       cq.funnel_step_times(st, interval '1 day') AS step_times
  FROM session_funnels
 WHERE cq.funnel_stage(st, interval '1 day') = 3 ORDER BY session;

-- per-day states merged into one state per session
SELECT session, cq.funnel_stage(cq.funnel_rollup(st), interval '1 hour') AS stage
  FROM (SELECT session, date_trunc('day', ts) AS day,
               cq.funnel_events(ts, type = 'clicks', type = 'carts', type = 'orders') AS st
          FROM otto_events GROUP BY session, day) per_day
 GROUP BY session ORDER BY stage DESC, session LIMIT 3;

SELECT r.*
  FROM (SELECT cq.funnel_report(st, interval '1 hour') AS report FROM session_funnels) q,
       unnest(q.report) r;

-- view -> cart -> buy, broken by a visit to the returns page between view and buy
SELECT cq.funnel_stage(st, interval '1 hour') AS four_steps,
       cq.funnel_stage(st, interval '1 hour', '', ARRAY[4, 1, 3]) AS with_exclusion
  FROM (SELECT cq.funnel_events(ts, e = 'view', e = 'cart', e = 'buy', e = 'returns_page') AS st
          FROM (VALUES (timestamptz '2024-05-01 10:00+00', 'view'), ('2024-05-01 10:05+00', 'cart'),
                       ('2024-05-01 10:07+00', 'returns_page'), ('2024-05-01 10:09+00', 'buy')) v(ts, e)) s;

-- in order, in any order, and how many times: a cart before the view, then two full days
SELECT u, cq.funnel_stage(st, interval '1 hour') AS in_order,
       cq.funnel_any_order(st, interval '1 hour') AS any_order,
       cq.funnel_completions(st, interval '1 hour') AS completions
  FROM (SELECT u, cq.funnel_events(ts, e, 'view', 'cart', 'buy') AS st
          FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'cart'), (1, '2024-05-01 10:10+00', 'view'),
                       (1, '2024-05-01 10:20+00', 'buy'),
                       (2, '2024-05-01 09:00+00', 'view'), (2, '2024-05-01 09:05+00', 'cart'),
                       (2, '2024-05-01 09:10+00', 'buy'), (2, '2024-05-02 09:00+00', 'view'),
                       (2, '2024-05-02 09:05+00', 'cart'), (2, '2024-05-02 09:10+00', 'buy')) v(u, ts, e)
         GROUP BY u) s
 ORDER BY u;

-- revenue of the users who reached each step (user 3 reached the cart; user 4 never viewed)
SELECT r.*
  FROM (SELECT cq.funnel_revenue(st, revenue, interval '1 hour') AS rep
          FROM (SELECT u, cq.funnel_events(ts, e, 'view', 'cart', 'buy') AS st,
                       max(revenue) AS revenue
                  FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'view', 0), (1, '2024-05-01 10:05+00', 'cart', 0),
                               (1, '2024-05-01 10:09+00', 'buy', 120), (2, '2024-05-01 11:00+00', 'view', 10),
                               (3, '2024-05-01 12:00+00', 'view', 0), (3, '2024-05-01 12:30+00', 'cart', 0),
                               (4, '2024-05-01 13:00+00', 'buy', 500)) v(u, ts, e, revenue)
                 GROUP BY u) s) q,
       unnest(q.rep) r;

-- trends: conversion and median time to convert per entry week, from the stored states
WITH s AS (
    SELECT cq.funnel_events(ts, e, 'view', 'cart', 'buy') AS st
      FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'view'), (1, '2024-05-01 10:20+00', 'cart'),
                   (1, '2024-05-01 11:00+00', 'buy'), (2, '2024-05-02 09:00+00', 'view'),
                   (3, '2024-05-08 09:00+00', 'view'), (3, '2024-05-08 09:30+00', 'cart'),
                   (3, '2024-05-08 12:00+00', 'buy'), (4, '2024-05-09 15:00+00', 'view'),
                   (4, '2024-05-09 15:10+00', 'cart')) v(u, ts, e)
     GROUP BY u),
t AS (SELECT st, cq.funnel_step_times(st, interval '1 day') AS times FROM s)
SELECT date_trunc('week', t.times[1]) AS entry_week, count(*) AS entrants,
       count(*) FILTER (WHERE cardinality(t.times) = 3) AS converted,
       round(count(*) FILTER (WHERE cardinality(t.times) = 3)::numeric / count(*), 3) AS conversion,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.times[3] - t.times[1]) AS median_time_to_convert
  FROM t WHERE cardinality(t.times) >= 1
 GROUP BY 1 ORDER BY 1;

-- a histogram of the time to convert (hours from view to buy, in 1-hour bins)
SELECT width_bucket(extract(epoch FROM times[3] - times[1]) / 3600, 0, 4, 4) AS hour_bin, count(*) AS users
  FROM (SELECT cq.funnel_step_times(cq.funnel_events(ts, e, 'view', 'cart', 'buy'), interval '1 day') AS times
          FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'view'), (1, '2024-05-01 11:00+00', 'buy'),
                       (1, '2024-05-01 10:20+00', 'cart'), (2, '2024-05-01 09:00+00', 'view'),
                       (2, '2024-05-01 09:10+00', 'cart'), (2, '2024-05-01 09:40+00', 'buy'),
                       (3, '2024-05-08 09:00+00', 'view'), (3, '2024-05-08 09:30+00', 'cart'),
                       (3, '2024-05-08 12:00+00', 'buy')) v(u, ts, e)
         GROUP BY u) s
 WHERE cardinality(times) = 3
 GROUP BY 1 ORDER BY 1;

-- conversion with windows still open: view -> buy within 7 days, data until 2024-05-10
SELECT p.step, p.time_to_convert, p.at_risk, p.converted, round(p.conversion::numeric, 3) AS conversion,
       round(p.conversion_lower::numeric, 3) AS lower, round(p.conversion_upper::numeric, 3) AS upper,
       round(p.naive_conversion::numeric, 3) AS naive
  FROM (SELECT cq.funnel_conversion_curve(st, interval '7 days', timestamptz '2024-05-10 00:00+00',
                                          interval '1 day') AS curve
          FROM (SELECT u, cq.funnel_events(ts, e, 'view', 'buy') AS st
                  FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'view'), (1, '2024-05-02 09:00+00', 'buy'),
                               (2, '2024-05-01 11:00+00', 'view'),
                               (3, '2024-05-02 08:00+00', 'view'), (3, '2024-05-05 07:00+00', 'buy'),
                               (4, '2024-05-08 09:00+00', 'view'),
                               (5, '2024-05-09 06:00+00', 'view'), (5, '2024-05-09 18:00+00', 'buy'),
                               (6, '2024-05-09 12:00+00', 'view')) v(u, ts, e)
                 GROUP BY u) s) q,
       unnest(q.curve) p;

-- sequence patterns: a view, later a cart, and a purchase within 30 minutes of that cart
SELECT u, cq.sequence_match('(?1).*(?2)(?t<=1800)(?3)', ts, e = 'view', e = 'cart', e = 'buy') AS matched,
       cq.sequence_count('(?1).*(?2)(?t<=1800)(?3)', ts, e = 'view', e = 'cart', e = 'buy') AS times,
       cq.sequence_match_events('(?1).*(?2)(?t<=1800)(?3)', ts, e = 'view', e = 'cart', e = 'buy') AS events
  FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'view'), (1, '2024-05-01 10:05+00', 'cart'),
               (1, '2024-05-01 10:20+00', 'buy'), (1, '2024-05-01 11:00+00', 'view'),
               (1, '2024-05-01 11:10+00', 'cart'), (1, '2024-05-01 11:25+00', 'buy'),
               (2, '2024-05-01 10:00+00', 'view'), (2, '2024-05-01 10:01+00', 'cart'),
               (2, '2024-05-01 12:00+00', 'buy')) v(u, ts, e)
 GROUP BY u ORDER BY u;

-- hold a property constant: the order id must be the same across the steps
SELECT u, cq.window_funnel_by_key(interval '1 day', o, ts, e = 'cart', e = 'checkout', e = 'paid') AS by_order,
       cq.window_funnel(interval '1 day', ts, e = 'cart', e = 'checkout', e = 'paid') AS plain
  FROM (VALUES (1, 'o1', timestamptz '2024-05-01 10:00+00', 'cart'), (1, 'o2', '2024-05-01 10:05+00', 'checkout'),
               (1, 'o2', '2024-05-01 10:06+00', 'paid'),
               (2, 'o3', '2024-05-01 11:00+00', 'cart'), (2, 'o3', '2024-05-01 11:02+00', 'checkout'),
               (2, 'o3', '2024-05-01 11:03+00', 'paid')) v(u, o, ts, e)
 GROUP BY u ORDER BY u;

-- paths around a step: what users did right after the cart (the two next events), and the top paths
WITH ev(u, ts, e) AS (
    VALUES (1, timestamptz '2024-05-01 10:00+00', 'view'), (1, '2024-05-01 10:01+00', 'cart'),
           (1, '2024-05-01 10:02+00', 'shipping_info'), (1, '2024-05-01 10:03+00', 'buy'),
           (2, '2024-05-01 11:00+00', 'view'), (2, '2024-05-01 11:01+00', 'cart'),
           (2, '2024-05-01 11:02+00', 'shipping_info'), (2, '2024-05-01 11:05+00', 'exit'),
           (3, '2024-05-01 12:00+00', 'view'), (3, '2024-05-01 12:01+00', 'cart'),
           (3, '2024-05-01 12:03+00', 'coupon_search'), (3, '2024-05-01 12:09+00', 'exit'),
           (4, '2024-05-01 13:00+00', 'view'), (4, '2024-05-01 13:05+00', 'exit')),
paths AS (
    SELECT u, cq.funnel_next_events(interval '1 hour', ts, e, 2, 2, e = 'view', e = 'cart', e = 'buy') AS path,
           cq.window_funnel(interval '1 hour', ts, e = 'view', e = 'cart', e = 'buy') AS stage
      FROM ev GROUP BY u)
SELECT path, count(*) AS users, count(*) FILTER (WHERE stage = 2) AS dropped_off_at_cart
  FROM paths WHERE path IS NOT NULL
 GROUP BY path ORDER BY users DESC, path;

-- optional steps and minimum gaps: landing (may be missing: ad blockers), signup, purchase;
-- a purchase counts only a minute or more after the signup
SELECT u, cq.funnel_stage(st, interval '1 day') AS plain,
       cq.funnel_stage_flexible(st, interval '1 day', ARRAY[1]) AS landing_optional,
       cq.funnel_stage_flexible(st, interval '1 day', ARRAY[1], ARRAY[interval '0', interval '1 minute']) AS with_gap
  FROM (SELECT u, cq.funnel_events(ts, e, 'landing', 'signup', 'purchase') AS st
          FROM (VALUES (1, timestamptz '2024-05-01 10:00+00', 'landing'), (1, '2024-05-01 10:02+00', 'signup'),
                       (1, '2024-05-01 10:30+00', 'purchase'),
                       (2, '2024-05-01 11:00+00', 'signup'), (2, '2024-05-01 11:20+00', 'purchase'),
                       (3, '2024-05-01 12:00+00', 'signup'), (3, '2024-05-01 12:00:05+00', 'purchase')) v(u, ts, e)
         GROUP BY u) s
 ORDER BY u;
