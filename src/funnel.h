/*-------------------------------------------------------------------------
 *
 * funnel.h
 *	  The funnel capability: the state type cq.funnel_state and the
 *	  aggregates, accessors and report built on it (cq.window_funnel,
 *	  cq.funnel_events, cq.funnel_rollup, cq.funnel_stage,
 *	  cq.funnel_step_times, cq.funnel_report, cq.retention).
 *
 * Files, by role:
 *	  funnel.c			SQL entry points: checks, then one call into a file below
 *	  funnel_args.c		reading the arguments: steps (from the declared
 *						signature, or the call site for VARIADIC "any"), window,
 *						mode, per-step windows, exclusions
 *	  funnel_state.c	the state and its packing: the only file that builds or
 *						changes a FunnelState
 *	  funnel_scan.c		the algorithms that read a sorted state
 *	  funnel_scan_once.c the strict_once scan (bounded by the step count)
 *	  funnel_report.c	the population report
 *	  funnel_retention.c cq.retention
 *	  funnel_count.c	any order and completions
 *	  funnel_revenue.c	cq.funnel_revenue
 *	  funnel_key.c		cq.window_funnel_by_key (a property held constant)
 *	  funnel_paths.c	cq.funnel_next_events (paths around a step)
 *	  funnel_flex.c		cq.funnel_stage_flexible (optional steps, minimum gaps)
 *	  funnel_survival.c	the conversion curves with windows still open
 *						(Kaplan-Meier: cq.conversion_curve,
 *						cq.funnel_conversion_curve)
 *	  funnel_codec.c	the PostgreSQL-free text and binary forms (funnel_codec.h)
 *	  funnel.sql		the SQL objects
 *
 * A funnel state is the list of a group's rows that the funnel can see:
 * for each row, its time (microseconds, as timestamptz stores it) and the
 * set of steps it satisfies (a 32-bit mask, bit k-1 for step k).  One row is
 * one 16-byte event, however many steps it satisfies.
 *
 * The state is a varlena.  Inside an aggregate it carries spare room
 * (capacity > nevents) so that rows are appended in place; the room grows
 * geometrically.  Stored and shipped states are compact: sorted by (ts,
 * mask) with no spare room, the canonical order of the external forms.
 *
 * A running aggregate state of at most 8 steps is "packed" (FUNNEL_PACKED):
 * each row is one int64, ts * 256 + mask, whose order is the canonical
 * (ts, mask) order.  That halves the memory of a hash aggregate over many
 * users, so a user's first 12 rows fit the state's first 128-byte chunk
 * with no regrowth.  A row whose time lies 2^55 us (about 1141 years) or
 * more from 2000-01-01 cannot be packed: the state is then widened to
 * 16-byte events for good.  Every function that reads a state accepts both
 * forms; final, output and send functions always hand out the wide
 * canonical form, so a packed state leaves an aggregate only when a
 * transition function is called by hand.
 *
 * cq.window_funnel keeps its window and mode in the state
 * (FUNNEL_HAS_PARAMS) because its final function cannot see the
 * aggregate's arguments; cq.funnel_events states carry no parameters:
 * accessors supply them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_FUNNEL_H
#define CQ_FUNNEL_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funnel_codec.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

/*
 * An excluded event: condition `cond` (after the steps) occurring strictly
 * after a chain's step `from` and before the chain reaches step `to`
 * breaks that chain.
 */
typedef struct FunnelExclusion
{
	int			cond;
	int			from;
	int			to;
} FunnelExclusion;

/*
 * How a state is read: the number of funnel steps (conditions 1 .. nsteps of
 * the state; later conditions are excluded events), the mode, and either one
 * window from the chain's first step (ClickHouse) or one window per step
 * transition (windows[k-1] limits step k+1 relative to step k).
 */
typedef struct FunnelParams
{
	int			nsteps;
	uint32		mode;
	bool		per_step;
	int64		window;
	int64		windows[CQ_FUNNEL_MAX_STEPS];
	int			nexclusions;
	FunnelExclusion exclusions[CQ_FUNNEL_MAX_STEPS];
} FunnelParams;

/*
 * cq_funnel_params_one_window
 *		Set p for one window from the first step, this mode and no
 *		exclusions: only the fields such a read uses (p is large).
 */
static inline void
cq_funnel_params_one_window(FunnelParams *p, int nsteps, uint32 mode, int64 window)
{
	p->nsteps = nsteps;
	p->mode = mode;
	p->per_step = false;
	p->window = window;
	p->nexclusions = 0;
}

