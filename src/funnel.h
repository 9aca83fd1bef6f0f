/*-------------------------------------------------------------------------
 *
 * funnel.h
 *	  The funnel state (type cq.funnel_state) and the funnel algorithms.
 *
 * A funnel state is the list of a group's rows that the funnel can see:
 * for each row, its time (microseconds, as timestamptz stores it) and the
 * set of steps it satisfies (a 32-bit mask, bit k-1 for step k).  One row is
 * one 16-byte event, however many steps it satisfies.
 *
 * The state is a varlena.  Inside an aggregate it carries spare room
 * (capacity > nevents) so that rows are appended in place; the room grows
 * geometrically.  Stored and shipped states are compact: sorted by (ts,
 * mask) with no spare room, which is also the canonical order the text and
 * binary forms use (funnel_state.c, "External forms").
 *
 * A running aggregate state of at most 8 steps is "packed" (FUNNEL_PACKED):
 * each row is one int64, ts * 256 + mask, whose order is the canonical
 * (ts, mask) order.  That halves the memory of a hash aggregate over many
 * users, so a user's first 12 rows fit the state's first 128-byte chunk
 * with no regrowth.  A row whose time lies more than 2^55 us (about 1141
 * years) from 2000-01-01 cannot be packed: the state is then widened to
 * 16-byte events for good.  Every function that reads a state accepts
 * both forms; final, output and send functions always hand out the wide
 * canonical form, so a packed state leaves an aggregate only when a
 * transition function is called by hand.
 *
 * window_funnel() keeps its window and mode in the state (FUNNEL_HAS_PARAMS)
 * because its final function cannot see the aggregate's arguments;
 * funnel_events() states carry no parameters: accessors supply them.
 *
 * Nothing here takes PG_FUNCTION_ARGS; funnel.c is the fmgr glue.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_FUNNEL_H
#define CQ_FUNNEL_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

/* Format version of cq.funnel_state (text, binary and on-disk forms) */
#define CQ_FUNNEL_STATE_VERSION		1

/* ClickHouse's limit, kept: a step set fits in a uint32 */
#define CQ_FUNNEL_MAX_STEPS			32

/* Mode flags (cq.window_funnel's mode argument) */
#define FUNNEL_STRICT_DEDUPLICATION	0x01
#define FUNNEL_STRICT_ORDER			0x02
#define FUNNEL_STRICT_INCREASE		0x04
#define FUNNEL_STRICT_ONCE			0x08
#define FUNNEL_ALLOW_REENTRY		0x10
#define FUNNEL_ALL_MODES			0x1f

/* FunnelState.flags */
#define FUNNEL_SORTED				0x01	/* events sorted by (ts, mask) */
#define FUNNEL_HAS_PARAMS			0x02	/* window and mode are set */
#define FUNNEL_PACKED				0x04	/* events are packed int64s (above) */

/* Packing: at most 8 steps, |ts| below 2^55 */
#define FUNNEL_PACK_MAX_STEPS		8
#define FUNNEL_PACK_TS_LIMIT		(INT64CONST(1) << 55)
/* Up to this many rows, a packed state is kept sorted as rows arrive */
#define FUNNEL_SORTED_APPEND_MAX	16

/* One row: 16 bytes */
typedef struct FunnelEvent
{
	int64		ts;				/* microseconds, timestamptz representation */
	uint32		mask;			/* bit k-1 set: the row satisfies step k */
	uint32		reserved;		/* always 0 */
} FunnelEvent;

typedef struct FunnelState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;		/* CQ_FUNNEL_STATE_VERSION */
	uint8		nsteps;			/* 1 .. CQ_FUNNEL_MAX_STEPS */
	uint16		flags;			/* FUNNEL_SORTED, FUNNEL_HAS_PARAMS */
	uint32		mode;			/* FUNNEL_* mode flags, if FUNNEL_HAS_PARAMS */
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
/* Events of a new wide aggregate state: fills a 128-byte chunk (see funnel_capacity_for) */
#define FUNNEL_INITIAL_CAPACITY		((int32) ((128 - FUNNEL_STATE_HDRSZ) / sizeof(FunnelEvent)))
/* Events of a new packed aggregate state: also one 128-byte chunk */
#define FUNNEL_PACKED_INITIAL_CAPACITY ((int32) ((128 - FUNNEL_STATE_HDRSZ) / sizeof(int64)))
/* Largest event count a state may hold (keeps the varlena under 1 GB) */
#define FUNNEL_MAX_EVENTS			((int32) ((MaxAllocSize - FUNNEL_STATE_HDRSZ) / sizeof(FunnelEvent)))

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
 * How an accessor reads a state: the number of funnel steps (conditions
 * 1 .. nsteps of the state; later conditions are excluded events), the
 * mode, and either one window from the chain's first step (ClickHouse) or
 * one window per step transition (windows[k-1] limits step k+1 relative to
 * step k).
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

/* One row of the funnel report (times in microseconds) */
typedef struct FunnelStepReport
{
	int64		users;			/* users whose funnel reached the step */
	bool		has_times;		/* step >= 2 and users > 0 */
	double		median_us;		/* median time from the previous step */
	double		p90_us;			/* 90th percentile of that time */
} FunnelStepReport;

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
	if (st->nevents > 0)
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
			/* a small sorted state stays sorted: insert in place */
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

/* funnel_state.c */
extern FunnelState *cq_funnel_state_new(int nsteps, int32 capacity, MemoryContext cxt);
extern FunnelState *cq_funnel_state_new_accumulator(int nsteps, MemoryContext cxt);
extern FunnelState *cq_funnel_state_widen(const FunnelState *st, int64 capacity,
										  MemoryContext cxt);
extern FunnelState *cq_funnel_state_add(FunnelState *st, int64 ts, uint32 mask,
										MemoryContext grow_cxt);
extern FunnelState *cq_funnel_state_merge(FunnelState *st, const FunnelState *other,
										  MemoryContext grow_cxt);
extern void cq_funnel_state_sort(FunnelState *st);
extern FunnelState *cq_funnel_state_compact(const FunnelState *st);
extern char *cq_funnel_state_to_text(const FunnelState *st);
extern FunnelState *cq_funnel_state_from_text(const char *s);
extern void cq_funnel_state_send(StringInfo buf, const FunnelState *st);
extern FunnelState *cq_funnel_state_recv(StringInfo buf);
extern uint32 cq_funnel_parse_mode(const char *s, int len);
extern int64 cq_funnel_window_usecs(const Interval *window, const char *what);
extern bool cq_bool_array_mask(ArrayType *arr, int n, uint32 *mask);
extern int	cq_funnel_scan(const FunnelState *st, const FunnelParams *p, int64 *times);
extern int	cq_funnel_packed_stage(const FunnelState *st, int64 window);
extern FunnelState *cq_funnel_report_add(FunnelState *st, const int64 *times, int level,
										 MemoryContext grow_cxt);
extern void cq_funnel_report_compute(const FunnelState *st, FunnelStepReport *out);

#endif							/* CQ_FUNNEL_H */
