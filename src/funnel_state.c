/*-------------------------------------------------------------------------
 *
 * funnel_state.c
 *	  The funnel state and its packing (funnel.h): build, grow, merge, sort
 *	  and compact a state, read one from an argument, hand its events to the
 *	  scans, and convert it to and from its external forms.  This is the only
 *	  file that builds or changes a FunnelState; the others go through the
 *	  functions here (and the inline helpers of funnel.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bulk_util.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "utils/memutils.h"

StaticAssertDecl(FUNNEL_STATE_HDRSZ == 32 &&
				 FUNNEL_STATE_SIZE(CQ_FUNNEL_MAX_EVENTS) <= MaxAllocSize,
				 "the largest state the format allows must fit one allocation");
StaticAssertDecl(CQ_FUNNEL_MIN_TIMESTAMP == MIN_TIMESTAMP &&
				 CQ_FUNNEL_END_TIMESTAMP == END_TIMESTAMP,
				 "funnel_codec.h must use timestamptz's range");

/* ------------------------------------------------------------------------
 * Building and growing
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
	st->version = CQ_FUNNEL_VERSION;
	st->nsteps = (uint8) nsteps;
	st->flags = FUNNEL_SORTED | (packed ? FUNNEL_PACKED : 0);
	st->nevents = 0;
	st->capacity = capacity;
	return st;
}

/*
 * cq_funnel_state_new
 *		A new empty wide state for nsteps steps with room for capacity
 *		events, allocated in cxt.  The caller has checked nsteps.
 */
FunnelState *
cq_funnel_state_new(int nsteps, int32 capacity, MemoryContext cxt)
{
	return funnel_state_alloc(nsteps, capacity, false, cxt);
}

/*
 * cq_funnel_state_new_accumulator
 *		A new empty state for an aggregate's rows: packed when nsteps allows
 *		it (see funnel.h), wide otherwise, filling one 128-byte chunk either
 *		way.
 */
FunnelState *
cq_funnel_state_new_accumulator(int nsteps, MemoryContext cxt)
{
	if (nsteps > FUNNEL_PACK_MAX_STEPS)
		return funnel_state_alloc(nsteps, FUNNEL_INITIAL_CAPACITY, false, cxt);
	return funnel_state_alloc(nsteps, FUNNEL_PACKED_INITIAL_CAPACITY, true, cxt);
}

/*
 * cq_funnel_state_set_params
 *		Keep cq.window_funnel's window and mode in a new state, for its
 *		final function.
 */
void
cq_funnel_state_set_params(FunnelState *st, int64 window, uint32 mode)
{
	st->flags |= FUNNEL_HAS_PARAMS;
	st->window = window;
	st->mode = mode;
}

/*
 * cq_funnel_state_check_params
 *		A later row of a cq.window_funnel group must bring the window and
 *		mode the group's state was made with.
 */
void
cq_funnel_state_check_params(const FunnelState *st, int64 window, uint32 mode)
{
	if (st->window != window || st->mode != mode)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window and mode of cq.window_funnel must be the same for every row of a group"),
				 errdetail("They set the rule of the whole group."),
				 errhint("Pass constants, or values that depend only on the grouping columns.")));
}

/*
 * A wide copy of st (packed or not) with room for capacity >= st->nevents
 * events, allocated in cxt; same events, same order, same flags but
 * FUNNEL_PACKED.
 */
