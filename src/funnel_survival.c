/*-------------------------------------------------------------------------
 *
 * funnel_survival.c
 *	  Conversion with windows still open (README "Conversion with windows
 *	  still open"): the Kaplan-Meier estimate of the probability of
 *	  converting by time t since entry, with a Greenwood confidence band and
 *	  the naive rate beside it.  Two aggregates share this file:
 *
 *	  cq.conversion_curve(entered, converted, observed_until [, horizon,
 *	  resolution]): one curve, from one entry and one conversion time (NULL:
 *	  none seen) per user;
 *	  cq.funnel_conversion_curve(state, window, observed_until [,
 *	  resolution]): one curve per funnel step 2 .. n, from users' funnel
 *	  states (the chain cq.funnel_step_times reports).
 *
 * A user converted at duration d (converted - entered) is an event at d; a
 * user not converted by observed_until is censored at observed_until -
 * entered; with a horizon (the funnel's window), durations past it are
 * censored at it.  With a resolution r, each user is followed for whole
 * units only (the observation, cut at the horizon, rounded down to a
 * multiple of r) and a conversion counts at the end of its unit (rounded
 * up) when that is within the user's whole units: the usual discrete-time
 * reading, in which being at risk never depends on the outcome.
 *
 * The state keeps one int64 per user and curve, 2 * duration + (1 if
 * censored), so that sorting the codes orders users by duration with events
 * before censorings at one duration (a user censored at t was at risk at t).
 * It merges by concatenation and travels as bytea: the aggregates run in
 * parallel.  The final function sorts each curve once and walks it:
 *
 *	  S(t) = prod over event times t_i <= t of (1 - d_i / n_i)
 *	  Var S(t) = S(t)^2 * sum d_i / (n_i (n_i - d_i))		(Greenwood)
 *
 * and reports conversion 1 - S(t) with a 95 % band from the log(-log S)
 * transform (it stays inside [0, 1]; NULL once S is 0), and the naive rate:
 * events up to t over all users of the curve, as if no window were open.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bulk_util.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "conversion_quality.h"	/* funcapi.h, without its warnings */
#include "funnel.h"
#include "libpq/pqformat.h"
#include "signal_dist.h"
#include "utils/array.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/* Columns of cq.conversion_point */
#define CURVE_NATTS		8

/* One curve's codes (2 * duration + censored) */
typedef struct CurveCodes
{
	int64		n;
	int64		cap;
	int64	   *codes;
} CurveCodes;

/*
 * The running state.  funnel: 0 for cq.conversion_curve (one curve), else
 * the funnel's step count (curves for steps 2 .. funnel).  horizon -1: none;
 * resolution 0: exact durations.
 */
typedef struct CurveState
{
	int32		funnel;
	int32		ncurves;
	int64		horizon;
	int64		resolution;
	CurveCodes	curves[CQ_FUNNEL_MAX_STEPS];
} CurveState;

/* A new, empty state in the current memory context */
static CurveState *
curve_state_new(int32 funnel, int64 horizon, int64 resolution)
{
	CurveState *st = palloc0(sizeof(CurveState));

	st->funnel = funnel;
	st->ncurves = funnel == 0 ? 1 : funnel - 1;
	st->horizon = horizon;
	st->resolution = resolution;
	return st;
}

/* Append one code to curve c (in the current memory context) */
static void
curve_add_code(CurveState *st, int c, int64 code)
{
	CurveCodes *cc = &st->curves[c];

	if (cc->n == cc->cap)
	{
		cc->cap = cc->cap ? cc->cap * 2 : 16;
		cc->codes = cc->codes ?
			repalloc_huge(cc->codes, cc->cap * sizeof(int64)) :
			palloc_extended(cc->cap * sizeof(int64), MCXT_ALLOC_HUGE);
	}
	cc->codes[cc->n++] = code;
}

