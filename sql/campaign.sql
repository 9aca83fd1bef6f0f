-- cq.campaign_quality: a source registered with dimension columns is broken down by each
-- of them at every cq.refresh (cq.breakdown, entry rule, copies left out).  Worked by hand;
-- who sees what; registration errors.
\pset null '(null)'
SET TimeZone = 'UTC';
SET client_min_messages = warning;
CREATE TABLE cm_ev (user_id int, event_time timestamptz, event_name text, creative text,
                    landing_page text, value numeric, event_id text);
INSERT INTO cm_ev VALUES
 -- u1: creative A on /a; buys 100 on day 2, and the server sends the purchase again (a copy)
 (1, '2024-01-01 00:00', 'ad_click', 'A', '/a', 0, 'c1'), (1, '2024-01-03 00:00', 'purchase', NULL, NULL, 100, 'p1'),
 (1, '2024-01-03 00:05', 'purchase', NULL, NULL, 100, 'p1'),
 -- u2: creative B on /b; buys 50 on day 40 (after the 30-day horizon)
 (2, '2024-01-01 00:00', 'ad_click', 'B', '/b', 0, 'c2'), (2, '2024-02-10 00:00', 'purchase', NULL, NULL, 50, 'p2'),
 -- u3: creative A on /b; buys 20 on day 1
 (3, '2024-01-01 00:00', 'ad_click', 'A', '/b', 0, 'c3'), (3, '2024-01-02 00:00', 'purchase', NULL, NULL, 20, 'p3'),
 -- u4: no creative; buys 10
 (4, '2024-01-01 00:00', 'page_view', NULL, NULL, 0, 'v4'), (4, '2024-01-02 00:00', 'purchase', NULL, NULL, 10, 'p4'),
 -- u5: creative A on /a; never buys
 (5, '2024-01-01 00:00', 'ad_click', 'A', '/a', 0, 'c5');
SELECT cq.register_source('cm', 'cm_ev', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', dimension_columns => '{creative,landing_page}');
SELECT dimension_columns FROM cq.event_sources WHERE name = 'cm';
SELECT source_name, rows_read FROM cq.refresh('cm');
-- By hand (revenue above zero within 30 days of the first click; u1's copy left out):
--  creative      A: u1 (100), u3 (20), u5 -> 3 users, 2 converters, 40 per user;
--                B: u2 (outside the horizon) -> 1, 0, 0; NULL: u4 -> 1, 1, 10
--  landing_page  /a: u1, u5 -> 2, 1, 50; /b: u2, u3 -> 2, 1, 10; NULL: u4 -> 1, 1, 10
SELECT dimension, bucket, bucket_rule, users, small, converters,
       round(conversion_rate::numeric, 4) AS rate, round(revenue_per_user::numeric, 2) AS revenue_per_user,
       conversion_p_value IS NOT NULL AS tested, refreshed_at IS NOT NULL AS refreshed
  FROM cq.campaign_quality WHERE source = 'cm' ORDER BY dimension, bucket NULLS LAST;
-- the same figures as cq.breakdown over the rows that are not copies
CREATE VIEW cm_kept AS SELECT * FROM cm_ev WHERE NOT (event_id = 'p1' AND event_time = '2024-01-03 00:05');
CREATE VIEW cm_direct AS
SELECT 'creative'::text AS dimension, b.* FROM cq.breakdown('cm_kept', 'creative', value_column => 'value') b
UNION ALL
SELECT 'landing_page', b.* FROM cq.breakdown('cm_kept', 'landing_page', value_column => 'value') b;
CREATE VIEW cm_stored AS
SELECT dimension, bucket, bucket_rule, users, small, converters, conversion_rate, rest_conversion_rate,
       conversion_p_value, conversion_q_value, conversion_mdd, revenue_per_user, rest_revenue_per_user,
       revenue_p_value, revenue_q_value, revenue_mdd
  FROM cq.campaign_quality WHERE source = 'cm';
SELECT (SELECT count(*) FROM (SELECT * FROM cm_direct EXCEPT ALL SELECT * FROM cm_stored) d) AS only_direct,
       (SELECT count(*) FROM (SELECT * FROM cm_stored EXCEPT ALL SELECT * FROM cm_direct) d) AS only_stored,
       (SELECT count(*) FROM cm_stored) AS rows_stored;
DROP VIEW cm_direct, cm_stored;

-- A role that may not read the table sees no row of it
CREATE ROLE regress_cq_campaign;
SET ROLE regress_cq_campaign;
SELECT count(*) AS rows_seen FROM cq.campaign_quality;
RESET ROLE;
DROP ROLE regress_cq_campaign;

-- Without a value column there is nothing to break down; registering again drops the rows
SELECT cq.register_source('cm', 'cm_ev', 'user_id', 'event_time', 'event_name',
                          dimension_columns => '{creative}');
SELECT count(*) AS rows_after_registering_again FROM cq.campaign_quality WHERE source = 'cm';
SELECT source_name, rows_read FROM cq.refresh('cm');
SELECT count(*) AS rows_without_value_column FROM cq.campaign_quality WHERE source = 'cm';
-- An empty list of dimension columns breaks nothing down (1.4 failed here: the refresh
-- dropped a temporary view it had not made)
SELECT cq.register_source('cm', 'cm_ev', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          dimension_columns => '{}');
SELECT source_name, rows_read FROM cq.refresh('cm');
SELECT count(*) AS rows_without_dimensions FROM cq.campaign_quality WHERE source = 'cm';

-- Registration errors
\set VERBOSITY default
SELECT cq.register_source('cm', 'cm_ev', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          dimension_columns => '{creative,no_such_column}');
SELECT cq.register_source('cm', 'cm_ev', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          dimension_columns => '{creative,creative}');
SELECT cq.register_source('cm', 'cm_ev', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          dimension_columns => '{creative,NULL}');
\set VERBOSITY terse
SELECT cq.unregister_source('cm');
SELECT count(*) AS rows_left FROM cq_internal.campaign_quality_data;
DROP VIEW cm_kept;
DROP TABLE cm_ev;
RESET client_min_messages;
