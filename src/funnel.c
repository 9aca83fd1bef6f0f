/*-------------------------------------------------------------------------
 *
 * funnel.c
 *	  SQL entry points of the funnel capability (funnel.h): the I/O functions
 *	  of cq.funnel_state, the support functions of cq.window_funnel,
 *	  cq.funnel_events, cq.funnel_rollup and cq.funnel_report, and the
 *	  accessors cq.funnel_stage and cq.funnel_step_times.
 *
 * Each entry point checks its arguments, then calls into funnel_args.c,
 * funnel_state.c, funnel_scan.c or funnel_report.c.
 *
 * Transition and combine functions update their state in place when
 * AggCheckCallContext says they run inside an aggregate; a state that
 * needs more room is copied once into a geometrically larger one, in the
 * per-call memory context, and the executor copies that into the aggregate
 * context and frees the old one.  Called directly from SQL they work on a
 * copy.  Combine functions are not strict: partial states that saw no rows
 * are NULL.  No support function depends on its call expression except to
 * learn the types of VARIADIC "any" steps (funnel_args.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/* ------------------------------------------------------------------------
 * Type cq.funnel_state
 * ------------------------------------------------------------------------
 */

/*
 * funnel_state_in(cstring) returns cq.funnel_state
 *		Parses the canonical text form; anything else is 22P02.
 */
PG_FUNCTION_INFO_V1(funnel_state_in);
Datum
funnel_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cq_funnel_state_from_text(PG_GETARG_CSTRING(0)));
}

/*
 * funnel_state_out(cq.funnel_state) returns cstring
 *		The canonical text form: the wire format between nodes.
 */
PG_FUNCTION_INFO_V1(funnel_state_out);
Datum
funnel_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(cq_funnel_state_to_text(cq_funnel_state_arg(fcinfo, 0, false)));
}

/*
 * funnel_state_send(cq.funnel_state) returns bytea
 *		The canonical binary form.
 */
PG_FUNCTION_INFO_V1(funnel_state_send);
Datum
funnel_state_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	cq_funnel_state_send(&buf, cq_funnel_state_arg(fcinfo, 0, false));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * funnel_state_recv(internal) returns cq.funnel_state
 *		Reads the canonical binary form; anything else is 22P03.
 */
PG_FUNCTION_INFO_V1(funnel_state_recv);
Datum
funnel_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cq_funnel_state_recv((StringInfo) PG_GETARG_POINTER(0)));
}

/* ------------------------------------------------------------------------
 * Aggregates
 * ------------------------------------------------------------------------
 */

/* The state argument passed through unchanged (a skipped row) */
#define PASS_STATE() \
	do { \
		if (PG_ARGISNULL(0)) \
			PG_RETURN_NULL(); \
		PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
	} while (0)

/*
 * window_funnel_transfn(state, window interval, [mode text,] ts, steps...)
 *		Transition of cq.window_funnel, every form: timestamptz and
 *		timestamp alike (both are microseconds); steps as separate booleans,
 *		one boolean[], or an event and its step names (funnel_args.c).  The
 *		window and the mode must not be NULL and are kept in the state for
 *		the final function.  Rows with a NULL time or step are skipped; rows
 *		satisfying no step are kept only in strict_order mode, where they
 *		break chains.
 */
PG_FUNCTION_INFO_V1(window_funnel_transfn);
Datum
window_funnel_transfn(PG_FUNCTION_ARGS)
{
	FunnelCallArgs *args = cq_funnel_call_args(fcinfo, true);
	bool		has_mode;
	int			tsarg;
	int64		window;
	uint32		mode = 0;
	int			nsteps;
	uint32		mask;
	FunnelState *st;

	/* the commonest row: a packed state in an aggregate, no mode (funnel_args.c) */
	if (cq_funnel_fast_row(fcinfo, args))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));

	has_mode = cq_funnel_call_has_mode(args);
	tsarg = cq_funnel_call_ts_arg(args);
	if (PG_ARGISNULL(1) || (has_mode && PG_ARGISNULL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window and mode of cq.window_funnel must not be NULL"),
				 errdetail("They set the rule of the whole group."),
				 errhint("Pass a window such as '1 day' and a mode such as '' or 'strict_order'.")));
	window = cq_funnel_call_window(args, PG_GETARG_INTERVAL_P(1));
	if (has_mode)
		mode = cq_funnel_call_mode(fcinfo, args, PG_GETARG_TEXT_PP(2));

	if (!cq_funnel_row_steps(fcinfo, args, &nsteps, &mask) || PG_ARGISNULL(tsarg) ||
		(mask == 0 && !(mode & CQ_FUNNEL_STRICT_ORDER)))
		PASS_STATE();

	if (PG_ARGISNULL(0))
	{
		st = cq_funnel_state_new_accumulator(nsteps, CurrentMemoryContext);
		cq_funnel_state_set_params(st, window, mode);
	}
	else
	{
		st = cq_funnel_state_arg(fcinfo, 0, true);
		cq_funnel_check_step_count("cq.window_funnel", "steps", cq_funnel_state_nsteps(st),
								   nsteps);
		cq_funnel_state_check_params(st, window, mode);
	}
	PG_RETURN_POINTER(cq_funnel_state_add(st, PG_GETARG_INT64(tsarg), mask,
										  CurrentMemoryContext));
}

