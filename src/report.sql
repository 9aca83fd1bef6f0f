-- Registered sources, funnel definitions, one atomic refresh and the report
-- views for BI tools (README, "For BI tools and DBAs").
--
-- Who may do what is decided by row-level security on every table here, so
-- every function runs with the caller's privileges (no SECURITY DEFINER):
--   * a role sees a source, its funnels and its report rows only while it may
--     read every row of the source relation: SELECT on it, USAGE on its
--     schema, and no row-level security of the relation (nor a
--     security_invoker view) that would hide rows from it;
--   * a role registers, changes, refreshes or unregisters a source, and
--     defines its funnels, only when it is a member of the role that owns the
--     source relation (superusers are members of every role); a superuser
--     refreshes only sources owned by a superuser, so that no code of a less
--     privileged role (a function in a view, a cast) runs with its rights.
-- A source is bound to its relation by schema, name and owner, not by OID: a
-- regclass column would stop pg_upgrade, and names survive pg_dump and
-- pg_restore.  A relation that no longer exists under that name and owner
-- (dropped, renamed, replaced by another role's) makes the source dead:
-- nobody reads its reports, and only the role that registered it (or a
-- superuser) may remove it.  Funnels and report rows belong to their source
-- by foreign keys (ON DELETE CASCADE).

-- ---------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------

-- The relation of a source: schema.name if it exists and is owned by "owner".
CREATE FUNCTION cq_internal.source_relation(relation_schema name, relation_name name, owner name)
RETURNS oid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT c.oid
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) c.relowner
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) $2
   AND r.rolname OPERATOR(pg_catalog.=) $3
$$;

COMMENT ON FUNCTION cq_internal.source_relation(name, name, name) IS
'The OID of relation schema.name when it exists and is owned by role "owner"; NULL otherwise (the source is dead).';

CREATE FUNCTION cq_internal.may_read(relation_schema name, relation_name name, owner name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((
  SELECT pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE')
         AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
         -- row-level security would hide rows from this reader, unless it bypasses it
         AND (NOT c.relrowsecurity
              OR (pg_catalog.pg_has_role(c.relowner, 'USAGE') AND NOT c.relforcerowsecurity)
              OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                          WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER
                            AND (r.rolsuper OR r.rolbypassrls)))
         -- a security_invoker view reads its tables with the reader's rights
         AND (c.relkind OPERATOR(pg_catalog.<>) 'v'
              OR NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(c.reloptions) o
                              WHERE pg_catalog.lower(o) OPERATOR(pg_catalog.~)
                                    '^security_invoker=(true|on|yes|1|t|y)')
              OR pg_catalog.pg_has_role(c.relowner, 'USAGE'))
    FROM pg_catalog.pg_class c
   WHERE c.oid OPERATOR(pg_catalog.=) cq_internal.source_relation($1, $2, $3)), false)
$$;

COMMENT ON FUNCTION cq_internal.may_read(name, name, name) IS
'True when the current role may read every row of the source relation schema.name owned by "owner": SELECT on it, USAGE on its schema, and no row-level security (or security_invoker view) that would filter its rows for this role. False for a dead source.';

CREATE FUNCTION cq_internal.may_manage(relation_schema name, relation_name name, owner name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE')
                   FROM pg_catalog.pg_class c
                  WHERE c.oid OPERATOR(pg_catalog.=) cq_internal.source_relation($1, $2, $3)), false)
$$;

COMMENT ON FUNCTION cq_internal.may_manage(name, name, name) IS
'True when the source relation schema.name exists, is owned by "owner", and the current role is a member of that role (superusers are members of every role).';

CREATE FUNCTION cq_internal.may_remove(relation_schema name, relation_name name, owner name,
                                       registered_by name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT cq_internal.may_manage($1, $2, $3)
    OR (cq_internal.source_relation($1, $2, $3) IS NULL
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                     WHERE (r.rolname OPERATOR(pg_catalog.=) $4
                            AND pg_catalog.pg_has_role(r.oid, 'USAGE'))
                        OR (r.rolname OPERATOR(pg_catalog.=) CURRENT_USER AND r.rolsuper)))
$$;

COMMENT ON FUNCTION cq_internal.may_remove(name, name, name, name) IS
'True when the current role may manage the source (cq_internal.may_manage) or, for a dead source, is a member of the role that registered it or a superuser.';

