-- cq.dedup_keep: the "first copy wins within the window" rule.
\pset null '(null)'
SET timezone = 'UTC';

-- The scenarios of DEDUP_RULES.md section 1.6 (P pixel, N event name,
-- E event id; times are arrival times).  expected = conversions the platform
-- counts (TikTok and Meta columns; Google Ads tag for 7 and 8).
CREATE TEMP TABLE copies (
    scenario int, expected int, source text, scope text, event_name text, event_id text,
    arrived_at timestamptz, dedup_window interval);
INSERT INTO copies VALUES
  (1, 1, 'browser', 'P', 'Purchase', 'E', '2026-01-01 00:00', '48 hours'),
  (1, 1, 'server',  'P', 'Purchase', 'E', '2026-01-01 00:02', '48 hours'),
  (2, 1, 'browser', 'P', 'Purchase', 'E', '2026-01-01 00:00', '48 hours'),
  (2, 1, 'server',  'P', 'Purchase', 'E', '2026-01-01 00:30', '48 hours'),
  (3, 2, 'browser', 'P', 'Purchase', 'E', '2026-01-01 00:00', '48 hours'),
  (3, 2, 'server',  'P', 'Purchase', 'E', '2026-01-03 01:00', '48 hours'),
  (4, 1, 'server',  'P', 'Purchase', 'E', '2026-01-01 00:00', '48 hours'),
  (4, 1, 'server',  'P', 'Purchase', 'E', '2026-01-01 01:00', '48 hours'),
  (5, 2, 'browser', 'P', 'CompletePayment', 'E', '2026-01-01 00:00', '48 hours'),
  (5, 2, 'server',  'P', 'Purchase', 'E', '2026-01-01 00:01', '48 hours'),
  (6, 2, 'browser', 'P', 'Purchase', 'E1', '2026-01-01 00:00', '48 hours'),
  (6, 2, 'server',  'P', 'Purchase', 'E2', '2026-01-01 00:01', '48 hours'),
  (7, 1, 'tag',     'AW-1/purchase', 'conversion', 'T-77', '2026-01-01 00:00', NULL),
  (7, 1, 'tag',     'AW-1/purchase', 'conversion', 'T-77', '2026-01-09 00:00', NULL),
  (8, 2, 'tag',     'AW-1/purchase', 'conversion', 'T-88', '2026-01-01 00:00', NULL),
  (8, 2, 'tag',     'AW-1/signup',   'conversion', 'T-88', '2026-01-01 00:05', NULL),
  (9, 1, 'server',  'P', 'Purchase', 'SESSION-1', '2026-01-01 00:00', '48 hours'),
  (9, 1, 'server',  'P', 'Purchase', 'SESSION-1', '2026-01-01 05:00', '48 hours'),
  (10, 2, 'browser', 'P', 'Purchase', NULL, '2026-01-01 00:00', '48 hours'),
  (10, 2, 'server',  'P', 'Purchase', '',   '2026-01-01 00:01', '48 hours');

-- Every scenario counts what the platform counts, and the first copy survives.
WITH decided AS (
  SELECT c.*, k IS NOT NULL AS has_key,
         CASE WHEN k IS NULL THEN true
              ELSE cq.dedup_keep(arrived_at, dedup_window)
                     OVER (PARTITION BY scenario, k ORDER BY arrived_at)
         END AS keep
    FROM copies c, LATERAL (SELECT cq.dedup_key(event_name, event_id, scope) AS k) x
)
SELECT scenario, expected, count(*) FILTER (WHERE keep) AS counted,
       string_agg(source || CASE WHEN keep THEN ' kept' ELSE ' dropped' END, ', '
                  ORDER BY arrived_at) AS copies
  FROM decided GROUP BY scenario, expected ORDER BY scenario;

-- The window is inclusive and runs from the kept copy, not from the last
-- duplicate: exactly 48 h later is a duplicate, 1 microsecond more is a new
-- conversion, which then starts its own window.
SELECT arrived_at - '2026-01-01 00:00'::timestamptz AS after_first,
       cq.dedup_keep(arrived_at) OVER (ORDER BY arrived_at) AS keep
  FROM unnest(ARRAY['2026-01-01 00:00', '2026-01-02 23:00', '2026-01-03 00:00',
                    '2026-01-03 00:00:00.000001', '2026-01-04 12:00',
                    '2026-01-05 00:00:00.000002']::timestamptz[]) AS arrived_at;

-- A zero window merges only copies arriving at the same instant.
SELECT arrived_at, cq.dedup_keep(arrived_at, '0') OVER (ORDER BY arrived_at) AS keep
  FROM unnest(ARRAY['2026-01-01 00:00', '2026-01-01 00:00',
                    '2026-01-01 00:00:00.000001']::timestamptz[]) AS arrived_at;

-- A NULL window never closes (Google Ads transaction ids).
SELECT count(*) FILTER (WHERE keep) AS kept
  FROM (SELECT cq.dedup_keep(t, NULL) OVER (ORDER BY t) AS keep
          FROM generate_series('2020-01-01'::timestamptz, '2026-01-01', '30 days') AS t) x;

-- Calendar windows: '2 days' and '1 month' follow timestamptz + interval.
SELECT arrived_at, cq.dedup_keep(arrived_at, '1 month') OVER (ORDER BY arrived_at) AS keep
  FROM unnest(ARRAY['2026-01-31 00:00', '2026-02-28 00:00', '2026-03-01 00:00']::timestamptz[])
       AS arrived_at;

-- A NULL arrival gives NULL and does not move the window.
SELECT arrived_at, cq.dedup_keep(arrived_at) OVER (ORDER BY arrived_at) AS keep
  FROM unnest(ARRAY['2026-01-01 00:00', NULL, '2026-01-01 01:00']::timestamptz[]) AS arrived_at;

-- Partitions are independent.
SELECT k, arrived_at, cq.dedup_keep(arrived_at) OVER (PARTITION BY k ORDER BY arrived_at) AS keep
  FROM (VALUES ('a', '2026-01-01 00:00'::timestamptz), ('b', '2026-01-01 01:00'),
               ('a', '2026-01-01 02:00'), ('b', '2026-01-04 00:00')) AS t(k, arrived_at)
 ORDER BY k, arrived_at;

-- Extreme timestamps: the window saturates instead of overflowing.
SELECT arrived_at, cq.dedup_keep(arrived_at, '1000 years') OVER (ORDER BY arrived_at) AS keep
  FROM unnest(ARRAY['-infinity', '4714-11-24 00:00:00+00 BC', '294276-12-31 00:00:00+00',
                    '294276-12-31 23:59:59.999999+00', 'infinity', 'infinity']::timestamptz[])
       AS arrived_at;
SELECT arrived_at, cq.dedup_keep(arrived_at, '48 hours') OVER (ORDER BY arrived_at) AS keep
  FROM unnest(ARRAY['-infinity', '4714-11-24 00:00:00+00 BC', '294276-12-31 00:00:00+00',
                    '294276-12-31 23:59:59.999999+00', 'infinity', 'infinity']::timestamptz[])
       AS arrived_at;

-- Caller mistakes: a negative window, rows out of arrival order.
SELECT cq.dedup_keep(t, '-1 hour') OVER (ORDER BY t) FROM (VALUES (now())) AS v(t);
SELECT cq.dedup_keep(t, '1 day -25 hours') OVER (ORDER BY t) FROM (VALUES (now())) AS v(t);
SELECT cq.dedup_keep(t) OVER (ORDER BY t DESC)
  FROM (VALUES ('2026-01-01'::timestamptz), ('2026-01-02')) AS v(t);
