-- cq.reconcile: tracked conversions against the orders table, per day, worked by hand.
\pset null '(null)'
SET TimeZone = 'UTC';
SET DateStyle = ISO;
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE TABLE rec_events (u int, t timestamptz, e text, eid text, val numeric, ch text);
INSERT INTO rec_events VALUES
  (1, '2024-01-01 10:01', 'purchase', 'A', 50, 'pixel'),     -- A, and its server copy
  (1, '2024-01-01 10:02', 'purchase', 'A', 50, 'server'),
  (2, '2024-01-01 11:05', 'purchase', 'B', 30, 'server'),     -- the order says 35
  (3, '2024-01-01 15:00', 'purchase', 'D', 15, 'pixel'),      -- no such order
  (4, '2024-01-02 09:10', 'purchase', 'E', 40, 'server'),
  (4, '2024-01-05 09:10', 'purchase', 'E', 40, 'server'),     -- 3 days later: survives dedup
  (5, '2024-01-02 13:00', 'purchase', '', 10, 'pixel'),       -- a blank id: never matched
  (6, '2024-01-01 12:01', 'lead', 'C', 0, 'pixel');           -- not the conversion event
CREATE TABLE rec_orders (order_id text, created_at timestamptz, value numeric);
INSERT INTO rec_orders VALUES
  ('A', '2024-01-01 10:00', 50), ('B', '2024-01-01 11:00', 35), ('C', '2024-01-01 12:00', 20),
  ('E', '2024-01-02 09:00', 40), ('A', '2024-01-05 10:00', -50);   -- A refunded later
SELECT cq.register_source('rec', 'rec_events', 'u', 't', 'e', value_column => 'val',
                          event_id_column => 'eid', source_column => 'ch');
-- By hand.  Jan 1: orders A, B, C; tracked A (its copy removed), B, D; matched A and B; C never
-- tracked; D without an order; B's value 30 against 35; A refunded (counted on its order's
-- day); revenue 105 ordered, 95 tracked, gap 10, refunded 50, net 55.  Jan 2: order E, tracked
-- twice 3 days apart (one duplicate survives dedup) and the blank-id purchase; revenue 40
-- ordered, 90 tracked, gap -50, net 40.
SELECT * FROM cq.reconcile('rec', 'rec_orders');
-- a wider tolerance accepts B
SELECT day, value_mismatches FROM cq.reconcile('rec', 'rec_orders', tolerance => 5);
-- mistakes
SELECT * FROM cq.reconcile('nope', 'rec_orders');
SELECT * FROM cq.reconcile('rec', 'rec_orders', order_id_column => 'id');
SELECT * FROM cq.reconcile('rec', 'rec_orders', value_column => 'order_id');
SELECT * FROM cq.reconcile('rec', 'rec_orders', tolerance => -1);
SELECT * FROM cq.reconcile('rec', NULL);
SELECT cq.register_source('rec_noid', 'rec_events', 'u', 't', 'e');
SELECT * FROM cq.reconcile('rec_noid', 'rec_orders');
-- a role that may read the events but not the orders gets PostgreSQL's own refusal
CREATE ROLE regress_cq_clerk;
GRANT SELECT ON rec_events TO regress_cq_clerk;
SET ROLE regress_cq_clerk;
SELECT * FROM cq.reconcile('rec', 'rec_orders');
RESET ROLE;
SELECT cq.unregister_source('rec');
SELECT cq.unregister_source('rec_noid');
DROP TABLE rec_events, rec_orders;
DROP ROLE regress_cq_clerk;
