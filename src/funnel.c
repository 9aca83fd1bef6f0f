/*-------------------------------------------------------------------------
 *
 * funnel.c
 *	  fmgr glue of the funnel capability: type cq.funnel_state, the
 *	  aggregates cq.window_funnel, cq.funnel_events and cq.funnel_rollup,
 *	  and the accessors cq.funnel_stage and cq.funnel_step_times.
 *
 * Each entry point checks its arguments and calls into funnel_state.c.
 *
 * Transition and combine functions update their state in place when
 * AggCheckCallContext says they run inside an aggregate; a state that
 * needs more room is copied once into a geometrically larger one, in the
 * per-call memory context, and the executor copies that into the aggregate
 * context and frees the old one.  Called directly from SQL they work on a
 * copy.  Combine functions are not strict: partial states that saw no rows
 * are NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------
 */

/*
 * The step names of the event-name form, as last seen at a call site: the
 * text[] argument itself (to recognise it on later rows) and its elements.
 */
typedef struct FunnelNames
{
	Datum		datum;			/* the argument's Datum on the last row */
	Size		arr_size;
	ArrayType  *arr;			/* a copy of the array */
	int			n;				/* 1 .. CQ_FUNNEL_MAX_STEPS */
	int			len[CQ_FUNNEL_MAX_STEPS];
	const char *name[CQ_FUNNEL_MAX_STEPS];	/* into arr; not terminated */
	Datum		text_datum[CQ_FUNNEL_MAX_STEPS];	/* for texteq, if !bytewise */
} FunnelNames;

/*
 * Per-call-site cache of window_funnel's constant arguments, so a row
 * costs a comparison, not a parse.
 */
typedef struct FunnelArgCache
{
	bool		have_kinds;		/* the argument kinds below are known */
	bool		has_mode;		/* window_funnel: a mode argument is present */
	bool		separate_steps; /* fixed-arity form: one boolean per step */
	bool		names_form;		/* event-name form: event text, steps text[] */
	bool		names_stable;	/* its text[] is a constant of the query */
	bool		bytewise;		/* the collation compares text byte for byte */
	FunnelNames *names;
	bool		fast_rows;		/* window_funnel: try window_funnel_fast_row */
	bool		have_window;
	Interval	window;
	int64		window_us;
	bool		have_mode;
	int			mode_len;
	char	   *mode_text;
	uint32		mode;
} FunnelArgCache;

/*
 * The call site's FunnelArgCache, created zeroed in fn_mcxt on first use.
 */
static FunnelArgCache *
arg_cache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
														  sizeof(FunnelArgCache));
	return (FunnelArgCache *) fcinfo->flinfo->fn_extra;
}

/*
 * The window argument in microseconds, parsed once per distinct value.
 */
static int64
cached_window(FunnelArgCache *cache, const Interval *window)
{
	if (!cache->have_window || memcmp(&cache->window, window, sizeof(Interval)) != 0)
	{
		cache->window_us = cq_funnel_window_usecs(window, "window");
		cache->window = *window;
		cache->have_window = true;
	}
	return cache->window_us;
}

/*
 * The mode argument as flags, parsed once per distinct value.
 */
static uint32
cached_mode(FunctionCallInfo fcinfo, FunnelArgCache *cache, text *mode)
{
	int			len = VARSIZE_ANY_EXHDR(mode);

	if (!cache->have_mode || cache->mode_len != len ||
		memcmp(cache->mode_text, VARDATA_ANY(mode), len) != 0)
	{
		cache->mode = cq_funnel_parse_mode(VARDATA_ANY(mode), len);
		if (cache->mode_text)
			pfree(cache->mode_text);
		cache->mode_text = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len + 1);
		memcpy(cache->mode_text, VARDATA_ANY(mode), len);
		cache->mode_len = len;
		cache->have_mode = true;
	}
	return cache->mode;
}

/*
 * cq_bool_array_mask
 *		The true elements of the first n elements of a one-dimensional
 *		boolean array as a bit mask (element i -> bit i, n <= 32).  Returns
 *		false, leaving *mask alone, when any of them is NULL.  The caller has
 *		checked the element type, the dimensions and n.  Shared by the funnel
 *		steps and retention's conditions.
 */
