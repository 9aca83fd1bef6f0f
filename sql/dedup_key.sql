-- cq.dedup_key: the versioned key encoding, pinned by golden vectors and by an
-- independent re-implementation of the documented encoding in plain SQL.
\pset null '(null)'

-- Reference: SHA-256("cq.dedup_key.v1" 0x00 field(scope) field(event_name)
-- field(event_id)), field(NULL) = 0x00, field(s) = 0x01 || int4 big-endian
-- UTF-8 length || UTF-8 bytes; first 16 bytes, version 8, variant 10.
CREATE FUNCTION pg_temp.field(s text) RETURNS bytea LANGUAGE sql AS $$
  SELECT CASE WHEN s IS NULL THEN '\x00'::bytea
         ELSE '\x01'::bytea || int4send(octet_length(convert_to(s, 'UTF8'))) || convert_to(s, 'UTF8')
         END $$;
CREATE FUNCTION pg_temp.ref_key(event_name text, event_id text, scope text) RETURNS uuid
LANGUAGE sql AS $$
  SELECT encode(set_byte(set_byte(substring(d FROM 1 FOR 16), 6, (get_byte(d, 6) & 15) | 128),
                         8, (get_byte(d, 8) & 63) | 128), 'hex')::uuid
    FROM (SELECT sha256(convert_to('cq.dedup_key.v1', 'UTF8') || '\x00'::bytea
                        || pg_temp.field(scope) || pg_temp.field(event_name)
                        || pg_temp.field(event_id)) AS d) x $$;

-- Golden vectors: these keys must never change (a key computed today must
-- equal the key computed on another machine or release).
SELECT event_name, event_id, scope, cq.dedup_key(event_name, event_id, scope) AS key,
       cq.dedup_key(event_name, event_id, scope) = pg_temp.ref_key(event_name, event_id, scope)
           AS matches_reference
  FROM (VALUES ('Purchase', 'ORDER-1001', NULL),
               ('Purchase', 'ORDER-1001', 'pixel:1234567890'),
               ('purchase', 'ORDER-1001', NULL),
               ('Lead', 'e7f1c2', 'AW-123/abc'),
               (NULL, 'ORDER-1001', NULL),
               ('', 'ORDER-1001', NULL),
               ('Purchase', 'ORDER-1001', ''),
               ('Kauf', 'Bestellung-ä€😀', NULL),
               ('ab', 'c', NULL),
               ('a', 'bc', NULL)) AS t(event_name, event_id, scope);

-- Length prefixes keep ('ab','c') and ('a','bc') apart, in every position.
SELECT cq.dedup_key('ab', 'c') <> cq.dedup_key('a', 'bc') AS name_id_split,
       cq.dedup_key('x', 'c', 'ab') <> cq.dedup_key('x', 'bc', 'a') AS scope_id_split,
       cq.dedup_key('ab', 'c', 's') <> cq.dedup_key('a', 'bc', 's') AS with_scope;
-- NULL and '' are different fields; the scope separates pixels/actions.
SELECT cq.dedup_key(NULL, 'x') <> cq.dedup_key('', 'x') AS null_vs_empty_name,
       cq.dedup_key('n', 'x', NULL) <> cq.dedup_key('n', 'x', '') AS null_vs_empty_scope,
       cq.dedup_key('n', 'x', 'A') <> cq.dedup_key('n', 'x', 'B') AS scopes_differ;
-- Exact bytes: no trimming or case folding of names or ids (platforms compare
-- them byte for byte; TikTok's CompletePayment vs Purchase are two events).
SELECT cq.dedup_key('Purchase', 'x') <> cq.dedup_key('purchase', 'x') AS case_matters,
       cq.dedup_key('Purchase', 'x') <> cq.dedup_key('Purchase', ' x') AS spaces_matter;
-- The key is a version 8 UUID with the RFC 9562 variant.
SELECT substring(k::text FROM 15 FOR 1) AS version_digit,
       substring(k::text FROM 20 FOR 1) IN ('8', '9', 'a', 'b') AS rfc_variant
  FROM (SELECT cq.dedup_key('Purchase', 'ORDER-1001') AS k) x;

-- A missing or blank event id must never merge distinct conversions: NULL.
SELECT id, cq.dedup_key('Purchase', id) AS key
  FROM unnest(ARRAY[NULL, '', ' ', E'\t\n', E'\u00a0\u3000']) AS id;

-- Agreement with the reference on 10,000 generated triples, with NULLs.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE cq.dedup_key(n, i, s) IS NOT DISTINCT FROM pg_temp.ref_key(n, i, s))
           AS equal
  FROM (SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE 'ev' || (g % 13) END AS n,
               md5(g::text) AS i,
               CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('s', g % 5) END AS s
          FROM generate_series(1, 10000) AS g) t;
