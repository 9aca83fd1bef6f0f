/*-------------------------------------------------------------------------
 *
 * funnel_scan_once.c
 *	  The strict_once scan: the stage a sorted list of events reaches when a
 *	  row may fill at most one step of a chain, and the step times of the
 *	  chain that reached it, in time and memory bounded by the number of
 *	  steps rather than by the number of candidate chains.
 *
 * The semantics are those of keeping every candidate chain (README
 * "Funnels", test/funnel_reference.py): entries (ts, k, row) are taken in
 * order, an entry of step k extends every chain of level k-1 that is in its
 * window and has not used the row.  Kept literally, the chains of one user
 * grow with the product of the step counts (100 rows satisfying steps 1-4
 * of a 5-step funnel make millions).  Two facts make almost all of them
 * redundant:
 *
 * 1. Rows of different times are different rows.  Once the rows of one time
 *	  have been read, which rows a chain used no longer matters; what a chain
 *	  of level L can still do depends only on a few of its step times (its
 *	  "key"): its first step (one window) or its last step (per-step
 *	  windows), and step `from` of each exclusion that can still break it.
 *	  A chain whose key is no later than another's, coordinate by
 *	  coordinate, can do nothing the other cannot; if it is also not
 *	  preferred by the step_times rule (below), it is dropped.  Without
 *	  exclusions one chain per level remains.
 *
 * 2. Within the rows of one time, a chain of level L0 from before that time
 *	  (or a new chain, L0 = 0) can take steps L0+1 .. L0+j at that time iff
 *	  those steps can be given to distinct rows of the time: a bipartite
 *	  matching of steps to rows.  The longest such run from every L0 comes
 *	  from one two-pointer pass of augmenting paths (Kuhn's algorithm); the
 *	  step-by-step order of the entries is kept by advancing every chain one
 *	  step at a time, so strict_order and strict_deduplication judge the
 *	  same entries as the literal scan.
 *
 * step_times: when an entry reaches a new highest level, the chains that
 * entry creates may differ in their step times.  The preferred one is
 * reported: with one window the latest start (step times compared from
 * step 1), with per-step windows the latest last step (compared from the
 * last step back).  Dominance keeps the preferred chain, so the pruned scan
 * reports what the literal one does.  The first entry to reach a level is
 * found by asking the matching, row by row, which chains can leave that row
 * for step k.
 *
 * Memory: the chains kept are bounded by work_mem (54000 beyond it; no
 * input known to the tests comes near it), the matching by a fixed
 * nsteps * nsteps rows of one time.  Every time group checks for
 * interrupts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bulk_util.h"
#include "funnel.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"

/*
 * Rows of one time the matching keeps: for each step, its first nsteps rows,
 * so at most nsteps * nsteps.  A set of at most nsteps steps that can take
 * distinct rows of the time can also take distinct kept rows (a step matched
 * to a row that was not kept has nsteps kept rows, at most nsteps-1 of them
 * used by the other steps), and the same holds with one kept row taken away
 * for step k.
 */

/* Origins held in the scan state itself (more are allocated) */
#define ONCE_LOCAL_ORIGINS	(2 * CQ_FUNNEL_MAX_STEPS)

/* Chains of one level pruned without allocating */
#define ONCE_LOCAL_PRUNE	8

/* The chains of one level: n chains of `level` step times each */
typedef struct ChainSet
{
	int64	   *t;
	int32		n;
	int32		cap;
} ChainSet;

/* The bipartite matching of steps to the rows of one time */
typedef struct GroupMatch
{
	int			nsteps;
	int			maxrows;		/* nsteps * nsteps */
	int			nrows;			/* kept rows */
	int			excluded;		/* kept row that may not be used, or -1 */
	uint32		stamp;			/* visit mark of the current augmentation */
	uint32	   *mask;			/* step bits of each kept row */
	int32	   *orig;			/* its index in the event array */
	uint32	   *seen;
	int16	   *row_step;		/* step given the row, or 0 */
	int16		step_row[CQ_FUNNEL_MAX_STEPS + 1];	/* row given step s, or -1 */
} GroupMatch;

