/*-------------------------------------------------------------------------
 *
 * funnel_args.c
 *	  Reading the arguments of the funnel functions: the steps of a row, the
 *	  window, the mode, per-step windows and exclusions.
 *
 * A transition function learns how its steps arrive from its declared
 * signature (fn_oid): separate booleans, one boolean[], or an event (text)
 * with a text[] of step names, as the 1.0 forms declare them.  Only the
 * VARIADIC "any" forms of 1.1 leave the types open; those are read from the
 * call expression, once per call site, and type-checked there.  Without a
 * call expression (a caller that gives none, such as a worker of a
 * distributed engine running the transition alone) a VARIADIC "any" form is
 * a clean error, never a guess.
 *
 * What a call site passes (the steps' form, the parsed window, mode and
 * step names) is kept in fn_extra, so a row costs comparisons, not parses.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_aggregate.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* How the steps of a row arrive */
typedef enum FunnelStepsForm
{
	FUNNEL_STEPS_BOOLS,			/* one boolean argument per step */
	FUNNEL_STEPS_BOOL_ARRAY,	/* one boolean[] */
	FUNNEL_STEPS_NAMES			/* an event (text) and the step names */
} FunnelStepsForm;

/* One step name, as text and as bytes (into text) */
typedef struct FunnelName
{
	text	   *text;			/* a copy in fn_mcxt */
	const char *bytes;
	int			len;
} FunnelName;

struct FunnelCallArgs
{
	/* what the call site passes, learned once */
	bool		has_mode;		/* cq.window_funnel: argument 2 is the mode */
	int			ts_arg;
	int			first;			/* the first step, or the event */
	FunnelStepsForm form;
	bool		fast;			/* cq.window_funnel without mode, in an aggregate */

	/* FUNNEL_STEPS_NAMES: the event, then the names as one text[] */
	bool		names_stable;	/* the names are constants of the query */
	bool		bytewise;		/* the collation compares bytes */
	Oid			collation;
	bool		have_names;
	ArrayType  *names_copy;		/* the names argument last parsed */
	int			nnames;
	FunnelName	names[CQ_FUNNEL_MAX_STEPS];

	/* the window and mode last seen */
	bool		have_window;
	Interval	window;
	int64		window_us;
	bool		have_mode;
	int			mode_len;
	char	   *mode_text;
	uint32		mode;
};

/* ------------------------------------------------------------------------
 * Shared checks
 * ------------------------------------------------------------------------
 */

/*
 * cq_funnel_check_step_count
 *		Every row (or state) of a group must count the same steps: fn got
 *		`now` after `before` (what: "steps" or "conditions").  The one place
 *		this invariant is checked.
 */
void
cq_funnel_check_step_count(const char *fn, const char *what, int before, int now)
{
	if (before != now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s got %d %s after %d", fn, now, what, before),
				 errdetail("Every row of a group must have the same number of %s.", what),
				 errhint("Aggregate the rows of one funnel definition together, with the same list of %s on every row.",
						 what)));
}

/*
 * The number of steps n of a row must be 1 .. 32: of boolean conditions
 * (names false) or of event names (names true).
 */
static void
check_nsteps(bool names, int n)
{
	if (n < 1 || n > CQ_FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel needs 1 to %d %s, not %d", CQ_FUNNEL_MAX_STEPS,
						names ? "step names" : "steps", n),
				 errdetail("Each %s is one step of the funnel; a step set is kept in 32 bits.",
						   names ? "event name" : "condition"),
				 errhint("Pass between 1 and %d %s.", CQ_FUNNEL_MAX_STEPS,
						 names ? "event names" : "boolean conditions")));
}

/*
 * The length of a one-dimensional steps array (element type checked by the
 * caller's signature), 1 .. 32.
 */
static int
step_array_length(ArrayType *arr, bool names)
{
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", names ? "step names" : "steps"),
				 errdetail("Each element is the %s of one step, in funnel order.",
						   names ? "event name" : "condition"),
				 errhint("Pass the %s as separate arguments, or as VARIADIC ARRAY[...].",
						 names ? "event names" : "boolean conditions")));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	check_nsteps(names, n);
	return n;
}

