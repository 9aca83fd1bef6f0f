/*-------------------------------------------------------------------------
 *
 * attribution_agg.c
 *	  The aggregate cq.attribution_credits (attribution.h): one user's rows
 *	  (touches and conversions), credited under a model exactly as
 *	  cq.attribute does (attribution_credit.c), as a jsonb state
 *
 *	  {"credit": {"<channel>": [conversions, value], ...},
 *	   "unattributed": [conversions, value]}
 *
 *	  that cq.attribution_rollup sums (across users, days, shards) and
 *	  cq.attribution_rows reads (attribution.sql).  A group is one user: the
 *	  rows of a group are taken as one user's.
 *
 * A row is a touch when is_conversion is false (its channel must not be
 * NULL, else the row is skipped), a conversion when it is true (its value,
 * when NULL or not finite, adds no value).  Rows with a NULL time or
 * is_conversion, or a time at +-infinity, are skipped.  The model, lookback
 * and half-life must be the same on every row of a group.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "attribution_credit.h"
#include "bulk_util.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* One row of the group */
typedef struct AggRow
{
	TimestampTz t;
	char	   *channel;		/* touches: NUL-terminated copy */
	int			channel_len;
	bool		conversion;
	bool		has_value;
	double		value;
} AggRow;

typedef struct AggState
{
	AggRow	   *rows;
	int			n;
	int			cap;
	CqAttrModel model;
	Interval	lookback;
	Interval	half_life;
	double		half_life_us;
} AggState;

static bool
same_interval(const Interval *a, const Interval *b)
{
	return a->month == b->month && a->day == b->day && a->time == b->time;
}

/*
 * attribution_credits_transfn(internal, ts timestamptz, channel text,
 *							   is_conversion boolean, value float8, model text,
 *							   lookback interval, half_life interval)
 *		Appends one row; checks the model and intervals on the first row and
 *		that they do not change.
 */
PG_FUNCTION_INFO_V1(attribution_credits_transfn);
Datum
attribution_credits_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	AggState   *st = PG_ARGISNULL(0) ? NULL : (AggState *) PG_GETARG_POINTER(0);
	AggRow	   *r;
	Interval   *lookback = PG_ARGISNULL(6) ? NULL : PG_GETARG_INTERVAL_P(6);
	Interval   *half_life = PG_ARGISNULL(7) ? NULL : PG_GETARG_INTERVAL_P(7);
	double		hl_us;
	CqAttrModel model;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "attribution_credits_transfn called in non-aggregate context");
	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the attribution model must not be NULL"),
				 errhint("Name one of first_touch, last_touch, last_non_direct, linear, position_based, time_decay.")));
	model = cq_attr_check_args(PG_GETARG_TEXT_PP(5), lookback, half_life, &hl_us);
	old = MemoryContextSwitchTo(aggcxt);
	if (st == NULL)
	{
		st = palloc0(sizeof(AggState));
		st->model = model;
		st->lookback = *lookback;
		st->half_life = *half_life;
		st->half_life_us = hl_us;
	}
	else if (st->model != model || !same_interval(&st->lookback, lookback) ||
			 !same_interval(&st->half_life, half_life))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the model, lookback and half_life of cq.attribution_credits must be the same on every row of a group"),
				 errhint("Pass constants, such as cq.attribution_credits(ts, channel, is_conversion, value, 'linear', '28 days', '7 days').")));

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(3) &&
		!TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(1)) &&
		(PG_GETARG_BOOL(3) || !PG_ARGISNULL(2)))
	{
		if (st->n == st->cap)
		{
			st->cap = st->cap ? st->cap * 2 : 16;
			st->rows = st->rows ? repalloc_huge(st->rows, st->cap * sizeof(AggRow))
				: palloc_extended(st->cap * sizeof(AggRow), MCXT_ALLOC_HUGE);
		}
		r = &st->rows[st->n++];
		memset(r, 0, sizeof(*r));
		r->t = PG_GETARG_TIMESTAMPTZ(1);
		r->conversion = PG_GETARG_BOOL(3);
		if (!r->conversion)
		{
			text	   *ch = PG_GETARG_TEXT_PP(2);

			r->channel_len = VARSIZE_ANY_EXHDR(ch);
			r->channel = palloc(r->channel_len + 1);
			memcpy(r->channel, VARDATA_ANY(ch), r->channel_len);
			r->channel[r->channel_len] = '\0';
		}
		else if (!PG_ARGISNULL(4) && isfinite(PG_GETARG_FLOAT8(4)))
		{
			r->has_value = true;
			r->value = PG_GETARG_FLOAT8(4);
		}
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* Time, then touches before conversions, then the channel in byte order */
static int
row_order(const void *pa, const void *pb, void *arg pg_attribute_unused())
{
	const AggRow *a = pa;
	const AggRow *b = pb;
	int			c;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->conversion != b->conversion)
		return a->conversion ? 1 : -1;
	if (a->conversion)
		return 0;
	c = memcmp(a->channel, b->channel, Min(a->channel_len, b->channel_len));
	if (c != 0)
		return c;
	return a->channel_len - b->channel_len;
}

static void
append_pair(StringInfo buf, double conversions, double value)
{
	appendStringInfo(buf, "[%.17g, %.17g]", conversions, value);
}

/*
 * attribution_credits_finalfn(internal) returns jsonb
 *		The credits of the group's conversions; an empty state for a group
 *		without rows.
 */
PG_FUNCTION_INFO_V1(attribution_credits_finalfn);
Datum
attribution_credits_finalfn(PG_FUNCTION_ARGS)
{
	AggState   *st = PG_ARGISNULL(0) ? NULL : (AggState *) PG_GETARG_POINTER(0);
	CqAttrTotals tot;
	CqAttrTouches ut;
	StringInfoData buf;
	bool		first = true;

	memset(&tot, 0, sizeof(tot));
	memset(&ut, 0, sizeof(ut));
	cq_interner_init(&tot.channels, 16, true);
	if (st != NULL && st->n > 0)
	{
		/* sorting a copy: a final function must not change the state */
		AggRow	   *rows = palloc_extended(st->n * sizeof(AggRow), MCXT_ALLOC_HUGE);

		memcpy(rows, st->rows, st->n * sizeof(AggRow));
		cq_sort(rows, st->n, sizeof(AggRow), row_order, NULL);
		for (int i = 0; i < st->n; i++)
		{
			CQ_BULK_CHECK(i);
			if (!rows[i].conversion)
				cq_attr_add_touch(&ut, rows[i].t,
								  cq_attr_channel(&tot, rows[i].channel, rows[i].channel_len));
			else
				cq_attr_credit_conversion(&tot, &ut, rows[i].t, rows[i].has_value, rows[i].value,
										  st->model, &st->lookback, st->half_life_us);
		}
	}
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"credit\": {");
	for (uint32 c = 0; c < tot.channels.n; c++)
	{
		int			len;
		const char *name = cq_interner_string(&tot.channels, c, &len);
		char	   *z;

		if (tot.conversions[c] <= 0.0)
			continue;
		z = pnstrdup(name, len);
		if (!first)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, z);
		appendStringInfoString(&buf, ": ");
		append_pair(&buf, tot.conversions[c], tot.value[c]);
		first = false;
	}
	appendStringInfoString(&buf, "}, \"unattributed\": ");
	append_pair(&buf, tot.unattributed, tot.unattributed_value);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