-- ---------------------------------------------------------------------------
-- Configuration (dumped by pg_dump: pg_extension_config_dump)
-- ---------------------------------------------------------------------------
CREATE TABLE cq.event_sources (
    name text PRIMARY KEY CHECK (btrim(name) <> '' AND length(name) <= 200),
    relation_schema name NOT NULL,
    relation_name name NOT NULL,
    relation_owner name NOT NULL,
    user_column name NOT NULL,
    time_column name NOT NULL,
    event_column name NOT NULL,
    value_column name,
    event_id_column name,
    source_column name,
    received_at_column name,
    entry_events text[],
    customer_columns jsonb CHECK (jsonb_typeof(customer_columns) = 'object'),
    horizon interval NOT NULL DEFAULT '30 days' CHECK (horizon > '0'),
    within interval NOT NULL DEFAULT '7 days' CHECK (within >= '0'),
    registered_by name NOT NULL DEFAULT current_user,
    registered_at timestamptz NOT NULL DEFAULT now(),
    dimension_columns name[] CHECK (array_position(dimension_columns, NULL) IS NULL)
);

COMMENT ON TABLE cq.event_sources IS
'Registered event sources (cq.register_source): an event table or view, its owner, and the meaning of its columns. A role sees the sources whose relation it may read; the owner of the relation changes them.';

CREATE TABLE cq.funnels (
    name text PRIMARY KEY CHECK (btrim(name) <> '' AND length(name) <= 200),
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    steps text[] NOT NULL CHECK (cardinality(steps) BETWEEN 1 AND 32 AND array_position(steps, NULL) IS NULL),
    "window" interval NOT NULL CHECK ("window" > '0'),
    mode text NOT NULL DEFAULT '',
    defined_by name NOT NULL DEFAULT current_user,
    defined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, source)
);

COMMENT ON TABLE cq.funnels IS
'Funnel definitions (cq.define_funnel): steps are event names of the source, in order, within "window", with the cq.window_funnel mode.';

CREATE INDEX funnels_source_idx ON cq.funnels (source);

-- ---------------------------------------------------------------------------
-- Report tables, written by cq.refresh, read through the views below
-- ---------------------------------------------------------------------------
CREATE TABLE cq_internal.event_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    event_name text NOT NULL,
    rows bigint NOT NULL,
    users bigint NOT NULL,
    deduplicated_events bigint NOT NULL,
    duplicate_rate double precision,
    missing_id_rate double precision,
    weekly_volume double precision,
    users_with_event bigint,
    conversion_rate double precision,
    baseline_conversion_rate double precision,
    lift double precision,
    odds_ratio double precision,
    correlation double precision,
    p_value double precision,
    q_value double precision,
    revenue_share double precision,
    median_event_latency_hours double precision,
    median_lead_time_hours double precision,
    is_revenue_event boolean,
    verdict text,
    advice text,
    recommended boolean NOT NULL,
    rank bigint,
    match_score double precision,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (source, event_name)
);

CREATE TABLE cq_internal.funnel_report_data (
    funnel text NOT NULL,
    source text NOT NULL,
    step bigint NOT NULL,
    step_name text NOT NULL,
    users bigint NOT NULL,
    conversion_from_previous double precision,
    conversion_from_first double precision,
    median_seconds_from_previous double precision,
    p90_seconds_from_previous double precision,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (funnel, step),
    FOREIGN KEY (funnel, source) REFERENCES cq.funnels (name, source) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE cq_internal.tracking_health_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    day date NOT NULL,
    event_name text NOT NULL,
    rows bigint NOT NULL,
    events bigint NOT NULL,
    users bigint NOT NULL,
    duplicate_rate double precision,
    missing_id_rate double precision,
    server_share double precision,
    browser_share double precision,
    both_share double precision,
    browser_id_share double precision,
    server_id_share double precision,
    browser_fallback_extra double precision,
    server_fallback_extra double precision,
    reused_ids bigint,
    burst_events bigint NOT NULL,
    orphan_events bigint,
    expected_low bigint,
    expected_high bigint,
    volume_anomaly boolean,
    future_events bigint NOT NULL,
    late_events bigint,
    stale_events bigint,
    median_lag_seconds double precision,
    p95_lag_seconds double precision,
    channels bigint,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (source, day, event_name)
);

CREATE TABLE cq_internal.match_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    event_name text NOT NULL,
    identifier text NOT NULL,
    events bigint NOT NULL,
    present_share double precision NOT NULL,
    valid_share double precision NOT NULL,
    weight double precision NOT NULL,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (source, event_name, identifier)
);

COMMENT ON TABLE cq_internal.match_quality_data IS
'Rows of cq.match_quality, written by cq.refresh.';