/*
 * cq_variadic_bool_count
 *		The length of a VARIADIC boolean[] argument of steps or conditions:
 *		a one-dimensional array of 1 to CQ_FUNNEL_MAX_STEPS elements, else
 *		22023 "<who> 1 to 32 <what>, got n" with a hint to pass them after
 *		the argument named `after`.  Shared by the 1.4 aggregates over rows
 *		(cq.window_funnel_by_key, cq.funnel_next_events, the sequence
 *		aggregates).
 */
int
cq_variadic_bool_count(ArrayType *arr, const char *who, const char *what, const char *after)
{
	int			n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];

	if (ARR_NDIM(arr) > 1 || n < 1 || n > CQ_FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s 1 to %d %s, got %d", who, CQ_FUNNEL_MAX_STEPS, what, n),
				 errhint("Pass the %s as separate boolean arguments after the %s.", what, after)));
	return n;
}

/*
 * cq_bool_array_mask
 *		The true elements of the first n elements of a one-dimensional
 *		boolean array as a bit mask (element i -> bit i, n <= 32).  Returns
 *		false, leaving *mask alone, when any of them is NULL.  The caller has
 *		checked the element type, the dimensions and n.  Shared by the funnel
 *		steps and cq.retention's conditions.
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

/* ------------------------------------------------------------------------
 * Learning the call site
 * ------------------------------------------------------------------------
 */

/* The SQL name of the aggregate a transition function serves */
static const char *
fn_name(bool has_window)
{
	return has_window ? "cq.window_funnel" : "cq.funnel_events";
}

/* The error for an event of a type with its own equality */
static void
refuse_event_type(Oid type)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("the event-name form of the funnel compares text, not %s", format_type_be(type)),
			 errdetail("The event is cast to text, so the equality of type %s would not apply to the step names.",
					   format_type_be(type)),
			 errhint("Write the event as event::text to compare it as text, or pass conditions such as event = 'name'.")));
}

/*
 * A typed event argument (declared text) may be a value of another type
 * that reached it through an implicit cast: refuse it.  citext and char(n)
 * have equalities of their own (case-insensitive, blank-padded) that names
 * compared as text would silently not follow.
 * An explicit cast to text says the caller wants text comparison.
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
	if (from != TEXTOID && from != VARCHAROID)
		refuse_event_type(from);
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
 * The caller's expression of transition argument argno, or NULL when there
 * is none to see: the Aggref of an aggregate (aggregate argument i is
 * transition argument i + 1), or the FuncExpr of a direct call.  (A window
 * node's transition functions get placeholders: see check_event_arg.)
 */
static Node *
caller_arg_expr(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	Node	   *fn_expr = fcinfo->flinfo->fn_expr;

	if (aggref)
		return list_length(aggref->args) >= argno ?
			(Node *) ((TargetEntry *) list_nth(aggref->args, argno - 1))->expr : NULL;
	if (fcinfo->context && IsA(fcinfo->context, WindowAggState))
		return NULL;
	if (fn_expr && IsA(fn_expr, FuncExpr) && list_length(((FuncExpr *) fn_expr)->args) > argno)
		return (Node *) list_nth(((FuncExpr *) fn_expr)->args, argno);
	return NULL;
}

/*
 * check_event_expr on the event argument (transition argument argno)
 * wherever the call comes from: an aggregate, a direct call, or every
 * WindowFunc of a window node that runs this transition function (the node
 * shares one transition function among all its calls of the aggregate).
 */
static void
check_event_arg(FunctionCallInfo fcinfo, int argno)
{
	Node	   *expr;

	if (!AggGetAggref(fcinfo) && fcinfo->context && IsA(fcinfo->context, WindowAggState))
	{
		ListCell   *lc;

		foreach(lc, ((WindowAggState *) fcinfo->context)->funcs)
		{
			WindowFunc *wf = ((WindowFuncExprState *) lfirst(lc))->wfunc;

			if (list_length(wf->args) >= argno &&
				aggregate_has_transfn(wf->winfnoid, fcinfo->flinfo->fn_oid))
				check_event_expr((Node *) list_nth(wf->args, argno - 1));
		}
		return;
	}
	expr = caller_arg_expr(fcinfo, argno);
	if (expr)
		check_event_expr(expr);
}

