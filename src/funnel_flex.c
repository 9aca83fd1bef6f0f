/*-------------------------------------------------------------------------
 *
 * funnel_flex.c
 *	  Optional steps and minimum gaps (README "Optional steps and minimum
 *	  gaps"): cq.funnel_stage_flexible(state, window, optional_steps,
 *	  min_gaps) reads a stored funnel state as cq.funnel_stage does in the
 *	  default mode, except that the steps listed in optional_steps may be
 *	  skipped, and that step k must come at least min_gaps[k - 1] after the
 *	  step reached before it.
 *
 * A chain is a list of entries (a row satisfying a step) with increasing
 * step numbers, in the entry order of cq.window_funnel ((time, step, row):
 * one row may serve several steps), whose skipped steps (before its first
 * step, and between two of its steps) are all optional, whose steps each
 * come at least their minimum gap after the previous one, and whose last
 * entry is at most the window after its first.  The stage is the largest
 * last step of a chain.  With no optional step and no gap this is
 * cq.funnel_stage's default mode (checked by the tests).
 *
 * The scan is exact: for each entry (step k at time t) it keeps the latest
 * start of a chain ending there, which is all that matters for later
 * entries (the window runs from the start; the gap depends only on t).
 * Entries of step j are kept in time order with a running maximum of their
 * starts, so the best chain an entry can extend from step j is found by a
 * binary search on t - gap: O(entries x steps x log entries).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funnel.h"
#include "miscadmin.h"
#include "common/int.h"
#include "utils/array.h"
#include "utils/timestamp.h"

/* The entries of one step so far: times ascending, running max of chain starts */
typedef struct StepEntries
{
	int64	   *ts;
	int64	   *best_start;
	int32		n;
	int32		cap;
} StepEntries;

/*
 * The largest start among entries of se with time <= limit (PG_INT64_MIN if
 * none).
 */
static int64
best_start_until(const StepEntries *se, int64 limit)
{
	int32		lo = 0;
	int32		hi = se->n;

	/* the number of entries with ts <= limit */
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (se->ts[mid] <= limit)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? PG_INT64_MIN : se->best_start[lo - 1];
}

/*
 * cq_funnel_flexible_stage
 *		The stage of events[0 .. nevents) (sorted by (ts, mask)) for nsteps
 *		steps, optional (bit k-1: step k may be skipped), gaps[k-1] the least
 *		time from the previous reached step to step k (gaps[0] unused) and
 *		the window from a chain's first entry.
 */
int
cq_funnel_flexible_stage(const FunnelEvent *events, int32 nevents, int nsteps, uint32 optional,
						 const int64 *gaps, int64 window)
{
	StepEntries se[CQ_FUNNEL_MAX_STEPS];
	uint32		stepmask = nsteps == 32 ? 0xffffffff : ((((uint32) 1) << nsteps) - 1);
	int			best = 0;
	int32		i = 0;

	memset(se, 0, sizeof(se));
	while (i < nevents)
	{
		int64		t = events[i].ts;
		uint32		steps = 0;
		int32		j = i;

		/* the rows at time t: their entries go by step (the order of cq.window_funnel) */
		while (j < nevents && events[j].ts == t)
			steps |= events[j++].mask & stepmask;
		if ((j & 0x3ff) < (i & 0x3ff))
			CHECK_FOR_INTERRUPTS();
		for (int k = 1; k <= nsteps; k++)
		{
			int64		start = PG_INT64_MIN;
			bool		skippable = true;	/* steps between a candidate and k all optional */

			if (!((steps >> (k - 1)) & 1))
				continue;
			/* from an earlier step j < k, the nearest first; stop at a step that cannot be skipped */
			for (int p = k - 1; p >= 1 && skippable; p--)
			{
				int64		limit;

				if (!pg_sub_s64_overflow(t, gaps[k - 1], &limit))
					start = Max(start, best_start_until(&se[p - 1], limit));
				skippable = (optional >> (p - 1)) & 1;
			}
			/* or as the first step, when every step before k is optional */
			if (skippable)
				start = Max(start, t);
			if (start == PG_INT64_MIN || (uint64) t - (uint64) start > (uint64) window)
				continue;
			best = Max(best, k);
			/* keep it: entries of a time go in after all entries of earlier times */
			{
				StepEntries *s = &se[k - 1];
				int64		prev = s->n > 0 ? s->best_start[s->n - 1] : PG_INT64_MIN;

				if (s->n == s->cap)
				{
					s->cap = s->cap ? s->cap * 2 : 16;
					s->ts = s->ts ? repalloc_huge(s->ts, sizeof(int64) * s->cap) :
						palloc_extended(sizeof(int64) * s->cap, MCXT_ALLOC_HUGE);
					s->best_start = s->best_start ?
						repalloc_huge(s->best_start, sizeof(int64) * s->cap) :
						palloc_extended(sizeof(int64) * s->cap, MCXT_ALLOC_HUGE);
				}
				s->ts[s->n] = t;
				s->best_start[s->n] = Max(prev, start);
				s->n++;
			}
		}
		i = j;
	}
	for (int k = 0; k < nsteps; k++)
		if (se[k].cap > 0)
		{
			pfree(se[k].ts);
			pfree(se[k].best_start);
		}
	return best;
}