/* A chain alive when a time group starts, or a new chain (level 0) */
typedef struct Origin
{
	int			level;			/* L0: its level when the group started */
	int			cur;			/* its level now, within the group */
	int32		idx;			/* its index in sets[level] */
} Origin;

typedef struct OnceScan
{
	const FunnelParams *p;
	int64	   *times;			/* out: step times of the reported chain */
	int			level;			/* highest level reached */
	bool		first_event;
	bool		stop;
	Size		bytes;			/* allocated for chains */
	Size		limit;			/* work_mem */
	ChainSet	sets[CQ_FUNNEL_MAX_STEPS];	/* levels 1 .. nsteps-1 */
	/* key coordinates of each level: step indexes whose times must not be earlier */
	int			nkey[CQ_FUNNEL_MAX_STEPS];
	int8		key[CQ_FUNNEL_MAX_STEPS][CQ_FUNNEL_MAX_STEPS + 1];
	/* per time group */
	int64		ts;
	Origin	   *orig;
	int32		norig;
	int32		orig_cap;
	int32	   *advanced;		/* origins that took the current step */
	bool		added[CQ_FUNNEL_MAX_STEPS];	/* sets[L] got chains this group */
	/* the usual few origins need no allocation */
	Origin		orig_local[ONCE_LOCAL_ORIGINS];
	int32		advanced_local[ONCE_LOCAL_ORIGINS];
	int8		run[CQ_FUNNEL_MAX_STEPS + 1];	/* see once_runs */
	int8		run_ex[CQ_FUNNEL_MAX_STEPS + 1];
	GroupMatch *g;				/* allocated on the first time with 2+ rows */
} OnceScan;

/* Step time j (0-based) of origin o's chain once it has taken steps at sc->ts */
static inline int64
origin_time(const OnceScan *sc, const Origin *o, int j)
{
	if (j < o->level)
		return sc->sets[o->level].t[(Size) o->idx * o->level + j];
	return sc->ts;
}

/*
 * Is chain a (n step times) preferred to chain b by the step_times rule?
 * > 0 preferred, 0 equal, < 0 not.
 */
static int
chain_pref(const FunnelParams *p, const int64 *a, const int64 *b, int n)
{
	int			j;

	if (p->per_step)
	{
		for (j = n - 1; j >= 0; j--)
			if (a[j] != b[j])
				return a[j] > b[j] ? 1 : -1;
	}
	else
	{
		for (j = 0; j < n; j++)
			if (a[j] != b[j])
				return a[j] > b[j] ? 1 : -1;
	}
	return 0;
}

/* The same for two origins extended to level n at the current time */
static int
origin_pref(const OnceScan *sc, const Origin *a, const Origin *b, int n)
{
	int64		ta[CQ_FUNNEL_MAX_STEPS],
				tb[CQ_FUNNEL_MAX_STEPS];
	int			j;

	for (j = 0; j < n; j++)
	{
		ta[j] = origin_time(sc, a, j);
		tb[j] = origin_time(sc, b, j);
	}
	return chain_pref(sc->p, ta, tb, n);
}

/*
 * Room for one more chain in sets[level], within the work_mem bound.
 */
static int64 *
chain_push(OnceScan *sc, int level)
{
	ChainSet   *s = &sc->sets[level];
	Size		width = (Size) level * sizeof(int64);

	if (s->n == s->cap)
	{
		int32		cap = s->cap ? s->cap * 2 : 4;
		Size		grow = (Size) (cap - s->cap) * width;

		if (sc->bytes + grow > sc->limit)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("strict_once funnel scan needs more than work_mem (%d kB)", work_mem),
					 errdetail("The candidate chains of one group at step %d would take more than %zu bytes.",
							   level, sc->limit),
					 errhint("Raise work_mem, or read the funnel without strict_once.")));
		s->t = s->t ? repalloc(s->t, (Size) cap * width) : palloc((Size) cap * width);
		s->cap = cap;
		sc->bytes += grow;
	}
	return &s->t[(Size) s->n++ * level];
}

/* ------------------------------------------------------------------------
 * The matching of steps to the rows of one time
 * ------------------------------------------------------------------------
 */