static FunnelState *
funnel_state_widen(const FunnelState *st, int64 capacity, MemoryContext cxt)
{
	FunnelState *w;

	Assert(capacity >= st->nevents && capacity <= CQ_FUNNEL_MAX_EVENTS);
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
			CQ_BULK_CHECK(i);
			w->events[i].ts = funnel_packed_ts(pk[i]);
			w->events[i].mask = funnel_packed_mask(pk[i]);
			w->events[i].reserved = 0;
		}
	}
	else
		cq_bulk_copy(w->events, st->events, (Size) st->nevents * sizeof(FunnelEvent));
	cq_bulk_zero(&w->events[st->nevents], (Size) (capacity - st->nevents) * sizeof(FunnelEvent));
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
		return Min(Max((int64) capacity * 2, need), (int64) CQ_FUNNEL_MAX_EVENTS);
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
	if (need > CQ_FUNNEL_MAX_EVENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("funnel state would exceed %d events", (int) CQ_FUNNEL_MAX_EVENTS),
				 errdetail("A funnel state holds one 16-byte event per matching row of a group, and a value is limited to 1 GB."),
				 errhint("Narrow the rows of each group with WHERE, or split the group (for example by day) and read the parts separately.")));
	newcap = funnel_capacity_for((st->flags & FUNNEL_PACKED) != 0, st->capacity, need);

	grown = (FunnelState *) MemoryContextAlloc(grow_cxt, FUNNEL_SIZE_AS(st, newcap));
	cq_bulk_copy(grown, st, FUNNEL_SIZE_AS(st, st->nevents));
	cq_bulk_zero((char *) grown + FUNNEL_SIZE_AS(st, st->nevents),
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
 * cq_funnel_state_add
 *		Append one row to st, in place when it has room.  A row satisfying
 *		no step (mask 0) only matters to strict_order, where only its time
 *		counts, so it is not stored again right after an identical one.
 *		Returns the state to use from now on (see funnel_state_reserve); a
 *		packed state given a row it cannot pack comes back wide.
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
		st = funnel_state_widen(st, st->nevents, grow_cxt);
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
 * Drop repeated (ts, 0) rows from a sorted wide state, looking at the rows
 * from index `from` on (those before it hold no repeat): a row satisfying
 * no step only matters by its time, and the canonical form holds it once.
 */
static void
drop_repeated_foreign(FunnelState *st, int32 from)
{
	int32		out = Max(from, 1);

	if (st->nevents == 0)
		return;
	for (int32 i = out; i < st->nevents; i++)
	{
		CQ_BULK_CHECK(i);
		if (out > 0 && st->events[i].mask == 0 &&
			st->events[out - 1].mask == 0 && st->events[out - 1].ts == st->events[i].ts)
			continue;
		st->events[out++] = st->events[i];
	}
	st->nevents = out;
}

/*
 * cq_funnel_state_merge
 *		Merge other into st (the state of the union of both groups of rows).
 *		st is modified in place when it has room; other is never modified.
 *		Both must count the same steps and, when both carry window_funnel's
 *		parameters, the same ones.
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
			cq_funnel_state_set_params(st, other->window, other->mode);
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
		other = funnel_state_widen(other, n2, CurrentMemoryContext);
	if (st->flags & FUNNEL_PACKED)
		st = funnel_state_widen(st, n1, grow_cxt);
	st = funnel_state_reserve(st, (int64) n1 + n2, grow_cxt);

	/*
	 * The cost of a merge must not grow with the accumulated state: a rollup
	 * of many small states would be quadratic.  Both sorted and other after
	 * st: append.  Both sorted and of comparable size: merge from the back,
	 * in place, O(n1 + n2) <= 9 n2.  Otherwise append unsorted; the state is
	 * sorted once when it is read.
	 */
	if ((st->flags & FUNNEL_SORTED) && (other->flags & FUNNEL_SORTED) &&
		(n1 == 0 || event_cmp(&st->events[n1 - 1], &other->events[0]) <= 0))
	{
		cq_bulk_copy(&st->events[n1], other->events, (Size) n2 * sizeof(FunnelEvent));
		st->nevents = n1 + n2;
		/* a foreign row may repeat where the two meet */
		drop_repeated_foreign(st, n1);
	}
	else if ((st->flags & FUNNEL_SORTED) && (other->flags & FUNNEL_SORTED) &&
			 (int64) n2 * 8 >= n1)
	{
		int32		i = n1 - 1;
		int32		j = n2 - 1;
		int32		k = n1 + n2 - 1;

		while (j >= 0)
		{
			CQ_BULK_CHECK(k);
			if (i >= 0 && event_cmp(&st->events[i], &other->events[j]) > 0)
				st->events[k--] = st->events[i--];
			else
				st->events[k--] = other->events[j--];
		}
		st->nevents = n1 + n2;
		/* both sides may hold a foreign row at the same time: keep one */
		drop_repeated_foreign(st, 0);
	}
	else
	{
		cq_bulk_copy(&st->events[n1], other->events, (Size) n2 * sizeof(FunnelEvent));
		st->nevents = n1 + n2;
		st->flags &= ~FUNNEL_SORTED;
	}
	return st;
}

