/*-------------------------------------------------------------------------
 *
 * funnel_paths.c
 *	  Paths around a step (README "Paths around a step"): the aggregate
 *	  cq.funnel_next_events(window, ts, event, step, length, VARIADIC steps)
 *	  gives, for a user whose funnel reached `step`, the names of the
 *	  `length` events that came right after that step's event (length < 0:
 *	  the -length events right before it, nearest first), as ClickHouse's
 *	  sequenceNextNode does for one.  Distributions of next events, and the
 *	  top paths after a drop-off, are a GROUP BY over these arrays.
 *
 * The state keeps each row (time, steps, and its event name in a buffer);
 * partial states are serialized and concatenated, so the aggregate runs in
 * parallel.  The final function sorts the rows once by (time, steps, name),
 * finds the funnel's chain with cq_funnel_scan (the step times
 * cq.funnel_step_times reports), and reads the rows after (or before) the
 * chain's event for `step`.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bulk_util.h"
#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* The longest path asked for */
#define PATHS_MAX_LENGTH	100

/* One row: its time, steps, and name (len -1: NULL) in the state's buffer */
typedef struct PathRow
{
	int64		ts;
	uint32		mask;
	int32		off;
	int32		len;
} PathRow;

typedef struct PathState
{
	int64		window;
	int32		nsteps;
	int32		step;
	int32		length;
	Interval	window_raw;
	PathRow    *rows;
	int64		nrows;
	int64		caprows;
	char	   *names;
	int64		nameslen;
	int64		namescap;
} PathState;

/* A new empty state, in the current memory context */
static PathState *
path_state_new(int64 window, int nsteps, int step, int length)
{
	PathState  *ps = palloc0(sizeof(PathState));

	ps->window = window;
	ps->nsteps = nsteps;
	ps->step = step;
	ps->length = length;
	return ps;
}

/* Append one row (in the current memory context); name NULL: a NULL name */
static void
path_state_add(PathState *ps, int64 ts, uint32 mask, const char *name, int len)
{
	PathRow    *r;

	if (ps->nrows == ps->caprows)
	{
		ps->caprows = ps->caprows ? ps->caprows * 2 : 8;
		ps->rows = ps->rows ? repalloc_huge(ps->rows, sizeof(PathRow) * ps->caprows) :
			palloc_extended(sizeof(PathRow) * ps->caprows, MCXT_ALLOC_HUGE);
	}
	r = &ps->rows[ps->nrows++];
	r->ts = ts;
	r->mask = mask;
	r->off = 0;
	r->len = -1;
	if (name == NULL)
		return;
	if (ps->nameslen + len > ps->namescap)
	{
		ps->namescap = Min(Max(ps->namescap * 2, ps->nameslen + len + 64), (int64) PG_INT32_MAX);
		if (ps->nameslen + len > ps->namescap)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the event names of one cq.funnel_next_events group pass 2 GB"),
					 errhint("Group by user, or pass shorter names.")));
		ps->names = ps->names ? repalloc_huge(ps->names, ps->namescap) :
			palloc_extended(ps->namescap, MCXT_ALLOC_HUGE);
	}
	memcpy(ps->names + ps->nameslen, name, len);
	r->off = (int32) ps->nameslen;
	r->len = len;
	ps->nameslen += len;
}

/* The same settings on every row and partial state (22023) */
static void
path_state_same(const PathState *ps, int64 window, int nsteps, int step, int length)
{
	cq_funnel_check_step_count("cq.funnel_next_events", "steps", ps->nsteps, nsteps);
	if (ps->window != window || ps->step != step || ps->length != length)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window, step and length of cq.funnel_next_events must be the same for every row of a group"),
				 errhint("Pass constants.")));
}

/*
 * funnel_next_events_transfn(internal, window interval, ts timestamptz,
 *		event text, step int, length int, VARIADIC steps boolean[])
 *		returns internal
 *		One row.  Settings are read on the group's first row: step 1 .. the
 *		step count, length -100 .. 100 but not 0 (22023).  A NULL time, step
 *		array or step leaves the row out (as cq.window_funnel); a NULL event
 *		name is kept (a NULL in the path).
 */