/*
 * curve_add_user
 *		One user of curve c: converted at duration `event` (microseconds,
 *		>= 0), or -1 if not converted, observed for `observed` (may be
 *		negative: the data ended before the entry; the user is then not at
 *		risk at all and is left out).
 *
 *		The user is followed up to limit = the observation, cut at the
 *		horizon, and with a resolution r rounded down to whole units.  The
 *		user is an event when the conversion, rounded up to a whole unit, is
 *		within that limit; otherwise censored at the limit.  So whether a
 *		user is at risk at t never depends on the outcome: a user seen for
 *		part of a unit is not at risk in that unit, converted in it or not.
 */
static void
curve_add_user(CurveState *st, int c, int64 event, int64 observed)
{
	int64		limit = observed;
	int64		r = st->resolution;
	int64		d;
	bool		censored;

	if (st->horizon >= 0 && limit > st->horizon)
		limit = st->horizon;
	if (limit < 0)
		return;
	if (r > 0)
		limit -= limit % r;
	/* event <= limit, a multiple of r: the rounded-up event cannot pass it, nor overflow */
	if (event >= 0 && event <= limit)
	{
		d = (r > 0 && event % r != 0) ? (event / r + 1) * r : event;
		censored = false;
	}
	else
	{
		d = limit;
		censored = true;
	}
	/* 2 * d + 1 must fit: durations between the extreme finite timestamps come near 2^63 us */
	d = Min(d, (PG_INT64_MAX - 1) / 2);
	curve_add_code(st, c, d * 2 + (censored ? 1 : 0));
}

/* t2 - t1 in microseconds, saturated */
static int64
duration_us(TimestampTz t1, TimestampTz t2)
{
	int64		d;

	if (pg_sub_s64_overflow(t2, t1, &d))
		d = t2 > t1 ? PG_INT64_MAX : PG_INT64_MIN;
	return d;
}

/* A non-negative interval argument in microseconds ("horizon", "resolution") */
static int64
interval_arg(FunctionCallInfo fcinfo, int argno, const char *what, int64 if_null)
{
	int64		us;

	Interval   *iv;
	Interval	zero = {0};

	if (PG_ARGISNULL(argno))
		return if_null;
	iv = PG_GETARG_INTERVAL_P(argno);
	if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(iv), IntervalPGetDatum(&zero))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conversion curve %s must not be negative", what),
				 errhint("Use a positive interval such as '1 day', or NULL for none.")));
	us = cq_funnel_window_usecs(iv, what);
	return us;
}

/*
 * curve_state_for
 *		The running state of a transition: created on the first row with
 *		these settings, which every later row must repeat (22023).
 */
static CurveState *
curve_state_for(CurveState *st, MemoryContext aggcxt,
				int32 funnel, int64 horizon, int64 resolution, const char *fn)
{
	MemoryContext old;

	if (st == NULL)
	{
		old = MemoryContextSwitchTo(aggcxt);
		st = curve_state_new(funnel, horizon, resolution);
		MemoryContextSwitchTo(old);
		return st;
	}
	if (st->funnel != funnel)
		cq_funnel_check_step_count(fn, "steps", st->funnel, funnel);
	if (st->horizon != horizon || st->resolution != resolution)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs the same horizon, window and resolution on every row", fn),
				 errhint("Pass constants.")));
	return st;
}

/*
 * conversion_curve_transfn(internal, entered timestamptz, converted
 *		timestamptz, observed_until timestamptz [, horizon interval,
 *		resolution interval]) returns internal
 *		One user.  A NULL entry or observed_until skips the row (no usable
 *		user); a NULL conversion is "not converted".  A conversion before the
 *		entry is a caller's mistake (22023).  A conversion after
 *		observed_until is not yet observed: the user is censored there.
 */