/*
 * window_funnel_finalfn(state) returns int
 *		The stage the group reached under the window and mode kept in the
 *		state; 0 for a group without usable rows.
 */
PG_FUNCTION_INFO_V1(window_funnel_finalfn);
Datum
window_funnel_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(cq_funnel_state_stage(cq_funnel_state_arg(fcinfo, 0, false),
										  AggCheckCallContext(fcinfo, NULL) != 0));
}

/*
 * funnel_events_transfn(state, ts timestamptz, steps...)
 *		Transition of cq.funnel_events: every row with a time and no NULL
 *		step is kept, including rows satisfying no step (strict_order
 *		readers need their times).
 */
PG_FUNCTION_INFO_V1(funnel_events_transfn);
Datum
funnel_events_transfn(PG_FUNCTION_ARGS)
{
	FunnelCallArgs *args = cq_funnel_call_args(fcinfo, false);
	int			nsteps;
	uint32		mask;
	FunnelState *st;

	if (!cq_funnel_row_steps(fcinfo, args, &nsteps, &mask) || PG_ARGISNULL(1))
		PASS_STATE();
	if (PG_ARGISNULL(0))
		st = cq_funnel_state_new_accumulator(nsteps, CurrentMemoryContext);
	else
	{
		st = cq_funnel_state_arg(fcinfo, 0, true);
		cq_funnel_check_step_count("cq.funnel_events", "steps", cq_funnel_state_nsteps(st),
								   nsteps);
	}
	PG_RETURN_POINTER(cq_funnel_state_add(st, PG_GETARG_TIMESTAMPTZ(1), mask,
										  CurrentMemoryContext));
}

/*
 * funnel_combine(state, state) returns cq.funnel_state
 *		Combine function of every funnel aggregate, and the transition of
 *		cq.funnel_rollup: the state of the union.  Not strict: either side
 *		may be NULL (a partial state that saw no rows).  The second state is
 *		never modified.
 */
PG_FUNCTION_INFO_V1(funnel_combine);
Datum
funnel_combine(PG_FUNCTION_ARGS)
{
	FunnelState *other;

	if (PG_ARGISNULL(1))
		PASS_STATE();
	other = cq_funnel_state_arg(fcinfo, 1, false);
	/* adopt a copy of the other side (the executor moves it into the aggregate context) */
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(cq_funnel_state_copy(other));
	PG_RETURN_POINTER(cq_funnel_state_merge(cq_funnel_state_arg(fcinfo, 0, true), other,
											CurrentMemoryContext));
}

/*
 * funnel_events_finalfn(state) returns cq.funnel_state
 *		Final function of cq.funnel_events and cq.funnel_rollup: the
 *		canonical (sorted, compact) state, NULL for a group without usable
 *		rows.
 */
PG_FUNCTION_INFO_V1(funnel_events_finalfn);
Datum
funnel_events_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(cq_funnel_state_compact(cq_funnel_state_arg(fcinfo, 0, false)));
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------
 */

/*
 * funnel_stage(state, window interval | windows interval[], mode text,
 *				exclusions int[]) returns int
 *		The stage the state's rows reach: with one window, what
 *		cq.window_funnel(window, mode, ...) returns on the same rows; with
 *		per-step windows, windows[i] limits the time from step i to i+1.
 */
PG_FUNCTION_INFO_V1(funnel_stage);
Datum
funnel_stage(PG_FUNCTION_ARGS)
{
	const FunnelState *st = cq_funnel_state_arg(fcinfo, 0, false);
	FunnelParams p;

	cq_funnel_read_params(fcinfo, 1, 2, PG_NARGS() > 3 ? 3 : -1, cq_funnel_state_nsteps(st), &p);
	PG_RETURN_INT32(cq_funnel_state_scan(st, &p, NULL));
}

/*
 * funnel_step_times(state, window | windows, mode, exclusions)
 *		returns timestamptz[]
 *		The time of each step of the first chain that reached the stage
 *		funnel_stage reports (an empty array for stage 0).
 */
