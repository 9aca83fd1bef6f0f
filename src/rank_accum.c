/*-------------------------------------------------------------------------
 *
 * rank_accum.c
 *	  The per-user accumulator behind cq.rank_events (rank_accum.h), free of
 *	  PostgreSQL.
 *
 * Memory comes from the host (CqRankEnv.alloc) and is never freed here: in
 * the server it lives in a memory context the driver deletes, in the test
 * driver until the process ends.  Work is linear: each row is read once
 * when it arrives (its event name looked up in a hash table) and once when
 * its user ends; the end of the scan is one step per event and threshold,
 * plus the sorts of the lead times and latencies behind the medians.
 *
 *-------------------------------------------------------------------------
 */
#include "rank_accum.h"

#include <math.h>
#include <string.h>

#include "signal_core.h"

/*
 * Sums of a group in a floating-point type of at least 113 bits where the
 * compiler has one (x86-64 and ARM64 with GCC or Clang), else long double:
 * the squares of doubles are exact in it, and totals minus a group keep
 * every bit a double can show.  Its natural alignment is 16 bytes, more
 * than the host's allocations promise (8): the type says 8, so the compiler
 * makes no aligned access.
 */
#if defined(__SIZEOF_FLOAT128__)
typedef __float128 wide_t __attribute__((aligned(8)));
#elif defined(__GNUC__)
typedef long double wide_t __attribute__((aligned(8)));
#else
typedef double wide_t;
#endif

typedef struct WideGroup
{
	int64_t		n;
	int64_t		pos;			/* outcomes > 0 */
	wide_t		sy;				/* sum of outcomes */
	wide_t		syy;			/* sum of their squares */
	wide_t		sl;				/* sum of slog1p(outcome) */
	wide_t		sll;			/* sum of their squares */
} WideGroup;

/* A growing array of int64 */
typedef struct Int64List
{
	int64_t    *v;
	int64_t		n;
	int64_t		cap;
} Int64List;

/* Per event name and threshold */
typedef struct ThresholdStats
{
	WideGroup	g1;				/* exposed included users */
	double		pre;			/* their revenue at or before the landmark */
	Int64List	leads;
	CqSignal	signal;			/* set by cq_rank_accum_finish */
	bool		has_lead;
	int64_t		median_lead;
} ThresholdStats;

/* Per event name */
typedef struct EventStats
{
	char	   *name;
	int			namelen;
	uint32_t	hash;
	bool		is_entry;
	bool		seen;
	bool		carries;
	int64_t		occurrences;
	int64_t		duplicates;
	ThresholdStats *thr;		/* one per threshold */
	Int64List	latency;
	bool		has_latency;
	int64_t		median_latency;
	/* the current user: rows in [E, L], first time in [E, O] and in [E, L] */
	int64_t		stamp;			/* ordinal of the user these belong to */
	int32_t		count;
	int64_t		first_exposure;
} EventStats;

struct CqRankAccum
{
	CqRankEnv	env;
	CqRankOptions opt;
	size_t		max_bytes;		/* largest array allowed */
	/* event names */
	EventStats *events;
	int64_t		nevents;
	int64_t		events_cap;
	int		   *slots;			/* open addressing: event index, -1 empty */
	int			nslots;
	/* rows of the current user */
	int64_t    *row_t;
	int		   *row_event;		/* -1: a row without an event (revenue only) */
	double	   *row_rev;		/* NaN: no revenue */
	int64_t		nrows;
	int64_t		rows_cap;
	int		   *touched;		/* events of the current user's rows in [E, O] */
	int64_t		touched_cap;
	/* the population */
	WideGroup	all;			/* every included user's outcome */
	CqRankTotals totals;
	int64_t		ordinal;		/* users with an entry so far */
};

/*
 * Room for at least need elements of elsize bytes in *ptr (capacity *cap),
 * grown geometrically.  False when that would exceed the size limit.
 */
static bool
grow(CqRankAccum *ra, void **ptr, int64_t *cap, int64_t need, size_t elsize)
{
	int64_t		newcap;

	if (need <= *cap)
		return true;
	newcap = *cap > 0 ? *cap * 2 : 16;
	while (newcap < need)
		newcap *= 2;
	if ((size_t) newcap > ra->max_bytes / elsize)
		return false;
	*ptr = ra->env.alloc(ra->env.host, *ptr, (size_t) newcap * elsize);
	*cap = newcap;
	return true;
}

