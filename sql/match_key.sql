-- cq.match_key: lowercase hex SHA-256 of the UTF-8 bytes of the normalized
-- value.  The published hashes below come from the platforms' documentation;
-- every other hash is checked against PostgreSQL's own sha256() here and
-- against the sha256sum tool in test/check_match_key_sha256.sh.
\pset null '(null)'

-- Snap's example: Person@Example.com -> person@example.com, 542d2401...
SELECT cq.match_key('Person@Example.com', 'email', 'snap');
-- X/Twitter's example: 'adsapi' -> 49e0be2a...
SELECT cq.match_key('adsapi', 'external_id');

-- match_key = sha256 of the normalized value, for every kind and platform.
CREATE TEMP TABLE identifiers(value text, kind text, region text);
INSERT INTO identifiers VALUES
  ('  Cloudy.SanFrancisco+Shopping@gmail.com', 'email', NULL),
  ('Émile.Zoë@Exemple.fr', 'email', NULL),
  ('(800)555-0100', 'phone', 'US'),
  ('020 7183 8750', 'phone', 'GB'),
  ('  Mary-Jane ', 'first_name', NULL),
  ('Ñúñez', 'last_name', NULL),
  ('Seattle-98121', 'city', NULL),
  ('N.Y.', 'state', NULL),
  ('98121-4892', 'zip', NULL),
  ('us', 'country', NULL),
  ('User-42', 'external_id', NULL);
SELECT count(*) AS checked,
       count(*) FILTER (WHERE cq.match_key(value, kind, p, region) =
                              encode(sha256(convert_to(
                                  cq.normalize_identifier(value, kind, p, region), 'UTF8')), 'hex'))
           AS equal_to_sha256
  FROM identifiers,
       unnest(ARRAY['generic', 'meta', 'tiktok', 'snap', 'uid2']) AS p;
-- Google hashes email, phone and names ...
SELECT count(*) AS checked,
       count(*) FILTER (WHERE cq.match_key(value, kind, 'google', region) =
                              encode(sha256(convert_to(
                                  cq.normalize_identifier(value, kind, 'google', region), 'UTF8')), 'hex'))
           AS equal_to_sha256
  FROM identifiers WHERE kind IN ('email', 'phone', 'first_name', 'last_name', 'external_id');
-- ... but wants city, state, zip and country in clear text: hashing them is a mistake.
SELECT cq.match_key('Seattle', 'city', 'google');
SELECT cq.normalize_identifier(' us ', 'country', 'google');

-- Per-platform hashes of one phone number differ where the forms differ.
SELECT p, cq.normalize_phone('020 7183 8750', 'GB', p) AS normalized,
       cq.match_key('020 7183 8750', 'phone', p, 'GB') AS key
  FROM unnest(ARRAY['google', 'meta']) AS p;

-- NULL where normalization gives NULL or an argument is NULL.
SELECT cq.match_key('not-an-email', 'email') AS bad_email,
       cq.match_key('12', 'phone', 'google', 'US') AS bad_phone,
       cq.match_key(NULL, 'email') AS null_value,
       cq.match_key('a@b.com', NULL) AS null_kind,
       cq.match_key('a@b.com', 'email', NULL) AS null_platform;