/*
 * Is transition argument argno a constant of the query?  Only a Const
 * counts: the Aggref's argument inside an aggregate (the transition's own
 * call expression holds placeholders), else the call expression's.  A
 * parameter does not (get_fn_expr_arg_stable would say yes): a PL/pgSQL
 * variable changes between calls of a cached expression, even in place.
 */
static bool
arg_is_constant(FunctionCallInfo fcinfo, int argno)
{
	Node	   *expr = caller_arg_expr(fcinfo, argno);

	return expr != NULL && IsA(expr, Const);
}

/*
 * The step form of a VARIADIC "any" call site, from the types of its
 * arguments first .. nargs-1 (known from the call expression only): separate
 * booleans, or one boolean[].  (Event names have their own typed form,
 * event text, VARIADIC steps text[], which the parser prefers for them.)
 */
static void
learn_any_steps(FunctionCallInfo fcinfo, FunnelCallArgs *a, bool has_window)
{
	int			n = PG_NARGS() - a->first;
	Oid			bad = InvalidOid;

	if (fcinfo->flinfo->fn_expr == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot learn the types of its VARIADIC \"any\" steps here", fn_name(has_window)),
				 errdetail("The caller runs the transition function without its call expression, which alone tells what the steps are."),
				 errhint("Pass the steps as one boolean array, ARRAY[...], or the event and its step names.")));
	for (int i = 0; i < n && !OidIsValid(bad); i++)
	{
		Oid			type = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, a->first + i));

		if (n == 1 && type == BOOLARRAYOID)
		{
			a->form = FUNNEL_STEPS_BOOL_ARRAY;
			return;
		}
		if (type != BOOLOID)
			bad = type;
	}
	if (!OidIsValid(bad))
	{
		check_nsteps(false, n);
		a->form = FUNNEL_STEPS_BOOLS;
		return;
	}
	if (bad == UNKNOWNOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("a step of %s has no type", fn_name(has_window)),
				 errdetail("A quoted literal or a bare NULL passed as a VARIADIC \"any\" step stays of type unknown."),
				 errhint("Write true, false or NULL::boolean, or cast the literal, as in 't'::boolean.")));
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s takes its steps as boolean conditions, not %s", fn_name(has_window),
					format_type_be(bad)),
			 errdetail("Each step is a condition such as event = 'view', or all steps are one boolean array."),
			 errhint("Pass conditions such as event = 'view', event = 'cart', or the event column followed by the step names: event, 'view', 'cart'.")));
}

/*
 * cq_funnel_learn_call_args
 *		The call site's argument reader (cq_funnel_call_args, funnel.h),
 *		learned on its first row: where the mode, the time and the steps
 *		are, from the declared signature (state, [window interval, [mode
 *		text,]] ts, steps...), and for VARIADIC "any" from the call
 *		expression.  has_window: a cq.window_funnel transition, else
 *		cq.funnel_events.  Kept in fn_extra.
 */
