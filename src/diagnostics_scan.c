/*-------------------------------------------------------------------------
 *
 * diagnostics_scan.c
 *	  cq_internal.tracking_scan (diagnostics.h): one read of a registered
 *	  source and every figure of cq.tracking_health that the source's rows
 *	  decide on their own, per UTC day of the event time and event name,
 *	  plus one row per event name (day NULL) with the volumes of
 *	  cq.event_quality.  cq_internal.refresh_source (refresh.sql) applies the
 *	  NULL rules of the optional columns and writes the report.
 *
 * The rows are read once, straight from the executor's slots, into an array
 * of 56-byte records (event names and channels interned into dense numbers,
 * users kept as integers or interned, the key (event name, id) as a 128-bit
 * hash, as wide as cq.dedup_key); then two in-memory sorts decide the rest:
 *
 *	 by (key, time): which rows are copies (the rule of cq.dedup_keep with a
 *		48-hour window, cq_dedup_deadline), which browser and server copies
 *		each deduplicated event has, and which ids are reused (several
 *		users, several values, or several kept rows);
 *	 by (user, event name, time, copy): bursts (a kept row at most 10
 *		seconds after the previous row) and distinct users per day and per
 *		event name.
 *
 * Definitions are those of the view's comments (report.sql) and of the
 * independent recomputation test/check_tracking_health.py.  Rows whose
 * event time is +-infinity, or whose value is not finite, are never copies
 * and never make another row a copy.  Users of an integer column are told
 * apart by value, others by their text form.  Rows of one key at one
 * instant come in no defined order (as in the SQL of cq.refresh): which of
 * them is kept can change burst_events, never the other counts.  Memory: about 80 bytes per row, in a context of the
 * call's own; every loop over the rows checks for interrupts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bulk_util.h"
#include "common/hashfn.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "port/pg_bitutils.h"
#include "conversion_quality.h"
#include "datatype/timestamp.h"
#include "dedup.h"
#include "diagnostics.h"
#include "intern.h"
#include "text_util.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#define FN "cq_internal.tracking_scan"

/* The fixed windows of the figures, microseconds */
#define DEDUP_WINDOW_US		(48 * USECS_PER_HOUR)
#define BURST_US			(10 * USECS_PER_SEC)
#define FUTURE_US			USECS_PER_HOUR
#define LATE_US				(24 * USECS_PER_HOUR)
#define STALE_US			(7 * USECS_PER_DAY)

/* ---------------------------------------------------------------------------
 * Rows, cells and event names
 * ---------------------------------------------------------------------------
 */
#define ROW_HAS_A		0x01	/* received_at not NULL */
#define ROW_HAS_V		0x02	/* value not NULL */
#define ROW_OK			0x04	/* finite time and value: may deduplicate */
#define ROW_COPY		0x08	/* a copy of a kept row */
#define ROW_BROWSER		0x10	/* this row's channel is a browser one */
#define ROW_SERVER		0x20	/* ... a server one */
#define ROW_G_BROWSER	0x40	/* kept row: its event has a browser copy */
#define ROW_G_SERVER	0x80	/* kept row: its event has a server copy */
#define ROW_KEY			0x100	/* has a key: an id that is not blank */

typedef struct ScanRow
{
	TimestampTz t;				/* event time */
	double		v;				/* value (ROW_HAS_V) */
	uint64		khash[2];		/* 128-bit hash of the key (event name, id), as
								 * wide as cq.dedup_key; ROW_KEY */
	uint64		user;			/* the user: an integer column's value, else
								 * the user's interned text */
	uint32		ev;
	uint32		cell;			/* (day of t, event name) */
	uint16		flags;
} ScanRow;

typedef struct Cell
{
	DateADT		day;
	uint32		ev;
	int64		n[SCAN_NCOLUMNS];	/* counters, indexed by output column */
	double		median_lag;
	double		p95_lag;
	bool		have_lag;
	uint64		chan_bits;		/* channels numbered below 64 seen in the cell */
	Size		lag_end;		/* end of the cell's lags in the bucketed array */
} Cell;

typedef struct U64Entry
{
	uint64		key;			/* day << 32 | event name */
	uint32		idx;
	char		status;
} U64Entry;

/* simplehash.h's inline functions have unused parameters (-Wextra) */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#define SH_PREFIX u64tab
#define SH_ELEMENT_TYPE U64Entry
#define SH_KEY_TYPE uint64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) (murmurhash32((uint32) (k)) ^ hash_bytes_uint32((uint32) ((k) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

typedef struct EventTotal
{
	int64		rows;
	int64		events;
	int64		users;
	int64		blank;
	int64		kept_until;
} EventTotal;

/* A lag of one row and the cell it counts in, for the percentiles */
typedef struct Lag
{
	uint32		cell;
	int64		us;
} Lag;