bool
cq_bool_array_mask(ArrayType *arr, int n, uint32 *mask)
{
	bits8	   *nulls = ARR_NULLBITMAP(arr);
	bool	   *vals;
	uint32		m = 0;

	if (nulls)
		for (int i = 0; i < n; i++)
			if (!(nulls[i / 8] & (1 << (i % 8))))
				return false;

	/*
	 * Booleans are one byte each, unaligned, contiguous when there are no
	 * NULLs.  (ARR_DATA_PTR trips -Wsign-compare in PostgreSQL 15's headers.)
	 */
	vals = (bool *) ((char *) arr + (ARR_HASNULL(arr) ? arr->dataoffset :
									 (int32) ARR_OVERHEAD_NONULLS(ARR_NDIM(arr))));
	for (int i = 0; i < n; i++)
		if (vals[i])
			m |= ((uint32) 1) << i;
	*mask = m;
	return true;
}

/*
 * The length of a steps array (steps or step names: elemtype, what), after
 * checking its element type, that it has one dimension, and 1 to 32
 * elements.  `element` and `plural` name one element and several, for the
 * error messages.
 */
static int
step_array_length(ArrayType *arr, Oid elemtype, const char *what, const char *element,
				  const char *plural)
{
	int			n;

	if (ARR_ELEMTYPE(arr) != elemtype)
		elog(ERROR, "%s array has element type %u, not %u", what, ARR_ELEMTYPE(arr), elemtype);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("Each element is the %s of one step, in funnel order.", element),
				 errhint("Pass the %s as separate arguments, or as VARIADIC ARRAY[...].", plural)));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n < 1 || n > CQ_FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel needs 1 to %d %s, not %d", CQ_FUNNEL_MAX_STEPS, what, n),
				 errdetail("Each %s is one step of the funnel; a step set is kept in 32 bits.", element),
				 errhint("Pass between 1 and %d %s.", CQ_FUNNEL_MAX_STEPS, plural)));
	return n;
}

/*
 * The steps of one row: their count (checked, 1 .. 32) and, unless one of
 * them is NULL (then false: the row is skipped), the mask of true steps.
 */
static bool
steps_mask(ArrayType *arr, int *nsteps, uint32 *mask)
{
	int			n = step_array_length(arr, BOOLOID, "steps", "condition", "boolean conditions");

	*nsteps = n;
	return cq_bool_array_mask(arr, n, mask);
}

/*
 * The event argument of the event-name form is compared as text.  A value
 * of another type that reached it through an implicit cast has an equality
 * of its own (citext ignores case, char(n) trailing spaces), which the names
 * would silently not follow: refuse it.  An explicit cast to text says the
 * caller wants text comparison; varchar and domains over text compare as
 * text anyway.
 */
static void
check_event_expr(Node *expr)
{
	Node	   *from_expr = NULL;
	Oid			from;

	if (IsA(expr, RelabelType) &&
		((RelabelType *) expr)->relabelformat == COERCE_IMPLICIT_CAST)
		from_expr = (Node *) ((RelabelType *) expr)->arg;
	else if (IsA(expr, FuncExpr) &&
			 ((FuncExpr *) expr)->funcformat == COERCE_IMPLICIT_CAST &&
			 ((FuncExpr *) expr)->args != NIL)
		from_expr = (Node *) linitial(((FuncExpr *) expr)->args);
	else if (IsA(expr, CoerceViaIO) &&
			 ((CoerceViaIO *) expr)->coerceformat == COERCE_IMPLICIT_CAST)
		from_expr = (Node *) ((CoerceViaIO *) expr)->arg;
	if (from_expr == NULL)
		return;
	from = getBaseType(exprType(from_expr));
	if (from == TEXTOID || from == VARCHAROID)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("the event-name form of the funnel compares text, not %s", format_type_be(from)),
			 errdetail("The event is cast to text, so the equality of type %s would not apply to the step names.",
					   format_type_be(from)),
			 errhint("Write the event as event::text to compare it as text, or pass conditions such as event = 'name'.")));
}

/*
 * Does aggregate aggfn use transition function transfn?
 */
static bool
aggregate_has_transfn(Oid aggfn, Oid transfn)
{
	HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfn));
	bool		res;

	if (!HeapTupleIsValid(tup))
		return false;
	res = ((Form_pg_aggregate) GETSTRUCT(tup))->aggtransfn == transfn;
	ReleaseSysCache(tup);
	return res;
}

/*
 * check_event_expr on the event argument (transition argument event_arg)
 * wherever the call comes from.  A transition function's own argument
 * expressions are placeholders, so look at the caller's: the Aggref of an
 * aggregate; every WindowFunc of a window node that runs this transition
 * function; the FuncExpr of a direct call.
 */