PG_FUNCTION_INFO_V1(funnel_next_events_transfn);
Datum
funnel_next_events_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	PathState  *ps = PG_ARGISNULL(0) ? NULL : (PathState *) PG_GETARG_POINTER(0);
	ArrayType  *steps;
	int			nsteps;
	uint32		mask;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_next_events_transfn called in non-aggregate context");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window, step and length of cq.funnel_next_events must not be NULL"),
				 errhint("Pass a window such as '1 day', a step such as 2 and a length such as 3.")));
	if (PG_ARGISNULL(6))
	{
		if (ps == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(ps);
	}
	steps = PG_GETARG_ARRAYTYPE_P(6);
	nsteps = cq_variadic_bool_count(steps, "cq.funnel_next_events takes", "steps", "length");
	if (ps == NULL)
	{
		int64		window = cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(1), "window");
		int32		step = PG_GETARG_INT32(4);
		int32		length = PG_GETARG_INT32(5);

		if (step < 1 || step > nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("step %d of cq.funnel_next_events is not a step of the funnel", step),
					 errdetail("The funnel has %d steps.", nsteps),
					 errhint("Pass 1 for the first step.")));
		if (length == 0 || length > PATHS_MAX_LENGTH || length < -PATHS_MAX_LENGTH)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("length %d of cq.funnel_next_events is out of range", length),
					 errhint("Pass 1 to %d for the events after the step, -1 to -%d for those before it.",
							 PATHS_MAX_LENGTH, PATHS_MAX_LENGTH)));
		old = MemoryContextSwitchTo(aggcxt);
		ps = path_state_new(window, nsteps, step, length);
		ps->window_raw = *PG_GETARG_INTERVAL_P(1);
		MemoryContextSwitchTo(old);
	}
	else if (nsteps != ps->nsteps || PG_GETARG_INT32(4) != ps->step || PG_GETARG_INT32(5) != ps->length ||
			 memcmp(PG_GETARG_INTERVAL_P(1), &ps->window_raw, sizeof(Interval)) != 0)
		path_state_same(ps, cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(1), "window"), nsteps,
						PG_GETARG_INT32(4), PG_GETARG_INT32(5));
	if (PG_ARGISNULL(2) || !cq_bool_array_mask(steps, nsteps, &mask))
		PG_RETURN_POINTER(ps);
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(3))
		path_state_add(ps, PG_GETARG_TIMESTAMPTZ(2), mask, NULL, 0);
	else
	{
		text	   *name = PG_GETARG_TEXT_PP(3);

		path_state_add(ps, PG_GETARG_TIMESTAMPTZ(2), mask, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(ps);
}

/*
 * funnel_next_events_combine(internal, internal) returns internal
 *		The rows of both states.
 */
PG_FUNCTION_INFO_V1(funnel_next_events_combine);
Datum
funnel_next_events_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	PathState  *a = PG_ARGISNULL(0) ? NULL : (PathState *) PG_GETARG_POINTER(0);
	PathState  *b = PG_ARGISNULL(1) ? NULL : (PathState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_next_events_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	old = MemoryContextSwitchTo(aggcxt);
	if (a == NULL)
		a = path_state_new(b->window, b->nsteps, b->step, b->length);
	else
		path_state_same(a, b->window, b->nsteps, b->step, b->length);
	for (int64 i = 0; i < b->nrows; i++)
	{
		const PathRow *r = &b->rows[i];

		CQ_BULK_CHECK(i);
		path_state_add(a, r->ts, r->mask, r->len < 0 ? NULL : b->names + r->off, r->len);
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * funnel_next_events_serialize(internal) returns bytea
 *		int64 window, int32 steps, step, length, int64 rows, each row (int64
 *		ts, int32 mask, int32 name length or -1, name bytes).
 */
PG_FUNCTION_INFO_V1(funnel_next_events_serialize);
Datum
funnel_next_events_serialize(PG_FUNCTION_ARGS)
{
	PathState  *ps = (PathState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, ps->window);
	pq_sendint32(&buf, ps->nsteps);
	pq_sendint32(&buf, ps->step);
	pq_sendint32(&buf, ps->length);
	pq_sendint64(&buf, ps->nrows);
	for (int64 i = 0; i < ps->nrows; i++)
	{
		const PathRow *r = &ps->rows[i];

		CQ_BULK_CHECK(i);
		pq_sendint64(&buf, r->ts);
		pq_sendint32(&buf, r->mask);
		pq_sendint32(&buf, r->len);
		if (r->len > 0)
			pq_sendbytes(&buf, ps->names + r->off, r->len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Refuse a malformed partial state */
static void
path_state_bad(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid cq.funnel_next_events state"),
			 errdetail("A partial state must hold the window, steps, step and length, then rows whose steps and names fit.")));
}

/*
 * funnel_next_events_deserialize(bytea, internal) returns internal
 *		What serialize wrote; anything else is refused (22P03).
 */
PG_FUNCTION_INFO_V1(funnel_next_events_deserialize);
Datum
funnel_next_events_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	MemoryContext old;
	StringInfoData buf;
	PathState  *ps;
	int64		window;
	int32		nsteps;
	int32		step;
	int32		length;
	int64		nrows;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_next_events_deserialize called in non-aggregate context");
	cq_bytea_reader(&buf, raw);
	if (buf.len < 28)
		path_state_bad();
	window = pq_getmsgint64(&buf);
	nsteps = pq_getmsgint(&buf, 4);
	step = pq_getmsgint(&buf, 4);
	length = pq_getmsgint(&buf, 4);
	nrows = pq_getmsgint64(&buf);
	if (window < 0 || nsteps < 1 || nsteps > CQ_FUNNEL_MAX_STEPS || step < 1 || step > nsteps ||
		length == 0 || length > PATHS_MAX_LENGTH || length < -PATHS_MAX_LENGTH ||
		nrows < 0 || nrows > (buf.len - buf.cursor) / 16)
		path_state_bad();
	old = MemoryContextSwitchTo(aggcxt);
	ps = path_state_new(window, nsteps, step, length);
	for (int64 i = 0; i < nrows; i++)
	{
		int64		ts;
		uint32		mask;
		int32		len;

		CQ_BULK_CHECK(i);
		if (buf.len - buf.cursor < 16)
			path_state_bad();
		ts = pq_getmsgint64(&buf);
		mask = (uint32) pq_getmsgint(&buf, 4);
		len = pq_getmsgint(&buf, 4);
		if (len < -1 || len > buf.len - buf.cursor || (nsteps < 32 && (mask >> nsteps) != 0))
			path_state_bad();
		path_state_add(ps, ts, mask, len < 0 ? NULL : pq_getmsgbytes(&buf, len), Max(len, 0));
	}
	if (buf.cursor != buf.len)
		path_state_bad();
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(ps);
}

/* Rows by (time, steps, name; NULL names last) */
static int
cmp_path_row(const void *a, const void *b, void *arg)
{
	const PathRow *x = a;
	const PathRow *y = b;
	const char *names = arg;
	int			c;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->mask != y->mask)
		return x->mask < y->mask ? -1 : 1;
	if (x->len < 0 || y->len < 0)
		return (x->len < 0) - (y->len < 0);
	c = memcmp(names + x->off, names + y->off, Min(x->len, y->len));
	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * funnel_next_events_finalfn(internal) returns text[]
 *		NULL without a row or when the funnel did not reach the step;
 *		otherwise the names of up to `length` rows after the step's event
 *		(rows at the same time as it excluded), or before it (nearest first).
 */
PG_FUNCTION_INFO_V1(funnel_next_events_finalfn);
Datum
funnel_next_events_finalfn(PG_FUNCTION_ARGS)
{
	PathState  *ps = PG_ARGISNULL(0) ? NULL : (PathState *) PG_GETARG_POINTER(0);
	FunnelParams p;
	FunnelEvent *ev;
	int64		times[CQ_FUNNEL_MAX_STEPS];
	int			stage;
	int64		at;
	Datum		elems[PATHS_MAX_LENGTH];
	bool		nulls[PATHS_MAX_LENGTH];
	int			n = 0;
	int			dims[1];
	int			lbs[1] = {1};

	if (ps == NULL || ps->nrows == 0)
		PG_RETURN_NULL();
	if (ps->nrows > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cq.funnel_next_events reads at most %d rows a group", PG_INT32_MAX)));
	cq_sort(ps->rows, ps->nrows, sizeof(PathRow), cmp_path_row, ps->names);
	ev = palloc_extended(sizeof(FunnelEvent) * ps->nrows, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < ps->nrows; i++)
	{
		ev[i].ts = ps->rows[i].ts;
		ev[i].mask = ps->rows[i].mask;
		ev[i].reserved = 0;
	}
	cq_funnel_params_one_window(&p, ps->nsteps, 0, ps->window);
	stage = cq_funnel_scan(ev, (int32) ps->nrows, &p, times);
	pfree(ev);
	if (stage < ps->step)
		PG_RETURN_NULL();
	at = times[ps->step - 1];
	if (ps->length > 0)
	{
		int64		i = 0;

		while (i < ps->nrows && ps->rows[i].ts <= at)
			i++;
		for (; i < ps->nrows && n < ps->length; i++, n++)
		{
			nulls[n] = ps->rows[i].len < 0;
			elems[n] = nulls[n] ? (Datum) 0 :
				PointerGetDatum(cstring_to_text_with_len(ps->names + ps->rows[i].off, ps->rows[i].len));
		}
	}
	else
	{
		int64		i = ps->nrows - 1;

		while (i >= 0 && ps->rows[i].ts >= at)
			i--;
		for (; i >= 0 && n < -ps->length; i--, n++)
		{
			nulls[n] = ps->rows[i].len < 0;
			elems[n] = nulls[n] ? (Datum) 0 :
				PointerGetDatum(cstring_to_text_with_len(ps->names + ps->rows[i].off, ps->rows[i].len));
		}
	}
	dims[0] = n;
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID, -1, false,
											 TYPALIGN_INT));
}