/* ------------------------------------------------------------------------
 * The state (funnel_state.c)
 * ------------------------------------------------------------------------
 */

/* One row: 16 bytes, the layout of the external forms */
typedef CqFunnelEvent FunnelEvent;

/* FunnelState.flags */
#define FUNNEL_SORTED				0x01	/* events sorted by (ts, mask) */
#define FUNNEL_HAS_PARAMS			0x02	/* window and mode are set */
#define FUNNEL_PACKED				0x04	/* events are packed int64s (above) */

/* Packing: at most 8 steps, |ts| below 2^55 */
#define FUNNEL_PACK_MAX_STEPS		8
#define FUNNEL_PACK_TS_LIMIT		(INT64CONST(1) << 55)
/* Up to this many rows, a packed state is kept sorted as rows arrive */
#define FUNNEL_SORTED_APPEND_MAX	16

typedef struct FunnelState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;		/* CQ_FUNNEL_VERSION */
	uint8		nsteps;			/* 1 .. CQ_FUNNEL_MAX_STEPS */
	uint16		flags;			/* FUNNEL_SORTED, FUNNEL_HAS_PARAMS, FUNNEL_PACKED */
	uint32		mode;			/* CQ_FUNNEL_* mode flags, if FUNNEL_HAS_PARAMS */
	int32		nevents;		/* events in use */
	int32		capacity;		/* events allocated */
	int32		reserved;		/* always 0 */
	int64		window;			/* microseconds, if FUNNEL_HAS_PARAMS */
	FunnelEvent events[FLEXIBLE_ARRAY_MEMBER];
} FunnelState;

#define FUNNEL_STATE_HDRSZ			offsetof(FunnelState, events)
#define FUNNEL_STATE_SIZE(n)		(FUNNEL_STATE_HDRSZ + (Size) (n) * sizeof(FunnelEvent))
#define FUNNEL_PACKED_SIZE(n)		(FUNNEL_STATE_HDRSZ + (Size) (n) * sizeof(int64))
/* Bytes of a state with room for n events, packed or wide */
#define FUNNEL_SIZE_AS(st, n)		(((st)->flags & FUNNEL_PACKED) ? \
									 FUNNEL_PACKED_SIZE(n) : FUNNEL_STATE_SIZE(n))
/* The packed events of a FUNNEL_PACKED state */
#define FUNNEL_PACKED_EVENTS(st)	((int64 *) (st)->events)
/* Events of a new wide state: fills a 128-byte chunk (see funnel_state.c) */
#define FUNNEL_INITIAL_CAPACITY		((int32) ((128 - FUNNEL_STATE_HDRSZ) / sizeof(FunnelEvent)))
/* Events of a new packed state: also one 128-byte chunk */
#define FUNNEL_PACKED_INITIAL_CAPACITY ((int32) ((128 - FUNNEL_STATE_HDRSZ) / sizeof(int64)))

/* The packed form of a row, and back (see the file header) */
static inline bool
funnel_packable(int64 ts)
{
	return ts > -FUNNEL_PACK_TS_LIMIT && ts < FUNNEL_PACK_TS_LIMIT;
}

static inline int64
funnel_pack(int64 ts, uint32 mask)
{
	Assert(funnel_packable(ts) && mask <= 0xff);
	return ts * 256 + (int64) mask;
}

static inline uint32
funnel_packed_mask(int64 v)
{
	return (uint32) (v & 0xff);
}

static inline int64
funnel_packed_ts(int64 v)
{
	/* exact division: v = ts * 256 + mask */
	return (v - (int64) funnel_packed_mask(v)) / 256;
}

/*
 * cq_funnel_packed_append
 *		Append one row to a packed state in place, when the row can be
 *		packed and the state has room: cq_funnel_state_add's common case,
 *		inlined into the transition functions.  Returns false, changing
 *		nothing, otherwise.  Like cq_funnel_state_add, a foreign row (mask
 *		0) right after an identical one is not stored again.
 */