/* Augmenting path from step s (Kuhn): true when s got a row */
static bool
augment(GroupMatch *g, int s)
{
	uint32		bit = ((uint32) 1) << (s - 1);
	int			r;

	for (r = 0; r < g->nrows; r++)
	{
		if (!(g->mask[r] & bit) || r == g->excluded || g->seen[r] == g->stamp)
			continue;
		g->seen[r] = g->stamp;
		if (g->row_step[r] == 0 || augment(g, g->row_step[r]))
		{
			g->row_step[r] = (int16) s;
			g->step_row[s] = (int16) r;
			return true;
		}
	}
	return false;
}

/*
 * once_runs
 *		run[L0] = the largest j such that steps L0+1 .. L0+j can take
 *		distinct kept rows other than row `excluded` (-1: none), for L0 in
 *		0 .. nsteps-1.  The end of the run never moves back as L0 grows
 *		(a subset of a matchable set is matchable), so one pass adds each
 *		step once and removes it once.
 */
static void
once_runs(GroupMatch *g, int excluded, int8 *run)
{
	int			n = g->nsteps;
	int			a,
				b = 0;

	memset(g->row_step, 0, sizeof(int16) * g->nrows);
	memset(g->step_row, -1, sizeof(g->step_row));
	g->excluded = excluded;
	for (a = 0; a < n; a++)
	{
		if (b < a)
			b = a;
		while (b < n)
		{
			g->stamp++;
			if (!augment(g, b + 1))
				break;
			b++;
		}
		run[a] = (int8) (b - a);
		if (b > a)
		{
			/* step a+1 leaves the run: free its row */
			g->row_step[g->step_row[a + 1]] = 0;
			g->step_row[a + 1] = -1;
		}
	}
}

/*
 * Keep the rows of events[i .. j-1] the matching needs, and compute sc->run
 * without exclusion.
 */
static void
once_group_match(OnceScan *sc, const FunnelEvent *events, int32 i, int32 j, uint32 stepmask)
{
	GroupMatch *g = sc->g;
	int			count[CQ_FUNNEL_MAX_STEPS + 1] = {0};
	int			n = sc->p->nsteps;
	int32		r;

	if (g == NULL)
	{
		/* one allocation for the struct and its four arrays */
		int			m = n * n;
		char	   *mem = palloc(MAXALIGN(sizeof(GroupMatch)) +
								 (Size) m * (sizeof(uint32) * 3 + sizeof(int16)));

		g = sc->g = (GroupMatch *) mem;
		mem += MAXALIGN(sizeof(GroupMatch));
		g->nsteps = n;
		g->maxrows = m;
		g->mask = (uint32 *) mem;
		g->orig = (int32 *) (g->mask + m);
		g->seen = (uint32 *) (g->orig + m);
		g->row_step = (int16 *) (g->seen + m);
	}
	g->nrows = 0;
	g->stamp = 0;
	for (r = i; r < j && g->nrows < g->maxrows; r++)
	{
		uint32		m = events[r].mask & stepmask;
		uint32		bits = m;
		bool		keep = false;

		while (bits != 0)
		{
			int			s = pg_rightmost_one_pos32(bits) + 1;

			bits &= bits - 1;
			if (count[s] < n)
				keep = true;
			count[s]++;
		}
		if (!keep)
			continue;
		g->mask[g->nrows] = m;
		g->orig[g->nrows] = r;
		g->seen[g->nrows] = 0;
		g->nrows++;
	}
	once_runs(g, -1, sc->run);
}

/* ------------------------------------------------------------------------
 * The scan
 * ------------------------------------------------------------------------
 */

/*
 * Drop from every level the chains whose window has passed at sc->ts: times
 * only grow, so they can never take another step.
 */
static void
once_drop_expired(OnceScan *sc)
{
	const FunnelParams *p = sc->p;
	int			L;

	for (L = 1; L < p->nsteps; L++)
	{
		ChainSet   *s = &sc->sets[L];
		int32		c,
					keep = 0;

		for (c = 0; c < s->n; c++)
		{
			const int64 *t = &s->t[(Size) c * L];

			if (!cq_funnel_in_window(p, L + 1, t[0], t[L - 1], sc->ts))
				continue;
			if (keep != c)
				memmove(&s->t[(Size) keep * L], t, L * sizeof(int64));
			keep++;
		}
		s->n = keep;
	}
}

