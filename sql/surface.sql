-- SQL surface review (README, "Hardening"): the catalog markings of every
-- object of the extension, checked as rules.  Each rule query lists the
-- objects that break it, so its expected output is empty; an object added
-- later without the markings makes it fail.  The inventory at the end pins
-- every function's markings, so any change to them shows in the diff.
\pset null '(null)'
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE VIEW surface_objects AS
SELECT d.classid, d.objid, d.objsubid,
       pg_describe_object(d.classid, d.objid, d.objsubid) AS object
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND e.extname = 'conversion_quality';

CREATE VIEW surface_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.prokind, p.provolatile,
       p.proisstrict, p.proparallel, p.prosecdef, l.lanname, p.proconfig
  FROM surface_objects o
  JOIN pg_proc p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
  JOIN pg_language l ON l.oid = p.prolang;

-- Rule 1: nothing is SECURITY DEFINER (a caller must never borrow the
-- installer's privileges).
SELECT signature AS security_definer FROM surface_functions WHERE prosecdef ORDER BY 1;

-- Rule 2: volatility is declared: nothing is left VOLATILE (the default), so
-- the planner may pre-evaluate, inline and index; every function here is a
-- pure computation or a read, except those that write the registered sources,
-- funnels and reports (src/report.sql) and the daily states (src/daily.sql),
-- listed here.
SELECT signature AS volatile FROM surface_functions WHERE provolatile = 'v' ORDER BY 1;

-- Rule 3: parallel safety is declared: nothing is left PARALLEL UNSAFE (the
-- default), which would force every query that calls it to run serially;
-- except the same writers, which must be (a parallel worker cannot write).
SELECT signature AS parallel_unsafe FROM surface_functions WHERE proparallel = 'u' ORDER BY 1;

-- Rule 4: every object has a COMMENT, the schema included.
SELECT object AS without_comment
  FROM surface_objects o
 WHERE obj_description(o.objid, (SELECT c.relname FROM pg_class c WHERE c.oid = o.classid))
       IS NULL
 ORDER BY 1;

-- Rule 5: every SQL-language or PL/pgSQL function pins search_path, to a
-- path without public or $user that ends with pg_temp, so that objects a
-- caller creates cannot capture the names it uses.  One exception, listed:
-- cq_internal.channel_kind, evaluated per row by cq.refresh and therefore
-- written to be inlined (a SET clause prevents inlining); its body names only
-- pg_catalog functions, qualified, and compares text constants with the
-- built-in = that pg_catalog, searched first, provides.
SELECT signature AS search_path_not_pinned, proconfig
  FROM surface_functions
 WHERE lanname IN ('sql', 'plpgsql')
   AND NOT EXISTS (SELECT 1 FROM unnest(proconfig) AS c
                    WHERE c LIKE 'search\_path=%'
                      AND c NOT LIKE '%public%' AND c NOT LIKE '%$user%'
                      AND c LIKE '%pg\_temp')
 ORDER BY 1;

-- Rule 6: every function is a C function of our module or a SQL-language /
-- PL/pgSQL function (no untrusted language; C functions come from
-- MODULE_PATHNAME); aggregates are listed with language internal.
SELECT s.signature AS unexpected_language, s.lanname, p.probin
  FROM surface_functions s JOIN pg_proc p ON p.oid = s.oid
 WHERE NOT (s.lanname IN ('sql', 'plpgsql') OR
            (s.lanname = 'c' AND p.probin LIKE '%conversion_quality') OR
            (s.lanname = 'internal' AND s.prokind = 'a'))
 ORDER BY 1;

-- Rule 7: no privilege beyond the defaults is granted on the extension's
-- functions (EXECUTE to PUBLIC is the default), and the schema grants
-- USAGE to PUBLIC and nothing else (functions run with the caller's
-- privileges, so this exposes no data; a DBA may revoke it).
SELECT signature AS extra_grants, p.proacl
  FROM surface_functions s JOIN pg_proc p ON p.oid = s.oid
 WHERE p.proacl IS NOT NULL
 ORDER BY 1;
SELECT nspname, nspacl FROM pg_namespace WHERE nspname IN ('cq', 'cq_internal') ORDER BY 1;

-- Rule 7b: what an analyst calls is in cq, what supports it in cq_internal:
-- transition, final and combine functions, type I/O and scans are not in cq,
-- and cq_internal holds no aggregate, type or function an analyst would call
-- besides those, only the privilege checks and steps of the reports
-- (may_*, check_source*, refresh_source, source_relation) and of the
-- tracking diagnostics (channel_kind, *_difference, standard_events,
-- dedup_explain_*, check_customer_columns, identifier_valid, match_weight,
-- reconcile_source).
SELECT signature AS support_function_in_cq
  FROM surface_functions
 WHERE signature LIKE 'cq.%'
   AND signature ~ '^cq\.[a-z_]+_(transfn|finalfn|combine|in|out|send|recv|scan)\('
 ORDER BY 1;
SELECT signature AS user_object_in_cq_internal
  FROM surface_functions
 WHERE signature LIKE 'cq\_internal.%'
   AND (prokind = 'a' OR (signature !~ '_(transfn|finalfn|combine|serialize|deserialize|in|out|send|recv|scan)\('
                          AND signature !~ '^cq_internal\.(may_[a-z_]+|reconcile_source|check_source[a-z_]*|refresh_source|source_relation|channel_kind[a-z_]*|[a-z]+_difference|standard_events|dedup_explain_[a-z]+|daily_[a-z_]+|check_customer_columns|identifier_valid|match_weight|bh_q_values)\('))
 ORDER BY 1;
SELECT t.typnamespace::regnamespace AS schema, t.typname
  FROM surface_objects o JOIN pg_type t ON o.classid = 'pg_type'::regclass AND t.oid = o.objid
 ORDER BY 2;
-- what \df cq.* lists (1.0 listed 171 functions, 81 of them support functions
-- and 80 cq.window_funnel entries)
SELECT count(*) AS df_cq, count(*) FILTER (WHERE prokind = 'a') AS aggregates,
       count(*) FILTER (WHERE proname = 'window_funnel') AS window_funnel
  FROM pg_proc WHERE pronamespace = 'cq'::regnamespace;

-- The inventory, reviewed by hand: kind (f function, w window, a
-- aggregate), volatility (i immutable, s stable), strict, parallel (s safe,
-- r restricted).  Why each is what it is: README, "Hardening".
SELECT signature, prokind, provolatile, proisstrict, proparallel, lanname
  FROM surface_functions ORDER BY signature;

-- IMMUTABLE means the same answer in every session whatever its settings.
-- Every IMMUTABLE function has probes here (rule 8 lists any without one);
-- their results are stored, the session is replaced with one whose
-- settings differ, and the probes run again.
CREATE TABLE surface_ev (t timestamptz, e text, u int);
INSERT INTO surface_ev VALUES ('2026-01-01 00:00+00', 'a', 1), ('2026-01-01 00:30+00', 'b', 1),
  ('2026-01-01 02:00+00', 'c', 1), ('2026-01-01 00:10+00', 'a', 2),
  ('2026-01-01 00:20+00', 'b', 2), ('2026-01-01 00:25+00', 'c', 2);
CREATE TABLE surface_sig (h boolean, x float8);
INSERT INTO surface_sig VALUES (true, 12.5), (true, 0), (false, 3), (false, 0), (false, 0),
  (true, 40), (false, -2);
CREATE TABLE surface_probe (fn text, call text, result text);
INSERT INTO surface_probe (fn, call) VALUES
  ('cq_internal.bh_q_values', $$cq_internal.bh_q_values('{0.01,0.04,0.03,NULL,0.2}')::numeric[]$$),
  ('cq.attribution_credits', $$(SELECT cq.attribution_credits(t, e, e = 'c', 1.5, 'linear', '2 hours', '1 hour') FROM public.surface_ev)$$),
  ('cq.attribution_rollup', $$(SELECT cq.attribution_rollup(s) FROM (VALUES ('{"credit": {"a": [0.1, 2]}, "unattributed": [0, 0]}'::jsonb), ('{"credit": {"a": [0.2, 1], "b": [1, 0.3]}, "unattributed": [1, 3]}')) v(s))$$),
  ('cq.attribution_rows', $$(SELECT string_agg(concat_ws(':', channel, conversions::numeric, value::numeric), ',') FROM cq.attribution_rows('{"credit": {"a": [1.5, 3]}, "unattributed": [1, 2]}') x)$$),
  ('cq.normalize_email', $$cq.normalize_email('  Cloudy.SF+x@GoogleMail.com', 'google')$$),
  ('cq.normalize_email', $$cq.normalize_email('ÉMILE.ZOË@EXEMPLE.FR')$$),
  ('cq.normalize_email', $$cq.normalize_email('İSTANBUL@ÖRNEK.COM.TR', 'meta')$$),
  ('cq.normalize_phone', $$cq.normalize_phone('020 7183 8750', 'GB', 'meta')$$),
  ('cq.normalize_phone', $$cq.normalize_phone('0044 20 7183 8750', 'FR')$$),
  ('cq.normalize_phone', $$cq.normalize_phone('1 (234) 567-8901')$$),
  ('cq.normalize_identifier', $$cq.normalize_identifier('ΣΊΣΥΦΟΣ', 'last_name', 'meta')$$),
  ('cq.normalize_identifier', $$cq.normalize_identifier(' us ', 'country', 'google')$$),
  ('cq.normalize_identifier', $$cq.normalize_identifier('Seattle-98121', 'city', 'meta')$$),
  ('cq.match_key', $$cq.match_key('Straße', 'last_name', 'meta')$$),
  ('cq.match_key', $$cq.match_key('(800)555-0100', 'phone', 'google', 'US')$$),
  ('cq.dedup_key', $$cq.dedup_key('Kauf', 'Bestellung-ä€😀', 'pixel:1')$$),
  ('cq.dedup_key', $$cq.dedup_key(NULL, 'ORDER-1001')$$),
  -- funnels and signal quality (floats compared through numeric, which does
  -- not follow extra_float_digits; timestamps through their epoch)
  ('cq.phone_regions', $$cardinality(cq.phone_regions())$$),
  ('cq.window_funnel', $$(SELECT cq.window_funnel(interval '1 hour', t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1)$$),
  ('cq.window_funnel', $$(SELECT cq.window_funnel(interval '1 day', 'strict_order', t::timestamp, VARIADIC ARRAY[e = 'a', e = 'b', e = 'c']) FROM public.surface_ev WHERE u = 2)$$),
  ('cq.funnel_events', $$(SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1)$$),
  ('cq.funnel_rollup', $$(SELECT cq.funnel_rollup(s) FROM (SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') AS s FROM public.surface_ev GROUP BY u) x)$$),
  ('cq.funnel_stage', $$cq.funnel_stage((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), interval '1 hour')$$),
  ('cq.funnel_stage', $$cq.funnel_stage((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), ARRAY[interval '1 hour', interval '3 hours'])$$),
  ('cq.funnel_step_times', $$extract(epoch FROM (cq.funnel_step_times((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), interval '3 hours'))[3])$$),
  ('cq.funnel_step_times', $$cardinality(cq.funnel_step_times((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), ARRAY[interval '1 hour', interval '1 hour']))$$),
  ('cq.funnel_report', $$(SELECT (cq.funnel_report(s, interval '3 hours'))[3].users FROM (SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') AS s FROM public.surface_ev GROUP BY u) x)$$),
  ('cq.funnel_any_order', $$cq.funnel_any_order((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), interval '1 hour')$$),
  ('cq.funnel_completions', $$cq.funnel_completions((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 2), interval '1 hour')$$),
  ('cq.funnel_revenue', $$(SELECT (cq.funnel_revenue(s, u * 10.5, interval '3 hours'))[2].revenue_median FROM (SELECT u, cq.funnel_events(t, e = 'a', e = 'b', e = 'c') AS s FROM public.surface_ev GROUP BY u) x)$$),
  ('cq.funnel_conversion_curve', $$(SELECT extract(epoch FROM (cq.funnel_conversion_curve(s, interval '3 hours', timestamptz '2100-01-01 00:00+00'))[1].time_to_convert) FROM (SELECT u, cq.funnel_events(t, e = 'a', e = 'b', e = 'c') AS s FROM public.surface_ev GROUP BY u) x)$$),
  ('cq.funnel_stage_flexible', $$cq.funnel_stage_flexible((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), interval '3 hours', '{2}', ARRAY[interval '1 minute', '0'])$$),
  ('cq.funnel_next_events', $$(SELECT array_to_string(cq.funnel_next_events(interval '3 hours', t, e, 1, 2, e = 'a', e = 'b', e = 'c'), ',') FROM public.surface_ev WHERE u = 1)$$),
  ('cq.window_funnel_by_key', $$(SELECT cq.window_funnel_by_key(interval '3 hours', 'strict_order', u::text, t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev)$$),
  ('cq.sequence_match', $$cq.sequence_match((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), '(?1).*(?2)(?t<=7200)(?3)')$$),
  ('cq.sequence_match', $$(SELECT cq.sequence_match('(?1).*(?3)', t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev)$$),
  ('cq.sequence_count', $$cq.sequence_count((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev), '(?1).*(?2)')$$),
  ('cq.sequence_match_events', $$extract(epoch FROM (cq.sequence_match_events((SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') FROM public.surface_ev WHERE u = 1), '(?1).*(?3)'))[2])$$),
  ('cq.conversion_curve', $$(SELECT (cq.conversion_curve(t, t + interval '1 hour' * u, timestamptz '2100-01-01 00:00+00', interval '1 day', interval '1 hour'))[1].conversion FROM public.surface_ev)$$),
  ('cq.funnel_report_state', $$(SELECT cq.funnel_report_state(s, interval '3 hours') FROM (SELECT cq.funnel_events(t, e = 'a', e = 'b', e = 'c') AS s FROM public.surface_ev GROUP BY u) x)$$),
  ('cq.funnel_report_rollup', $$(SELECT extract(epoch FROM (cq.funnel_report_rollup(r))[2].median_from_previous) FROM (SELECT cq.funnel_report_state(s, interval '3 hours') AS r FROM (SELECT u, cq.funnel_events(t, e = 'a', e = 'b', e = 'c') AS s FROM public.surface_ev GROUP BY u) x GROUP BY u) y)$$),
  ('cq.retention', $$(SELECT cq.retention(d >= 1, d = 2, d = 3) FROM (VALUES (1), (2)) v(d))$$),
  ('cq.event_signal', $$(SELECT cq.event_signal(h, x) FROM public.surface_sig)$$),
  ('cq.signal_rollup', $$(SELECT cq.signal_rollup(s) FROM (SELECT cq.event_signal(h, x) AS s FROM public.surface_sig GROUP BY h) x)$$),
  ('cq.signal_n', $$cq.signal_n((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_n_event', $$cq.signal_n_event((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_n_converted', $$cq.signal_n_converted((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_correlation', $$cq.signal_correlation((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_p_value', $$cq.signal_p_value((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_lift', $$cq.signal_lift((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_odds_ratio', $$cq.signal_odds_ratio((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_precision', $$cq.signal_precision((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_recall', $$cq.signal_recall((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_revenue_share', $$cq.signal_revenue_share((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_log_t', $$cq.signal_log_t((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_log_df', $$cq.signal_log_df((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_log_p_value', $$cq.signal_log_p_value((SELECT cq.event_signal(h, x) FROM public.surface_sig))::numeric$$),
  ('cq.signal_mean', $$cq.signal_mean((SELECT cq.event_signal(h, x) FROM public.surface_sig), true)::numeric$$),
  ('cq.signal_odds_ratio_ci', $$(cq.signal_odds_ratio_ci((SELECT cq.event_signal(h, x) FROM public.surface_sig), 0.9))[2]::numeric$$),
  ('cq.signal_report', $$(cq.signal_report((SELECT cq.event_signal(h, x) FROM public.surface_sig))).correlation::numeric$$),
  ('cq.rank_correlation', $$(SELECT cq.rank_correlation(x, y)::numeric FROM (VALUES (1.0::float8, 2.0::float8), (2, 2), (3, 5), (4, 4), (5, 9)) v(x, y))$$),
  ('cq.auc', $$(SELECT cq.auc(x, y)::numeric FROM (VALUES (0.1::float8, false), (0.4, true), (0.4, false), (0.8, true)) v(x, y))$$),
  ('cq.rank_sample', $$(SELECT cq.rank_sample(x, y) FROM (VALUES (0.1::float8, 0::float8), (0.4, 1), (5e-324, 2)) v(x, y))$$),
  ('cq.rank_rollup', $$(SELECT cq.rank_rollup(s) FROM (SELECT cq.rank_sample(x, y) AS s FROM (VALUES (1::float8, 2::float8), (3, 4)) v(x, y) GROUP BY x) r)$$),
  ('cq.rank_correlation', $$cq.rank_correlation((SELECT cq.rank_sample(x, y) FROM (VALUES (1.0::float8, 2.0::float8), (2, 2), (3, 5), (4, 4), (5, 9)) v(x, y)))::numeric$$),
  ('cq.auc', $$cq.auc((SELECT cq.rank_sample(x, y::int) FROM (VALUES (0.1::float8, false), (0.4, true), (0.4, false), (0.8, true)) v(x, y)))::numeric$$),
  ('cq.rank_n', $$cq.rank_n((SELECT cq.rank_sample(x, y) FROM (VALUES (1::float8, 2::float8), (3, 4)) v(x, y)))::numeric$$),
  ('cq.window_funnel', $$(SELECT cq.window_funnel(interval '1 hour', t, ARRAY[e = 'a', e = 'b', e = 'c']) FROM public.surface_ev WHERE u = 1)$$),
  ('cq.window_funnel', $$(SELECT cq.window_funnel(interval '1 hour', t, e, 'a', 'b', 'c') FROM public.surface_ev WHERE u = 2)$$),
  ('cq.funnel_events', $$(SELECT cq.funnel_events(t, ARRAY[e = 'a', e = 'b']) FROM public.surface_ev WHERE u = 2)$$);

-- Rule 8: every IMMUTABLE function a user calls (schema cq) has a probe (one
-- probe covers every overload of a name); the support functions of
-- cq_internal are exercised through the aggregates and types they serve.
SELECT DISTINCT 'cq.' || p.proname AS immutable_without_probe
  FROM surface_functions s JOIN pg_proc p ON p.oid = s.oid
 WHERE s.provolatile = 'i' AND p.pronamespace = 'cq'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM surface_probe sp WHERE sp.fn = 'cq.' || p.proname)
 ORDER BY 1;

-- runs every probe with the session's settings and stores its result
CREATE FUNCTION public.surface_run() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v text;
BEGIN
    FOR r IN SELECT ctid, call FROM public.surface_probe LOOP
        EXECUTE 'SELECT (' || r.call || ')::text' INTO v;
        UPDATE public.surface_probe SET result = coalesce(v, '(null)') WHERE ctid = r.ctid;
    END LOOP;
END
$$;
SELECT public.surface_run();
CREATE TABLE surface_first AS SELECT call, result FROM surface_probe;

\c
SET TimeZone = 'Pacific/Chatham';
SET DateStyle = 'SQL, DMY';
SET extra_float_digits = 0;
SET search_path = pg_temp;  -- only the probes' own qualification resolves cq
SET lc_messages = 'C';
SELECT public.surface_run();
-- the probes, and any whose result changed (expected: none)
SELECT f.call, f.result FROM public.surface_first f ORDER BY f.call;
SELECT f.call, f.result AS first_session, p.result AS second_session
  FROM public.surface_first f JOIN public.surface_probe p USING (call)
 WHERE f.result IS DISTINCT FROM p.result;
RESET ALL;
SET client_min_messages = warning;

-- cq.dedup_keep is STABLE, not IMMUTABLE: a window of days follows the
-- session time zone's calendar (as timestamptz + interval does), so across
-- a daylight-saving change the same rows can get a different answer.
-- Berlin moved its clocks on 2026-03-29: one day after 12:00 UTC the day
-- before is 11:00 UTC there, 12:00 UTC in UTC.
CREATE TABLE surface_dst (k int, at timestamptz);
INSERT INTO surface_dst VALUES (1, '2026-03-28 12:00+00'), (1, '2026-03-29 11:30+00');
SET TimeZone = 'UTC';
SELECT at, cq.dedup_keep(at, '1 day') OVER (PARTITION BY k ORDER BY at) AS kept_utc
  FROM surface_dst ORDER BY at;
SET TimeZone = 'Europe/Berlin';
SELECT at AT TIME ZONE 'UTC' AS at_utc,
       cq.dedup_keep(at, '1 day') OVER (PARTITION BY k ORDER BY at) AS kept_berlin
  FROM surface_dst ORDER BY at;
RESET TimeZone;

-- A role that may not read a table cannot make cq.dedup_report read it:
-- the function runs with the caller's privileges (SECURITY INVOKER) and
-- builds its query from the catalog, with every identifier quoted.
CREATE TABLE surface_secret (event_name text, event_id text, source text,
                             arrived_at timestamptz);
INSERT INTO surface_secret VALUES ('Purchase', 'o1', 'pixel', '2026-01-01 10:00+00');
CREATE ROLE regress_cq_surface_reader;
GRANT USAGE ON SCHEMA cq TO regress_cq_surface_reader;
SET ROLE regress_cq_surface_reader;
SELECT * FROM cq.dedup_report('surface_secret');
SELECT count(*) FROM cq.dedup_report('surface_secret', event_name_column => 'event_name');
RESET ROLE;
-- column privileges are honoured too: SELECT on some columns is not enough
GRANT SELECT (event_name, event_id, source) ON surface_secret TO regress_cq_surface_reader;
SET ROLE regress_cq_surface_reader;
SELECT * FROM cq.dedup_report('surface_secret');
RESET ROLE;
GRANT SELECT ON surface_secret TO regress_cq_surface_reader;
SET ROLE regress_cq_surface_reader;
SELECT event_name, source, rows, conversions FROM cq.dedup_report('surface_secret');
-- a column name is an identifier, never SQL: this is just a missing column
SELECT * FROM cq.dedup_report('surface_secret',
                              source_column => 'source, (SELECT 1) AS x');
RESET ROLE;

-- any role may call the functions (USAGE on cq is granted to PUBLIC); they
-- run with that role's own privileges
CREATE ROLE regress_cq_surface_outsider;
SET ROLE regress_cq_surface_outsider;
SELECT cq.normalize_email('a@b.c');
RESET ROLE;

DROP OWNED BY regress_cq_surface_reader;
DROP ROLE regress_cq_surface_reader;
DROP ROLE regress_cq_surface_outsider;
DROP TABLE surface_secret, surface_dst, surface_probe, surface_first, surface_ev, surface_sig;
DROP FUNCTION surface_run();
DROP VIEW surface_functions, surface_objects;
