/*-------------------------------------------------------------------------
 *
 * rank_accum.c
 *	  The per-user accumulator behind cq.rank_events (rank_accum.h), free of
 *	  PostgreSQL.
 *
 * Memory comes from the host (CqRankEnv.alloc) and is never freed here: in
 * the server it lives in a memory context the driver deletes, in the test
 * driver until the process ends.
 *
 *-------------------------------------------------------------------------
 */
#include "rank_accum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "signal_core.h"

/* Per event name */
typedef struct EventStats
{
	char	   *name;
	int			namelen;
	uint32_t	hash;
	int64_t		occurrences;	/* rows of this event */
	bool		carries;		/* some of its rows carry revenue */
	int64_t		censored;		/* users whose window for it is not fully observed */
	CqSignal	sig;			/* group 1 added per user, group 0 at the end */
	int64_t		last_user;		/* ordinal of the user that last had it */
	int32_t    *users;			/* ordinals of the users with it, increasing */
	int64_t		nusers;
	int64_t		users_cap;
	int64_t    *leads;			/* first occurrence to first revenue, us */
	int64_t		nleads;
	int64_t		leads_cap;
	int64_t		median_lead;	/* set by cq_rank_accum_finish */
} EventStats;

struct CqRankAccum
{
	CqRankEnv	env;
	int64_t		observed_until;
	size_t		max_bytes;		/* largest array allowed */
	/* event names */
	EventStats *events;
	int64_t		nevents;
	int64_t		events_cap;
	int		   *slots;			/* open addressing: event index, -1 empty */
	int			nslots;
	/* per-user baseline: window end and revenue in (first event, + horizon] */
	int64_t    *base_end;
	double	   *base_value;
	int64_t		nusers;
	int64_t		base_cap;
	/* rows of the current user */
	int64_t    *row_t;
	int		   *row_event;		/* -1: a row without an event (revenue only) */
	double	   *row_rev;		/* NaN: no revenue */
	int64_t		nrows;
	int64_t		rows_cap;
	/* its revenue rows, in time order */
	int64_t    *rev_t;
	double	   *rev_v;
	int64_t		nrev;
	int64_t		first_time;		/* earliest first event of a user */
	bool		have_first_time;
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
	newcap = *cap > 0 ? *cap * 2 : 64;
	while (newcap < need)
		newcap *= 2;
	if ((size_t) newcap > ra->max_bytes / elsize)
		return false;
	*ptr = ra->env.alloc(ra->env.host, *ptr, (size_t) newcap * elsize);
	*cap = newcap;
	return true;
}

/*
 * cq_rank_accum_create
 *		An empty accumulator.  observed_until: the end of observation (a
 *		window ending later censors the user); max_array_bytes: the largest
 *		array it may allocate.
 */
CqRankAccum *
cq_rank_accum_create(const CqRankEnv *env, int64_t observed_until, size_t max_array_bytes)
{
	CqRankAccum *ra = env->alloc(env->host, NULL, sizeof(CqRankAccum));

	memset(ra, 0, sizeof(*ra));
	ra->env = *env;
	ra->observed_until = observed_until;
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
	e->last_user = -1;
	ra->slots[slot] = (int) ra->nevents;
	return (int) ra->nevents++;
}

/*
 * cq_rank_accum_row
 *		One row of the current user: its time, its event name (eventlen -1:
 *		a row without an event, as from a separate revenue table) and its
 *		revenue, if any.  Rows of a user must come in time order.
 */
