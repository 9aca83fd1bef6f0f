/*-------------------------------------------------------------------------
 *
 * funnel_scan.c
 *	  The funnel algorithms: the stage a sorted list of events reaches, and
 *	  the step times of the chain that reached it.
 *
 * Semantics (ClickHouse's windowFunnel, see README "Funnels"):
 *
 * Each row becomes one entry (ts, k) per step k it satisfies; in
 * strict_order mode a row satisfying no step becomes a sentinel (ts, 0).
 * Entries are scanned in (ts, k) order, so rows with equal timestamps are
 * processed step by step and one row can advance several steps.  The scan
 * keeps, per level, the latest chain that reached it (its first-step time
 * and last time); an entry for step k extends the chain of level k-1 when
 * ts <= first + window (inclusive).  The result is the highest level
 * reached, 0 when step 1 never fires.  Modes change the scan as ClickHouse
 * does (strict_deduplication stops at a repeat of a reached step,
 * strict_order stops at a foreign row or a skipped step, strict_increase
 * requires strictly increasing times, strict_once keeps every candidate
 * chain and never uses one row twice in a chain, allow_reentry skips
 * premature steps instead of stopping).
 *
 * strict_once needs an order among rows with equal (ts, k).  ClickHouse
 * uses arrival order, which makes answers depend on input order; here the
 * rows are ordered by (ts, mask), a canonical order that any partitioning
 * of the input reproduces, so answers never depend on input order.  Its
 * scan is in funnel_scan_once.c; this file holds the greedy scan of every
 * other mode.
 *
 * Nothing here builds or changes a state: the scans read an array of
 * events in canonical order (funnel_state.c hands it over).  Each time
 * group checks for interrupts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funnel.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"


/* The greedy scan's state */
typedef struct FunnelScan
{
	const FunnelParams *p;
	int64	   *times;			/* out: step times of the first chain at the
								 * highest level, or NULL */
	int			level;			/* highest level reached so far */
	bool		first_event;	/* a step-1 entry has been seen */
	bool		stop;			/* the scan is over */
	bool		track_paths;	/* keep chain step times (times or exclusions) */
	/* the latest chain per level (1-based), if alive */
	bool		alive[CQ_FUNNEL_MAX_STEPS + 1];
	int64		first[CQ_FUNNEL_MAX_STEPS + 1];
	int64		last[CQ_FUNNEL_MAX_STEPS + 1];
	int64		path[CQ_FUNNEL_MAX_STEPS + 1][CQ_FUNNEL_MAX_STEPS];
} FunnelScan;

/*
 * Level k has just been reached for the first time by a chain with these
 * step times: it is now the highest level, remember its times.
 */
static inline void
reach(FunnelScan *sc, int k, const int64 *chain_times)
{
	sc->level = k;
	if (sc->times)
		memcpy(sc->times, chain_times, k * sizeof(int64));
	if (k == sc->p->nsteps)
		sc->stop = true;
}

/*
 * Entry checks of the modes, for an entry of step k >= 2: returns true when
 * the scan must look at the chain of level k-1.
 */
static inline bool
step_entry_checks(FunnelScan *sc, int k)
{
	uint32		mode = sc->p->mode;

	if ((mode & CQ_FUNNEL_STRICT_DEDUPLICATION) && sc->level >= k)
	{
		sc->stop = true;		/* a reached step repeats */
		return false;
	}
	if ((mode & CQ_FUNNEL_STRICT_ORDER) && sc->first_event && sc->level < k - 1)
	{
		if (!(mode & CQ_FUNNEL_ALLOW_REENTRY))
			sc->stop = true;	/* a step arrived before its predecessor */
		return false;
	}
	return sc->level >= k - 1;
}

/*
 * Excluded event of exclusion x at ts: break every chain that has passed
 * step x->from strictly before ts and not yet reached step x->to.
 */
static void
exclusion_entry(FunnelScan *sc, const FunnelExclusion *x, int64 ts)
{
	int			L;

	for (L = x->from; L < x->to; L++)
		if (sc->alive[L] && sc->path[L][x->from - 1] < ts)
			sc->alive[L] = false;
}

/*
 * Greedy scan (every mode but strict_once): one entry (ts, k).
 */
static void
greedy_entry(FunnelScan *sc, int64 ts, int k)
{
	const FunnelParams *p = sc->p;

	if (k == 1)
	{
		sc->alive[1] = true;
		sc->first[1] = sc->last[1] = ts;
		sc->path[1][0] = ts;
		sc->first_event = true;
		if (sc->level < 1)
			reach(sc, 1, sc->path[1]);
		return;
	}
	if (!step_entry_checks(sc, k) || !sc->alive[k - 1])
		return;
	if (!cq_funnel_in_window(p, k, sc->first[k - 1], sc->last[k - 1], ts))
		return;
	if ((p->mode & CQ_FUNNEL_STRICT_INCREASE) && !(sc->last[k - 1] < ts))
		return;
	sc->alive[k] = true;
	sc->first[k] = sc->first[k - 1];
	sc->last[k] = ts;
	if (sc->track_paths)
	{
		memcpy(sc->path[k], sc->path[k - 1], (k - 1) * sizeof(int64));
		sc->path[k][k - 1] = ts;
	}
	if (sc->level < k)
		reach(sc, k, sc->path[k]);
}