static bool
list_push(CqRankAccum *ra, Int64List *l, int64_t v)
{
	if (!grow(ra, (void **) &l->v, &l->cap, l->n + 1, sizeof(int64_t)))
		return false;
	l->v[l->n++] = v;
	return true;
}

/* percentile_cont(0.5) of l: the middle value, or the mean of the two; false when empty */
static bool
list_median(CqRankAccum *ra, Int64List *l, int64_t *median)
{
	int64_t		lo,
				hi;

	if (l->n == 0)
		return false;
	ra->env.sort(ra->env.host, l->v, (size_t) l->n);
	lo = l->v[(l->n - 1) / 2];
	hi = l->v[l->n / 2];
	*median = lo + (int64_t) rint((double) (hi - lo) * 0.5);
	return true;
}

static inline void
wide_add(WideGroup *g, double y)
{
	double		l = (y == 0.0) ? y : cq_slog1p(y);

	g->n++;
	if (y > 0.0)
		g->pos++;
	g->sy += y;
	g->syy += (wide_t) y * y;
	g->sl += l;
	g->sll += (wide_t) l * l;
}

/*
 * A group of the summary from its sums: sums of squared deviations are
 * syy - sy^2 / n, taken in wide_t and clamped at 0.  False when a figure
 * does not fit a double.
 */
static bool
wide_to_group(const WideGroup *w, CqSignalGroup *g)
{
	g->n = w->n;
	g->pos = w->pos;
	g->sx = (double) w->sy;
	g->lsx = (double) w->sl;
	g->sxx = g->lsxx = 0.0;
	if (w->n > 1)
	{
		wide_t		dxx = w->syy - w->sy * w->sy / w->n;
		wide_t		dll = w->sll - w->sl * w->sl / w->n;

		g->sxx = dxx > 0 ? (double) dxx : 0.0;
		g->lsxx = dll > 0 ? (double) dll : 0.0;
	}
	return cq_signal_group_finite(g);
}

/*
 * cq_rank_accum_create
 *		An empty accumulator reading rows as opt says; max_array_bytes: the
 *		largest array it may allocate.
 */
CqRankAccum *
cq_rank_accum_create(const CqRankEnv *env, const CqRankOptions *opt, size_t max_array_bytes)
{
	CqRankAccum *ra = env->alloc(env->host, NULL, sizeof(CqRankAccum));

	memset(ra, 0, sizeof(*ra));
	ra->env = *env;
	ra->opt = *opt;
	ra->max_bytes = max_array_bytes;
	return ra;
}

/* FNV-1a, 32 bits */
static uint32_t
name_hash(const char *s, int len)
{
	uint32_t	h = 2166136261u;

	for (int i = 0; i < len; i++)
		h = (h ^ (unsigned char) s[i]) * 16777619u;
	return h;
}

/*
 * The index of event name (s, len), added if new; -1 when the arrays would
 * exceed the size limit.
 */
static int
event_index(CqRankAccum *ra, const char *s, int len)
{
	uint32_t	h = name_hash(s, len);
	int			slot;
	EventStats *e;

	if (ra->nevents * 2 >= ra->nslots)
	{
		int			newn = ra->nslots > 0 ? ra->nslots * 2 : 64;
		int		   *ns;

		if ((size_t) newn > ra->max_bytes / sizeof(int))
			return -1;
		ns = ra->env.alloc(ra->env.host, NULL, (size_t) newn * sizeof(int));
		memset(ns, -1, (size_t) newn * sizeof(int));
		for (int64_t i = 0; i < ra->nevents; i++)
		{
			int			j = ra->events[i].hash & (newn - 1);

			while (ns[j] >= 0)
				j = (j + 1) & (newn - 1);
			ns[j] = (int) i;
		}
		ra->slots = ns;
		ra->nslots = newn;
	}
	slot = h & (ra->nslots - 1);
	while (ra->slots[slot] >= 0)
	{
		e = &ra->events[ra->slots[slot]];
		if (e->hash == h && e->namelen == len && memcmp(e->name, s, len) == 0)
			return ra->slots[slot];
		slot = (slot + 1) & (ra->nslots - 1);
	}
	if (!grow(ra, (void **) &ra->events, &ra->events_cap, ra->nevents + 1, sizeof(EventStats)))
		return -1;
	e = &ra->events[ra->nevents];
	memset(e, 0, sizeof(EventStats));
	e->name = ra->env.alloc(ra->env.host, NULL, len > 0 ? (size_t) len : 1);
	memcpy(e->name, s, len);
	e->namelen = len;
	e->hash = h;
	e->stamp = -1;
	e->thr = ra->env.alloc(ra->env.host, NULL, sizeof(ThresholdStats) * ra->opt.nthresholds);
	memset(e->thr, 0, sizeof(ThresholdStats) * ra->opt.nthresholds);
	ra->slots[slot] = (int) ra->nevents;
	return (int) ra->nevents++;
}