PG_FUNCTION_INFO_V1(conversion_curve_transfn);
Datum
conversion_curve_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	CurveState *st = PG_ARGISNULL(0) ? NULL : (CurveState *) PG_GETARG_POINTER(0);
	int64		horizon = -1;
	int64		resolution = 0;
	TimestampTz entered;
	int64		event = -1;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "conversion_curve_transfn called in non-aggregate context");
	if (PG_NARGS() > 4)
	{
		horizon = interval_arg(fcinfo, 4, "horizon", -1);
		resolution = interval_arg(fcinfo, 5, "resolution", 0);
	}
	/* a row without an entry or an end of observation is no user: NULL until there is one */
	if ((PG_ARGISNULL(1) || PG_ARGISNULL(3)) && st == NULL)
		PG_RETURN_NULL();
	st = curve_state_for(st, aggcxt, 0, horizon, resolution, "cq.conversion_curve");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	entered = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(entered) ||
		(!PG_ARGISNULL(2) && TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(2))))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cq.conversion_curve needs finite entry and conversion times"),
				 errhint("observed_until may be infinity (observed for ever); pass NULL for no conversion.")));
	if (!PG_ARGISNULL(2))
	{
		event = duration_us(entered, PG_GETARG_TIMESTAMPTZ(2));
		if (event < 0)
		{
			/* timestamptz_to_str returns a static buffer: copy the first */
			char	   *entry_text = pstrdup(timestamptz_to_str(entered));

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cq.conversion_curve got a conversion before its entry"),
					 errdetail("Entry %s, conversion %s.", entry_text,
							   timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(2))),
					 errhint("Pass the time of the conversion that follows the entry, or NULL.")));
		}
	}
	old = MemoryContextSwitchTo(aggcxt);
	curve_add_user(st, 0, event, duration_us(entered, PG_GETARG_TIMESTAMPTZ(3)));
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * funnel_conversion_curve_transfn(internal, state cq.funnel_state, window
 *		interval, observed_until timestamptz [, resolution interval])
 *		returns internal
 *		One user: the chain cq.funnel_step_times reports for the window.  A
 *		user who reached step 1 enters at its time; for each step k >= 2 the
 *		user converted at step k's time, or is censored at the earlier of
 *		the window's end and observed_until.  A NULL state, or a user who
 *		never reached step 1, is skipped; a NULL observed_until skips the
 *		user.
 */
PG_FUNCTION_INFO_V1(funnel_conversion_curve_transfn);
Datum
funnel_conversion_curve_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	CurveState *st = PG_ARGISNULL(0) ? NULL : (CurveState *) PG_GETARG_POINTER(0);
	const FunnelState *user;
	FunnelParams p;
	int64		times[CQ_FUNNEL_MAX_STEPS];
	int64		resolution;
	int64		observed;
	int			nsteps;
	int			level;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_conversion_curve_transfn called in non-aggregate context");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	user = cq_funnel_state_arg(fcinfo, 1, false);
	nsteps = cq_funnel_state_nsteps(user);
	if (nsteps < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cq.funnel_conversion_curve needs a funnel of at least 2 steps"),
				 errhint("Step 1 is the entry; each later step gets a curve.")));
	cq_funnel_read_params(fcinfo, 2, -1, -1, nsteps, &p);
	resolution = PG_NARGS() > 4 ? interval_arg(fcinfo, 4, "resolution", 0) : 0;
	st = curve_state_for(st, aggcxt, nsteps, p.window, resolution,
						 "cq.funnel_conversion_curve");
	level = cq_funnel_state_scan(user, &p, times);
	if (level < 1)
		PG_RETURN_POINTER(st);
	observed = duration_us(times[0], PG_GETARG_TIMESTAMPTZ(3));
	old = MemoryContextSwitchTo(aggcxt);
	for (int k = 2; k <= nsteps; k++)
		curve_add_user(st, k - 2, k <= level ? duration_us(times[0], times[k - 1]) : -1,
					   observed);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * conversion_curve_combine(internal, internal) returns internal
 *		The users of both states (of either aggregate; settings must agree).
 */