FunnelCallArgs *
cq_funnel_learn_call_args(FunctionCallInfo fcinfo, bool has_window)
{
	FunnelCallArgs *a;
	HeapTuple	tup;
	Form_pg_proc proc;
	int			nargs;
	Oid			types[FUNC_MAX_ARGS];
	Oid			variadic;

	a = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FunnelCallArgs));

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	nargs = proc->pronargs;
	memcpy(types, proc->proargtypes.values, nargs * sizeof(Oid));
	variadic = proc->provariadic;
	ReleaseSysCache(tup);

	a->ts_arg = 1;
	if (has_window)
	{
		a->has_mode = nargs > 2 && types[2] == TEXTOID;
		a->ts_arg = a->has_mode ? 3 : 2;
	}
	a->first = a->ts_arg + 1;

	if (variadic == ANYOID)
		learn_any_steps(fcinfo, a, has_window);
	else if (nargs == a->first + 1 && types[a->first] == BOOLARRAYOID)
		a->form = FUNNEL_STEPS_BOOL_ARRAY;
	else if (nargs == a->first + 2 && types[a->first] == TEXTOID &&
			 types[a->first + 1] == TEXTARRAYOID)
	{
		check_event_arg(fcinfo, a->first);
		a->form = FUNNEL_STEPS_NAMES;
		a->names_stable = arg_is_constant(fcinfo, a->first + 1);
	}
	else
	{
		for (int i = a->first; i < nargs; i++)
			if (types[i] != BOOLOID)
				elog(ERROR, "funnel transition function %u has an unexpected signature",
					 fcinfo->flinfo->fn_oid);
		check_nsteps(false, nargs - a->first);
		a->form = FUNNEL_STEPS_BOOLS;
	}
	if (a->form == FUNNEL_STEPS_NAMES)
	{
		a->collation = PG_GET_COLLATION();
		/* texteq compares bytes unless the collation is nondeterministic */
		a->bytewise = !OidIsValid(a->collation) ||
			get_collation_isdeterministic(a->collation);
	}
	a->fast = has_window && !a->has_mode && AggCheckCallContext(fcinfo, NULL);
	fcinfo->flinfo->fn_extra = a;
	return a;
}

/* Does the call site pass a mode (argument 2)? */
bool
cq_funnel_call_has_mode(const FunnelCallArgs *a)
{
	return a->has_mode;
}

/* The argument number of the call site's time */
int
cq_funnel_call_ts_arg(const FunnelCallArgs *a)
{
	return a->ts_arg;
}

/* ------------------------------------------------------------------------
 * The steps of a row
 * ------------------------------------------------------------------------
 */

/* Text argument argno, detoasted only when it must be */
static inline text *
text_arg(FunctionCallInfo fcinfo, int argno)
{
	/* (PG_GETARG_TEXT_PP would cost a call per row for the common plain value) */
	text	   *t = (text *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (VARATT_IS_EXTERNAL(t) || VARATT_IS_COMPRESSED(t))
		t = PG_GETARG_TEXT_PP(argno);
	return t;
}

/* Step names must not be NULL */
static void
refuse_null_names(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("step names must not be NULL"),
			 errdetail("A step fires when the row's event equals its name; a NULL name would never fire."),
			 errhint("Pass one event name per step.")));
}

/* Keep name k (len bytes at s) in the call site's cache */
static void
set_name(FunctionCallInfo fcinfo, FunnelCallArgs *a, int k, const char *s, int len)
{
	FunnelName *nm = &a->names[k];

	if (nm->text)
		pfree(nm->text);
	nm->text = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARHDRSZ + len);
	SET_VARSIZE(nm->text, VARHDRSZ + len);
	memcpy(VARDATA(nm->text), s, len);
	nm->bytes = VARDATA(nm->text);
	nm->len = len;
}

/*
 * The step names of the current row (the text[] after the event), parsed
 * when they are new: once per query for constants, else when they differ
 * from the last row's.  Checked like boolean steps (1 to 32, one
 * dimension), and no name may be NULL.
 */
