-- The README's examples, verbatim, so the README stays true.
-- (The online_retail example runs in dedup_real_data.)
SET timezone = 'UTC';

-- Identity
SELECT cq.normalize_email(' Cloudy.SanFrancisco+Shopping@GMAIL.com', 'google');
SELECT cq.normalize_phone('020 7183 8750', 'GB') AS e164,
       cq.normalize_phone('020 7183 8750', 'GB', 'meta') AS meta;
SELECT cq.match_key('Person@Example.com', 'email', 'snap');
SELECT cq.normalize_identifier('98121-4892', 'zip', 'meta') AS meta_zip,
       cq.normalize_identifier(' us ', 'country', 'google') AS google_country;

-- Dedup
CREATE TABLE copies (source text, event_name text, event_id text, arrived_at timestamptz);
INSERT INTO copies VALUES
  ('browser', 'Purchase', 'ORDER-1', '2026-01-01 10:00+00'),
  ('server',  'Purchase', 'ORDER-1', '2026-01-01 10:02+00'),  -- same conversion
  ('server',  'Purchase', 'ORDER-1', '2026-01-03 11:00+00'),  -- 49 h later: a new one
  ('browser', 'Purchase', NULL,      '2026-01-01 12:00+00');  -- no id: never merged

SELECT source, arrived_at,
       cq.dedup_keep(arrived_at, '48 hours')
           OVER (PARTITION BY cq.dedup_key(event_name, event_id) ORDER BY arrived_at) AS counts
  FROM copies
 WHERE cq.dedup_key(event_name, event_id) IS NOT NULL
 ORDER BY arrived_at;

SELECT event_name, source, rows, conversions, duplicates, multi_source_conversions
  FROM cq.dedup_report('copies');
