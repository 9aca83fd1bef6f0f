-- Sequence patterns (README "Sequence patterns"): ClickHouse's own tests of sequenceMatch,
-- sequenceCount and sequenceMatchEvents (tests/queries/0_stateless/
-- 00222_sequence_aggregate_function_family.sql: each line there states ClickHouse's answer,
-- "select 1 = sequenceMatch(...)"), run through the aggregates and the accessors; its DFA test
-- (00823_sequence_match_dfa.sql, 1,000,001 events); then our own edge cases and errors.
SET TimeZone = 'UTC';
CREATE TABLE sequence_test (time int, data int);
INSERT INTO sequence_test VALUES (0,0),(1,0),(2,0),(3,0),(4,1),(5,2),(6,0),(7,0),(8,0),(9,0),(10,1),(11,1);
-- ClickHouse's time column holds seconds: here the timestamp that many seconds after the epoch
CREATE VIEW seq_rows AS SELECT to_timestamp(time) AS ts, data FROM sequence_test;

-- kind, pattern, conditions (4: data = 0 .. 3; 2: data = 1, data = 2), ClickHouse's answer
-- (count() is 12 rows; event times as seconds)
CREATE TABLE ch_cases (n serial, kind text, pattern text, nconds int, clickhouse text);
INSERT INTO ch_cases (kind, pattern, nconds, clickhouse) VALUES
  ('match', '', 4, '1'),
  ('match', '.', 4, '1'),
  ('match', '.*', 4, '1'),
  ('match', '(?1)', 4, '1'),
  ('match', '(?2)', 4, '1'),
  ('match', '(?3)', 4, '1'),
  ('match', '(?4)', 4, '0'),
  ('match', '(?1)(?1)', 4, '1'),
  ('match', '(?1)(?1)(?1)', 4, '1'),
  ('match', '(?1)(?1)(?1)(?1)', 4, '1'),
  ('match', '(?1)(?1)(?1)(?1)(?1)', 4, '0'),
  ('match', '(?1)(?1)(?1)(?1)(?2)', 4, '1'),
  ('match', '(?1)(?t>10)(?2)', 4, '1'),
  ('match', '(?1)(?t>11)(?2)', 4, '0'),
  ('match', '(?1)(?t<11)(?2)', 4, '1'),
  ('match', '(?1)(?t<3)(?3)', 4, '1'),
  ('match', '(?1)(?t<=2)(?3)', 4, '1'),
  ('match', '(?1)(?t<2)(?3)', 4, '0'),
  ('match', '(?2)(?t>=7)(?2)', 4, '1'),
  ('match', '(?2)(?t>7)(?2)', 4, '0'),
  ('match', '(?2)(?3)(?1)', 4, '1'),
  ('match', '(?1)(?t==2)(?2)', 2, '0'),
  ('match', '(?1)(?t==1)(?2)', 2, '1'),
  ('count', '', 4, '12'),
  ('count', '.', 4, '12'),
  ('count', '.*', 4, '12'),
  ('count', '(?1)', 4, '8'),
  ('count', '(?2)', 4, '3'),
  ('count', '(?3)', 4, '1'),
  ('count', '(?4)', 4, '0'),
  ('count', '(?1)(?1)', 4, '4'),
  ('count', '(?1)(?1)(?1)', 4, '2'),
  ('count', '(?1)(?1)(?1)(?1)', 4, '2'),
  ('count', '(?1)(?1)(?1)(?1)(?1)', 4, '0'),
  ('count', '(?1)(?1)(?1)(?1)(?2)', 4, '2'),
  ('count', '(?1)(?t>10)(?2)', 4, '1'),
  ('count', '(?1)(?t>11)(?2)', 4, '0'),
  ('count', '(?1)(?t<11)(?2)', 4, '2'),
  ('count', '(?1)(?t<3)(?3)', 4, '1'),
  ('count', '(?1)(?t<=2)(?3)', 4, '1'),
  ('count', '(?1)(?t<2)(?3)', 4, '0'),
  ('count', '(?2)(?t>=7)(?2)', 4, '1'),
  ('count', '(?2)(?t>7)(?2)', 4, '0'),
  ('count', '(?2)(?3)(?1)', 4, '1'),
  ('count', '(?1)(?t==2)(?2)', 2, '0'),
  ('count', '(?1)(?t==1)(?2)', 2, '1'),
  ('events', '', 4, '{}'),
  ('events', '.', 4, '{}'),
  ('events', '.*', 4, '{}'),
  ('events', '(?1)', 4, '{0}'),
  ('events', '(?2)', 4, '{4}'),
  ('events', '(?3)', 4, '{5}'),
  ('events', '(?4)', 4, '{}'),
  ('events', '(?1)(?1)', 4, '{0,1}'),
  ('events', '(?1)(?1)(?1)', 4, '{0,1,2}'),
  ('events', '(?1)(?1)(?1)(?1)', 4, '{0,1,2,3}'),
  ('events', '(?1)(?1)(?1)(?1)(?1)', 4, '{0,1,2,3}'),
  ('events', '(?1)(?1)(?1)(?1)(?2)', 4, '{0,1,2,3,4}'),
  ('events', '(?1)(?t>10)(?2)', 4, '{0,11}'),
  ('events', '(?1)(?t>11)(?2)', 4, '{0}'),
  ('events', '(?1)(?t<11)(?2)', 4, '{0,4}'),
  ('events', '(?1)(?t<3)(?3)', 4, '{3,5}'),
  ('events', '(?1)(?t<=2)(?3)', 4, '{3,5}'),
  ('events', '(?1)(?t<2)(?3)', 4, '{0}'),
  ('events', '(?2)(?t>=7)(?2)', 4, '{4,11}'),
  ('events', '(?2)(?t>7)(?2)', 4, '{4}'),
  ('events', '(?2)(?3)(?1)', 4, '{4,5,6}'),
  ('events', '(?1)(?t==2)(?2)', 2, '{4}'),
  ('events', '(?1)(?t==1)(?2)', 2, '{4,5}');

