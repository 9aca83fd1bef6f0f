/*-------------------------------------------------------------------------
 *
 * funnel_revenue.c
 *	  Revenue in the funnel (README "Revenue in the funnel"): the aggregate
 *	  cq.funnel_revenue over one funnel state and one revenue per user gives,
 *	  per step, the users who reached it and the sum, mean and median of
 *	  their revenue, and that sum per entrant (user who reached step 1).
 *
 * The state is a list of (stage reached, revenue) pairs, 16 bytes a user in
 * memory and 12 serialized; it merges by concatenation and travels as bytea
 * (serialize/deserialize), so the aggregate runs in parallel.  The final
 * function sorts the users by revenue once and sums each step's revenues in
 * that order, so that the answer never depends on the order users arrive in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bulk_util.h"
#include "catalog/pg_type.h"
#include "conversion_quality.h"	/* funcapi.h, without its warnings */
#include "funnel.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

/* One user: the stage reached and the revenue (NaN: none usable) */
typedef struct RevenueUser
{
	double		revenue;
	int32		stage;
} RevenueUser;

typedef struct RevenueState
{
	int32		nsteps;
	int64		n;
	int64		cap;
	RevenueUser *users;
} RevenueState;

/* A new, empty state in the current memory context */
static RevenueState *
revenue_state_new(int nsteps)
{
	RevenueState *st = palloc0(sizeof(RevenueState));

	st->nsteps = nsteps;
	return st;
}

/* Append one user (in the current memory context) */
static void
revenue_state_add(RevenueState *st, int32 stage, double revenue)
{
	if (st->n == st->cap)
	{
		st->cap = st->cap ? st->cap * 2 : 8;
		st->users = st->users ?
			repalloc_huge(st->users, st->cap * sizeof(RevenueUser)) :
			palloc_extended(st->cap * sizeof(RevenueUser), MCXT_ALLOC_HUGE);
	}
	st->users[st->n].stage = stage;
	st->users[st->n].revenue = revenue;
	st->n++;
}

/*
 * funnel_revenue_transfn(state internal, user cq.funnel_state, revenue
 *						  float8, window interval | windows interval[]
 *						  [, mode text]) returns internal
 *		Reads one user's state as cq.funnel_stage does and adds (stage,
 *		revenue).  A NULL user state is skipped (no rows: never entered); a
 *		NULL or non-finite revenue is kept as "none" (the user still counts).
 *		Every user state must count the same steps.
 */
PG_FUNCTION_INFO_V1(funnel_revenue_transfn);
Datum
funnel_revenue_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	RevenueState *st = PG_ARGISNULL(0) ? NULL : (RevenueState *) PG_GETARG_POINTER(0);
	const FunnelState *user;
	FunnelParams p;
	int			nsteps;
	int32		stage;
	double		revenue = NAN;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_revenue_transfn called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		/* no user: the state stays as it was, NULL included (never a NULL pointer) */
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	user = cq_funnel_state_arg(fcinfo, 1, false);
	nsteps = cq_funnel_state_nsteps(user);
	cq_funnel_read_params(fcinfo, 3, PG_NARGS() > 4 ? 4 : -1, -1, nsteps, &p);
	stage = cq_funnel_state_scan(user, &p, NULL);
	if (!PG_ARGISNULL(2) && isfinite(PG_GETARG_FLOAT8(2)))
		revenue = PG_GETARG_FLOAT8(2) + 0.0;	/* -0 becomes 0: the median's sign never
												 * depends on input order */
	old = MemoryContextSwitchTo(aggcxt);
	if (st == NULL)
		st = revenue_state_new(nsteps);
	else
		cq_funnel_check_step_count("cq.funnel_revenue", "steps", st->nsteps, nsteps);
	revenue_state_add(st, stage, revenue);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * funnel_revenue_combine(internal, internal) returns internal
 *		The users of both states.
 */
