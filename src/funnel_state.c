/*-------------------------------------------------------------------------
 *
 * funnel_state.c
 *	  The funnel state and the funnel algorithms: build, merge, sort, encode
 *	  and decode a state, parse a mode, and scan a state for the funnel
 *	  stage a group reached.
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
 * External forms (format version 1; both are canonical: events sorted by
 * (ts, mask) as unsigned, no repeated (ts, 0) row):
 *
 *	 text:	 v1 steps=<n> params=<- | window_us/mode> events=<count>[ <ts>:<mask>,...]
 *	 binary: uint8 version, uint8 steps, uint8 has_params,
 *			 [int64 window_us, uint32 mode], int32 count,
 *			 count x (int64 ts, uint32 mask)			(network byte order)
 *
 * ts is microseconds since 2000-01-01 00:00 UTC (PostgreSQL's timestamptz
 * representation), mask has bit k-1 set for step k.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "conversion_quality.h"
#include "common/int.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "port/pg_bitutils.h"
#include "state_codec.h"
#include "utils/memutils.h"

/* ------------------------------------------------------------------------
 * Building and merging
 * ------------------------------------------------------------------------
 */

/*
 * A new empty state for nsteps steps with room for capacity events, packed
 * or wide, allocated in cxt.  The caller has checked nsteps.
 */
static FunnelState *
funnel_state_alloc(int nsteps, int32 capacity, bool packed, MemoryContext cxt)
{
	Size		size = packed ? FUNNEL_PACKED_SIZE(capacity) : FUNNEL_STATE_SIZE(capacity);
	FunnelState *st = (FunnelState *) MemoryContextAllocZero(cxt, size);

	SET_VARSIZE(st, size);
	st->version = CQ_FUNNEL_STATE_VERSION;
	st->nsteps = (uint8) nsteps;
	st->flags = FUNNEL_SORTED | (packed ? FUNNEL_PACKED : 0);
	st->nevents = 0;
	st->capacity = capacity;
	return st;
}

/*
 * A new empty wide state for nsteps steps with room for capacity events,
 * allocated in cxt.  The caller has checked nsteps.
 */
FunnelState *
cq_funnel_state_new(int nsteps, int32 capacity, MemoryContext cxt)
{
	return funnel_state_alloc(nsteps, capacity, false, cxt);
}

/*
 * A new empty state for an aggregate's rows: packed when nsteps allows it
 * (see funnel.h), wide otherwise, filling one 128-byte chunk either way.
 */
FunnelState *
cq_funnel_state_new_accumulator(int nsteps, MemoryContext cxt)
{
	if (nsteps > FUNNEL_PACK_MAX_STEPS)
		return funnel_state_alloc(nsteps, FUNNEL_INITIAL_CAPACITY, false, cxt);
	return funnel_state_alloc(nsteps, FUNNEL_PACKED_INITIAL_CAPACITY, true, cxt);
}

/*
 * A wide copy of st (packed or not) with room for capacity >= st->nevents
 * events, allocated in cxt; same events, same order, same flags but
 * FUNNEL_PACKED.
 */
FunnelState *
cq_funnel_state_widen(const FunnelState *st, int64 capacity, MemoryContext cxt)
{
	FunnelState *w;

	Assert(capacity >= st->nevents && capacity <= FUNNEL_MAX_EVENTS);
	w = (FunnelState *) MemoryContextAlloc(cxt, FUNNEL_STATE_SIZE(capacity));
	memcpy(w, st, FUNNEL_STATE_HDRSZ);
	SET_VARSIZE(w, FUNNEL_STATE_SIZE(capacity));
	w->capacity = (int32) capacity;
	w->flags &= ~FUNNEL_PACKED;
	if (st->flags & FUNNEL_PACKED)
	{
		const int64 *pk = FUNNEL_PACKED_EVENTS(st);

		for (int32 i = 0; i < st->nevents; i++)
		{
			w->events[i].ts = funnel_packed_ts(pk[i]);
			w->events[i].mask = funnel_packed_mask(pk[i]);
			w->events[i].reserved = 0;
		}
	}
	else
		memcpy(w->events, st->events, (Size) st->nevents * sizeof(FunnelEvent));
	memset(&w->events[st->nevents], 0, (Size) (capacity - st->nevents) * sizeof(FunnelEvent));
	return w;
}

/*
 * The capacity to allocate for at least need events of st's form.  Small
 * states fill their whole power-of-two memory chunk (PostgreSQL rounds
 * chunks up to 8 kB to a power of two, so a wide state of 10 events needs
 * a 256-byte chunk, not 512): that halves the memory of a hash aggregate
 * over many small groups.  Larger states grow geometrically.
 */
