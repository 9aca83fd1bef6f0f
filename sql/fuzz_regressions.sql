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