static void
row_names(FunctionCallInfo fcinfo, FunnelCallArgs *a)
{
	int			names_arg = a->first + 1;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (PG_ARGISNULL(names_arg))
		refuse_null_names();
	arr = PG_GETARG_ARRAYTYPE_P(names_arg);
	if (a->have_names && VARSIZE(arr) == VARSIZE(a->names_copy) &&
		memcmp(arr, a->names_copy, VARSIZE(arr)) == 0)
		return;
	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "step names array has element type %u, not text", ARR_ELEMTYPE(arr));
	n = step_array_length(arr, true);
	if (array_contains_nulls(arr))
		refuse_null_names();
	if (a->names_copy)
		pfree(a->names_copy);
	a->names_copy = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(arr));
	memcpy(a->names_copy, arr, VARSIZE(arr));
	deconstruct_array(a->names_copy, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int k = 0; k < n; k++)
	{
		/* elements of an array in memory are never toasted, only short */
		text	   *t = (text *) DatumGetPointer(elems[k]);

		set_name(fcinfo, a, k, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	a->nnames = n;
	a->have_names = true;
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
 * The steps of one row of the event-name form: step k fires when the
 * row's event equals name k under the call's collation (names may repeat:
 * then one row fires several steps).  False when the row must be skipped: a
 * NULL event, as a NULL boolean step would be.
 */
pg_attribute_always_inline static bool
names_row_mask(FunctionCallInfo fcinfo, FunnelCallArgs *a, int *nsteps, uint32 *mask)
{
	text	   *ev;
	const char *p;
	int			len;
	uint32		m = 0;

	if (!(a->have_names && a->names_stable))
		row_names(fcinfo, a);
	*nsteps = a->nnames;
	if (PG_ARGISNULL(a->first))
		return false;
	ev = text_arg(fcinfo, a->first);
	if (!a->bytewise)
	{
		for (int k = 0; k < a->nnames; k++)
			if (DatumGetBool(DirectFunctionCall2Coll(texteq, a->collation, PointerGetDatum(ev),
													 PointerGetDatum(a->names[k].text))))
				m |= ((uint32) 1) << k;
		*mask = m;
		return true;
	}
	p = VARDATA_ANY(ev);
	len = VARSIZE_ANY_EXHDR(ev);
	for (int k = 0; k < a->nnames; k++)
		if (a->names[k].len == len && bytes_equal(a->names[k].bytes, p, len))
			m |= ((uint32) 1) << k;
	*mask = m;
	return true;
}

/*
 * The steps of the current row in the call site's form: their count (1 ..
 * 32) in *nsteps and the mask of those that hold.  False when the row must
 * be skipped (a NULL step, array or event).
 */
pg_attribute_always_inline static bool
row_steps(FunctionCallInfo fcinfo, FunnelCallArgs *a, int *nsteps, uint32 *mask)
{
	switch (a->form)
	{
		case FUNNEL_STEPS_BOOLS:
			{
				int			n = PG_NARGS() - a->first;
				uint32		m = 0;

				*nsteps = n;
				for (int i = 0; i < n; i++)
				{
					if (PG_ARGISNULL(a->first + i))
						return false;
					if (PG_GETARG_BOOL(a->first + i))
						m |= ((uint32) 1) << i;
				}
				*mask = m;
				return true;
			}
		case FUNNEL_STEPS_BOOL_ARRAY:
			{
				ArrayType  *arr;

				if (PG_ARGISNULL(a->first))
					return false;
				arr = PG_GETARG_ARRAYTYPE_P(a->first);
				if (ARR_ELEMTYPE(arr) != BOOLOID)
					elog(ERROR, "steps array has element type %u, not boolean", ARR_ELEMTYPE(arr));
				*nsteps = step_array_length(arr, false);
				return cq_bool_array_mask(arr, *nsteps, mask);
			}
		case FUNNEL_STEPS_NAMES:
			return names_row_mask(fcinfo, a, nsteps, mask);
	}
	return false;				/* keep the compiler quiet */
}

/*
 * cq_funnel_row_steps
 *		The steps of the current row (row_steps above), for the transition
 *		functions' general path.
 */
bool
cq_funnel_row_steps(FunctionCallInfo fcinfo, FunnelCallArgs *a, int *nsteps, uint32 *mask)
{
	return row_steps(fcinfo, a, nsteps, mask);
}

/*
 * cq_funnel_fast_row
 *		cq.window_funnel's transition for its commonest row, in one call: a
 *		call site without a mode, inside an aggregate, no NULL time or
 *		window, the window parsed on an earlier row, and the group's packed
 *		state ready for it (cq_funnel_state_fast_add), or a row matching no
 *		step, which is dropped unread.  True when the row is taken (the
 *		state, argument 0, is the result); false, changing nothing, when the
 *		general path must handle and check the row.
 */
bool
cq_funnel_fast_row(FunctionCallInfo fcinfo, FunnelCallArgs *a)
{
	const Interval *w;
	int			nsteps;
	uint32		mask;

	if (!a->fast || !a->have_window || PG_ARGISNULL(0) || PG_ARGISNULL(1) ||
		PG_ARGISNULL(a->ts_arg))
		return false;
	w = PG_GETARG_INTERVAL_P(1);
	if (w->time != a->window.time || w->day != a->window.day || w->month != a->window.month)
		return false;
	if (!row_steps(fcinfo, a, &nsteps, &mask))
		return false;
	/*
	 * Without a mode a row matching no step changes nothing, and the general
	 * path passes the state on without reading it either: do not touch the
	 * state here (on rows in random user order, reading it is a cache miss)
	 */
	if (mask == 0)
		return true;
	return cq_funnel_state_fast_add((FunnelState *) DatumGetPointer(PG_GETARG_DATUM(0)),
									a->window_us, nsteps, PG_GETARG_INT64(a->ts_arg), mask);
}

/* ------------------------------------------------------------------------
 * Window and mode
 * ------------------------------------------------------------------------
 */

/*
 * cq_funnel_window_usecs
 *		A window in microseconds: a day counts 24 hours and a month 30 days,
 *		as interval comparison does, so the window does not depend on the
 *		time zone.  Negative windows are errors; windows beyond the int64
 *		range are clamped (never reached).
 */
int64
cq_funnel_window_usecs(const Interval *window, const char *what)
{
	int64		total;
	int64		part;

	if (pg_mul_s64_overflow((int64) window->month, INT64CONST(30) * USECS_PER_DAY, &total) ||
		pg_mul_s64_overflow((int64) window->day, USECS_PER_DAY, &part) ||
		pg_add_s64_overflow(total, part, &total) ||
		pg_add_s64_overflow(total, window->time, &total))
	{
		/* only months or days can overflow: their sign decides */
		if (window->month != 0)
			total = window->month < 0 ? PG_INT64_MIN : PG_INT64_MAX;
		else
			total = window->day < 0 ? PG_INT64_MIN : PG_INT64_MAX;
	}
	if (total < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel %s must not be negative", what),
				 errdetail("A step counts when it occurs at most the window after the step the window is measured from."),
				 errhint("Use a positive interval such as '7 days'; '0' means the same instant.")));
	return total;
}

/*
 * cq_funnel_parse_mode
 *		Parse a mode: a comma-separated set of strict_deduplication,
 *		strict_order, strict_increase, strict_once and allow_reentry (spaces
 *		around names allowed, '' = default).  Unknown names, empty items and
 *		allow_reentry without strict_order are errors (22023).
 */
uint32
cq_funnel_parse_mode(const char *s, int len)
{
	static const struct
	{
		const char *name;
		uint32		flag;
	}			modes[] =
	{
		{"strict_deduplication", CQ_FUNNEL_STRICT_DEDUPLICATION},
		{"strict_order", CQ_FUNNEL_STRICT_ORDER},
		{"strict_increase", CQ_FUNNEL_STRICT_INCREASE},
		{"strict_once", CQ_FUNNEL_STRICT_ONCE},
		{"allow_reentry", CQ_FUNNEL_ALLOW_REENTRY},
	};
	uint32		mode = 0;
	int			pos = 0;
	bool		blank = true;
	CqCodecError e;

	for (int i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			blank = false;
	if (blank)
		return 0;

	while (pos <= len)
	{
		int			start = pos,
					end;
		bool		found = false;

		while (pos < len && s[pos] != ',')
			pos++;
		end = pos;
		pos++;					/* skip the comma (or step past the end) */
		while (start < end && (s[start] == ' ' || s[start] == '\t'))
			start++;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;

		for (int m = 0; m < (int) lengthof(modes); m++)
		{
			if ((int) strlen(modes[m].name) == end - start &&
				memcmp(modes[m].name, s + start, end - start) == 0)
			{
				mode |= modes[m].flag;
				found = true;
				break;
			}
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel mode \"%.*s\"", end - start, s + start),
					 (end - start == 6 && memcmp(s + start, "strict", 6) == 0) ?
					 errdetail("ClickHouse renamed mode strict to strict_deduplication.") :
					 errdetail("The mode is a comma-separated list of mode names."),
					 errhint("Use '' or a combination of strict_deduplication, strict_order, strict_increase, strict_once and allow_reentry.")));
	}
	/* the rule a stored state obeys (funnel_codec.c), raised as 22023 */
	if (!cq_funnel_check_params(0, mode, &e))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", e.message),
				 errdetail("%s", e.detail),
				 errhint("%s", e.hint)));
	return mode;
}

