-- Registration of an event source (README, "Registering a source").  A file of its
-- own because 1.2 replaces cq.register_source (it gained dimension_columns): the
-- install script and the update script both take it from here.

CREATE FUNCTION cq.register_source(name text, relation regclass, user_column name,
                                   time_column name, event_column name,
                                   value_column name DEFAULT NULL,
                                   event_id_column name DEFAULT NULL,
                                   source_column name DEFAULT NULL,
                                   entry_events text[] DEFAULT NULL,
                                   received_at_column name DEFAULT NULL,
                                   horizon interval DEFAULT '30 days',
                                   within interval DEFAULT '7 days',
                                   customer_columns jsonb DEFAULT NULL,
                                   dimension_columns name[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    nsp name;
    rel name;
    own name;
BEGIN
    IF register_source.name IS NULL OR btrim(register_source.name) = '' THEN
        RAISE EXCEPTION 'a source needs a name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a short name, such as ''web'': reports and funnels refer to it.';
    END IF;
    IF relation IS NULL THEN
        RAISE EXCEPTION 'relation must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT n.nspname, c.relname, r.rolname INTO nsp, rel, own
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_roles r ON r.oid = c.relowner
     WHERE c.oid = relation AND c.relkind IN ('r', 'p', 'v', 'm', 'f');
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a table or view', relation::text
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'A source is a table, partitioned table, view, materialized view or foreign table.';
    END IF;
    IF NOT cq_internal.may_manage(nsp, rel, own) THEN
        RAISE EXCEPTION 'must be owner of relation % to register it as a source', relation::text
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Sources are registered by the owner of the relation (or a member of its owning role) or a superuser.';
    END IF;
    PERFORM cq_internal.check_source(relation, user_column, time_column, event_column, value_column,
                                     event_id_column, source_column, received_at_column);
    PERFORM cq_internal.check_customer_columns(relation, customer_columns);
    IF dimension_columns IS NOT NULL THEN
        IF array_position(dimension_columns, NULL) IS NOT NULL
           OR (SELECT count(DISTINCT d) FROM unnest(dimension_columns) d) < cardinality(dimension_columns) THEN
            RAISE EXCEPTION 'dimension_columns must name distinct columns, without NULL'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name the campaign, ad set, creative, landing page ... columns once each.';
        END IF;
        PERFORM cq_internal.check_source_column(relation, d, 'dimension_columns', 'any', true)
           FROM unnest(dimension_columns) d;
    END IF;
    IF horizon IS NULL OR horizon <= interval '0' THEN
        RAISE EXCEPTION 'horizon must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF within IS NULL OR within < interval '0' THEN
        RAISE EXCEPTION 'within must be zero or positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Registering a name again replaces its mapping; the reports of the old
    -- mapping go (they describe another relation or other columns).
    PERFORM 1 FROM cq.event_sources s WHERE s.name = register_source.name FOR UPDATE;
    IF FOUND THEN
        DELETE FROM cq_internal.event_quality_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.tracking_health_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.funnel_report_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.match_quality_data d WHERE d.source = register_source.name;
        DELETE FROM cq_internal.campaign_quality_data d WHERE d.source = register_source.name;
        UPDATE cq.event_sources s
           SET relation_schema = nsp, relation_name = rel, relation_owner = own,
               user_column = register_source.user_column, time_column = register_source.time_column,
               event_column = register_source.event_column, value_column = register_source.value_column,
               event_id_column = register_source.event_id_column,
               source_column = register_source.source_column,
               received_at_column = register_source.received_at_column,
               entry_events = register_source.entry_events, horizon = register_source.horizon,
               within = register_source.within, customer_columns = register_source.customer_columns,
               dimension_columns = register_source.dimension_columns,
               registered_by = current_user, registered_at = now()
         WHERE s.name = register_source.name;
    ELSE
        BEGIN
            INSERT INTO cq.event_sources (name, relation_schema, relation_name, relation_owner,
                                          user_column, time_column, event_column, value_column,
                                          event_id_column, source_column, received_at_column,
                                          entry_events, horizon, within, customer_columns,
                                          dimension_columns)
            VALUES (register_source.name, nsp, rel, own, user_column, time_column, event_column,
                    value_column, event_id_column, source_column, received_at_column, entry_events,
                    horizon, within, customer_columns, dimension_columns);
        EXCEPTION WHEN unique_violation OR insufficient_privilege THEN
            RAISE EXCEPTION 'a source named "%" already exists', register_source.name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Source names are shared by every role of the database: choose another. If it is yours and its relation was dropped or renamed, remove it first with cq.unregister_source.';
        END;
    END IF;
END
$$;

COMMENT ON FUNCTION cq.register_source(text, regclass, name, name, name, name, name, name, text[], name, interval, interval, jsonb, name[]) IS
'Registers (or updates) an event source: relation and the columns holding the user, the event time, the event name, and optionally the revenue value, the event id (for deduplication), the sending channel (browser/pixel, server), the time the row was received, the entry (acquisition) events, the landmark windows of cq.rank_events, the columns of customer information (customer_columns: email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid, and phone_region), and the dimension columns (campaign, ad set, creative, landing page ...) that cq.campaign_quality breaks the source down by. Every column is checked. Only the owner of the relation (or a member of its role) may register it; registering a name again replaces its mapping and drops its reports.';

COMMENT ON COLUMN cq.event_sources.dimension_columns IS
'Columns the source is broken down by in cq.campaign_quality (campaign, ad set, creative, landing page ...); NULL for none.';