-- our answers, from the aggregates over the rows
CREATE TABLE ours AS
SELECT c.n,
       CASE c.kind WHEN 'match' THEN r.m::int::text WHEN 'count' THEN r.k::text
                   ELSE (SELECT coalesce(array_agg(extract(epoch FROM t)::int ORDER BY o), '{}')::text
                           FROM unnest(r.e) WITH ORDINALITY u(t, o)) END AS got
  FROM ch_cases c,
       LATERAL (SELECT cq.sequence_match(c.pattern, ts, data = 0, data = 1, data = 2, data = 3) AS m,
                       cq.sequence_count(c.pattern, ts, data = 0, data = 1, data = 2, data = 3) AS k,
                       cq.sequence_match_events(c.pattern, ts, data = 0, data = 1, data = 2, data = 3) AS e
                  FROM seq_rows) r
 WHERE c.nconds = 4
UNION ALL
SELECT c.n,
       CASE c.kind WHEN 'match' THEN r.m::int::text WHEN 'count' THEN r.k::text
                   ELSE (SELECT coalesce(array_agg(extract(epoch FROM t)::int ORDER BY o), '{}')::text
                           FROM unnest(r.e) WITH ORDINALITY u(t, o)) END
  FROM ch_cases c,
       LATERAL (SELECT cq.sequence_match(c.pattern, ts, data = 1, data = 2) AS m,
                       cq.sequence_count(c.pattern, ts, data = 1, data = 2) AS k,
                       cq.sequence_match_events(c.pattern, ts, data = 1, data = 2) AS e
                  FROM seq_rows) r
 WHERE c.nconds = 2;
SELECT c.n, c.kind, c.pattern, c.nconds, c.clickhouse, o.got, o.got = c.clickhouse AS same
  FROM ch_cases c JOIN ours o USING (n) ORDER BY c.n;
SELECT count(*) AS cases, count(*) FILTER (WHERE o.got = c.clickhouse) AS equal_to_clickhouse
  FROM ch_cases c JOIN ours o USING (n);

