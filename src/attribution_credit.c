/*-------------------------------------------------------------------------
 *
 * attribution_credit.c
 *	  One user's conversions credited to that user's touches
 *	  (attribution_credit.h), summed per channel.  A touch is eligible for a
 *	  conversion when its time lies in [conversion - lookback, conversion]
 *	  (lookback subtracted as timestamptz - interval does); the touches come
 *	  in (time, channel) order, so the eligible ones are a suffix found by
 *	  binary search.  A conversion without an eligible touch is counted as
 *	  unattributed, with its value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "attribution_credit.h"

#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* The channel number of the bytes at p, with room in the per-channel sums */
uint32
cq_attr_channel(CqAttrTotals *tot, const char *p, int len)
{
	uint32		before = tot->channels.n;
	uint32		c = cq_intern(&tot->channels, p, len);

	if (c < before)
		return c;
	if (c >= tot->cap)
	{
		uint32		cap = Max(64, tot->cap * 2);

		tot->direct = tot->direct ? repalloc_huge(tot->direct, cap * sizeof(bool))
			: palloc_extended(cap * sizeof(bool), MCXT_ALLOC_HUGE);
		tot->conversions = tot->conversions ? repalloc_huge(tot->conversions, cap * sizeof(double))
			: palloc_extended(cap * sizeof(double), MCXT_ALLOC_HUGE);
		tot->value = tot->value ? repalloc_huge(tot->value, cap * sizeof(double))
			: palloc_extended(cap * sizeof(double), MCXT_ALLOC_HUGE);
		for (uint32 i = tot->cap; i < cap; i++)
		{
			tot->direct[i] = false;
			tot->conversions[i] = tot->value[i] = 0.0;
		}
		tot->cap = cap;
	}
	tot->direct[c] = len == 6 && memcmp(p, "direct", 6) == 0;
	return c;
}

void
cq_attr_add_touch(CqAttrTouches *ut, TimestampTz t, uint32 ch)
{
	if (ut->n == ut->cap)
	{
		ut->cap = ut->cap ? ut->cap * 2 : 64;
		ut->t = ut->t ? repalloc_huge(ut->t, ut->cap * sizeof(TimestampTz))
			: palloc_extended(ut->cap * sizeof(TimestampTz), MCXT_ALLOC_HUGE);
		ut->ch = ut->ch ? repalloc_huge(ut->ch, ut->cap * sizeof(uint32))
			: palloc_extended(ut->cap * sizeof(uint32), MCXT_ALLOC_HUGE);
	}
	ut->t[ut->n] = t;
	ut->ch[ut->n] = ch;
	ut->n++;
}

/*
 * Credit one conversion at time t with value v (has_value) to the user's
 * touches in [t - lookback, t]; every touch read so far is at or before t.
 */
void
cq_attr_credit_conversion(CqAttrTotals *tot, const CqAttrTouches *ut, TimestampTz t, bool has_value,
				  double v, CqAttrModel model, const Interval *lookback, double half_life_us)
{
	TimestampTz start;
	int			lo = 0,
				hi = ut->n;
	int			n;

	/*
	 * t - lookback, as timestamptz - interval; a start that could fall before
	 * the timestamp range (even the longest months and days, 31 days of 25
	 * hours, considered) is -infinity instead of an error: every touch so
	 * far is then eligible.
	 */
	if ((double) t - (((double) lookback->month * 31 + lookback->day) *
					  (double) (USECS_PER_DAY + USECS_PER_HOUR) + (double) lookback->time)
		<= (double) MIN_TIMESTAMP)
		start = DT_NOBEGIN;
	else
		start = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
														TimestampTzGetDatum(t),
														IntervalPGetDatum(unconstify(Interval *, lookback))));
	/* the first touch at or after start */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ut->t[mid] < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	n = ut->n - lo;
	if (n == 0)
	{
		tot->unattributed += 1.0;
		if (has_value)
			tot->unattributed_value += v;
		return;
	}
	if (n > tot->capscratch)
	{
		tot->capscratch = Max(n, tot->capscratch * 2);
		if (tot->age)
		{
			pfree(tot->age);
			pfree(tot->is_direct);
			pfree(tot->credit);
		}
		tot->age = palloc_extended(tot->capscratch * sizeof(int64), MCXT_ALLOC_HUGE);
		tot->is_direct = palloc_extended(tot->capscratch * sizeof(bool), MCXT_ALLOC_HUGE);
		tot->credit = palloc_extended(tot->capscratch * sizeof(double), MCXT_ALLOC_HUGE);
	}
	for (int i = 0; i < n; i++)
	{
		if (pg_sub_s64_overflow(t, ut->t[lo + i], &tot->age[i]))
			tot->age[i] = PG_INT64_MAX;	/* a span beyond the int64 range: the oldest */
		tot->is_direct[i] = tot->direct[ut->ch[lo + i]];
	}
	cq_attr_credit(model, n, tot->age, tot->is_direct, half_life_us, tot->credit);
	for (int i = 0; i < n; i++)
	{
		uint32		c = ut->ch[lo + i];

		tot->conversions[c] += tot->credit[i];
		if (has_value)
			tot->value[c] += tot->credit[i] * v;
	}
}

/* An interval argument: not NULL, no negative field, and (unless zero_ok) not zero */
static void
check_interval(const Interval *iv, const char *what, bool zero_ok, const char *detail,
			   const char *hint)
{
	if (iv == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errdetail("%s", detail),
				 errhint("%s", hint)));
	if (iv->month < 0 || iv->day < 0 || iv->time < 0 ||
		(!zero_ok && iv->month == 0 && iv->day == 0 && iv->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s in every field", what, zero_ok ? "zero or positive" : "positive"),
				 errdetail("%s", detail),
				 errhint("%s", hint)));
}

/*
 * cq_attr_check_args
 *		The model named by model (not NULL), and the checks of lookback and
 *		half_life (NULL when the SQL argument is NULL); sets *half_life_us
 *		(a month counts as 30 days).  Clean errors for a caller's mistake.
 */
CqAttrModel
cq_attr_check_args(text *model, const Interval *lookback, const Interval *half_life,
				   double *half_life_us)
{
	char	   *name = text_to_cstring(model);
	int			m = cq_attr_model(name);

	if (m < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown attribution model \"%s\"", name),
				 errdetail("The models are first_touch, last_touch, last_non_direct, linear, position_based and time_decay."),
				 errhint("Name one of them, in lower case.")));
	check_interval(lookback, "lookback", true,
				   "The lookback is how long before a conversion a touch can earn credit.",
				   "Use the platform's attribution window, such as '28 days'.");
	check_interval(half_life, "half_life", false,
				   "The half-life is the age at which a touch weighs half as much as one at the conversion (time_decay).",
				   "Use an interval such as '7 days'.");
	*half_life_us = (double) half_life->time + (double) half_life->day * USECS_PER_DAY +
		(double) half_life->month * DAYS_PER_MONTH * USECS_PER_DAY;
	return (CqAttrModel) m;
}
