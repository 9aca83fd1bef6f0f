-- cq.dedup_report: duplicate report over an event table.
\pset null '(null)'
\set SHOW_CONTEXT never
SET timezone = 'UTC';

-- Purchase: order 1 sent by pixel and server within 2 min (1 conversion,
-- seen by both); order 2 by the server only, retried after 1 h (1
-- conversion); order 3 by pixel, then by server 49 h later (2 conversions,
-- each seen by one source); one pixel row without an id (its own
-- conversion).  Lead: one id on both sources, one pixel-only.
CREATE TABLE events (event_name text, event_id text, source text, arrived_at timestamptz,
                     pixel text);
INSERT INTO events VALUES
  ('Purchase', 'o1', 'pixel',  '2026-01-01 10:00', 'P1'),
  ('Purchase', 'o1', 'server', '2026-01-01 10:02', 'P1'),
  ('Purchase', 'o2', 'server', '2026-01-01 11:00', 'P1'),
  ('Purchase', 'o2', 'server', '2026-01-01 12:00', 'P1'),
  ('Purchase', 'o3', 'pixel',  '2026-01-01 13:00', 'P1'),
  ('Purchase', 'o3', 'server', '2026-01-03 14:00', 'P1'),
  ('Purchase', ' ',  'pixel',  '2026-01-01 15:00', 'P1'),
  ('Lead', 'l1', 'pixel',  '2026-01-02 09:00', 'P1'),
  ('Lead', 'l1', 'server', '2026-01-02 09:00', 'P1'),
  ('Lead', 'l2', 'pixel',  '2026-01-02 09:30', 'P1');

SELECT * FROM cq.dedup_report('events');

-- A NULL window: o3's late server copy is now a duplicate too.
SELECT event_name, source, conversions, duplicates, multi_source_conversions
  FROM cq.dedup_report('events', NULL) WHERE event_name = 'Purchase';

-- Scope: the same ids under two pixels are separate conversions.
UPDATE events SET pixel = 'P2' WHERE source = 'server' AND event_id = 'o1';
SELECT event_name, source, conversions, duplicates
  FROM cq.dedup_report('events', scope_column => 'pixel') WHERE event_name = 'Purchase';

-- Other column names, a timestamp-without-time-zone arrival, a NULL arrival.
CREATE TABLE hits (ev text, id bigint, channel text, ts timestamp);
INSERT INTO hits VALUES ('signup', 1, 'app', '2026-01-01 00:00'), ('signup', 1, 'web', '2026-01-01 00:10'),
                        ('signup', 2, 'web', NULL);
SELECT event_name, source, is_total, rows, rows_without_time, conversions, kept, duplicates
  FROM cq.dedup_report('hits', '1 hour', event_name_column => 'ev', event_id_column => 'id',
                       source_column => 'channel', arrived_at_column => 'ts');

-- Identifiers are quoted: a table and columns with awkward names.
CREATE TABLE "Event Log" ("Event Name" text, "id; DROP TABLE events" text, "Src" text, "At" date);
INSERT INTO "Event Log" VALUES ('x', '1', 's', '2026-01-01'), ('x', '1', 's', '2026-01-02');
SELECT event_name, rows, conversions
  FROM cq.dedup_report('"Event Log"', event_name_column => 'Event Name',
                       event_id_column => 'id; DROP TABLE events', source_column => 'Src',
                       arrived_at_column => 'At')
 WHERE is_total;
SELECT count(*) AS events_still_there FROM events;

-- An empty table gives no rows.
CREATE TABLE no_events (LIKE events);
SELECT count(*) FROM cq.dedup_report('no_events');

-- Caller mistakes: missing column, wrong type, NULL argument, missing table.
SELECT * FROM cq.dedup_report('events', event_id_column => 'order_id');
SELECT * FROM cq.dedup_report('events', arrived_at_column => 'source');
SELECT * FROM cq.dedup_report('events', source_column => NULL);
SELECT * FROM cq.dedup_report('no_such_table');

-- It runs with the caller's privileges: a role without SELECT cannot read.
CREATE ROLE cq_report_reader;
GRANT USAGE ON SCHEMA cq TO cq_report_reader;
SET ROLE cq_report_reader;
SELECT * FROM cq.dedup_report('events');
RESET ROLE;
REVOKE USAGE ON SCHEMA cq FROM cq_report_reader;
DROP ROLE cq_report_reader;
