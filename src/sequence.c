/*-------------------------------------------------------------------------
 *
 * sequence.c
 *	  SQL entry points of the sequence patterns (sequence.h):
 *
 *	  cq.sequence_match(state cq.funnel_state, pattern text) -> boolean
 *	  cq.sequence_count(state, pattern) -> bigint
 *	  cq.sequence_match_events(state, pattern) -> timestamptz[]
 *		read a stored funnel state (its conditions are the state's steps);
 *
 *	  the aggregates of the same names over (pattern text, ts timestamptz,
 *	  VARIADIC conditions boolean[]), as ClickHouse's sequenceMatch(pattern)
 *	  (ts, cond1, ...): their state is the pattern and the group's funnel
 *	  state, merged and serialized, so they run in parallel.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "sequence.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* What a result is wanted */
typedef enum SeqKind
{
	SEQ_MATCH,
	SEQ_COUNT,
	SEQ_EVENTS
} SeqKind;

/* CHECK_FOR_INTERRUPTS for the PostgreSQL-free matchers */
static void
seq_tick(void)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * seq_parse
 *		Parse a pattern for nconds conditions; a refusal is the caller's
 *		mistake (22023), with the position in the message.
 */
static void
seq_parse(text *pattern, int nconds, CqSeqPattern *p)
{
	CqCodecError e;

	if (!cq_seq_parse(VARDATA_ANY(pattern), VARSIZE_ANY_EXHDR(pattern), nconds, p, &e))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", e.message),
				 errdetail("%s", e.detail),
				 e.hint ? errhint("%s", e.hint) : 0));
}

/*
 * seq_result
 *		Run pattern over the rows of a sorted wide state: the Datum of kind
 *		(*isnull for nothing).  Too hard a search is 54000, as ClickHouse's
 *		TOO_SLOW.
 */