static int64
funnel_capacity_for(bool packed, int32 capacity, int64 need)
{
	Size		bytes = 128;
	Size		evsize = packed ? sizeof(int64) : sizeof(FunnelEvent);

	if (FUNNEL_STATE_HDRSZ + need * evsize > 8192)
		return Min(Max((int64) capacity * 2, need), (int64) FUNNEL_MAX_EVENTS);
	while (bytes < FUNNEL_STATE_HDRSZ + need * evsize)
		bytes *= 2;
	return (int64) ((bytes - FUNNEL_STATE_HDRSZ) / evsize);
}

/*
 * Make room for at least need events.  Returns st itself when it has room,
 * otherwise a copy with geometrically more room allocated in grow_cxt (st is
 * left untouched: inside an aggregate the executor frees it after copying
 * the new state into the aggregate context).
 */
static FunnelState *
funnel_state_reserve(FunnelState *st, int64 need, MemoryContext grow_cxt)
{
	int64		newcap;
	FunnelState *grown;

	if (need <= st->capacity)
		return st;
	if (need > FUNNEL_MAX_EVENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("funnel state would exceed %d events", FUNNEL_MAX_EVENTS),
				 errdetail("A funnel state holds one 16-byte event per matching row of a group, and a value is limited to 1 GB."),
				 errhint("Narrow the rows of each group with WHERE, or split the group (for example by day) and read the parts separately.")));
	newcap = funnel_capacity_for((st->flags & FUNNEL_PACKED) != 0, st->capacity, need);

	grown = (FunnelState *) MemoryContextAlloc(grow_cxt, FUNNEL_SIZE_AS(st, newcap));
	memcpy(grown, st, FUNNEL_SIZE_AS(st, st->nevents));
	memset((char *) grown + FUNNEL_SIZE_AS(st, st->nevents), 0,
		   FUNNEL_SIZE_AS(st, newcap) - FUNNEL_SIZE_AS(st, st->nevents));
	SET_VARSIZE(grown, FUNNEL_SIZE_AS(st, newcap));
	grown->capacity = (int32) newcap;
	return grown;
}

/*
 * Compare two events in the canonical order (ts, mask).
 */
static inline int
event_cmp(const FunnelEvent *a, const FunnelEvent *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->mask != b->mask)
		return a->mask < b->mask ? -1 : 1;
	return 0;
}

/*
 * event_cmp for qsort.
 */
static int
event_qsort_cmp(const void *a, const void *b)
{
	return event_cmp((const FunnelEvent *) a, (const FunnelEvent *) b);
}

/*
 * Append one row to st, in place when it has room.  A row satisfying no
 * step (mask 0) only matters to strict_order, where only its time counts,
 * so it is not stored again right after an identical one.  Returns the
 * state to use from now on (see funnel_state_reserve); a packed state
 * given a row it cannot pack comes back wide.
 */
FunnelState *
cq_funnel_state_add(FunnelState *st, int64 ts, uint32 mask, MemoryContext grow_cxt)
{
	FunnelEvent *ev;

	if (st->flags & FUNNEL_PACKED)
	{
		if (cq_funnel_packed_append(st, ts, mask))
			return st;
		if (funnel_packable(ts))
		{
			/* no room: grow, then there is */
			st = funnel_state_reserve(st, (int64) st->nevents + 1, grow_cxt);
			(void) cq_funnel_packed_append(st, ts, mask);
			return st;
		}
		/* out of packing range: go wide for good (reserved below) */
		st = cq_funnel_state_widen(st, st->nevents, grow_cxt);
	}

	if (st->nevents > 0)
	{
		FunnelEvent *last = &st->events[st->nevents - 1];

		if (mask == 0 && last->mask == 0 && last->ts == ts)
			return st;
		if ((st->flags & FUNNEL_SORTED) &&
			(ts < last->ts || (ts == last->ts && mask < last->mask)))
			st->flags &= ~FUNNEL_SORTED;
	}
	st = funnel_state_reserve(st, (int64) st->nevents + 1, grow_cxt);
	ev = &st->events[st->nevents++];
	ev->ts = ts;
	ev->mask = mask;
	ev->reserved = 0;
	return st;
}

/*
 * Merge other into st (the state of the union of both groups of rows).
 * st is modified in place when it has room; other is never modified.  Both
 * must count the same steps and, when both carry window_funnel's
 * parameters, the same ones.
 */