CqRankStatus
cq_rank_accum_row(CqRankAccum *ra, int64_t t, const char *event, int eventlen,
				  bool has_revenue, double revenue)
{
	int64_t		cap;

	if (has_revenue && !isfinite(revenue))
		return CQ_RANK_NOT_FINITE;
	if (ra->nrows > 0 && t < ra->row_t[ra->nrows - 1])
		return CQ_RANK_UNORDERED;
	if (ra->nrows >= ra->rows_cap)
	{
		int64_t		need = ra->nrows + 1;

		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->row_t, &cap, need, sizeof(int64_t)))
			return CQ_RANK_TOO_LARGE;
		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->row_event, &cap, need, sizeof(int)))
			return CQ_RANK_TOO_LARGE;
		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->row_rev, &cap, need, sizeof(double)))
			return CQ_RANK_TOO_LARGE;
		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->rev_t, &cap, need, sizeof(int64_t)))
			return CQ_RANK_TOO_LARGE;
		cap = ra->rows_cap;
		if (!grow(ra, (void **) &ra->rev_v, &cap, need, sizeof(double)))
			return CQ_RANK_TOO_LARGE;
		ra->rows_cap = cap;
	}
	ra->row_t[ra->nrows] = t;
	ra->row_event[ra->nrows] = -1;
	if (eventlen >= 0)
	{
		int			i = event_index(ra, event, eventlen);

		if (i < 0)
			return CQ_RANK_TOO_LARGE;
		ra->row_event[ra->nrows] = i;
	}
	ra->row_rev[ra->nrows] = has_revenue ? revenue : NAN;
	ra->nrows++;
	return CQ_RANK_OK;
}

/*
 * Revenue of the current user in (anchor, end], and the time of its first
 * row there (*has_first false when none).  Revenue rows are in time order
 * and summed in that order.
 */
static double
window_revenue(const CqRankAccum *ra, int64_t anchor, int64_t end, bool *has_first,
			   int64_t *first)
{
	int64_t		lo = 0,
				hi = ra->nrev;
	double		sum = 0.0;

	/* the first revenue row with t > anchor */
	while (lo < hi)
	{
		int64_t		mid = (lo + hi) / 2;

		if (ra->rev_t[mid] <= anchor)
			lo = mid + 1;
		else
			hi = mid;
	}
	*has_first = lo < ra->nrev && ra->rev_t[lo] <= end;
	if (*has_first)
		*first = ra->rev_t[lo];
	for (; lo < ra->nrev && ra->rev_t[lo] <= end; lo++)
		sum += ra->rev_v[lo];
	return sum;
}

/*
 * cq_rank_accum_end_user
 *		The current user's rows are complete: add the user to the summaries
 *		of the events it did, and keep its baseline for the others.  A user
 *		with revenue but no event is not part of the population.
 */