PG_FUNCTION_INFO_V1(funnel_step_times);
Datum
funnel_step_times(PG_FUNCTION_ARGS)
{
	const FunnelState *st = cq_funnel_state_arg(fcinfo, 0, false);
	FunnelParams p;
	int64		times[CQ_FUNNEL_MAX_STEPS];
	Datum		elems[CQ_FUNNEL_MAX_STEPS];
	int			level;

	cq_funnel_read_params(fcinfo, 1, 2, PG_NARGS() > 3 ? 3 : -1, cq_funnel_state_nsteps(st), &p);
	level = cq_funnel_state_scan(st, &p, times);
	for (int i = 0; i < level; i++)
		elems[i] = TimestampTzGetDatum(times[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, level, TIMESTAMPTZOID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * funnel_any_order(state, window interval) returns int
 *		The most distinct steps the state's rows satisfy within one window, in
 *		any order (funnel_count.c).
 */
PG_FUNCTION_INFO_V1(funnel_any_order);
Datum
funnel_any_order(PG_FUNCTION_ARGS)
{
	const FunnelState *st = cq_funnel_state_arg(fcinfo, 0, false);
	int64		window = cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(1), "window");
	int32		nevents;
	const FunnelEvent *events = cq_funnel_state_events(st, &nevents);

	PG_RETURN_INT32(cq_funnel_any_order(events, nevents, cq_funnel_state_nsteps(st), window));
}

/*
 * funnel_completions(state, window | windows, mode, exclusions) returns bigint
 *		How many times the funnel completes, each completion searched after
 *		the last step of the one before (funnel_count.c).
 */
PG_FUNCTION_INFO_V1(funnel_completions);
Datum
funnel_completions(PG_FUNCTION_ARGS)
{
	const FunnelState *st = cq_funnel_state_arg(fcinfo, 0, false);
	FunnelParams p;
	int32		nevents;
	const FunnelEvent *events;

	cq_funnel_read_params(fcinfo, 1, 2, PG_NARGS() > 3 ? 3 : -1, cq_funnel_state_nsteps(st), &p);
	events = cq_funnel_state_events(st, &nevents);
	PG_RETURN_INT64(cq_funnel_completions(events, nevents, &p));
}

/* ------------------------------------------------------------------------
 * Funnel report
 * ------------------------------------------------------------------------
 */

/*
 * funnel_report_transfn(report, state, window | windows [, mode])
 *		Transition of cq.funnel_report: reads one user's state like
 *		cq.funnel_step_times and adds the user to the report state (one
 *		event per step reached).  NULL user states are skipped; every user
 *		state must count the same steps.
 */
PG_FUNCTION_INFO_V1(funnel_report_transfn);
Datum
funnel_report_transfn(PG_FUNCTION_ARGS)
{
	const FunnelState *user;
	FunnelParams p;

	if (PG_ARGISNULL(1))
		PASS_STATE();
	user = cq_funnel_state_arg(fcinfo, 1, false);
	cq_funnel_read_params(fcinfo, 2, PG_NARGS() > 3 ? 3 : -1, -1, cq_funnel_state_nsteps(user), &p);
	PG_RETURN_POINTER(cq_funnel_report_add(PG_ARGISNULL(0) ? NULL :
										   cq_funnel_state_arg(fcinfo, 0, true),
										   user, &p, CurrentMemoryContext));
}

/*
 * funnel_report_rollup_finalfn(report) returns cq.funnel_step_report[]
 *		Final function of cq.funnel_report_rollup: the report of the union
 *		of report states (cq.funnel_report_state), which must pass
 *		cq_funnel_report_check; NULL without any state.
 */
PG_FUNCTION_INFO_V1(funnel_report_rollup_finalfn);
Datum
funnel_report_rollup_finalfn(PG_FUNCTION_ARGS)
{
	const FunnelState *rep;
	Oid			rowtype;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* sorted once here, for the check and the report (each would sort a copy) */
	rep = cq_funnel_state_compact(cq_funnel_state_arg(fcinfo, 0, false));
	cq_funnel_report_check(rep);
	rowtype = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));
	if (!OidIsValid(rowtype))
		elog(ERROR, "cannot determine the row type of cq.funnel_report_rollup");
	PG_RETURN_DATUM(cq_funnel_report_result(rep, rowtype));
}

/*
 * funnel_report_finalfn(report) returns cq.funnel_step_report[]
 *		One element per step (funnel_report.c); NULL when no user state was
 *		aggregated.  The row type comes from the function's declared result,
 *		not from its call expression.
 */
PG_FUNCTION_INFO_V1(funnel_report_finalfn);
Datum
funnel_report_finalfn(PG_FUNCTION_ARGS)
{
	Oid			rowtype;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	rowtype = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));
	if (!OidIsValid(rowtype))
		elog(ERROR, "cannot determine the row type of cq.funnel_report");
	PG_RETURN_DATUM(cq_funnel_report_result(cq_funnel_state_arg(fcinfo, 0, false), rowtype));
}