PG_FUNCTION_INFO_V1(conversion_curve_combine);
Datum
conversion_curve_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	CurveState *a = PG_ARGISNULL(0) ? NULL : (CurveState *) PG_GETARG_POINTER(0);
	CurveState *b = PG_ARGISNULL(1) ? NULL : (CurveState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "conversion_curve_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	a = curve_state_for(a, aggcxt, b->funnel, b->horizon, b->resolution,
						"cq.conversion_curve");
	old = MemoryContextSwitchTo(aggcxt);
	for (int c = 0; c < b->ncurves; c++)
		for (int64 i = 0; i < b->curves[c].n; i++)
		{
			CQ_BULK_CHECK(i);
			curve_add_code(a, c, b->curves[c].codes[i]);
		}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * conversion_curve_serialize(internal) returns bytea
 *		int32 funnel, int64 horizon, int64 resolution, then per curve int64 n
 *		and n int64 codes.
 */
PG_FUNCTION_INFO_V1(conversion_curve_serialize);
Datum
conversion_curve_serialize(PG_FUNCTION_ARGS)
{
	CurveState *st = (CurveState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->funnel);
	pq_sendint64(&buf, st->horizon);
	pq_sendint64(&buf, st->resolution);
	for (int c = 0; c < st->ncurves; c++)
	{
		pq_sendint64(&buf, st->curves[c].n);
		for (int64 i = 0; i < st->curves[c].n; i++)
		{
			CQ_BULK_CHECK(i);
			pq_sendint64(&buf, st->curves[c].codes[i]);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * conversion_curve_deserialize(bytea, internal) returns internal
 *		The state serialize wrote; anything else is refused (22P03).
 */
PG_FUNCTION_INFO_V1(conversion_curve_deserialize);
Datum
conversion_curve_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	MemoryContext old;
	StringInfoData buf;
	CurveState *st;
	int32		funnel;
	int64		horizon;
	int64		resolution;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "conversion_curve_deserialize called in non-aggregate context");
	cq_bytea_reader(&buf, raw);
	if (buf.len < 20)
		goto bad;
	funnel = pq_getmsgint(&buf, 4);
	horizon = pq_getmsgint64(&buf);
	resolution = pq_getmsgint64(&buf);
	if (funnel < 0 || funnel == 1 || funnel > CQ_FUNNEL_MAX_STEPS || horizon < -1 || resolution < 0)
		goto bad;
	old = MemoryContextSwitchTo(aggcxt);
	st = curve_state_new(funnel, horizon, resolution);
	for (int c = 0; c < st->ncurves; c++)
	{
		int64		n;

		if (buf.len - buf.cursor < 8)
			goto bad;
		n = pq_getmsgint64(&buf);
		if (n < 0 || n > (int64) (buf.len - buf.cursor) / 8)
			goto bad;
		for (int64 i = 0; i < n; i++)
		{
			int64		code = pq_getmsgint64(&buf);

			CQ_BULK_CHECK(i);
			if (code < 0)
				goto bad;
			curve_add_code(st, c, code);
		}
	}
	if (buf.cursor != buf.len)
		goto bad;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid cq.conversion_curve state"),
			 errdetail("A partial state must hold its settings and, per curve, a count and that many non-negative codes.")));
	PG_RETURN_NULL();			/* not reached */
}

static int
cmp_code(const void *a, const void *b, void *arg pg_attribute_unused())
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* A duration in microseconds as an interval of days and time (a day is 24 hours) */
static Interval *
duration_interval(int64 us)
{
	Interval   *iv = palloc(sizeof(Interval));

	iv->month = 0;
	iv->day = (int32) (us / USECS_PER_DAY);
	iv->time = us % USECS_PER_DAY;
	return iv;
}

/*
 * curve_points
 *		Append to elems the rows of one curve (step: NULL for 0): one per
 *		duration at which at least one user converted.
 */