/*
 * funnel_stage_flexible(state cq.funnel_state, window interval,
 *		optional_steps integer[], min_gaps interval[]) returns integer
 *		The stage with optional steps and minimum gaps (file header).
 *		optional_steps: step numbers 1 .. n (NULL or empty: none); min_gaps:
 *		n - 1 intervals, min_gaps[k] before step k + 1 (NULL: none; a NULL
 *		element: 0).  Errors (22023): a step number out of range, a gap
 *		array of another length, a negative gap or window.
 */
PG_FUNCTION_INFO_V1(funnel_stage_flexible);
Datum
funnel_stage_flexible(PG_FUNCTION_ARGS)
{
	const FunnelState *st;
	int			nsteps;
	int64		window;
	uint32		optional = 0;
	int64		gaps[CQ_FUNNEL_MAX_STEPS] = {0};
	int32		nevents;
	const FunnelEvent *events;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	st = cq_funnel_state_arg(fcinfo, 0, false);
	nsteps = cq_funnel_state_nsteps(st);
	window = cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(1), "window");
	if (!PG_ARGISNULL(2))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(2);
		Datum	   *vals;
		bool	   *nulls;
		int			n;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("optional steps must be a one-dimensional array")));
		deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &vals, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			int32		k = nulls[i] ? 0 : DatumGetInt32(vals[i]);

			if (k < 1 || k > nsteps)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("optional step %s is not a step of the funnel",
								nulls[i] ? "NULL" : psprintf("%d", k)),
						 errdetail("The funnel has %d steps.", nsteps),
						 errhint("List step numbers from 1 to %d.", nsteps)));
			optional |= ((uint32) 1) << (k - 1);
		}
	}
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(3);
		Datum	   *vals;
		bool	   *nulls;
		int			n;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("minimum gaps must be a one-dimensional array")));
		deconstruct_array(arr, INTERVALOID, sizeof(Interval), false, TYPALIGN_DOUBLE, &vals, &nulls, &n);
		if (n != nsteps - 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cq.funnel_stage_flexible needs %d minimum gaps, got %d", nsteps - 1, n),
					 errdetail("min_gaps[k] is the least time from the step reached before step k + 1 to step k + 1."),
					 errhint("Pass NULL for no minimum gaps, or '0' for a step without one.")));
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				gaps[i + 1] = cq_funnel_window_usecs(DatumGetIntervalP(vals[i]), "minimum gap");
	}
	events = cq_funnel_state_events(st, &nevents);
	PG_RETURN_INT32(cq_funnel_flexible_stage(events, nevents, nsteps, optional, gaps, window));
}