typedef struct HealthScan
{
	MemoryContext cxt;			/* where the scan's memory lives */
	bool		has_id;
	bool		has_arrival;
	ScanRow    *rows;
	Size		nrows;
	Size		caprows;
	CqInterner	users;
	CqInterner	events;
	CqInterner	channels;
	Cell	   *cells;
	uint32		ncells;
	uint32		capcells;
	u64tab_hash *celltab;		/* (day, event name) -> cell */
	uint32	   *last_cell;		/* per event name: the cell of its last row */
	DateADT    *last_day;		/* ... and that cell's day */
	uint32		cap_last;
	bool		user_is_int;	/* the user column is an integer, read as int8 */
	Lag		   *lags;
	Size		nlags;
	Size		caplags;
	uint64	   *chans;			/* cell << 32 | channel, channels from 64 */
	Size		nchans;
	Size		capchans;
	TimestampTz refresh_time;
	bool		have_first;
	TimestampTz first_time;		/* earliest finite event time */
	bool		have_last;
	TimestampTz last_seen;		/* latest arrival (or time) of a finite-time row */
} HealthScan;

/* Grow a huge array of elements of size sz to hold one more */
static void *
grow(void *arr, Size *cap, Size n, Size sz)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4096;
	if (arr == NULL)
		return MemoryContextAllocHuge(CurrentMemoryContext, *cap * sz);
	return repalloc_huge(arr, *cap * sz);
}

/* The UTC date of a time stamp, +-infinity kept */
static DateADT
utc_day(TimestampTz t)
{
	if (TIMESTAMP_IS_NOBEGIN(t))
		return DATEVAL_NOBEGIN;
	if (TIMESTAMP_IS_NOEND(t))
		return DATEVAL_NOEND;
	/* floor division: times before 2000-01-01 are negative */
	return (DateADT) ((t >= 0 ? t : t - (USECS_PER_DAY - 1)) / USECS_PER_DAY);
}

/* t + us (us >= 0) as timestamptz + interval: +-infinity stays, no overflow */
static TimestampTz
ts_plus(TimestampTz t, int64 us)
{
	TimestampTz r;

	if (TIMESTAMP_NOT_FINITE(t))
		return t;
	if (pg_add_s64_overflow(t, us, &r))
		return DT_NOEND;
	return r;
}

static uint32 cell_lookup(HealthScan *s, DateADT day, uint32 ev);

/*
 * The cell of (day, event name): the event name's last cell when the day is
 * the same (rows arrive roughly in time order), else through the table.
 */
static uint32
cell_of(HealthScan *s, DateADT day, uint32 ev)
{
	if (ev >= s->cap_last)
	{
		uint32		cap = Max(64, ev * 2);

		s->last_cell = s->last_cell ? repalloc(s->last_cell, cap * sizeof(uint32))
			: palloc(cap * sizeof(uint32));
		s->last_day = s->last_day ? repalloc(s->last_day, cap * sizeof(DateADT))
			: palloc(cap * sizeof(DateADT));
		for (uint32 i = s->cap_last; i < cap; i++)
			s->last_cell[i] = PG_UINT32_MAX;
		s->cap_last = cap;
	}
	if (s->last_cell[ev] == PG_UINT32_MAX || s->last_day[ev] != day)
	{
		s->last_cell[ev] = cell_lookup(s, day, ev);
		s->last_day[ev] = day;
	}
	return s->last_cell[ev];
}

static uint32
cell_lookup(HealthScan *s, DateADT day, uint32 ev)
{
	uint64		key = ((uint64) (uint32) day << 32) | ev;
	bool		found;
	U64Entry    *e = u64tab_insert(s->celltab, key, &found);

	if (!found)
	{
		if (s->ncells == s->capcells)
		{
			s->capcells = s->capcells ? s->capcells * 2 : 256;
			s->cells = s->cells ? repalloc_huge(s->cells, s->capcells * sizeof(Cell))
				: MemoryContextAllocHuge(CurrentMemoryContext, s->capcells * sizeof(Cell));
		}
		memset(&s->cells[s->ncells], 0, sizeof(Cell));
		s->cells[s->ncells].day = day;
		s->cells[s->ncells].ev = ev;
		e->idx = s->ncells++;
	}
	return e->idx;
}

/* ---------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------
 */

/* Columns of the query, from 0 */
enum
{
	Q_USER = 0, Q_TIME, Q_ARRIVAL, Q_EVENT, Q_VALUE, Q_ID, Q_CHANNEL, Q_KIND, Q_FALLBACK
};

/* Free t if DatumGetTextPP made a copy of d (a compressed or external value) */
static inline void
free_text_copy(text *t, Datum d)
{
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
}

/*
 * One row of the query into the scan: values and nulls of its columns, from
 * 0 (the user, time and event are not NULL).  Copies made to read a value
 * (detoasting, conversion to UTF-8) are freed at once: the scan's memory
 * grows with the rows kept, not with their text.
 */
