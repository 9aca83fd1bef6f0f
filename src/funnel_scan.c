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
 * of the input reproduces, so answers never depend on input order.
 *
 * Nothing here builds or changes a state: the scans read an array of
 * events in canonical order (funnel_state.c hands it over).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funnel.h"
#include "port/pg_bitutils.h"


/* Scan context shared by the greedy and the strict_once scans */
typedef struct FunnelChain
{
	int64		first;			/* time of its step 1 */
	int64		last;			/* time of its last step */
	int32		rows[CQ_FUNNEL_MAX_STEPS];	/* row (event index) of each step */
	int64		times[CQ_FUNNEL_MAX_STEPS]; /* time of each step */
} FunnelChain;

typedef struct ChainList
{
	FunnelChain *chains;
	int			n;
	int			cap;
} ChainList;

typedef struct FunnelScan
{
	const FunnelParams *p;
	int64	   *times;			/* out: step times of the first chain at the
								 * highest level, or NULL */
	int			level;			/* highest level reached so far */
	bool		first_event;	/* a step-1 entry has been seen */
	bool		stop;			/* the scan is over */
	bool		track_paths;	/* keep chain step times (times or exclusions) */
	/* greedy scan: the latest chain per level (1-based), if alive */
	bool		alive[CQ_FUNNEL_MAX_STEPS + 1];
	int64		first[CQ_FUNNEL_MAX_STEPS + 1];
	int64		last[CQ_FUNNEL_MAX_STEPS + 1];
	int64		path[CQ_FUNNEL_MAX_STEPS + 1][CQ_FUNNEL_MAX_STEPS];
	/* strict_once scan: every live chain per level */
	ChainList	lists[CQ_FUNNEL_MAX_STEPS + 1];
} FunnelScan;

/*
 * May a chain whose step k-1 is (first, last) take step k at ts?  The
 * window runs from the chain's step 1 (one window) or from its step k-1
 * (per-step windows); inclusive.  ts >= first, last: entries come sorted.
 */
static inline bool
in_window(const FunnelParams *p, int k, int64 first, int64 last, int64 ts)
{
	if (p->per_step)
		return (uint64) ts - (uint64) last <= (uint64) p->windows[k - 2];
	return (uint64) ts - (uint64) first <= (uint64) p->window;
}

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
 * Entry checks common to both scans, for an entry of step k >= 2: returns
 * true when the scan must look at the chains of level k-1.
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
	{
		if (sc->p->mode & CQ_FUNNEL_STRICT_ONCE)
		{
			ChainList  *l = &sc->lists[L];
			int			i,
						keep = 0;

			for (i = 0; i < l->n; i++)
			{
				if (l->chains[i].times[x->from - 1] < ts)
					continue;	/* broken */
				if (keep != i)
					l->chains[keep] = l->chains[i];
				keep++;
			}
			l->n = keep;
		}
		else if (sc->alive[L] && sc->path[L][x->from - 1] < ts)
			sc->alive[L] = false;
	}
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
	if (!in_window(p, k, sc->first[k - 1], sc->last[k - 1], ts))
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
 * Add a chain to a strict_once level list.
 */
static FunnelChain *
chain_push(ChainList *l)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 4;
		if (l->chains)
			l->chains = repalloc_huge(l->chains, (Size) l->cap * sizeof(FunnelChain));
		else
			l->chains = palloc_extended((Size) l->cap * sizeof(FunnelChain), MCXT_ALLOC_HUGE);
	}
	return &l->chains[l->n++];
}

/*
 * strict_once scan: one entry (ts, k) of row `row`.  Every chain of level
 * k-1 that is still in its window and has not used the row yet is
 * extended into a new chain of level k.  Chains whose window has passed
 * are dropped: times only grow, so they could never be extended again,
 * and "level reached" is kept in sc->level.
 */