static void
check_event_arg(FunctionCallInfo fcinfo, int event_arg)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	Node	   *fn_expr = fcinfo->flinfo->fn_expr;

	if (aggref)
	{
		/* aggregate argument i is transition argument i + 1 */
		if (list_length(aggref->args) >= event_arg)
			check_event_expr((Node *) ((TargetEntry *) list_nth(aggref->args, event_arg - 1))->expr);
	}
	else if (fcinfo->context && IsA(fcinfo->context, WindowAggState))
	{
		ListCell   *lc;

		foreach(lc, ((WindowAggState *) fcinfo->context)->funcs)
		{
			WindowFunc *wf = ((WindowFuncExprState *) lfirst(lc))->wfunc;

			if (list_length(wf->args) >= event_arg &&
				aggregate_has_transfn(wf->winfnoid, fcinfo->flinfo->fn_oid))
				check_event_expr((Node *) list_nth(wf->args, event_arg - 1));
		}
	}
	else if (fn_expr && IsA(fn_expr, FuncExpr) &&
			 list_length(((FuncExpr *) fn_expr)->args) > event_arg)
		check_event_expr((Node *) list_nth(((FuncExpr *) fn_expr)->args, event_arg));
}

/*
 * Learn once per call site how the steps arrive: as one boolean[] (the
 * VARIADIC form) or as separate booleans (the fixed-arity forms for 1 to 8
 * steps, which spare the executor building an array per row); and, for
 * window_funnel, whether argument 2 is the mode.
 */
static void
learn_arg_kinds(FunctionCallInfo fcinfo, FunnelArgCache *cache, int first_step)
{
	if (cache->have_kinds)
		return;
	cache->has_mode = get_fn_expr_argtype(fcinfo->flinfo, 2) == TEXTOID;
	cache->separate_steps = get_fn_expr_argtype(fcinfo->flinfo, first_step) == BOOLOID;
	cache->names_form = get_fn_expr_argtype(fcinfo->flinfo, first_step) == TEXTOID;
	if (cache->names_form)
	{
		Aggref	   *aggref = AggGetAggref(fcinfo);

		check_event_arg(fcinfo, first_step);

		/*
		 * Is the names array a constant of the query (the usual literal
		 * list)?  Then its Datum identifies it on later rows.  Inside an
		 * aggregate, the aggregate's argument says (see check_event_arg).
		 */
		if (aggref && list_length(aggref->args) > first_step)
			cache->names_stable =
				IsA(((TargetEntry *) list_nth(aggref->args, first_step))->expr, Const);
		else
			cache->names_stable = get_fn_expr_arg_stable(fcinfo->flinfo, first_step + 1);
		/* texteq compares bytes unless the collation is nondeterministic */
		cache->bytewise = !OidIsValid(PG_GET_COLLATION()) ||
			get_collation_isdeterministic(PG_GET_COLLATION());
	}
	cache->have_kinds = true;
}

/*
 * The step names of the event-name form (argument argno, text[]): parsed
 * once per distinct array, checked like boolean steps (1 to 32, one
 * dimension) and with no NULL name.
 */
static const FunnelNames *
cached_names(FunctionCallInfo fcinfo, FunnelArgCache *cache, int argno)
{
	Datum		d = PG_GETARG_DATUM(argno);
	FunnelNames *nm = cache->names;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (nm && cache->names_stable && d == nm->datum)
		return nm;
	arr = DatumGetArrayTypeP(d);
	if (nm && VARSIZE(arr) == nm->arr_size && memcmp(arr, nm->arr, nm->arr_size) == 0)
	{
		nm->datum = d;
		return nm;
	}

	n = step_array_length(arr, TEXTOID, "step names", "event name", "event names");
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("step names must not be NULL"),
				 errdetail("A step fires when the row's event equals its name; a NULL name would never fire."),
				 errhint("Pass one event name per step.")));

	if (nm == NULL)
		nm = cache->names = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FunnelNames));
	else if (nm->arr)
		pfree(nm->arr);
	nm->arr_size = VARSIZE(arr);
	nm->arr = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, nm->arr_size);
	memcpy(nm->arr, arr, nm->arr_size);
	nm->datum = d;
	nm->n = n;
	deconstruct_array(nm->arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int k = 0; k < n; k++)
	{
		/* elements of an array in memory are never toasted, only short */
		text	   *t = (text *) DatumGetPointer(elems[k]);

		nm->len[k] = VARSIZE_ANY_EXHDR(t);
		nm->name[k] = VARDATA_ANY(t);
		nm->text_datum[k] = elems[k];
	}
	return nm;
}

/*
 * Do the len bytes at a and b match?  Inlined for the short strings event
 * names are (a call to memcmp per step and row costs more than the loop).
 */