FunnelState *
cq_funnel_state_merge(FunnelState *st, const FunnelState *other, MemoryContext grow_cxt)
{
	int32		n1 = st->nevents;
	int32		n2 = other->nevents;

	if (st->nsteps != other->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge funnel states with %d and %d steps",
						st->nsteps, other->nsteps),
				 errdetail("A funnel state records which steps each row satisfies; states built with different step lists are not comparable."),
				 errhint("Merge only states built by cq.funnel_events with the same list of steps.")));
	if (other->flags & FUNNEL_HAS_PARAMS)
	{
		if (!(st->flags & FUNNEL_HAS_PARAMS))
		{
			st->flags |= FUNNEL_HAS_PARAMS;
			st->window = other->window;
			st->mode = other->mode;
		}
		else if (st->window != other->window || st->mode != other->mode)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot merge funnel states with different windows or modes"),
					 errdetail("One state was built with window %lld us and mode %u, the other with window %lld us and mode %u.",
							   (long long) st->window, st->mode,
							   (long long) other->window, other->mode),
					 errhint("Use the same window and mode for every row of a cq.window_funnel group.")));
	}
	if (n2 == 0)
		return st;

	/* merging is rare (once per partial state): do it wide */
	if (other->flags & FUNNEL_PACKED)
		other = cq_funnel_state_widen(other, n2, CurrentMemoryContext);
	if (st->flags & FUNNEL_PACKED)
		st = cq_funnel_state_widen(st, n1, grow_cxt);
	st = funnel_state_reserve(st, (int64) n1 + n2, grow_cxt);
	if ((st->flags & FUNNEL_SORTED) && (other->flags & FUNNEL_SORTED))
	{
		/* both sorted: merge from the back, in place */
		int32		i = n1 - 1;
		int32		j = n2 - 1;
		int32		k = n1 + n2 - 1;

		while (j >= 0)
		{
			if (i >= 0 && event_cmp(&st->events[i], &other->events[j]) > 0)
				st->events[k--] = st->events[i--];
			else
				st->events[k--] = other->events[j--];
		}
	}
	else
	{
		memcpy(&st->events[n1], other->events, (Size) n2 * sizeof(FunnelEvent));
		st->flags &= ~FUNNEL_SORTED;
	}
	st->nevents = n1 + n2;
	return st;
}

/*
 * Compare two packed events for qsort: their order is (ts, mask).
 */
static int
packed_qsort_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * cq_funnel_state_sort for a packed state.
 */
static void
packed_sort(FunnelState *st)
{
	int64	   *pk = FUNNEL_PACKED_EVENTS(st);
	int32		i,
				out;

	if (!(st->flags & FUNNEL_SORTED))
	{
		if (st->nevents <= 32)
		{
			for (i = 1; i < st->nevents; i++)
			{
				int64		v = pk[i];
				int32		j = i - 1;

				while (j >= 0 && pk[j] > v)
				{
					pk[j + 1] = pk[j];
					j--;
				}
				pk[j + 1] = v;
			}
		}
		else
			qsort(pk, st->nevents, sizeof(int64), packed_qsort_cmp);
	}
	out = 0;
	for (i = 0; i < st->nevents; i++)
	{
		/* a repeated (ts, 0) row: equal packed values with mask 0 */
		if (out > 0 && funnel_packed_mask(pk[i]) == 0 && pk[out - 1] == pk[i])
			continue;
		pk[out++] = pk[i];
	}
	st->nevents = out;
	st->flags |= FUNNEL_SORTED;
}

/*
 * Sort st in place into the canonical order and drop repeated (ts, 0)
 * rows.  The state keeps the same meaning: rows have no identity beyond
 * (ts, mask), and a repeated foreign row changes nothing.  A packed state
 * stays packed.
 */
void
cq_funnel_state_sort(FunnelState *st)
{
	int32		i,
				out;

	if (st->flags & FUNNEL_PACKED)
	{
		packed_sort(st);
		return;
	}
	if (!(st->flags & FUNNEL_SORTED))
	{
		if (st->nevents <= 32)
		{
			/* most groups are small: insertion sort, no comparator calls */
			for (i = 1; i < st->nevents; i++)
			{
				FunnelEvent ev = st->events[i];
				int32		j = i - 1;

				while (j >= 0 && event_cmp(&st->events[j], &ev) > 0)
				{
					st->events[j + 1] = st->events[j];
					j--;
				}
				st->events[j + 1] = ev;
			}
		}
		else
			qsort(st->events, st->nevents, sizeof(FunnelEvent), event_qsort_cmp);
	}
	out = 0;
	for (i = 0; i < st->nevents; i++)
	{
		if (out > 0 && st->events[i].mask == 0 &&
			st->events[out - 1].mask == 0 && st->events[out - 1].ts == st->events[i].ts)
			continue;
		st->events[out++] = st->events[i];
	}
	st->nevents = out;
	st->flags |= FUNNEL_SORTED;
}