/*
 * cq_rank_accum_entry_event
 *		Mark event name (event, eventlen) as an entry event (with
 *		opt.named_entry, a user's entry is their first row of one).
 */
CqRankStatus
cq_rank_accum_entry_event(CqRankAccum *ra, const char *event, int eventlen)
{
	int			i = event_index(ra, event, eventlen);

	if (i < 0)
		return CQ_RANK_TOO_LARGE;
	ra->events[i].is_entry = true;
	return CQ_RANK_OK;
}

/*
 * cq_rank_accum_row
 *		One row of the current user: its time, its event name (eventlen -1:
 *		a row without an event, as from a separate revenue table), whether it
 *		is a copy of an earlier row of the same event (left out, counted), and
 *		its revenue, if any.  A row at +-infinity or with a revenue that is
 *		not finite is skipped and counted.  Rows of a user must come in time
 *		order.
 */
CqRankStatus
cq_rank_accum_row(CqRankAccum *ra, int64_t t, const char *event, int eventlen, bool duplicate,
				  bool has_revenue, double revenue)
{
	int			e = -1;

	if (t == INT64_MIN || t == INT64_MAX || (has_revenue && !isfinite(revenue)))
	{
		ra->totals.rows_skipped++;
		return CQ_RANK_OK;
	}
	if (ra->nrows > 0 && t < ra->row_t[ra->nrows - 1])
		return CQ_RANK_UNORDERED;
	if (eventlen >= 0)
	{
		EventStats *es;

		if ((e = event_index(ra, event, eventlen)) < 0)
			return CQ_RANK_TOO_LARGE;
		es = &ra->events[e];
		es->seen = true;
		if (duplicate)
		{
			if (t <= ra->opt.observed_until)
				es->duplicates++;
			return CQ_RANK_OK;
		}
		if (t <= ra->opt.observed_until)
			es->occurrences++;
		if (has_revenue)
			es->carries = true;
		if (!ra->totals.has_first || t < ra->totals.first_time)
		{
			ra->totals.first_time = t;
			ra->totals.has_first = true;
		}
	}
	if (ra->nrows >= ra->rows_cap)
	{
		int64_t		need = ra->nrows + 1;
		int64_t		cap;

		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->row_t, &cap, need, sizeof(int64_t)))
			return CQ_RANK_TOO_LARGE;
		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->row_event, &cap, need, sizeof(int)))
			return CQ_RANK_TOO_LARGE;
		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->row_rev, &cap, need, sizeof(double)))
			return CQ_RANK_TOO_LARGE;
		ra->rows_cap = cap;
	}
	ra->row_t[ra->nrows] = t;
	ra->row_event[ra->nrows] = e;
	ra->row_rev[ra->nrows] = has_revenue ? revenue : NAN;
	ra->nrows++;
	return CQ_RANK_OK;
}

/*
 * cq_rank_accum_end_user
 *		The current user's rows are complete: find the entry, and for an
 *		included user add the outcome to the totals and to group 1 of every
 *		event and threshold the user was exposed to.
 */
