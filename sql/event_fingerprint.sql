-- cq.event_fingerprint: content keys for sources without event ids.
\pset null '(null)'

-- Reference for the documented encoding, for one argument of a send-form
-- type and one of a text-form type.
CREATE FUNCTION pg_temp.fp_ref(parts bytea[]) RETURNS uuid LANGUAGE sql AS $$
  SELECT encode(set_byte(set_byte(substring(d FROM 1 FOR 16), 6, (get_byte(d, 6) & 15) | 128),
                         8, (get_byte(d, 8) & 63) | 128), 'hex')::uuid
    FROM (SELECT sha256(convert_to('cq.event_fingerprint.v1', 'UTF8') || '\x00'::bytea
                        || int4send(cardinality(parts))
                        || (SELECT string_agg(p, ''::bytea ORDER BY o)
                              FROM unnest(parts) WITH ORDINALITY AS u(p, o))) AS d) x $$;
CREATE FUNCTION pg_temp.arg(typname text, value bytea) RETURNS bytea LANGUAGE sql AS $$
  SELECT int4send(octet_length(typname)) || convert_to(typname, 'UTF8')
         || CASE WHEN value IS NULL THEN '\x00'::bytea
                 ELSE '\x01'::bytea || int4send(octet_length(value)) || value END $$;

SELECT cq.event_fingerprint(42, 'Purchase'::text, NULL::text) AS key,
       cq.event_fingerprint(42, 'Purchase'::text, NULL::text) =
       pg_temp.fp_ref(ARRAY[pg_temp.arg('pg_catalog.int4', int4send(42)),
                            pg_temp.arg('pg_catalog.text', convert_to('Purchase', 'UTF8')),
                            pg_temp.arg('pg_catalog.text', NULL)]) AS matches_reference;
SELECT cq.event_fingerprint('2026-01-01 12:00+00'::timestamptz, 19.99::numeric) =
       pg_temp.fp_ref(ARRAY[pg_temp.arg('pg_catalog.timestamptz',
                                        timestamptz_send('2026-01-01 12:00+00')),
                            pg_temp.arg('pg_catalog.numeric', numeric_send(19.99))])
           AS matches_reference;

-- Golden vectors (must never change).
SELECT cq.event_fingerprint(17850, '536365'::text, '2010-12-01 08:26:00'::timestamp) AS uci_like,
       cq.event_fingerprint('clicks'::text, 1517085::bigint) AS otto_like,
       cq.event_fingerprint(true, 1.5::float8, '\xdeadbeef'::bytea, 'a7d9e7d4-5f0b-4a3e-9b1e-2f1f0c1d2e3f'::uuid)
           AS mixed;

-- Type-aware: the same digits as int, bigint, numeric and text differ;
-- an untyped literal and varchar count as text; a domain counts as its base type.
CREATE DOMAIN pg_temp.order_id AS text;
SELECT cq.event_fingerprint(1) = cq.event_fingerprint(1::bigint) AS int_eq_bigint,
       cq.event_fingerprint(1) = cq.event_fingerprint(1::numeric) AS int_eq_numeric,
       cq.event_fingerprint(1) = cq.event_fingerprint('1'::text) AS int_eq_text,
       cq.event_fingerprint('1') = cq.event_fingerprint('1'::text) AS unknown_eq_text,
       cq.event_fingerprint('1'::varchar) = cq.event_fingerprint('1'::text) AS varchar_eq_text,
       cq.event_fingerprint('A-1'::pg_temp.order_id) = cq.event_fingerprint('A-1'::text)
           AS domain_eq_base;
-- NULL-aware: NULL differs from '' and from a missing argument; order matters.
SELECT cq.event_fingerprint(NULL::text) = cq.event_fingerprint(''::text) AS null_eq_empty,
       cq.event_fingerprint('a'::text, NULL::text) = cq.event_fingerprint('a'::text) AS null_eq_missing,
       cq.event_fingerprint('a'::text, 'b'::text) = cq.event_fingerprint('b'::text, 'a'::text) AS order_ignored,
       cq.event_fingerprint('ab'::text, 'c'::text) = cq.event_fingerprint('a'::text, 'bc'::text) AS split_ignored,
       cq.event_fingerprint(NULL::int) = cq.event_fingerprint(NULL::text) AS null_types_ignored;
-- Values whose text form depends on settings are hashed in their binary form.
SET timezone = 'UTC';
CREATE TEMP TABLE fp_utc AS SELECT cq.event_fingerprint('2026-03-29 01:30+00'::timestamptz, 0.1::float8) AS k;
SET timezone = 'Asia/Kolkata';
SET datestyle = 'German';
SET extra_float_digits = 0;
SELECT k = cq.event_fingerprint('2026-03-29 01:30+00'::timestamptz, 0.1::float8) AS same_in_other_settings
  FROM fp_utc;
RESET timezone;
RESET datestyle;
RESET extra_float_digits;
-- VARIADIC arrays give the same key as the listed values.
SELECT cq.event_fingerprint(VARIADIC ARRAY[1, 2, 3]) = cq.event_fingerprint(1, 2, 3) AS variadic_eq,
       cq.event_fingerprint(VARIADIC ARRAY[1, NULL]) = cq.event_fingerprint(1, NULL::int) AS variadic_null_eq,
       cq.event_fingerprint(VARIADIC ARRAY[]::text[]) IS NOT NULL AS empty_variadic;
-- Arrays, records, json and enums are accepted.
CREATE TYPE pg_temp.channel AS ENUM ('web', 'app');
SELECT cq.event_fingerprint(ARRAY['a', 'b'], ROW(1, 'x'), '{"b": 1, "a": 2}'::jsonb,
                            'web'::pg_temp.channel) IS NOT NULL AS accepted,
       cq.event_fingerprint('{"a": 2, "b": 1}'::jsonb) = cq.event_fingerprint('{"b":1,"a":2}'::jsonb)
           AS jsonb_is_canonical;
-- Stable across sessions: recompute after reconnecting.
CREATE TABLE fp_saved AS SELECT cq.event_fingerprint(7, 'x'::text, now()::date - now()::date) AS k;
\c
SELECT k = cq.event_fingerprint(7, 'x'::text, 0) AS same_after_reconnect FROM fp_saved;
DROP TABLE fp_saved;
-- A VARIADIC NULL is the caller's mistake.
SELECT cq.event_fingerprint(VARIADIC NULL::int[]);
