-- Bad input for every identity and dedup function: NULLs in every argument,
-- empty and whitespace strings, 1 MB strings, non-ASCII input, invalid
-- regions and platforms, negative, zero and NULL windows.  Each gives the
-- documented NULL or a clean error, never a crash.
\pset null '(null)'
CREATE TEMP TABLE big AS SELECT repeat('x', 1024 * 1024) AS mb, repeat(' ', 1024 * 1024) AS blank_mb,
                                repeat('é', 512 * 1024) AS mb_utf8;

-- normalize_email
SELECT cq.normalize_email(NULL) AS a, cq.normalize_email('a@b.c', NULL) AS b,
       cq.normalize_email('') AS c, cq.normalize_email(' ') AS d;
SELECT cq.normalize_email(mb) AS mb, cq.normalize_email(blank_mb) AS blank,
       length(cq.normalize_email(mb || '@example.com')) AS mb_address,
       length(cq.normalize_email(mb_utf8 || '@Example.com')) AS mb_utf8_address
  FROM big;
SELECT cq.normalize_email('Ünïcødé@例え.テスト'), cq.normalize_email(E'\u0130stanbul@x.tr');
SELECT cq.normalize_email('a@b.c', '');

-- normalize_phone
SELECT cq.normalize_phone(NULL) AS a, cq.normalize_phone('+442071838750', NULL, NULL) AS b,
       cq.normalize_phone('', 'US') AS c, cq.normalize_phone('   ', 'US') AS d,
       cq.normalize_phone('+') AS e, cq.normalize_phone('00') AS f;
SELECT cq.normalize_phone(mb, 'US') AS mb, cq.normalize_phone(repeat('5', 1024 * 1024), 'US') AS digits_mb
  FROM big;
SELECT cq.normalize_phone('＋４４ ２０ ７１８３ ８７５０') AS fullwidth_digits,
       cq.normalize_phone('٠٢٠ ٧١٨٣ ٨٧٥٠', 'GB') AS arabic_indic_digits;
SELECT cq.normalize_phone('+442071838750', '');
SELECT cq.normalize_phone('+442071838750', 'gbr');
SELECT cq.normalize_phone('+442071838750', 'É');
SELECT cq.normalize_phone('+442071838750', NULL, '');

-- normalize_identifier and match_key
SELECT cq.normalize_identifier(NULL, 'email') AS a, cq.normalize_identifier('x', NULL) AS b,
       cq.normalize_identifier('x', 'city', NULL) AS c, cq.normalize_identifier('x', 'city', 'meta', NULL) AS d;
SELECT cq.match_key(NULL, 'email') AS a, cq.match_key('x', NULL) AS b,
       cq.match_key('x', 'city', NULL) AS c, cq.match_key('x', 'external_id', 'meta', NULL) AS d;
SELECT k, cq.normalize_identifier('', k) AS empty, cq.normalize_identifier(E' \t ', k) AS blank,
       cq.normalize_identifier('--..', k, 'meta') AS punctuation_only
  FROM unnest(ARRAY['first_name', 'last_name', 'city', 'state', 'zip', 'country', 'external_id']) AS k;
SELECT length(cq.normalize_identifier(mb, 'first_name')) AS mb_name,
       length(cq.match_key(mb, 'external_id')) AS mb_key_length,
       length(cq.normalize_identifier(mb_utf8, 'city', 'meta')) AS mb_utf8_city
  FROM big;
SELECT cq.normalize_identifier('İSTANBUL', 'city'), cq.normalize_identifier('ΣΊΣΥΦΟΣ', 'last_name'),
       cq.normalize_identifier('Straße', 'last_name', 'meta');
SELECT cq.match_key('x', 'email', 'myspace');
SELECT cq.match_key('x', '');
SELECT cq.match_key('+442071838750', 'phone', 'google', 'ZZ');

-- dedup_key
SELECT cq.dedup_key(NULL, NULL) AS a, cq.dedup_key('n', NULL) AS b, cq.dedup_key('n', '') AS c,
       cq.dedup_key('n', ' ', 's') AS d, cq.dedup_key(NULL, 'x') IS NOT NULL AS e,
       cq.dedup_key('n', 'x', NULL) IS NOT NULL AS f;
SELECT cq.dedup_key(mb, mb, mb) IS NOT NULL AS mb_key, cq.dedup_key('n', blank_mb) AS blank_mb_id,
       cq.dedup_key('n', mb_utf8) <> cq.dedup_key('n', mb_utf8 || 'x') AS mb_utf8_distinct
  FROM big;

-- event_fingerprint
SELECT cq.event_fingerprint(NULL) IS NOT NULL AS untyped_null,
       cq.event_fingerprint(NULL::int, NULL::text) IS NOT NULL AS typed_nulls,
       cq.event_fingerprint('') <> cq.event_fingerprint(' ') AS blank_differs;
SELECT cq.event_fingerprint(mb, mb_utf8, blank_mb) IS NOT NULL AS mb_values FROM big;
SELECT cq.event_fingerprint('NaN'::float8, 'infinity'::float8, '-infinity'::timestamptz,
                            'infinity'::date, 'NaN'::numeric) IS NOT NULL AS special_values;

-- dedup_keep: NULL arrival, NULL window (never closes), zero and negative windows
SELECT t, cq.dedup_keep(t, w) OVER (ORDER BY t) AS keep
  FROM (VALUES (NULL::timestamptz, '1 hour'::interval), ('2026-01-01', NULL),
               ('2026-01-01 00:00:01', '0'), ('2026-01-05', NULL)) AS v(t, w);
SELECT cq.dedup_keep(now(), '-1 second') OVER ();
SELECT cq.dedup_keep(now(), '-1 month') OVER ();
SELECT cq.dedup_keep(now(), '1 month -1 day') OVER ();

-- Every caller mistake has a specific SQLSTATE.
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT query, pg_temp.sqlstate_of(query) AS sqlstate
  FROM unnest(ARRAY[
    $$SELECT cq.normalize_email('a@b.c', 'facebook')$$,
    $$SELECT cq.normalize_phone('1', 'XX')$$,
    $$SELECT cq.normalize_phone('1', NULL, 'whatsapp')$$,
    $$SELECT cq.normalize_identifier('x', 'street')$$,
    $$SELECT cq.match_key('x', 'zip', 'google')$$,
    $$SELECT cq.event_fingerprint(VARIADIC NULL::text[])$$,
    $$SELECT cq.dedup_keep(now(), '-1 hour') OVER ()$$,
    $$SELECT cq.dedup_keep(t) OVER (ORDER BY t DESC) FROM (VALUES (now()), (now() - '1 day'::interval)) v(t)$$,
    $$SELECT * FROM cq.dedup_report('pg_class', event_name_column => 'nope')$$,
    $$SELECT * FROM cq.dedup_report('pg_class', event_name_column => 'relname', event_id_column => 'relname', source_column => 'relname', arrived_at_column => 'relname')$$,
    $$SELECT * FROM cq.dedup_report(NULL)$$]) AS query;