static Datum
seq_result(SeqKind kind, const FunnelState *st, text *pattern)
{
	CqSeqPattern *p = palloc(sizeof(CqSeqPattern));
	int32		nrows;
	const FunnelEvent *rows = cq_funnel_state_events(st, &nrows);
	CqFunnelEvent *ev = palloc_extended(sizeof(CqFunnelEvent) * Max(nrows, 1), MCXT_ALLOC_HUGE);
	int32		n;
	CqSeqStatus status;
	Datum		result = (Datum) 0;

	seq_parse(pattern, cq_funnel_state_nsteps(st), p);
	n = cq_seq_events(rows, nrows, ev);
	if (kind == SEQ_MATCH)
	{
		bool		matched;

		status = cq_seq_match(p, ev, n, seq_tick, &matched);
		result = BoolGetDatum(matched);
	}
	else if (kind == SEQ_COUNT)
	{
		int64		count;

		status = cq_seq_count(p, ev, n, seq_tick, &count);
		result = Int64GetDatum(count);
	}
	else
	{
		int32		idx[CQ_SEQ_MAX_ACTIONS];
		Datum		elems[CQ_SEQ_MAX_ACTIONS];
		int			nidx;

		status = cq_seq_match_events(p, ev, n, seq_tick, idx, &nidx);
		for (int i = 0; i < nidx; i++)
			elems[i] = TimestampTzGetDatum(ev[idx[i]].ts);
		result = PointerGetDatum(construct_array(elems, nidx, TIMESTAMPTZOID, sizeof(int64),
												 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	if (status == CQ_SEQ_TOO_HARD)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sequence pattern needs more than %d backtracking steps", CQ_SEQ_MAX_ITERATIONS),
				 errdetail("The group has %d events; patterns with .* or time conditions try every way to match them.", n),
				 errhint("Make the pattern more specific, or split the group (ClickHouse stops at the same limit).")));
	pfree(ev);
	pfree(p);
	return result;
}

/* ------------------------------------------------------------------------
 * Accessors over a stored state
 * ------------------------------------------------------------------------
 */

/*
 * sequence_match_state(state cq.funnel_state, pattern text) returns boolean
 *		Does the state's rows match the pattern (conditions = the state's
 *		steps)?
 */
PG_FUNCTION_INFO_V1(sequence_match_state);
Datum
sequence_match_state(PG_FUNCTION_ARGS)
{
	return seq_result(SEQ_MATCH, cq_funnel_state_arg(fcinfo, 0, false), PG_GETARG_TEXT_PP(1));
}

/*
 * sequence_count_state(state cq.funnel_state, pattern text) returns bigint
 *		How many non-overlapping matches.
 */
PG_FUNCTION_INFO_V1(sequence_count_state);
Datum
sequence_count_state(PG_FUNCTION_ARGS)
{
	return seq_result(SEQ_COUNT, cq_funnel_state_arg(fcinfo, 0, false), PG_GETARG_TEXT_PP(1));
}

/*
 * sequence_match_events_state(state cq.funnel_state, pattern text)
 *		returns timestamptz[]
 *		The times of the events the (?N) items of the first match matched
 *		(or of the longest partial chain).
 */
PG_FUNCTION_INFO_V1(sequence_match_events_state);
Datum
sequence_match_events_state(PG_FUNCTION_ARGS)
{
	return seq_result(SEQ_EVENTS, cq_funnel_state_arg(fcinfo, 0, false), PG_GETARG_TEXT_PP(1));
}

/* ------------------------------------------------------------------------
 * Aggregates over rows
 * ------------------------------------------------------------------------
 */

/* The running state: the pattern (checked once per group) and the rows */
typedef struct SeqAgg
{
	text	   *pattern;
	FunnelState *rows;
} SeqAgg;

/* Two groups' patterns must be the same text (22023) */
static void
seq_same_pattern(const text *a, const text *b)
{
	if (!cq_text_same(a, b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the sequence pattern must be the same for every row of a group"),
				 errhint("Pass a constant pattern.")));
}

/*
 * sequence_transfn(internal, pattern text, ts timestamptz, conditions
 *		boolean[]) returns internal
 *		One row: kept when it satisfies at least one condition; a NULL
 *		time, condition array or condition skips the row (as a NULL step
 *		does in cq.window_funnel).
 *		The pattern is parsed on the group's first row (a bad pattern is an
 *		error even when no row matches) and must not change.
 */
PG_FUNCTION_INFO_V1(sequence_transfn);
Datum
sequence_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	SeqAgg	   *agg = PG_ARGISNULL(0) ? NULL : (SeqAgg *) PG_GETARG_POINTER(0);
	text	   *pattern;
	ArrayType  *conds;
	int			nconds;
	uint32		mask = 0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "sequence_transfn called in non-aggregate context");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the sequence pattern must not be NULL"),
				 errhint("Pass a pattern such as '(?1).*(?2)'.")));
	if (PG_ARGISNULL(3))
	{
		if (agg == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(agg);
	}
	pattern = PG_GETARG_TEXT_PP(1);
	conds = PG_GETARG_ARRAYTYPE_P(3);
	nconds = cq_variadic_bool_count(conds, "sequence patterns take", "conditions", "time");
	if (agg == NULL)
	{
		CqSeqPattern p;

		seq_parse(pattern, nconds, &p);
		old = MemoryContextSwitchTo(aggcxt);
		agg = palloc(sizeof(SeqAgg));
		agg->pattern = (text *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(1));
		agg->rows = cq_funnel_state_new_accumulator(nconds, aggcxt);
		MemoryContextSwitchTo(old);
	}
	else
	{
		seq_same_pattern(agg->pattern, pattern);
		cq_funnel_check_step_count("the sequence aggregates", "conditions",
								   cq_funnel_state_nsteps(agg->rows), nconds);
	}
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(agg);
	/* a NULL condition leaves the row out, as a NULL step does in cq.window_funnel */
	if (!cq_bool_array_mask(conds, nconds, &mask))
		PG_RETURN_POINTER(agg);
	if (mask != 0)
		agg->rows = cq_funnel_state_add(agg->rows, PG_GETARG_TIMESTAMPTZ(2), mask, aggcxt);
	PG_RETURN_POINTER(agg);
}

/*
 * sequence_combine(internal, internal) returns internal
 *		The rows of both groups; the patterns must be the same.
 */
