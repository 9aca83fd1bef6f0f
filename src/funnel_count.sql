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