#define GETCOL(q) (isnull = nulls[(q)], values[(q)])

static void
add_row(HealthScan *s, const Datum *values, const bool *nulls)
{
	ScanRow    *r;
	Cell	   *c;
	bool		isnull;
	Datum		d;
	text	   *txt;
	bool		blank = false;
	bool		fallback;
	TimestampTz a = 0;			/* arrival, when ROW_HAS_A */
	int			len;
	const char *p;

	s->rows = grow(s->rows, &s->caprows, s->nrows, sizeof(ScanRow));
	r = &s->rows[s->nrows];
	memset(r, 0, sizeof(*r));

	d = GETCOL(Q_USER);
	if (s->user_is_int)
		r->user = (uint64) DatumGetInt64(d);
	else
	{
		txt = DatumGetTextPP(d);
		r->user = cq_intern(&s->users, VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt));
		free_text_copy(txt, d);
	}
	r->t = DatumGetTimestampTz(GETCOL(Q_TIME));
	d = GETCOL(Q_ARRIVAL);
	if (!isnull)
	{
		a = DatumGetTimestampTz(d);
		r->flags |= ROW_HAS_A;
	}
	d = GETCOL(Q_EVENT);
	txt = DatumGetTextPP(d);
	r->ev = cq_intern(&s->events, VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt));
	free_text_copy(txt, d);
	d = GETCOL(Q_VALUE);
	if (!isnull)
	{
		r->v = DatumGetFloat8(d);
		r->flags |= ROW_HAS_V;
	}
	if (!TIMESTAMP_NOT_FINITE(r->t) &&
		(!(r->flags & ROW_HAS_V) || r->v == 0 || isfinite(r->v)))
		r->flags |= ROW_OK;

	/* the key: the event name's number and the id's bytes, as cq.dedup_key */
	if (s->has_id)
	{
		d = GETCOL(Q_ID);
		blank = true;
		if (!isnull)
		{
			txt = DatumGetTextPP(d);
			p = cq_text_utf8_view(txt, &len);
			if (!cq_key_id_is_blank(p, len))
			{
				char		stackbuf[256];
				char	   *buf = len + 4 <= (int) sizeof(stackbuf) ? stackbuf : palloc(len + 4);

				memcpy(buf, &r->ev, 4);
				memcpy(buf + 4, p, len);
				r->khash[0] = hash_bytes_extended((const unsigned char *) buf, len + 4, 0);
				r->khash[1] = hash_bytes_extended((const unsigned char *) buf, len + 4,
												  UINT64CONST(0x9E3779B97F4A7C15));
				r->flags |= ROW_KEY;
				if (buf != stackbuf)
					pfree(buf);
				blank = false;
			}
			if (p != VARDATA_ANY(txt))
				pfree(unconstify(char *, p));
			free_text_copy(txt, d);
		}
	}

	d = GETCOL(Q_KIND);
	if (!isnull)
	{
		txt = DatumGetTextPP(d);
		r->flags |= (VARSIZE_ANY_EXHDR(txt) > 0 && *VARDATA_ANY(txt) == 'b') ? ROW_BROWSER : ROW_SERVER;
		free_text_copy(txt, d);
	}
	fallback = DatumGetBool(GETCOL(Q_FALLBACK)) && !isnull;

	r->cell = cell_of(s, utc_day(r->t), r->ev);
	c = &s->cells[r->cell];
	c->n[SCAN_ROWS]++;
	if (blank)
		c->n[SCAN_BLANK_IDS]++;
	if (r->flags & ROW_BROWSER)
	{
		c->n[SCAN_BROWSER_ROWS]++;
		if (!blank)
			c->n[SCAN_BROWSER_ID_ROWS]++;
		if (!(r->flags & ROW_KEY) && fallback)
			c->n[SCAN_BROWSER_FALLBACK_ROWS]++;
	}
	if (r->flags & ROW_SERVER)
	{
		c->n[SCAN_SERVER_ROWS]++;
		if (!blank)
			c->n[SCAN_SERVER_ID_ROWS]++;
		if (!(r->flags & ROW_KEY) && fallback)
			c->n[SCAN_SERVER_FALLBACK_ROWS]++;
	}

	/* time stamps: future against the arrival, or the refresh without one */
	if (r->t > ts_plus((r->flags & ROW_HAS_A) ? a : s->refresh_time, FUTURE_US))
		c->n[SCAN_FUTURE_EVENTS]++;
	if (r->flags & ROW_HAS_A)
	{
		if (a > ts_plus(r->t, LATE_US))
			c->n[SCAN_LATE_EVENTS]++;
		if (a > ts_plus(r->t, STALE_US))
			c->n[SCAN_STALE_EVENTS]++;
		if (!TIMESTAMP_NOT_FINITE(a) && !TIMESTAMP_NOT_FINITE(r->t))
		{
			s->lags = grow(s->lags, &s->caplags, s->nlags, sizeof(Lag));
			s->lags[s->nlags].cell = r->cell;
			s->lags[s->nlags].us = a - r->t;
			s->nlags++;
			c->lag_end++;		/* the count, until pass_cells */
		}
	}

	d = GETCOL(Q_CHANNEL);
	if (!isnull)
	{
		uint32		ch;

		txt = DatumGetTextPP(d);
		ch = cq_intern(&s->channels, VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt));
		free_text_copy(txt, d);
		if (ch < 64)
			c->chan_bits |= UINT64CONST(1) << ch;
		else
		{
			s->chans = grow(s->chans, &s->capchans, s->nchans, sizeof(uint64));
			s->chans[s->nchans++] = ((uint64) r->cell << 32) | ch;
		}
	}

	/*
	 * The first time, and the latest arrival (or time, without a received-at
	 * column): rows with a finite time only
	 */
	if (!TIMESTAMP_NOT_FINITE(r->t))
	{
		if (!s->have_first || r->t < s->first_time)
			s->first_time = r->t;
		s->have_first = true;
		/* an arrival at -infinity ends nothing (it would end observation before it began) */
		if (!s->has_arrival || ((r->flags & ROW_HAS_A) && !TIMESTAMP_IS_NOBEGIN(a)))
		{
			TimestampTz seen = s->has_arrival ? a : r->t;

			if (!s->have_last || seen > s->last_seen)
				s->last_seen = seen;
			s->have_last = true;
		}
	}
	s->nrows++;
}