static inline bool
bytes_equal(const char *a, const char *b, int len)
{
	for (; len >= 8; a += 8, b += 8, len -= 8)
	{
		uint64		x,
					y;

		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	for (; len > 0; a++, b++, len--)
		if (*a != *b)
			return false;
	return true;
}

/*
 * The steps of one row of the event-name form: argument `first` is the
 * row's event, argument first+1 the step names; step k fires when the
 * event equals name k under the call's collation (names may repeat: then
 * one row fires several steps).  False when the row must be skipped: a
 * NULL event, as a NULL boolean step would be.
 */
static bool
names_row_mask(FunctionCallInfo fcinfo, FunnelArgCache *cache, int first, int *nsteps,
			   uint32 *mask)
{
	const FunnelNames *nm;
	text	   *ev;
	const char *p;
	int			len;
	uint32		m = 0;

	if (PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("step names must not be NULL"),
				 errdetail("The names define the funnel's steps."),
				 errhint("Pass one event name per step.")));
	nm = cached_names(fcinfo, cache, first + 1);
	*nsteps = nm->n;
	if (PG_ARGISNULL(first))
		return false;
	/* (PG_GETARG_TEXT_PP would cost a call per row for the common plain value) */
	ev = (text *) DatumGetPointer(PG_GETARG_DATUM(first));
	if (VARATT_IS_EXTERNAL(ev) || VARATT_IS_COMPRESSED(ev))
		ev = PG_GETARG_TEXT_PP(first);
	if (!cache->bytewise)
	{
		for (int k = 0; k < nm->n; k++)
			if (DatumGetBool(DirectFunctionCall2Coll(texteq, PG_GET_COLLATION(),
													 PointerGetDatum(ev), nm->text_datum[k])))
				m |= ((uint32) 1) << k;
		*mask = m;
		return true;
	}
	p = VARDATA_ANY(ev);
	len = VARSIZE_ANY_EXHDR(ev);
	for (int k = 0; k < nm->n; k++)
		if (nm->len[k] == len && bytes_equal(nm->name[k], p, len))
			m |= ((uint32) 1) << k;
	*mask = m;
	return true;
}

/*
 * The steps of one row, from argument `first` on, in either form (see
 * learn_arg_kinds): false when the row must be skipped (a NULL step or a
 * NULL steps array).
 */
static bool
row_steps(FunctionCallInfo fcinfo, FunnelArgCache *cache, int first, int *nsteps, uint32 *mask)
{
	if (cache->separate_steps)
	{
		int			n = PG_NARGS() - first;
		uint32		m = 0;
		int			i;

		if (n < 1 || n > CQ_FUNNEL_MAX_STEPS)
			elog(ERROR, "funnel transition called with %d step arguments", n);
		*nsteps = n;
		for (i = 0; i < n; i++)
		{
			if (PG_ARGISNULL(first + i))
				return false;
			if (PG_GETARG_BOOL(first + i))
				m |= ((uint32) 1) << i;
		}
		*mask = m;
		return true;
	}
	if (cache->names_form)
		return names_row_mask(fcinfo, cache, first, nsteps, mask);
	if (PG_ARGISNULL(first))
		return false;
	return steps_mask(PG_GETARG_ARRAYTYPE_P(first), nsteps, mask);
}

/*
 * The state argument argno of a transition or combine function, ready to
 * be modified: in an aggregate it is the aggregate's own state (detoasting
 * only ever copies), called directly it is a copy.
 */
static FunnelState *
state_for_update(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	FunnelState *st = (FunnelState *) (VARATT_IS_EXTENDED(raw) ? pg_detoast_datum(raw) : raw);

	if (!AggCheckCallContext(fcinfo, NULL) &&
		(Pointer) st == DatumGetPointer(PG_GETARG_DATUM(argno)))
	{
		FunnelState *copy = palloc(VARSIZE(st));

		memcpy(copy, st, VARSIZE(st));
		st = copy;
	}
	return st;
}

/*
 * A state argument to read (never modified), with its sanity checked.
 */
static FunnelState *
state_for_read(FunctionCallInfo fcinfo, int argno)
{
	FunnelState *st = (FunnelState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

	if (VARSIZE(st) < FUNNEL_STATE_HDRSZ || st->version != CQ_FUNNEL_STATE_VERSION ||
		st->nsteps < 1 || st->nsteps > CQ_FUNNEL_MAX_STEPS || st->nevents < 0 ||
		st->nevents > st->capacity || VARSIZE(st) < FUNNEL_SIZE_AS(st, st->capacity) ||
		((st->flags & FUNNEL_PACKED) && st->nsteps > FUNNEL_PACK_MAX_STEPS))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted cq.funnel_state value"),
				 errdetail("The value has version %d, %d steps and %d events in %u bytes.",
						   st->version, st->nsteps, st->nevents, (unsigned) VARSIZE(st)),
				 errhint("Rebuild the state with cq.funnel_events.")));
	return st;
}