/*
 * A canonical copy of st (wide, sorted, no spare room) in
 * CurrentMemoryContext: what funnel_events returns and what gets stored.
 */
FunnelState *
cq_funnel_state_compact(const FunnelState *st)
{
	FunnelState *res;

	res = cq_funnel_state_widen(st, st->nevents, CurrentMemoryContext);
	res->reserved = 0;
	if (!(res->flags & FUNNEL_HAS_PARAMS))
	{
		res->window = 0;
		res->mode = 0;
	}
	cq_funnel_state_sort(res);
	res->capacity = res->nevents;
	SET_VARSIZE(res, FUNNEL_STATE_SIZE(res->nevents));
	return res;
}

/* ------------------------------------------------------------------------
 * Parameters
 * ------------------------------------------------------------------------
 */

/*
 * Reject a mode combination ClickHouse rejects.
 */
static void
check_mode_flags(uint32 mode, int sqlstate)
{
	if ((mode & FUNNEL_ALLOW_REENTRY) && !(mode & FUNNEL_STRICT_ORDER))
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("funnel mode allow_reentry requires strict_order"),
				 errdetail("allow_reentry changes how strict_order treats a step that arrives before its predecessor."),
				 errhint("Use mode 'strict_order,allow_reentry'.")));
}

/*
 * Parse a mode: a comma-separated set of strict_deduplication,
 * strict_order, strict_increase, strict_once and allow_reentry (spaces
 * around names allowed, '' = default).  Unknown names, empty items and
 * allow_reentry without strict_order are errors (22023).
 */
uint32
cq_funnel_parse_mode(const char *s, int len)
{
	static const struct
	{
		const char *name;
		uint32		flag;
	}			modes[] =
	{
		{"strict_deduplication", FUNNEL_STRICT_DEDUPLICATION},
		{"strict_order", FUNNEL_STRICT_ORDER},
		{"strict_increase", FUNNEL_STRICT_INCREASE},
		{"strict_once", FUNNEL_STRICT_ONCE},
		{"allow_reentry", FUNNEL_ALLOW_REENTRY},
	};
	uint32		mode = 0;
	int			pos = 0;
	bool		blank = true;
	int			i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			blank = false;
	if (blank)
		return 0;

	while (pos <= len)
	{
		int			start = pos,
					end;
		int			m;
		bool		found = false;

		while (pos < len && s[pos] != ',')
			pos++;
		end = pos;
		pos++;					/* skip the comma (or step past the end) */
		while (start < end && (s[start] == ' ' || s[start] == '\t'))
			start++;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;

		for (m = 0; m < (int) lengthof(modes); m++)
		{
			if ((int) strlen(modes[m].name) == end - start &&
				memcmp(modes[m].name, s + start, end - start) == 0)
			{
				mode |= modes[m].flag;
				found = true;
				break;
			}
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel mode \"%.*s\"", end - start, s + start),
					 (end - start == 6 && memcmp(s + start, "strict", 6) == 0) ?
					 errdetail("ClickHouse renamed mode strict to strict_deduplication.") :
					 errdetail("The mode is a comma-separated list of mode names."),
					 errhint("Use '' or a combination of strict_deduplication, strict_order, strict_increase, strict_once and allow_reentry.")));
	}
	check_mode_flags(mode, ERRCODE_INVALID_PARAMETER_VALUE);
	return mode;
}

/*
 * A window in microseconds: a day counts 24 hours and a month 30 days, as
 * interval comparison does, so the window does not depend on the time
 * zone.  Negative windows are errors; windows beyond the int64 range are
 * clamped (never reached).
 */
int64
cq_funnel_window_usecs(const Interval *window, const char *what)
{
	int64		total;
	int64		part;

	if (pg_mul_s64_overflow((int64) window->month, INT64CONST(30) * USECS_PER_DAY, &total) ||
		pg_mul_s64_overflow((int64) window->day, USECS_PER_DAY, &part) ||
		pg_add_s64_overflow(total, part, &total) ||
		pg_add_s64_overflow(total, window->time, &total))
	{
		/* only months or days can overflow: their sign decides */
		if (window->month != 0)
			total = window->month < 0 ? PG_INT64_MIN : PG_INT64_MAX;
		else
			total = window->day < 0 ? PG_INT64_MIN : PG_INT64_MAX;
	}
	if (total < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel %s must not be negative", what),
				 errdetail("A step counts when it occurs at most the window after the step the window is measured from."),
				 errhint("Use a positive interval such as '7 days'; '0' means the same instant.")));
	return total;
}