/* The origins of the group at sc->ts: every kept chain, and a new chain */
static void
once_origins(OnceScan *sc)
{
	int			L;
	int32		total = 1;

	for (L = 1; L < sc->p->nsteps; L++)
		total += sc->sets[L].n;
	if (total > sc->orig_cap)
	{
		if (sc->orig != sc->orig_local)
		{
			pfree(sc->orig);
			pfree(sc->advanced);
		}
		sc->orig_cap = Max(total, 2 * sc->orig_cap);
		sc->orig = palloc(sizeof(Origin) * sc->orig_cap);
		sc->advanced = palloc(sizeof(int32) * sc->orig_cap);
	}
	sc->norig = 0;
	for (L = 0; L < sc->p->nsteps; L++)
	{
		/* level 0: the new chain a row of step 1 starts here */
		int32		n = L == 0 ? 1 : sc->sets[L].n;

		for (int32 c = 0; c < n; c++)
		{
			Origin	   *o = &sc->orig[sc->norig++];

			o->level = o->cur = L;
			o->idx = c;
		}
	}
}

/*
 * Level k has just been reached for the first time, by the origins that
 * advanced to k at step k of the rows events[i .. j-1] (advanced[0 ..
 * nadv-1]).  Find the first row of step k that some of them can take it
 * with, report the preferred chain among those, and return that row.
 */
static int32
once_reach(OnceScan *sc, const FunnelEvent *events, int32 i, int32 j, int k,
		   const int32 *advanced, int nadv)
{
	uint32		bit = ((uint32) 1) << (k - 1);
	int			kept = 0;
	int32		r;

	for (r = i; r < j; r++)
	{
		const int8 *run = sc->run;
		const Origin *best = NULL;
		int			a;

		if (!(events[r].mask & bit))
			continue;
		if (sc->g != NULL && j - i > 1)
		{
			/* the kept rows come in row order: is r one of them? */
			while (kept < sc->g->nrows && sc->g->orig[kept] < r)
				kept++;
			if (kept < sc->g->nrows && sc->g->orig[kept] == r)
			{
				once_runs(sc->g, kept, sc->run_ex);
				run = sc->run_ex;
			}
		}
		for (a = 0; a < nadv; a++)
		{
			const Origin *o = &sc->orig[advanced[a]];

			/* steps before k at this time must fit in the other rows */
			if (o->level < k - 1 && run[o->level] < k - 1 - o->level)
				continue;
			if (best == NULL || origin_pref(sc, o, best, k) > 0)
				best = o;
		}
		if (best != NULL)
		{
			sc->level = k;
			if (sc->times)
				for (a = 0; a < k; a++)
					sc->times[a] = origin_time(sc, best, a);
			return r;
		}
	}
	/* unreachable: some origin advanced, so some row carries it */
	elog(ERROR, "strict_once scan lost the row that reached step %d", k);
	return -1;
}

/* What the modes make of the first entry of step k at this time */
typedef enum OnceVerdict
{
	ONCE_GO,					/* look at the chains */
	ONCE_SKIP,					/* allow_reentry: skip the step's entries */
	ONCE_STOP					/* the scan is over */
} OnceVerdict;

static inline OnceVerdict
once_checks(OnceScan *sc, int k)
{
	uint32		mode = sc->p->mode;

	if ((mode & CQ_FUNNEL_STRICT_DEDUPLICATION) && sc->level >= k && k >= 2)
		return ONCE_STOP;		/* a reached step repeats */
	if (k >= 2 && (mode & CQ_FUNNEL_STRICT_ORDER) && sc->first_event && sc->level < k - 1)
		return (mode & CQ_FUNNEL_ALLOW_REENTRY) ? ONCE_SKIP : ONCE_STOP;	/* premature */
	if (k == 1)
		sc->first_event = true;
	return ONCE_GO;
}