PG_FUNCTION_INFO_V1(funnel_revenue_combine);
Datum
funnel_revenue_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	RevenueState *a = PG_ARGISNULL(0) ? NULL : (RevenueState *) PG_GETARG_POINTER(0);
	RevenueState *b = PG_ARGISNULL(1) ? NULL : (RevenueState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_revenue_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	old = MemoryContextSwitchTo(aggcxt);
	if (a == NULL)
		a = revenue_state_new(b->nsteps);
	else
		cq_funnel_check_step_count("cq.funnel_revenue", "steps", a->nsteps, b->nsteps);
	for (int64 i = 0; i < b->n; i++)
	{
		CQ_BULK_CHECK(i);
		revenue_state_add(a, b->users[i].stage, b->users[i].revenue);
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * funnel_revenue_serialize(internal) returns bytea
 *		int32 nsteps, int64 n, n x (int32 stage, float8 revenue).
 */
PG_FUNCTION_INFO_V1(funnel_revenue_serialize);
Datum
funnel_revenue_serialize(PG_FUNCTION_ARGS)
{
	RevenueState *st = (RevenueState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->nsteps);
	pq_sendint64(&buf, st->n);
	for (int64 i = 0; i < st->n; i++)
	{
		CQ_BULK_CHECK(i);
		pq_sendint32(&buf, st->users[i].stage);
		pq_sendfloat8(&buf, st->users[i].revenue);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * funnel_revenue_deserialize(bytea, internal) returns internal
 *		The state serialize wrote; anything else is refused (22P03).
 */
PG_FUNCTION_INFO_V1(funnel_revenue_deserialize);
Datum
funnel_revenue_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	MemoryContext old;
	StringInfoData buf;
	RevenueState *st;
	int32		nsteps;
	int64		n;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_revenue_deserialize called in non-aggregate context");
	cq_bytea_reader(&buf, raw);
	if (buf.len < 12)
		goto bad;
	nsteps = pq_getmsgint(&buf, 4);
	n = pq_getmsgint64(&buf);
	if (nsteps < 1 || nsteps > CQ_FUNNEL_MAX_STEPS || n < 0 || n != (int64) (buf.len - 12) / 12 ||
		(buf.len - 12) % 12 != 0)
		goto bad;
	old = MemoryContextSwitchTo(aggcxt);
	st = revenue_state_new(nsteps);
	for (int64 i = 0; i < n; i++)
	{
		int32		stage = pq_getmsgint(&buf, 4);
		double		revenue = pq_getmsgfloat8(&buf);

		CQ_BULK_CHECK(i);
		if (stage < 0 || stage > nsteps || isinf(revenue))
			goto bad;
		revenue_state_add(st, stage, revenue);
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid cq.funnel_revenue state"),
			 errdetail("A partial state must hold a step count of 1 to %d and (stage, revenue) pairs of stages up to it.",
					   CQ_FUNNEL_MAX_STEPS)));
	PG_RETURN_NULL();			/* not reached */
}

/* Users by revenue ascending (the revenues compared are finite) */
static int
cmp_revenue(const void *a, const void *b, void *arg pg_attribute_unused())
{
	double		x = ((const RevenueUser *) a)->revenue;
	double		y = ((const RevenueUser *) b)->revenue;

	return (x > y) - (x < y);
}

/* percentile_cont(0.5) of sorted v[0 .. n-1], n > 0 */
static double
median_sorted(const double *v, int64 n)
{
	if (n % 2 == 1)
		return v[n / 2];
	return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) * 0.5;
}

/*
 * funnel_revenue_finalfn(internal) returns cq.funnel_revenue_step[]
 *		Per step k: users with stage >= k, how many of them have a revenue,
 *		the sum (added in ascending order), mean and median of those
 *		revenues (NULL without one), and the sum per entrant (users with
 *		stage >= 1).  NULL without any user state.
 */
PG_FUNCTION_INFO_V1(funnel_revenue_finalfn);
Datum
funnel_revenue_finalfn(PG_FUNCTION_ARGS)
{
	RevenueState *st;
	Oid			rowtype;
	TupleDesc	tupdesc;
	Datum		elems[CQ_FUNNEL_MAX_STEPS];
	RevenueUser *sorted;
	int64		nsorted = 0;
	double	   *vals;
	int64		entrants = 0;

	if (PG_ARGISNULL(0) || PG_GETARG_POINTER(0) == NULL)
		PG_RETURN_NULL();
	st = (RevenueState *) PG_GETARG_POINTER(0);
	rowtype = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));
	if (!OidIsValid(rowtype))
		elog(ERROR, "cannot determine the row type of cq.funnel_revenue");
	tupdesc = TypeGetTupleDesc(rowtype, NIL);
	if (tupdesc->natts != 7)
		elog(ERROR, "cq.funnel_revenue_step has %d columns, expected 7", tupdesc->natts);
	/* the users with a revenue, sorted by it once; each step reads them in that order */
	sorted = palloc_extended(sizeof(RevenueUser) * Max(st->n, 1), MCXT_ALLOC_HUGE);
	vals = palloc_extended(sizeof(double) * Max(st->n, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < st->n; i++)
	{
		CQ_BULK_CHECK(i);
		if (st->users[i].stage >= 1)
			entrants++;
		if (!isnan(st->users[i].revenue))
			sorted[nsorted++] = st->users[i];
	}
	cq_sort(sorted, nsorted, sizeof(RevenueUser), cmp_revenue, NULL);

	for (int k = 1; k <= st->nsteps; k++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		int64		users = 0;
		int64		m = 0;
		double		sum = 0;

		for (int64 i = 0; i < st->n; i++)
			if (st->users[i].stage >= k)
				users++;
		for (int64 i = 0; i < nsorted; i++)
		{
			CQ_BULK_CHECK(i);
			if (sorted[i].stage >= k)
			{
				vals[m++] = sorted[i].revenue;
				sum += sorted[i].revenue;
			}
		}
		values[0] = Int32GetDatum(k);
		values[1] = Int64GetDatum(users);
		values[2] = Int64GetDatum(m);
		if (m > 0)
		{
			values[3] = Float8GetDatum(sum);
			values[4] = Float8GetDatum(sum / (double) m);
			values[5] = Float8GetDatum(median_sorted(vals, m));
		}
		else
			nulls[3] = nulls[4] = nulls[5] = true;
		if (entrants > 0 && m > 0)
			values[6] = Float8GetDatum(sum / (double) entrants);
		else
			nulls[6] = true;	/* no revenue known at the step, or no entrant */
		elems[k - 1] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	pfree(vals);
	pfree(sorted);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, st->nsteps, rowtype, -1, false, TYPALIGN_DOUBLE));
}