/* ------------------------------------------------------------------------
 * External forms
 *
 * Parsing, validation and encoding live in state_codec.c (free of
 * PostgreSQL, fuzzed by test/fuzz/fuzz_funnel_state.c); here they are
 * called and a refusal becomes an error with the input's SQLSTATE (22P02
 * for text, 22P03 for binary).
 * ------------------------------------------------------------------------
 */

StaticAssertDecl(sizeof(FunnelEvent) == sizeof(CqFunnelEvent) &&
				 offsetof(FunnelEvent, ts) == offsetof(CqFunnelEvent, ts) &&
				 offsetof(FunnelEvent, mask) == offsetof(CqFunnelEvent, mask),
				 "FunnelEvent and CqFunnelEvent differ");
StaticAssertDecl(FUNNEL_MAX_EVENTS == CQ_FUNNEL_CODEC_MAX_EVENTS &&
				 CQ_FUNNEL_STATE_VERSION == CQ_FUNNEL_CODEC_VERSION &&
				 CQ_FUNNEL_MAX_STEPS == CQ_FUNNEL_CODEC_MAX_STEPS &&
				 FUNNEL_ALL_MODES == CQ_FUNNEL_CODEC_ALL_MODES &&
				 FUNNEL_STRICT_ORDER == CQ_FUNNEL_CODEC_STRICT_ORDER &&
				 FUNNEL_ALLOW_REENTRY == CQ_FUNNEL_CODEC_ALLOW_REENTRY &&
				 MIN_TIMESTAMP == CQ_CODEC_MIN_TIMESTAMP &&
				 END_TIMESTAMP == CQ_CODEC_END_TIMESTAMP,
				 "state_codec.h disagrees with funnel.h or timestamp.h");

/*
 * Raise the error a decoder of the text form (input != NULL) or of the
 * binary form reported.
 */
static void
funnel_codec_error(const CqCodecError *e, const char *input)
{
	int			sqlstate = input ? ERRCODE_INVALID_TEXT_REPRESENTATION :
		ERRCODE_INVALID_BINARY_REPRESENTATION;

	switch (e->code)
	{
		case CQ_FUNNEL_EXPECTED_INT:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid input syntax for type cq.funnel_state: \"%s\"", input),
					 errdetail("Expected %s.", e->detail),
					 errhint("Use the text produced by cq.funnel_state's output function.")));
			break;
		case CQ_FUNNEL_EXPECTED_LIT:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid input syntax for type cq.funnel_state: \"%s\"", input),
					 errdetail("Expected \"%s\".", e->detail),
					 errhint("Use the text produced by cq.funnel_state's output function.")));
			break;
		case CQ_CODEC_VERSION:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("unsupported cq.funnel_state format version %d", (int) e->a),
					 errdetail("This build reads format version %d.", CQ_FUNNEL_STATE_VERSION),
					 errhint("Produce the state with the same or an older release of conversion_quality.")));
			break;
		case CQ_FUNNEL_STEPS:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid step count %lld in cq.funnel_state", (long long) e->a),
					 errdetail("A funnel has 1 to %d steps.", CQ_FUNNEL_MAX_STEPS),
					 errhint("Pass a value produced by cq.funnel_events.")));
			break;
		case CQ_FUNNEL_COUNT:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid event count %lld in cq.funnel_state", (long long) e->a),
					 errdetail("A state holds 0 to %d events.", FUNNEL_MAX_EVENTS),
					 errhint("Pass a value produced by cq.funnel_events.")));
			break;
		case CQ_FUNNEL_PARAMS:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid window or mode in cq.funnel_state"),
					 errdetail("The window must be a non-negative number of microseconds and the mode a set of known flags (0 to %d).",
							   FUNNEL_ALL_MODES),
					 errhint("Pass a value produced by this extension.")));
			break;
		case CQ_FUNNEL_REENTRY:
			check_mode_flags(FUNNEL_ALLOW_REENTRY, sqlstate);
			break;
		case CQ_FUNNEL_FEWER:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("cq.funnel_state announces %lld events but has fewer", (long long) e->a),
					 errdetail("The event count must equal the number of events listed."),
					 errhint("Use the text produced by cq.funnel_state's output function.")));
			break;
		case CQ_FUNNEL_EVENT_TIME:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("event %d of cq.funnel_state has an invalid time", (int) e->a),
					 errdetail("Times are microseconds since 2000-01-01 within timestamptz's range."),
					 errhint("Pass a value produced by cq.funnel_events.")));
			break;
		case CQ_FUNNEL_EVENT_STEP:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("event %d of cq.funnel_state names a step beyond step %d", (int) e->a, (int) e->b),
					 errdetail("Bit k-1 of an event's mask stands for step k."),
					 errhint("Pass a value produced by cq.funnel_events.")));
			break;
		case CQ_FUNNEL_EVENT_ORDER:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("events of cq.funnel_state are not in canonical order at event %d", (int) e->a),
					 errdetail("Events are sorted by time, then by mask, and a row satisfying no step appears once per time."),
					 errhint("Pass a value produced by cq.funnel_events.")));
			break;
		case CQ_FUNNEL_TRAILING:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid input syntax for type cq.funnel_state: \"%s\"", input),
					 errdetail("Unexpected text after the last of %lld events.", (long long) e->a),
					 errhint("Use the text produced by cq.funnel_state's output function.")));
			break;
		case CQ_FUNNEL_TRUNCATED:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("binary cq.funnel_state is truncated"),
					 errdetail("%d more bytes were expected, %d are left.", (int) e->a, (int) e->b),
					 errhint("Pass a value produced by cq.funnel_state's send function.")));
			break;
		case CQ_FUNNEL_PARAM_FLAG:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("invalid parameter flag %d in binary cq.funnel_state", (int) e->a),
					 errdetail("The flag is 0 or 1."),
					 errhint("Pass a value produced by cq.funnel_state's send function.")));
			break;
		case CQ_FUNNEL_EVENT_BYTES:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("binary cq.funnel_state announces %d events but carries %d bytes of events",
							(int) e->a, (int) e->b),
					 errdetail("Each event takes 12 bytes."),
					 errhint("Pass a value produced by cq.funnel_state's send function.")));
			break;
		default:
			break;
	}
	elog(ERROR, "unexpected cq.funnel_state decoder status %d", (int) e->code);
}