COMMENT ON TABLE cq_internal.event_quality_data IS
'Rows of cq.event_quality, written by cq.refresh.';
COMMENT ON TABLE cq_internal.funnel_report_data IS
'Rows of cq.funnel_report, written by cq.refresh.';
COMMENT ON TABLE cq_internal.tracking_health_data IS
'Rows of cq.tracking_health, written by cq.refresh.';

SELECT pg_catalog.pg_extension_config_dump('cq.event_sources', '');
SELECT pg_catalog.pg_extension_config_dump('cq.funnels', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.event_quality_data', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.funnel_report_data', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.tracking_health_data', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.match_quality_data', '');

CREATE FUNCTION cq_internal.may_read_source(source text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((SELECT cq_internal.may_read(s.relation_schema, s.relation_name, s.relation_owner)
                   FROM cq.event_sources s WHERE s.name OPERATOR(pg_catalog.=) $1), false)
$$;

COMMENT ON FUNCTION cq_internal.may_read_source(text) IS
'True when the current role may read the relation of registered source "source" (cq_internal.may_read).';

CREATE FUNCTION cq_internal.may_manage_source(source text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce((SELECT cq_internal.may_manage(s.relation_schema, s.relation_name, s.relation_owner)
                   FROM cq.event_sources s WHERE s.name OPERATOR(pg_catalog.=) $1), false)
$$;

COMMENT ON FUNCTION cq_internal.may_manage_source(text) IS
'True when the current role may manage registered source "source" (cq_internal.may_manage).';

CREATE FUNCTION cq_internal.may_refresh_source(source text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT cq_internal.may_manage_source($1)
   AND NOT EXISTS (SELECT 1
                     FROM cq.event_sources s, pg_catalog.pg_roles me, pg_catalog.pg_roles o
                    WHERE s.name OPERATOR(pg_catalog.=) $1
                      AND me.rolname OPERATOR(pg_catalog.=) CURRENT_USER AND me.rolsuper
                      AND o.rolname OPERATOR(pg_catalog.=) s.relation_owner AND NOT o.rolsuper)
$$;

COMMENT ON FUNCTION cq_internal.may_refresh_source(text) IS
'True when the current role may refresh source "source": it may manage it, and is not a superuser reading a relation of a role that is not one (whose functions and casts would run with superuser rights).';

-- Row-level security: readers of a source see its rows; its owners write them.
ALTER TABLE cq.event_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq.event_sources FOR SELECT
    USING (cq_internal.may_remove(relation_schema, relation_name, relation_owner, registered_by)
           OR cq_internal.may_read(relation_schema, relation_name, relation_owner));
CREATE POLICY owners_insert ON cq.event_sources FOR INSERT
    WITH CHECK (cq_internal.may_manage(relation_schema, relation_name, relation_owner)
                AND registered_by OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY owners_update ON cq.event_sources FOR UPDATE
    USING (cq_internal.may_manage(relation_schema, relation_name, relation_owner))
    WITH CHECK (cq_internal.may_manage(relation_schema, relation_name, relation_owner)
                AND registered_by OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY owners_delete ON cq.event_sources FOR DELETE
    USING (cq_internal.may_remove(relation_schema, relation_name, relation_owner, registered_by));

ALTER TABLE cq.funnels ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq.funnels FOR SELECT
    USING (cq_internal.may_read_source(source) OR cq_internal.may_manage_source(source));
CREATE POLICY owners ON cq.funnels FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.event_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.event_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.event_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.funnel_report_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.funnel_report_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.funnel_report_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.tracking_health_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.tracking_health_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.tracking_health_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

ALTER TABLE cq_internal.match_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.match_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.match_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));

GRANT SELECT, INSERT, UPDATE, DELETE ON cq.event_sources, cq.funnels,
    cq_internal.event_quality_data, cq_internal.funnel_report_data,
    cq_internal.tracking_health_data, cq_internal.match_quality_data TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Registration
-- ---------------------------------------------------------------------------

-- The column "col" of relation "rel", given as argument "arg", exists and is
-- of the type family "family": 'any', 'time' (date, timestamp, timestamptz,
-- or a domain over one) or 'number' (a numeric type); a clean error otherwise.
-- A NULL col is an error when "required".
CREATE FUNCTION cq_internal.check_source_column(rel regclass, col name, arg text, family text,
                                               required boolean)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    typ oid;
    base oid;
    cat "char";
BEGIN
    IF col IS NULL THEN
        IF required THEN
            RAISE EXCEPTION '% must not be NULL', arg
                USING ERRCODE = 'null_value_not_allowed',
                      HINT = 'Name the column of ' || rel::text || ' that holds it.';
        END IF;
        RETURN;
    END IF;
    SELECT a.atttypid INTO typ
      FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', col, rel::text
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('%s names the column to read; %s has no column of that name.',
                                  arg, rel::text),
                  HINT = 'Column names are case-sensitive: "User Id" is not user_id.';
    END IF;
    base := typ;
    WHILE (SELECT t.typtype = 'd' FROM pg_type t WHERE t.oid = base) LOOP
        base := (SELECT t.typbasetype FROM pg_type t WHERE t.oid = base);
    END LOOP;
    SELECT t.typcategory INTO cat FROM pg_type t WHERE t.oid = base;
    IF family = 'time' AND base NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
        RAISE EXCEPTION 'column "%" of relation % has type %', col, rel::text, format_type(typ, NULL)
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = arg || ' must be a date, timestamp or timestamp with time zone column.';
    ELSIF family = 'number' AND cat <> 'N' THEN
        RAISE EXCEPTION 'column "%" of relation % has type %', col, rel::text, format_type(typ, NULL)
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = arg || ' must be a numeric column (numeric, integer, double precision, ...).';
    END IF;
END
$$;

COMMENT ON FUNCTION cq_internal.check_source_column(regclass, name, text, text, boolean) IS
'Checks that a column named by argument "arg" exists in rel and is of a type family (any, time, number); raises 42703, 42804 or 22004 naming the column, the relation and what was expected.';

-- Every column of a source: the checks of cq.register_source, again at each refresh.
CREATE FUNCTION cq_internal.check_source(rel regclass, user_column name, time_column name,
                                        event_column name, value_column name, event_id_column name,
                                        source_column name, received_at_column name)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM cq_internal.check_source_column(rel, user_column, 'user_column', 'any', true);
    PERFORM cq_internal.check_source_column(rel, time_column, 'time_column', 'time', true);
    PERFORM cq_internal.check_source_column(rel, event_column, 'event_column', 'any', true);
    PERFORM cq_internal.check_source_column(rel, value_column, 'value_column', 'number', false);
    PERFORM cq_internal.check_source_column(rel, event_id_column, 'event_id_column', 'any', false);
    PERFORM cq_internal.check_source_column(rel, source_column, 'source_column', 'any', false);
    PERFORM cq_internal.check_source_column(rel, received_at_column, 'received_at_column', 'time', false);
END
$$;

COMMENT ON FUNCTION cq_internal.check_source(regclass, name, name, name, name, name, name, name) IS
'Checks every column of a source (cq_internal.check_source_column).';

-- cq.register_source is in src/register.sql (replaced in 1.2).

CREATE FUNCTION cq.unregister_source(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    -- the row lock waits for a refresh of the source; funnels and reports go
    -- with it (foreign keys ON DELETE CASCADE)
    DELETE FROM cq.event_sources s WHERE s.name = unregister_source.name;
    IF FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM cq.event_sources s WHERE s.name = unregister_source.name) THEN
        RAISE EXCEPTION 'must be owner of the relation of source "%" to unregister it', unregister_source.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'A source is removed by the owner of its relation, or, once that relation is gone, by the role that registered it or a superuser.';
    END IF;
    RAISE EXCEPTION 'source "%" is not registered', unregister_source.name
        USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the registered sources.';
END
$$;

COMMENT ON FUNCTION cq.unregister_source(text) IS
'Removes a registered source, its funnels and its report rows (the relation itself is not touched). The owner of the relation may remove it; once the relation is gone, the role that registered it or a superuser.';

CREATE FUNCTION cq.define_funnel(name text, source text, steps text[], "window" interval,
                                 mode text DEFAULT '')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF define_funnel.name IS NULL OR btrim(define_funnel.name) = '' THEN
        RAISE EXCEPTION 'a funnel needs a name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM cq.event_sources s WHERE s.name = define_funnel.source) THEN
        RAISE EXCEPTION 'source "%" is not registered', define_funnel.source
            USING ERRCODE = 'undefined_object',
                  HINT = 'Register it first with cq.register_source; cq.event_sources lists the registered sources.';
    END IF;
    IF NOT cq_internal.may_manage_source(define_funnel.source) THEN
        RAISE EXCEPTION 'must be owner of the relation of source "%" to define its funnels', define_funnel.source
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF steps IS NULL OR cardinality(steps) NOT BETWEEN 1 AND 32
       OR array_position(steps, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'steps must be 1 to 32 event names, none NULL'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For example ''{view_item,add_to_cart,purchase}''.';
    END IF;
    -- the window and the mode are checked by the funnel aggregate itself
    PERFORM cq.window_funnel("window", coalesce(mode, ''), now(), true);
    BEGIN
        INSERT INTO cq.funnels AS f (name, source, steps, "window", mode)
        VALUES (define_funnel.name, define_funnel.source, steps, "window", coalesce(mode, ''))
        ON CONFLICT ON CONSTRAINT funnels_pkey DO UPDATE
           SET source = excluded.source, steps = excluded.steps, "window" = excluded."window",
               mode = excluded.mode, defined_by = current_user, defined_at = now();
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'a funnel named "%" already exists', define_funnel.name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Funnel names are shared by every role of the database: choose another.';
    END;
    DELETE FROM cq_internal.funnel_report_data d WHERE d.funnel = define_funnel.name;
END
$$;

COMMENT ON FUNCTION cq.define_funnel(text, text, text[], interval, text) IS
'Defines (or redefines) a funnel over a registered source: event names as steps, the window and the cq.window_funnel mode. Its report appears in cq.funnel_report at the next cq.refresh.';

CREATE FUNCTION cq.drop_funnel(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM cq.funnels f WHERE f.name = drop_funnel.name;     -- its report rows cascade
    IF FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM cq.funnels f WHERE f.name = drop_funnel.name) THEN
        RAISE EXCEPTION 'must be owner of the relation of the source of funnel "%" to drop it', drop_funnel.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'funnel "%" is not defined', drop_funnel.name
        USING ERRCODE = 'undefined_object', HINT = 'cq.funnels lists the defined funnels.';
END
$$;

COMMENT ON FUNCTION cq.drop_funnel(text) IS
'Removes a funnel definition and its report rows.';

-- ---------------------------------------------------------------------------
-- Refresh
-- ---------------------------------------------------------------------------

-- cq_internal.refresh_source, the work of one source, is in src/refresh.sql.

CREATE FUNCTION cq.refresh(source text DEFAULT NULL, nowait boolean DEFAULT false)
RETURNS TABLE (source_name text, rows_read bigint, event_quality_rows bigint,
               funnel_report_rows bigint, tracking_health_rows bigint, elapsed interval)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    s cq.event_sources;
    r record;
    t0 timestamptz;
    todo text[];
    nm text;
    why text;
BEGIN
    IF refresh.source IS NOT NULL THEN
        SELECT * INTO s FROM cq.event_sources x WHERE x.name = refresh.source;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'source "%" is not registered', refresh.source
                USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the registered sources.';
        END IF;
        IF cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner) IS NULL THEN
            RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
                  quote_ident(s.relation_name), s.name
                USING ERRCODE = 'undefined_table',
                      DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                      HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
        END IF;
        IF NOT cq_internal.may_manage_source(refresh.source) THEN
            RAISE EXCEPTION 'must be owner of the relation of source "%" to refresh it', refresh.source
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Reports are refreshed by the owner of the source relation (or a member of its role).';
        END IF;
        IF NOT cq_internal.may_refresh_source(refresh.source) THEN
            RAISE EXCEPTION 'a superuser does not refresh source "%": its relation belongs to role %',
                  refresh.source, quote_ident(s.relation_owner)
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'Reading it would run functions and casts of that role with superuser rights.',
                      HINT = format('Refresh it as %s (SET ROLE is not enough: schedule the job as that role).',
                                    quote_ident(s.relation_owner));
        END IF;
        todo := ARRAY[refresh.source];
    ELSE
        -- every source the caller may manage, in name order (one lock order: no deadlock)
        SELECT coalesce(array_agg(x.name ORDER BY x.name), '{}') INTO todo
          FROM cq.event_sources x
         WHERE cq_internal.may_remove(x.relation_schema, x.relation_name, x.relation_owner,
                                      x.registered_by);
    END IF;
    FOREACH nm IN ARRAY todo LOOP
        t0 := clock_timestamp();
        IF refresh.source IS NULL THEN
            -- one dead or foreign source must not stop the reports of all the others
            SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm;
            CONTINUE WHEN NOT FOUND;
            why := CASE
                WHEN cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner) IS NULL
                THEN format('its relation %s.%s does not exist or is no longer owned by %s',
                            quote_ident(s.relation_schema), quote_ident(s.relation_name),
                            quote_ident(s.relation_owner))
                WHEN NOT cq_internal.may_refresh_source(nm)
                THEN format('its relation belongs to role %s, whose functions a superuser does not run; refresh it as %s',
                            quote_ident(s.relation_owner), quote_ident(s.relation_owner))
                END;
            IF why IS NOT NULL THEN
                RAISE WARNING 'source "%" skipped: %', nm, why;
                CONTINUE;
            END IF;
        END IF;
        BEGIN
            IF nowait THEN
                SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm FOR UPDATE NOWAIT;
            ELSE
                SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm FOR UPDATE;
            END IF;
        EXCEPTION WHEN lock_not_available THEN
            RAISE EXCEPTION 'source "%" is being refreshed or changed by another session', nm
                USING ERRCODE = 'lock_not_available',
                      HINT = 'Wait for it to finish, or call cq.refresh without nowait to wait.';
        END;
        CONTINUE WHEN NOT FOUND;      -- unregistered meanwhile
        r := cq_internal.refresh_source(s);
        source_name := nm;
        rows_read := r.rows_read;
        event_quality_rows := r.quality_rows;
        funnel_report_rows := r.funnel_rows;
        tracking_health_rows := r.health_rows;
        elapsed := clock_timestamp() - t0;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq.refresh(text, boolean) IS
'Recomputes the reports (cq.event_quality, cq.funnel_report, cq.tracking_health) of one registered source, or of every source the caller may refresh (a superuser: those whose relation a superuser owns), in the current transaction: readers see the old or the new reports, never a mix, and a failure leaves the old ones. A second refresh of the same source waits for the first (or fails at once with nowait). NOTICEs report progress. One row per source refreshed.';

-- ---------------------------------------------------------------------------
-- Views for BI tools: plain columns, rows of the sources the reader may read.
-- security_invoker (PostgreSQL 15+) makes the reader's own privileges and the
-- policies above apply through the views; the Makefile drops the option for
-- 13 and 14, where the WHERE clauses do the same filtering.
-- ---------------------------------------------------------------------------
CREATE VIEW cq.event_quality WITH (security_invoker = true) AS
SELECT source, event_name, rows, users, deduplicated_events, duplicate_rate, missing_id_rate,
       weekly_volume, users_with_event, conversion_rate, baseline_conversion_rate, lift,
       odds_ratio, correlation, p_value, q_value, revenue_share, median_event_latency_hours,
       median_lead_time_hours, is_revenue_event, verdict, advice, recommended, rank, match_score,
       refreshed_at
  FROM cq_internal.event_quality_data
 WHERE cq_internal.may_read_source(source);

CREATE VIEW cq.funnel_report WITH (security_invoker = true) AS
SELECT funnel, source, step, step_name, users, conversion_from_previous, conversion_from_first,
       median_seconds_from_previous, p90_seconds_from_previous, refreshed_at
  FROM cq_internal.funnel_report_data
 WHERE cq_internal.may_read_source(source);

CREATE VIEW cq.tracking_health WITH (security_invoker = true) AS
SELECT source, day, event_name, rows, events, users, duplicate_rate, missing_id_rate,
       server_share, browser_share, both_share, browser_id_share, server_id_share,
       browser_fallback_extra, server_fallback_extra, reused_ids, burst_events, orphan_events,
       expected_low, expected_high, volume_anomaly, future_events,
       late_events, stale_events, median_lag_seconds, p95_lag_seconds, channels, refreshed_at
  FROM cq_internal.tracking_health_data
 WHERE cq_internal.may_read_source(source);

CREATE VIEW cq.match_quality WITH (security_invoker = true) AS
SELECT source, event_name, identifier, events, present_share, valid_share, weight, refreshed_at
  FROM cq_internal.match_quality_data
 WHERE cq_internal.may_read_source(source);

GRANT SELECT ON cq.event_quality, cq.funnel_report, cq.tracking_health, cq.match_quality TO PUBLIC;

COMMENT ON VIEW cq.match_quality IS
'Per registered source, event name and identifier of customer information (email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid, as registered in customer_columns): the share of the deduplicated events carrying it and carrying a usable value, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.match_quality.source IS 'Registered source.';
COMMENT ON COLUMN cq.match_quality.event_name IS 'Event name.';
COMMENT ON COLUMN cq.match_quality.identifier IS 'email, phone, external_id, ip, user_agent, fbp, fbc, ttclid or gclid.';
COMMENT ON COLUMN cq.match_quality.events IS 'Deduplicated events of the event name.';
COMMENT ON COLUMN cq.match_quality.present_share IS 'Share of those events with a non-blank value on some copy.';
COMMENT ON COLUMN cq.match_quality.valid_share IS 'Share with a usable value on some copy: email and phone normalize (Meta''s rules), ip is an address, fbp and fbc have Meta''s form, the others are not blank.';
COMMENT ON COLUMN cq.match_quality.weight IS 'Weight of the identifier in the 0-10 match score of cq.event_quality (ours: email 3, phone 2.5, external_id 1.5, fbc 1, fbp 0.75, ip and user_agent 0.375 each, ttclid and gclid 0.25 each).';
COMMENT ON COLUMN cq.match_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';

COMMENT ON VIEW cq.event_quality IS
'Per registered source and event name: volumes, duplicates and the signal statistics and verdict of cq.rank_events, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.event_quality.source IS 'Registered source (cq.event_sources.name).';
COMMENT ON COLUMN cq.event_quality.event_name IS 'Event name.';
COMMENT ON COLUMN cq.event_quality.rows IS 'Rows of the event (user, time and event name not NULL), copies included.';
COMMENT ON COLUMN cq.event_quality.users IS 'Distinct users with the event.';
COMMENT ON COLUMN cq.event_quality.deduplicated_events IS 'Rows that are not copies: a copy has the same event name and id as a kept row at most 48 hours earlier (cq.dedup_key, cq.dedup_keep). Equal to rows without an event id column.';
COMMENT ON COLUMN cq.event_quality.duplicate_rate IS 'Copies / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.event_quality.missing_id_rate IS 'Rows whose event id is NULL or blank (never deduplicated) / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.event_quality.weekly_volume IS 'Deduplicated events per week from the first event to the end of observation (cq.rank_events; at least one week).';
COMMENT ON COLUMN cq.event_quality.users_with_event IS 'Included users exposed to the event in their first "within" after entry (cq.rank_events). NULL without a value column.';
COMMENT ON COLUMN cq.event_quality.conversion_rate IS 'Share of exposed users with revenue above zero in the outcome window.';
COMMENT ON COLUMN cq.event_quality.baseline_conversion_rate IS 'The same for the included users not exposed.';
COMMENT ON COLUMN cq.event_quality.lift IS 'Mean outcome revenue of the exposed / of the others.';
COMMENT ON COLUMN cq.event_quality.odds_ratio IS 'Odds ratio of converting, exposed against the others.';
COMMENT ON COLUMN cq.event_quality.correlation IS 'Point-biserial correlation of exposure with outcome revenue (an association, not an effect).';
COMMENT ON COLUMN cq.event_quality.p_value IS 'Two-sided p-value of the correlation (the t-test of cq.signal_p_value, as scipy.stats.pearsonr; the same as Student''s pooled two-sample t-test of the difference in mean revenue).';
COMMENT ON COLUMN cq.event_quality.q_value IS 'Benjamini-Hochberg q-value over the tested events of the source.';
COMMENT ON COLUMN cq.event_quality.revenue_share IS 'Share of outcome revenue that comes from the exposed users.';
COMMENT ON COLUMN cq.event_quality.median_event_latency_hours IS 'Median hours from entry to the first occurrence of the event.';
COMMENT ON COLUMN cq.event_quality.median_lead_time_hours IS 'Median hours from the event to the first outcome revenue above zero, over exposed converters.';
COMMENT ON COLUMN cq.event_quality.is_revenue_event IS 'The event''s rows carry revenue: it is the outcome, not a predictor.';
COMMENT ON COLUMN cq.event_quality.verdict IS 'ready, too rare, too late, no signal, not enough data or revenue event (cq.rank_events). NULL without a value column.';
COMMENT ON COLUMN cq.event_quality.advice IS 'The verdict in a sentence a marketer can act on.';
COMMENT ON COLUMN cq.event_quality.recommended IS 'True on at most one event per source: the best ready event to optimize ad bidding on.';
COMMENT ON COLUMN cq.event_quality.rank IS 'Order of cq.rank_events within the source (1 = best). NULL without a value column.';
COMMENT ON COLUMN cq.event_quality.match_score IS '0-10: the weighted share of the event''s deduplicated events carrying usable customer information (cq.match_quality; our weights, in the spirit of Meta''s Event Match Quality, whose formula is not public). NULL without customer columns.';
COMMENT ON COLUMN cq.event_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';

COMMENT ON VIEW cq.funnel_report IS
'Per defined funnel and step: users reaching the step, conversions and times between steps, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.funnel_report.funnel IS 'Funnel name (cq.funnels.name).';
COMMENT ON COLUMN cq.funnel_report.source IS 'Registered source of the funnel.';
COMMENT ON COLUMN cq.funnel_report.step IS 'Step number, from 1.';
COMMENT ON COLUMN cq.funnel_report.step_name IS 'Event name of the step.';
COMMENT ON COLUMN cq.funnel_report.users IS 'Users whose funnel reached the step within the window (copies left out).';
COMMENT ON COLUMN cq.funnel_report.conversion_from_previous IS 'users(step) / users(step - 1); NULL for step 1.';
COMMENT ON COLUMN cq.funnel_report.conversion_from_first IS 'users(step) / users(1).';
COMMENT ON COLUMN cq.funnel_report.median_seconds_from_previous IS 'Median seconds from the previous step; NULL for step 1.';
COMMENT ON COLUMN cq.funnel_report.p90_seconds_from_previous IS '90th percentile of the seconds from the previous step; NULL for step 1.';
COMMENT ON COLUMN cq.funnel_report.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';

COMMENT ON VIEW cq.tracking_health IS
'Per registered source, UTC day of the event time and event name: rows, deduplicated events, duplicates, missing ids, events stamped in the future and events arriving late, as of the last cq.refresh. Rows of sources the reader may read.';
COMMENT ON COLUMN cq.tracking_health.source IS 'Registered source.';
COMMENT ON COLUMN cq.tracking_health.day IS 'UTC date of the event time.';
COMMENT ON COLUMN cq.tracking_health.event_name IS 'Event name.';
COMMENT ON COLUMN cq.tracking_health.rows IS 'Rows of the event stamped that day, copies included.';
COMMENT ON COLUMN cq.tracking_health.events IS 'Rows that are not copies (same event name and id within 48 hours of a kept row): deduplicated events. Equal to rows without an event id column.';
COMMENT ON COLUMN cq.tracking_health.users IS 'Distinct users with the event that day.';
COMMENT ON COLUMN cq.tracking_health.duplicate_rate IS 'Copies / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.tracking_health.missing_id_rate IS 'Rows whose event id is NULL or blank (never deduplicated) / rows. NULL without an event id column.';
COMMENT ON COLUMN cq.tracking_health.server_share IS 'Share of the deduplicated events with a copy from a server (channel server, capi, eapi, events_api, api, s2s, server_api). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.browser_share IS 'Share of the deduplicated events with a copy from the browser or app (channel browser, pixel, web, app, sdk, client). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.both_share IS 'Share of the deduplicated events seen by both a browser and a server copy (Meta''s event coverage). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.browser_id_share IS 'Share of the browser rows with an event id (the dedup key). NULL without a source or an event id column.';
COMMENT ON COLUMN cq.tracking_health.server_id_share IS 'Share of the server rows with an event id. NULL without a source or an event id column.';
COMMENT ON COLUMN cq.tracking_health.browser_fallback_extra IS 'Share of the browser rows without an event id that carry a fallback key (external_id or fbp, from customer_columns): the coverage the fallback adds. NULL without a source column or without either fallback column.';
COMMENT ON COLUMN cq.tracking_health.server_fallback_extra IS 'The same for the server rows.';
COMMENT ON COLUMN cq.tracking_health.reused_ids IS 'Event ids first seen that day (for that event name) that are reused: given to several users, to several values, or to events more than 48 hours apart. NULL without an event id column.';
COMMENT ON COLUMN cq.tracking_health.burst_events IS 'Rows that are not copies and follow a row of the same user and event name by at most 10 seconds: reload loops, double clicks, bots.';
COMMENT ON COLUMN cq.tracking_health.orphan_events IS 'Deduplicated events of an event name that ends a defined funnel (two steps or more) with no earlier step of such a funnel by the same user within its window before them: conversions nothing led to. NULL for an event name that ends no funnel.';
COMMENT ON COLUMN cq.tracking_health.expected_low IS 'Fewest rows expected: half the smallest count of the same weekday in the 4 weeks before (0 for a day without a row). NULL without 4 weeks of history, or for a day in the future.';
COMMENT ON COLUMN cq.tracking_health.expected_high IS 'Most rows expected: 1.5 times the largest count of the same weekday in the 4 weeks before. NULL without 4 weeks of history.';
COMMENT ON COLUMN cq.tracking_health.volume_anomaly IS 'rows outside [expected_low, expected_high]; a day on which an event stopped arriving has a row of its own with rows 0. NULL without 4 weeks of history.';
COMMENT ON COLUMN cq.tracking_health.future_events IS 'Rows stamped more than one hour after their arrival (or after the refresh, without a received-at column): clocks in the future.';
COMMENT ON COLUMN cq.tracking_health.late_events IS 'Rows arriving more than 24 hours after their time stamp. NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.stale_events IS 'Rows arriving more than 7 days after their time stamp, which the ad platforms reject. NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.median_lag_seconds IS 'Median seconds from the time stamp to the arrival (rows with finite times). NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.p95_lag_seconds IS '95th percentile of the seconds from the time stamp to the arrival (percentile_cont). NULL without a received-at column.';
COMMENT ON COLUMN cq.tracking_health.channels IS 'Distinct values of the source column (browser/pixel, server, ...). NULL without a source column.';
COMMENT ON COLUMN cq.tracking_health.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';