static void
curve_points(CurveCodes *cc, int step, TupleDesc tupdesc, double z, Datum **elems, int64 *nelems,
			 int64 *cap)
{
	int64		total = cc->n;
	int64		at_risk = total;
	int64		converted_so_far = 0;
	double		surv = 1.0;
	double		greenwood = 0.0;
	int64		i = 0;

	cq_sort(cc->codes, cc->n, sizeof(int64), cmp_code, NULL);
	while (i < cc->n)
	{
		int64		d = cc->codes[i] / 2;
		int64		events = 0;
		int64		censored = 0;

		CQ_BULK_CHECK(i);
		for (; i < cc->n && cc->codes[i] / 2 == d; i++)
		{
			if (cc->codes[i] % 2 == 0)
				events++;
			else
				censored++;
		}
		if (events > 0)
		{
			Datum		values[CURVE_NATTS];
			bool		nulls[CURVE_NATTS] = {false};
			double		lower;
			double		upper;

			surv *= 1.0 - (double) events / (double) at_risk;
			if (at_risk > events)
				greenwood += (double) events / ((double) at_risk * (double) (at_risk - events));
			else
				surv = 0.0;
			converted_so_far += events;
			if (surv <= 0.0)
				lower = upper = NAN;	/* no band: log(-log S) is undefined */
			else
			{
				/* log(-log S) +- z se, se = sqrt(greenwood) / |log S| */
				double		c = z * sqrt(greenwood) / fabs(log(surv));

				lower = 1.0 - pow(surv, exp(-c));
				upper = 1.0 - pow(surv, exp(c));
			}
			values[0] = Int32GetDatum(step);
			nulls[0] = step == 0;
			values[1] = IntervalPGetDatum(duration_interval(d));
			values[2] = Int64GetDatum(at_risk);
			values[3] = Int64GetDatum(events);
			values[4] = Float8GetDatum(1.0 - surv);
			values[5] = Float8GetDatum(lower);
			values[6] = Float8GetDatum(upper);
			nulls[5] = nulls[6] = isnan(lower);
			values[7] = Float8GetDatum((double) converted_so_far / (double) total);
			if (*nelems == *cap)
			{
				if (*cap >= (int64) MaxArraySize / 2)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("cq.conversion_curve has too many points for one array"),
							 errhint("Pass a resolution such as '1 hour'.")));
				*cap *= 2;
				*elems = repalloc_huge(*elems, *cap * sizeof(Datum));
			}
			(*elems)[(*nelems)++] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
		}
		at_risk -= events + censored;
	}
}

/*
 * conversion_curve_finalfn(internal) returns cq.conversion_point[]
 *		Each curve's rows, in step order then duration order; an empty array
 *		when no user converted; NULL without any usable row.  The band is
 *		NULL once S reaches 0 (log(-log S) is undefined there).
 */
PG_FUNCTION_INFO_V1(conversion_curve_finalfn);
Datum
conversion_curve_finalfn(PG_FUNCTION_ARGS)
{
	CurveState *st;
	Oid			rowtype;
	TupleDesc	tupdesc;
	Datum	   *elems;
	int64		nelems = 0;
	int64		cap = 16;
	double		z = cq_dist_normal_upper_quantile(0.025);

	if (PG_ARGISNULL(0) || PG_GETARG_POINTER(0) == NULL)
		PG_RETURN_NULL();
	st = (CurveState *) PG_GETARG_POINTER(0);
	rowtype = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));
	if (!OidIsValid(rowtype))
		elog(ERROR, "cannot determine the row type of cq.conversion_curve");
	tupdesc = TypeGetTupleDesc(rowtype, NIL);
	if (tupdesc->natts != CURVE_NATTS)
		elog(ERROR, "cq.conversion_point has %d columns, expected %d", tupdesc->natts, CURVE_NATTS);
	elems = palloc(cap * sizeof(Datum));
	for (int c = 0; c < st->ncurves; c++)
		curve_points(&st->curves[c], st->funnel == 0 ? 0 : c + 2, tupdesc, z, &elems, &nelems, &cap);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, (int) nelems, rowtype, -1, false, TYPALIGN_DOUBLE));
}
