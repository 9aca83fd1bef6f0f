/*-------------------------------------------------------------------------
 *
 * funnel_count.c
 *	  Counting over a funnel state (README "Funnels: any order and
 *	  completions"): the most distinct steps done within one window in any
 *	  order, and how many times a user completes the funnel.
 *
 * Both read the events of a state in canonical order (time, mask) and never
 * change a state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bulk_util.h"
#include "funnel.h"
#include "port/pg_bitutils.h"

/*
 * cq_funnel_any_order
 *		The largest number of distinct steps (bits of the masks) that rows
 *		within one window [t, t + window] (inclusive) satisfy, t the time of a
 *		row satisfying a step; 0 when no row satisfies one.  The order of the
 *		steps does not matter; one row satisfying several steps counts for
 *		each.  events are sorted by time; a two-pointer sweep keeps, per step,
 *		the rows of the current window that satisfy it.
 */
int
cq_funnel_any_order(const FunnelEvent *events, int32 nevents, int nsteps, int64 window)
{
	int32		counts[CQ_FUNNEL_MAX_STEPS] = {0};
	int			distinct = 0;
	int			best = 0;
	int32		right = 0;		/* events [left, right) are in the window */

	for (int32 left = 0; left < nevents; left++)
	{
		int64		start = events[left].ts;

		CQ_BULK_CHECK(left);
		if (events[left].mask == 0)
			continue;
		/* extend the window to every row at or before start + window */
		if (right < left)
			right = left;
		while (right < nevents &&
			   (uint64) events[right].ts - (uint64) start <= (uint64) window)
		{
			uint32		m = events[right].mask;

			while (m != 0)
			{
				int			k = pg_rightmost_one_pos32(m);

				if (k < nsteps && counts[k]++ == 0)
					distinct++;
				m &= m - 1;
			}
			right++;
		}
		if (distinct > best)
			best = distinct;
		if (best == nsteps)
			break;
		/* drop the rows of this start time before moving on */
		{
			uint32		m = events[left].mask;

			while (m != 0)
			{
				int			k = pg_rightmost_one_pos32(m);

				if (k < nsteps && --counts[k] == 0)
					distinct--;
				m &= m - 1;
			}
		}
	}
	return best;
}

/*
 * cq_funnel_completions
 *		How many times the funnel completes under p: the first completion is
 *		the one cq.funnel_stage finds (its chain's last step at time T); each
 *		next one is searched, as a funnel of its own (the modes' rules start
 *		afresh), among the rows strictly after T.  A row never serves two
 *		completions, and completions never overlap.  events are sorted.
 */
int64
cq_funnel_completions(const FunnelEvent *events, int32 nevents, const FunnelParams *p)
{
	int64		times[CQ_FUNNEL_MAX_STEPS];
	int64		done = 0;
	int32		from = 0;

	while (from < nevents)
	{
		int64		last;

		CHECK_FOR_INTERRUPTS();
		if (cq_funnel_scan(events + from, nevents - from, p, times) < p->nsteps)
			break;
		done++;
		last = times[p->nsteps - 1];
		while (from < nevents && events[from].ts <= last)
			from++;
	}
	return done;
}
