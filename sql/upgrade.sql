-- The upgrade path (README, "Upgrading"): install 1.0, store states and
-- build views on it, ALTER EXTENSION ... UPDATE, and check that
--  (a) the catalog is exactly that of a fresh install (1.0 -> 1.1 -> 1.2 -> 1.3 -> 1.4 -> 1.5): functions,
--      aggregates, types, casts, comments, privileges and dependencies;
--  (b) the stored states read back with the same results;
--  (c) the user's views still work, except those bound to a 1.0 funnel form
--      or to the 1.0 cq.rank_events, which 1.1 replaces: they stop the update
--      with an error naming them, and work once re-created.
--  (d) 1.1 -> 1.2 keeps a source's report rows, and a refresh under 1.2 (a
--      C scan) gives every figure the 1.1 refresh (SQL) gave;
--  (e) 1.2 -> 1.3 keeps them again, and the source of (d) keeps daily states
--      whose users and converters agree with a direct computation;
--  (f) 1.3 -> 1.4 keeps the report rows and daily states, and adds the conversion curves;
--  (g) 1.4 -> 1.5 keeps them, and a refresh under 1.5 writes the same figures.
-- Runs last: it drops and re-creates the extension.
\pset null '(null)'
SET client_min_messages = warning;
SET extra_float_digits = 3;
DROP EXTENSION conversion_quality CASCADE;

-- Everything the catalog says about the extension, one comparable row per fact.
-- Objects are named by signature, never by OID.
CREATE VIEW upgrade_members AS
SELECT d.classid, d.objid, d.objsubid
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND e.extname = 'conversion_quality';
CREATE VIEW upgrade_inventory AS
SELECT 'function' AS kind, p.oid::regprocedure::text AS object,
       concat_ws(' | ', p.prokind, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef,
                 p.proleakproof, p.procost, p.prorows, l.lanname, p.prosrc, p.probin,
                 p.proconfig::text, p.prorettype::regtype, p.proretset,
                 pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                 p.provariadic::regtype, p.proacl::text) AS detail
  FROM upgrade_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT 'aggregate', a.aggfnoid::regprocedure::text,
       concat_ws(' | ', a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure,
                 a.aggfinalfn::regprocedure, a.aggcombinefn::regprocedure,
                 a.aggserialfn::regprocedure, a.aggdeserialfn::regprocedure,
                 a.aggtranstype::regtype, a.aggtransspace, a.agginitval, a.aggfinalextra,
                 a.aggfinalmodify)
  FROM upgrade_members m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
UNION ALL
SELECT 'type', t.oid::regtype::text,
       concat_ws(' | ', t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage,
                 t.typinput::regprocedure, t.typoutput::regprocedure, t.typreceive::regprocedure,
                 t.typsend::regprocedure, t.typarray::regtype, t.typacl::text,
                 (SELECT string_agg(att.attname || ' ' || format_type(att.atttypid, att.atttypmod),
                                    ', ' ORDER BY att.attnum)
                    FROM pg_attribute att WHERE att.attrelid = t.typrelid AND att.attnum > 0))
  FROM upgrade_members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
UNION ALL
SELECT 'schema', n.nspname::text, coalesce(n.nspacl::text, '')
  FROM upgrade_members m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
UNION ALL
SELECT 'cast', format('%s -> %s', c.castsource::regtype, c.casttarget::regtype),
       concat_ws(' | ', c.castfunc::regprocedure, c.castcontext, c.castmethod)
  FROM pg_cast c
 WHERE c.castsource IN (SELECT objid FROM upgrade_members WHERE classid = 'pg_type'::regclass)
    OR c.casttarget IN (SELECT objid FROM upgrade_members WHERE classid = 'pg_type'::regclass)
UNION ALL
SELECT 'comment', pg_describe_object(m.classid, m.objid, m.objsubid),
       coalesce(obj_description(m.objid, (SELECT relname FROM pg_class WHERE oid = m.classid)), '(none)')
  FROM upgrade_members m
UNION ALL
SELECT 'dependency', pg_describe_object(d.classid, d.objid, d.objsubid),
       d.deptype::text || ' on ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
  FROM pg_depend d
 WHERE (d.classid, d.objid, d.objsubid) IN (SELECT classid, objid, objsubid FROM upgrade_members)
UNION ALL
SELECT 'member', pg_describe_object(m.classid, m.objid, m.objsubid), ''
  FROM upgrade_members m