/*
 * cq_funnel_scan
 *		The stage (0 .. p->nsteps) that events[0 .. nevents-1], in canonical
 *		(ts, mask) order, reach under p; when times
 *		is not NULL, also the step times of the first chain that reached
 *		that stage (times[0 .. stage-1]).  Conditions after p->nsteps are
 *		excluded events: they are not steps (a row with only those is
 *		foreign to strict_order), and each exclusion breaks the chains it
 *		covers.
 *
 *		Rows are visited in groups of equal time; inside a group entries go
 *		by step number (sentinels first), then by row order, which is the
 *		(ts, k, row) order the semantics define.
 */
int
cq_funnel_scan(const FunnelEvent *events, int32 nevents, const FunnelParams *p, int64 *times)
{
	FunnelScan	scan;
	FunnelScan *sc;
	int32		i,
				j,
				r;
	bool		strict_order = (p->mode & CQ_FUNNEL_STRICT_ORDER) != 0;
	uint32		stepmask = p->nsteps >= 32 ? PG_UINT32_MAX :
		(((uint32) 1) << p->nsteps) - 1;

	Assert(p->nsteps >= 1 && p->nsteps <= CQ_FUNNEL_MAX_STEPS);
	if (nevents == 0)
		return 0;
	if (p->mode & CQ_FUNNEL_STRICT_ONCE)
		return cq_funnel_scan_once(events, nevents, p, times);

	/*
	 * The scan state lives on the stack and only what is read before it is
	 * written gets initialized (chain step times are always written first):
	 * zeroing or allocating ~9 kB per group costs more than the scan.
	 */
	sc = &scan;
	sc->level = 0;
	sc->first_event = false;
	sc->stop = false;
	memset(sc->alive, 0, sizeof(sc->alive));
	sc->p = p;
	sc->times = times;
	sc->track_paths = times != NULL || p->nexclusions > 0;

	for (i = 0; i < nevents && !sc->stop; i = j)
	{
		int64		ts = events[i].ts;
		uint32		all,
					excluded;
		bool		foreign;

		CHECK_FOR_INTERRUPTS();
		j = cq_funnel_time_group(events, nevents, i, stepmask, &all, &excluded, &foreign);

		/* a row satisfying no step: strict_order's sentinel (ts, 0) */
		if (foreign && strict_order && sc->first_event)
			break;

		while (all != 0 && !sc->stop)
		{
			int			k = pg_rightmost_one_pos32(all) + 1;
			uint32		bit = ((uint32) 1) << (k - 1);

			all &= ~bit;
			for (r = i; r < j && !sc->stop; r++)
				if (events[r].mask & bit)
					greedy_entry(sc, ts, k);
		}

		/* excluded events come after the steps of their time */
		if (excluded != 0 && !sc->stop)
		{
			int			x;

			for (x = 0; x < p->nexclusions; x++)
				if (excluded & (((uint32) 1) << (p->exclusions[x].cond - 1)))
					exclusion_entry(sc, &p->exclusions[x], ts);
		}
	}
	return sc->level;
}

/*
 * cq_funnel_packed_stage
 *		What cq_funnel_scan returns for the nevents packed events of a sorted
 *		packed state (funnel.h) of nsteps steps read with one
 *		window, the default mode (no strict flag), no exclusion and no step
 *		times: cq.window_funnel's commonest call, without unpacking.  In that
 *		mode an entry of step k only looks at the latest chain of level
 *		k-1, and entries of the same time and step are interchangeable, so
 *		the rows of one time reduce to the union of their steps, taken in
 *		step order.  Checked against the general scan on every packed
 *		aggregate of the Python reference test and by sql/funnel_packed.sql.
 */
int
cq_funnel_packed_stage(const int64 *pk, int32 nevents, int nsteps, int64 window)
{
	uint32		stepmask = (((uint32) 1) << nsteps) - 1;
	uint32		alive = 0;		/* bit k: a live chain has reached step k */
	int64		first[FUNNEL_PACK_MAX_STEPS + 1];	/* its step-1 time */
	int			level = 0;
	int32		i = 0;

	Assert(nsteps >= 1 && nsteps <= FUNNEL_PACK_MAX_STEPS);
	while (i < nevents)
	{
		int64		ts = funnel_packed_ts(pk[i]);
		uint32		all = 0;

		CHECK_FOR_INTERRUPTS();

		do
			all |= funnel_packed_mask(pk[i++]);
		while (i < nevents && funnel_packed_ts(pk[i]) == ts);
		all &= stepmask;

		while (all != 0)
		{
			int			k = pg_rightmost_one_pos32(all) + 1;

			all &= all - 1;
			if (k == 1)
			{
				alive |= 1 << 1;
				first[1] = ts;
				level = Max(level, 1);
			}
			else if ((alive & (1 << (k - 1))) &&
					 (uint64) ts - (uint64) first[k - 1] <= (uint64) window)
			{
				alive |= 1 << k;
				first[k] = first[k - 1];
				if (level < k)
				{
					level = k;
					if (k == nsteps)
						return level;
				}
			}
		}
	}
	return level;
}
