/*-------------------------------------------------------------------------
 *
 * funnel_report.c
 *	  The population report of cq.funnel_report: per step, the users who
 *	  reached it, the conversion from the previous and from the first step,
 *	  and the median and 90th percentile of the time from the previous step.
 *
 * The report aggregate's state is a funnel state of its own: for each user
 * and each step k the user reached, one event (time from step k-1 in
 * microseconds, 0 for step 1; mask = bit of step k).  It therefore grows,
 * merges and travels exactly like the event states (funnel_state.c), and
 * once sorted the times of each step are in increasing order, ready for
 * percentiles.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bulk_util.h"
#include "common/int.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "port/pg_bitutils.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/* One row of the report (times in microseconds) */
typedef struct FunnelStepReport
{
	int64		users;			/* users whose funnel reached the step */
	bool		has_times;		/* step >= 2 and users > 0 */
	double		median_us;		/* median time from the previous step */
	double		p90_us;			/* 90th percentile of that time */
} FunnelStepReport;

/*
 * cq_funnel_report_add
 *		Add one user to the report state rep (NULL: a new one in
 *		CurrentMemoryContext): the user's state is read under p as
 *		cq.funnel_step_times reads it, and each step reached adds one event.
 *		Every user state must count the same steps.  Returns the report
 *		state to use from now on (it may have grown in grow_cxt).
 */
FunnelState *
cq_funnel_report_add(FunnelState *rep, const FunnelState *user, const FunnelParams *p,
					 MemoryContext grow_cxt)
{
	int64		times[CQ_FUNNEL_MAX_STEPS];
	int			nsteps = cq_funnel_state_nsteps(user);
	int			level = cq_funnel_state_scan(user, p, times);

	if (rep == NULL)
		rep = cq_funnel_state_new(nsteps, FUNNEL_INITIAL_CAPACITY, CurrentMemoryContext);
	else
		cq_funnel_check_step_count("cq.funnel_report", "steps", cq_funnel_state_nsteps(rep),
								   nsteps);
	for (int k = 1; k <= level; k++)
	{
		int64		delta = 0;

		/*
		 * From or to a step at +-infinity the time is infinitely long
		 * (DT_NOEND), unless both steps are at the same instant; so is a
		 * difference at or beyond the end of the timestamp range, which
		 * keeps the report state valid (its times are finite timestamps or
		 * DT_NOEND).
		 */
		if (k == 1 || times[k - 1] == times[k - 2])
			delta = 0;			/* at the same instant, infinite ones too */
		else if (TIMESTAMP_NOT_FINITE(times[k - 1]) || TIMESTAMP_NOT_FINITE(times[k - 2]) ||
				 pg_sub_s64_overflow(times[k - 1], times[k - 2], &delta) ||
				 delta >= END_TIMESTAMP)
			delta = DT_NOEND;
		rep = cq_funnel_state_add(rep, delta, ((uint32) 1) << (k - 1), grow_cxt);
	}
	return rep;
}

/*
 * percentile_cont(p) of sorted values v[0 .. n-1], n > 0.  A delta stored
 * as DT_NOEND ("infinitely long": a step time at +-infinity) that takes part
 * in the interpolation makes the result infinite (HUGE_VAL).
 */
static double
percentile_cont(const int64 *v, int64 n, double p)
{
	double		pos = p * (double) (n - 1);
	int64		lo = (int64) floor(pos);
	int64		hi = (int64) ceil(pos);

	if (v[lo] == DT_NOEND || (pos > (double) lo && v[hi] == DT_NOEND))
		return HUGE_VAL;
	return (double) v[lo] + ((double) v[hi] - (double) v[lo]) * (pos - (double) lo);
}

/*
 * Per-step figures of a report state: users reaching each step and, from
 * step 2 on, the median and 90th percentile (percentile_cont) of the time
 * from the previous step, in microseconds.
 */
static void
report_compute(const FunnelState *rep, FunnelStepReport *out)
{
	int			nsteps = cq_funnel_state_nsteps(rep);
	int32		nevents;
	const FunnelEvent *ev = cq_funnel_state_events(rep, &nevents);
	int64		counts[CQ_FUNNEL_MAX_STEPS + 1] = {0};
	int64		offsets[CQ_FUNNEL_MAX_STEPS + 1];
	int64		fill[CQ_FUNNEL_MAX_STEPS + 1] = {0};
	int64	   *vals;

	for (int32 i = 0; i < nevents; i++)
	{
		uint32		m = ev[i].mask;

		CQ_BULK_CHECK(i);
		if (m != 0 && (m & (m - 1)) == 0)
			counts[pg_rightmost_one_pos32(m) + 1]++;
	}
	offsets[1] = 0;
	for (int k = 2; k <= nsteps; k++)
		offsets[k] = offsets[k - 1] + counts[k - 1];
	vals = palloc(sizeof(int64) * Max(nevents, 1));
	/* events are sorted by (time, mask): each step's times arrive in order */
	for (int32 i = 0; i < nevents; i++)
	{
		uint32		m = ev[i].mask;

		CQ_BULK_CHECK(i);
		if (m != 0 && (m & (m - 1)) == 0)
		{
			int			k = pg_rightmost_one_pos32(m) + 1;

			vals[offsets[k] + fill[k]++] = ev[i].ts;
		}
	}
	for (int k = 1; k <= nsteps; k++)
	{
		out[k - 1].users = counts[k];
		out[k - 1].has_times = k > 1 && counts[k] > 0;
		if (out[k - 1].has_times)
		{
			out[k - 1].median_us = percentile_cont(&vals[offsets[k]], counts[k], 0.5);
			out[k - 1].p90_us = percentile_cont(&vals[offsets[k]], counts[k], 0.9);
		}
	}
	pfree(vals);
}