/*
 * The commonest time: one row, satisfying one step k.  Only chains of level
 * k-1 can move, by that one step, so neither the origins nor the matching
 * are needed, and other levels are not looked at (their expired chains go
 * when their level is next used: an expired chain dominates only expired
 * ones).  Returns false when the scan stops.
 */
static bool
once_single(OnceScan *sc, int k)
{
	const FunnelParams *p = sc->p;
	OnceVerdict v = once_checks(sc, k);
	int64		best[CQ_FUNNEL_MAX_STEPS];
	int64		cand[CQ_FUNNEL_MAX_STEPS];
	bool		found = false;

	if (v != ONCE_GO)
		return v == ONCE_SKIP;
	if (k == 1)
	{
		if (p->nsteps > 1)
		{
			*chain_push(sc, 1) = sc->ts;
			sc->added[1] = true;
		}
		best[0] = sc->ts;
		found = true;
	}
	else
	{
		ChainSet   *prev = &sc->sets[k - 1];
		int			L = k - 1;
		int32		keep = 0;

		for (int32 c = 0; c < prev->n; c++)
		{
			int64	   *t = &prev->t[(Size) c * L];

			if (!cq_funnel_in_window(p, k, t[0], t[L - 1], sc->ts))
				continue;		/* expired: dropped */
			if (keep != c)
				memmove(&prev->t[(Size) keep * L], t, L * sizeof(int64));
			t = &prev->t[(Size) keep++ * L];
			/* strict_increase: ts > last holds for a chain of an earlier time */
			if (k < p->nsteps)
			{
				/* prev and sets[k] are different arrays: t stays valid */
				int64	   *nt = chain_push(sc, k);

				memcpy(nt, t, L * sizeof(int64));
				nt[L] = sc->ts;
				sc->added[k] = true;
			}
			if (sc->level < k)
			{
				memcpy(cand, t, L * sizeof(int64));
				cand[L] = sc->ts;
				if (!found || chain_pref(p, cand, best, k) > 0)
					memcpy(best, cand, k * sizeof(int64));
			}
			found = true;
		}
		prev->n = keep;
	}
	if (found && sc->level < k)
	{
		sc->level = k;
		if (sc->times)
			memcpy(sc->times, best, k * sizeof(int64));
		if (k == p->nsteps)
			return false;
	}
	return true;
}

/*
 * Step k of the rows events[i .. j-1] (time sc->ts): the entry checks of
 * the modes, then every origin at level k-1 that can take step k here
 * advances; returns false when the scan stops.
 */
static bool
once_step(OnceScan *sc, const FunnelEvent *events, int32 i, int32 j, int k)
{
	int32	   *advanced = sc->advanced;
	const FunnelParams *p = sc->p;
	uint32		mode = p->mode;
	int			nadv = 0;
	int32		o;
	OnceVerdict v = once_checks(sc, k);

	if (v != ONCE_GO)
		return v == ONCE_SKIP;

	for (o = 0; o < sc->norig; o++)
	{
		Origin	   *or = &sc->orig[o];
		int			steps_here = k - or->level;

		if (or->cur != k - 1 || steps_here > sc->run[or->level])
			continue;
		/* strict_increase: one step per time (ts > last holds for older chains) */
		if ((mode & CQ_FUNNEL_STRICT_INCREASE) && steps_here > 1)
			continue;
		or->cur = k;
		advanced[nadv++] = o;
		if (k < p->nsteps)
		{
			int64	   *t = chain_push(sc, k);

			sc->added[k] = true;
			for (int s = 0; s < k; s++)
				t[s] = origin_time(sc, or, s);
		}
	}
	if (nadv > 0 && sc->level < k)
	{
		int32		r = once_reach(sc, events, i, j, k, advanced, nadv);

		if (k == p->nsteps)
			return false;
		if ((mode & CQ_FUNNEL_STRICT_DEDUPLICATION) && k >= 2)
		{
			/* the next entry of step k would be a repeat */
			uint32		bit = ((uint32) 1) << (k - 1);

			for (r++; r < j; r++)
				if (events[r].mask & bit)
					return false;
		}
	}
	return true;
}