/*
 * A sorted wide view of st for the scan: st itself when already sorted and
 * wide, else a canonical copy (the caller's value is never changed).
 */
static const FunnelState *
sorted_view(const FunnelState *st)
{
	if ((st->flags & (FUNNEL_SORTED | FUNNEL_PACKED)) == FUNNEL_SORTED)
		return st;
	return cq_funnel_state_compact(st);
}

/*
 * Read an exclusions argument (int[]: one [condition, from_step, to_step]
 * triple, or a two-dimensional array of them) into p.  Excluded conditions
 * must be the last conditions of the state; the others are the funnel's
 * steps, so p->nsteps shrinks accordingly.
 */
static void
read_exclusions(ArrayType *arr, int nconds, FunnelParams *p)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	uint32		conds = 0;
	int			nexcl;

	if (ARR_ELEMTYPE(arr) != INT4OID)
		elog(ERROR, "exclusions array has element type %u, not integer", ARR_ELEMTYPE(arr));
	deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		return;
	if (!((ARR_NDIM(arr) == 1 && n == 3) || (ARR_NDIM(arr) == 2 && ARR_DIMS(arr)[1] == 3)) ||
		n / 3 > CQ_FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel exclusions must be [condition, from_step, to_step] triples"),
				 errdetail("Got an array of %d dimensions and %d elements.", ARR_NDIM(arr), n),
				 errhint("Pass ARRAY[4, 1, 3] for one exclusion, ARRAY[[4, 1, 3], [5, 2, 3]] for several, '{}' for none.")));
	for (i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel exclusions must not contain NULL"),
					 errdetail("Each exclusion names a condition and two steps."),
					 errhint("Pass '{}' for no exclusion.")));
	for (i = 0; i < n / 3; i++)
	{
		int			c = DatumGetInt32(elems[3 * i]);

		if (c < 2 || c > nconds)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel exclusion names condition %d of a state with %d conditions", c, nconds),
					 errdetail("An excluded event is one of the conditions given to cq.funnel_events, after the steps."),
					 errhint("List excluded events after the steps in cq.funnel_events.")));
		conds |= ((uint32) 1) << (c - 1);
	}
	nexcl = pg_popcount32(conds);
	p->nsteps = nconds - nexcl;
	for (i = 0; i < n / 3; i++)
	{
		int			c = DatumGetInt32(elems[3 * i]);
		int			from = DatumGetInt32(elems[3 * i + 1]);
		int			to = DatumGetInt32(elems[3 * i + 2]);

		if (c <= p->nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("excluded condition %d comes before step %d", c, p->nsteps),
					 errdetail("Conditions 1 to %d are the steps, so the excluded events must be conditions %d to %d.",
							   p->nsteps, p->nsteps + 1, nconds),
					 errhint("List excluded events after the steps in cq.funnel_events.")));
		if (from < 1 || to <= from || to > p->nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel exclusion between steps %d and %d is not valid for %d steps", from, to, p->nsteps),
					 errdetail("The excluded event must fall between two steps: 1 <= from_step < to_step <= %d.", p->nsteps),
					 errhint("Pass [condition, from_step, to_step], for example ARRAY[4, 1, 3].")));
		p->exclusions[i].cond = c;
		p->exclusions[i].from = from;
		p->exclusions[i].to = to;
	}
	p->nexclusions = n / 3;
}

/*
 * Read a window (interval) or windows (interval[]) argument, an optional
 * mode argument (mode_arg < 0: none, i.e. '') and optional exclusions
 * (excl_arg < 0: none) into p, checked against the state's conditions.
 * NULL arguments are errors (the accessors are strict, so only the report
 * aggregate gets here with them).
 */