#if PG_VERSION_NUM >= 140000
/*
 * The query's rows go straight from the executor's slots into the scan
 * (SPI_execute_plan_extended with a receiver of our own): no tuple is
 * copied.
 */
typedef struct ScanReceiver
{
	DestReceiver pub;
	HealthScan *s;
} ScanReceiver;

static bool
receive_slot(TupleTableSlot *slot, DestReceiver *self)
{
	HealthScan *s = ((ScanReceiver *) self)->s;
	MemoryContext old = MemoryContextSwitchTo(s->cxt);

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	add_row(s, slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(old);
	return true;
}

static void
receiver_startup(DestReceiver *self pg_attribute_unused(), int operation pg_attribute_unused(),
				 TupleDesc typeinfo pg_attribute_unused())
{
}

static void
receiver_noop(DestReceiver *self pg_attribute_unused())
{
}

static void
read_rows(HealthScan *s, SPIPlanPtr plan)
{
	ScanReceiver rcv;
	SPIExecuteOptions opt;

	memset(&rcv, 0, sizeof(rcv));
	rcv.pub.receiveSlot = receive_slot;
	rcv.pub.rStartup = receiver_startup;
	rcv.pub.rShutdown = receiver_noop;
	rcv.pub.rDestroy = receiver_noop;
	rcv.pub.mydest = DestNone;
	rcv.s = s;
	memset(&opt, 0, sizeof(opt));
	opt.read_only = true;
	opt.dest = &rcv.pub;
	/* a SELECT into DestNone reports SPI_OK_UTILITY; errors are raised */
	if (SPI_execute_plan_extended(plan, &opt) < 0)
		elog(ERROR, "the " FN " query failed");
}
#else
/* PostgreSQL 13: through a cursor, 10,000 rows at a time */
static void
read_rows(HealthScan *s, SPIPlanPtr plan)
{
	Portal		portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	Datum		values[Q_FALLBACK + 1];
	bool		nulls[Q_FALLBACK + 1];

	for (;;)
	{
		SPITupleTable *tt;

		SPI_cursor_fetch(portal, true, 10000);
		MemoryContextSwitchTo(s->cxt);
		if (SPI_processed == 0)
			break;
		tt = SPI_tuptable;
		for (uint64 k = 0; k < SPI_processed; k++)
		{
			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(tt->vals[k], tt->tupdesc, values, nulls);
			add_row(s, values, nulls);
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
}
#endif

/* ---------------------------------------------------------------------------
 * Sorts
 * ---------------------------------------------------------------------------
 */
/* Rows without a key last; then by the key's hash */
static inline int
cmp_keys(const ScanRow *a, const ScanRow *b)
{
	bool		akey = (a->flags & ROW_KEY) != 0;
	bool		bkey = (b->flags & ROW_KEY) != 0;

	if (!akey || !bkey)
		return (int) bkey - (int) akey;
	if (a->khash[0] != b->khash[0])
		return a->khash[0] < b->khash[0] ? -1 : 1;
	if (a->khash[1] != b->khash[1])
		return a->khash[1] < b->khash[1] ? -1 : 1;
	return 0;
}

static inline int
key_time_order(const ScanRow *a, const ScanRow *b)
{
	int			c = cmp_keys(a, b);

	if (c != 0)
		return c;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return 0;
}

static inline int
user_event_time_order(const ScanRow *a, const ScanRow *b)
{
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->ev != b->ev)
		return a->ev < b->ev ? -1 : 1;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	/* a kept row before its copy at the same instant, as ORDER BY t, copy */
	return (int) (a->flags & ROW_COPY) - (int) (b->flags & ROW_COPY);
}

static int
cmp_uint64(const void *pa, const void *pb, void *arg pg_attribute_unused())
{
	uint64		a = *(const uint64 *) pa;
	uint64		b = *(const uint64 *) pb;

	return a < b ? -1 : (a > b ? 1 : 0);
}

/*
 * The two sorts of the rows, with the comparisons inlined (PostgreSQL's
 * sort template, interruptible) on PostgreSQL 15 and later; through
 * cq_sort with a comparison function before.
 */
#if PG_VERSION_NUM >= 150000
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#define ST_SORT sort_by_key_time
#define ST_ELEMENT_TYPE ScanRow
#define ST_COMPARE(a, b) key_time_order(a, b)
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"
#define ST_SORT sort_by_user_event_time
#define ST_ELEMENT_TYPE ScanRow
#define ST_COMPARE(a, b) user_event_time_order(a, b)
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"
#define ST_SORT sort_lags
#define ST_ELEMENT_TYPE int64
#define ST_COMPARE(a, b) (*(a) < *(b) ? -1 : (*(a) > *(b) ? 1 : 0))
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#else
static int
cmp_key_time(const void *a, const void *b, void *arg pg_attribute_unused())
{
	return key_time_order(a, b);
}

static int
cmp_user_event_time(const void *a, const void *b, void *arg pg_attribute_unused())
{
	return user_event_time_order(a, b);
}

static void
sort_by_key_time(ScanRow *rows, size_t n)
{
	cq_sort(rows, n, sizeof(ScanRow), cmp_key_time, NULL);
}

static void
sort_by_user_event_time(ScanRow *rows, size_t n)
{
	cq_sort(rows, n, sizeof(ScanRow), cmp_user_event_time, NULL);
}

static int
cmp_int64(const void *pa, const void *pb, void *arg pg_attribute_unused())
{
	int64		a = *(const int64 *) pa;
	int64		b = *(const int64 *) pb;

	return a < b ? -1 : (a > b ? 1 : 0);
}

static void
sort_lags(int64 *lags, size_t n)
{
	cq_sort(lags, n, sizeof(int64), cmp_int64, NULL);
}
#endif

/* Equal values for count(DISTINCT): NaN equals NaN, -0 equals 0 */
static bool
same_value(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/*
 * Rows in (key, time) order: copies, the channels of each deduplicated
 * event, and reused ids.  Rows without a key sort last and stay alone.
 */
static void
pass_keys(HealthScan *s)
{
	Interval	window = {DEDUP_WINDOW_US, 0, 0};
	Size		i = 0;

	sort_by_key_time(s->rows, s->nrows);
	while (i < s->nrows && (s->rows[i].flags & ROW_KEY))
	{
		Size		j = i;
		ScanRow    *first = &s->rows[i];
		ScanRow    *kept = NULL;
		TimestampTz deadline = 0;
		bool		several_users = false,
					several_values = false,
					have_value = false;
		double		value = 0;
		int64		nkept = 0;

		for (; j < s->nrows && cmp_keys(&s->rows[j], first) == 0; j++)
		{
			ScanRow    *r = &s->rows[j];

			CQ_BULK_CHECK(j);
			if (r->user != first->user)
				several_users = true;
			if (r->flags & ROW_HAS_V)
			{
				if (have_value && !same_value(value, r->v))
					several_values = true;
				value = r->v;
				have_value = true;
			}
			if ((r->flags & ROW_OK) && kept != NULL && r->t <= deadline)
			{
				r->flags |= ROW_COPY;
				kept->flags |= (r->flags & ROW_BROWSER) ? ROW_G_BROWSER : 0;
				kept->flags |= (r->flags & ROW_SERVER) ? ROW_G_SERVER : 0;
				continue;
			}
			nkept++;
			if (r->flags & ROW_OK)
			{
				kept = r;
				deadline = cq_dedup_deadline(r->t, &window);
			}
		}
		/* the id counts once, on the day of its first row */
		if (several_users || several_values || nkept > 1)
			s->cells[cell_of(s, utc_day(first->t), first->ev)].n[SCAN_REUSED_IDS]++;
		i = j;
	}
}

/*
 * Rows in (user, event name, time, copy) order: bursts and distinct users;
 * and, row by row, deduplicated events and their channels.
 */
static void
pass_users(HealthScan *s, EventTotal *tot, TimestampTz until)
{
	sort_by_user_event_time(s->rows, s->nrows);
	for (Size i = 0; i < s->nrows; i++)
	{
		ScanRow    *r = &s->rows[i];
		ScanRow    *prev = i > 0 ? &s->rows[i - 1] : NULL;
		Cell	   *c = &s->cells[r->cell];
		bool		same_partition = prev && prev->user == r->user && prev->ev == r->ev;

		CQ_BULK_CHECK(i);
		if (!same_partition)
			tot[r->ev].users++;
		if (!same_partition || utc_day(prev->t) != c->day)
			c->n[SCAN_USERS]++;
		tot[r->ev].rows++;
		if (s->has_id && !(r->flags & ROW_KEY))
			tot[r->ev].blank++;
		if (r->flags & ROW_COPY)
			continue;

		/* a kept row: a deduplicated event, with its copies' channels */
		c->n[SCAN_EVENTS]++;
		tot[r->ev].events++;
		if (r->t <= until)
			tot[r->ev].kept_until++;
		{
			bool		browser = (r->flags & (ROW_BROWSER | ROW_G_BROWSER)) != 0;
			bool		server = (r->flags & (ROW_SERVER | ROW_G_SERVER)) != 0;

			c->n[SCAN_BROWSER_EVENTS] += browser;
			c->n[SCAN_SERVER_EVENTS] += server;
			c->n[SCAN_BOTH_EVENTS] += browser && server;
		}
		/* a burst: at most 10 seconds after the previous row (+-infinity: the same instant) */
		if (same_partition &&
			(TIMESTAMP_NOT_FINITE(r->t) ? prev->t == r->t : prev->t >= r->t - BURST_US))
			c->n[SCAN_BURST_EVENTS]++;
	}
}

/* percentile_cont(p) of n sorted lags (microseconds), in seconds */
static double
percentile_cont(const int64 *lags, Size n, double p)
{
	double		pos = p * (double) (n - 1);
	Size		lo = (Size) floor(pos);
	Size		hi = (Size) ceil(pos);
	double		lo_s = (double) lags[lo] / USECS_PER_SEC;
	double		hi_s = (double) lags[hi] / USECS_PER_SEC;

	return lo == hi ? lo_s : lo_s + (pos - lo) * (hi_s - lo_s);
}

/*
 * Lag percentiles and distinct channels per cell.  The lags are put in
 * buckets by cell (a counting sort) and each bucket is sorted alone.
 */
static void
pass_cells(HealthScan *s)
{
	int64	   *bucketed = MemoryContextAllocHuge(s->cxt, Max(s->nlags, 1) * sizeof(int64));
	Size		end = 0;

	for (uint32 c = 0; c < s->ncells; c++)
	{
		end += s->cells[c].lag_end;		/* the count, until now */
		s->cells[c].lag_end = end;
	}
	for (Size i = s->nlags; i-- > 0;)
	{
		CQ_BULK_CHECK(i);
		bucketed[--s->cells[s->lags[i].cell].lag_end] = s->lags[i].us;
	}
	/* lag_end is now each cell's start; the next cell's start is its end */
	for (uint32 c = 0; c < s->ncells; c++)
	{
		Cell	   *cell = &s->cells[c];
		Size		from = cell->lag_end;
		Size		to = c + 1 < s->ncells ? s->cells[c + 1].lag_end : s->nlags;

		if (to == from)
			continue;
		sort_lags(&bucketed[from], to - from);
		cell->have_lag = true;
		cell->median_lag = percentile_cont(&bucketed[from], to - from, 0.5);
		cell->p95_lag = percentile_cont(&bucketed[from], to - from, 0.95);
	}

	for (uint32 c = 0; c < s->ncells; c++)
		s->cells[c].n[SCAN_CHANNELS] = pg_popcount((const char *) &s->cells[c].chan_bits, sizeof(uint64));
	cq_sort(s->chans, s->nchans, sizeof(uint64), cmp_uint64, NULL);
	for (Size i = 0; i < s->nchans; i++)
	{
		CQ_BULK_CHECK(i);
		if (i == 0 || s->chans[i] != s->chans[i - 1])
			s->cells[s->chans[i] >> 32].n[SCAN_CHANNELS]++;
	}
}

/* ---------------------------------------------------------------------------
 * The function
 * ---------------------------------------------------------------------------
 */

/* pg_class.reltuples of rel: the planner's row count, -1 when unknown */
static double
estimate_rows(Oid rel)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	double		n = -1;

	if (HeapTupleIsValid(tup))
	{
		n = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return n;
}

/* The name argument argno, checked against rel; NULL when the argument is NULL */
static const char *
column_arg(FunctionCallInfo fcinfo, int argno, Oid rel, CqColumnKind kind, const char *argname)
{
	const char *col;

	if (PG_ARGISNULL(argno))
		return NULL;
	col = NameStr(*PG_GETARG_NAME(argno));
	cq_check_column(rel, col, kind, FN, argname, "");
	return col;
}

static void
emit(FunctionCallInfo fcinfo, HealthScan *s, EventTotal *tot, TimestampTz until)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	Datum		values[SCAN_NCOLUMNS];
	bool		nulls[SCAN_NCOLUMNS];
	const char *name;
	int			len;

	if (rsinfo->setDesc->natts != SCAN_NCOLUMNS)
		elog(ERROR, FN " declared with %d columns, expected %d", rsinfo->setDesc->natts,
			 SCAN_NCOLUMNS);
	for (uint32 i = 0; i < s->ncells; i++)
	{
		Cell	   *c = &s->cells[i];

		CQ_BULK_CHECK(i);
		memset(nulls, 0, sizeof(nulls));
		for (int k = SCAN_ROWS; k < SCAN_NCOLUMNS; k++)
			values[k] = Int64GetDatum(c->n[k]);
		values[SCAN_DAY] = DateADTGetDatum(c->day);
		name = cq_interner_string(&s->events, c->ev, &len);
		values[SCAN_EVENT_NAME] = PointerGetDatum(cstring_to_text_with_len(name, len));
		values[SCAN_MEDIAN_LAG] = Float8GetDatum(c->median_lag);
		values[SCAN_P95_LAG] = Float8GetDatum(c->p95_lag);
		nulls[SCAN_MEDIAN_LAG] = nulls[SCAN_P95_LAG] = !c->have_lag;
		nulls[SCAN_KEPT_UNTIL] = nulls[SCAN_FIRST_TIME] = nulls[SCAN_OBSERVED_UNTIL] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	/* one row per event name, day NULL: the volumes of cq.event_quality */
	for (uint32 e = 0; e < s->events.n; e++)
	{
		for (int k = 0; k < SCAN_NCOLUMNS; k++)
			nulls[k] = true;
		name = cq_interner_string(&s->events, e, &len);
		values[SCAN_EVENT_NAME] = PointerGetDatum(cstring_to_text_with_len(name, len));
		values[SCAN_ROWS] = Int64GetDatum(tot[e].rows);
		values[SCAN_EVENTS] = Int64GetDatum(tot[e].events);
		values[SCAN_USERS] = Int64GetDatum(tot[e].users);
		values[SCAN_BLANK_IDS] = Int64GetDatum(tot[e].blank);
		values[SCAN_KEPT_UNTIL] = Int64GetDatum(tot[e].kept_until);
		values[SCAN_FIRST_TIME] = TimestampTzGetDatum(s->first_time);
		values[SCAN_OBSERVED_UNTIL] = TimestampTzGetDatum(until);
		nulls[SCAN_EVENT_NAME] = nulls[SCAN_ROWS] = nulls[SCAN_EVENTS] = nulls[SCAN_USERS] =
			nulls[SCAN_BLANK_IDS] = nulls[SCAN_KEPT_UNTIL] = nulls[SCAN_OBSERVED_UNTIL] = false;
		nulls[SCAN_FIRST_TIME] = !s->have_first;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(old);
}

/*
 * tracking_scan(relation regclass, user_column name, time_column name,
 *				 event_column name, value_column name, event_id_column name,
 *				 source_column name, received_at_column name,
 *				 fallback_columns name[], refresh_time timestamptz)
 *		returns setof (diagnostics.h, CqScanColumn)
 *
 *		The relation, user, time and event columns and refresh_time must not
 *		be NULL; the other columns are optional (NULL: not registered).  The
 *		caller must be allowed to read the relation; every column is checked
 *		in the catalog and quoted.  Rows with a NULL user, time or event name
 *		are not read.  One row per (UTC day, event name) with the counts,
 *		then one per event name with day NULL: rows, deduplicated events,
 *		users, blank ids, deduplicated events up to the end of observation
 *		(kept_until), the earliest finite time, and the end of observation
 *		(the latest arrival, or time without a received-at column, of a row
 *		with a finite time, never later than refresh_time; refresh_time when
 *		there is none).  A column registered but all NULL gives counts of 0;
 *		the caller turns the figures of unregistered columns into NULL.
 */
PG_FUNCTION_INFO_V1(tracking_scan);
Datum
tracking_scan(PG_FUNCTION_ARGS)
{
	Oid			rel;
	const char *ucol,
			   *tcol,
			   *ecol,
			   *vcol,
			   *idcol,
			   *scol,
			   *acol;
	StringInfoData q;
	StringInfoData fb;
	MemoryContext oldcxt = CurrentMemoryContext;
	MemoryContext work;
	HealthScan	   *s;
	EventTotal *tot;
	TimestampTz until;
	SPIPlanPtr	plan;
	Oid			utype;
	bool		user_is_int;

	for (int i = 0; i <= 9; i++)
		if ((i <= 3 || i == 9) && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg(FN " argument %d must not be NULL", i + 1),
					 errdetail("The relation, its user, time and event columns and the refresh time are required; the other columns are optional."),
					 errhint("cq.refresh calls this function with a registered source's columns.")));
	rel = PG_GETARG_OID(0);
	cq_check_table_readable(rel, FN);
	ucol = column_arg(fcinfo, 1, rel, CQ_COLUMN_ANY, "user_column");
	utype = cq_check_column(rel, ucol, CQ_COLUMN_ANY, FN, "user_column", "");
	user_is_int = utype == INT2OID || utype == INT4OID || utype == INT8OID;
	tcol = column_arg(fcinfo, 2, rel, CQ_COLUMN_TIME, "time_column");
	ecol = column_arg(fcinfo, 3, rel, CQ_COLUMN_ANY, "event_column");
	vcol = column_arg(fcinfo, 4, rel, CQ_COLUMN_NUMBER, "value_column");
	idcol = column_arg(fcinfo, 5, rel, CQ_COLUMN_ANY, "event_id_column");
	scol = column_arg(fcinfo, 6, rel, CQ_COLUMN_ANY, "source_column");
	acol = column_arg(fcinfo, 7, rel, CQ_COLUMN_TIME, "received_at_column");

	/* a fallback key present: one of the named columns not blank */
	initStringInfo(&fb);
	if (!PG_ARGISNULL(8))
	{
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(8), NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
						  &elems, &enulls, &n);
		for (int i = 0; i < n; i++)
		{
			const char *col;

			if (enulls[i])
				continue;
			col = NameStr(*DatumGetName(elems[i]));
			cq_check_column(rel, col, CQ_COLUMN_ANY, FN, "fallback_columns", "");
			appendStringInfo(&fb, "%spg_catalog.btrim(e.%s::pg_catalog.text) OPERATOR(pg_catalog.<>) ''",
							 fb.len ? " OR " : "", quote_identifier(col));
		}
	}

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT e.%s::pg_catalog.%s, e.%s::pg_catalog.timestamptz, ",
					 quote_identifier(ucol), user_is_int ? "int8" : "text", quote_identifier(tcol));
	if (acol)
		appendStringInfo(&q, "e.%s::pg_catalog.timestamptz, ", quote_identifier(acol));
	else
		appendStringInfoString(&q, "NULL::pg_catalog.timestamptz, ");
	appendStringInfo(&q, "e.%s::pg_catalog.text, ", quote_identifier(ecol));
	if (vcol)
		appendStringInfo(&q, "e.%s::pg_catalog.float8, ", quote_identifier(vcol));
	else
		appendStringInfoString(&q, "NULL::pg_catalog.float8, ");
	if (idcol)
		appendStringInfo(&q, "e.%s::pg_catalog.text, ", quote_identifier(idcol));
	else
		appendStringInfoString(&q, "NULL::pg_catalog.text, ");
	if (scol)
		appendStringInfo(&q, "e.%s::pg_catalog.text, cq_internal.channel_kind(e.%s::pg_catalog.text), ",
						 quote_identifier(scol), quote_identifier(scol));
	else
		appendStringInfoString(&q, "NULL::pg_catalog.text, NULL::pg_catalog.text, ");
	if (fb.len)
		appendStringInfo(&q, "coalesce(%s, false)", fb.data);
	else
		appendStringInfoString(&q, "false");
	appendStringInfo(&q, " FROM %s e WHERE e.%s IS NOT NULL AND e.%s IS NOT NULL AND e.%s IS NOT NULL",
					 cq_relation_name(rel), quote_identifier(ucol), quote_identifier(tcol),
					 quote_identifier(ecol));

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "cq tracking scan", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(work);
	s = palloc0(sizeof(HealthScan));
	s->cxt = work;
	s->has_id = idcol != NULL;
	s->has_arrival = acol != NULL;
	s->user_is_int = user_is_int;
	s->refresh_time = PG_GETARG_TIMESTAMPTZ(9);
	cq_interner_init(&s->users, 1024, false);
	cq_interner_init(&s->events, 64, true);
	cq_interner_init(&s->channels, 16, false);
	s->celltab = u64tab_create(work, 1024, NULL);

	/* room for the rows the planner expects, so that the array rarely moves */
	{
		double		expect = estimate_rows(rel);

		if (expect > 0)
		{
			s->caprows = (Size) Min(expect * 1.05 + 1024, (double) (MaxAllocHugeSize / sizeof(ScanRow) / 2));
			s->rows = MemoryContextAllocHuge(work, s->caprows * sizeof(ScanRow));
		}
	}
	plan = SPI_prepare(q.data, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the " FN " query: %s",
			 SPI_result_code_string(SPI_result));
	read_rows(s, plan);
	MemoryContextSwitchTo(work);
	until = s->have_last ? Min(s->last_seen, s->refresh_time) : s->refresh_time;
	tot = palloc0(Max(s->events.n, 1) * sizeof(EventTotal));
	pass_keys(s);
	pass_users(s, tot, until);
	pass_cells(s);
	emit(fcinfo, s, tot, until);

	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}