static void
once_entry(FunnelScan *sc, int64 ts, int k, int32 row)
{
	const FunnelParams *p = sc->p;
	ChainList  *prev;
	int			i,
				keep;

	if (k == 1)
	{
		FunnelChain *c = chain_push(&sc->lists[1]);

		c->first = c->last = ts;
		c->rows[0] = row;
		c->times[0] = ts;
		sc->first_event = true;
		if (sc->level < 1)
			reach(sc, 1, c->times);
		return;
	}
	if (!step_entry_checks(sc, k))
		return;

	prev = &sc->lists[k - 1];
	keep = 0;
	for (i = 0; i < prev->n && !sc->stop; i++)
	{
		FunnelChain *c = &prev->chains[i];
		FunnelChain *nc;
		bool		used = false;
		int			j;

		if (!in_window(p, k, c->first, c->last, ts))
			continue;			/* expired: dropped */
		if (keep != i)
			prev->chains[keep] = *c;
		c = &prev->chains[keep++];
		for (j = 0; j < k - 1; j++)
			if (c->rows[j] == row)
				used = true;
		if (used)
			continue;
		if ((p->mode & CQ_FUNNEL_STRICT_INCREASE) && !(c->last < ts))
			continue;
		nc = chain_push(&sc->lists[k]);
		/* prev and lists[k] are different arrays: c stays valid */
		nc->first = c->first;
		nc->last = ts;
		memcpy(nc->rows, c->rows, (k - 1) * sizeof(int32));
		memcpy(nc->times, c->times, (k - 1) * sizeof(int64));
		nc->rows[k - 1] = row;
		nc->times[k - 1] = ts;
		if (sc->level < k)
			reach(sc, k, nc->times);
	}
	/* keep the chains not looked at when the scan stopped */
	if (i < prev->n && keep < i)
		memmove(&prev->chains[keep], &prev->chains[i], (prev->n - i) * sizeof(FunnelChain));
	prev->n = keep + (prev->n - i);
}

/*
 * One entry of either scan.
 */
static inline void
scan_entry(FunnelScan *sc, int64 ts, int k, int32 row)
{
	if (sc->p->mode & CQ_FUNNEL_STRICT_ONCE)
		once_entry(sc, ts, k, row);
	else
		greedy_entry(sc, ts, k);
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
	int			level;
	bool		strict_order = (p->mode & CQ_FUNNEL_STRICT_ORDER) != 0;
	uint32		stepmask = p->nsteps >= 32 ? PG_UINT32_MAX :
		(((uint32) 1) << p->nsteps) - 1;

	Assert(p->nsteps >= 1 && p->nsteps <= CQ_FUNNEL_MAX_STEPS);
	if (nevents == 0)
		return 0;

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
	if (p->mode & CQ_FUNNEL_STRICT_ONCE)
		memset(sc->lists, 0, sizeof(sc->lists));
	sc->p = p;
	sc->times = times;
	sc->track_paths = times != NULL || p->nexclusions > 0;

	for (i = 0; i < nevents && !sc->stop; i = j)
	{
		int64		ts = events[i].ts;
		uint32		all = 0;
		uint32		excluded = 0;
		bool		foreign = false;

		for (j = i; j < nevents && events[j].ts == ts; j++)
		{
			all |= events[j].mask & stepmask;
			excluded |= events[j].mask & ~stepmask;
			if ((events[j].mask & stepmask) == 0)
				foreign = true;
		}

		/* a row satisfying no step: strict_order's sentinel (ts, 0) */
		if (foreign && strict_order)
		{
			if (sc->first_event)
				break;
		}

		while (all != 0 && !sc->stop)
		{
			int			k = pg_rightmost_one_pos32(all) + 1;
			uint32		bit = ((uint32) 1) << (k - 1);

			all &= ~bit;
			for (r = i; r < j && !sc->stop; r++)
				if (events[r].mask & bit)
					scan_entry(sc, ts, k, r);
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
	level = sc->level;
	if (p->mode & CQ_FUNNEL_STRICT_ONCE)
		for (i = 1; i <= p->nsteps; i++)
			if (sc->lists[i].chains)
				pfree(sc->lists[i].chains);
	return level;
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