static void
read_params(FunctionCallInfo fcinfo, int window_arg, int mode_arg, int excl_arg,
			const FunnelState *st, FunnelParams *p)
{
	Oid			wtype = get_fn_expr_argtype(fcinfo->flinfo, window_arg);

	memset(p, 0, sizeof(FunnelParams));
	p->nsteps = st->nsteps;
	if (PG_ARGISNULL(window_arg) || (mode_arg >= 0 && PG_ARGISNULL(mode_arg)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window and mode of a funnel must not be NULL"),
				 errdetail("They set the rule the events are read with."),
				 errhint("Pass a window such as interval '1 day' and a mode such as '' or 'strict_order'.")));
	if (mode_arg >= 0)
	{
		text	   *mode = PG_GETARG_TEXT_PP(mode_arg);

		p->mode = cq_funnel_parse_mode(VARDATA_ANY(mode), VARSIZE_ANY_EXHDR(mode));
	}
	if (excl_arg >= 0)
	{
		if (PG_ARGISNULL(excl_arg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel exclusions must not be NULL"),
					 errdetail("NULL would leave the excluded events undefined."),
					 errhint("Pass '{}' for no exclusion.")));
		read_exclusions(PG_GETARG_ARRAYTYPE_P(excl_arg), st->nsteps, p);
	}
	if (wtype == INTERVALOID)
		p->window = cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(window_arg), "window");
	else
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(window_arg);
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;

		if (ARR_ELEMTYPE(arr) != INTERVALOID)
			elog(ERROR, "windows array has element type %u, not interval", ARR_ELEMTYPE(arr));
		deconstruct_array(arr, INTERVALOID, 16, false, TYPALIGN_DOUBLE, &elems, &nulls, &n);
		if (ARR_NDIM(arr) > 1 || n != p->nsteps - 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a funnel of %d steps needs %d per-step windows, not %d",
							p->nsteps, p->nsteps - 1, n),
					 errdetail("windows[i] limits the time from step i to step i+1 (excluded events are not steps)."),
					 errhint("Pass a one-dimensional interval array with one element per step transition.")));
		for (i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("per-step window %d is NULL", i + 1),
						 errdetail("Each step transition needs a limit."),
						 errhint("Use a very long interval such as '100 years' for no limit.")));
			p->windows[i] = cq_funnel_window_usecs(DatumGetIntervalP(elems[i]), "window");
		}
		p->per_step = true;
	}
}

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
	PG_RETURN_CSTRING(cq_funnel_state_to_text(state_for_read(fcinfo, 0)));
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
	cq_funnel_state_send(&buf, state_for_read(fcinfo, 0));
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

/*
 * window_funnel's transition for its commonest row: inside an aggregate,
 * no mode argument, no NULL time or step, the group's packed state made
 * already with this row's window and step count, and room in it.  Appends
 * the row (or skips it when it matches no step) and returns true;
 * otherwise returns false, changing nothing, and the general path handles
 * and checks the row.  Saves a third of the transition's time.
 */
static inline bool
window_funnel_fast_row(FunctionCallInfo fcinfo, FunnelArgCache *cache)
{
	FunnelState *st;
	const Interval *w;
	int			nsteps;
	uint32		mask;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || !cache->have_window)
		return false;
	/* the aggregate's own state: never toasted */
	st = (FunnelState *) DatumGetPointer(PG_GETARG_DATUM(0));
	w = PG_GETARG_INTERVAL_P(1);
	if (!(st->flags & FUNNEL_PACKED) ||
		w->time != cache->window.time || w->day != cache->window.day ||
		w->month != cache->window.month || st->window != cache->window_us)
		return false;
	if (!row_steps(fcinfo, cache, 3, &nsteps, &mask) || nsteps != st->nsteps)
		return false;
	if (mask == 0)
		return true;			/* matches no step: without a mode, not kept */
	return cq_funnel_packed_append(st, PG_GETARG_INT64(2), mask);
}

/*
 * window_funnel_transfn(state, window interval, [mode text,] ts, steps bool[] | bool, ...)
 *		Transition of cq.window_funnel (every overload: timestamptz and
 *		timestamp alike, both are microseconds; steps as a VARIADIC array or
 *		as 1 to 8 separate booleans).  The window and the mode
 *		must not be NULL and are kept in the state for the final function.
 *		Rows with a NULL time or step are skipped; rows satisfying no step
 *		are kept only in strict_order mode, where they break chains.
 */
