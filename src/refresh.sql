-- Refresh of one registered source (README, "Reports"): cq.refresh (src/report.sql)
-- calls cq_internal.refresh_source for each source it refreshes.  A file of its own
-- because a release that changes how a refresh works replaces this function alone:
-- the install script and the update script both take it from here (CREATE OR
-- REPLACE), so it is written once.

-- One source: read it once in C (cq_internal.tracking_scan) for the tracking
-- figures and the volumes, and, when the source has a value column, customer
-- columns or funnels, once more, in the same snapshot, into a temporary table of
-- (user, time, arrival, event, value, id, channel, blank id, copy) for
-- cq.rank_events, match quality, orphans and funnels.  The caller holds the
-- source's row lock.  Returns the rows read and written.
CREATE OR REPLACE FUNCTION cq_internal.refresh_source(s cq.event_sources, OUT rows_read bigint,
                                          OUT quality_rows bigint, OUT funnel_rows bigint,
                                          OUT health_rows bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    rel regclass;
    t0 timestamptz := clock_timestamp();
    until timestamptz;
    f cq.funnels;
    n bigint;
    need_rows boolean;
    dim name;
BEGIN
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF rel IS NULL THEN
        RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
              quote_ident(s.relation_name), s.name
            USING ERRCODE = 'undefined_table',
                  DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                  HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
    END IF;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    PERFORM cq_internal.check_customer_columns(rel, s.customer_columns);

    -- What the reports need beyond cq.tracking_health: with a value column,
    -- customer columns or funnels, the rows are read once into a temporary
    -- table (for cq.rank_events, match quality, orphans and funnels) and the
    -- scan reads that table, so that every report comes from one snapshot;
    -- otherwise the scan reads the source itself.
    IF to_regclass('pg_temp.cq_refresh_rows') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_rows;
    END IF;
    IF to_regclass('pg_temp.cq_refresh_scan') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_scan;
    END IF;
    need_rows := s.value_column IS NOT NULL OR s.customer_columns IS NOT NULL
                 OR s.dimension_columns IS NOT NULL
                 OR EXISTS (SELECT 1 FROM cq.funnels fu WHERE fu.source = s.name);
    IF need_rows THEN
        -- copies: the rule of cq.rank_events (cq.dedup_key, cq.dedup_keep within
        -- 48 hours), rows it skips (time at +-infinity, revenue not finite) kept
        -- out of the windows
        EXECUTE format(
            'CREATE TEMPORARY TABLE cq_refresh_rows ON COMMIT DROP AS '
            'SELECT *, CASE WHEN k IS NOT NULL AND ok '
            '               THEN k::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) '
            '                    pg_catalog.sum(CASE WHEN copy THEN 0 ELSE 1 END) '
            '                    OVER (PARTITION BY k, ok ORDER BY t ROWS UNBOUNDED PRECEDING) '
            '               ELSE ''r'' OPERATOR(pg_catalog.||) pg_catalog.row_number() OVER () END AS grp '
            '  FROM (SELECT u, t, a, ev, v, id, channel, m, fb_external_id, fb_fbp, dims, k, ok, '
            '       k IS NULL AND %s AS blank_id, '
            '       CASE WHEN k IS NULL OR NOT ok THEN false '
            '            ELSE NOT cq.dedup_keep(t, ''48 hours''::pg_catalog.interval) '
            '                 OVER (PARTITION BY k, ok ORDER BY t) END AS copy '
            '  FROM (SELECT *, pg_catalog.isfinite(t) AND coalesce(CASE WHEN v OPERATOR(pg_catalog.<>) 0 THEN v END '
            '                  OPERATOR(pg_catalog.<>) ALL (''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]), true) AS ok, '
            '               cq.dedup_key(ev, id) AS k '
            '          FROM (SELECT e.%I AS u, e.%I::pg_catalog.timestamptz AS t, %s AS a, '
            '                       e.%I::pg_catalog.text AS ev, %s AS v, %s AS id, %s AS channel, %s AS m, '
            '                       %s AS fb_external_id, %s AS fb_fbp, %s AS dims '
            '                  FROM %s e '
            '                 WHERE e.%I IS NOT NULL AND e.%I IS NOT NULL AND e.%I IS NOT NULL) r) q) c',
            (s.event_id_column IS NOT NULL)::text,
            s.user_column, s.time_column,
            CASE WHEN s.received_at_column IS NULL THEN 'NULL::pg_catalog.timestamptz'
                 ELSE format('e.%I::pg_catalog.timestamptz', s.received_at_column) END,
            s.event_column,
            CASE WHEN s.value_column IS NULL THEN 'NULL::pg_catalog.float8'
                 ELSE format('e.%I::pg_catalog.float8', s.value_column) END,
            CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
                 ELSE format('e.%I::pg_catalog.text', s.event_id_column) END,
            CASE WHEN s.source_column IS NULL THEN 'NULL::pg_catalog.text'
                 ELSE format('e.%I::pg_catalog.text', s.source_column) END,
            -- the customer information, as {identifier: value}
            coalesce((SELECT 'pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('
                             || string_agg(format('%L, e.%I::pg_catalog.text', c.key, c.value), ', ')
                             || '))'
                        FROM jsonb_each_text(s.customer_columns) c WHERE c.key <> 'phone_region'),
                     'NULL::pg_catalog.jsonb'),
            -- the fallback keys of the dedup key coverage, as text
            CASE WHEN s.customer_columns ? 'external_id'
                 THEN format('e.%I::pg_catalog.text', s.customer_columns->>'external_id')
                 ELSE 'NULL::pg_catalog.text' END,
            CASE WHEN s.customer_columns ? 'fbp'
                 THEN format('e.%I::pg_catalog.text', s.customer_columns->>'fbp')
                 ELSE 'NULL::pg_catalog.text' END,
            -- the dimension columns, as {column: value}
            coalesce((SELECT 'pg_catalog.jsonb_build_object('
                             || string_agg(format('%L, e.%I::pg_catalog.text', d, d), ', ')
                             || ')'
                        FROM unnest(s.dimension_columns) d),
                     'NULL::pg_catalog.jsonb'),
            rel, s.user_column, s.time_column, s.event_column);
        CREATE TEMPORARY TABLE cq_refresh_scan ON COMMIT DROP AS
        SELECT * FROM cq_internal.tracking_scan(
            'pg_temp.cq_refresh_rows'::regclass, 'u', 't', 'ev',
            CASE WHEN s.value_column IS NOT NULL THEN 'v'::name END,
            CASE WHEN s.event_id_column IS NOT NULL THEN 'id'::name END,
            CASE WHEN s.source_column IS NOT NULL THEN 'channel'::name END,
            CASE WHEN s.received_at_column IS NOT NULL THEN 'a'::name END,
            array_remove(ARRAY[CASE WHEN s.customer_columns ? 'external_id' THEN 'fb_external_id'::name END,
                               CASE WHEN s.customer_columns ? 'fbp' THEN 'fb_fbp'::name END], NULL),
            now());
    ELSE
        -- the scan: every figure of cq.tracking_health the rows decide alone,
        -- and one row per event name (day NULL) with its volumes
        CREATE TEMPORARY TABLE cq_refresh_scan ON COMMIT DROP AS
        SELECT * FROM cq_internal.tracking_scan(
            rel, s.user_column, s.time_column, s.event_column, NULL, s.event_id_column,
            s.source_column, s.received_at_column, NULL, now());
    END IF;
    -- The end of observation: the latest arrival when arrivals are known,
    -- else the latest event time, never later than now (a clock in the
    -- future must not make recent users look fully observed).
    SELECT coalesce(sum(x.rows), 0), coalesce(max(x.observed_until), now())
      INTO rows_read, until FROM pg_temp.cq_refresh_scan x WHERE x.day IS NULL;
    RAISE NOTICE 'cq.refresh: source "%": read % rows (%)', s.name, rows_read, clock_timestamp() - t0;

    -- tracking health, per UTC day of the event time and event name, from the
    -- scan's counts; a figure that needs a column the source did not register
    -- is NULL (the view's comments say which)
    DELETE FROM cq_internal.tracking_health_data d WHERE d.source = s.name;
    INSERT INTO cq_internal.tracking_health_data
    SELECT s.name, x.day, x.event_name, x.rows, x.events, x.users,
           CASE WHEN s.event_id_column IS NOT NULL THEN (x.rows - x.events)::float8 / x.rows END,
           CASE WHEN s.event_id_column IS NOT NULL THEN x.blank_ids::float8 / x.rows END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.server_events::float8 / x.events END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.browser_events::float8 / x.events END,
           CASE WHEN s.source_column IS NOT NULL AND x.events > 0 THEN x.both_events::float8 / x.events END,
           -- dedup keys by channel: the event id, and what the fallback keys
           -- (external_id, fbp) add where the id is missing
           CASE WHEN s.source_column IS NOT NULL AND s.event_id_column IS NOT NULL AND x.browser_rows > 0
                THEN x.browser_id_rows::float8 / x.browser_rows END,
           CASE WHEN s.source_column IS NOT NULL AND s.event_id_column IS NOT NULL AND x.server_rows > 0
                THEN x.server_id_rows::float8 / x.server_rows END,
           CASE WHEN s.source_column IS NOT NULL AND (s.customer_columns ? 'external_id' OR s.customer_columns ? 'fbp')
                     AND x.browser_rows > 0
                THEN x.browser_fallback_rows::float8 / x.browser_rows END,
           CASE WHEN s.source_column IS NOT NULL AND (s.customer_columns ? 'external_id' OR s.customer_columns ? 'fbp')
                     AND x.server_rows > 0
                THEN x.server_fallback_rows::float8 / x.server_rows END,
           CASE WHEN s.event_id_column IS NOT NULL THEN x.reused_ids END,
           x.burst_events,
           NULL::bigint,       -- orphan_events, below
           NULL::bigint, NULL::bigint, NULL::boolean,  -- the volume band, below
           x.future_events,
           CASE WHEN s.received_at_column IS NOT NULL THEN x.late_events END,
           CASE WHEN s.received_at_column IS NOT NULL THEN x.stale_events END,
           x.median_lag_seconds, x.p95_lag_seconds,
           CASE WHEN s.source_column IS NOT NULL THEN x.channels END,
           now()
      FROM pg_temp.cq_refresh_scan x
     WHERE x.day IS NOT NULL;
    GET DIAGNOSTICS health_rows = ROW_COUNT;

    -- orphans: kept rows of an event that ends a defined funnel of two steps
    -- or more, with no row of an earlier step of such a funnel by the same
    -- user within that funnel's window before it (an index makes each check
    -- a probe)
    IF EXISTS (SELECT 1 FROM cq.funnels fu WHERE fu.source = s.name AND cardinality(fu.steps) > 1) THEN
        CREATE INDEX ON pg_temp.cq_refresh_rows (u, ev, t);
        UPDATE cq_internal.tracking_health_data d SET orphan_events = o.n
          FROM (SELECT (r.t AT TIME ZONE 'UTC')::date AS day, r.ev,
                       count(*) FILTER (WHERE NOT EXISTS (
                           SELECT 1 FROM cq.funnels fu, pg_temp.cq_refresh_rows e
                            WHERE fu.source = s.name AND cardinality(fu.steps) > 1
                              AND fu.steps[cardinality(fu.steps)] = r.ev
                              AND e.u = r.u AND e.ev = ANY (fu.steps[1:cardinality(fu.steps) - 1])
                              AND e.t <= r.t AND e.t >= r.t - fu."window")) AS n
                  FROM pg_temp.cq_refresh_rows r
                 WHERE NOT r.copy
                   AND r.ev IN (SELECT fu.steps[cardinality(fu.steps)] FROM cq.funnels fu
                                 WHERE fu.source = s.name AND cardinality(fu.steps) > 1)
                 GROUP BY 1, 2) o
         WHERE d.source = s.name AND d.day = o.day AND d.event_name = o.ev;
    END IF;

    -- volume anomalies: each day's rows of an event against the same weekday
    -- of the 4 weeks before (0 for a day without a row, from the event's first
    -- day to the last day not in the future): expected between half the
    -- smallest and 1.5 times the largest of the 4; a day outside is flagged,
    -- and a day with no row that was expected to have some gets a row of 0
    WITH days AS (
        SELECT d.event_name, d.day, d.rows FROM cq_internal.tracking_health_data d
         WHERE d.source = s.name AND isfinite(d.day) AND d.day <= current_date),
    grid AS (
        SELECT e.event_name, g::date AS day
          FROM (SELECT event_name, min(day) AS first FROM days GROUP BY 1) e,
               generate_series(e.first, (SELECT max(day) FROM days), interval '1 day') g),
    vol AS (
        SELECT g.event_name, g.day, coalesce(d.rows, 0) AS rows, d.rows IS NULL AS missing
          FROM grid g LEFT JOIN days d ON d.event_name = g.event_name AND d.day = g.day),
    past AS (
        SELECT v.*, ARRAY[lag(v.rows, 7) OVER w, lag(v.rows, 14) OVER w, lag(v.rows, 21) OVER w,
                          lag(v.rows, 28) OVER w] AS weeks
          FROM vol v WINDOW w AS (PARTITION BY v.event_name ORDER BY v.day)),
    band AS (
        SELECT p.event_name, p.day, p.rows, p.missing,
               floor(0.5 * (SELECT min(x) FROM unnest(p.weeks) x))::bigint AS lo,
               ceil(1.5 * (SELECT max(x) FROM unnest(p.weeks) x))::bigint AS hi
          FROM past p WHERE array_position(p.weeks, NULL) IS NULL),
    upd AS (
        UPDATE cq_internal.tracking_health_data d
           SET expected_low = b.lo, expected_high = b.hi,
               volume_anomaly = d.rows < b.lo OR d.rows > b.hi
          FROM band b
         WHERE d.source = s.name AND d.event_name = b.event_name AND d.day = b.day AND NOT b.missing)
    INSERT INTO cq_internal.tracking_health_data (source, day, event_name, rows, events, users,
                                                  burst_events, future_events, expected_low,
                                                  expected_high, volume_anomaly, refreshed_at)
    SELECT s.name, b.day, b.event_name, 0, 0, 0, 0, 0, b.lo, b.hi, true, now()
      FROM band b WHERE b.missing AND b.lo >= 1;
    GET DIAGNOSTICS n = ROW_COUNT;
    health_rows := health_rows + n;
    RAISE NOTICE 'cq.refresh: source "%": tracking health, % days and events (%)', s.name, health_rows,
        clock_timestamp() - t0;

    -- match quality: per event name and identifier, the share of the
    -- deduplicated events that carry it (on any copy) and that carry a
    -- usable value (cq_internal.identifier_valid)
    DELETE FROM cq_internal.match_quality_data d WHERE d.source = s.name;
    IF s.customer_columns IS NOT NULL THEN
        INSERT INTO cq_internal.match_quality_data
        WITH events AS (
            SELECT r.grp, min(r.ev) FILTER (WHERE NOT r.copy) AS ev
              FROM pg_temp.cq_refresh_rows r GROUP BY r.grp),
        n AS (SELECT e.ev, count(*) AS events FROM events e WHERE e.ev IS NOT NULL GROUP BY 1),
        carried AS (
            SELECT r.grp, c.key AS identifier,
                   bool_or(btrim(c.value) <> '') AS present,
                   bool_or(coalesce(cq_internal.identifier_valid(c.key, c.value,
                                                                 s.customer_columns->>'phone_region'), false))
                       AS valid
              FROM pg_temp.cq_refresh_rows r, jsonb_each_text(r.m) c
             GROUP BY 1, 2),
        ids AS (SELECT k AS identifier FROM jsonb_object_keys(s.customer_columns) k WHERE k <> 'phone_region')
        SELECT s.name, n.ev, i.identifier, n.events,
               count(*) FILTER (WHERE c.present)::float8 / n.events,
               count(*) FILTER (WHERE c.valid)::float8 / n.events,
               cq_internal.match_weight(i.identifier), now()
          FROM n CROSS JOIN ids i
          LEFT JOIN events e ON e.ev = n.ev
          LEFT JOIN carried c ON c.grp = e.grp AND c.identifier = i.identifier
         GROUP BY n.ev, i.identifier, n.events;
    END IF;

    -- event quality: volumes from the rows read, signal from cq.rank_events
    DELETE FROM cq_internal.event_quality_data d WHERE d.source = s.name;
    IF to_regclass('pg_temp.cq_refresh_rank') IS NOT NULL THEN
        DROP TABLE pg_temp.cq_refresh_rank;
    END IF;
    CREATE TEMPORARY TABLE cq_refresh_rank ON COMMIT DROP AS
    SELECT * FROM cq.rank_events(NULL::regclass, interval '1 day') WITH NO DATA;
    IF s.value_column IS NOT NULL THEN
        INSERT INTO pg_temp.cq_refresh_rank
        SELECT * FROM cq.rank_events('pg_temp.cq_refresh_rows', s.horizon, user_column => 'u',
                                     time_column => 't', event_column => 'ev', value_column => 'v',
                                     observed_until => until, entry_events => s.entry_events,
                                     within => s.within,
                                     event_id_column => CASE WHEN s.event_id_column IS NOT NULL
                                                             THEN 'id'::name END);
    END IF;
    INSERT INTO cq_internal.event_quality_data
    SELECT s.name, v.ev, v.n, v.users, v.kept,
           CASE WHEN s.event_id_column IS NOT NULL THEN v.copies::float8 / v.n END,
           CASE WHEN s.event_id_column IS NOT NULL THEN v.blank::float8 / v.n END,
           coalesce(k.weekly_volume,
                    v.kept_until / greatest(1.0, extract(epoch FROM until - v.first_t) / 604800.0)),
           k.users_with_event, k.conversion_rate, k.baseline_conversion_rate, k.lift, k.odds_ratio,
           k.correlation, k.p_value, k.q_value, k.revenue_share,
           extract(epoch FROM k.median_event_latency)::float8 / 3600,
           extract(epoch FROM k.median_lead_time)::float8 / 3600,
           k.is_revenue_event, k.verdict, k.advice, coalesce(k.recommended, false), k.rank,
           (SELECT sum(mq.weight * mq.valid_share) FROM cq_internal.match_quality_data mq
             WHERE mq.source = s.name AND mq.event_name = v.ev), now()
      FROM (SELECT x.event_name AS ev, x.rows AS n, x.users, x.events AS kept, x.kept_until,
                   x.rows - x.events AS copies, x.blank_ids AS blank, x.first_time AS first_t
              FROM pg_temp.cq_refresh_scan x WHERE x.day IS NULL) v
      LEFT JOIN pg_temp.cq_refresh_rank k ON k.event_name = v.ev AND k.threshold = 1;
    GET DIAGNOSTICS quality_rows = ROW_COUNT;
    RAISE NOTICE 'cq.refresh: source "%": event quality, % event names (%)', s.name, quality_rows,
        clock_timestamp() - t0;

    -- campaign quality: cq.breakdown by each dimension column (entry rule; a user converts
    -- with revenue above zero within the source's horizon), over the rows that are not
    -- copies, through a temporary view of the rows read; needs a value column
    DELETE FROM cq_internal.campaign_quality_data d WHERE d.source = s.name;
    IF s.value_column IS NOT NULL AND cardinality(s.dimension_columns) > 0 THEN
        FOR dim IN SELECT x FROM unnest(s.dimension_columns) x LOOP
            EXECUTE format('CREATE OR REPLACE TEMPORARY VIEW cq_refresh_dimension AS '
                           'SELECT r.u, r.t, r.ev, r.v, r.dims OPERATOR(pg_catalog.->>) %L AS d '
                           '  FROM pg_temp.cq_refresh_rows r WHERE NOT r.copy', dim);
            INSERT INTO cq_internal.campaign_quality_data
            SELECT s.name, dim, b.*, now()
              FROM cq.breakdown('pg_temp.cq_refresh_dimension'::regclass, 'd', 'entry', NULL, NULL,
                                s.horizon, 100, 'u', 't', 'ev', 'v') b;
            GET DIAGNOSTICS n = ROW_COUNT;
            RAISE NOTICE 'cq.refresh: source "%": campaign quality by %, % buckets (%)', s.name, dim, n,
                clock_timestamp() - t0;
        END LOOP;
        -- named by the session's own temporary schema: on a Citus coordinator, Citus's
        -- handling of DROP VIEW cannot resolve the alias pg_temp
        EXECUTE format('DROP VIEW %I.cq_refresh_dimension',
                       (SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()));
    END IF;

    -- funnels, over the rows that are not copies
    funnel_rows := 0;
    FOR f IN SELECT * FROM cq.funnels x WHERE x.source = s.name ORDER BY x.name LOOP
        DELETE FROM cq_internal.funnel_report_data d WHERE d.funnel = f.name;
        INSERT INTO cq_internal.funnel_report_data
        SELECT f.name, s.name, r.step, f.steps[r.step], r.users, r.conversion_from_previous,
               r.conversion_from_first, extract(epoch FROM r.median_from_previous)::float8,
               extract(epoch FROM r.p90_from_previous)::float8, now()
          FROM (SELECT cq.funnel_report(st, f."window", f.mode) AS rep
                  FROM (SELECT cq.funnel_events(x.t, x.ev, VARIADIC f.steps) AS st
                          FROM pg_temp.cq_refresh_rows x
                         WHERE NOT x.copy AND x.ev = ANY (f.steps)
                         GROUP BY x.u) p) q,
               unnest(q.rep) r;
        GET DIAGNOSTICS n = ROW_COUNT;
        funnel_rows := funnel_rows + n;
        RAISE NOTICE 'cq.refresh: source "%": funnel "%", % steps (%)', s.name, f.name, n,
            clock_timestamp() - t0;
    END LOOP;
    IF need_rows THEN
        DROP TABLE pg_temp.cq_refresh_rows;
    END IF;
    DROP TABLE pg_temp.cq_refresh_scan;
    DROP TABLE pg_temp.cq_refresh_rank;
END
$$;

COMMENT ON FUNCTION cq_internal.refresh_source(cq.event_sources) IS
'Computes the three reports of one source (cq.refresh holds its lock).';