UNION ALL
-- tables and views (src/report.sql): columns with their comments, row-level
-- security, grants, options, view definitions, constraints and indexes
SELECT 'relation', c.oid::regclass::text,
       concat_ws(' | ', c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text,
                 c.reloptions::text,
                 (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                    || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                    || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
                                    || coalesce(' -- ' || col_description(c.oid, a.attnum), ''),
                                    ', ' ORDER BY a.attnum)
                    FROM pg_attribute a
                    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                 CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END,
                 (SELECT string_agg(pg_get_constraintdef(k.oid), ', ' ORDER BY k.conname)
                    FROM pg_constraint k WHERE k.conrelid = c.oid),
                 (SELECT string_agg(pg_get_indexdef(i.indexrelid), ', ' ORDER BY i.indexrelid::regclass::text)
                    FROM pg_index i WHERE i.indrelid = c.oid))
  FROM upgrade_members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT 'policy', format('%s on %s', p.polname, p.polrelid::regclass),
       concat_ws(' | ', p.polcmd, p.polpermissive, p.polroles::text,
                 pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM pg_policy p
 WHERE p.polrelid IN (SELECT objid FROM upgrade_members WHERE classid = 'pg_class'::regclass)
UNION ALL
-- the tables pg_dump dumps (pg_extension_config_dump)
SELECT 'config', x.c::regclass::text, coalesce(e.extcondition[x.i], '')
  FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS x(c, i)
 WHERE e.extname = 'conversion_quality';

-- 1. A 1.0 database: stored states, and views over the functions
CREATE EXTENSION conversion_quality VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
CREATE TABLE up_ev (uid int, ts timestamptz, e text, revenue numeric);
INSERT INTO up_ev
SELECT u, timestamptz '2024-01-01' + ((u * 7919 + i * 104729) % 20000) * interval '1 minute',
       (ARRAY['view', 'cart', 'checkout', 'buy'])[1 + (u * 31 + i * 17) % 4],
       CASE WHEN (u * 31 + i * 17) % 4 = 3 THEN (u % 7) * 10 ELSE 0 END
  FROM generate_series(1, 200) u, generate_series(1, 10) i;
CREATE TABLE up_states AS
SELECT uid, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS st
  FROM up_ev GROUP BY uid;
CREATE TABLE up_signals AS
SELECT uid % 5 AS day, cq.event_signal(has_cart, revenue) AS sig
  FROM (SELECT uid, bool_or(e = 'cart') AS has_cart, sum(revenue)::float8 AS revenue
          FROM up_ev GROUP BY uid) u
 GROUP BY 1;
CREATE TABLE up_ranks AS
SELECT cq_sample
  FROM (SELECT cq.rank_sample_transfn(NULL, 1.5, 2) AS cq_sample) s;
-- views that 1.1 keeps working: accessors, the event-name form, rollups, reports
CREATE VIEW up_stage AS
SELECT uid, cq.funnel_stage(st, interval '1 day') AS stage,
       cq.funnel_stage(st, interval '1 day', 'strict_order') AS strict_stage
  FROM up_states;
CREATE VIEW up_names AS
SELECT uid, cq.window_funnel(interval '1 day', ts, e, 'view', 'cart', 'checkout', 'buy') AS stage
  FROM up_ev GROUP BY uid;
CREATE VIEW up_report AS
SELECT r.* FROM (SELECT cq.funnel_report(st, interval '1 day') AS rep FROM up_states) q, unnest(q.rep) r;
CREATE VIEW up_signal AS
SELECT cq.signal_correlation(cq.signal_rollup(sig)) AS r, cq.signal_p_value(cq.signal_rollup(sig)) AS p,
       (cq.signal_report(cq.signal_rollup(sig))).lift AS lift
  FROM up_signals;
CREATE VIEW up_rank AS
SELECT cq.rank_correlation(uid, revenue::float8) AS rho, cq.auc(revenue::float8, e = 'cart') AS auc,
       cq.retention(e = 'view', e = 'cart') AS ret
  FROM up_ev;
-- a view over the 1.0 cq.rank_events, which 1.1 replaces (a landmark design, more
-- arguments and columns): with this library the 1.0 function refuses to run
CREATE VIEW up_ranked AS
SELECT rank, event_name, users, round(correlation::numeric, 6) AS r, verdict
  FROM cq.rank_events('up_ev', '7 days', user_column => 'uid', time_column => 'ts',
                      event_column => 'e', value_column => 'revenue');
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT count(*) FROM up_ranked;
\set SHOW_CONTEXT errors
\set VERBOSITY terse
-- a view bound to a 1.0 funnel form that 1.1 replaces (separate booleans)
CREATE VIEW up_fixed AS
SELECT uid, cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart') AS stage
  FROM up_ev GROUP BY uid;
-- what the views and stored states give, before and after the update
CREATE VIEW up_results AS
SELECT 'stage' AS what, string_agg(format('%s:%s:%s', uid, stage, strict_stage), ',' ORDER BY uid) AS result FROM up_stage
UNION ALL SELECT 'names', string_agg(format('%s:%s', uid, stage), ',' ORDER BY uid) FROM up_names
UNION ALL SELECT 'report', string_agg(format('%s', r), ',' ORDER BY r.step) FROM up_report r
UNION ALL SELECT 'signal', format('%s %s %s', r, p, lift) FROM up_signal
UNION ALL SELECT 'rank', format('%s %s %s', rho, auc, ret) FROM up_rank
UNION ALL SELECT 'states', string_agg(st::text, ',' ORDER BY uid) FROM up_states
UNION ALL SELECT 'signals', string_agg(sig::text, ',' ORDER BY day) FROM up_signals
UNION ALL SELECT 'sample', string_agg(cq_sample::text, ',') FROM up_ranks;
CREATE TABLE up_before AS
SELECT * FROM up_results
UNION ALL SELECT 'fixed', string_agg(format('%s:%s', uid, stage), ',' ORDER BY uid) FROM up_fixed;

-- 2. The README's query lists the views bound to a 1.0 function that 1.1 replaces
SELECT DISTINCT r.ev_class::regclass AS recreate_after_update
  FROM pg_depend d
  JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
  JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid
 WHERE p.pronamespace = 'cq'::regnamespace
   AND ((p.proname IN ('window_funnel', 'funnel_events')
         AND (p.provariadic = 'boolean'::regtype OR 'boolean'::regtype = ANY (p.proargtypes::regtype[])))
        OR (p.proname = 'rank_events' AND p.pronargs = 12))
 ORDER BY 1;
-- The update stops at that view, and changes nothing
\set VERBOSITY default
ALTER EXTENSION conversion_quality UPDATE TO '1.1';
\set VERBOSITY terse
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
-- what the README tells the user to do: keep the view's definition, drop it,
-- update, create it again (the same SQL now binds to the 1.1 form)
CREATE TABLE up_saved AS SELECT pg_get_viewdef('up_fixed'::regclass) AS def;
DROP VIEW up_fixed, up_ranked;
ALTER EXTENSION conversion_quality UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT format('CREATE VIEW up_fixed AS %s', def) FROM up_saved \gexec
-- a view over cq.rank_events is created again from its own SQL, not from
-- pg_get_viewdef, which spells out the 1.0 function's columns
CREATE VIEW up_ranked AS
SELECT rank, event_name, users, round(correlation::numeric, 6) AS r, verdict
  FROM cq.rank_events('up_ev', '7 days', user_column => 'uid', time_column => 'ts',
                      event_column => 'e', value_column => 'revenue');
-- ... and runs the 1.1 cq.rank_events (its new arguments at their defaults)
SELECT count(*) > 0 AS ranked_after_update, bool_and(verdict IS NOT NULL) AS all_judged
  FROM up_ranked;

-- 3. Stored states and views give the same results
CREATE TABLE up_after AS
SELECT * FROM up_results
UNION ALL SELECT 'fixed', string_agg(format('%s:%s', uid, stage), ',' ORDER BY uid) FROM up_fixed;
SELECT b.what, b.result IS NOT NULL AND length(b.result) > 0 AS has_result,
       b.result = a.result AS same_after_update
  FROM up_before b JOIN up_after a USING (what) ORDER BY b.what;
-- the re-created view now uses the VARIADIC "any" form
SELECT DISTINCT d.refobjid::regprocedure AS up_fixed_uses
  FROM pg_depend d JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
 WHERE r.ev_class = 'up_fixed'::regclass AND d.refclassid = 'pg_proc'::regclass
   AND d.refobjid::regprocedure::text LIKE 'cq.window_funnel%';
-- states stored by 1.0 merge with 1.1's code into the state of all the rows,
-- and equal the states 1.1 computes from the same rows
SELECT cq.funnel_rollup(st)::text =
         (SELECT cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM up_ev)::text
       AS rollup_of_stored_equals_all_rows
  FROM up_states;
SELECT count(*) AS users,
       count(*) FILTER (WHERE s.st::text <> n.st::text) AS stored_differs_from_new
  FROM up_states s
  JOIN (SELECT uid, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS st
          FROM up_ev GROUP BY uid) n USING (uid);

-- 4. On to 1.2 (cq.refresh reads a source in one C scan): the stored states
-- and views give the same results again
ALTER EXTENSION conversion_quality UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT a.what, a.result = r.result AS same_after_1_2
  FROM up_after a JOIN up_results r USING (what) ORDER BY a.what;
-- and to 1.3 (new objects only)
ALTER EXTENSION conversion_quality UPDATE TO '1.3';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT a.what, a.result = r.result AS same_after_1_3
  FROM up_after a JOIN up_results r USING (what) ORDER BY a.what;
-- and to 1.4 (new objects only)
ALTER EXTENSION conversion_quality UPDATE TO '1.4';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT a.what, a.result = r.result AS same_after_1_4
  FROM up_after a JOIN up_results r USING (what) ORDER BY a.what;
-- and to 1.5 (the refresh of one source replaced)
ALTER EXTENSION conversion_quality UPDATE TO '1.5';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT a.what, a.result = r.result AS same_after_1_5
  FROM up_after a JOIN up_results r USING (what) ORDER BY a.what;

-- 5. The catalog of the extension updated 1.0 -> 1.1 -> 1.2 -> 1.3 -> 1.4 -> 1.5 equals a fresh 1.5 install
CREATE TABLE up_inventory_updated AS SELECT * FROM upgrade_inventory;
DROP EXTENSION conversion_quality CASCADE;
CREATE EXTENSION conversion_quality;
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
CREATE TABLE up_inventory_fresh AS SELECT * FROM upgrade_inventory;
SELECT kind, count(*) AS facts FROM up_inventory_fresh GROUP BY kind ORDER BY kind;
-- differences, both ways (expected: none)
(SELECT 'only after update' AS side, * FROM up_inventory_updated
 EXCEPT SELECT 'only after update', * FROM up_inventory_fresh)
UNION ALL
(SELECT 'only in a fresh install', * FROM up_inventory_fresh
 EXCEPT SELECT 'only in a fresh install', * FROM up_inventory_updated)
ORDER BY 1, 2, 3, 4;

-- 6. A 1.1 database with a registered source and its reports: the update to
-- 1.2 keeps the report rows, and a refresh under 1.2 gives the figures 1.1 gave
-- (1.1 computed them in SQL over a temporary table, 1.2 in C)
DROP EXTENSION conversion_quality CASCADE;
CREATE EXTENSION conversion_quality VERSION '1.1';
CREATE TABLE up_src (id text, uid int, ts timestamptz, arrived timestamptz, e text, channel text,
                     revenue numeric);
INSERT INTO up_src
SELECT CASE WHEN (u * 7 + i) % 11 = 0 THEN NULL WHEN (u * 7 + i) % 13 = 0 THEN ' '
            WHEN (u + i) % 17 = 0 THEN 'const' ELSE format('%s-%s', u, i) END,
       u, timestamptz '2024-03-01' + ((u * 7919 + i * 104729) % 40000) * interval '1 minute',
       timestamptz '2024-03-01' + ((u * 7919 + i * 104729) % 40000) * interval '1 minute'
           + ((u * 31 + i) % 9) * interval '20 hours' - ((u + i) % 23 = 0)::int * interval '3 hours',
       (ARRAY['view', 'cart', 'buy'])[1 + (u * 31 + i * 17) % 3],
       (ARRAY['pixel', 'server', 'capi', NULL])[1 + (u + i) % 4],
       CASE WHEN (u * 31 + i * 17) % 3 = 2 THEN (u % 7) * 10 ELSE 0 END
  FROM generate_series(1, 150) u, generate_series(1, 12) i;
-- copies: each row again, a few seconds to three days later, as the server
INSERT INTO up_src
SELECT id, uid, ts + ((uid % 5) * interval '15 hours') + interval '2 seconds', arrived + interval '1 minute',
       e, 'server', revenue
  FROM up_src WHERE uid % 3 = 0;
SELECT cq.register_source('up', 'up_src', 'uid', 'ts', 'e', value_column => 'revenue',
                          event_id_column => 'id', source_column => 'channel',
                          received_at_column => 'arrived');
SELECT cq.register_source('up_bare', 'up_src', 'uid', 'ts', 'e', event_id_column => 'id',
                          source_column => 'channel', received_at_column => 'arrived');
SET client_min_messages = warning;
SELECT source_name, rows_read, tracking_health_rows FROM cq.refresh() ORDER BY 1;
CREATE TABLE up_health_1_1 AS SELECT * FROM cq.tracking_health;
-- the data meets the figures: copies, blank ids, reused ids, bursts, late and
-- future rows, both channels
SELECT source, sum(rows) > sum(events) AS copies, bool_or(missing_id_rate > 0) AS blank_ids,
       sum(reused_ids) > 0 AS reused, sum(burst_events) > 0 AS bursts, sum(late_events) > 0 AS late,
       sum(future_events) > 0 AS future, bool_or(both_share > 0) AS both_channels
  FROM up_health_1_1 GROUP BY source ORDER BY source;
CREATE TABLE up_quality_1_1 AS SELECT * FROM cq.event_quality;
ALTER EXTENSION conversion_quality UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT (SELECT count(*) FROM up_health_1_1) AS health_rows_1_1,
       (SELECT count(*) FROM (SELECT * FROM up_health_1_1 EXCEPT SELECT * FROM cq.tracking_health) d)
           AS rows_changed_by_update;
SELECT source_name, rows_read, tracking_health_rows FROM cq.refresh() ORDER BY 1;
-- every figure: integers equal, rates within 1e-12, NULL where 1.1 had NULL
SELECT o.source, count(*) AS cells,
       count(*) FILTER (WHERE n.source IS NULL) AS missing_after_refresh,
       count(*) FILTER (WHERE (o.rows, o.events, o.users, o.reused_ids, o.burst_events, o.orphan_events,
                               o.expected_low, o.expected_high, o.volume_anomaly, o.future_events,
                               o.late_events, o.stale_events, o.channels)
                              IS DISTINCT FROM
                              (n.rows, n.events, n.users, n.reused_ids, n.burst_events, n.orphan_events,
                               n.expected_low, n.expected_high, n.volume_anomaly, n.future_events,
                               n.late_events, n.stale_events, n.channels)) AS counts_differ,
       count(*) FILTER (WHERE NOT (x.d IS NOT DISTINCT FROM 0)) AS rates_differ
  FROM up_health_1_1 o
  LEFT JOIN cq.tracking_health n ON n.source = o.source AND n.day = o.day AND n.event_name = o.event_name
  LEFT JOIN LATERAL (
        SELECT CASE WHEN bool_or(CASE WHEN (a IS NULL) <> (b IS NULL) THEN true
                                      ELSE abs(a - b) / greatest(abs(a), 1) > 1e-12 END) THEN 1 ELSE 0 END AS d
          FROM (VALUES (o.duplicate_rate, n.duplicate_rate), (o.missing_id_rate, n.missing_id_rate),
                       (o.server_share, n.server_share), (o.browser_share, n.browser_share),
                       (o.both_share, n.both_share), (o.browser_id_share, n.browser_id_share),
                       (o.server_id_share, n.server_id_share),
                       (o.browser_fallback_extra, n.browser_fallback_extra),
                       (o.server_fallback_extra, n.server_fallback_extra),
                       (o.median_lag_seconds, n.median_lag_seconds),
                       (o.p95_lag_seconds, n.p95_lag_seconds)) v(a, b)) x ON true
 GROUP BY o.source ORDER BY o.source;
SELECT (SELECT count(*) FROM cq.tracking_health) AS health_rows_1_2;
SELECT o.source, o.event_name, o.rows = n.rows AND o.users = n.users
           AND o.deduplicated_events = n.deduplicated_events
           AND o.duplicate_rate = n.duplicate_rate AND o.missing_id_rate = n.missing_id_rate
           AND abs(o.weekly_volume - n.weekly_volume) < 1e-9
           AND o.verdict IS NOT DISTINCT FROM n.verdict AND o.rank IS NOT DISTINCT FROM n.rank
           AS quality_same
  FROM up_quality_1_1 o JOIN cq.event_quality n USING (source, event_name)
 ORDER BY 1, 2;
-- (e) on to 1.3: the report rows stay; the source keeps daily states (new in 1.3)
CREATE TABLE up_quality_1_2 AS SELECT * FROM cq.event_quality;
ALTER EXTENSION conversion_quality UPDATE TO '1.3';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT (SELECT count(*) FROM (SELECT * FROM up_quality_1_2 EXCEPT SELECT * FROM cq.event_quality) d)
           AS quality_rows_changed_by_update,
       (SELECT count(*) FROM (SELECT source, day, event_name, rows FROM cq.tracking_health
                               EXCEPT SELECT source, day, event_name, rows FROM up_health_1_1) d)
           AS health_rows_changed;
SELECT cq.enable_daily_states('up');
SELECT source_name, rebuilt, rows_read FROM cq.refresh_daily('up');
SELECT q.users = b.users AND q.converters = b.converters AS daily_total_matches_direct
  FROM cq.cohort_quality q,
       (SELECT count(*) AS users, count(*) FILTER (WHERE rev > 0) AS converters
          FROM (SELECT uid, sum(revenue) AS rev
                  FROM (SELECT s.uid, s.revenue, s.ts, f.first_t,
                               row_number() OVER (PARTITION BY s.uid, cq.dedup_key(s.e, s.id) ORDER BY s.ts, s.revenue::float8) AS nth,
                               cq.dedup_key(s.e, s.id) AS k
                          FROM up_src s JOIN (SELECT uid, min(ts) AS first_t FROM up_src GROUP BY uid) f USING (uid)
                         WHERE s.ts <= f.first_t + interval '30 days') w
                 WHERE k IS NULL OR nth = 1 GROUP BY uid) x) b
 WHERE q.source = 'up' AND q.dimension IS NULL;
-- (f) on to 1.4: report rows and daily states stay; the conversion curves are there
CREATE TABLE up_cohort_1_3 AS SELECT * FROM cq.cohort_quality;
ALTER EXTENSION conversion_quality UPDATE TO '1.4';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT (SELECT count(*) FROM (SELECT * FROM up_quality_1_2 EXCEPT SELECT * FROM cq.event_quality) d)
           AS quality_rows_changed_by_1_4,
       (SELECT count(*) FROM (SELECT * FROM up_cohort_1_3 EXCEPT SELECT * FROM cq.cohort_quality) d)
           + (SELECT count(*) FROM (SELECT * FROM cq.cohort_quality EXCEPT SELECT * FROM up_cohort_1_3) d)
           AS cohort_rows_changed_by_1_4;
-- one user entered at 10:00 who converted 2 hours later, one entered at noon still open after 1 hour
SELECT p.time_to_convert, p.at_risk, p.converted, p.conversion
  FROM unnest((SELECT cq.conversion_curve(e, c, timestamptz '2024-01-01 13:00+00')
                 FROM (VALUES (timestamptz '2024-01-01 10:00+00', timestamptz '2024-01-01 12:00+00'),
                              (timestamptz '2024-01-01 12:00+00', NULL)) v(e, c))) p;
-- (g) on to 1.5: report rows and daily states stay, and a refresh under 1.5 writes the
-- figures the 1.4 database held (the rows have not changed since they were refreshed)
CREATE TABLE up_quality_1_4 AS SELECT * FROM cq.event_quality;
ALTER EXTENSION conversion_quality UPDATE TO '1.5';
SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality';
SELECT (SELECT count(*) FROM (SELECT * FROM up_quality_1_4 EXCEPT SELECT * FROM cq.event_quality) d)
           AS quality_rows_changed_by_1_5,
       (SELECT count(*) FROM (SELECT * FROM up_cohort_1_3 EXCEPT SELECT * FROM cq.cohort_quality) d)
           + (SELECT count(*) FROM (SELECT * FROM cq.cohort_quality EXCEPT SELECT * FROM up_cohort_1_3) d)
           AS cohort_rows_changed_by_1_5;
SELECT source_name, rows_read FROM cq.refresh('up');
SELECT count(*) AS event_names,
       count(*) FILTER (WHERE to_jsonb(o) - 'refreshed_at' <> to_jsonb(n) - 'refreshed_at')
           AS figures_changed_by_a_1_5_refresh
  FROM (SELECT * FROM up_quality_1_4) o
  JOIN (SELECT * FROM cq.event_quality) n USING (source, event_name);
RESET client_min_messages;

DROP TABLE up_quality_1_2, up_cohort_1_3, up_quality_1_4;
DROP TABLE up_ev, up_states, up_signals, up_ranks, up_before, up_after, up_saved,
           up_inventory_updated, up_inventory_fresh, up_src, up_health_1_1, up_quality_1_1 CASCADE;
DROP VIEW upgrade_inventory, upgrade_members;
