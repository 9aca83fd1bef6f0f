-- Inputs the libFuzzer harnesses under test/fuzz/ found, pinned so that the
-- fix stays (README, "Hardening").  One section per finding, oldest first.
\pset null '(null)'

-- fuzz_identifier, idempotence: removing punctuation bared whitespace inside
-- a trimmed value, so Google and Meta names, cities and states kept a space
-- at an end ("Jane ." gave 'jane ', whose hash matches nobody's 'jane'), and
-- normalizing the result again gave something else.  The result is trimmed
-- again after the character steps.
SELECT v AS value, k AS kind, p AS platform,
       '"' || cq.normalize_identifier(v, k, p) || '"' AS normalized,
       cq.normalize_identifier(cq.normalize_identifier(v, k, p), k, p)
           IS NOT DISTINCT FROM cq.normalize_identifier(v, k, p) AS idempotent
  FROM (VALUES ('Jane .', 'first_name', 'google'),
               ('- Jane', 'last_name', 'meta'),
               ('  ]Mary-Jane  ] ', 'first_name', 'meta'),
               ('Seattle -', 'city', 'google'),
               ('( New York )', 'state', 'google'),
               ('Mary - Jane', 'first_name', 'google'),
               (' - ', 'first_name', 'meta')) AS t(v, k, p);
-- the hashed form follows: 'Jane .' and 'jane' give one match key
SELECT cq.match_key('Jane .', 'first_name', 'google') =
       cq.match_key('jane', 'first_name', 'google') AS same_key;

-- fuzz_rank_sample and fuzz_event_signal, in(out(v)) == v: the text input of
-- cq.rank_sample and cq.event_signal refused a subnormal float8 (strtod sets
-- ERANGE for it), though the output function writes one in shortest form:
-- a state holding 5e-324 could not be read back (pg_dump and restore, Citus
-- shipping partial states as text).  Underflow is accepted now; overflow
-- (1e400) is still refused.
SELECT cq_internal.rank_sample_transfn(cq_internal.rank_sample_transfn(NULL, 5e-324, 1), -1e-310, 2)::text AS sample_text;
SELECT cq_internal.rank_sample_transfn(cq_internal.rank_sample_transfn(NULL, 5e-324, 1), -1e-310, 2)::text::cq.rank_sample::text AS sample_again;
SELECT 'v1:1:5e-324,2.2250738585072014e-308'::cq.rank_sample::text AS smallest;
SELECT cq.event_signal(false, v)::text AS signal_text
  FROM (VALUES (5e-324::float8)) AS t(v);
SELECT cq.event_signal(false, v)::text::cq.event_signal::text AS signal_again
  FROM (VALUES (5e-324::float8)) AS t(v);
SELECT 'v1:1:1e400,1'::cq.rank_sample;
SELECT 'v1:1,1,1e400,0,0,0;0,0,0,0,0,0'::cq.event_signal;