/* The codec's header of a state */
static void
funnel_codec_header(const FunnelState *st, CqFunnelHeader *h)
{
	memset(h, 0, sizeof(*h));
	h->version = st->version;
	h->nsteps = st->nsteps;
	h->has_params = (st->flags & FUNNEL_HAS_PARAMS) != 0;
	h->window = st->window;
	h->mode = st->mode;
	h->count = st->nevents;
}

/* A new state for a decoded header, with room for its events */
static FunnelState *
funnel_state_for_header(const CqFunnelHeader *h)
{
	FunnelState *st = cq_funnel_state_new(h->nsteps, h->count, CurrentMemoryContext);

	if (h->has_params)
	{
		st->flags |= FUNNEL_HAS_PARAMS;
		st->window = h->window;
		st->mode = h->mode;
	}
	return st;
}

/*
 * The text form (see the file header).  A state that is not canonical yet
 * (only possible when support functions are called by hand) is written
 * from a canonical copy, so text is always canonical.
 */
char *
cq_funnel_state_to_text(const FunnelState *st)
{
	CqFunnelHeader h;
	char	   *out;

	if (!(st->flags & FUNNEL_SORTED) || (st->flags & FUNNEL_PACKED))
		st = cq_funnel_state_compact(st);
	funnel_codec_header(st, &h);
	out = palloc(cq_funnel_text_size(&h));
	cq_funnel_to_text(&h, (const CqFunnelEvent *) st->events, out);
	return out;
}

/*
 * Parse the text form; anything but the canonical text of a valid state
 * is rejected with 22P02.
 */
FunnelState *
cq_funnel_state_from_text(const char *input)
{
	CqFunnelHeader h;
	CqCodecError e;
	size_t		pos;
	FunnelState *st;

	if (!cq_funnel_text_header(input, &h, &pos, &e))
		funnel_codec_error(&e, input);
	st = funnel_state_for_header(&h);
	if (!cq_funnel_text_events(input, pos, &h, (CqFunnelEvent *) st->events, &e))
		funnel_codec_error(&e, input);
	st->nevents = h.count;
	return st;
}

/*
 * The binary form (see the file header), always canonical.
 */
void
cq_funnel_state_send(StringInfo buf, const FunnelState *st)
{
	CqFunnelHeader h;
	size_t		len;

	if (!(st->flags & FUNNEL_SORTED) || (st->flags & FUNNEL_PACKED))
		st = cq_funnel_state_compact(st);
	funnel_codec_header(st, &h);
	len = cq_funnel_binary_size(&h);
	enlargeStringInfo(buf, (int) len);
	cq_funnel_to_binary(&h, (const CqFunnelEvent *) st->events,
						(uint8 *) buf->data + buf->len);
	buf->len += (int) len;
	buf->data[buf->len] = '\0';
}

