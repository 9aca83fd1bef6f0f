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