/* ------------------------------------------------------------------------
 * Sorting and compacting
 * ------------------------------------------------------------------------
 */

static int
event_qsort_cmp(const void *a, const void *b, void *arg pg_attribute_unused())
{
	return event_cmp((const FunnelEvent *) a, (const FunnelEvent *) b);
}

/* Packed events compare as integers: their order is (ts, mask) */
static int
packed_qsort_cmp(const void *a, const void *b, void *arg pg_attribute_unused())
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
	int32		out = 0;

	if (!(st->flags & FUNNEL_SORTED))
	{
		if (st->nevents <= 32)
		{
			for (int32 i = 1; i < st->nevents; i++)
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
			cq_sort(pk, st->nevents, sizeof(int64), packed_qsort_cmp, NULL);
	}
	for (int32 i = 0; i < st->nevents; i++)
	{
		CQ_BULK_CHECK(i);
		/* a repeated (ts, 0) row: equal packed values with mask 0 */
		if (out > 0 && funnel_packed_mask(pk[i]) == 0 && pk[out - 1] == pk[i])
			continue;
		pk[out++] = pk[i];
	}
	st->nevents = out;
	st->flags |= FUNNEL_SORTED;
}

/*
 * cq_funnel_state_sort
 *		Sort st in place into the canonical order and drop repeated (ts, 0)
 *		rows.  The state keeps the same meaning: rows have no identity
 *		beyond (ts, mask), and a repeated foreign row changes nothing.  A
 *		packed state stays packed.
 */
void
cq_funnel_state_sort(FunnelState *st)
{
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
			for (int32 i = 1; i < st->nevents; i++)
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
			cq_sort(st->events, st->nevents, sizeof(FunnelEvent), event_qsort_cmp, NULL);
	}
	drop_repeated_foreign(st, 0);
	st->flags |= FUNNEL_SORTED;
}

/*
 * cq_funnel_state_compact
 *		A canonical copy of st (wide, sorted, no spare room) in
 *		CurrentMemoryContext: what cq.funnel_events returns and what gets
 *		stored.
 */
