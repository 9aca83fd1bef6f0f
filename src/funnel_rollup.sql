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