/*
 * cq_funnel_call_window
 *		The window argument in microseconds, parsed once per distinct value.
 */
int64
cq_funnel_call_window(FunnelCallArgs *a, const Interval *window)
{
	if (!a->have_window || memcmp(&a->window, window, sizeof(Interval)) != 0)
	{
		a->window_us = cq_funnel_window_usecs(window, "window");
		a->window = *window;
		a->have_window = true;
	}
	return a->window_us;
}

/*
 * cq_funnel_call_mode
 *		The mode argument as flags, parsed once per distinct value.
 */
uint32
cq_funnel_call_mode(FunctionCallInfo fcinfo, FunnelCallArgs *a, text *mode)
{
	int			len = VARSIZE_ANY_EXHDR(mode);

	if (!a->have_mode || a->mode_len != len ||
		memcmp(a->mode_text, VARDATA_ANY(mode), len) != 0)
	{
		a->mode = cq_funnel_parse_mode(VARDATA_ANY(mode), len);
		if (a->mode_text)
			pfree(a->mode_text);
		a->mode_text = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len + 1);
		memcpy(a->mode_text, VARDATA_ANY(mode), len);
		a->mode_len = len;
		a->have_mode = true;
	}
	return a->mode;
}

/* ------------------------------------------------------------------------
 * Reading parameters for the accessors and the report
 * ------------------------------------------------------------------------
 */

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
	int			n;
	uint32		conds = 0;

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
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel exclusions must not contain NULL"),
					 errdetail("Each exclusion names a condition and two steps."),
					 errhint("Pass '{}' for no exclusion.")));
	for (int i = 0; i < n / 3; i++)
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
	p->nsteps = nconds - pg_popcount32(conds);
	for (int i = 0; i < n / 3; i++)
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
 * Is argument argno of the running function declared interval[] (per-step
 * windows) rather than interval?  From the declared signature, cached in
 * fn_extra (the accessors and the report's transition use fn_extra for
 * nothing else).
 */
