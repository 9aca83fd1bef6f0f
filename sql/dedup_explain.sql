-- cq.dedup_explain: two copies of an event judged by each platform's dedup rule.  The scenario
-- table of ../shared/reference/DEDUP_RULES.md (section 1.6, from the platforms' documentation),
-- each with its documented outcome; then every kind of difference the reasons name; then the
-- caller's mistakes.
\pset null '(null)'
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never

CREATE TEMP TABLE scenario (n int, what text, a jsonb, b jsonb, platform text, documented boolean);
INSERT INTO scenario VALUES
 (1, 'browser t=0, server t=+2 min, same name and id',
  '{"event_name": "Purchase", "event_id": "E", "channel": "browser", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "E", "channel": "server", "received_at": "2025-03-01 10:02"}', 'tiktok', true),
 (1, '', NULL, NULL, 'meta', true),
 (2, 'browser t=0, server t=+30 min',
  '{"event_name": "Purchase", "event_id": "E", "channel": "browser", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "E", "channel": "server", "received_at": "2025-03-01 10:30"}', 'tiktok', true),
 (2, '', NULL, NULL, 'meta', true),
 (3, 'browser t=0, server t=+49 h',
  '{"event_name": "Purchase", "event_id": "E", "channel": "browser", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "E", "channel": "server", "received_at": "2025-03-03 11:00"}', 'tiktok', false),
 (3, '', NULL, NULL, 'meta', false),
 (4, 'server twice, t=0 and t=+1 h (a retry)',
  '{"event_name": "Purchase", "event_id": "E", "channel": "server", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "E", "channel": "server", "received_at": "2025-03-01 11:00"}', 'tiktok', true),
 (4, '', NULL, NULL, 'meta', true),
 (5, 'browser CompletePayment, server Purchase, same id',
  '{"event_name": "CompletePayment", "event_id": "E", "channel": "browser", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "E", "channel": "server", "received_at": "2025-03-01 10:01"}', 'tiktok', false),
 (6, 'browser Purchase E1, server Purchase E2',
  '{"event_name": "Purchase", "event_id": "E1", "channel": "browser", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "E2", "channel": "server", "received_at": "2025-03-01 10:01"}', 'tiktok', false),
 (6, '', NULL, NULL, 'meta', false),
 (7, 'one conversion action, one transaction id, fired twice days apart (a reload)',
  '{"event_name": "purchase_action", "event_id": "T-100", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "purchase_action", "event_id": "T-100", "received_at": "2025-03-09 10:00"}', 'google', true),
 (8, 'one transaction id in two conversion actions',
  '{"event_name": "purchase_action", "event_id": "T-100", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "lead_action", "event_id": "T-100", "received_at": "2025-03-01 10:00"}', 'google', false),
 (9, 'two real orders reuse one id (a static id): counted once, a sale lost',
  '{"event_name": "Purchase", "event_id": "order", "channel": "server", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "event_id": "order", "channel": "server", "received_at": "2025-03-01 18:00"}', 'tiktok', true),
 (9, '', NULL, NULL, 'meta', true),
 (9, '', NULL, NULL, 'google', true),
 (10, 'no event_id; both carry _ttp and fbp; browser first',
  '{"event_name": "Purchase", "channel": "browser", "ttp": "t1", "fbp": "fb.1.1", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Purchase", "channel": "server", "ttp": "t1", "fbp": "fb.1.1", "received_at": "2025-03-01 10:20"}', 'tiktok', true),
 (10, '', NULL, NULL, 'meta', true);
-- rows without copies reuse the previous scenario's copies
UPDATE scenario s SET a = p.a, b = p.b, what = p.what
  FROM scenario p WHERE s.a IS NULL AND p.n = s.n AND p.a IS NOT NULL;

SELECT s.n, s.platform, s.documented, e.counted_once, e.counted_once = s.documented AS agrees,
       e.reasons
  FROM scenario s, cq.dedup_explain(s.a, s.b, s.platform) e
 ORDER BY s.n, s.platform;

-- Every platform at once, for scenario 1 and the renamed-event scenario
SELECT * FROM cq.dedup_explain((SELECT a FROM scenario WHERE n = 1 LIMIT 1),
                               (SELECT b FROM scenario WHERE n = 1 LIMIT 1));
SELECT * FROM cq.dedup_explain((SELECT a FROM scenario WHERE n = 5 LIMIT 1),
                               (SELECT b FROM scenario WHERE n = 5 LIMIT 1));

-- The kinds of difference, by the extension's own rule and Meta's
CREATE TEMP TABLE pair (what text, a jsonb, b jsonb);
INSERT INTO pair VALUES
 ('names differ in case', '{"event_name": "Purchase", "event_id": "E"}', '{"event_name": "purchase", "event_id": "E"}'),
 ('names differ in whitespace', '{"event_name": "Purchase ", "event_id": "E"}', '{"event_name": "Purchase", "event_id": "E"}'),
 ('standard and custom name', '{"event_name": "Purchase", "event_id": "E"}', '{"event_name": "order_completed", "event_id": "E"}'),
 ('ids differ in case', '{"event_name": "Lead", "event_id": "AbC"}', '{"event_name": "Lead", "event_id": "abc"}'),
 ('ids differ in whitespace', '{"event_name": "Lead", "event_id": " 42"}', '{"event_name": "Lead", "event_id": "42"}'),
 ('id with a suffix', '{"event_name": "Lead", "event_id": "42"}', '{"event_name": "Lead", "event_id": "42-retry"}'),
 ('id blank on the server copy', '{"event_name": "Lead", "event_id": "42", "channel": "pixel"}',
  '{"event_name": "Lead", "event_id": "", "channel": "capi"}'),
 ('no ids, server first, shared fbp', '{"event_name": "Lead", "fbp": "f", "channel": "server", "received_at": "2025-03-01 10:00"}',
  '{"event_name": "Lead", "fbp": "f", "channel": "browser", "received_at": "2025-03-01 10:05"}'),
 ('no ids, two browser copies, shared external_id', '{"event_name": "Lead", "external_id": "u1", "channel": "browser"}',
  '{"event_name": "Lead", "external_id": "u1", "channel": "browser"}'),
 ('no ids, nothing shared', '{"event_name": "Lead", "channel": "browser"}', '{"event_name": "Lead", "channel": "server"}'),
 ('a test event and a live one', '{"event_name": "Lead", "event_id": "42", "test_event_code": "TEST1"}',
  '{"event_name": "Lead", "event_id": "42"}'),
 ('no times given', '{"event_name": "Lead", "event_id": "42"}', '{"event_name": "Lead", "event_id": "42"}'),
 ('a time at infinity', '{"event_name": "Lead", "event_id": "42", "event_time": "infinity"}',
  '{"event_name": "Lead", "event_id": "42", "event_time": "2025-03-01 10:00"}'),
 ('event time when no arrival time', '{"event_name": "Lead", "event_id": "42", "event_time": "2025-03-01 10:00"}',
  '{"event_name": "Lead", "event_id": "42", "event_time": "2025-03-04 10:00"}'),
 ('a 65-character transaction id', ('{"event_name": "buy", "event_id": "' || repeat('x', 65) || '"}')::jsonb,
  ('{"event_name": "buy", "event_id": "' || repeat('x', 65) || '"}')::jsonb);
SELECT p.what, e.platform, e.counted_once, e.reasons
  FROM pair p, cq.dedup_explain(p.a, p.b) e
 WHERE e.platform IN ('cq', 'meta') OR p.what LIKE 'a 65%'
 ORDER BY p.what, e.platform;

-- A whole source.  By hand: users 1-3 each have a pixel and a server copy 1-2 minutes apart:
-- user 1 the same id (counted once), user 2 ids that differ in case, user 3 no id on the pixel
-- copy; user 4's copies are 10 minutes apart and user 5's are two different event names, so
-- neither is a candidate pair; user 6 a server retry 30 s later (counted once) and a
-- 'Purchase ' (trailing space) 1 minute after that: a pair whose names differ in whitespace.
CREATE TABLE tracked (uid int, ts timestamptz, ev text, eid text, via text, got timestamptz);
INSERT INTO tracked VALUES
  (1, '2025-03-01 10:00', 'Purchase', 'o-1', 'pixel',  '2025-03-01 10:00:05'),
  (1, '2025-03-01 10:01', 'Purchase', 'o-1', 'server', '2025-03-01 10:01:05'),
  (2, '2025-03-01 10:00', 'Lead',     'AB',  'pixel',  '2025-03-01 10:00:05'),
  (2, '2025-03-01 10:02', 'Lead',     'ab',  'server', '2025-03-01 10:02:05'),
  (3, '2025-03-01 10:00', 'Lead',     NULL,  'pixel',  '2025-03-01 10:00:05'),
  (3, '2025-03-01 10:01', 'Lead',     'l-3', 'server', '2025-03-01 10:01:05'),
  (4, '2025-03-01 10:00', 'Lead',     'l-4', 'pixel',  '2025-03-01 10:00:05'),
  (4, '2025-03-01 10:10', 'Lead',     'x-4', 'server', '2025-03-01 10:10:05'),
  (5, '2025-03-01 10:00', 'Lead',     'l-5', 'pixel',  '2025-03-01 10:00:05'),
  (5, '2025-03-01 10:01', 'Signup',   'l-5', 'server', '2025-03-01 10:01:05'),
  (6, '2025-03-01 10:00', 'Purchase', 'o-6', 'server', '2025-03-01 10:00:05'),
  (6, '2025-03-01 10:00:30', 'Purchase', 'o-6', 'server', '2025-03-01 10:00:35'),
  (6, '2025-03-01 10:01:30', 'Purchase ', 'o-6', 'carrier pigeon', '2025-03-01 10:01:35');
SELECT cq.register_source('tracked', 'tracked', 'uid', 'ts', 'ev', event_id_column => 'eid',
                          source_column => 'via', received_at_column => 'got');
SELECT platform, reason, pairs, round(share::numeric, 4) AS share, example
  FROM cq.dedup_explain('tracked');
SELECT platform, reason, pairs FROM cq.dedup_explain('tracked', 'meta');
CREATE ROLE regress_cq_outsider;
SET ROLE regress_cq_outsider;
SELECT * FROM cq.dedup_explain('tracked');
RESET ROLE;
DROP ROLE regress_cq_outsider;
SELECT * FROM cq.dedup_explain('tracked', 'snapchat');
SELECT cq.unregister_source('tracked');

-- NULL: no pair, no rows; mistakes: clean errors
SELECT count(*) FROM cq.dedup_explain(NULL, '{}');
SELECT * FROM cq.dedup_explain('[1]', '{}');
SELECT * FROM cq.dedup_explain('{"event-name": "x"}', '{}');
SELECT * FROM cq.dedup_explain('{"channel": "carrier pigeon"}', '{}');
SELECT * FROM cq.dedup_explain('{}', '{}', 'snapchat');
SELECT * FROM cq.dedup_explain('{"event_time": "yesterday-ish"}', '{}');
