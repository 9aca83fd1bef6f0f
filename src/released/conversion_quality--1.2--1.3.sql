/* src/update--1.2--1.3.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.3'; the
   Makefile appends src/funnel_rollup.sql, src/funnel_count.sql, src/funnel_revenue.sql and
   src/daily.sql (new in 1.3) to make
   conversion_quality--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.3'" to load this file. \quit

-- What changes (README, "Upgrading"): nothing that exists changes.  New: the stored
-- funnel report states (cq.funnel_report_state, cq.funnel_report_rollup), the funnel
-- accessors cq.funnel_any_order and cq.funnel_completions, the aggregate
-- cq.funnel_revenue (and its type cq.funnel_revenue_step), and the daily
-- states of a source with their incremental refresh (cq.enable_daily_states,
-- cq.disable_daily_states, cq.refresh_daily, the views cq.cohort_days, cq.cohort_quality,
-- cq.cohort_events, cq.cohort_funnels, cq.cohort_attribution), README "Daily states and
-- incremental refresh".
-- Funnel reports that are stored and rolled up (README, "Daily states"): the state of
-- cq.funnel_report for a group of users, kept (per day, per dimension value) and merged
-- later into one report.  New in 1.3; a file of its own so that the install script
-- and the update to 1.3 both take it from here.

CREATE FUNCTION cq_internal.funnel_report_rollup_finalfn(cq.funnel_state)
RETURNS cq.funnel_step_report[]
AS 'MODULE_PATHNAME', 'funnel_report_rollup_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_report_rollup_finalfn(cq.funnel_state) IS
'Final function of cq.funnel_report_rollup: the report of a merged report state; a state that cannot be one (a user''s state of cq.funnel_events) is an error (22023).';

-- The state of cq.funnel_report, without its final step: one entry per user and step
-- reached (the same transition as cq.funnel_report, so the same window, mode and
-- per-step windows).
CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, "window" interval) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, "window" interval, mode text) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, windows interval[]) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE cq.funnel_report_state(state cq.funnel_state, windows interval[], mode text) (
    SFUNC = cq_internal.funnel_report_transfn,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_events_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

-- The report of the union of stored report states.
CREATE AGGREGATE cq.funnel_report_rollup(report cq.funnel_state) (
    SFUNC = cq_internal.funnel_combine,
    STYPE = cq.funnel_state,
    SSPACE = 160,
    FINALFUNC = cq_internal.funnel_report_rollup_finalfn,
    COMBINEFUNC = cq_internal.funnel_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval) IS
'The state of cq.funnel_report over one cq.funnel_state per user (one entry per user and step reached, 16 bytes each), to store per day or dimension value and merge with cq.funnel_report_rollup. NULL without any user state.';
COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval, text) IS
'cq.funnel_report_state with a mode (as cq.window_funnel).';
COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval[]) IS
'cq.funnel_report_state with per-step windows.';
COMMENT ON AGGREGATE cq.funnel_report_state(cq.funnel_state, interval[], text) IS
'cq.funnel_report_state with per-step windows and a mode.';
COMMENT ON AGGREGATE cq.funnel_report_rollup(cq.funnel_state) IS
'The cq.funnel_report of the union of report states of cq.funnel_report_state (days, dimension values, partitions, nodes): equal to cq.funnel_report over all their users. A state of cq.funnel_events is refused (22023).';
-- Counting over a funnel state (README "Any order and completions"): the most distinct steps
-- done within one window in any order, and how many times the funnel completes.  New in
-- 1.3; a file of its own so that the install script and the update to 1.3 both take it
-- from here.

CREATE FUNCTION cq.funnel_any_order(state cq.funnel_state, "window" interval)
RETURNS integer
AS 'MODULE_PATHNAME', 'funnel_any_order'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_any_order(cq.funnel_state, interval) IS
'Any-order funnel: the largest number of distinct steps (every condition of the state) that rows within one window [t, t + window] satisfy, t the time of a row satisfying a step, in any order; a row satisfying several steps counts for each; 0 without such a row.';

CREATE FUNCTION cq.funnel_completions(state cq.funnel_state, "window" interval, mode text DEFAULT '',
                                      exclusions integer[] DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'funnel_completions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_completions(cq.funnel_state, interval, text, integer[]) IS
'How many times the funnel completes: the first completion is the one cq.funnel_stage finds; each next one is searched, as a funnel of its own (window, mode and exclusions as cq.funnel_stage), among the rows strictly after the last step of the one before. A row never serves two completions.';

CREATE FUNCTION cq.funnel_completions(state cq.funnel_state, windows interval[], mode text DEFAULT '',
                                      exclusions integer[] DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'funnel_completions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_completions(cq.funnel_state, interval[], text, integer[]) IS
'cq.funnel_completions with per-step windows (windows[i] limits the time from step i to step i+1).';
-- Revenue in the funnel (README "Revenue in the funnel"): per step, the users who reached
-- it and the sum, mean and median of their revenue, and that sum per entrant.  New in 1.3;
-- a file of its own so that the install script and the update to 1.3 both take it from here.

CREATE TYPE cq.funnel_revenue_step AS (
    step integer,
    users bigint,
    users_with_revenue bigint,
    revenue_sum double precision,
    revenue_mean double precision,
    revenue_median double precision,
    revenue_per_entrant double precision
);

COMMENT ON TYPE cq.funnel_revenue_step IS
'One step of cq.funnel_revenue: the users who reached it, how many of them have a usable revenue (not NULL, finite), the sum, mean and median (percentile_cont) of those revenues, and the sum divided by the users who reached step 1.';

CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval, text)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[])
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[], text)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval) IS
'Transition of cq.funnel_revenue: the stage of one user''s state (as cq.funnel_stage) and the user''s revenue.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval, text) IS
'Transition of cq.funnel_revenue with a mode.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[]) IS
'Transition of cq.funnel_revenue with per-step windows.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_transfn(internal, cq.funnel_state, float8, interval[], text) IS
'Transition of cq.funnel_revenue with per-step windows and a mode.';

CREATE FUNCTION cq_internal.funnel_revenue_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'funnel_revenue_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_revenue_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_revenue_finalfn(internal)
RETURNS cq.funnel_revenue_step[] AS 'MODULE_PATHNAME', 'funnel_revenue_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.funnel_revenue_combine(internal, internal) IS
'Combine function of cq.funnel_revenue: the users of both partial states.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_serialize(internal) IS
'Serial function of cq.funnel_revenue: the (stage, revenue) pairs as bytea.';
COMMENT ON FUNCTION cq_internal.funnel_revenue_deserialize(bytea, internal) IS
'Deserial function of cq.funnel_revenue; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.funnel_revenue_finalfn(internal) IS
'Final function of cq.funnel_revenue: one cq.funnel_revenue_step per step.';

CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, "window" interval) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, "window" interval, mode text) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, windows interval[]) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_revenue(state cq.funnel_state, revenue float8, windows interval[], mode text) (
    SFUNC = cq_internal.funnel_revenue_transfn, STYPE = internal,
    FINALFUNC = cq_internal.funnel_revenue_finalfn,
    COMBINEFUNC = cq_internal.funnel_revenue_combine,
    SERIALFUNC = cq_internal.funnel_revenue_serialize,
    DESERIALFUNC = cq_internal.funnel_revenue_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval) IS
'Revenue in the funnel, over one cq.funnel_state and one revenue per user: per step, the users whose funnel reached it within the window (as cq.funnel_stage), and the sum, mean and median of their revenue and that sum per entrant (user reaching step 1). A NULL state is skipped; a NULL or non-finite revenue counts the user but not the revenue. unnest() it for one row per step.';
COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval, text) IS
'cq.funnel_revenue with a mode (as cq.window_funnel).';
COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval[]) IS
'cq.funnel_revenue with per-step windows.';
COMMENT ON AGGREGATE cq.funnel_revenue(cq.funnel_state, float8, interval[], text) IS
'cq.funnel_revenue with per-step windows and a mode.';
-- Daily states (README, "Daily states and incremental refresh"): for a registered source,
-- per cohort day (the UTC day a user was assigned to a bucket), dimension and bucket, the
-- states of the cohort's users within the source's horizon: counts and exact revenue
-- sums, one cq.event_signal per event name, one cq.funnel_report_state per funnel.  A
-- trigger logs the days whose rows change; cq.refresh_daily reads only the days those
-- changes reach and rewrites only the cohorts they touch; the views roll the stored days
-- up when read.  New in 1.3.
--
-- The rules, as the README states them:
--   * a user's assignment, per dimension column: the first row with a value of it (ties:
--     the value in byte order), as cq.breakdown's entry rule; without one, the user's
--     first row and the NULL bucket.  "Total" (dimension NULL in the views) puts every
--     user in the NULL bucket at the first row.
--   * the user's outcome: rows in [assignment, assignment + horizon]; rows of one event
--     name and event id (cq.dedup_key; a blank id never matches) count once there (the
--     first); converted = a value above zero; revenue = the sum of the values (a value
--     that is NULL or not finite adds nothing).
--   * rows without a user, time or event name, or at +-infinity, are not read.
-- Cohort day D depends only on the rows of days D .. D + 1 + horizon; a change on day X
-- can therefore reach cohorts X - horizon - 1 .. X, and the cohorts a moved assignment
-- leaves and joins (both are recomputed).

-- ---------------------------------------------------------------------------
-- Storage
-- ---------------------------------------------------------------------------

CREATE TABLE cq_internal.daily_sources (
    source text PRIMARY KEY REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    relation_schema name NOT NULL,  -- the relation that carries the triggers
    relation_name name NOT NULL,
    time_column name NOT NULL,      -- the column whose days they log
    settings jsonb,
    enabled_by name NOT NULL DEFAULT current_user,
    enabled_at timestamptz NOT NULL DEFAULT now(),
    refreshed_at timestamptz
);

COMMENT ON TABLE cq_internal.daily_sources IS
'Sources that keep daily states (cq.enable_daily_states), and the settings (columns, horizon, dimensions, funnels) their states were computed with; NULL settings: not built yet.';

-- Days with changed rows, one row per statement and day (append only: a refresh deletes
-- the rows it has seen, so a row a transaction still open writes is left for the next
-- refresh, and no writer waits for another on a unique index); day 'infinity' (a TRUNCATE):
-- rebuild everything.  Written by the triggers of cq_internal.daily_log_changes with the
-- rights of whoever changes the source, hence INSERT for every role: a row only makes the
-- next refresh read more (days outside the range of readable times are ignored).
CREATE TABLE cq_internal.daily_changes (
    source text NOT NULL,
    day date NOT NULL
);
CREATE INDEX daily_changes_source_idx ON cq_internal.daily_changes (source);

COMMENT ON TABLE cq_internal.daily_changes IS
'Days with new, changed or deleted rows of a source since its last cq.refresh_daily, one row per statement and day (logged by triggers); day infinity: the source was truncated.';

CREATE TABLE cq_internal.daily_assignments (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,        -- '' for the total
    u text NOT NULL,
    first_t timestamptz NOT NULL,   -- the user's first row
    a timestamptz,                  -- the first row with a value of the dimension
    bucket text,                    -- that value
    day date NOT NULL,              -- cohort day: UTC day of coalesce(a, first_t)
    PRIMARY KEY (u, source, dimension)
);
-- (no index starts with the source: the statistics of this shared table may predate a
-- rebuild of one source and count none of its rows, and the planner would then scan all of
-- them by such an index once per probe; led by the user, the day and the first row, each
-- index serves only the probes it is for)
CREATE INDEX daily_assignments_day_idx ON cq_internal.daily_assignments (day, source, dimension);
CREATE INDEX daily_assignments_first_idx ON cq_internal.daily_assignments (first_t, source);

COMMENT ON TABLE cq_internal.daily_assignments IS
'Per source, dimension and user: the user''s first row, assignment (time and bucket) and cohort day, kept so that a refresh knows whom a changed day moves.';

CREATE TABLE cq_internal.daily_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,
    bucket text,
    users bigint NOT NULL,
    converters bigint NOT NULL,
    revenue numeric NOT NULL,
    revenue_sq numeric NOT NULL,
    base cq.event_signal NOT NULL   -- cq.event_signal(false, revenue) of every user
);
CREATE INDEX daily_states_idx ON cq_internal.daily_states (source, dimension, day);

COMMENT ON TABLE cq_internal.daily_states IS
'Per source, dimension, cohort day and bucket: users, converters, exact revenue sums and the signal state of revenue with no event (the rows of cq.cohort_days).';

CREATE TABLE cq_internal.daily_event_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,
    bucket text,
    event_name text NOT NULL,
    signal cq.event_signal NOT NULL  -- cq.event_signal(did the event, revenue) of every user
);
CREATE INDEX daily_event_states_idx ON cq_internal.daily_event_states (source, dimension, day);

COMMENT ON TABLE cq_internal.daily_event_states IS
'Per source, dimension, cohort day, bucket and event name done by a user of the cohort: cq.event_signal(user did the event within the horizon, revenue) over every user of the cohort and bucket. A cohort without the event contributes its daily_states.base.';

CREATE TABLE cq_internal.daily_funnel_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,
    bucket text,
    funnel text NOT NULL,
    report cq.funnel_state NOT NULL  -- cq.funnel_report_state of the cohort's users
);
CREATE INDEX daily_funnel_states_idx ON cq_internal.daily_funnel_states (source, dimension, day);

COMMENT ON TABLE cq_internal.daily_funnel_states IS
'Per source, dimension, cohort day, bucket and funnel of the source: cq.funnel_report_state of the users of the cohort (their rows within the horizon), rolled up by cq.cohort_funnels.';

CREATE TABLE cq_internal.daily_attribution_states (
    source text NOT NULL REFERENCES cq_internal.daily_sources (source) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    day date NOT NULL,               -- the UTC day of the conversions
    model text NOT NULL,
    credits jsonb NOT NULL           -- cq.attribution_rollup of the users' cq.attribution_credits
);
CREATE INDEX daily_attribution_states_idx ON cq_internal.daily_attribution_states (source, day, dimension);

COMMENT ON TABLE cq_internal.daily_attribution_states IS
'Per source, dimension, conversion day and attribution model: the conversions of the day credited to the values of the dimension on the same user''s rows within the horizon before them (cq.attribution_credits, rolled up), read by cq.cohort_attribution.';

SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_sources', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_changes', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_assignments', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_states', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_event_states', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_funnel_states', '');
SELECT pg_catalog.pg_extension_config_dump('cq_internal.daily_attribution_states', '');

-- The row-level security of the other reports (src/report.sql): readers of a source's
-- relation see its rows, its managers change them.
ALTER TABLE cq_internal.daily_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_sources FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_sources FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_sources TO PUBLIC;

ALTER TABLE cq_internal.daily_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY loggers ON cq_internal.daily_changes FOR INSERT WITH CHECK (true);
CREATE POLICY readers ON cq_internal.daily_changes FOR SELECT
    USING (cq_internal.may_read_source(source) OR cq_internal.may_manage_source(source));
CREATE POLICY owners ON cq_internal.daily_changes FOR DELETE USING (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, DELETE ON cq_internal.daily_changes TO PUBLIC;

ALTER TABLE cq_internal.daily_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_assignments FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_assignments FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_assignments TO PUBLIC;

ALTER TABLE cq_internal.daily_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_states TO PUBLIC;

ALTER TABLE cq_internal.daily_event_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_event_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_event_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_event_states TO PUBLIC;

ALTER TABLE cq_internal.daily_attribution_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_attribution_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_attribution_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_attribution_states TO PUBLIC;

ALTER TABLE cq_internal.daily_funnel_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.daily_funnel_states FOR SELECT USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.daily_funnel_states FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.daily_funnel_states TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Change log
-- ---------------------------------------------------------------------------

-- Trigger function of the statement triggers cq.enable_daily_states puts on a source's
-- relation (arguments: source name, time column): logs the UTC days of the inserted,
-- deleted and old and new updated rows; a TRUNCATE logs day infinity.  Runs with the
-- rights of the role changing the relation (not SECURITY DEFINER: the cast of the time
-- column is that role's).
CREATE FUNCTION cq_internal.daily_log_changes()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO cq_internal.daily_changes VALUES (TG_ARGV[0], 'infinity');
        RETURN NULL;
    END IF;
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE format('INSERT INTO cq_internal.daily_changes '
                           'SELECT DISTINCT $1, (x.%1$I::pg_catalog.timestamptz AT TIME ZONE ''UTC'')::pg_catalog.date '
                           '  FROM cq_daily_new x WHERE x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.>=) $2 '
                           '   AND x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.<) $3', TG_ARGV[1])
                USING TG_ARGV[0], cq_internal.daily_time_low(), cq_internal.daily_time_high();
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            EXECUTE format('INSERT INTO cq_internal.daily_changes '
                           'SELECT DISTINCT $1, (x.%1$I::pg_catalog.timestamptz AT TIME ZONE ''UTC'')::pg_catalog.date '
                           '  FROM cq_daily_old x WHERE x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.>=) $2 '
                           '   AND x.%1$I::pg_catalog.timestamptz OPERATOR(pg_catalog.<) $3', TG_ARGV[1])
                USING TG_ARGV[0], cq_internal.daily_time_low(), cq_internal.daily_time_high();
        END IF;
    EXCEPTION WHEN undefined_column THEN
        -- the time column was renamed or dropped: the write goes through, and the next
        -- refresh (which then asks for the source to be registered again) rebuilds
        INSERT INTO cq_internal.daily_changes VALUES (TG_ARGV[0], 'infinity');
    END;
    RETURN NULL;
END
$$;

-- The range of times daily states read (README): rows outside it are not read, like rows
-- at +-infinity, so that every day +- a horizon stays a valid timestamp.
CREATE FUNCTION cq_internal.daily_time_low()
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT timestamptz '0001-01-01 00:00:00+00' $$;

CREATE FUNCTION cq_internal.daily_time_high()
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT timestamptz '100000-01-01 00:00:00+00' $$;

COMMENT ON FUNCTION cq_internal.daily_time_low() IS
'First time daily states read (0001-01-01 UTC, included).';
COMMENT ON FUNCTION cq_internal.daily_time_high() IS
'End of the times daily states read (100000-01-01 UTC, excluded).';

COMMENT ON FUNCTION cq_internal.daily_log_changes() IS
'Statement trigger of a source with daily states (arguments: source, time column): logs the UTC days of the rows a statement inserts, updates or deletes into cq_internal.daily_changes, and day infinity for a TRUNCATE.';

-- The names of the four triggers of a source (a relation may back several sources)
CREATE FUNCTION cq_internal.daily_trigger_names(source text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.array_agg(p OPERATOR(pg_catalog.||) pg_catalog.left(pg_catalog.md5($1), 16) ORDER BY o)
  FROM pg_catalog.unnest(ARRAY['cq_daily_insert_', 'cq_daily_update_', 'cq_daily_delete_',
                               'cq_daily_truncate_']) WITH ORDINALITY x(p, o)
$$;

COMMENT ON FUNCTION cq_internal.daily_trigger_names(text) IS
'Names of the insert, update, delete and truncate triggers of a source''s daily states: a prefix and 16 hex digits of the md5 of the source name.';

-- Drop the triggers of a source's daily states that are on relation rel
CREATE FUNCTION cq_internal.daily_drop_triggers(source text, rel regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t name;
BEGIN
    FOR t IN SELECT g.tgname FROM pg_catalog.pg_trigger g
              WHERE g.tgrelid = rel AND g.tgname = ANY (cq_internal.daily_trigger_names(source)) LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t, rel);
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_drop_triggers(text, regclass) IS
'Drops the triggers of a source''s daily states from its relation (those that exist).';

-- The registered source "source", with the checks every daily-state function makes:
-- it exists, its relation exists and the caller may manage it.
CREATE FUNCTION cq_internal.daily_source(source text, action text)
RETURNS cq.event_sources
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cq.event_sources;
    rel regclass;
BEGIN
    SELECT * INTO s FROM cq.event_sources x WHERE x.name = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" is not registered', source
            USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the registered sources.';
    END IF;
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF rel IS NULL THEN
        RAISE EXCEPTION 'relation %.% of source "%" does not exist', quote_ident(s.relation_schema),
              quote_ident(s.relation_name), s.name
            USING ERRCODE = 'undefined_table',
                  DETAIL = format('Or it is no longer owned by %s, who registered it.', quote_ident(s.relation_owner)),
                  HINT = 'Register the source again with cq.register_source, or remove it with cq.unregister_source.';
    END IF;
    IF NOT cq_internal.may_manage_source(source) THEN
        RAISE EXCEPTION 'must be owner of the relation of source "%" to %', source, action
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Daily states are kept by the owner of the source relation (or a member of its role).';
    END IF;
    IF NOT cq_internal.may_refresh_source(source) THEN
        RAISE EXCEPTION 'a superuser does not % of source "%": its relation belongs to role %', action,
              source, quote_ident(s.relation_owner)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Reading it would run functions and casts of that role with superuser rights.',
                  HINT = format('Do it as %s.', quote_ident(s.relation_owner));
    END IF;
    RETURN s;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_source(text, text) IS
'The registered source, after the checks of the daily-state functions (registered, relation alive, caller may manage and refresh it); action completes the messages.';

CREATE FUNCTION cq.enable_daily_states(source text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cq.event_sources;
    rel regclass;
    trg text[] := cq_internal.daily_trigger_names(source);
BEGIN
    s := cq_internal.daily_source(source, 'keep daily states');
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    IF s.value_column IS NULL THEN
        RAISE EXCEPTION 'source "%" has no value column', source
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Daily states count converters and revenue: a user converts with a value above zero.',
                  HINT = 'Register the source again with value_column => ''revenue''.';
    END IF;
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = rel) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'relation % of source "%" is not a table', rel, source
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Changes are logged by triggers, which only tables have.',
                  HINT = 'Register the table the view reads, or use cq.refresh, which reads views too.';
    END IF;
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = rel) = 'p' THEN
        RAISE EXCEPTION 'relation % of source "%" is partitioned', rel, source
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Rows written to a partition directly, and partitions attached or truncated, would not pass the statement triggers of the partitioned table.',
                  HINT = 'Keep daily states of an unpartitioned table, or use cq.refresh.';
    END IF;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, NULL, NULL);
    PERFORM cq_internal.check_source_column(rel, d, 'dimension_columns', 'any', true)
       FROM unnest(s.dimension_columns) d;
    -- the triggers, again (CREATE TRIGGER checks the caller's rights), and off the relation
    -- the source had before when it was registered again since
    PERFORM cq_internal.daily_drop_triggers(source, x.old_rel)
       FROM (SELECT to_regclass(format('%I.%I', d.relation_schema, d.relation_name)) AS old_rel
               FROM cq_internal.daily_sources d WHERE d.source = enable_daily_states.source) x
      WHERE x.old_rel IS NOT NULL AND x.old_rel <> rel;
    PERFORM cq_internal.daily_drop_triggers(source, rel);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS cq_daily_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[1], rel, source, s.time_column);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS cq_daily_old '
                   'NEW TABLE AS cq_daily_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[2], rel, source, s.time_column);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS cq_daily_old '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[3], rel, source, s.time_column);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cq_internal.daily_log_changes(%L, %L)',
                   trg[4], rel, source, s.time_column);
    INSERT INTO cq_internal.daily_sources AS d (source, relation_schema, relation_name, time_column)
    VALUES (enable_daily_states.source, s.relation_schema, s.relation_name, s.time_column)
        ON CONFLICT ON CONSTRAINT daily_sources_pkey
        DO UPDATE SET settings = NULL, relation_schema = excluded.relation_schema,
                      relation_name = excluded.relation_name, time_column = excluded.time_column;
END
$$;

COMMENT ON FUNCTION cq.enable_daily_states(text) IS
'Keeps daily states for a registered source with a value column whose relation is a table: puts four statement triggers on it that log the days of changed rows (the caller needs the right to create triggers on it); the first cq.refresh_daily builds the states. Again on an enabled source: the triggers are put back and the next refresh rebuilds.';

CREATE FUNCTION cq.disable_daily_states(source text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cq.event_sources;
BEGIN
    s := cq_internal.daily_source(source, 'drop daily states');
    DELETE FROM cq_internal.daily_sources d WHERE d.source = disable_daily_states.source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" keeps no daily states', source
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;

COMMENT ON FUNCTION cq.disable_daily_states(text) IS
'Drops the triggers and every daily state of a source.';

-- When a source stops keeping daily states (cq.disable_daily_states, or its
-- registration removed: the foreign key cascades), its triggers and logged days go too.
CREATE FUNCTION cq_internal.daily_sources_deleted()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel regclass := to_regclass(format('%I.%I', OLD.relation_schema, OLD.relation_name));
BEGIN
    IF rel IS NOT NULL THEN
        BEGIN
            PERFORM cq_internal.daily_drop_triggers(OLD.source, rel);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'the triggers of the daily states of source "%" stay on %', OLD.source, rel
                USING DETAIL = 'Only the owner of the table may drop them; they log changed days, nothing else.',
                      HINT = format('The owner of %s may drop the triggers whose names begin with cq_daily_.', rel);
        END;
    END IF;
    -- (after cq.unregister_source the row-level security of the log keeps its rows:
    -- nothing logs them any more, and a source enabled again starts with a rebuild)
    DELETE FROM cq_internal.daily_changes c WHERE c.source = OLD.source;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_sources_deleted() IS
'Trigger of cq_internal.daily_sources: drops the change-logging triggers of a source that no longer keeps daily states, and its logged days.';

CREATE TRIGGER daily_sources_deleted AFTER DELETE ON cq_internal.daily_sources
    FOR EACH ROW EXECUTE FUNCTION cq_internal.daily_sources_deleted();

-- ---------------------------------------------------------------------------
-- Refresh
-- ---------------------------------------------------------------------------

-- Read the rows of source s whose time lies in [lo, hi) (NULL: no bound), or whose
-- user is in users, into pg_temp.cq_daily_rows (u, t, ev, v, k, dims); rows without a
-- user, time or event name, or outside [daily_time_low, daily_time_high) (+-infinity
-- included), are not read; a value that is not finite is NULL.  Returns the rows read.
CREATE FUNCTION cq_internal.daily_read(s cq.event_sources, rel regclass, lo timestamptz,
                                       hi timestamptz, users text[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET extra_float_digits = 1
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format(
        'INSERT INTO pg_temp.cq_daily_rows '
        'SELECT e.%1$I::pg_catalog.text, e.%2$I::pg_catalog.timestamptz, e.%3$I::pg_catalog.text, '
        '       CASE WHEN e.%4$I::pg_catalog.float8 OPERATOR(pg_catalog.<>) '
        '                 ALL (''{NaN,Infinity,-Infinity}''::pg_catalog.float8[]) '
        '            THEN e.%4$I::pg_catalog.numeric END, '
        '       %5$s, %6$s '
        '  FROM %7$s e '
        ' WHERE e.%1$I IS NOT NULL AND e.%3$I IS NOT NULL '
        '   AND e.%2$I OPERATOR(pg_catalog.>=) greatest($1, cq_internal.daily_time_low()) '
        '   AND e.%2$I OPERATOR(pg_catalog.<) least($2, cq_internal.daily_time_high()) '
        '   AND ($3 IS NULL OR e.%1$I OPERATOR(pg_catalog.=) ANY ($3::%8$s[]))',
        s.user_column, s.time_column, s.event_column, s.value_column,
        CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE format('cq.dedup_key(e.%I::pg_catalog.text, e.%I::pg_catalog.text)::pg_catalog.text',
                         s.event_column, s.event_id_column) END,
        coalesce((SELECT 'pg_catalog.jsonb_build_object('
                         || string_agg(format('%L, e.%I::pg_catalog.text', d, d), ', ')
                         || ')'
                    FROM unnest(s.dimension_columns) d),
                 'NULL::pg_catalog.jsonb'),
        rel,
        (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = rel AND a.attname = s.user_column))
        USING lo, hi, users;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_read(cq.event_sources, regclass, timestamptz, timestamptz, text[]) IS
'Reads the rows of a source in a time range (or of some users) into pg_temp.cq_daily_rows, with the caller''s privileges; returns the count.';

-- The first row and the assignment of each user of pg_temp.cq_daily_rows, per
-- dimension ('' for the total), into pg_temp.cq_daily_cand.
CREATE FUNCTION cq_internal.daily_candidates(dimensions text[])
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
INSERT INTO pg_temp.cq_daily_cand
SELECT x.dim, f.u, f.first_t, a.t, a.d
  FROM (SELECT r.u, min(r.t) AS first_t FROM pg_temp.cq_daily_rows r GROUP BY r.u) f
 CROSS JOIN unnest(ARRAY[''] || $1) x(dim)
  LEFT JOIN (SELECT DISTINCT ON (y.dim, r.u) y.dim, r.u, r.t, r.dims ->> y.dim AS d
               FROM pg_temp.cq_daily_rows r, unnest($1) y(dim)
              WHERE r.dims ->> y.dim IS NOT NULL
              ORDER BY y.dim, r.u, r.t, (r.dims ->> y.dim) COLLATE "C") a
         ON a.dim = x.dim AND a.u = f.u
$$;

COMMENT ON FUNCTION cq_internal.daily_candidates(text[]) IS
'Per dimension and user of pg_temp.cq_daily_rows: the first row, and the first row with a value of the dimension (ties: the value in byte order) and that value, into pg_temp.cq_daily_cand.';

-- Rebuild or bring up to date the daily states of one source (the caller holds the
-- lock of its cq_internal.daily_sources row).
CREATE FUNCTION cq_internal.daily_refresh_source(s cq.event_sources, rel regclass, full_rebuild boolean,
                                                 OUT rebuilt boolean, OUT changed_days integer,
                                                 OUT cohort_days integer, OUT rows_read bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET extra_float_digits = 1
AS $$
DECLARE
    dim_names text[] := coalesce(s.dimension_columns::text[], '{}');
    want jsonb;
    had jsonb;
    changed date[];
    lost_users text[];
    rng record;
    f cq.funnels;
    reach integer;
    tbl name;
BEGIN
    want := jsonb_build_object(
        'user', s.user_column, 'time', s.time_column, 'event', s.event_column,
        'value', s.value_column, 'event_id', s.event_id_column, 'horizon', s.horizon,
        'dimensions', dim_names,
        'funnels', coalesce((SELECT jsonb_agg(jsonb_build_array(x.name, x.steps, x."window", x.mode)
                                              ORDER BY x.name)
                               FROM cq.funnels x WHERE x.source = s.name), '[]'));
    SELECT d.settings INTO had FROM cq_internal.daily_sources d WHERE d.source = s.name;
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, NULL, NULL);
    -- the triggers log the days of the relation and time column the source had when they
    -- were put on it
    IF NOT EXISTS (SELECT 1 FROM cq_internal.daily_sources d
                    WHERE d.source = s.name AND d.relation_schema = s.relation_schema
                      AND d.relation_name = s.relation_name AND d.time_column = s.time_column) THEN
        RAISE EXCEPTION 'source "%" was registered again with another relation or time column', s.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The triggers that log its changed days are on the relation and column it had when its daily states were enabled.',
                  HINT = format('Call cq.enable_daily_states(%L) again.', s.name);
    END IF;
    -- ... and they must still be there, enabled (a table dropped and another renamed in its
    -- place, a source renamed, a trigger disabled: changes would go unseen)
    IF (SELECT count(*) FROM pg_catalog.pg_trigger g
         WHERE g.tgrelid = rel AND g.tgenabled <> 'D'
           AND g.tgname = ANY (cq_internal.daily_trigger_names(s.name))) < 4 THEN
        RAISE EXCEPTION 'the triggers that log the changes of source "%" are missing or disabled on %',
              s.name, rel
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Without them a refresh would not see what changed.',
                  HINT = format('Call cq.enable_daily_states(%L) again (the next refresh rebuilds).', s.name);
    END IF;
    -- the changes logged so far are taken now: a change a transaction still open logs, or
    -- one committed later, stays for the next refresh; days outside the times read are
    -- dropped (only a hand-written row has one)
    WITH taken AS (DELETE FROM cq_internal.daily_changes c WHERE c.source = s.name RETURNING c.day)
    SELECT coalesce(array_agg(DISTINCT t.day ORDER BY t.day), '{}') INTO changed
      FROM taken t
     WHERE t.day = 'infinity'
        OR (t.day >= (cq_internal.daily_time_low() AT TIME ZONE 'UTC')::date
            AND t.day < (cq_internal.daily_time_high() AT TIME ZONE 'UTC')::date);
    -- how many days a horizon can reach at most: each part by its size, a month as 31 days
    -- (a horizon of '1 mon -30 days' reaches 1 day from Jan 31 and 3 from Mar 1)
    SELECT greatest(1, ceil(abs(m) * 31 + abs(d) + abs(e - (m * 30 + d) * 86400) / 86400.0))::int
      INTO reach
      FROM (SELECT extract(year FROM s.horizon) * 12 + extract(month FROM s.horizon) AS m,
                   extract(day FROM s.horizon) AS d, extract(epoch FROM s.horizon) AS e) h;
    rebuilt := full_rebuild OR had IS DISTINCT FROM want
               OR 'infinity'::date = ANY (changed);
    rows_read := 0;
    changed_days := cardinality(changed);
    cohort_days := 0;
    IF NOT rebuilt AND changed_days = 0 THEN
        RETURN;
    END IF;

    CREATE TEMPORARY TABLE cq_daily_rows (u text, t timestamptz, ev text, v numeric, k text, dims jsonb)
        ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_cand (dim text, u text, first_t timestamptz, a timestamptz, bucket text)
        ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_dirty (dim text, day date) ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_read_days (day date PRIMARY KEY) ON COMMIT DROP;
    CREATE TEMPORARY TABLE cq_daily_conv_days (day date PRIMARY KEY) ON COMMIT DROP;

    IF rebuilt THEN
        -- everything: every row, every assignment, every cohort
        DELETE FROM cq_internal.daily_assignments a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_states a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_event_states a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_funnel_states a WHERE a.source = s.name;
        DELETE FROM cq_internal.daily_attribution_states a WHERE a.source = s.name;
        rows_read := cq_internal.daily_read(s, rel, NULL, NULL);
        PERFORM cq_internal.daily_candidates(dim_names);
        INSERT INTO cq_internal.daily_assignments
        SELECT s.name, c.dim, c.u, c.first_t, c.a, c.bucket,
               (coalesce(c.a, c.first_t) AT TIME ZONE 'UTC')::date
          FROM pg_temp.cq_daily_cand c;
        INSERT INTO pg_temp.cq_daily_dirty
        SELECT DISTINCT a.dimension, a.day FROM cq_internal.daily_assignments a WHERE a.source = s.name;
        changed_days := (SELECT count(DISTINCT (r.t AT TIME ZONE 'UTC')::date) FROM pg_temp.cq_daily_rows r);
        INSERT INTO pg_temp.cq_daily_conv_days
        SELECT DISTINCT (r.t AT TIME ZONE 'UTC')::date FROM pg_temp.cq_daily_rows r WHERE r.v > 0;
    ELSE
        -- 1. the rows of the changed days
        INSERT INTO pg_temp.cq_daily_read_days SELECT unnest(changed);
        FOR rng IN SELECT min(g.day) AS lo, max(g.day) AS hi
                     FROM (SELECT d.day, d.day - (row_number() OVER (ORDER BY d.day))::int AS grp
                             FROM pg_temp.cq_daily_read_days d) g
                    GROUP BY g.grp ORDER BY 1 LOOP
            rows_read := rows_read + cq_internal.daily_read(s, rel, rng.lo::timestamptz,
                                                             (rng.hi + 1)::timestamptz);
        END LOOP;
        PERFORM cq_internal.daily_candidates(dim_names);
        ANALYZE pg_temp.cq_daily_cand;

        -- 2. new assignments of the users on changed days, and of the users whose first
        -- row or assignment was on one: rows before a stored first row or assignment
        -- can only be on changed days, so the stored value stands unless its own day
        -- changed; when that day changed and no row of it is as early, the user is
        -- "lost" and read again whole (a probe with an index on the user column)
        CREATE TEMPORARY TABLE cq_daily_merge ON COMMIT DROP AS
        -- (three index probes: the users read, first rows on changed days, assignments on
        -- changed days)
        WITH old AS (
            SELECT o.* FROM pg_temp.cq_daily_cand c,
                   LATERAL (SELECT * FROM cq_internal.daily_assignments o
                             WHERE o.source = s.name AND o.dimension = c.dim AND o.u = c.u
                            OFFSET 0) o     -- a probe per user, whatever the statistics say
            UNION
            SELECT o.* FROM unnest(changed) c(day),
                   LATERAL (SELECT * FROM cq_internal.daily_assignments o
                             WHERE o.first_t >= c.day::timestamptz AND o.first_t < (c.day + 1)::timestamptz
                               AND o.source = s.name OFFSET 0) o
            UNION
            SELECT o.* FROM unnest(changed) c(day), unnest(ARRAY[''] || dim_names) dd(dim),
                   LATERAL (SELECT * FROM cq_internal.daily_assignments o
                             WHERE o.day = c.day AND o.source = s.name AND o.dimension = dd.dim
                               AND o.a IS NOT NULL OFFSET 0) o),
        m AS (
            SELECT coalesce(c.dim, o.dimension) AS dim, coalesce(c.u, o.u) AS u,
                   o.first_t AS o_first, o.a AS o_a, o.bucket AS o_bucket, o.day AS o_day,
                   c.first_t AS c_first, c.a AS c_a, c.bucket AS c_bucket,
                   (o.first_t AT TIME ZONE 'UTC')::date = ANY (changed) AS o_first_changed,
                   (o.a AT TIME ZONE 'UTC')::date = ANY (changed) AS o_a_changed
              FROM old o FULL JOIN pg_temp.cq_daily_cand c ON c.dim = o.dimension AND c.u = o.u)
        SELECT m.dim, m.u, m.o_first, m.o_a, m.o_bucket, m.o_day,
               CASE WHEN m.o_first IS NULL THEN m.c_first
                    WHEN NOT m.o_first_changed THEN least(m.o_first, m.c_first)
                    WHEN m.c_first <= m.o_first THEN m.c_first END AS n_first,
               CASE WHEN m.o_a IS NULL OR m.o_first IS NULL THEN m.c_a
                    WHEN NOT m.o_a_changed THEN
                         CASE WHEN m.c_a < m.o_a OR (m.c_a = m.o_a AND m.c_bucket COLLATE "C" < m.o_bucket)
                              THEN m.c_a ELSE m.o_a END
                    WHEN m.c_a <= m.o_a THEN m.c_a END AS n_a,
               CASE WHEN m.o_a IS NULL OR m.o_first IS NULL THEN m.c_bucket
                    WHEN NOT m.o_a_changed THEN
                         CASE WHEN m.c_a < m.o_a OR (m.c_a = m.o_a AND m.c_bucket COLLATE "C" < m.o_bucket)
                              THEN m.c_bucket ELSE m.o_bucket END
                    WHEN m.c_a <= m.o_a THEN m.c_bucket END AS n_bucket,
               (m.o_first IS NOT NULL AND m.o_first_changed AND (m.c_first IS NULL OR m.c_first > m.o_first))
               OR (m.o_a IS NOT NULL AND m.o_a_changed AND (m.c_a IS NULL OR m.c_a > m.o_a)) AS lost
          FROM m;
        -- the lost users, read whole
        SELECT array_agg(DISTINCT x.u) INTO lost_users FROM pg_temp.cq_daily_merge x WHERE x.lost;
        IF lost_users IS NOT NULL THEN
            TRUNCATE pg_temp.cq_daily_rows, pg_temp.cq_daily_cand;
            rows_read := rows_read + cq_internal.daily_read(s, rel, NULL, NULL, lost_users);
            PERFORM cq_internal.daily_candidates(dim_names);
            UPDATE pg_temp.cq_daily_merge x SET n_first = NULL, n_a = NULL, n_bucket = NULL
             WHERE x.u = ANY (lost_users);
            UPDATE pg_temp.cq_daily_merge x SET n_first = c.first_t, n_a = c.a, n_bucket = c.bucket
              FROM pg_temp.cq_daily_cand c WHERE c.dim = x.dim AND c.u = x.u AND x.u = ANY (lost_users);
            TRUNCATE pg_temp.cq_daily_rows;
        END IF;
        -- the cohorts an assignment leaves and joins
        INSERT INTO pg_temp.cq_daily_dirty
        SELECT x.dim, x.o_day FROM pg_temp.cq_daily_merge x
         WHERE x.o_day IS NOT NULL
           AND (x.n_first IS NULL OR x.o_first IS DISTINCT FROM x.n_first OR x.o_a IS DISTINCT FROM x.n_a
                OR x.o_bucket IS DISTINCT FROM x.n_bucket)
        UNION
        SELECT x.dim, (coalesce(x.n_a, x.n_first) AT TIME ZONE 'UTC')::date FROM pg_temp.cq_daily_merge x
         WHERE x.n_first IS NOT NULL
           AND (x.o_first IS DISTINCT FROM x.n_first OR x.o_a IS DISTINCT FROM x.n_a
                OR x.o_bucket IS DISTINCT FROM x.n_bucket);
        -- written back by primary key: users gone are deleted, the others upserted
        ANALYZE pg_temp.cq_daily_merge;
        -- (rows found by primary-key probes and deleted by ctid: a plan chosen on statistics
        -- taken before a rebuild would otherwise scan every assignment of the source once per
        -- user, as the benchmark found)
        DELETE FROM cq_internal.daily_assignments o
         WHERE o.ctid = ANY (ARRAY(
               SELECT a.ctid FROM pg_temp.cq_daily_merge x,
                      LATERAL (SELECT a.ctid FROM cq_internal.daily_assignments a
                                WHERE a.source = s.name AND a.dimension = x.dim AND a.u = x.u OFFSET 0) a
                WHERE x.n_first IS NULL));
        INSERT INTO cq_internal.daily_assignments AS o
        SELECT s.name, x.dim, x.u, x.n_first, x.n_a, x.n_bucket,
               (coalesce(x.n_a, x.n_first) AT TIME ZONE 'UTC')::date
          FROM pg_temp.cq_daily_merge x WHERE x.n_first IS NOT NULL
        ON CONFLICT ON CONSTRAINT daily_assignments_pkey
        DO UPDATE SET first_t = excluded.first_t, a = excluded.a, bucket = excluded.bucket, day = excluded.day
         WHERE (o.first_t, o.a, o.bucket) IS DISTINCT FROM (excluded.first_t, excluded.a, excluded.bucket);
        DROP TABLE pg_temp.cq_daily_merge;

        -- 3. the cohorts a changed day X can reach: X - horizon - 1 day .. X (the horizon in
        -- days as above: reach)
        INSERT INTO pg_temp.cq_daily_dirty
        SELECT DISTINCT dd.dim, g::date
          FROM unnest(changed) c(day), unnest(ARRAY[''] || dim_names) dd(dim),
               generate_series(c.day - reach - 1, c.day, interval '1 day') g;
        -- ... and the conversion days it can reach: X .. X + 1 day + horizon (the touches
        -- credited, and the earlier copy that makes a conversion row a copy, lie within the
        -- horizon before the conversion's day)
        INSERT INTO pg_temp.cq_daily_conv_days
        SELECT DISTINCT g::date
          FROM unnest(changed) c(day),
               generate_series(c.day, c.day + reach + 1, interval '1 day') g;
        -- 4. the rows those cohorts need, days D .. D + 1 day + horizon, and those the
        -- conversion days need, X - horizon - 1 day .. X
        TRUNCATE pg_temp.cq_daily_rows;
        DELETE FROM pg_temp.cq_daily_read_days;
        INSERT INTO pg_temp.cq_daily_read_days
        SELECT g::date
          FROM (SELECT DISTINCT d.day FROM pg_temp.cq_daily_dirty d) d,
               generate_series(d.day, d.day + reach + 1, interval '1 day') g
        UNION
        SELECT g::date
          FROM pg_temp.cq_daily_conv_days c,
               generate_series(c.day - reach - 1, c.day, interval '1 day') g;
        FOR rng IN SELECT min(g.day) AS lo, max(g.day) AS hi
                     FROM (SELECT d.day, d.day - (row_number() OVER (ORDER BY d.day))::int AS grp
                             FROM pg_temp.cq_daily_read_days d) g
                    GROUP BY g.grp ORDER BY 1 LOOP
            rows_read := rows_read + cq_internal.daily_read(s, rel, rng.lo::timestamptz,
                                                             (rng.hi + 1)::timestamptz);
        END LOOP;
        ANALYZE pg_temp.cq_daily_dirty;
        -- the states of those cohorts and conversion days go, found by index probes (as above);
        -- the three tables keyed by (source, dimension, day) alike
        FOREACH tbl IN ARRAY ARRAY['daily_states', 'daily_event_states', 'daily_funnel_states'] LOOP
            EXECUTE format(
                'DELETE FROM cq_internal.%1$I x '
                ' WHERE x.ctid = ANY (ARRAY('
                '       SELECT y.ctid FROM pg_temp.cq_daily_dirty d,'
                '              LATERAL (SELECT z.ctid FROM cq_internal.%1$I z'
                '                        WHERE z.source = $1 AND z.dimension = d.dim AND z.day = d.day'
                '                       OFFSET 0) y))', tbl)
                USING s.name;
        END LOOP;
        DELETE FROM cq_internal.daily_attribution_states x
         WHERE x.ctid = ANY (ARRAY(
               SELECT y.ctid FROM pg_temp.cq_daily_conv_days c,
                      LATERAL (SELECT z.ctid FROM cq_internal.daily_attribution_states z
                                WHERE z.source = s.name AND z.day = c.day OFFSET 0) y));
    END IF;

    -- the states of the dirty cohorts: each user's rows within the horizon, one row per
    -- event name and id
    ANALYZE pg_temp.cq_daily_rows;
    -- (the users first, counted by ANALYZE, so that the planner joins them to the rows by
    -- hash whatever the statistics of the shared table say)
    CREATE TEMPORARY TABLE cq_daily_members ON COMMIT DROP AS
    SELECT a.dimension AS dim, a.day, a.bucket, a.u, coalesce(a.a, a.first_t) AS at
      FROM (SELECT DISTINCT d.dim, d.day FROM pg_temp.cq_daily_dirty d) d,
           LATERAL (SELECT * FROM cq_internal.daily_assignments a
                     WHERE a.day = d.day AND a.source = s.name AND a.dimension = d.dim OFFSET 0) a;
    ANALYZE pg_temp.cq_daily_members;
    CREATE TEMPORARY TABLE cq_daily_users ON COMMIT DROP AS
    SELECT x.dim, x.day, x.bucket, x.u, x.t, x.ev, x.v
      FROM (SELECT m.dim, m.day, m.bucket, m.u, r.t, r.ev, r.v, r.k,
                   row_number() OVER (PARTITION BY m.dim, m.u, r.k ORDER BY r.t, r.v) AS nth
              FROM pg_temp.cq_daily_members m
              JOIN pg_temp.cq_daily_rows r
                ON r.u = m.u AND r.t >= m.at AND r.t <= m.at + s.horizon) x
     WHERE x.k IS NULL OR x.nth = 1;
    ANALYZE pg_temp.cq_daily_users;
    cohort_days := (SELECT count(DISTINCT d.day) FROM pg_temp.cq_daily_dirty d);

    INSERT INTO cq_internal.daily_states
    SELECT s.name, p.dim, p.day, p.bucket, count(*), count(*) FILTER (WHERE p.conv),
           coalesce(sum(p.rev::numeric), 0), coalesce(sum(p.rev::numeric * p.rev::numeric), 0),
           cq.event_signal(false, p.rev)
      FROM (SELECT x.dim, x.day, x.bucket, x.u, coalesce(bool_or(x.v > 0), false) AS conv,
                   coalesce(sum(x.v), 0) AS rev
              FROM pg_temp.cq_daily_users x GROUP BY 1, 2, 3, 4) p
     GROUP BY p.dim, p.day, p.bucket;

    INSERT INTO cq_internal.daily_event_states
    WITH pu AS (
        SELECT x.dim, x.day, x.bucket, x.u, coalesce(sum(x.v), 0) AS rev
          FROM pg_temp.cq_daily_users x GROUP BY 1, 2, 3, 4),
    did AS (SELECT DISTINCT x.dim, x.day, x.bucket, x.u, x.ev FROM pg_temp.cq_daily_users x),
    names AS (SELECT DISTINCT d.dim, d.day, d.bucket, d.ev FROM did d)
    SELECT s.name, n.dim, n.day, n.bucket, n.ev, cq.event_signal(d.u IS NOT NULL, pu.rev)
      FROM names n
      JOIN pu ON pu.dim = n.dim AND pu.day = n.day AND pu.bucket IS NOT DISTINCT FROM n.bucket
      LEFT JOIN did d ON d.dim = n.dim AND d.u = pu.u AND d.ev = n.ev
     GROUP BY n.dim, n.day, n.bucket, n.ev;

    FOR f IN SELECT * FROM cq.funnels x WHERE x.source = s.name ORDER BY x.name LOOP
        INSERT INTO cq_internal.daily_funnel_states
        SELECT s.name, p.dim, p.day, p.bucket, f.name, cq.funnel_report_state(p.st, f."window", f.mode)
          FROM (SELECT x.dim, x.day, x.bucket, x.u, cq.funnel_events(x.t, x.ev, VARIADIC f.steps) AS st
                  FROM pg_temp.cq_daily_users x
                 WHERE x.ev = ANY (f.steps)
                 GROUP BY 1, 2, 3, 4) p
         GROUP BY p.dim, p.day, p.bucket
        HAVING cq.funnel_report_state(p.st, f."window", f.mode) IS NOT NULL;
    END LOOP;

    -- attribution: per dimension and conversion day, the day's conversions (a value above
    -- zero; a row whose event name and id an earlier row of the user has within the horizon
    -- before the day is a copy) credited under each model to the dimension's values on the
    -- user's rows within the horizon before them (cq.attribution_credits, half-life 7 days)
    IF dim_names <> '{}' THEN
        ANALYZE pg_temp.cq_daily_conv_days;
        INSERT INTO cq_internal.daily_attribution_states
        WITH marked AS (
            SELECT r.*, (r.t AT TIME ZONE 'UTC')::date AS day,
                   lag(r.t) OVER (PARTITION BY r.u, r.k ORDER BY r.t, r.v) AS prev_t
              FROM pg_temp.cq_daily_rows r),
        conv AS (
            SELECT m.u, m.t, m.v, m.day FROM marked m
             WHERE m.v > 0 AND m.day IN (SELECT c.day FROM pg_temp.cq_daily_conv_days c)
               AND (m.k IS NULL OR m.prev_t IS NULL
                    OR m.prev_t < (m.day::timestamp - s.horizon)::timestamptz)),
        conv_users AS (SELECT DISTINCT c.u, c.day FROM conv c),
        input AS (          -- per dimension, day and user: touches, then conversions
            SELECT x.dim, cu.day, cu.u, r.t, r.dims ->> x.dim AS channel, false AS is_conv,
                   NULL::float8 AS v
              FROM conv_users cu
              JOIN pg_temp.cq_daily_rows r ON r.u = cu.u
               AND r.t >= (cu.day::timestamp - s.horizon)::timestamptz
               AND r.t < (cu.day + 1)::timestamptz
             CROSS JOIN unnest(dim_names) x(dim)
             WHERE r.dims ->> x.dim IS NOT NULL
            UNION ALL
            SELECT x.dim, c.day, c.u, c.t, NULL, true, c.v
              FROM conv c CROSS JOIN unnest(dim_names) x(dim)),
        per_user AS (
            SELECT i.dim, i.day, md.model,
                   cq.attribution_credits(i.t, i.channel, i.is_conv, i.v, md.model, s.horizon,
                                          interval '7 days') AS credits
              FROM input i
             CROSS JOIN unnest(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear',
                                     'position_based', 'time_decay']) md(model)
             GROUP BY i.dim, i.day, i.u, md.model)
        SELECT s.name, p.dim, p.day, p.model, cq.attribution_rollup(p.credits)
          FROM per_user p GROUP BY p.dim, p.day, p.model;
    END IF;

    UPDATE cq_internal.daily_sources d SET settings = want, refreshed_at = now()
     WHERE d.source = s.name;
    DROP TABLE pg_temp.cq_daily_rows, pg_temp.cq_daily_cand, pg_temp.cq_daily_dirty,
               pg_temp.cq_daily_read_days, pg_temp.cq_daily_members, pg_temp.cq_daily_users,
               pg_temp.cq_daily_conv_days;
END
$$;

COMMENT ON FUNCTION cq_internal.daily_refresh_source(cq.event_sources, regclass, boolean) IS
'Rebuilds the daily states of one source, or brings them up to date from its logged changes (README, "Daily states and incremental refresh").';

CREATE FUNCTION cq.refresh_daily(source text DEFAULT NULL, full_rebuild boolean DEFAULT false)
RETURNS TABLE (source_name text, rebuilt boolean, changed_days integer, cohort_days integer,
               rows_read bigint, elapsed interval)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    nm text;
    s cq.event_sources;
    rel regclass;
    r record;
    t0 timestamptz;
BEGIN
    IF refresh_daily.source IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM cq_internal.daily_sources d WHERE d.source = refresh_daily.source) THEN
        PERFORM cq_internal.daily_source(refresh_daily.source, 'refresh daily states');
        RAISE EXCEPTION 'source "%" keeps no daily states', refresh_daily.source
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Call cq.enable_daily_states(%L) first.', refresh_daily.source);
    END IF;
    -- in name order (one lock order: no deadlock); without a name, the sources the caller
    -- may manage, and one that is dead or a superuser may not read does not stop the others
    FOR nm IN SELECT d.source FROM cq_internal.daily_sources d
               WHERE (refresh_daily.source IS NULL AND cq_internal.may_manage_source(d.source))
                  OR d.source = refresh_daily.source
               ORDER BY d.source LOOP
        t0 := clock_timestamp();
        IF refresh_daily.source IS NULL THEN
            SELECT * INTO s FROM cq.event_sources x WHERE x.name = nm;
            IF cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner) IS NULL THEN
                RAISE WARNING 'source "%" skipped: its relation %.% does not exist or is no longer owned by %',
                    nm, quote_ident(s.relation_schema), quote_ident(s.relation_name), quote_ident(s.relation_owner);
                CONTINUE;
            ELSIF NOT cq_internal.may_refresh_source(nm) THEN
                RAISE WARNING 'source "%" skipped: its relation belongs to role %, whose functions a superuser does not run; refresh it as %',
                    nm, quote_ident(s.relation_owner), quote_ident(s.relation_owner);
                CONTINUE;
            END IF;
        END IF;
        s := cq_internal.daily_source(nm, 'refresh daily states');
        rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
        PERFORM 1 FROM cq_internal.daily_sources d WHERE d.source = nm FOR UPDATE;
        r := cq_internal.daily_refresh_source(s, rel, coalesce(full_rebuild, false));
        source_name := nm;
        rebuilt := r.rebuilt;
        changed_days := r.changed_days;
        cohort_days := r.cohort_days;
        rows_read := r.rows_read;
        elapsed := clock_timestamp() - t0;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq.refresh_daily(text, boolean) IS
'Brings the daily states of a source (NULL: every source that keeps them and the caller may manage) up to date: reads only the days its logged changes reach (a changed day X: the rows of cohorts X - horizon - 1 day .. X, days up to X + horizon + 1), or everything when full_rebuild is true, after a TRUNCATE, or when the source''s columns, horizon, dimensions or funnels changed. One row per source: whether it was rebuilt, changed days, cohort days written, rows read, time.';

-- ---------------------------------------------------------------------------
-- Views: the stored days rolled up when read
-- ---------------------------------------------------------------------------

CREATE VIEW cq.cohort_days WITH (security_invoker = true) AS
SELECT x.source, nullif(x.dimension, '') AS dimension, x.bucket, x.day, x.users, x.converters,
       x.converters::float8 / x.users AS conversion_rate, x.revenue,
       (x.revenue / x.users)::float8 AS revenue_per_user,
       (x.day + 1 + s.horizon) AT TIME ZONE 'UTC' <= now() AS complete
  FROM cq_internal.daily_states x
  JOIN cq.event_sources s ON s.name = x.source
 WHERE cq_internal.may_read_source(x.source);

GRANT SELECT ON cq.cohort_days TO PUBLIC;

COMMENT ON VIEW cq.cohort_days IS
'Per source with daily states, dimension (NULL: all users), bucket and cohort day (the UTC day of the users'' assignment): users, converters and revenue within the horizon. Written by cq.refresh_daily.';
COMMENT ON COLUMN cq.cohort_days.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_days.users IS 'Users assigned that day to the bucket.';
COMMENT ON COLUMN cq.cohort_days.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.cohort_days.revenue_per_user IS 'revenue / users.';
COMMENT ON COLUMN cq.cohort_days.dimension IS 'Dimension column; NULL for the total (every user in the NULL bucket, assigned at the first row).';
COMMENT ON COLUMN cq.cohort_days.bucket IS 'Value of the dimension at the user''s first row with one; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_days.day IS 'UTC day of the assignment.';
COMMENT ON COLUMN cq.cohort_days.converters IS 'Users with a value above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.cohort_days.revenue IS 'Sum of the values within the horizon (exact).';
COMMENT ON COLUMN cq.cohort_days.complete IS 'The horizon of every user of the cohort has passed (day + 1 day + horizon <= now()).';

CREATE VIEW cq.cohort_quality WITH (security_invoker = true) AS
SELECT x.source, nullif(x.dimension, '') AS dimension, x.bucket, min(x.day) AS first_day,
       max(x.day) AS last_day, sum(x.users)::bigint AS users, sum(x.converters)::bigint AS converters,
       (sum(x.converters) / sum(x.users))::float8 AS conversion_rate, sum(x.revenue) AS revenue,
       (sum(x.revenue) / sum(x.users))::float8 AS revenue_per_user,
       CASE WHEN sum(x.users) > 1
            THEN sqrt(greatest((sum(x.revenue_sq) - sum(x.revenue) * sum(x.revenue) / sum(x.users))
                               / (sum(x.users) - 1), 0))::float8 END AS revenue_sd
  FROM cq_internal.daily_states x
 WHERE cq_internal.may_read_source(x.source)
 GROUP BY x.source, x.dimension, x.bucket;

GRANT SELECT ON cq.cohort_quality TO PUBLIC;

COMMENT ON VIEW cq.cohort_quality IS
'cq.cohort_days rolled up over every cohort day: per source, dimension and bucket, users, converters, conversion rate, revenue per user and its standard deviation (exact sums).';
COMMENT ON COLUMN cq.cohort_quality.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_quality.dimension IS 'Dimension column; NULL for the total.';
COMMENT ON COLUMN cq.cohort_quality.bucket IS 'Value of the dimension at the users'' assignment; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_quality.first_day IS 'First cohort day.';
COMMENT ON COLUMN cq.cohort_quality.last_day IS 'Last cohort day.';
COMMENT ON COLUMN cq.cohort_quality.users IS 'Users of the bucket, every cohort day.';
COMMENT ON COLUMN cq.cohort_quality.converters IS 'Users with a value above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.cohort_quality.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.cohort_quality.revenue IS 'Sum of the values within the horizon (exact).';
COMMENT ON COLUMN cq.cohort_quality.revenue_per_user IS 'revenue / users.';
COMMENT ON COLUMN cq.cohort_quality.revenue_sd IS 'Sample standard deviation of revenue per user (n - 1).';

CREATE VIEW cq.cohort_events WITH (security_invoker = true) AS
WITH names AS (
    SELECT DISTINCT e.source, e.dimension, e.event_name FROM cq_internal.daily_event_states e),
sig AS (
    SELECT b.source, b.dimension, b.bucket, n.event_name,
           cq.signal_rollup(coalesce(e.signal, b.base)) AS st
      FROM cq_internal.daily_states b
      JOIN names n ON n.source = b.source AND n.dimension = b.dimension
      LEFT JOIN cq_internal.daily_event_states e
        ON e.source = b.source AND e.dimension = b.dimension AND e.day = b.day
       AND e.bucket IS NOT DISTINCT FROM b.bucket AND e.event_name = n.event_name
     WHERE cq_internal.may_read_source(b.source)
     GROUP BY b.source, b.dimension, b.bucket, n.event_name)
SELECT sig.source, nullif(sig.dimension, '') AS dimension, sig.bucket, sig.event_name,
       cq.signal_n(sig.st) AS users, cq.signal_n_event(sig.st) AS users_with_event,
       cq.signal_mean(sig.st, true) AS revenue_per_user_with_event,
       cq.signal_mean(sig.st, false) AS revenue_per_user_without_event,
       cq.signal_lift(sig.st) AS lift, cq.signal_correlation(sig.st) AS correlation,
       cq.signal_p_value(sig.st) AS p_value, cq.signal_revenue_share(sig.st) AS revenue_share
  FROM sig;

GRANT SELECT ON cq.cohort_events TO PUBLIC;

COMMENT ON VIEW cq.cohort_events IS
'Per source with daily states, dimension, bucket and event name: the signal of doing the event within the horizon on revenue within the horizon, over every user of the bucket (cq.event_signal rolled up over the cohort days), with its accessors.';
COMMENT ON COLUMN cq.cohort_events.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_events.dimension IS 'Dimension column; NULL for the total.';
COMMENT ON COLUMN cq.cohort_events.bucket IS 'Value of the dimension at the users'' assignment; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_events.event_name IS 'Event name done by a user of the bucket within the horizon.';
COMMENT ON COLUMN cq.cohort_events.users IS 'Users of the bucket.';
COMMENT ON COLUMN cq.cohort_events.users_with_event IS 'Those who did the event within the horizon after their assignment.';
COMMENT ON COLUMN cq.cohort_events.revenue_per_user_with_event IS 'Mean revenue within the horizon of the users with the event.';
COMMENT ON COLUMN cq.cohort_events.revenue_per_user_without_event IS 'The same for the users without it.';
COMMENT ON COLUMN cq.cohort_events.lift IS 'Revenue per user with the event / revenue per user overall (cq.signal_lift).';
COMMENT ON COLUMN cq.cohort_events.correlation IS 'Correlation of doing the event with revenue (point-biserial, cq.signal_correlation).';
COMMENT ON COLUMN cq.cohort_events.p_value IS 'Two-sided p-value of the correlation (cq.signal_p_value).';
COMMENT ON COLUMN cq.cohort_events.revenue_share IS 'Share of the bucket''s revenue made by users with the event.';

CREATE VIEW cq.cohort_attribution WITH (security_invoker = true) AS
SELECT q.source, q.dimension, q.model, r.channel AS bucket, r.conversions, r.value, q.first_day,
       q.last_day
  FROM (SELECT a.source, a.dimension, a.model, min(a.day) AS first_day, max(a.day) AS last_day,
               cq.attribution_rollup(a.credits) AS credits
          FROM cq_internal.daily_attribution_states a
         WHERE cq_internal.may_read_source(a.source)
         GROUP BY a.source, a.dimension, a.model) q,
       cq.attribution_rows(q.credits) r;

GRANT SELECT ON cq.cohort_attribution TO PUBLIC;

COMMENT ON VIEW cq.cohort_attribution IS
'Per source with daily states and dimension columns, dimension, attribution model (first_touch, last_touch, last_non_direct, linear, position_based, time_decay with a 7-day half-life) and value of the dimension: the conversions (rows with a value above zero, copies within the horizon left out) credited to the dimension''s values on the same user''s rows within the source''s horizon before them, and their value, rolled up over the conversion days. bucket NULL: the unattributed conversions.';
COMMENT ON COLUMN cq.cohort_attribution.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_attribution.dimension IS 'Dimension column whose values are credited.';
COMMENT ON COLUMN cq.cohort_attribution.model IS 'Attribution model (as cq.attribute).';
COMMENT ON COLUMN cq.cohort_attribution.first_day IS 'First conversion day.';
COMMENT ON COLUMN cq.cohort_attribution.last_day IS 'Last conversion day.';
COMMENT ON COLUMN cq.cohort_attribution.bucket IS 'Value of the dimension credited (the "channel" of cq.attribute); NULL for conversions with no row carrying a value of it within the horizon before them.';
COMMENT ON COLUMN cq.cohort_attribution.conversions IS 'Conversions credited (fractions under the multi-touch models).';
COMMENT ON COLUMN cq.cohort_attribution.value IS 'Their value, credited likewise.';

CREATE VIEW cq.cohort_funnels WITH (security_invoker = true) AS
SELECT q.source, q.funnel, nullif(q.dimension, '') AS dimension, q.bucket, r.step::bigint AS step,
       fu.steps[r.step] AS step_name, r.users, r.conversion_from_previous, r.conversion_from_first,
       extract(epoch FROM r.median_from_previous)::float8 AS median_seconds_from_previous,
       extract(epoch FROM r.p90_from_previous)::float8 AS p90_seconds_from_previous
  FROM (SELECT f.source, f.funnel, f.dimension, f.bucket, cq.funnel_report_rollup(f.report) AS rep
          FROM cq_internal.daily_funnel_states f
         WHERE cq_internal.may_read_source(f.source)
         GROUP BY f.source, f.funnel, f.dimension, f.bucket) q
  JOIN cq.funnels fu ON fu.name = q.funnel,
       unnest(q.rep) r;

GRANT SELECT ON cq.cohort_funnels TO PUBLIC;

COMMENT ON VIEW cq.cohort_funnels IS
'Per source with daily states, funnel, dimension and bucket: cq.funnel_report of the users (their rows within the horizon after assignment), rolled up from the daily report states by cq.funnel_report_rollup.';
COMMENT ON COLUMN cq.cohort_funnels.source IS 'Source with daily states.';
COMMENT ON COLUMN cq.cohort_funnels.funnel IS 'Funnel of the source (cq.define_funnel).';
COMMENT ON COLUMN cq.cohort_funnels.dimension IS 'Dimension column; NULL for the total.';
COMMENT ON COLUMN cq.cohort_funnels.bucket IS 'Value of the dimension at the users'' assignment; NULL for users without one.';
COMMENT ON COLUMN cq.cohort_funnels.step IS 'Step number, from 1.';
COMMENT ON COLUMN cq.cohort_funnels.step_name IS 'Event name of the step.';
COMMENT ON COLUMN cq.cohort_funnels.users IS 'Users of the bucket whose funnel reached the step within the window (their rows within the horizon after assignment).';
COMMENT ON COLUMN cq.cohort_funnels.conversion_from_previous IS 'users / users of the previous step; NULL for step 1.';
COMMENT ON COLUMN cq.cohort_funnels.conversion_from_first IS 'users / users of step 1.';
COMMENT ON COLUMN cq.cohort_funnels.median_seconds_from_previous IS 'Median time from the previous step, in seconds (cq.funnel_report).';
COMMENT ON COLUMN cq.cohort_funnels.p90_seconds_from_previous IS '90th percentile of that time, in seconds.';
