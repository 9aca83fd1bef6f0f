-- Identifier normalization: cq.normalize_email, cq.normalize_phone,
-- cq.normalize_identifier.  Expected values are the platforms' published
-- examples (shared reference DEDUP_RULES.md, section 2) and hand-checked rules.
\pset null '(null)'

-- Email: every platform trims and lowercases.
SELECT p AS platform, cq.normalize_email('  Person@Example.com ', p) AS normalized
  FROM unnest(ARRAY['generic', 'google', 'meta', 'tiktok', 'snap', 'uid2']) AS p;

-- Google's Data Manager examples: gmail.com folding removes dots and +tag ...
SELECT cq.normalize_email('cloudy.sanfrancisco+shopping@gmail.com', 'google');
-- ... googlemail.com too, and the domain is not rewritten ...
SELECT cq.normalize_email('Cloudy.SF+x@GoogleMail.com', 'google');
-- ... other domains keep dots and +tags.
SELECT cq.normalize_email('user.name+NYC@Example.com', 'google');
-- UID2 folds gmail.com only; meta and generic never fold.
SELECT cq.normalize_email('jane.saoirse+news@gmail.com', 'uid2') AS uid2_gmail,
       cq.normalize_email('jane.saoirse+news@googlemail.com', 'uid2') AS uid2_googlemail,
       cq.normalize_email('jane.saoirse+news@gmail.com', 'meta') AS meta_gmail,
       cq.normalize_email('jane.saoirse+news@gmail.com') AS generic_gmail;
-- Platform names are case-insensitive.
SELECT cq.normalize_email('A.B@gmail.com', 'GOOGLE');

-- Not an address: NULL, never an error.
SELECT v AS input, cq.normalize_email(v) AS normalized
  FROM unnest(ARRAY['', '   ', 'no-at-sign', '@example.com', 'user@', 'a b@example.com',
                    'a@b@example.com', E'user@exa\tmple.com']) AS v;
-- A Gmail local part that is only dots and a tag folds to nothing: NULL.
SELECT cq.normalize_email('..+tag@gmail.com', 'google');

-- Unicode: lowercased with Unicode case mapping, Unicode whitespace trimmed
-- (U+00A0 no-break space, U+3000 ideographic space), inner whitespace rejected.
SELECT cq.normalize_email(E'\u00a0ÉMILE.Zoë@Exemple.FR\u3000');
SELECT cq.normalize_email(E'emile\u00a0zoe@exemple.fr');

-- Phone: national formats with a default region, trunk prefixes removed.
SELECT input, region, cq.normalize_phone(input, region) AS e164
  FROM (VALUES ('(800)555-0100', 'US'),
               ('01 42 68 53 00', 'FR'),
               ('020 7183 8750', 'GB'),
               ('8 (912) 345-67-89', 'RU'),
               ('02-36618 300', 'IT'),         -- Italy keeps the leading 0
               ('(02) 1234 5678', 'AU'),
               ('+44 (0)20 7183 8750', NULL),  -- (0) inside an international number
               ('0044 20 7183 8750', 'GB'),    -- the region's own IDD prefix
               ('0044 20 7183 8750', 'US'),    -- 00 read as international anywhere
               ('011 44 20 7183 8750', 'US'),
               ('0044 20 7183 8750', NULL),
               ('441134960987', NULL),         -- country code without '+'
               ('1-800-FLOWERS', 'US'),        -- keypad letters
               ('(800) 555-0100 ext. 123', 'US'),  -- extension dropped
               ('+1 650-555-1212 x99', NULL),
               ('ab', 'us')) AS t(input, region);

-- Invalid numbers give NULL: too short, junk, a national number with no
-- region, a country code without '+' when a region is given.
SELECT input, region, cq.normalize_phone(input, region) AS e164
  FROM (VALUES ('12', NULL), ('12', 'US'), ('not a number', 'US'), ('', 'US'),
               ('020 7183 8750', NULL), ('441134960987', 'US'),
               ('+1 555 0100', NULL)) AS t(input, region);

-- Platform forms: '+<digits>' for e164/generic/google/tiktok/uid2,
-- digits only for meta and snap.
SELECT p AS platform, cq.normalize_phone('+44 844 412 4653', NULL, p) AS normalized
  FROM unnest(ARRAY['e164', 'generic', 'google', 'tiktok', 'uid2', 'meta', 'snap']) AS p;
SELECT cq.normalize_phone('1 (234) 567-8901', NULL, 'uid2') AS uid2_example,
       cq.normalize_phone('(02) 1234 5678', 'AU', 'uid2') AS uid2_au_example,
       cq.normalize_phone('123-456-7890', 'US', 'meta') AS meta_invalid_us;

-- Other identifier kinds, per platform.
SELECT kind, value, p AS platform, cq.normalize_identifier(value, kind, p) AS normalized
  FROM (VALUES ('first_name', '  Mary-Jane  '), ('last_name', 'O''Brien'),
               ('city', 'Seattle-98121'), ('city', 'New York'),
               ('state', 'N.Y.'), ('zip', '98121-4892'), ('zip', 'SW1A 1AA'),
               ('country', ' us '), ('country', 'USA'),
               ('external_id', ' User-42 ')) AS t(kind, value),
       unnest(ARRAY['generic', 'google', 'meta', 'tiktok']) AS p
 ORDER BY kind, value, p;
-- normalize_identifier delegates email and phone to their own normalizers.
SELECT cq.normalize_identifier(' A.B+c@Gmail.com', 'email', 'google'),
       cq.normalize_identifier('020 7183 8750', 'phone', 'meta', 'gb');

-- The valid regions: every ISO 3166-1 alpha-2 code libphonenumber knows.
SELECT cardinality(cq.phone_regions()) > 200 AS many,
       cq.phone_regions() @> ARRAY['US', 'GB', 'FR', 'DE', 'IT', 'AU', 'RU'] AS has_examples,
       cq.phone_regions() = ARRAY(SELECT unnest(cq.phone_regions()) ORDER BY 1) AS sorted,
       bool_and(r ~ '^[A-Z]{2}$') AS all_two_letters,
       bool_and(cq.normalize_phone('+442071838750', r) IS NOT NULL) AS all_accepted
  FROM unnest(cq.phone_regions()) AS r;

-- Caller mistakes: unknown platform, kind or region.
SELECT cq.normalize_email('a@b.com', 'facebook');
SELECT cq.normalize_phone('+1 650 555 1212', NULL, 'gmail');
SELECT cq.normalize_phone('(800)555-0100', 'USA');
SELECT cq.normalize_phone('(800)555-0100', 'XX');
SELECT cq.normalize_identifier('x', 'street');