static bool
windows_declared(FunctionCallInfo fcinfo, int argno)
{
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
		Form_pg_proc proc;
		bool	   *per_step;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
		proc = (Form_pg_proc) GETSTRUCT(tup);
		per_step = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(bool));
		*per_step = argno < proc->pronargs && proc->proargtypes.values[argno] == INTERVALARRAYOID;
		ReleaseSysCache(tup);
		fcinfo->flinfo->fn_extra = per_step;
	}
	return *(bool *) fcinfo->flinfo->fn_extra;
}

/*
 * cq_funnel_read_params
 *		Read a window (interval) or windows (interval[]) argument, an
 *		optional mode argument (mode_arg < 0: none, i.e. '') and optional
 *		exclusions (excl_arg < 0: none) into p, for a state of nconds
 *		conditions.  NULL arguments are errors (the accessors are strict, so
 *		only the report aggregate gets here with them).
 */
void
cq_funnel_read_params(FunctionCallInfo fcinfo, int window_arg, int mode_arg, int excl_arg,
					  int nconds, FunnelParams *p)
{
	memset(p, 0, sizeof(FunnelParams));
	p->nsteps = nconds;
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
		read_exclusions(PG_GETARG_ARRAYTYPE_P(excl_arg), nconds, p);
	}
	if (!windows_declared(fcinfo, window_arg))
		p->window = cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(window_arg), "window");
	else
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(window_arg);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

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
		for (int i = 0; i < n; i++)
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