FunnelState *
cq_funnel_state_compact(const FunnelState *st)
{
	FunnelState *res;

	res = funnel_state_widen(st, st->nevents, CurrentMemoryContext);
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

/*
 * A sorted wide view of st for the scans: st itself when already sorted and
 * wide, else a canonical copy (the caller's value is never changed).
 */
static const FunnelState *
funnel_state_sorted(const FunnelState *st)
{
	if ((st->flags & (FUNNEL_SORTED | FUNNEL_PACKED)) == FUNNEL_SORTED)
		return st;
	return cq_funnel_state_compact(st);
}

/*
 * cq_funnel_state_copy
 *		A palloc'd copy of st, as it is (a combine function adopting the
 *		other side).
 */
FunnelState *
cq_funnel_state_copy(const FunnelState *st)
{
	FunnelState *copy = palloc(VARSIZE(st));

	cq_bulk_copy(copy, st, VARSIZE(st));
	return copy;
}

/* ------------------------------------------------------------------------
 * Arguments
 * ------------------------------------------------------------------------
 */

/*
 * cq_funnel_state_arg
 *		State argument argno of a funnel function.
 *
 *		for_update: the state of a transition or combine function, to be
 *		modified.  In an aggregate it is the aggregate's own state
 *		(detoasting only ever copies); called directly it is a copy.
 *
 *		Otherwise a state to read, never modified, with its header checked
 *		(a state reaches a function from outside only through the input
 *		functions, which check everything, but support functions can be
 *		called by hand with any cq.funnel_state value).
 */
FunnelState *
cq_funnel_state_arg(FunctionCallInfo fcinfo, int argno, bool for_update)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	FunnelState *st;

	if (for_update)
	{
		st = (FunnelState *) (VARATT_IS_EXTENDED(raw) ? pg_detoast_datum(raw) : raw);
		if (!AggCheckCallContext(fcinfo, NULL) && (struct varlena *) st == raw)
			st = cq_funnel_state_copy(st);
		return st;
	}
	st = (FunnelState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	if (VARSIZE(st) < FUNNEL_STATE_HDRSZ || st->version != CQ_FUNNEL_VERSION ||
		st->nsteps < 1 || st->nsteps > CQ_FUNNEL_MAX_STEPS || st->nevents < 0 ||
		st->nevents > st->capacity || VARSIZE(st) < FUNNEL_SIZE_AS(st, st->capacity) ||
		((st->flags & FUNNEL_PACKED) && st->nsteps > FUNNEL_PACK_MAX_STEPS))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted cq.funnel_state value"),
				 errdetail("The value has version %d, %d steps and %d events in %u bytes.",
						   st->version, st->nsteps, st->nevents, (unsigned) VARSIZE(st)),
				 errhint("Rebuild the state with cq.funnel_events.")));
	return st;
}

/* ------------------------------------------------------------------------
 * Reading a state
 * ------------------------------------------------------------------------
 */

/*
 * cq_funnel_state_events
 *		The events of a sorted wide state (the report's own state, which is
 *		never packed once it has been sorted), and their count.
 */
const FunnelEvent *
cq_funnel_state_events(const FunnelState *st, int32 *nevents)
{
	st = funnel_state_sorted(st);
	*nevents = st->nevents;
	return st->events;
}

/*
 * cq_funnel_state_scan
 *		The stage st reaches under p (and the step times of the chain that
 *		reached it, when times is not NULL): cq_funnel_scan over st's events
 *		in canonical order.  st is not changed.
 */
int
cq_funnel_state_scan(const FunnelState *st, const FunnelParams *p, int64 *times)
{
	Assert(p->nsteps <= st->nsteps);
	st = funnel_state_sorted(st);
	return cq_funnel_scan(st->events, st->nevents, p, times);
}

/*
 * cq_funnel_state_stage
 *		cq.window_funnel's final result: the stage st reaches under the window
 *		and mode kept in it.  Inside an aggregate, the aggregate's own state
 *		is sorted in place first (rows have no identity beyond (ts, mask), so
 *		this changes no meaning and saves a copy); a sorted packed state read
 *		in the default mode takes the packed scan.
 */
int
cq_funnel_state_stage(FunnelState *st, bool in_aggregate)
{
	FunnelParams p;

	if (!(st->flags & FUNNEL_SORTED) && in_aggregate)
		cq_funnel_state_sort(st);
	if ((st->flags & (FUNNEL_SORTED | FUNNEL_PACKED)) == (FUNNEL_SORTED | FUNNEL_PACKED) &&
		st->mode == 0)
		return cq_funnel_packed_stage(FUNNEL_PACKED_EVENTS(st), st->nevents, st->nsteps,
									  st->window);

	cq_funnel_params_one_window(&p, st->nsteps, st->mode, st->window);
	return cq_funnel_state_scan(st, &p, NULL);
}

/* ------------------------------------------------------------------------
 * External forms (funnel_codec.c encodes and decodes; here the state is
 * allocated around it and a refusal is raised)
 * ------------------------------------------------------------------------
 */

