-- The bad-input matrix of issue 5 for the funnel and signal-quality functions
-- (the identity and dedup functions have theirs in dedup_bad_input): NULL in
-- each argument, empty groups, extreme timestamps, NaN and infinite values,
-- wrong array lengths, 33 steps, states from a different step count.  Every
-- case gives its documented value or a clean error with a specific SQLSTATE.
\pset null '(null)'
SET timezone = 'UTC';

CREATE FUNCTION pg_temp.outcome(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    EXECUTE query INTO v;
    RETURN coalesce(v, '(null)');
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE;
END $$;

CREATE TABLE ev (u int, t timestamptz, e text, v float8);
INSERT INTO ev VALUES
  (1, '2026-01-01 00:00', 'a', 0), (1, '2026-01-01 00:10', 'b', 5), (1, '2026-01-01 00:20', 'c', 0),
  (2, '2026-01-01 00:00', 'a', 0), (2, NULL, 'b', 3), (2, '2026-01-01 00:05', NULL, 1);

SELECT query, pg_temp.outcome(query) AS outcome
  FROM unnest(ARRAY[
    -- window_funnel: NULL window or mode is the caller's mistake; NULL rows are skipped
    $$SELECT cq.window_funnel(NULL::interval, t, e = 'a', e = 'b') FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', NULL::text, t, e = 'a', e = 'b') FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', t, e = 'a', e = 'b', e = 'c') FROM ev WHERE u = 2$$,
    $$SELECT cq.window_funnel('1 hour', t, e = 'a', e = 'b') FROM ev WHERE false$$,
    $$SELECT cq.window_funnel('-1 hour', t, e = 'a', e = 'b') FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', 'no_such_mode', t, e = 'a') FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', 'allow_reentry', t, e = 'a') FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', t, VARIADIC array_fill(true, ARRAY[33])) FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', t, VARIADIC array_fill(true, ARRAY[32])) FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', t, VARIADIC '{}'::boolean[]) FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', t, VARIADIC CASE WHEN u = 1 THEN ARRAY[true, true] ELSE ARRAY[true] END) FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', t, VARIADIC NULL::boolean[]) FROM ev$$,
    $$SELECT cq.window_funnel('1 hour', repeat('strict_order,', 80000), t, e = 'a') FROM ev$$,
    -- extreme timestamps
    $$SELECT cq.window_funnel('1 day', t, t > '-infinity', t < 'infinity') FROM unnest(ARRAY['-infinity', '4714-11-24 00:00+00 BC']::timestamptz[]) t$$,
    $$SELECT cq.window_funnel('1 day', t, t < '294276-12-31', t >= '294276-12-31') FROM unnest(ARRAY['294276-12-30 23:00+00', '294276-12-31 12:00+00']::timestamptz[]) t$$,
    $$SELECT cq.window_funnel('1000 years', t, true, true) FROM unnest(ARRAY['infinity', 'infinity']::timestamptz[]) t$$,
    -- retention
    $$SELECT cq.retention(VARIADIC array_fill(true, ARRAY[33]))$$,
    $$SELECT cq.retention(VARIADIC NULL::boolean[])$$,
    $$SELECT cq.retention(e = 'a', e = 'b') FROM ev WHERE false$$,
    $$SELECT cq.retention(e = 'a', e = 'b') FROM ev WHERE u = 2$$,
    -- two-step API: NULL states and arguments, mismatched step counts
    $$SELECT cq.funnel_stage(NULL, '1 hour'::interval)$$,
    $$SELECT cq.funnel_stage(cq.funnel_events(t, e = 'a', e = 'b'), NULL::interval) FROM ev$$,
    $$SELECT cq.funnel_stage(cq.funnel_events(t, e = 'a', e = 'b'), ARRAY['1 hour']::interval[]) FROM ev$$,
    $$SELECT cq.funnel_stage(cq.funnel_events(t, e = 'a', e = 'b'), ARRAY['1 hour', '1 hour', '1 hour']::interval[]) FROM ev$$,
    $$SELECT cq.funnel_stage(cq.funnel_events(t, e = 'a', e = 'b'), ARRAY['1 hour', NULL]::interval[]) FROM ev$$,
    $$SELECT cq.funnel_stage(cq.funnel_events(t, e = 'a', e = 'b'), '1 hour'::interval, '', ARRAY[1, 2]) FROM ev$$,
    $$SELECT cq.funnel_step_times(cq.funnel_events(t, e = 'a', e = 'b'), '1 hour'::interval) FROM ev WHERE false$$,
    $$SELECT cq.funnel_rollup(s) FROM (SELECT cq.funnel_events(t, e = 'a') AS s FROM ev UNION ALL SELECT cq.funnel_events(t, e = 'a', e = 'b') FROM ev) x$$,
    $$SELECT cq.funnel_rollup(s) FROM (SELECT NULL::cq.funnel_state AS s) x$$,
    $$SELECT (cq.funnel_report(s, '1 hour'::interval))[1].users FROM (SELECT cq.funnel_events(t, e = 'a', e = 'b') AS s FROM ev WHERE false) x$$,
    -- stored states that are not states
    $$SELECT 'v1 steps=33 params=- events=0'::cq.funnel_state::text$$,
    $$SELECT 'v2 steps=2 params=- events=0'::cq.funnel_state::text$$,
    $$SELECT ''::cq.funnel_state::text$$,
    -- event_signal: NULL rows skipped, non-finite values an error, empty groups
    $$SELECT cq.signal_n(cq.event_signal(NULL, v)) FROM ev$$,
    $$SELECT cq.signal_n(cq.event_signal(e = 'a', NULL)) FROM ev$$,
    $$SELECT cq.event_signal(true, 'NaN')$$,
    $$SELECT cq.event_signal(true, 'Infinity')$$,
    $$SELECT cq.event_signal(true, '-Infinity')$$,
    $$SELECT cq.event_signal(true, 1e308) FROM generate_series(1, 3)$$,
    $$SELECT cq.signal_correlation(cq.event_signal(e = 'a', v)) FROM ev WHERE false$$,
    $$SELECT cq.signal_p_value(cq.event_signal(true, v)) FROM ev$$,
    $$SELECT cq.signal_odds_ratio_ci(cq.event_signal(e = 'a', v), 1.5) FROM ev$$,
    $$SELECT cq.signal_odds_ratio_ci(cq.event_signal(e = 'a', v), NULL) FROM ev$$,
    $$SELECT cq.signal_rollup(NULL::cq.event_signal)$$,
    $$SELECT 'v9:1,0,0,0,0,0;0,0,0,0,0,0'::cq.event_signal::text$$,
    -- rank measures
    $$SELECT cq.rank_correlation(x, y) FROM (VALUES (1::float8, 'NaN'::float8), (2, 3)) v(x, y)$$,
    $$SELECT cq.rank_correlation(x, y) FROM (VALUES (1::float8, 'Infinity'::float8), (2, 3), (3, 1)) v(x, y)$$,
    $$SELECT cq.rank_correlation(x, y) FROM (VALUES (1::float8, 1::float8)) v(x, y)$$,
    $$SELECT cq.auc(x, y) FROM (VALUES (0.5::float8, true), (0.2, true)) v(x, y)$$,
    $$SELECT cq.auc(x, y) FROM (VALUES (0.5::float8, NULL::boolean), (NULL, true)) v(x, y)$$,
    -- rank_events: caller mistakes
    $$SELECT count(*) FROM cq.rank_events(NULL, '1 day')$$,
    $$SELECT count(*) FROM cq.rank_events('ev', NULL)$$,
    $$SELECT count(*) FROM cq.rank_events('ev', '-1 day')$$,
    $$SELECT count(*) FROM cq.rank_events('ev', '1 day', user_column => 'nope')$$,
    $$SELECT count(*) FROM cq.rank_events('ev', '1 day', event_column => repeat('é', 524288))$$,
    $$SELECT count(*) FROM cq.rank_events('ev', '1 day', user_column => 'u', time_column => 'e')$$
  ]) AS query;
