/*-------------------------------------------------------------------------
 *
 * fuzz_funnel_scan.c
 *	  libFuzzer harness for the strict_once funnel scan (src/funnel_scan.c,
 *	  src/funnel_scan_once.c), linked with test/fuzz/pg_stubs.c instead of a
 *	  server.
 *
 * An input is a funnel read and a user's rows: the step count (1 to 6), the
 * mode (strict_once with any valid combination of the others), one window
 * or per-step windows, up to two exclusions, and rows whose times advance by
 * 0, 1 or 2 units (so many rows share a time) with any set of conditions.
 * The chain-explosion shapes (hundreds of rows at one time or a unit apart,
 * each satisfying most steps) are in the seeds; before 1.1 they took the
 * scan's memory past any bound.
 *
 * Checked, besides "no crash, no sanitizer report, no error raised, no
 * libFuzzer timeout":
 *	- the stage is within 0 .. steps, and its step times are times of rows,
 *	  in order;
 *	- for at most 8 rows, stage and step times equal those of a literal
 *	  scan written here from the semantics (README "Funnels"): every entry
 *	  (time, step, row) in order, every candidate chain kept, the preferred
 *	  chain reported (latest start; with per-step windows latest last step).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fuzz_common.h"
#include "funnel.h"

#define MAX_ROWS		2048
#define LITERAL_ROWS	8

/* ------------------------------------------------------------------------
 * The literal scan
 * ------------------------------------------------------------------------
 */
typedef struct LitChain
{
	int64		t[CQ_FUNNEL_MAX_STEPS];
	int32		row[CQ_FUNNEL_MAX_STEPS];
} LitChain;

typedef struct LitList
{
	LitChain   *c;
	int			n;
	int			cap;
} LitList;

typedef struct Entry
{
	int64		ts;
	int			k;				/* step; 0 sentinel; 1000 + cond excluded */
	int32		row;
} Entry;

static int
entry_cmp(const void *a, const void *b)
{
	const Entry *x = a,
			   *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static void
lit_push(LitList *l, const LitChain *c)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? 2 * l->cap : 8;
		l->c = realloc(l->c, sizeof(LitChain) * l->cap);
		if (l->c == NULL)
			abort();
	}
	l->c[l->n++] = *c;
}

/* a preferred to b (n times)? */
static bool
lit_better(const FunnelParams *p, const int64 *a, const int64 *b, int n)
{
	if (p->per_step)
	{
		for (int j = n - 1; j >= 0; j--)
			if (a[j] != b[j])
				return a[j] > b[j];
	}
	else
	{
		for (int j = 0; j < n; j++)
			if (a[j] != b[j])
				return a[j] > b[j];
	}
	return false;
}

static int
literal_scan(const FunnelEvent *ev, int32 n, const FunnelParams *p, int64 *times)
{
	Entry		ents[LITERAL_ROWS * (CQ_FUNNEL_MAX_STEPS + 1)];
	int			nents = 0;
	LitList		lists[CQ_FUNNEL_MAX_STEPS + 1];
	bool		reached[CQ_FUNNEL_MAX_STEPS + 1] = {false};
	bool		has_first = false;
	int			level = 0;
	uint32		mode = p->mode;

	memset(lists, 0, sizeof(lists));
	for (int32 r = 0; r < n; r++)
	{
		bool		any = false;

		for (int k = 1; k <= p->nsteps; k++)
			if (ev[r].mask & (1u << (k - 1)))
			{
				ents[nents++] = (Entry) {ev[r].ts, k, r};
				any = true;
			}
		if ((mode & CQ_FUNNEL_STRICT_ORDER) && !any)
			ents[nents++] = (Entry) {ev[r].ts, 0, r};
		for (int x = 0; x < p->nexclusions; x++)
			if (ev[r].mask & (1u << (p->exclusions[x].cond - 1)))
				ents[nents++] = (Entry) {ev[r].ts, 1000 + p->exclusions[x].cond, r};
	}
	qsort(ents, nents, sizeof(Entry), entry_cmp);

	for (int e = 0; e < nents; e++)
	{
		int64		ts = ents[e].ts;
		int			k = ents[e].k;

		if (k >= 1000)
		{
			/* an excluded event breaks the chains it covers (once per condition) */
			if (e > 0 && ents[e - 1].ts == ts && ents[e - 1].k == k)
				continue;
			for (int x = 0; x < p->nexclusions; x++)
			{
				const FunnelExclusion *xc = &p->exclusions[x];

				if (xc->cond != k - 1000)
					continue;
				for (int L = xc->from; L < xc->to; L++)
				{
					int			keep = 0;

					for (int c = 0; c < lists[L].n; c++)
						if (!(lists[L].c[c].t[xc->from - 1] < ts))
							lists[L].c[keep++] = lists[L].c[c];
					lists[L].n = keep;
				}
			}
			continue;
		}
		if (k == 0)
		{
			if (has_first)
				break;
			continue;
		}
		if (k == 1)
		{
			LitChain	c;

			c.t[0] = ts;
			c.row[0] = ents[e].row;
			lit_push(&lists[1], &c);
			has_first = true;
			if (!reached[1])
			{
				reached[1] = true;
				level = Max(level, 1);
				times[0] = ts;
			}
			if (p->nsteps == 1)
				break;
			continue;
		}
		if ((mode & CQ_FUNNEL_STRICT_DEDUPLICATION) && reached[k])
			break;
		if ((mode & CQ_FUNNEL_STRICT_ORDER) && has_first && !reached[k - 1])
		{
			if (mode & CQ_FUNNEL_ALLOW_REENTRY)
				continue;
			break;
		}
		{
			int			before = lists[k].n;
			int			prev = lists[k - 1].n;
			bool		done = false;

			for (int c = 0; c < prev; c++)
			{
				LitChain	nc = lists[k - 1].c[c];
				int64		first = nc.t[0],
							last = nc.t[k - 2];
				bool		used = false;

				if (p->per_step ? (uint64) ts - (uint64) last > (uint64) p->windows[k - 2]
					: (uint64) ts - (uint64) first > (uint64) p->window)
					continue;
				for (int j = 0; j < k - 1; j++)
					if (nc.row[j] == ents[e].row)
						used = true;
				if (used)
					continue;
				if ((mode & CQ_FUNNEL_STRICT_INCREASE) && !(last < ts))
					continue;
				nc.t[k - 1] = ts;
				nc.row[k - 1] = ents[e].row;
				lit_push(&lists[k], &nc);
			}
			if (lists[k].n > before && !reached[k])
			{
				const LitChain *best = &lists[k].c[before];

				for (int c = before + 1; c < lists[k].n; c++)
					if (lit_better(p, lists[k].c[c].t, best->t, k))
						best = &lists[k].c[c];
				reached[k] = true;
				level = Max(level, k);
				memcpy(times, best->t, k * sizeof(int64));
				if (k == p->nsteps)
					done = true;
			}
			if (done)
				break;
		}
	}
	for (int L = 0; L <= CQ_FUNNEL_MAX_STEPS; L++)
		free(lists[L].c);
	return level;
}