-- the accessors over a stored funnel state give the same answers
CREATE TABLE seq_states AS
SELECT cq.funnel_events(ts, data = 0, data = 1, data = 2, data = 3) AS st4,
       cq.funnel_events(ts, data = 1, data = 2) AS st2
  FROM seq_rows;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE o.got = CASE c.kind
           WHEN 'match' THEN cq.sequence_match(CASE c.nconds WHEN 4 THEN s.st4 ELSE s.st2 END, c.pattern)::int::text
           WHEN 'count' THEN cq.sequence_count(CASE c.nconds WHEN 4 THEN s.st4 ELSE s.st2 END, c.pattern)::text
           ELSE (SELECT coalesce(array_agg(extract(epoch FROM t)::int ORDER BY o), '{}')::text
                   FROM unnest(cq.sequence_match_events(CASE c.nconds WHEN 4 THEN s.st4 ELSE s.st2 END, c.pattern))
                        WITH ORDINALITY u(t, o)) END) AS accessors_agree
  FROM ch_cases c JOIN ours o USING (n), seq_states s;

-- ClickHouse's DFA test: one user, A then 999,999 B then C; ABA cannot match, and a
-- backtracking search would try every B (ClickHouse: "cannot pass without the DFA")
CREATE TABLE seq_dfa AS
SELECT CASE WHEN g = 0 THEN 'A' WHEN g < 1000000 THEN 'B' ELSE 'C' END AS e, to_timestamp(g) AS ts
  FROM generate_series(0, 1000000) g;
SELECT cq.sequence_match('(?1).*(?2).*(?3)', ts, e = 'A', e = 'B', e = 'C') AS abc,
       cq.sequence_match('(?1).*(?2).*(?3)', ts, e = 'A', e = 'B', e = 'A') AS aba,
       cq.sequence_match('(?1).*(?2).*(?3).*(?4)', ts, e = 'A', e = 'B', e = 'B', e = 'C') AS abbc,
       cq.sequence_match('(?1).*(?2).*(?3)', ts, e = 'C', e = 'B', e = 'A') AS cba
  FROM seq_dfa;
DROP TABLE seq_dfa;

-- Our edge cases.  Rows satisfying no condition are not events (ClickHouse's own example:
-- with conditions number = 1, 2, 3, the 3 between 1 and 2 breaks (?1)(?2); with 1, 2, 4 it
-- is not an event and the pattern matches)
SELECT cq.sequence_match('(?1)(?2)', to_timestamp(t), g = 1, g = 2, g = 3) AS with_3,
       cq.sequence_match('(?1)(?2)', to_timestamp(t), g = 1, g = 2, g = 4) AS with_4
  FROM (VALUES (1, 1), (2, 3), (3, 2), (4, 5)) v(t, g);
-- ClickHouse's documented sequenceMatchEvents example: no event satisfies number = 4, so there
-- is no match, and the longest chain matched on the way is the answer (its times 1, 3, 4)
SELECT cq.sequence_match_events('(?1).*(?2).*(?1)(?3)', to_timestamp(t), n = 1, n = 2, n = 4) AS longest_chain
  FROM (VALUES (1, 1), (2, 3), (3, 2), (4, 1), (5, 3), (6, 2)) v(t, n);
-- NULLs: a NULL condition, time or condition array skips the row (as a NULL step does in
-- cq.window_funnel), no row gives NULL; a NULL pattern is refused
SELECT cq.sequence_count('(?1)(?2)', ts, a, b) AS count_null_skipped,
       cq.sequence_match_events('(?1)(?2)', ts, a, b) AS events
  FROM (VALUES (timestamptz '2024-01-01 00:00+00', true, false), ('2024-01-01 00:01+00', NULL, true),
               (NULL, false, true)) v(ts, a, b);
SELECT cq.sequence_match('(?1)', ts, c) IS NULL AS no_rows
  FROM (SELECT timestamptz '2024-01-01 00:00+00', true WHERE false) v(ts, c);
SELECT cq.sequence_match(NULL, ts, true) FROM (VALUES (timestamptz '2024-01-01 00:00+00')) v(ts);
-- time conditions are seconds, on microsecond times: 1.5 s is neither (?t==1) nor (?t==2)
SELECT cq.sequence_match('(?1)(?t==1)(?2)', ts, e = 'a', e = 'b') AS eq_1,
       cq.sequence_match('(?1)(?t<2)(?2)', ts, e = 'a', e = 'b') AS lt_2,
       cq.sequence_match('(?1)(?t>1)(?2)', ts, e = 'a', e = 'b') AS gt_1,
       cq.sequence_match('(?1)(?t>=9223372036854775807)(?2)', ts, e = 'a', e = 'b') AS huge
  FROM (VALUES (timestamptz '2024-01-01 00:00:00+00', 'a'), ('2024-01-01 00:00:01.5+00', 'b')) v(ts, e);