/*
 * Read the binary form; anything but the canonical form of a valid state
 * is rejected with 22P03.  Counts are checked against the bytes present
 * before anything is allocated.
 */
FunnelState *
cq_funnel_state_recv(StringInfo buf)
{
	const uint8 *data = (const uint8 *) buf->data + buf->cursor;
	size_t		len = (size_t) (buf->len - buf->cursor);
	CqFunnelHeader h;
	CqCodecError e;
	size_t		pos;
	FunnelState *st;

	if (!cq_funnel_binary_header(data, len, &h, &pos, &e))
		funnel_codec_error(&e, NULL);
	st = funnel_state_for_header(&h);
	if (!cq_funnel_binary_events(data, len, pos, &h, (CqFunnelEvent *) st->events, &e))
		funnel_codec_error(&e, NULL);
	st->nevents = h.count;
	buf->cursor = buf->len;
	return st;
}

/* ------------------------------------------------------------------------
 * The scan
 * ------------------------------------------------------------------------
 */

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

	if ((mode & FUNNEL_STRICT_DEDUPLICATION) && sc->level >= k)
	{
		sc->stop = true;		/* a reached step repeats */
		return false;
	}
	if ((mode & FUNNEL_STRICT_ORDER) && sc->first_event && sc->level < k - 1)
	{
		if (!(mode & FUNNEL_ALLOW_REENTRY))
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
		if (sc->p->mode & FUNNEL_STRICT_ONCE)
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
	if ((p->mode & FUNNEL_STRICT_INCREASE) && !(sc->last[k - 1] < ts))
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
		if ((p->mode & FUNNEL_STRICT_INCREASE) && !(c->last < ts))
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
	if (sc->p->mode & FUNNEL_STRICT_ONCE)
		once_entry(sc, ts, k, row);
	else
		greedy_entry(sc, ts, k);
}

/*
 * The stage (0 .. p->nsteps) a sorted state reached under p; when times
 * is not NULL, also the step times of the first chain that reached that
 * stage (times[0 .. stage-1]).  Conditions after p->nsteps are excluded
 * events: they are not steps (a row with only those is foreign to
 * strict_order), and each exclusion breaks the chains it covers.
 *
 * Rows are visited in groups of equal time; inside a group entries go by
 * step number (sentinels first), then by row order, which is the (ts, k,
 * row) order the semantics define.
 */