/* Excluded event of exclusion x at sc->ts: break the chains it covers */
static void
once_exclude(OnceScan *sc, const FunnelExclusion *x)
{
	int			L;

	for (L = x->from; L < x->to && L < sc->p->nsteps; L++)
	{
		ChainSet   *s = &sc->sets[L];
		int32		c,
					keep = 0;

		for (c = 0; c < s->n; c++)
		{
			const int64 *t = &s->t[(Size) c * L];

			if (t[x->from - 1] < sc->ts)
				continue;		/* broken */
			if (keep != c)
				memmove(&s->t[(Size) keep * L], t, L * sizeof(int64));
			keep++;
		}
		s->n = keep;
	}
}

/* What once_cmp_pref compares: the chains of one level */
typedef struct PrefArg
{
	const FunnelParams *p;
	const int64 *base;
	int			level;
} PrefArg;

/* qsort_arg comparator of chain indexes: preferred chains first */
static int
once_cmp_pref(const void *a, const void *b, void *arg)
{
	const PrefArg *pa = arg;

	return chain_pref(pa->p, &pa->base[(Size) *(const int32 *) b * pa->level],
					  &pa->base[(Size) *(const int32 *) a * pa->level], pa->level);
}

/*
 * Keep, at level L, only the chains no other chain dominates: another
 * chain dominates c when none of its key times is earlier than c's and it
 * is preferred to c or equal (file header).
 */
static void
once_prune(OnceScan *sc, int L)
{
	ChainSet   *s = &sc->sets[L];
	int32	   *order;
	int64	   *kept;
	int32		c,
				nkept = 0;
	PrefArg		arg;
	int32		order_local[ONCE_LOCAL_PRUNE];
	int64		kept_local[ONCE_LOCAL_PRUNE * CQ_FUNNEL_MAX_STEPS];
	bool		local = s->n <= ONCE_LOCAL_PRUNE;

	if (s->n <= 1)
		return;
	order = local ? order_local : palloc(sizeof(int32) * s->n);
	for (c = 0; c < s->n; c++)
		order[c] = c;
	arg.p = sc->p;
	arg.base = s->t;
	arg.level = L;
	if (local)
	{
		/* a few chains: insertion sort, no comparator calls through qsort */
		for (c = 1; c < s->n; c++)
		{
			int32		v = order[c];
			int32		d = c - 1;

			while (d >= 0 && once_cmp_pref(&order[d], &v, &arg) > 0)
			{
				order[d + 1] = order[d];
				d--;
			}
			order[d + 1] = v;
		}
	}
	else
		cq_sort(order, s->n, sizeof(int32), once_cmp_pref, &arg);

	kept = local ? kept_local : palloc(sizeof(int64) * L * (Size) s->n);
	for (c = 0; c < s->n; c++)
	{
		const int64 *t = &s->t[(Size) order[c] * L];
		bool		dominated = false;

		CHECK_FOR_INTERRUPTS();
		for (int32 d = 0; d < nkept && !dominated; d++)
		{
			const int64 *u = &kept[(Size) d * L];
			int			q;

			for (q = 0; q < sc->nkey[L]; q++)
				if (u[sc->key[L][q]] < t[sc->key[L][q]])
					break;
			dominated = (q == sc->nkey[L]);
		}
		if (!dominated)
			memcpy(&kept[(Size) nkept++ * L], t, L * sizeof(int64));
	}
	memcpy(s->t, kept, sizeof(int64) * L * (Size) nkept);
	s->n = nkept;
	if (!local)
	{
		pfree(kept);
		pfree(order);
	}
}

/* The key coordinates of every level (file header, point 1) */
static void
once_keys(OnceScan *sc)
{
	const FunnelParams *p = sc->p;
	int			L;

	for (L = 1; L < p->nsteps; L++)
	{
		int			n = 0;

		sc->key[L][n++] = (int8) (p->per_step ? L - 1 : 0);
		for (int x = 0; x < p->nexclusions; x++)
		{
			const FunnelExclusion *e = &p->exclusions[x];
			bool		dup = false;

			if (!(e->from <= L && L < e->to))
				continue;
			for (int q = 0; q < n; q++)
				if (sc->key[L][q] == e->from - 1)
					dup = true;
			if (!dup)
				sc->key[L][n++] = (int8) (e->from - 1);
		}
		sc->nkey[L] = n;
	}
}