PG_FUNCTION_INFO_V1(sequence_combine);
Datum
sequence_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	SeqAgg	   *a = PG_ARGISNULL(0) ? NULL : (SeqAgg *) PG_GETARG_POINTER(0);
	SeqAgg	   *b = PG_ARGISNULL(1) ? NULL : (SeqAgg *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "sequence_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		old = MemoryContextSwitchTo(aggcxt);
		a = palloc(sizeof(SeqAgg));
		a->pattern = (text *) PG_DETOAST_DATUM_COPY(PointerGetDatum(b->pattern));
		a->rows = cq_funnel_state_new_accumulator(cq_funnel_state_nsteps(b->rows), aggcxt);
		MemoryContextSwitchTo(old);
	}
	else
		seq_same_pattern(a->pattern, b->pattern);
	a->rows = cq_funnel_state_merge(a->rows, b->rows, aggcxt);
	PG_RETURN_POINTER(a);
}

/*
 * sequence_serialize(internal) returns bytea
 *		The pattern (length and bytes), then the rows' cq.funnel_state
 *		binary form.
 */
PG_FUNCTION_INFO_V1(sequence_serialize);
Datum
sequence_serialize(PG_FUNCTION_ARGS)
{
	SeqAgg	   *agg = (SeqAgg *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, VARSIZE_ANY_EXHDR(agg->pattern));
	pq_sendbytes(&buf, VARDATA_ANY(agg->pattern), VARSIZE_ANY_EXHDR(agg->pattern));
	cq_funnel_state_send(&buf, cq_funnel_state_compact(agg->rows));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * sequence_deserialize(bytea, internal) returns internal
 *		What serialize wrote; anything else is refused (22P03).
 */
PG_FUNCTION_INFO_V1(sequence_deserialize);
Datum
sequence_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	MemoryContext old;
	StringInfoData buf;
	SeqAgg	   *agg;
	int32		len;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "sequence_deserialize called in non-aggregate context");
	cq_bytea_reader(&buf, raw);
	if (buf.len < 4 || (len = pq_getmsgint(&buf, 4)) < 0 || len > buf.len - 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid sequence aggregate state"),
				 errdetail("A partial state must hold the pattern's length and bytes, then a cq.funnel_state.")));
	old = MemoryContextSwitchTo(aggcxt);
	agg = palloc(sizeof(SeqAgg));
	agg->pattern = cstring_to_text_with_len(pq_getmsgbytes(&buf, len), len);
	/* the received state (wide, sorted, compact) takes more rows as any state does */
	agg->rows = cq_funnel_state_recv(&buf);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(agg);
}

/* The group's rows, sorted, for a final function */
static const FunnelState *
seq_final_rows(SeqAgg *agg)
{
	return cq_funnel_state_compact(agg->rows);
}

/*
 * sequence_match_finalfn(internal) returns boolean
 * sequence_count_finalfn(internal) returns bigint
 * sequence_match_events_finalfn(internal) returns timestamptz[]
 *		The result over the group's rows; NULL without a row that has a
 *		condition array.
 */
PG_FUNCTION_INFO_V1(sequence_match_finalfn);
Datum
sequence_match_finalfn(PG_FUNCTION_ARGS)
{
	SeqAgg	   *agg = PG_ARGISNULL(0) ? NULL : (SeqAgg *) PG_GETARG_POINTER(0);

	if (agg == NULL)
		PG_RETURN_NULL();
	return seq_result(SEQ_MATCH, seq_final_rows(agg), agg->pattern);
}

PG_FUNCTION_INFO_V1(sequence_count_finalfn);
Datum
sequence_count_finalfn(PG_FUNCTION_ARGS)
{
	SeqAgg	   *agg = PG_ARGISNULL(0) ? NULL : (SeqAgg *) PG_GETARG_POINTER(0);

	if (agg == NULL)
		PG_RETURN_NULL();
	return seq_result(SEQ_COUNT, seq_final_rows(agg), agg->pattern);
}

PG_FUNCTION_INFO_V1(sequence_match_events_finalfn);
Datum
sequence_match_events_finalfn(PG_FUNCTION_ARGS)
{
	SeqAgg	   *agg = PG_ARGISNULL(0) ? NULL : (SeqAgg *) PG_GETARG_POINTER(0);

	if (agg == NULL)
		PG_RETURN_NULL();
	return seq_result(SEQ_EVENTS, seq_final_rows(agg), agg->pattern);
}