int
cq_funnel_scan(const FunnelState *st, const FunnelParams *p, int64 *times)
{
	FunnelScan	scan;
	FunnelScan *sc;
	int32		i,
				j,
				r;
	int			level;
	bool		strict_order = (p->mode & FUNNEL_STRICT_ORDER) != 0;
	uint32		stepmask = p->nsteps >= 32 ? PG_UINT32_MAX :
		(((uint32) 1) << p->nsteps) - 1;

	Assert((st->flags & (FUNNEL_SORTED | FUNNEL_PACKED)) == FUNNEL_SORTED);
	Assert(p->nsteps >= 1 && p->nsteps <= st->nsteps);
	if (st->nevents == 0)
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
	if (p->mode & FUNNEL_STRICT_ONCE)
		memset(sc->lists, 0, sizeof(sc->lists));
	sc->p = p;
	sc->times = times;
	sc->track_paths = times != NULL || p->nexclusions > 0;

	for (i = 0; i < st->nevents && !sc->stop; i = j)
	{
		int64		ts = st->events[i].ts;
		uint32		all = 0;
		uint32		excluded = 0;
		bool		foreign = false;

		for (j = i; j < st->nevents && st->events[j].ts == ts; j++)
		{
			all |= st->events[j].mask & stepmask;
			excluded |= st->events[j].mask & ~stepmask;
			if ((st->events[j].mask & stepmask) == 0)
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
				if (st->events[r].mask & bit)
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
	if (p->mode & FUNNEL_STRICT_ONCE)
		for (i = 1; i <= p->nsteps; i++)
			if (sc->lists[i].chains)
				pfree(sc->lists[i].chains);
	return level;
}

/*
 * cq_funnel_packed_stage
 *		What cq_funnel_scan returns for a sorted packed state read with one
 *		window, the default mode (no strict flag), no exclusion and no step
 *		times: cq.window_funnel's commonest call, without unpacking.  In that
 *		mode an entry of step k only looks at the latest chain of level
 *		k-1, and entries of the same time and step are interchangeable, so
 *		the rows of one time reduce to the union of their steps, taken in
 *		step order.  Checked against the general scan on every packed
 *		aggregate of the Python reference test and by sql/funnel_packed.sql.
 */
int
cq_funnel_packed_stage(const FunnelState *st, int64 window)
{
	const int64 *pk = FUNNEL_PACKED_EVENTS(st);
	int			nsteps = st->nsteps;
	uint32		stepmask = (((uint32) 1) << nsteps) - 1;
	uint32		alive = 0;		/* bit k: a live chain has reached step k */
	int64		first[FUNNEL_PACK_MAX_STEPS + 1];	/* its step-1 time */
	int			level = 0;
	int32		i = 0;

	Assert((st->flags & (FUNNEL_SORTED | FUNNEL_PACKED)) == (FUNNEL_SORTED | FUNNEL_PACKED));
	Assert(nsteps >= 1 && nsteps <= FUNNEL_PACK_MAX_STEPS);
	while (i < st->nevents)
	{
		int64		ts = funnel_packed_ts(pk[i]);
		uint32		all = 0;

		do
			all |= funnel_packed_mask(pk[i++]);
		while (i < st->nevents && funnel_packed_ts(pk[i]) == ts);
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

/* ------------------------------------------------------------------------
 * The funnel report
 *
 * The report aggregate's state is a funnel state of its own: for each user
 * and each step k the user reached, one event (time from step k-1 in
 * microseconds, 0 for step 1; mask = bit of step k).  It therefore grows,
 * merges and travels exactly like the event states, and once sorted the
 * times of each step are in increasing order, ready for percentiles.
 * ------------------------------------------------------------------------
 */

/*
 * Add one user whose funnel reached `level` with the given step times.
 */
FunnelState *
cq_funnel_report_add(FunnelState *st, const int64 *times, int level, MemoryContext grow_cxt)
{
	int			k;

	for (k = 1; k <= level; k++)
	{
		int64		delta = 0;

		if (k > 1 && pg_sub_s64_overflow(times[k - 1], times[k - 2], &delta))
			delta = DT_NOEND;
		if (delta > END_TIMESTAMP)
			delta = DT_NOEND;	/* keep the state valid: "infinitely long" */
		st = cq_funnel_state_add(st, delta, ((uint32) 1) << (k - 1), grow_cxt);
	}
	return st;
}

/*
 * percentile_cont(p) of sorted values v[0 .. n-1], n > 0.
 */
static double
percentile_cont(const int64 *v, int64 n, double p)
{
	double		pos = p * (double) (n - 1);
	int64		lo = (int64) floor(pos);
	int64		hi = (int64) ceil(pos);

	return (double) v[lo] + ((double) v[hi] - (double) v[lo]) * (pos - (double) lo);
}

/*
 * Per-step figures of a sorted report state: users reaching each step and,
 * from step 2 on, the median and 90th percentile (percentile_cont) of the
 * time from the previous step, in microseconds.
 */
void
cq_funnel_report_compute(const FunnelState *st, FunnelStepReport *out)
{
	int64		counts[CQ_FUNNEL_MAX_STEPS + 1] = {0};
	int64		offsets[CQ_FUNNEL_MAX_STEPS + 1];
	int64		fill[CQ_FUNNEL_MAX_STEPS + 1];
	int64	   *vals;
	int32		i;
	int			k;

	Assert(st->flags & FUNNEL_SORTED);
	for (i = 0; i < st->nevents; i++)
	{
		uint32		m = st->events[i].mask;

		if (m != 0 && (m & (m - 1)) == 0)
			counts[pg_rightmost_one_pos32(m) + 1]++;
	}
	offsets[1] = 0;
	for (k = 2; k <= st->nsteps; k++)
		offsets[k] = offsets[k - 1] + counts[k - 1];
	vals = palloc(sizeof(int64) * Max(st->nevents, 1));
	memset(fill, 0, sizeof(fill));
	/* events are sorted by (time, mask): each step's times arrive in order */
	for (i = 0; i < st->nevents; i++)
	{
		uint32		m = st->events[i].mask;

		if (m != 0 && (m & (m - 1)) == 0)
		{
			k = pg_rightmost_one_pos32(m) + 1;
			vals[offsets[k] + fill[k]++] = st->events[i].ts;
		}
	}
	for (k = 1; k <= st->nsteps; k++)
	{
		out[k - 1].users = counts[k];
		out[k - 1].has_times = k > 1 && counts[k] > 0;
		if (out[k - 1].has_times)
		{
			out[k - 1].median_us = percentile_cont(&vals[offsets[k]], counts[k], 0.5);
			out[k - 1].p90_us = percentile_cont(&vals[offsets[k]], counts[k], 0.9);
		}
	}
	pfree(vals);
}