/* The codec's header of a state */
static void
codec_header(const FunnelState *st, CqFunnelHeader *h)
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
state_for_header(const CqFunnelHeader *h)
{
	FunnelState *st = cq_funnel_state_new(h->nsteps, h->count, CurrentMemoryContext);

	if (h->has_params)
		cq_funnel_state_set_params(st, h->window, h->mode);
	return st;
}

/* Events written or read per piece of the text form */
#define FUNNEL_TEXT_PIECE	8192

/*
 * cq_funnel_state_to_text
 *		The canonical text form.  A state that is not canonical yet (only
 *		possible when support functions are called by hand) is written from
 *		a canonical copy.
 */
char *
cq_funnel_state_to_text(const FunnelState *st)
{
	CqFunnelHeader h;
	StringInfoData buf;

	if (!(st->flags & FUNNEL_SORTED) || (st->flags & FUNNEL_PACKED))
		st = cq_funnel_state_compact(st);
	codec_header(st, &h);
	/* written as it goes: the size of the real digits, not of the worst case */
	initStringInfo(&buf);
	cq_text_out_reserve(&buf, CQ_FUNNEL_TEXT_HEADER_MAX + 1, "funnel_state", h.count, "events");
	buf.len += cq_funnel_put_text_header(&h, buf.data + buf.len);
	for (int32 i = 0; i < h.count; i += FUNNEL_TEXT_PIECE)
	{
		int32		to = Min(h.count, i + FUNNEL_TEXT_PIECE);

		cq_text_out_reserve(&buf, (size_t) (to - i) * CQ_FUNNEL_TEXT_EVENT_MAX + 1,
							"funnel_state", h.count, "events");
		buf.len += cq_funnel_put_text_events(st->events, i, to, buf.data + buf.len);
	}
	return buf.data;
}

/*
 * cq_funnel_state_from_text
 *		Parse the text form; anything but the canonical text of a valid
 *		state is rejected with 22P02.
 */
FunnelState *
cq_funnel_state_from_text(const char *input)
{
	CqFunnelHeader h;
	CqCodecError e;
	size_t		pos;
	FunnelState *st;

	if (!cq_funnel_text_header(input, &h, &pos, &e))
		cq_codec_raise(&e, input);
	st = state_for_header(&h);
	/* in pieces, so that reading a large state can be cancelled */
	for (int32 i = 0; i == 0 || i < h.count; i += FUNNEL_TEXT_PIECE)
	{
		CHECK_FOR_INTERRUPTS();
		if (!cq_funnel_text_events(input, &pos, &h, st->events, i,
								   Min(h.count, i + FUNNEL_TEXT_PIECE), &e))
			cq_codec_raise(&e, input);
	}
	st->nevents = h.count;
	return st;
}

/*
 * cq_funnel_state_send
 *		Append the canonical binary form to buf.
 */
void
cq_funnel_state_send(StringInfo buf, const FunnelState *st)
{
	CqFunnelHeader h;
	size_t		len;

	if (!(st->flags & FUNNEL_SORTED) || (st->flags & FUNNEL_PACKED))
		st = cq_funnel_state_compact(st);
	codec_header(st, &h);
	len = cq_funnel_binary_size(&h);
	enlargeStringInfo(buf, (int) len);
	cq_funnel_to_binary(&h, st->events, (uint8 *) buf->data + buf->len);
	buf->len += (int) len;
	buf->data[buf->len] = '\0';
}

/*
 * cq_funnel_state_recv
 *		Read the binary form; anything but the canonical form of a valid
 *		state is rejected with 22P03.  Counts are checked against the bytes
 *		present before anything is allocated.
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
		cq_codec_raise(&e, NULL);
	st = state_for_header(&h);
	if (!cq_funnel_binary_events(data, len, pos, &h, st->events, &e))
		cq_codec_raise(&e, NULL);
	st->nevents = h.count;
	buf->cursor = buf->len;
	return st;
}