-- 32 conditions; a parallel plan gives the serial answer
SELECT cq.sequence_count('(?1).*(?32)', ts, VARIADIC (SELECT array_agg(g % 32 = k) FROM generate_series(0, 31) k))
  FROM (SELECT g, to_timestamp(g) AS ts FROM generate_series(1, 100) g) v;
CREATE TABLE seq_par AS
SELECT g % 50 AS u, to_timestamp(g) AS ts, (g * 7) % 5 AS e FROM generate_series(1, 20000) g;
ANALYZE seq_par;
CREATE TABLE seq_serial AS
SELECT cq.sequence_count('(?1).*(?2)(?t<=600)(?3)', ts, e = 0, e = 1, e = 2) AS k,
       cq.sequence_match_events('(?1).*(?2)(?t<=600)(?3)', ts, e = 0, e = 1, e = 2) AS ev
  FROM seq_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT cq.sequence_count('(?1).*(?2)(?t<=600)(?3)', ts, e = 0, e = 1, e = 2) FROM seq_par;
SELECT s.k = p.k AND s.ev = p.ev AS parallel_equals_serial, s.k
  FROM seq_serial s,
       (SELECT cq.sequence_count('(?1).*(?2)(?t<=600)(?3)', ts, e = 0, e = 1, e = 2) AS k,
               cq.sequence_match_events('(?1).*(?2)(?t<=600)(?3)', ts, e = 0, e = 1, e = 2) AS ev
          FROM seq_par) p;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE seq_par, seq_serial;

-- Errors: patterns that do not parse (the position is in the message), conditions out of
-- range, a pattern that changes within a group, too many conditions, a search that passes
-- ClickHouse's limit of 1,000,000 backtracking steps
SELECT cq.sequence_match('(?1', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?3)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?0)', timestamptz '2024-01-01 00:00+00', true, false);
-- (accepted, as in ClickHouse: the pattern's implicit leading .* comes before it)
SELECT cq.sequence_match('(?t<5)(?1)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?1)(?t<=x)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?1)(?t~5)(?2)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?1) (?2)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?1)(?t<5)(?t>1)(?2)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match('(?1)(?t<99999999999999999999)(?2)', timestamptz '2024-01-01 00:00+00', true, false);
SELECT cq.sequence_match(repeat('.', 200), timestamptz '2024-01-01 00:00+00', true);
SELECT cq.sequence_match(p, ts, true) FROM (VALUES ('(?1)', timestamptz '2024-01-01 00:00+00'), ('.', '2024-01-01 00:01+00')) v(p, ts);
SELECT cq.sequence_match('(?1)', ts, c, c) FROM (VALUES (timestamptz '2024-01-01 00:00+00', true)) v(ts, c);
SELECT cq.sequence_match('(?1)', timestamptz '2024-01-01 00:00+00', VARIADIC array_fill(true, ARRAY[33]));
SELECT cq.sequence_match('(?1)', timestamptz '2024-01-01 00:00+00', VARIADIC '{}'::boolean[]);
-- 3,000 events of condition 1 a second apart, then one of condition 2: the time condition
-- can never hold, and the search tries every way to pick the three (?1) first
SELECT cq.sequence_match('(?1).*(?1).*(?1)(?t>100000)(?2)', to_timestamp(g), g <= 3000, g = 3001)
  FROM generate_series(1, 3001) g;
-- the same group without a way to find (?2) after the (?1): refused at once, no search
SELECT cq.sequence_match('(?1).*(?1).*(?1)(?t>100000)(?2)', to_timestamp(g), g > 1, g = 1)
  FROM generate_series(1, 3001) g;
DROP TABLE ours, seq_states, ch_cases;
DROP VIEW seq_rows;
DROP TABLE sequence_test;
