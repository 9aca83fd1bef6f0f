-- Daily states and their incremental refresh (README, "Daily states and incremental
-- refresh"): a small source worked by hand; the same figures as cq.breakdown and
-- cq.funnel_report computed directly; a generated source changed in every way a
-- warehouse changes (new days, late rows, rows that move a user's cohort or bucket,
-- updates, deletes, a TRUNCATE, a new funnel), after each change the incremental states
-- equal a full rebuild; the statistics against PostgreSQL's corr(); errors; privileges.
\pset null '(null)'
SET TimeZone = 'UTC';
SET client_min_messages = warning;

-- 1. By hand -------------------------------------------------------------------------
CREATE TABLE dy_ev (user_id int, event_time timestamptz, event_name text, value numeric,
                    event_id text, campaign text);
INSERT INTO dy_ev VALUES
 -- u1: spring click on Jan 1, sign-up 5 minutes later, buys 50 on Jan 3; the server sends
 -- the purchase again a minute later (same id: counted once)
 (1, '2025-01-01 10:00', 'ad_click', 0, 'a1', 'spring'), (1, '2025-01-01 10:05', 'signup', 0, 'a2', NULL),
 (1, '2025-01-03 09:00', 'purchase', 50, 'a3', NULL), (1, '2025-01-03 09:01', 'purchase', 50, 'a3', NULL),
 -- u2: winter click late on Jan 1, sign-up two hours later, never buys
 (2, '2025-01-01 23:00', 'ad_click', 0, 'b1', 'winter'), (2, '2025-01-02 01:00', 'signup', 0, 'b2', NULL),
 -- u3: a page view (no id), then a spring click on Jan 2; buys 80 after the 7-day horizon
 (3, '2025-01-02 12:00', 'page_view', 0, NULL, NULL), (3, '2025-01-02 12:30', 'ad_click', 0, 'c1', 'spring'),
 (3, '2025-02-20 12:00', 'purchase', 80, 'c2', NULL);
SELECT cq.register_source('dy', 'dy_ev', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', horizon => '7 days',
                          dimension_columns => '{campaign}');
SELECT cq.define_funnel('dy_click_signup_buy', 'dy', '{ad_click,signup,purchase}', '3 days');
SELECT cq.enable_daily_states('dy');
SELECT tgname ~ '^cq_daily_(insert|update|delete|truncate)_[0-9a-f]{16}$' AS named, tgenabled
  FROM pg_trigger WHERE tgrelid = 'dy_ev'::regclass ORDER BY tgname;
SELECT source_name, rebuilt, changed_days, cohort_days, rows_read FROM cq.refresh_daily('dy');
-- By hand: total (dimension NULL): cohort Jan 1 = u1 (50), u2 (0): 2 users, 1 converter;
-- cohort Jan 2 = u3 (first row Jan 2; the purchase is outside the horizon).
-- campaign: spring Jan 1 = u1; spring Jan 2 = u3; winter Jan 1 = u2.
SELECT dimension, bucket, day, users, converters, conversion_rate, revenue, revenue_per_user, complete
  FROM cq.cohort_days ORDER BY dimension NULLS FIRST, bucket, day;
-- rolled up: spring 2 users, 1 converter, 25 per user, sd of (50, 0) = 35.355...
SELECT dimension, bucket, first_day, last_day, users, converters, conversion_rate, revenue,
       revenue_per_user, round(revenue_sd::numeric, 6) AS revenue_sd
  FROM cq.cohort_quality ORDER BY dimension NULLS FIRST, bucket;
-- total: 3 users; signup by u1 and u2 (1.5 x the mean revenue of 16.67: 25 vs 0), page_view by
-- u3 only (lift 0), purchase by u1 (lift 3)
SELECT dimension, bucket, event_name, users, users_with_event, revenue_per_user_with_event,
       revenue_per_user_without_event, lift
  FROM cq.cohort_events ORDER BY dimension NULLS FIRST, bucket, event_name;
-- funnel, total: 3 clicks; sign-up by u1 after 5 min and u2 after 2 h (median 1:02:30 = 3750 s,
-- p90 5 min + 0.9 x 1:55 = 1:48:30 = 6510 s); purchase by u1 46:55 (168900 s) after the sign-up
SELECT funnel, dimension, bucket, step, step_name, users, conversion_from_previous,
       conversion_from_first, median_seconds_from_previous, p90_seconds_from_previous
  FROM cq.cohort_funnels ORDER BY dimension NULLS FIRST, bucket, step;
-- attribution, every model: u1's purchase (its copy left out) goes to spring, u1's click two
-- days before; u3's purchase has no click within the 7 days before it: unattributed
SELECT model, dimension, bucket, conversions, value, first_day, last_day
  FROM cq.cohort_attribution ORDER BY model, bucket NULLS LAST;
-- Nothing changed: nothing read
SELECT source_name, rebuilt, changed_days, cohort_days, rows_read FROM cq.refresh_daily('dy');
-- A late row for Dec 31 moves u3's first row, hence u3's total cohort, to Dec 31; the
-- campaign cohorts stay (u3's first click is still Jan 2)
INSERT INTO dy_ev VALUES (3, '2024-12-31 08:00', 'page_view', 0, 'c0', NULL);
SELECT source, day FROM cq_internal.daily_changes ORDER BY day;
SELECT source_name, rebuilt, changed_days, rows_read FROM cq.refresh_daily('dy');
SELECT dimension, bucket, day, users FROM cq.cohort_days ORDER BY dimension NULLS FIRST, bucket, day;
SELECT count(*) AS changes_left FROM cq_internal.daily_changes;

-- 2. The same figures computed directly ---------------------------------------------
-- cq.campaign_quality's source of sql/campaign.sql, kept daily with a 30-day horizon:
-- users, converters and revenue per user equal cq.breakdown's over the rows that are not
-- copies (the copy of u1's purchase has u1's event id within the horizon)
CREATE TABLE dy_cm (user_id int, event_time timestamptz, event_name text, creative text,
                    landing_page text, value numeric, event_id text);
INSERT INTO dy_cm VALUES
 (1, '2024-01-01 00:00', 'ad_click', 'A', '/a', 0, 'c1'), (1, '2024-01-03 00:00', 'purchase', NULL, NULL, 100, 'p1'),
 (1, '2024-01-03 00:05', 'purchase', NULL, NULL, 100, 'p1'),
 (2, '2024-01-01 00:00', 'ad_click', 'B', '/b', 0, 'c2'), (2, '2024-02-10 00:00', 'purchase', NULL, NULL, 50, 'p2'),
 (3, '2024-01-01 00:00', 'ad_click', 'A', '/b', 0, 'c3'), (3, '2024-01-02 00:00', 'purchase', NULL, NULL, 20, 'p3'),
 (4, '2024-01-01 00:00', 'page_view', NULL, NULL, 0, 'v4'), (4, '2024-01-02 00:00', 'purchase', NULL, NULL, 10, 'p4'),
 (5, '2024-01-01 00:00', 'ad_click', 'A', '/a', 0, 'c5');
SELECT cq.register_source('dy_cm', 'dy_cm', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', dimension_columns => '{creative,landing_page}');
SELECT cq.enable_daily_states('dy_cm');
SELECT source_name, rebuilt FROM cq.refresh_daily('dy_cm');
CREATE VIEW dy_cm_kept AS SELECT * FROM dy_cm WHERE NOT (event_id = 'p1' AND event_time = '2024-01-03 00:05');
SELECT q.dimension, q.bucket, q.users, q.converters, q.revenue_per_user,
       b.users = q.users AND b.converters = q.converters
       AND abs(b.revenue_per_user - q.revenue_per_user) < 1e-12 AS equals_breakdown
  FROM cq.cohort_quality q
  JOIN (SELECT 'creative' AS dimension, * FROM cq.breakdown('dy_cm_kept', 'creative', value_column => 'value')
        UNION ALL
        SELECT 'landing_page', * FROM cq.breakdown('dy_cm_kept', 'landing_page', value_column => 'value')) b
    ON b.dimension = q.dimension AND b.bucket IS NOT DISTINCT FROM q.bucket
 WHERE q.source = 'dy_cm' ORDER BY 1, 2;

-- 3. A generated source: incremental = full rebuild after every kind of change --------
SELECT setseed(0.25);
CREATE TABLE dy_gen (user_id bigint, event_time timestamptz, event_name text, value numeric,
                     event_id text, campaign text, creative text);
-- 1,500 users over 60 days: a click (campaign and creative on 90 % of them), then page
-- views, sign-ups and purchases within 20 days; 10 % of purchases sent twice (same id),
-- 5 % of page views without an id
INSERT INTO dy_gen
SELECT u.id, u.entry + (e.k * random() * 20) * interval '1 day', e.name,
       CASE WHEN e.name = 'purchase' THEN round((20 + random() * 180)::numeric, 2) ELSE 0 END,
       CASE WHEN e.name = 'page_view' AND random() < 0.05 THEN NULL ELSE 'e' || u.id || '-' || e.k END,
       NULL, NULL
  FROM (SELECT g AS id, timestamptz '2025-01-01' + random() * interval '60 days' AS entry,
               (g % 7) AS kind FROM generate_series(1, 1500) g) u,
       LATERAL (SELECT k, CASE WHEN k % 5 = 0 THEN 'purchase' WHEN k % 3 = 0 THEN 'signup'
                               ELSE 'page_view' END AS name
                  FROM generate_series(1, 1 + u.kind) k) e
 WHERE e.name <> 'purchase' OR u.kind > 3 OR random() < 0.3;
INSERT INTO dy_gen
SELECT user_id, min(event_time) - interval '1 minute', 'ad_click', 0, 'c' || user_id,
       CASE WHEN random() < 0.9 THEN (ARRAY['spring', 'summer', 'autumn'])[1 + (user_id % 3)] END,
       CASE WHEN random() < 0.9 THEN 'cr' || (user_id % 5) END
  FROM dy_gen GROUP BY user_id;
INSERT INTO dy_gen SELECT user_id, event_time + interval '1 minute', event_name, value, event_id, NULL, NULL
  FROM dy_gen WHERE event_name = 'purchase' AND random() < 0.1;
CREATE INDEX ON dy_gen (event_time);
CREATE INDEX ON dy_gen (user_id);
SELECT cq.register_source('dy_gen', 'dy_gen', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', horizon => '10 days',
                          dimension_columns => '{campaign,creative}');
SELECT cq.define_funnel('dy_gen_funnel', 'dy_gen', '{ad_click,signup,purchase}', '5 days');
SELECT cq.enable_daily_states('dy_gen');
SELECT source_name, rebuilt FROM cq.refresh_daily('dy_gen');

-- Everything stored, as comparable text (signal states through their exact counts and
-- their moments to 9 digits: the order rows are summed in may differ)
CREATE FUNCTION dy_snapshot() RETURNS SETOF text LANGUAGE sql AS $$
SELECT format('assign %s %s %s %s %s %s %s', dimension, u, first_t, a, bucket, day, source)
  FROM cq_internal.daily_assignments WHERE source = 'dy_gen'
UNION ALL
SELECT format('state %s %s %s %s %s %s %s %s %s', dimension, day, bucket, users, converters, revenue,
              revenue_sq, cq.signal_n(base), round(cq.signal_mean(base, false)::numeric, 9))
  FROM cq_internal.daily_states WHERE source = 'dy_gen'
UNION ALL
SELECT format('event %s %s %s %s %s %s %s %s', dimension, day, bucket, event_name, cq.signal_n(signal),
              cq.signal_n_event(signal), round(cq.signal_mean(signal, true)::numeric, 9),
              round(cq.signal_mean(signal, false)::numeric, 9))
  FROM cq_internal.daily_event_states WHERE source = 'dy_gen'
UNION ALL
SELECT format('funnel %s %s %s %s %s', dimension, day, bucket, funnel, report)
  FROM cq_internal.daily_funnel_states WHERE source = 'dy_gen'
UNION ALL
SELECT format('attribution %s %s %s %s', dimension, day, model, credits)
  FROM cq_internal.daily_attribution_states WHERE source = 'dy_gen'
$$;
-- After an incremental refresh: rebuild, and count what differs
CREATE FUNCTION dy_check(OUT rebuilt boolean, OUT cohort_days integer, OUT stored bigint,
                         OUT only_incremental bigint, OUT only_rebuilt bigint)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.rebuilt, r.cohort_days INTO rebuilt, cohort_days FROM cq.refresh_daily('dy_gen') r;
    CREATE TEMP TABLE dy_inc AS SELECT * FROM dy_snapshot() x;
    PERFORM cq.refresh_daily('dy_gen', full_rebuild => true);
    SELECT count(*) INTO stored FROM dy_inc;
    SELECT count(*) INTO only_incremental FROM (SELECT * FROM dy_inc EXCEPT ALL SELECT * FROM dy_snapshot()) x;
    SELECT count(*) INTO only_rebuilt FROM (SELECT * FROM dy_snapshot() EXCEPT ALL SELECT * FROM dy_inc) x;
    DROP TABLE dy_inc;
END
$$;
-- a. a new day: new users and later rows of known users
INSERT INTO dy_gen
SELECT 100000 + g, timestamptz '2025-03-02 08:00' + g * interval '1 minute', 'ad_click', 0, 'n' || g,
       'summer', 'cr9' FROM generate_series(1, 40) g
UNION ALL
SELECT user_id, timestamptz '2025-03-02 12:00', 'purchase', 99, 'late-buy-' || user_id, NULL, NULL
  FROM (SELECT DISTINCT user_id FROM dy_gen WHERE event_time >= '2025-02-24' AND user_id < 100000) x;
SELECT * FROM dy_check();
-- b. late rows for past days: rows earlier than users' first rows (their cohorts move),
-- earlier clicks of another campaign (their buckets move), and clicks the day before
-- purchases (the purchases' credit moves, on days that did not change)
INSERT INTO dy_gen
SELECT user_id, min(event_time) - interval '1 day', 'ad_click', 0, 'pre-' || user_id, 'autumn2', 'cr8'
  FROM dy_gen WHERE event_name = 'purchase' AND user_id % 10 = 4 GROUP BY user_id;
INSERT INTO dy_gen
SELECT user_id, min(event_time) - interval '3 days', 'page_view', 0, NULL, NULL, NULL
  FROM dy_gen WHERE user_id % 50 = 1 GROUP BY user_id
UNION ALL
SELECT user_id, min(event_time) - interval '2 hours', 'ad_click', 0, 'early-' || user_id, 'winter', 'cr7'
  FROM dy_gen WHERE user_id % 50 = 2 GROUP BY user_id;
SELECT * FROM dy_check();
-- c. updates: campaigns renamed on some clicks, times moved across days
UPDATE dy_gen SET campaign = 'spring2' WHERE campaign = 'spring' AND user_id % 4 = 0;
UPDATE dy_gen SET event_time = event_time + interval '26 hours' WHERE user_id % 40 = 3;
SELECT * FROM dy_check();
-- d. deletes: users' first rows (the users are read again whole), and every row of others
DELETE FROM dy_gen d USING (SELECT user_id, min(event_time) AS t FROM dy_gen GROUP BY user_id) f
 WHERE d.user_id = f.user_id AND d.event_time = f.t AND d.user_id % 30 = 5;
DELETE FROM dy_gen WHERE user_id % 30 = 6;
SELECT * FROM dy_check();
-- e. a duplicate with the same id inside a user's horizon: counted once
INSERT INTO dy_gen SELECT user_id, event_time + interval '5 minutes', event_name, value, event_id, NULL, NULL
  FROM dy_gen WHERE event_name = 'purchase' AND user_id % 20 = 7;
SELECT * FROM dy_check();
-- f. TRUNCATE and a reload of part of it: a rebuild (day infinity in the log)
CREATE TEMP TABLE dy_keep AS SELECT * FROM dy_gen WHERE user_id % 3 <> 0;
TRUNCATE dy_gen;
SELECT count(*) FILTER (WHERE day = 'infinity') AS truncated FROM cq_internal.daily_changes WHERE source = 'dy_gen';
INSERT INTO dy_gen SELECT * FROM dy_keep;
SELECT * FROM dy_check();
-- g. a new funnel of the source: its states are built (a rebuild)
SELECT cq.define_funnel('dy_gen_signup', 'dy_gen', '{signup,purchase}', '2 days', 'strict_order');
SELECT * FROM dy_check();
SELECT count(DISTINCT funnel) AS funnels_stored FROM cq_internal.daily_funnel_states WHERE source = 'dy_gen';

-- 4. Against direct computations: each user's rows within the horizon of their
-- assignment, by plain SQL over the whole table
CREATE VIEW dy_direct AS
WITH r AS (SELECT user_id::text AS u, event_time AS t, event_name AS ev, value::float8 AS v,
                  cq.dedup_key(event_name, event_id) AS k, campaign FROM dy_gen),
a AS (SELECT r.u, min(r.t) AS first_t,
             (array_agg(r.t ORDER BY r.t, r.campaign COLLATE "C") FILTER (WHERE r.campaign IS NOT NULL))[1] AS at,
             (array_agg(r.campaign ORDER BY r.t, r.campaign COLLATE "C") FILTER (WHERE r.campaign IS NOT NULL))[1] AS bucket
        FROM r GROUP BY r.u),
w AS (SELECT a.u, a.bucket, r.t, r.ev, r.v, r.k,
             row_number() OVER (PARTITION BY a.u, r.k ORDER BY r.t, r.v) AS nth
        FROM a JOIN r ON r.u = a.u
       WHERE r.t BETWEEN coalesce(a.at, a.first_t) AND coalesce(a.at, a.first_t) + interval '10 days')
SELECT u, bucket, t, ev, v FROM w WHERE k IS NULL OR nth = 1;
-- users, converters and revenue per campaign
SELECT count(*) AS buckets,
       count(*) FILTER (WHERE q.users = d.users AND q.converters = d.converters AND q.revenue = d.revenue)
           AS equal
  FROM cq.cohort_quality q
  FULL JOIN (SELECT bucket, count(*) AS users, count(*) FILTER (WHERE rev > 0) AS converters,
                    sum(rev)::numeric AS revenue
               FROM (SELECT u, bucket, sum(v) AS rev FROM dy_direct GROUP BY u, bucket) x
              GROUP BY bucket) d ON d.bucket IS NOT DISTINCT FROM q.bucket
 WHERE q.source = 'dy_gen' AND q.dimension = 'campaign';
-- the signal of each event per campaign against PostgreSQL's corr() of (did the event, revenue)
SELECT count(*) AS pairs, count(*) FILTER (WHERE abs(e.correlation - d.r) < 1e-9) AS equal_within_1e_9,
       count(*) FILTER (WHERE e.users_with_event = d.n1) AS equal_counts
  FROM cq.cohort_events e
  JOIN (SELECT p.bucket, n.ev, corr(coalesce(did.x, 0), p.rev) AS r, count(did.x) AS n1
          FROM (SELECT u, bucket, sum(v) AS rev FROM dy_direct GROUP BY u, bucket) p
         CROSS JOIN (SELECT DISTINCT ev FROM dy_direct) n
          LEFT JOIN (SELECT DISTINCT u, ev, 1 AS x FROM dy_direct) did ON did.u = p.u AND did.ev = n.ev
         GROUP BY p.bucket, n.ev) d
    ON d.bucket IS NOT DISTINCT FROM e.bucket AND d.ev = e.event_name
 WHERE e.source = 'dy_gen' AND e.dimension = 'campaign' AND d.r IS NOT NULL;
-- the funnel per campaign against cq.funnel_report over the users' states
SELECT count(*) AS steps, count(*) FILTER (WHERE row(f.users, f.conversion_from_previous,
                                                       f.median_seconds_from_previous, f.p90_seconds_from_previous)
                                                IS NOT DISTINCT FROM row(d.users, d.conversion_from_previous,
                                                   extract(epoch FROM d.median_from_previous)::float8,
                                                   extract(epoch FROM d.p90_from_previous)::float8)) AS equal
  FROM cq.cohort_funnels f
  JOIN (SELECT q.bucket, r.*
          FROM (SELECT bucket, cq.funnel_report(st, interval '5 days') AS rep
                  FROM (SELECT u, bucket, cq.funnel_events(t, ev, 'ad_click', 'signup', 'purchase') AS st
                          FROM dy_direct WHERE ev IN ('ad_click', 'signup', 'purchase')
                         GROUP BY u, bucket) s GROUP BY bucket) q, unnest(q.rep) r) d
    ON d.bucket IS NOT DISTINCT FROM f.bucket AND d.step = f.step
 WHERE f.source = 'dy_gen' AND f.funnel = 'dy_gen_funnel' AND f.dimension = 'campaign';

-- attribution per campaign against cq.attribute over the same touches (rows with a
-- campaign) and conversions (a value above zero; not a copy: no earlier row of the user's
-- event name and id from 10 days before the conversion's day on), every model
CREATE VIEW dy_touches AS
SELECT user_id, event_time, campaign AS channel, NULL::numeric AS value FROM dy_gen WHERE campaign IS NOT NULL;
CREATE VIEW dy_conversions AS
SELECT user_id, event_time, NULL::text AS channel, value
  FROM (SELECT *, cq.dedup_key(event_name, event_id) AS k,
               lag(event_time) OVER (PARTITION BY user_id, cq.dedup_key(event_name, event_id)
                                     ORDER BY event_time, value::float8) AS prev
          FROM dy_gen) x
 WHERE value > 0 AND (k IS NULL OR prev IS NULL
                      OR prev < date_trunc('day', event_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '10 days');
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE abs(d.conversions - a.conversions) < 1e-9 AND abs(d.value - a.value) < 1e-6) AS equal
  FROM (SELECT * FROM cq.cohort_attribution WHERE source = 'dy_gen' AND dimension = 'campaign') d
  FULL JOIN (SELECT m.model, x.*
               FROM unnest(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based',
                                 'time_decay']) m(model),
                    cq.attribute('dy_touches', 'dy_conversions', m.model, '10 days', '7 days',
                                 value_column => 'value') x) a
    ON a.model = d.model AND a.channel IS NOT DISTINCT FROM d.bucket;

-- 5. cq.funnel_report_rollup: days merged = one report; a user's state is refused
SELECT (SELECT cq.funnel_report_rollup(report) FROM cq_internal.daily_funnel_states
         WHERE source = 'dy' AND dimension = '')
       = (SELECT cq.funnel_report(st, interval '3 days')
            FROM (SELECT cq.funnel_events(event_time, event_name, 'ad_click', 'signup', 'purchase') AS st
                    FROM dy_ev WHERE event_name IN ('ad_click', 'signup', 'purchase')
                     AND NOT (event_id = 'a3' AND event_time = '2025-01-03 09:01')
                     AND event_time < '2025-01-10' GROUP BY user_id) s) AS rollup_equals_report;
\set VERBOSITY default
SELECT cq.funnel_report_rollup(st)
  FROM (SELECT cq.funnel_events(event_time, event_name, 'ad_click', 'signup') AS st FROM dy_ev GROUP BY user_id) s;
SELECT cq.funnel_report_rollup(NULL::cq.funnel_state) IS NULL AS no_state_no_report;

-- 6. What a warehouse does besides inserting
-- a load still open while a refresh runs: the refresh takes the day without it, and the
-- day its rows log is left for the next refresh (another session, through dblink)
CREATE TABLE dy_open (user_id int, event_time timestamptz, event_name text, value numeric, event_id text);
INSERT INTO dy_open VALUES (1, '2025-01-10 11:00', 'visit', 0, 'v1');
SELECT cq.register_source('dy_open', 'dy_open', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', horizon => '7 days');
SELECT cq.enable_daily_states('dy_open');
SELECT rebuilt FROM cq.refresh_daily('dy_open');
INSERT INTO dy_open VALUES (2, '2025-01-10 11:30', 'visit', 0, 'v2');
CREATE EXTENSION dblink;
SELECT dblink_connect('dy_other', format('dbname=%s host=%s port=%s', current_database(),
                                         split_part(current_setting('unix_socket_directories'), ',', 1),
                                         current_setting('port')));
SELECT dblink_exec('dy_other', 'BEGIN');
SELECT dblink_exec('dy_other', $$INSERT INTO dy_open VALUES (1, '2025-01-10 12:00', 'purchase', 100, 'p1')$$);
SELECT rebuilt, changed_days FROM cq.refresh_daily('dy_open');
SELECT dblink_exec('dy_other', 'COMMIT');
SELECT dblink_disconnect('dy_other');
DROP EXTENSION dblink;
SELECT rebuilt, changed_days FROM cq.refresh_daily('dy_open');
SELECT users, converters, revenue FROM cq.cohort_quality WHERE source = 'dy_open' AND dimension IS NULL;
-- a horizon of a month and a day: a purchase on Mar 1 is within the horizon of a Jan 29
-- visit (Jan 29 23:00 + 1 month = Feb 28 23:00, + 1 day = Mar 1 23:00)
CREATE TABLE dy_mh (user_id int, event_time timestamptz, event_name text, value numeric);
SELECT cq.register_source('dy_mh', 'dy_mh', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          horizon => '1 mon 1 day');
SELECT cq.enable_daily_states('dy_mh');
INSERT INTO dy_mh VALUES (1, '2023-01-29 23:00', 'visit', 0);
SELECT rebuilt FROM cq.refresh_daily('dy_mh');
INSERT INTO dy_mh VALUES (1, '2023-03-01 00:30', 'purchase', 100);
-- (in a session whose interval and date styles differ: the same settings, no rebuild)
SET IntervalStyle = 'iso_8601';
SET DateStyle = 'German';
SELECT rebuilt, changed_days FROM cq.refresh_daily('dy_mh');
RESET IntervalStyle;
RESET DateStyle;
SELECT day, users, converters, revenue FROM cq.cohort_days WHERE source = 'dy_mh';
-- days no trigger writes (a role may insert any row into the log) are dropped
INSERT INTO cq_internal.daily_changes VALUES ('dy_mh', '-infinity'), ('dy_mh', '5000000-01-01');
SELECT rebuilt, changed_days, rows_read FROM cq.refresh_daily('dy_mh');
-- a disabled trigger would hide changes: refused until enabled again
ALTER TABLE dy_mh DISABLE TRIGGER USER;
SELECT * FROM cq.refresh_daily('dy_mh');
ALTER TABLE dy_mh ENABLE TRIGGER USER;
-- the time column renamed: writes go on, the refresh asks for the source to be registered again
ALTER TABLE dy_mh RENAME COLUMN event_time TO ts;
INSERT INTO dy_mh VALUES (2, '2023-01-30 10:00', 'visit', 0);
SELECT day FROM cq_internal.daily_changes WHERE source = 'dy_mh';
SELECT * FROM cq.refresh_daily('dy_mh');
SELECT cq.register_source('dy_mh', 'dy_mh', 'user_id', 'ts', 'event_name', value_column => 'value',
                          horizon => '1 mon 1 day');
SELECT * FROM cq.refresh_daily('dy_mh');
SELECT cq.enable_daily_states('dy_mh');
SELECT rebuilt FROM cq.refresh_daily('dy_mh');
SELECT sum(users) AS users FROM cq.cohort_days WHERE source = 'dy_mh' AND dimension IS NULL;
-- the owner of a table with forced row-level security keeps its daily states too
CREATE ROLE regress_cq_daily_owner;
CREATE TABLE dy_rls (user_id int, event_time timestamptz, event_name text, value numeric);
ALTER TABLE dy_rls OWNER TO regress_cq_daily_owner;
ALTER TABLE dy_rls ENABLE ROW LEVEL SECURITY;
ALTER TABLE dy_rls FORCE ROW LEVEL SECURITY;
CREATE POLICY everything ON dy_rls USING (true);
SET ROLE regress_cq_daily_owner;
SELECT cq.register_source('dy_rls', 'dy_rls', 'user_id', 'event_time', 'event_name', value_column => 'value');
SELECT cq.enable_daily_states('dy_rls');
SELECT rebuilt FROM cq.refresh_daily('dy_rls');
INSERT INTO dy_rls VALUES (1, '2025-01-01 10:00', 'purchase', 20);
SELECT rebuilt, changed_days FROM cq.refresh_daily('dy_rls');
-- (the states are written; the views hide them, as every report view hides the reports of a
-- table whose row-level security applies to the reader)
SELECT users, revenue FROM cq_internal.daily_states WHERE source = 'dy_rls' AND dimension = '';
SELECT count(*) AS view_rows FROM cq.cohort_quality WHERE source = 'dy_rls';
SELECT cq.unregister_source('dy_rls');
RESET ROLE;
DROP TABLE dy_rls;
DROP ROLE regress_cq_daily_owner;
-- a partitioned table: writes to a partition would not pass its triggers
CREATE TABLE dy_part (user_id int, event_time timestamptz, event_name text, value numeric)
    PARTITION BY RANGE (event_time);
SELECT cq.register_source('dy_part', 'dy_part', 'user_id', 'event_time', 'event_name', value_column => 'value');
SELECT cq.enable_daily_states('dy_part');

-- 7. Errors and privileges
SELECT cq.register_source('dy_novalue', 'dy_ev', 'user_id', 'event_time', 'event_name');
SELECT cq.enable_daily_states('dy_novalue');
CREATE VIEW dy_view AS SELECT * FROM dy_ev;
SELECT cq.register_source('dy_view', 'dy_view', 'user_id', 'event_time', 'event_name', value_column => 'value');
SELECT cq.enable_daily_states('dy_view');
SELECT cq.enable_daily_states('no_such_source');
SELECT * FROM cq.refresh_daily('dy_novalue');
-- registered again on another table: the triggers are on the first one
CREATE TABLE dy_cm2 AS SELECT * FROM dy_cm;
SELECT cq.register_source('dy_cm', 'dy_cm2', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', dimension_columns => '{creative,landing_page}');
SELECT * FROM cq.refresh_daily('dy_cm');
SELECT cq.enable_daily_states('dy_cm');
SELECT source_name, rebuilt FROM cq.refresh_daily('dy_cm');
SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'dy_cm'::regclass) AS triggers_on_old,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'dy_cm2'::regclass) AS triggers_on_new;
CREATE ROLE regress_cq_daily;
SET ROLE regress_cq_daily;
SELECT (SELECT count(*) FROM cq.cohort_days) AS days_seen, (SELECT count(*) FROM cq.cohort_events) AS events_seen,
       (SELECT count(*) FROM cq.cohort_funnels) AS funnel_rows_seen,
       (SELECT count(*) FROM cq_internal.daily_assignments) AS assignments_seen;
SELECT cq.refresh_daily('dy');
SELECT cq.disable_daily_states('dy');
-- refreshing every source: none this role may manage, so none
SELECT count(*) AS refreshed FROM cq.refresh_daily();
-- a role that changes the table only logs days (it may insert into the log, not read it)
RESET ROLE;
GRANT INSERT ON dy_ev TO regress_cq_daily;
SET ROLE regress_cq_daily;
INSERT INTO dy_ev VALUES (9, '2025-01-05 10:00', 'ad_click', 0, 'z1', 'spring');
SELECT count(*) AS log_rows_seen FROM cq_internal.daily_changes;
RESET ROLE;
SELECT day FROM cq_internal.daily_changes WHERE source = 'dy';
REVOKE ALL ON dy_ev FROM regress_cq_daily;
DROP ROLE regress_cq_daily;
-- disable: triggers and states gone, the table untouched
SELECT cq.disable_daily_states('dy');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'dy_ev'::regclass;
SELECT count(*) AS states_left FROM cq_internal.daily_states WHERE source = 'dy';
SELECT count(*) AS rows_kept FROM dy_ev;
-- unregistering a source drops its daily states too
SELECT cq.unregister_source('dy_gen');
SELECT (SELECT count(*) FROM cq_internal.daily_assignments WHERE source = 'dy_gen') AS gen_states_left,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'dy_gen'::regclass) AS gen_triggers_left;