CqRankStatus
cq_rank_accum_end_user(CqRankAccum *ra)
{
	int64_t		n = ra->nrows;
	int64_t		entry = 0,
				landmark,
				end;
	int64_t		i,
				first = -1;
	double		y = 0.0,
				pre = 0.0;
	bool		has_pos = false;
	int64_t		first_pos = 0;
	int64_t		ntouched = 0;
	int64_t		ordinal;

	if (n == 0)
		return CQ_RANK_OK;
	ra->nrows = 0;
	ra->env.check_interrupts(ra->env.host);
	for (i = 0; i < n && first < 0; i++)
		if (ra->row_event[i] >= 0 &&
			(!ra->opt.named_entry || ra->events[ra->row_event[i]].is_entry))
			first = i;
	if (first < 0)
	{
		ra->totals.no_entry++;
		return CQ_RANK_OK;
	}
	entry = ra->row_t[first];
	ordinal = ra->ordinal++;
	ra->totals.users++;
	landmark = ra->env.add(ra->env.host, entry, 0);
	end = landmark == INT64_MAX ? INT64_MAX : ra->env.add(ra->env.host, landmark, 1);
	if (end == INT64_MAX || end > ra->opt.observed_until)
	{
		ra->totals.censored++;
		return CQ_RANK_OK;
	}
	ra->totals.included++;

	/* the outcome, revenue before the landmark, and the events of [E, O] */
	if (!grow(ra, (void **) &ra->touched, &ra->touched_cap, n, sizeof(int)))
		return CQ_RANK_TOO_LARGE;
	for (i = 0; i < n; i++)
	{
		int64_t		t = ra->row_t[i];
		int			e = ra->row_event[i];

		if (t > end)
			break;
		if (!isnan(ra->row_rev[i]))
		{
			double		v = ra->row_rev[i];

			if (t <= landmark)
				pre += v;
			else
			{
				y += v;
				if (v > 0.0 && !has_pos)
				{
					has_pos = true;
					first_pos = t;
				}
			}
		}
		if (e >= 0 && t >= entry)
		{
			EventStats *es = &ra->events[e];

			if (es->stamp != ordinal)
			{
				/* its first occurrence since the entry: the latency */
				es->stamp = ordinal;
				es->count = 0;
				ra->touched[ntouched++] = e;
				if (!list_push(ra, &es->latency, t - entry))
					return CQ_RANK_TOO_LARGE;
			}
			if (t <= landmark && es->count++ == 0)
				es->first_exposure = t;
		}
	}
	if (!isfinite(y) || !isfinite(pre))
		return CQ_RANK_OVERFLOW;
	wide_add(&ra->all, y);

	for (i = 0; i < ntouched; i++)
	{
		EventStats *es = &ra->events[ra->touched[i]];

		for (int j = 0; j < ra->opt.nthresholds && es->count >= ra->opt.thresholds[j]; j++)
		{
			ThresholdStats *ts = &es->thr[j];

			wide_add(&ts->g1, y);
			ts->pre += pre;
			if (has_pos && !list_push(ra, &ts->leads, first_pos - es->first_exposure))
				return CQ_RANK_TOO_LARGE;
		}
	}
	return CQ_RANK_OK;
}

/*
 * cq_rank_accum_finish
 *		After the last user: the summary of every event and threshold (group
 *		0 = the included users minus group 1), and the medians.
 */
CqRankStatus
cq_rank_accum_finish(CqRankAccum *ra)
{
	CqRankStatus st = cq_rank_accum_end_user(ra);

	if (st != CQ_RANK_OK)
		return st;
	for (int64_t i = 0; i < ra->nevents; i++)
	{
		EventStats *e = &ra->events[i];

		ra->env.check_interrupts(ra->env.host);
		e->has_latency = list_median(ra, &e->latency, &e->median_latency);
		for (int j = 0; j < ra->opt.nthresholds; j++)
		{
			ThresholdStats *ts = &e->thr[j];
			WideGroup	g0 = ra->all;

			g0.n -= ts->g1.n;
			g0.pos -= ts->g1.pos;
			g0.sy -= ts->g1.sy;
			g0.syy -= ts->g1.syy;
			g0.sl -= ts->g1.sl;
			g0.sll -= ts->g1.sll;
			if (!wide_to_group(&g0, &ts->signal.g[0]) ||
				!wide_to_group(&ts->g1, &ts->signal.g[1]))
				return CQ_RANK_OVERFLOW;
			ts->has_lead = list_median(ra, &ts->leads, &ts->median_lead);
		}
	}
	return CQ_RANK_OK;
}

/* What the population looked like */
void
cq_rank_accum_totals(const CqRankAccum *ra, CqRankTotals *out)
{
	*out = ra->totals;
}

/* The number of event names seen (entry events named but never seen included) */
int
cq_rank_accum_nevents(const CqRankAccum *ra)
{
	return (int) ra->nevents;
}

/*
 * The figures of event name i (0 .. nevents-1, in order of first
 * appearance) at threshold j (0 .. nthresholds-1)
 */
void
cq_rank_accum_event(const CqRankAccum *ra, int i, int j, CqRankEventResult *out)
{
	const EventStats *e = &ra->events[i];
	const ThresholdStats *ts = &e->thr[j];

	out->name = e->name;
	out->namelen = e->namelen;
	out->seen = e->seen;
	out->threshold = ra->opt.thresholds[j];
	out->occurrences = e->occurrences;
	out->duplicates = e->duplicates;
	out->carries = e->carries;
	out->signal = ts->signal;
	out->revenue_before = ts->pre;
	out->has_lead = ts->has_lead;
	out->median_lead = ts->median_lead;
	out->has_latency = e->has_latency;
	out->median_latency = e->median_latency;
}