/*
 * cq_funnel_scan_once
 *		cq_funnel_scan (funnel_scan.c) for the strict_once mode: the same
 *		contract, the stage of events[0 .. nevents-1] in canonical order and,
 *		when times is not NULL, the step times of the preferred chain among
 *		those the first entry to reach that stage created.
 */
int
cq_funnel_scan_once(const FunnelEvent *events, int32 nevents, const FunnelParams *p,
					int64 *times)
{
	OnceScan	scan;
	OnceScan   *sc = &scan;
	int32		i,
				j;
	bool		strict_order = (p->mode & CQ_FUNNEL_STRICT_ORDER) != 0;
	uint32		stepmask = p->nsteps >= 32 ? PG_UINT32_MAX :
		(((uint32) 1) << p->nsteps) - 1;
	int			level;

	Assert(p->mode & CQ_FUNNEL_STRICT_ONCE);
	Assert(p->nsteps >= 1 && p->nsteps <= CQ_FUNNEL_MAX_STEPS);
	/* the local origin arrays and per-group fields are written before read */
	sc->level = 0;
	sc->first_event = false;
	sc->stop = false;
	sc->bytes = 0;
	memset(sc->sets, 0, sizeof(ChainSet) * p->nsteps);
	memset(sc->added, 0, sizeof(sc->added));
	sc->norig = 0;
	sc->g = NULL;
	sc->p = p;
	sc->times = times;
	/* one set is one allocation: never more than palloc allows */
	sc->limit = Min((Size) work_mem * 1024, MaxAllocSize);
	sc->orig = sc->orig_local;
	sc->advanced = sc->advanced_local;
	sc->orig_cap = ONCE_LOCAL_ORIGINS;
	once_keys(sc);

	for (i = 0; i < nevents && !sc->stop; i = j)
	{
		uint32		all,
					excluded;
		bool		foreign;
		uint32		rest;

		CHECK_FOR_INTERRUPTS();
		j = cq_funnel_time_group(events, nevents, i, stepmask, &all, &excluded, &foreign);
		sc->ts = events[i].ts;

		/* a row satisfying no step: strict_order's sentinel (ts, 0) */
		if (foreign && strict_order && sc->first_event)
			break;

		if (j - i == 1 && all != 0 && (all & (all - 1)) == 0)
		{
			if (!once_single(sc, pg_rightmost_one_pos32(all) + 1))
				sc->stop = true;
		}
		else if (all != 0)
		{
			once_drop_expired(sc);
			once_origins(sc);
			if (j - i == 1)
			{
				/* one row: a chain takes at most one step here */
				for (int L = 0; L < p->nsteps; L++)
					sc->run[L] = (events[i].mask >> L) & 1;
			}
			else
				once_group_match(sc, events, i, j, stepmask);

			rest = all;
			while (rest != 0 && !sc->stop)
			{
				int			k = pg_rightmost_one_pos32(rest) + 1;

				rest &= rest - 1;
				if (!once_step(sc, events, i, j, k))
					sc->stop = true;
			}
		}

		/* excluded events come after the steps of their time */
		if (excluded != 0 && !sc->stop)
			for (int x = 0; x < p->nexclusions; x++)
				if (excluded & (((uint32) 1) << (p->exclusions[x].cond - 1)))
					once_exclude(sc, &p->exclusions[x]);

		/* only a level that got chains can hold dominated ones */
		if (!sc->stop)
			for (int L = 1; L < p->nsteps; L++)
				if (sc->added[L])
				{
					once_prune(sc, L);
					sc->added[L] = false;
				}
	}

	level = sc->level;
	for (int L = 1; L < p->nsteps; L++)
		if (sc->sets[L].t)
			pfree(sc->sets[L].t);
	if (sc->orig != sc->orig_local)
	{
		pfree(sc->orig);
		pfree(sc->advanced);
	}
	if (sc->g)
		pfree(sc->g);
	return level;
}