CqRankStatus
cq_rank_accum_end_user(CqRankAccum *ra)
{
	int64_t		first_seen = 0;
	bool		have_event = false;
	int64_t		ordinal;
	int64_t		cap;
	bool		has_first;
	int64_t		first_rev;

	if (ra->nrows == 0)
		return CQ_RANK_OK;
	ra->env.check_interrupts(ra->env.host);
	ra->nrev = 0;
	for (int64_t i = 0; i < ra->nrows; i++)
	{
		if (!isnan(ra->row_rev[i]))
		{
			ra->rev_t[ra->nrev] = ra->row_t[i];
			ra->rev_v[ra->nrev] = ra->row_rev[i];
			ra->nrev++;
		}
		if (ra->row_event[i] >= 0 && !have_event)
		{
			first_seen = ra->row_t[i];
			have_event = true;
		}
	}
	if (!have_event)
	{
		ra->nrows = 0;
		return CQ_RANK_OK;
	}

	ordinal = ra->nusers;
	if (ordinal >= INT32_MAX)
		return CQ_RANK_TOO_MANY_USERS;
	cap = ra->base_cap;
	if (!grow(ra, (void **) &ra->base_end, &cap, ordinal + 1, sizeof(int64_t)))
		return CQ_RANK_TOO_LARGE;
	cap = ra->base_cap;
	if (!grow(ra, (void **) &ra->base_value, &cap, ordinal + 1, sizeof(double)))
		return CQ_RANK_TOO_LARGE;
	ra->base_cap = cap;
	ra->base_end[ordinal] = ra->env.window_end(ra->env.host, first_seen);
	ra->base_value[ordinal] = window_revenue(ra, first_seen, ra->base_end[ordinal],
											 &has_first, &first_rev);
	ra->nusers++;
	if (!ra->have_first_time || first_seen < ra->first_time)
	{
		ra->first_time = first_seen;
		ra->have_first_time = true;
	}

	for (int64_t i = 0; i < ra->nrows; i++)
	{
		EventStats *e;
		int64_t		end;
		double		v;

		if (ra->row_event[i] < 0)
			continue;
		e = &ra->events[ra->row_event[i]];
		e->occurrences++;
		if (!isnan(ra->row_rev[i]))
			e->carries = true;
		if (e->last_user == ordinal)
			continue;			/* not the first occurrence */
		e->last_user = ordinal;
		if (!grow(ra, (void **) &e->users, &e->users_cap, e->nusers + 1, sizeof(int32_t)))
			return CQ_RANK_TOO_LARGE;
		e->users[e->nusers++] = (int32_t) ordinal;
		end = ra->env.window_end(ra->env.host, ra->row_t[i]);
		if (end > ra->observed_until)
		{
			e->censored++;
			continue;
		}
		v = window_revenue(ra, ra->row_t[i], end, &has_first, &first_rev);
		if (cq_signal_add(&e->sig, true, v) != CQ_SIGNAL_OK)
			return CQ_RANK_OVERFLOW;
		if (has_first)
		{
			if (!grow(ra, (void **) &e->leads, &e->leads_cap, e->nleads + 1, sizeof(int64_t)))
				return CQ_RANK_TOO_LARGE;
			e->leads[e->nleads++] = first_rev - ra->row_t[i];
		}
	}
	ra->nrows = 0;
	return CQ_RANK_OK;
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x < y) ? -1 : (x > y) ? 1 : 0;
}

/*
 * cq_rank_accum_finish
 *		After the last user: add every user without an event to that
 *		event's summary (or to its censored users), and take the median lead
 *		time of each event.
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
		int64_t		p = 0;

		ra->env.check_interrupts(ra->env.host);
		for (int64_t j = 0; j < ra->nusers; j++)
		{
			if (p < e->nusers && e->users[p] == j)
			{
				p++;
				continue;
			}
			if (ra->base_end[j] > ra->observed_until)
				e->censored++;
			else if (cq_signal_add(&e->sig, false, ra->base_value[j]) != CQ_SIGNAL_OK)
				return CQ_RANK_OVERFLOW;
		}
		if (e->nleads > 0)
		{
			int64_t		lo,
						hi;

			/* percentile_cont(0.5): the middle value, or the mean of the two */
			qsort(e->leads, (size_t) e->nleads, sizeof(int64_t), int64_cmp);
			lo = e->leads[(e->nleads - 1) / 2];
			hi = e->leads[e->nleads / 2];
			e->median_lead = lo + (int64_t) rint((double) (hi - lo) * 0.5);
		}
	}
	return CQ_RANK_OK;
}

/* The number of event names seen */
int
cq_rank_accum_nevents(const CqRankAccum *ra)
{
	return (int) ra->nevents;
}

/* The figures of event name i (0 .. nevents-1, in order of first appearance) */
void
cq_rank_accum_event(const CqRankAccum *ra, int i, CqRankEventResult *out)
{
	const EventStats *e = &ra->events[i];

	out->name = e->name;
	out->namelen = e->namelen;
	out->occurrences = e->occurrences;
	out->carries = e->carries;
	out->censored = e->censored;
	out->signal = e->sig;
	out->has_lead = e->nleads > 0;
	out->median_lead = e->median_lead;
}

/* The earliest first event of any user; false when no user was seen */
bool
cq_rank_accum_first_time(const CqRankAccum *ra, int64_t *first)
{
	*first = ra->first_time;
	return ra->have_first_time;
}
