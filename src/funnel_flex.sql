-- Optional steps and minimum gaps (README "Optional steps and minimum gaps"): a stored funnel
-- state read with steps that may be skipped and a least time before each step.  New in 1.4; a
-- file of its own so that the install script and the update to 1.4 both take it from here.

CREATE FUNCTION cq.funnel_stage_flexible(state cq.funnel_state, "window" interval,
                                         optional_steps integer[], min_gaps interval[] DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'funnel_stage_flexible' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.funnel_stage_flexible(cq.funnel_state, interval, integer[], interval[]) IS
'The stage of a stored funnel state as cq.funnel_stage (default mode) reads it, except that the steps in optional_steps may be skipped without ending the path (a step an ad blocker drops), and that step k + 1 must come at least min_gaps[k] after the step reached before it. The window runs from the first step reached. NULL state or window: NULL; NULL optional_steps or min_gaps: none.';