PG_FUNCTION_INFO_V1(window_funnel_transfn);
Datum
window_funnel_transfn(PG_FUNCTION_ARGS)
{
	FunnelArgCache *cache = arg_cache(fcinfo);
	bool		has_mode;
	int			tsarg;
	int64		window;
	uint32		mode = 0;
	int			nsteps;
	uint32		mask;
	FunnelState *st;

	if (cache->fast_rows && window_funnel_fast_row(fcinfo, cache))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	if (!cache->have_kinds)
	{
		bool		mode_arg = get_fn_expr_argtype(fcinfo->flinfo, 2) == TEXTOID;

		learn_arg_kinds(fcinfo, cache, mode_arg ? 4 : 3);
		cache->fast_rows = !cache->has_mode && AggCheckCallContext(fcinfo, NULL);
	}
	has_mode = cache->has_mode;
	tsarg = has_mode ? 3 : 2;

	if (PG_ARGISNULL(1) || (has_mode && PG_ARGISNULL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window and mode of cq.window_funnel must not be NULL"),
				 errdetail("They set the rule of the whole group."),
				 errhint("Pass a window such as '1 day' and a mode such as '' or 'strict_order'.")));
	window = cached_window(cache, PG_GETARG_INTERVAL_P(1));
	if (has_mode)
		mode = cached_mode(fcinfo, cache, PG_GETARG_TEXT_PP(2));

	if (!row_steps(fcinfo, cache, tsarg + 1, &nsteps, &mask) ||
		PG_ARGISNULL(tsarg) ||
		(mask == 0 && !(mode & FUNNEL_STRICT_ORDER)))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	if (PG_ARGISNULL(0))
	{
		st = cq_funnel_state_new_accumulator(nsteps, CurrentMemoryContext);
		st->flags |= FUNNEL_HAS_PARAMS;
		st->window = window;
		st->mode = mode;
	}
	else
	{
		st = state_for_update(fcinfo, 0);
		if (st->nsteps != nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cq.window_funnel got %d steps after %d", nsteps, st->nsteps),
					 errdetail("Every row of a group must pass the same number of steps."),
					 errhint("Pass the same list of conditions on every row.")));
		if (st->window != window || st->mode != mode)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("window and mode of cq.window_funnel must be the same for every row of a group"),
					 errdetail("They set the rule of the whole group."),
					 errhint("Pass constants, or values that depend only on the grouping columns.")));
	}
	st = cq_funnel_state_add(st, PG_GETARG_INT64(tsarg), mask, CurrentMemoryContext);
	PG_RETURN_POINTER(st);
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
	FunnelState *st;
	FunnelParams p;

	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	st = state_for_read(fcinfo, 0);
	if (!(st->flags & FUNNEL_SORTED) && AggCheckCallContext(fcinfo, NULL))
	{
		/*
		 * Sorting the aggregate's own state in place changes no meaning
		 * (rows have no identity beyond (ts, mask)) and saves a copy.
		 */
		cq_funnel_state_sort(st);
	}
	if ((st->flags & (FUNNEL_SORTED | FUNNEL_PACKED)) == (FUNNEL_SORTED | FUNNEL_PACKED) &&
		st->mode == 0)
		PG_RETURN_INT32(cq_funnel_packed_stage(st, st->window));

	/* (only the fields one window without exclusions reads: p is large) */
	p.nsteps = st->nsteps;
	p.mode = st->mode;
	p.per_step = false;
	p.window = st->window;
	p.nexclusions = 0;
	PG_RETURN_INT32(cq_funnel_scan(sorted_view(st), &p, NULL));
}

/*
 * funnel_events_transfn(state, ts timestamptz, steps bool[])
 *		Transition of cq.funnel_events: every row with a time and no NULL
 *		step is kept, including rows satisfying no step (strict_order
 *		readers need their times).
 */
