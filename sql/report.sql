-- Registered sources, funnels, cq.refresh and the report views (README, "For BI tools and
-- DBAs").  A small event table whose every report figure is worked out by hand in the
-- comments; the signal columns against a direct cq.rank_events call; who may see and do what
-- (three roles); a failed refresh keeps the previous report; clean errors.
-- Concurrency, a real BI client library, pg_cron, pg_dump: test/check_report_client.py and
-- test/t/010_dump_restore.pl, test/t/040_cron.pl.
\pset null '(null)'
SET extra_float_digits = 0;
SET client_min_messages = warning;     -- refresh progress NOTICEs carry elapsed times
SET TimeZone = 'UTC';
SET DateStyle = ISO;
\set SHOW_CONTEXT never

CREATE ROLE regress_cq_owner;
CREATE ROLE regress_cq_reader;
CREATE ROLE regress_cq_stranger;
CREATE SCHEMA shop AUTHORIZATION regress_cq_owner;
GRANT USAGE ON SCHEMA shop TO regress_cq_reader;

SET ROLE regress_cq_owner;
CREATE TABLE shop.events (user_id int, ts timestamptz, name text, revenue numeric,
                          eid text, channel text, arrived timestamptz);
-- u1: visit; cart from the pixel and its server copy 2 minutes later; a purchase that
--     arrives 3 days late
-- u2: visit without id, cart with a blank id
-- u3: a visit stamped 14 hours after it arrived (a clock in the future); a purchase from
--     the server and its pixel copy a minute later
INSERT INTO shop.events VALUES
  (1, '2024-01-01 10:00', 'visit',    0,  'v1', 'pixel',  '2024-01-01 10:01'),
  (1, '2024-01-01 11:00', 'cart',     0,  'c1', 'pixel',  '2024-01-01 11:01'),
  (1, '2024-01-01 11:02', 'cart',     0,  'c1', 'server', '2024-01-01 11:03'),
  (1, '2024-01-03 09:00', 'purchase', 50, 'p1', 'server', '2024-01-06 09:00'),
  (2, '2024-01-01 12:00', 'visit',    0,  NULL, 'pixel',  '2024-01-01 12:01'),
  (2, '2024-01-02 00:00', 'cart',     0,  '',   'pixel',  '2024-01-02 00:01'),
  (3, '2024-01-02 10:00', 'visit',    0,  'v3', 'pixel',  '2024-01-01 20:00'),
  (3, '2024-01-02 13:00', 'purchase', 30, 'p3', 'server', '2024-01-02 13:01'),
  (3, '2024-01-02 13:01', 'purchase', 30, 'p3', 'pixel',  '2024-01-02 13:02'),
  (NULL, '2024-01-02 13:01', 'visit', 0,  'x',  'pixel',  '2024-01-02 13:02');  -- no user: ignored
GRANT SELECT ON shop.events TO regress_cq_reader;

-- 1. Registration, by the owner of the table
SELECT cq.register_source('shop', 'shop.events', 'user_id', 'ts', 'name', value_column => 'revenue',
                          event_id_column => 'eid', source_column => 'channel',
                          received_at_column => 'arrived');
SELECT name, relation_schema, relation_name, user_column, time_column, event_column, value_column,
       event_id_column, source_column, received_at_column, entry_events, horizon, within, registered_by
  FROM cq.event_sources;
-- re-registering a name updates it
SELECT cq.register_source('shop', 'shop.events', 'user_id', 'ts', 'name', value_column => 'revenue',
                          event_id_column => 'eid', source_column => 'channel',
                          received_at_column => 'arrived', entry_events => '{visit}', horizon => '10 days',
                          within => '1 day');
SELECT name, entry_events, horizon, within, count(*) OVER () AS sources FROM cq.event_sources;
SELECT cq.define_funnel('checkout', 'shop', '{visit,cart,purchase}', '2 days');

-- every column is checked, the error names it, the relation and what was expected
SELECT cq.register_source('bad', 'shop.events', 'user_id', 'tss', 'name');
SELECT cq.register_source('bad', 'shop.events', 'user_id', 'name', 'name');
SELECT cq.register_source('bad', 'shop.events', 'user_id', 'ts', 'name', value_column => 'channel');
SELECT cq.register_source('bad', 'shop.events', 'user_id', 'ts', 'name', received_at_column => 'revenue');
SELECT cq.register_source('bad', 'shop.events', NULL, 'ts', 'name');
SELECT cq.register_source(' ', 'shop.events', 'user_id', 'ts', 'name');
SELECT cq.register_source('bad', 'shop.events', 'user_id', 'ts', 'name', horizon => '0 days');
SELECT cq.register_source('bad', 'pg_catalog.pg_class_oid_index', 'user_id', 'ts', 'name');
SELECT cq.define_funnel('f', 'nope', '{visit}', '1 day');
SELECT cq.define_funnel('f', 'shop', '{visit,NULL}', '1 day');
SELECT cq.define_funnel('f', 'shop', '{visit}', '-1 day');
SELECT cq.define_funnel('f', 'shop', '{visit}', '1 day', 'strict_nonsense');
SELECT cq.drop_funnel('nope');
SELECT cq.unregister_source('nope');
SELECT * FROM cq.refresh('nope');

-- 2. Refresh
SELECT source_name, rows_read, event_quality_rows, funnel_report_rows, tracking_health_rows
  FROM cq.refresh('shop');
-- By hand.  Rows: visit 3, cart 3, purchase 3 (the row without a user is not read).
-- Copies (same name and id within 48 hours of the kept row, in time order): the server cart
-- of u1 and the pixel purchase of u3; deduplicated: 3, 2, 2; duplicate rate 0, 1/3, 1/3.
-- Missing ids: u2's visit (NULL) and cart (blank): 1/3, 1/3, 0.
SELECT event_name, rows, users, deduplicated_events, round(duplicate_rate::numeric, 4) AS dup,
       round(missing_id_rate::numeric, 4) AS missing_id, is_revenue_event, recommended
  FROM cq.event_quality ORDER BY event_name;
-- Per UTC day and event.  Jan 1: visits of u1 and u2 (u2's without id), u1's cart and its
-- server copy (2 rows, 1 event, pixel and server).  Jan 2: u2's cart (blank id), u3's visit
-- (stamped 14 h after it arrived: future), u3's purchase and its copy.  Jan 3: u1's purchase,
-- 3 days late (late, not stale: stale is past 7 days).
SELECT day, event_name, rows, events, users, round(duplicate_rate::numeric, 4) AS dup,
       round(missing_id_rate::numeric, 4) AS missing_id, future_events, late_events, stale_events,
       channels
  FROM cq.tracking_health ORDER BY day, event_name;
-- Coverage of the deduplicated events by channel: Jan 1 cart and Jan 2 purchase were sent by
-- both; the visits and u2's cart by the pixel only; u1's purchase by the server only.  Lags
-- (arrival - stamp): 60 s everywhere except u3's visit (-14 h) and u1's purchase (3 days); the
-- Jan 1 cart's rows lag 60 s each; Jan 2 visit -50400 s.  No reused ids, no bursts (the
-- rows a second apart are copies).
SELECT day, event_name, server_share, browser_share, both_share, reused_ids, burst_events,
       median_lag_seconds, p95_lag_seconds
  FROM cq.tracking_health ORDER BY day, event_name;
-- Funnel visit -> cart -> purchase within 2 days, copies left out: u1 all three (cart 1 h
-- after the visit, purchase 46 h after the cart), u2 two (cart 12 h after), u3 one.
-- Step 2: median of 3600 and 43200 s = 23400, p90 = 3600 + 0.9 * 39600 = 39240.
SELECT funnel, source, step, step_name, users, round(conversion_from_previous::numeric, 4) AS prev,
       round(conversion_from_first::numeric, 4) AS first, median_seconds_from_previous AS median_s,
       p90_seconds_from_previous AS p90_s
  FROM cq.funnel_report ORDER BY step;
-- every row carries the refresh time: the start of the refreshing transaction
SELECT count(DISTINCT refreshed_at) AS refreshes FROM
  (SELECT refreshed_at FROM cq.event_quality UNION ALL SELECT refreshed_at FROM cq.funnel_report
   UNION ALL SELECT refreshed_at FROM cq.tracking_health) r;

-- The signal columns are those of cq.rank_events over the same source (entry visit, within
-- 1 day, horizon 10 days, observed until the latest arrival, Jan 6 09:00)
SELECT q.event_name, q.verdict, q.rank, q.users_with_event,
       q.verdict IS NOT DISTINCT FROM k.verdict AND q.rank IS NOT DISTINCT FROM k.rank
       AND q.users_with_event IS NOT DISTINCT FROM k.users_with_event
       AND q.weekly_volume IS NOT DISTINCT FROM k.weekly_volume AS same
  FROM cq.event_quality q
  JOIN cq.rank_events('shop.events', '10 days', 'user_id', 'ts', 'name', 'revenue',
                      observed_until => '2024-01-06 09:00', entry_events => '{visit}',
                      within => '1 day', event_id_column => 'eid') k
    ON k.event_name = q.event_name
 ORDER BY q.rank;
RESET ROLE;

-- ... and on a log with a real signal, the planted example (seed 0.42)
\set seed 0.42
\i test/data/planted.sql
SELECT cq.register_source('planted', 'planted', 'user_id', 'event_time', 'event_name', 'revenue');
SELECT source_name, rows_read, event_quality_rows FROM cq.refresh('planted');
SELECT count(*) AS rows,
       count(*) FILTER (WHERE q.correlation IS NOT DISTINCT FROM k.correlation
                          AND q.q_value IS NOT DISTINCT FROM k.q_value
                          AND q.verdict = k.verdict AND q.rank = k.rank
                          AND q.recommended = k.recommended
                          AND q.median_event_latency_hours IS NOT DISTINCT FROM
                              extract(epoch FROM k.median_event_latency)::float8 / 3600) AS same,
       string_agg(q.event_name, ',') FILTER (WHERE q.recommended) AS recommended
  FROM cq.event_quality q
  JOIN cq.rank_events('planted', '30 days', value_column => 'revenue') k
    ON k.event_name = q.event_name
 WHERE q.source = 'planted';
-- without a value column: volumes only, no signal
SELECT cq.register_source('planted', 'planted', 'user_id', 'event_time', 'event_name');
SELECT source_name, event_quality_rows FROM cq.refresh('planted');
SELECT event_name, rows, deduplicated_events, round(weekly_volume::numeric, 1) AS weekly, verdict,
       recommended, duplicate_rate
  FROM cq.event_quality WHERE source = 'planted' ORDER BY event_name;
SELECT cq.unregister_source('planted');
DROP TABLE planted;

-- Reused ids, bursts and orphans, by hand: user 1 views three times, 3 s then 17 s apart (one
-- burst), then buys; id 'same' is given to two users, id 'x' to two values, id 'late' to two
-- purchases 3 days apart (each reused, counted on the day it was first seen).
CREATE TABLE bursty (u int, t timestamptz, e text, id text, v numeric);
INSERT INTO bursty VALUES
  (1, '2024-05-01 10:00:00', 'view', 'a1', 0), (1, '2024-05-01 10:00:03', 'view', 'a2', 0),
  (1, '2024-05-01 10:00:20', 'view', 'a3', 0), (2, '2024-05-01 10:00', 'buy', 'same', 5),
  (3, '2024-05-01 11:00', 'buy', 'same', 5), (4, '2024-05-01 12:00', 'buy', 'x', 10),
  (4, '2024-05-01 12:30', 'buy', 'x', 20), (5, '2024-05-01 09:00', 'buy', 'late', 7),
  (5, '2024-05-04 09:00', 'buy', 'late', 7), (1, '2024-05-01 10:05', 'buy', 'b1', 3);
SELECT cq.register_source('bursty', 'bursty', 'u', 't', 'e', 'v', 'id');
-- a funnel view -> buy within a day: user 1's buy follows its views; the buys of users 2-5
-- follow no view: orphans (3 on May 1, 1 on May 4); views end no funnel (NULL)
SELECT cq.define_funnel('bursty_f', 'bursty', '{view,buy}', '1 day');
SELECT source_name, tracking_health_rows FROM cq.refresh('bursty');
SELECT day, event_name, rows, events, reused_ids, burst_events, orphan_events, server_share
  FROM cq.tracking_health WHERE source = 'bursty' ORDER BY day, event_name;
SELECT cq.unregister_source('bursty');
DROP TABLE bursty;

-- Match quality, by hand.  Three lead events: 'a' (a pixel copy with an email, an IP and an
-- fbp; a server copy adding a phone), 'b' (an email that is not one, a French national phone
-- number, a 999 IP, a malformed fbp), 'c' (a blank email, an IPv6 address); one view without
-- customer information.  Shares over the 3 lead events: email present 2/3, usable 1/3; phone
-- 2/3 and 2/3 (read in FR); ip 3/3 and 2/3; fbp 2/3 and 1/3.  Score = 3 x 1/3 + 2.5 x 2/3 +
-- 0.375 x 2/3 + 0.75 x 1/3 = 3.1667; the view scores 0.
CREATE TABLE matchy (u int, t timestamptz, e text, eid text, ch text, email text, phone text,
                     ip text, fbp text);
INSERT INTO matchy VALUES
  (1, '2024-06-01 10:00', 'lead', 'a', 'pixel', 'Jane@Example.com', NULL, '192.168.0.1',
   'fb.1.1596403881668.1116446470'),
  (1, '2024-06-01 10:01', 'lead', 'a', 'server', NULL, '+33 1 42 68 53 00', NULL, NULL),
  (2, '2024-06-01 11:00', 'lead', 'b', 'pixel', 'not an email', '01 42 68 53 00', '999.1.1.1', 'fb.1.123'),
  (3, '2024-06-01 12:00', 'lead', 'c', 'server', '  ', NULL, '2001:db8::1', NULL),
  (4, '2024-06-01 13:00', 'view', 'd', 'pixel', NULL, NULL, NULL, NULL);
SELECT cq.register_source('matchy', 'matchy', 'u', 't', 'e', event_id_column => 'eid',
                          source_column => 'ch',
                          customer_columns => '{"email": "email", "phone": "phone", "ip": "ip",
                                                "fbp": "fbp", "phone_region": "FR"}');
SELECT source_name, event_quality_rows FROM cq.refresh('matchy');
SELECT event_name, identifier, events, round(present_share::numeric, 4) AS present,
       round(valid_share::numeric, 4) AS usable, weight
  FROM cq.match_quality ORDER BY event_name, identifier;
SELECT event_name, round(match_score::numeric, 4) AS match_score FROM cq.event_quality
 WHERE source = 'matchy' ORDER BY 1;
-- Dedup keys by channel, by hand: three browser rows (one with an id, one without an id but
-- with an fbp, one with neither) and two server rows (one with an id, one without but with an
-- external_id): ids on 1/3 of browser rows and 1/2 of server rows; the fallback keys add 1/3
-- and 1/2.
CREATE TABLE keyed (u int, t timestamptz, e text, eid text, ch text, fbp text, xid text);
INSERT INTO keyed VALUES
  (1, '2024-06-02 10:00', 'buy', 'k1', 'browser', NULL, NULL),
  (2, '2024-06-02 10:00', 'buy', NULL, 'browser', 'fb.1.1596403881668.1', NULL),
  (3, '2024-06-02 10:00', 'buy', '', 'browser', NULL, NULL),
  (4, '2024-06-02 10:00', 'buy', 'k4', 'server', NULL, NULL),
  (5, '2024-06-02 10:00', 'buy', NULL, 'server', NULL, 'crm-5');
SELECT cq.register_source('keyed', 'keyed', 'u', 't', 'e', event_id_column => 'eid', source_column => 'ch',
                          customer_columns => '{"fbp": "fbp", "external_id": "xid"}');
SELECT source_name, tracking_health_rows FROM cq.refresh('keyed');
SELECT event_name, round(browser_id_share::numeric, 4) AS browser_id, round(server_id_share::numeric, 4) AS server_id,
       round(browser_fallback_extra::numeric, 4) AS browser_extra, round(server_fallback_extra::numeric, 4) AS server_extra
  FROM cq.tracking_health WHERE source = 'keyed';
SELECT cq.unregister_source('keyed');
DROP TABLE keyed;
-- mistakes in customer_columns
SELECT cq.register_source('m2', 'matchy', 'u', 't', 'e', customer_columns => '["email"]');
SELECT cq.register_source('m2', 'matchy', 'u', 't', 'e', customer_columns => '{"emial": "email"}');
SELECT cq.register_source('m2', 'matchy', 'u', 't', 'e', customer_columns => '{"email": "mail"}');
SELECT cq.register_source('m2', 'matchy', 'u', 't', 'e', customer_columns => '{"phone": "phone", "phone_region": "XX"}');
SELECT cq.register_source('m2', 'matchy', 'u', 't', 'e', customer_columns => '{"email": 7}');
SELECT cq.unregister_source('matchy');
DROP TABLE matchy;

-- Volume anomalies, by hand: 'ping' arrives 10 times a day from May 1, but only twice on
-- June 2 (day 33) and not at all on June 4 (day 35); 'pong' once a day throughout.  From
-- May 29 (4 weeks of history) ping is expected within [5, 15] (half of 10, 1.5 times 10): June
-- 2 is an anomaly, and June 4 gets a row of 0, an anomaly; pong within [0, 2] never is.
CREATE TABLE pinger (u int, t timestamptz, e text);
INSERT INTO pinger
SELECT g, timestamptz '2024-05-01 12:00' + (d - 1) * interval '1 day', 'ping'
  FROM generate_series(1, 35) d, generate_series(1, 10) g
 WHERE d <> 35 AND (d <> 33 OR g <= 2)
UNION ALL
SELECT 1, timestamptz '2024-05-01 13:00' + (d - 1) * interval '1 day', 'pong' FROM generate_series(1, 35) d;
SELECT cq.register_source('pinger', 'pinger', 'u', 't', 'e');
SELECT source_name, tracking_health_rows FROM cq.refresh('pinger');
SELECT day, event_name, rows, expected_low, expected_high, volume_anomaly
  FROM cq.tracking_health WHERE source = 'pinger' AND day >= '2024-05-28' ORDER BY event_name, day;
SELECT cq.unregister_source('pinger');
DROP TABLE pinger;

-- 3. Who sees what.  A role that may not read the table sees nothing of it anywhere, and
-- cannot tell a source exists.
SET ROLE regress_cq_stranger;
SELECT (SELECT count(*) FROM cq.event_sources) AS sources, (SELECT count(*) FROM cq.funnels) AS funnels,
       (SELECT count(*) FROM cq.event_quality) AS quality, (SELECT count(*) FROM cq.funnel_report) AS funnel,
       (SELECT count(*) FROM cq.tracking_health) AS health,
       (SELECT count(*) FROM cq_internal.event_quality_data) AS raw_quality;
SELECT * FROM cq.refresh('shop');
SELECT count(*) FROM cq.refresh();          -- no source it may refresh: nothing happens
SELECT cq.unregister_source('shop');
INSERT INTO cq_internal.tracking_health_data (source, day, event_name, rows, events, users, burst_events, future_events, refreshed_at)
  VALUES ('shop', '2024-02-01', 'visit', 1, 1, 1, 0, 0, now());
-- nor through the scan behind the report (it reads with the caller's privileges)
SELECT count(*) FROM cq_internal.tracking_scan('shop.events', 'user_id', 'ts', 'name', NULL, NULL,
                                               NULL, NULL, NULL, now());
RESET ROLE;
-- the scan's own checks: required arguments, columns that exist
SELECT count(*) FROM cq_internal.tracking_scan('shop.events', NULL, 'ts', 'name', NULL, NULL,
                                               NULL, NULL, NULL, now());
SELECT count(*) FROM cq_internal.tracking_scan('shop.events', 'user_id', 'ts', 'name', NULL, 'no_such_id',
                                               NULL, NULL, NULL, now());
SELECT count(*) FROM cq_internal.tracking_scan('shop.events', 'user_id', 'ts', 'name', NULL, NULL,
                                               NULL, NULL, '{no_such_fbp}', now());
-- A reader of the table sees every report, and may not change them
SET ROLE regress_cq_reader;
SELECT (SELECT count(*) FROM cq.event_sources) AS sources, (SELECT count(*) FROM cq.funnels) AS funnels,
       (SELECT count(*) FROM cq.event_quality) AS quality, (SELECT count(*) FROM cq.funnel_report) AS funnel,
       (SELECT count(*) FROM cq.tracking_health) AS health;
SELECT * FROM cq.refresh('shop');
SELECT cq.define_funnel('mine', 'shop', '{visit,cart}', '1 day');
SELECT cq.register_source('shop', 'shop.events', 'user_id', 'ts', 'name');
UPDATE cq_internal.event_quality_data SET rows = 0;
DELETE FROM cq.event_sources;
SELECT count(*) AS still_there, (SELECT min(rows) FROM cq.event_quality) AS min_rows
  FROM cq.event_sources;
RESET ROLE;
-- after losing SELECT, nothing
REVOKE SELECT ON shop.events FROM regress_cq_reader;
SET ROLE regress_cq_reader;
SELECT (SELECT count(*) FROM cq.event_sources) AS sources, (SELECT count(*) FROM cq.event_quality) AS quality;
RESET ROLE;

-- 4. A superuser does not read another role's relation (its functions and casts would run
-- with superuser rights): it refreshes only superuser-owned sources; the owner refreshes
SELECT * FROM cq.refresh('shop');
SET ROLE regress_cq_owner;
-- a refresh that fails leaves the previous report
SELECT max(refreshed_at) AS before FROM cq.event_quality \gset
ALTER TABLE shop.events RENAME COLUMN name TO event;
SELECT * FROM cq.refresh('shop');
SELECT count(*) AS rows, max(refreshed_at) = :'before' AS unchanged FROM cq.event_quality;
ALTER TABLE shop.events RENAME COLUMN event TO name;
-- a dropped table: a clean error naming the source
CREATE TABLE shop.gone (u int, t timestamptz, e text);
SELECT cq.register_source('gone', 'shop.gone', 'u', 't', 'e');
DROP TABLE shop.gone;
SELECT * FROM cq.refresh('gone');
-- refreshing all sources in one call: a dead source is skipped with a warning
SELECT source_name, event_quality_rows FROM cq.refresh();
SELECT cq.unregister_source('gone');
RESET ROLE;
SELECT count(*) AS superuser_refreshes FROM cq.refresh();   -- skips the owner's source, says why

-- 5. Forgeries.  A source is bound to its relation's name and owner: a table renamed away and
-- replaced by another role's table of the same name makes the source dead, its reports
-- visible to nobody (not even to readers of the new table), and not the new owner's to change.
CREATE ROLE regress_cq_mallory;
GRANT CREATE, USAGE ON SCHEMA shop TO regress_cq_mallory;
SET ROLE regress_cq_mallory;
-- a source row for a table that does not exist yet, or that it does not own: refused
INSERT INTO cq.event_sources (name, relation_schema, relation_name, relation_owner, user_column,
                              time_column, event_column)
VALUES ('fake', 'shop', 'later', 'regress_cq_mallory', 'u', 't', 'e');
INSERT INTO cq.event_sources (name, relation_schema, relation_name, relation_owner, user_column,
                              time_column, event_column)
VALUES ('fake', 'shop', 'events', 'regress_cq_owner', 'u', 't', 'e');
-- a report row for a funnel of someone else's source: refused
INSERT INTO cq_internal.funnel_report_data VALUES ('checkout', 'shop', 9, 'x', 1, 0, 0, 0, 0, now());
-- a taken name: refused, without saying whose or what it reads
CREATE TABLE shop.mine (u int, t timestamptz, e text);
SELECT cq.register_source('shop', 'shop.mine', 'u', 't', 'e');
SELECT cq.register_source('mine', 'shop.mine', 'u', 't', 'e');
SELECT cq.define_funnel('checkout', 'mine', '{a,b}', '1 day');
RESET ROLE;
SET ROLE regress_cq_owner;
ALTER TABLE shop.events RENAME TO events_old;
RESET ROLE;
SET ROLE regress_cq_mallory;
CREATE TABLE shop.events (user_id int, ts timestamptz, name text, revenue numeric, eid text,
                          channel text, arrived timestamptz);
GRANT SELECT ON shop.events TO regress_cq_reader;
SELECT (SELECT count(*) FROM cq.event_sources WHERE name = 'shop') AS sources,
       (SELECT count(*) FROM cq.event_quality) AS quality;
UPDATE cq.event_sources SET user_column = 'u' WHERE name = 'shop';
SELECT * FROM cq.refresh('shop');
RESET ROLE;
SET ROLE regress_cq_reader;
SELECT (SELECT count(*) FROM cq.event_sources) AS sources, (SELECT count(*) FROM cq.event_quality) AS quality;
RESET ROLE;
SET ROLE regress_cq_owner;
SELECT * FROM cq.refresh('shop');
ALTER TABLE shop.events_old RENAME TO events_back;
RESET ROLE;
DROP TABLE shop.events;
ALTER TABLE shop.events_back RENAME TO events;
SET ROLE regress_cq_owner;
SELECT source_name, event_quality_rows FROM cq.refresh('shop');     -- alive again
RESET ROLE;

-- 6. Row-level security on the source: a reader who sees only some of its rows sees no report
-- (the report counts every row)
ALTER TABLE shop.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_user_1 ON shop.events FOR SELECT TO regress_cq_reader USING (user_id = 1);
GRANT SELECT ON shop.events TO regress_cq_reader;
SET ROLE regress_cq_reader;
SELECT (SELECT count(*) FROM shop.events) AS visible_rows, (SELECT count(*) FROM cq.event_quality) AS quality;
RESET ROLE;
ALTER TABLE shop.events DISABLE ROW LEVEL SECURITY;
SET ROLE regress_cq_reader;
SELECT (SELECT count(*) FROM shop.events) AS visible_rows, (SELECT count(*) FROM cq.event_quality) AS quality;
RESET ROLE;

-- 7. Redefining a funnel drops its old report; dropping it and unregistering leave nothing.
-- Deleting the source row directly takes its funnels and reports with it (foreign keys).
SET ROLE regress_cq_owner;
SELECT cq.define_funnel('checkout', 'shop', '{visit,purchase}', '3 days');
SELECT count(*) AS funnel_rows_before_refresh FROM cq.funnel_report;
SELECT source_name, funnel_report_rows FROM cq.refresh('shop');
SELECT step, step_name, users FROM cq.funnel_report ORDER BY step;
SELECT cq.drop_funnel('checkout');
SELECT cq.define_funnel('checkout', 'shop', '{visit,cart}', '1 day');
SELECT source_name, funnel_report_rows FROM cq.refresh('shop');
DELETE FROM cq.event_sources WHERE name = 'shop';
RESET ROLE;
SELECT cq.unregister_source('mine');
SELECT (SELECT count(*) FROM cq.event_sources) + (SELECT count(*) FROM cq.funnels)
       + (SELECT count(*) FROM cq_internal.event_quality_data)
       + (SELECT count(*) FROM cq_internal.funnel_report_data)
       + (SELECT count(*) FROM cq_internal.tracking_health_data) AS left_behind;

-- An arrival at -infinity does not end observation before it began: the refresh works
CREATE TABLE minus_inf (u int, t timestamptz, e text, arrived timestamptz);
INSERT INTO minus_inf VALUES (1, '2024-01-01', 'visit', '-infinity');
SELECT cq.register_source('minus_inf', 'minus_inf', 'u', 't', 'e', received_at_column => 'arrived');
SELECT source_name, rows_read, event_quality_rows FROM cq.refresh('minus_inf');
SELECT event_name, rows, weekly_volume IS NOT NULL AS has_volume FROM cq.event_quality WHERE source = 'minus_inf';
SELECT cq.unregister_source('minus_inf');
DROP TABLE minus_inf;

DROP SCHEMA shop CASCADE;
DROP ROLE regress_cq_owner;
DROP ROLE regress_cq_reader;
DROP ROLE regress_cq_stranger;
DROP ROLE regress_cq_mallory;
