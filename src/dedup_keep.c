/*-------------------------------------------------------------------------
 *
 * dedup_keep.c
 *	  Window function cq.dedup_keep(arrived_at, dedup_window): which copy of
 *	  a conversion counts, under the ad platforms' "first copy wins within
 *	  the window" rule.
 *
 * Used as
 *	   cq.dedup_keep(arrived_at, '48 hours') OVER (PARTITION BY key ORDER BY arrived_at)
 * it returns true for the copy that counts.  The first copy of a partition
 * is kept; a copy arriving at most dedup_window after the kept copy
 * (boundary inclusive: exactly 48 hours later is still a duplicate) is a
 * duplicate; a copy arriving later is kept and starts a new conversion, and
 * the window then runs from it.  This is TikTok's and Meta's rule, and the
 * scenarios of DEDUP_RULES.md section 1.6 are its tests.
 *
 * A NULL window means the window never closes (Google Ads' transaction id
 * rule: a repeated id is always a duplicate).  A negative window is an
 * error.  A row with a NULL arrival time gives NULL and does not move the
 * window.  Rows must arrive in order: a decreasing arrival time means the
 * OVER clause lacks ORDER BY arrived_at, and is an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "dedup.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "windowapi.h"

/* Per-partition state, kept in the partition's local memory */
typedef struct DedupKeepState
{
	int64		next_pos;		/* position of the row we expect next */
	bool		have_kept;		/* a copy has been kept in this partition */
	TimestampTz kept_at;		/* arrival of the kept copy */
	TimestampTz last_at;		/* arrival of the latest non-NULL row seen */
	Interval	deadline_for;	/* the window the cached deadline was made with */
	TimestampTz deadline;		/* kept_at + deadline_for */
} DedupKeepState;

/*
 * Reject a negative window; the caller's mistake.
 */
static void
check_window(Interval *window)
{
	if (window->month < 0 || window->day < 0 || window->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dedup window must not be negative"),
				 errdetail("The window is how long after the kept copy a copy still counts as a duplicate."),
				 errhint("Use a positive interval such as '48 hours', or NULL for a window that never closes.")));
}

/*
 * cq_dedup_deadline
 *		kept_at + window: the latest arrival that is still a copy of a copy
 *		kept at kept_at (dedup.h).  Windows with days or months follow
 *		calendar arithmetic in the session time zone, as timestamptz +
 *		interval does.  Near the end of the timestamp range the deadline
 *		saturates to 'infinity' instead of raising an error, and an infinite
 *		kept_at keeps its own value.
 */
TimestampTz
cq_dedup_deadline(TimestampTz kept_at, const Interval *window)
{
	TimestampTz deadline;

	if (TIMESTAMP_NOT_FINITE(kept_at))
		return kept_at;
	if (window->month == 0 && window->day == 0)
	{
		if (pg_add_s64_overflow(kept_at, window->time, &deadline) ||
			deadline >= END_TIMESTAMP)
			deadline = DT_NOEND;
		return deadline;
	}

	/*
	 * Calendar arithmetic raises an error past the end of the timestamp
	 * range; saturate instead when even the longest month and day (31 days
	 * of 25 hours) could reach it.
	 */
	{
		double		longest = ((double) window->month * 31 + window->day) *
			(double) (USECS_PER_DAY + USECS_PER_HOUR) + (double) window->time;

		if ((double) kept_at + longest >= (double) END_TIMESTAMP)
			return DT_NOEND;
	}
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(kept_at),
												   IntervalPGetDatum(unconstify(Interval *, window))));
}

/*
 * The deadline of the partition's kept copy, computed once per kept copy
 * and window.
 */
static TimestampTz
window_deadline(DedupKeepState *st, Interval *window)
{
	if (st->deadline_for.time == window->time && st->deadline_for.day == window->day &&
		st->deadline_for.month == window->month)
		return st->deadline;
	st->deadline = cq_dedup_deadline(st->kept_at, window);
	st->deadline_for = *window;
	return st->deadline;
}

/*
 * Decide one row.  Returns true to keep it, and updates the state.
 */
static bool
dedup_keep_row(DedupKeepState *st, TimestampTz at, Interval *window)
{
	if (st->have_kept && at < st->last_at)
	{
		char	   *at_str = pstrdup(timestamptz_to_str(at));
		char	   *last_str = pstrdup(timestamptz_to_str(st->last_at));

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cq.dedup_keep received rows out of arrival order"),
				 errdetail("A copy arriving at %s came after one arriving at %s.",
						   at_str, last_str),
				 errhint("Call it as cq.dedup_keep(arrived_at, window) OVER (PARTITION BY key ORDER BY arrived_at).")));
	}
	st->last_at = at;

	if (st->have_kept)
	{
		if (window == NULL || at <= window_deadline(st, window))
			return false;
	}
	st->have_kept = true;
	st->kept_at = at;
	st->deadline_for.month = -1;	/* invalidate the cached deadline */
	return true;
}

/*
 * dedup_keep(arrived_at timestamptz, dedup_window interval) returns boolean
 *		Window function; see the file header for the rule.
 */
PG_FUNCTION_INFO_V1(dedup_keep);
Datum
dedup_keep(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	DedupKeepState *st;
	int64		pos = WinGetCurrentPosition(winobj);
	bool		isnull;
	bool		window_null;
	Datum		arrived;
	Datum		window;
	bool		keep;

	window = WinGetFuncArgCurrent(winobj, 1, &window_null);
	if (!window_null)
		check_window(DatumGetIntervalP(window));

	st = (DedupKeepState *) WinGetPartitionLocalMemory(winobj, sizeof(DedupKeepState));
	if (pos != st->next_pos)
	{
		/*
		 * The executor evaluates rows in order, so this happens only when a
		 * future executor does not: replay the partition up to this row.
		 */
		memset(st, 0, sizeof(*st));
		for (int64 p = 0; p < pos; p++)
		{
			bool		wnull;
			Datum		a = WinGetFuncArgInPartition(winobj, 0, p, WINDOW_SEEK_HEAD,
													 false, &isnull, NULL);
			Datum		w = WinGetFuncArgInPartition(winobj, 1, p, WINDOW_SEEK_HEAD,
													 false, &wnull, NULL);

			if (!isnull)
				(void) dedup_keep_row(st, DatumGetTimestampTz(a),
									  wnull ? NULL : DatumGetIntervalP(w));
		}
	}
	st->next_pos = pos + 1;

	arrived = WinGetFuncArgCurrent(winobj, 0, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	keep = dedup_keep_row(st, DatumGetTimestampTz(arrived),
						  window_null ? NULL : DatumGetIntervalP(window));
	PG_RETURN_BOOL(keep);
}