/* ------------------------------------------------------------------------
 * The harness
 * ------------------------------------------------------------------------
 */
static int
event_cmp(const void *a, const void *b)
{
	const FunnelEvent *x = a,
			   *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->mask > y->mask) - (x->mask < y->mask);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FunnelParams p;
	static FunnelEvent ev[MAX_ROWS];
	int32		n = 0;
	size_t		pos = 0;
	int			nconds;
	int64		ts = 0;
	int64		times[CQ_FUNNEL_MAX_STEPS];
	int64		lit_times[CQ_FUNNEL_MAX_STEPS];
	int			level;

	if (size < 4)
		return 0;
	memset(&p, 0, sizeof(p));
	p.nsteps = 1 + data[pos] % 6;
	p.per_step = (data[pos++] & 0x80) != 0;
	p.mode = (data[pos] & (CQ_FUNNEL_STRICT_DEDUPLICATION | CQ_FUNNEL_STRICT_ORDER |
						   CQ_FUNNEL_STRICT_INCREASE | CQ_FUNNEL_ALLOW_REENTRY)) |
		CQ_FUNNEL_STRICT_ONCE;
	if (!(p.mode & CQ_FUNNEL_STRICT_ORDER))
		p.mode &= ~CQ_FUNNEL_ALLOW_REENTRY;
	pos++;
	p.window = data[pos++] % 6;
	for (int i = 0; i < p.nsteps - 1 && pos < size; i++)
		p.windows[i] = data[pos++] % 4;
	if (pos < size && p.nsteps >= 2)
	{
		p.nexclusions = data[pos++] % 3;
		for (int x = 0; x < p.nexclusions; x++)
		{
			int			from = 1,
						to = 2;

			if (pos + 1 < size)
			{
				from = 1 + data[pos] % (p.nsteps - 1);
				to = from + 1 + data[pos + 1] % (p.nsteps - from);
				pos += 2;
			}
			p.exclusions[x].cond = p.nsteps + x + 1;
			p.exclusions[x].from = from;
			p.exclusions[x].to = to;
		}
	}
	nconds = p.nsteps + p.nexclusions;
	while (pos + 1 < size && n < MAX_ROWS)
	{
		ts += data[pos] % 3;
		ev[n].ts = ts;
		ev[n].mask = data[pos + 1] & ((1u << nconds) - 1);
		ev[n].reserved = 0;
		n++;
		pos += 2;
	}
	qsort(ev, n, sizeof(FunnelEvent), event_cmp);

	level = cq_funnel_scan(ev, n, &p, times);
	FUZZ_CHECK(level >= 0 && level <= p.nsteps, "stage %d of %d steps", level, p.nsteps);
	for (int k = 0; k < level; k++)
	{
		bool		found = false;

		for (int32 r = 0; r < n && !found; r++)
			found = ev[r].ts == times[k] && (ev[r].mask & (1u << k));
		FUZZ_CHECK(found, "step %d time %lld is no row's time for that step", k + 1,
				   (long long) times[k]);
		FUZZ_CHECK(k == 0 || times[k - 1] <= times[k], "step times out of order");
	}
	FUZZ_CHECK(cq_funnel_scan(ev, n, &p, NULL) == level, "stage depends on step times asked");

	if (n <= LITERAL_ROWS)
	{
		int			lit = literal_scan(ev, n, &p, lit_times);

		FUZZ_CHECK(lit == level, "stage %d, literal scan %d (%d rows, %d steps, mode %u%s)",
				   level, lit, (int) n, p.nsteps, p.mode, p.per_step ? ", per step" : "");
		for (int k = 0; k < level; k++)
			FUZZ_CHECK(lit_times[k] == times[k], "step %d: time %lld, literal scan %lld", k + 1,
					   (long long) times[k], (long long) lit_times[k]);
	}
	return 0;
}