PG_FUNCTION_INFO_V1(funnel_events_transfn);
Datum
funnel_events_transfn(PG_FUNCTION_ARGS)
{
	FunnelArgCache *cache = arg_cache(fcinfo);
	int			nsteps;
	uint32		mask;
	FunnelState *st;

	learn_arg_kinds(fcinfo, cache, 2);
	if (!row_steps(fcinfo, cache, 2, &nsteps, &mask) || PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		st = cq_funnel_state_new_accumulator(nsteps, CurrentMemoryContext);
	else
	{
		st = state_for_update(fcinfo, 0);
		if (st->nsteps != nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cq.funnel_events got %d steps after %d", nsteps, st->nsteps),
					 errdetail("Every row of a group must pass the same number of steps."),
					 errhint("Pass the same list of conditions on every row.")));
	}
	st = cq_funnel_state_add(st, PG_GETARG_TIMESTAMPTZ(1), mask, CurrentMemoryContext);
	PG_RETURN_POINTER(st);
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
	FunnelState *st;
	FunnelState *other;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	other = state_for_read(fcinfo, 1);
	if (PG_ARGISNULL(0))
	{
		/* adopt a copy of the other side (the executor moves it into the
		 * aggregate context) */
		st = palloc(VARSIZE(other));
		memcpy(st, other, VARSIZE(other));
		PG_RETURN_POINTER(st);
	}
	st = state_for_update(fcinfo, 0);
	PG_RETURN_POINTER(cq_funnel_state_merge(st, other, CurrentMemoryContext));
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
	PG_RETURN_POINTER(cq_funnel_state_compact(state_for_read(fcinfo, 0)));
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------
 */

/*
 * funnel_stage(state, window interval | windows interval[], mode text) returns int
 *		The stage the state's rows reach: with one window, what
 *		cq.window_funnel(window, mode, ...) returns on the same rows; with
 *		per-step windows, windows[i] limits the time from step i to i+1.
 */
PG_FUNCTION_INFO_V1(funnel_stage);
Datum
funnel_stage(PG_FUNCTION_ARGS)
{
	const FunnelState *st = state_for_read(fcinfo, 0);
	FunnelParams p;

	read_params(fcinfo, 1, 2, PG_NARGS() > 3 ? 3 : -1, st, &p);
	PG_RETURN_INT32(cq_funnel_scan(sorted_view(st), &p, NULL));
}

/*
 * funnel_step_times(state, window | windows, mode) returns timestamptz[]
 *		The time of each step of the first chain that reached the stage
 *		funnel_stage reports (an empty array for stage 0).
 */
PG_FUNCTION_INFO_V1(funnel_step_times);
Datum
funnel_step_times(PG_FUNCTION_ARGS)
{
	const FunnelState *st = state_for_read(fcinfo, 0);
	FunnelParams p;
	int64		times[CQ_FUNNEL_MAX_STEPS];
	Datum		elems[CQ_FUNNEL_MAX_STEPS];
	int			level,
				i;

	read_params(fcinfo, 1, 2, PG_NARGS() > 3 ? 3 : -1, st, &p);
	level = cq_funnel_scan(sorted_view(st), &p, times);
	for (i = 0; i < level; i++)
		elems[i] = TimestampTzGetDatum(times[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, level, TIMESTAMPTZOID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ------------------------------------------------------------------------
 * Funnel report
 * ------------------------------------------------------------------------
 */

/*
 * funnel_report_transfn(report, state, window | windows [, mode])
 *		Transition of cq.funnel_report: reads one user's state like
 *		cq.funnel_step_times and adds the user to the report state (one
 *		event per step reached: time from the previous step, step).  NULL
 *		user states are skipped; every user state must count the same steps.
 */
PG_FUNCTION_INFO_V1(funnel_report_transfn);
Datum
funnel_report_transfn(PG_FUNCTION_ARGS)
{
	const FunnelState *user;
	FunnelState *rep;
	FunnelParams p;
	int64		times[CQ_FUNNEL_MAX_STEPS];
	int			level;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	user = state_for_read(fcinfo, 1);
	read_params(fcinfo, 2, PG_NARGS() > 3 ? 3 : -1, -1, user, &p);
	level = cq_funnel_scan(sorted_view(user), &p, times);

	if (PG_ARGISNULL(0))
		rep = cq_funnel_state_new(user->nsteps, FUNNEL_INITIAL_CAPACITY, CurrentMemoryContext);
	else
	{
		rep = state_for_update(fcinfo, 0);
		if (rep->nsteps != user->nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cq.funnel_report got a funnel of %d steps after %d",
							user->nsteps, rep->nsteps),
					 errdetail("One report covers one funnel: every state must count the same steps."),
					 errhint("Report each funnel definition separately.")));
	}
	PG_RETURN_POINTER(cq_funnel_report_add(rep, times, level, CurrentMemoryContext));
}

/*
 * Microseconds (percentile_cont result) as an interval, rounded to the
 * microsecond.
 */
static Datum
usecs_interval(double us)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = (int64) rint(us);
	return IntervalPGetDatum(iv);
}

/*
 * funnel_report_finalfn(report) returns cq.funnel_step_report[]
 *		One element per step: step, users reaching it, conversion from the
 *		previous step (NULL for step 1) and from step 1, and the median and
 *		90th percentile (percentile_cont) of the time from the previous
 *		step (NULL for step 1 and for steps nobody reached).  NULL when no
 *		user state was aggregated.
 */
PG_FUNCTION_INFO_V1(funnel_report_finalfn);
Datum
funnel_report_finalfn(PG_FUNCTION_ARGS)
{
	const FunnelState *rep;
	FunnelStepReport steps[CQ_FUNNEL_MAX_STEPS];
	Datum		elems[CQ_FUNNEL_MAX_STEPS];
	Oid			arraytype,
				rowtype;
	TupleDesc	tupdesc;
	int			k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	rep = sorted_view(state_for_read(fcinfo, 0));
	cq_funnel_report_compute(rep, steps);

	arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	rowtype = OidIsValid(arraytype) ? get_element_type(arraytype) : InvalidOid;
	if (!OidIsValid(rowtype))
		elog(ERROR, "cannot determine the row type of cq.funnel_report");
	tupdesc = TypeGetTupleDesc(rowtype, NIL);
	if (tupdesc->natts != 6)
		elog(ERROR, "cq.funnel_step_report has %d columns, expected 6", tupdesc->natts);

	for (k = 1; k <= rep->nsteps; k++)
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
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, rep->nsteps, rowtype, -1, false,
										  TYPALIGN_DOUBLE));
}