/*
 * Microseconds (a percentile_cont result, >= 0) as an interval, rounded to
 * the microsecond.  An infinite time saturates to the longest interval of
 * hours an interval holds (PG_INT64_MAX microseconds, 2562047788:00:54.775807):
 * a finite value that sorts after every finite time, the same on every
 * PostgreSQL version (README "cq.funnel_report").  Finite deltas are at most
 * the timestamp range, far below it.
 */
static Datum
usecs_interval(double us)
{
	Interval   *iv = palloc0(sizeof(Interval));

	/* 2^63 is the first double above PG_INT64_MAX; no cast of it is defined */
	if (!(us < 9223372036854775808.0))
		iv->time = PG_INT64_MAX;
	else
		iv->time = (int64) rint(us);
	return IntervalPGetDatum(iv);
}

/*
 * cq_funnel_report_check
 *		Refuse (22023) a state that cannot be a report state, as when the
 *		state of one user's rows is given to cq.funnel_report_rollup in place
 *		of a cq.funnel_report_state: every event must name one step, step 1
 *		at time 0, later steps at a time from the previous step >= 0, and no
 *		step may be reached by more users than the step before it.
 */
void
cq_funnel_report_check(const FunnelState *rep)
{
	int			nsteps = cq_funnel_state_nsteps(rep);
	int32		nevents;
	const FunnelEvent *ev = cq_funnel_state_events(rep, &nevents);
	int64		counts[CQ_FUNNEL_MAX_STEPS + 1] = {0};
	const char *problem = NULL;

	for (int32 i = 0; i < nevents && problem == NULL; i++)
	{
		uint32		m = ev[i].mask;

		CQ_BULK_CHECK(i);
		if (m == 0 || (m & (m - 1)) != 0)
			problem = "an event names no step or several steps";
		else if (m == 1 && ev[i].ts != 0)
			problem = "a step-1 event is not at time 0";
		else if (ev[i].ts < 0)
			problem = "a time from the previous step is negative";
		else
			counts[pg_rightmost_one_pos32(m) + 1]++;
	}
	for (int k = 2; k <= nsteps && problem == NULL; k++)
		if (counts[k] > counts[k - 1])
			problem = "more users reach a step than the step before it";
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cq.funnel_report_rollup got a state that is not a funnel report state"),
				 errdetail("In the state, %s.", problem),
				 errhint("Roll up the states of cq.funnel_report_state, not those of cq.funnel_events.")));
}

/*
 * cq_funnel_report_result
 *		The report as an array of rowtype (cq.funnel_step_report): one
 *		element per step with step, users reaching it, conversion from the
 *		previous step (NULL for step 1) and from step 1, and the median and
 *		90th percentile of the time from the previous step (NULL for step 1
 *		and for steps nobody reached).
 */
Datum
cq_funnel_report_result(const FunnelState *rep, Oid rowtype)
{
	int			nsteps = cq_funnel_state_nsteps(rep);
	FunnelStepReport steps[CQ_FUNNEL_MAX_STEPS];
	Datum		elems[CQ_FUNNEL_MAX_STEPS];
	TupleDesc	tupdesc;

	report_compute(rep, steps);
	tupdesc = TypeGetTupleDesc(rowtype, NIL);
	if (tupdesc->natts != 6)
		elog(ERROR, "cq.funnel_step_report has %d columns, expected 6", tupdesc->natts);

	for (int k = 1; k <= nsteps; k++)
	{
		FunnelStepReport *r = &steps[k - 1];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		int64		prev = k > 1 ? steps[k - 2].users : 0;

		values[0] = Int32GetDatum(k);
		values[1] = Int64GetDatum(r->users);
		if (k == 1 || prev == 0)
			nulls[2] = true;
		else
			values[2] = Float8GetDatum((double) r->users / (double) prev);
		if (steps[0].users == 0)
			nulls[3] = true;
		else
			values[3] = Float8GetDatum((double) r->users / (double) steps[0].users);
		if (r->has_times)
		{
			values[4] = usecs_interval(r->median_us);
			values[5] = usecs_interval(r->p90_us);
		}
		else
			nulls[4] = nulls[5] = true;
		elems[k - 1] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	return PointerGetDatum(construct_array(elems, nsteps, rowtype, -1, false, TYPALIGN_DOUBLE));
}