static inline bool
cq_funnel_packed_append(FunnelState *st, int64 ts, uint32 mask)
{
	int64	   *pk = FUNNEL_PACKED_EVENTS(st);
	int64		v;

	Assert(st->flags & FUNNEL_PACKED);
	if (st->nevents >= st->capacity || !funnel_packable(ts))
		return false;
	v = funnel_pack(ts, mask);

	/*
	 * The last row is read only when it matters: to drop a repeated foreign
	 * row, or while the state is still sorted.  An unsorted state takes a
	 * step row without reading it (in a long state that read is a cache
	 * miss of its own).
	 */
	if (st->nevents > 0 && (mask == 0 || (st->flags & FUNNEL_SORTED)))
	{
		int64		last = pk[st->nevents - 1];

		if (mask == 0 && last == v)
			return true;
		if (v < last)
		{
			int32		i = st->nevents;

			if (!(st->flags & FUNNEL_SORTED) || i > FUNNEL_SORTED_APPEND_MAX)
			{
				st->flags &= ~FUNNEL_SORTED;
				pk[st->nevents++] = v;
				return true;
			}
			/*
			 * A small sorted state stays sorted (and holds a foreign row
			 * once per time): insert in place.
			 */
			if (mask == 0)
			{
				int32		j = i;

				while (j > 0 && pk[j - 1] > v)
					j--;
				if (j > 0 && pk[j - 1] == v)
					return true;
			}
			for (; i > 0 && pk[i - 1] > v; i--)
				pk[i] = pk[i - 1];
			pk[i] = v;
			st->nevents++;
			return true;
		}
	}
	pk[st->nevents++] = v;
	return true;
}

/*
 * cq_funnel_state_fast_add
 *		cq.window_funnel's transition for its commonest row: the group's
 *		packed state, made with this window, no mode and this step count,
 *		with room for the row, which matches a step (cq_funnel_fast_row drops
 *		the others without reading the state).  Appends the row and returns
 *		true; otherwise returns false, changing nothing, and the general path
 *		handles and checks the row.
 */
static inline bool
cq_funnel_state_fast_add(FunnelState *st, int64 window, int nsteps, int64 ts, uint32 mask)
{
	if ((st->flags & (FUNNEL_PACKED | FUNNEL_HAS_PARAMS)) != (FUNNEL_PACKED | FUNNEL_HAS_PARAMS) ||
		st->window != window || st->mode != 0 || st->nsteps != nsteps)
		return false;
	Assert(mask != 0);			/* the caller drops a row matching no step unread */
	return cq_funnel_packed_append(st, ts, mask);
}

extern FunnelState *cq_funnel_state_new(int nsteps, int32 capacity, MemoryContext cxt);
extern FunnelState *cq_funnel_state_new_accumulator(int nsteps, MemoryContext cxt);
extern void cq_funnel_state_set_params(FunnelState *st, int64 window, uint32 mode);
extern void cq_funnel_state_check_params(const FunnelState *st, int64 window, uint32 mode);
extern FunnelState *cq_funnel_state_add(FunnelState *st, int64 ts, uint32 mask,
										MemoryContext grow_cxt);
extern FunnelState *cq_funnel_state_merge(FunnelState *st, const FunnelState *other,
										  MemoryContext grow_cxt);
extern void cq_funnel_state_sort(FunnelState *st);
extern FunnelState *cq_funnel_state_compact(const FunnelState *st);
extern FunnelState *cq_funnel_state_arg(FunctionCallInfo fcinfo, int argno, bool for_update);
extern FunnelState *cq_funnel_state_copy(const FunnelState *st);
extern const FunnelEvent *cq_funnel_state_events(const FunnelState *st, int32 *nevents);
extern int	cq_funnel_state_scan(const FunnelState *st, const FunnelParams *p, int64 *times);
extern char *cq_funnel_state_to_text(const FunnelState *st);
extern FunnelState *cq_funnel_state_from_text(const char *s);
extern void cq_funnel_state_send(StringInfo buf, const FunnelState *st);
extern FunnelState *cq_funnel_state_recv(StringInfo buf);
extern int	cq_funnel_state_stage(FunnelState *st, bool in_aggregate);

/* The step count of a state (the number of conditions it records) */
static inline int
cq_funnel_state_nsteps(const FunnelState *st)
{
	return st->nsteps;
}

/* ------------------------------------------------------------------------
 * Arguments (funnel_args.c)
 * ------------------------------------------------------------------------
 */

/* What a transition function of cq.window_funnel or cq.funnel_events reads */
typedef struct FunnelCallArgs FunnelCallArgs;

extern FunnelCallArgs *cq_funnel_learn_call_args(FunctionCallInfo fcinfo, bool has_window);

/*
 * cq_funnel_call_args
 *		The call site's argument reader (funnel_args.c), learned on the
 *		first row and kept in fn_extra; has_window: a cq.window_funnel
 *		transition, else cq.funnel_events.
 */
static inline FunnelCallArgs *
cq_funnel_call_args(FunctionCallInfo fcinfo, bool has_window)
{
	if (fcinfo->flinfo->fn_extra != NULL)
		return (FunnelCallArgs *) fcinfo->flinfo->fn_extra;
	return cq_funnel_learn_call_args(fcinfo, has_window);
}

extern bool cq_funnel_call_has_mode(const FunnelCallArgs *a);
extern int	cq_funnel_call_ts_arg(const FunnelCallArgs *a);
extern bool cq_funnel_fast_row(FunctionCallInfo fcinfo, FunnelCallArgs *a);
extern bool cq_funnel_row_steps(FunctionCallInfo fcinfo, FunnelCallArgs *a, int *nsteps,
								uint32 *mask);
extern int64 cq_funnel_call_window(FunnelCallArgs *a, const Interval *window);
extern uint32 cq_funnel_call_mode(FunctionCallInfo fcinfo, FunnelCallArgs *a, text *mode);

extern void cq_funnel_read_params(FunctionCallInfo fcinfo, int window_arg, int mode_arg,
								  int excl_arg, int nconds, FunnelParams *p);
extern uint32 cq_funnel_parse_mode(const char *s, int len);
extern int64 cq_funnel_window_usecs(const Interval *window, const char *what);
extern bool cq_bool_array_mask(ArrayType *arr, int n, uint32 *mask);
extern int	cq_variadic_bool_count(ArrayType *arr, const char *who, const char *what,
								   const char *after);
extern void cq_funnel_check_step_count(const char *fn, const char *what, int before,
									   int now);

/* ------------------------------------------------------------------------
 * The scans (funnel_scan.c)
 * ------------------------------------------------------------------------
 */
extern int	cq_funnel_scan(const FunnelEvent *events, int32 nevents, const FunnelParams *p,
						   int64 *times);
extern int	cq_funnel_scan_once(const FunnelEvent *events, int32 nevents,
								const FunnelParams *p, int64 *times);

/*
 * cq_funnel_in_window
 *		May a chain whose step k-1 is (first, last) take step k at ts?  The
 *		window runs from the chain's step 1 (one window) or from its step k-1
 *		(per-step windows); inclusive.  ts >= first, last: entries come sorted.
 */
static inline bool
cq_funnel_in_window(const FunnelParams *p, int k, int64 first, int64 last, int64 ts)
{
	if (p->per_step)
		return (uint64) ts - (uint64) last <= (uint64) p->windows[k - 2];
	return (uint64) ts - (uint64) first <= (uint64) p->window;
}

/*
 * cq_funnel_time_group
 *		The rows of events[i ..] that share events[i]'s time: returns the
 *		index past them, with the union of their step bits (*steps), of their
 *		other bits (*excluded: excluded events) and whether one of them
 *		satisfies no step (*foreign).
 */
static inline int32
cq_funnel_time_group(const FunnelEvent *events, int32 nevents, int32 i, uint32 stepmask,
					 uint32 *steps, uint32 *excluded, bool *foreign)
{
	int64		ts = events[i].ts;
	int32		j;

	*steps = *excluded = 0;
	*foreign = false;
	for (j = i; j < nevents && events[j].ts == ts; j++)
	{
		*steps |= events[j].mask & stepmask;
		*excluded |= events[j].mask & ~stepmask;
		if ((events[j].mask & stepmask) == 0)
			*foreign = true;
	}
	return j;
}
extern int	cq_funnel_packed_stage(const int64 *packed, int32 nevents, int nsteps,
								   int64 window);

/* ------------------------------------------------------------------------
 * Counting over a state (funnel_count.c)
 * ------------------------------------------------------------------------
 */
extern int	cq_funnel_any_order(const FunnelEvent *events, int32 nevents, int nsteps,
								int64 window);
extern int64 cq_funnel_completions(const FunnelEvent *events, int32 nevents,
								   const FunnelParams *p);

/* Optional steps and minimum gaps (funnel_flex.c) */
extern int	cq_funnel_flexible_stage(const FunnelEvent *events, int32 nevents, int nsteps,
									 uint32 optional, const int64 *gaps, int64 window);

/* ------------------------------------------------------------------------
 * The report (funnel_report.c)
 * ------------------------------------------------------------------------
 */
extern FunnelState *cq_funnel_report_add(FunnelState *rep, const FunnelState *user,
										 const FunnelParams *p, MemoryContext grow_cxt);
extern Datum cq_funnel_report_result(const FunnelState *rep, Oid rowtype);
extern void cq_funnel_report_check(const FunnelState *rep);

#endif							/* CQ_FUNNEL_H */
