/*-------------------------------------------------------------------------
 *
 * rank_events.c
 *	  cq.rank_events_scan(): the one pass over an event stream behind
 *	  cq.rank_events.
 *
 * cq.rank_events (plpgsql) checks its arguments, quotes every identifier
 * and builds one query returning, ordered by user and time,
 *
 *	 user (any type with equality), time (timestamptz),
 *	 event name (text; NULL for a row of a separate revenue table),
 *	 revenue (float8; NULL when the row carries none)
 *
 * This function runs that query through a cursor and walks it once.  For
 * each user it finds the first occurrence of every event and the user's
 * first event of any kind, sums the revenue in (anchor, anchor + horizon]
 * for each, and adds the result to the per-event cq.event_signal summaries:
 * users with the event anchored at its first occurrence, users without it
 * at their first event.  A window ending after observed_until censors the
 * user for that event.  Users without an event are added at the end, from
 * a per-user baseline kept in memory (16 bytes per user) and the sorted
 * list of the users with each event (4 bytes per user and event), because
 * an event name can first appear after many users have been seen.
 *
 * It returns one row per event name with the raw figures; cq.rank_events
 * derives the p-values, q-values, verdicts and scores from them.  Memory:
 * the rows of one user at a time, plus the per-user and per-pair arrays.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "signal_quality.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#if PG_VERSION_NUM < 150000
/*
 * InitMaterializedSRF() appeared in PostgreSQL 15; the same set-up by hand.
 */
static void
cq_init_materialized_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(old);
}
#define InitMaterializedSRF(fcinfo, flags) cq_init_materialized_srf(fcinfo)
#endif

/* Per event name */
typedef struct EventStats
{
	char	   *name;
	int			namelen;
	uint32		hash;
	int64		occurrences;	/* rows of this event */
	bool		carries;		/* some of its rows carry revenue */
	int64		censored;		/* users whose window for it is not fully observed */
	EventSignal sig;			/* group 1 added while streaming, group 0 at the end */
	int64		last_user;		/* user ordinal that last had it (first occurrence) */
	int32	   *users;			/* ordinals of the users with it, increasing */
	int64		nusers;
	int64		users_cap;
	int64		users_cap2;
	int64	   *leads;			/* microseconds from first occurrence to first revenue */
	int64		nleads;
	int64		leads_cap;
} EventStats;

/* The whole scan */
typedef struct RankScan
{
	EventStats *events;
	int			nevents;
	int			events_cap;
	int		   *slots;			/* open-addressing table of event indexes, -1 empty */
	int			nslots;
	/* per-user baseline: window end and revenue in (first event, + horizon] */
	TimestampTz *base_end;
	double	   *base_value;
	int64		nusers;
	int64		users_cap;
	int64		users_cap2;
	/* rows of the current user */
	TimestampTz *row_t;
	int		   *row_event;		/* -1: a revenue-only row */
	double	   *row_rev;		/* NaN: no revenue */
	int			nrows;
	int			rows_cap;
	/* revenue rows of the current user, in time order */
	TimestampTz *rev_t;
	double	   *rev_v;
	int			nrev;
	TimestampTz first_time;		/* earliest event time seen */
	bool		have_first_time;
	Interval   *horizon;
	TimestampTz observed_until;
} RankScan;

/* Grow an array of elements of size elsize to hold at least need */
static void *
grow(void *ptr, int64 *cap, int64 need, Size elsize)
{
	int64		newcap;

	if (need <= *cap)
		return ptr;
	newcap = Max(*cap * 2, 64);
	while (newcap < need)
		newcap *= 2;
	if ((Size) newcap * elsize > MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many users or events for cq.rank_events"),
				 errdetail("An internal array would exceed the allocation limit."),
				 errhint("Rank the events of a sample of users, or of a shorter period.")));
	ptr = ptr ? repalloc_huge(ptr, newcap * elsize) :
		MemoryContextAllocHuge(CurrentMemoryContext, newcap * elsize);
	*cap = newcap;
	return ptr;
}

/*
 * The index of event name (s, len), added if new.
 */
static int
event_index(RankScan *st, const char *s, int len)
{
	uint32		h = DatumGetUInt32(hash_any((const unsigned char *) s, len));
	int			slot;

	if (st->nevents * 2 >= st->nslots)
	{
		int			newn = Max(st->nslots * 2, 64);
		int		   *ns = palloc(newn * sizeof(int));
		int			i;

		memset(ns, -1, newn * sizeof(int));
		for (i = 0; i < st->nevents; i++)
		{
			int			j = st->events[i].hash & (newn - 1);

			while (ns[j] >= 0)
				j = (j + 1) & (newn - 1);
			ns[j] = i;
		}
		if (st->slots)
			pfree(st->slots);
		st->slots = ns;
		st->nslots = newn;
	}
	slot = h & (st->nslots - 1);
	while (st->slots[slot] >= 0)
	{
		EventStats *e = &st->events[st->slots[slot]];

		if (e->hash == h && e->namelen == len && memcmp(e->name, s, len) == 0)
			return st->slots[slot];
		slot = (slot + 1) & (st->nslots - 1);
	}
	if (st->nevents >= st->events_cap)
	{
		int64		cap = st->events_cap;

		st->events = grow(st->events, &cap, st->nevents + 1, sizeof(EventStats));
		st->events_cap = (int) cap;
	}
	{
		EventStats *e = &st->events[st->nevents];

		memset(e, 0, sizeof(EventStats));
		e->name = palloc(len + 1);
		memcpy(e->name, s, len);
		e->name[len] = '\0';
		e->namelen = len;
		e->hash = h;
		e->last_user = -1;
	}
	st->slots[slot] = st->nevents;
	return st->nevents++;
}

/*
 * anchor + horizon, calendar-aware like timestamptz + interval; a pure
 * time horizon is added directly.  Overflow gives "never ends" (censored).
 */
static TimestampTz
window_end(RankScan *st, TimestampTz anchor)
{
	TimestampTz end;

	if (st->horizon->month == 0 && st->horizon->day == 0)
	{
		if (pg_add_s64_overflow(anchor, st->horizon->time, &end))
			return DT_NOEND;
		return end;
	}
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(anchor),
												   IntervalPGetDatum(st->horizon)));
}

/*
 * Revenue of the current user in (anchor, end], and the time of its first
 * row there (DT_NOBEGIN when none).  Rows are in time order; summed in
 * that order.
 */
static double
window_revenue(RankScan *st, TimestampTz anchor, TimestampTz end, TimestampTz *first)
{
	int			lo = 0,
				hi = st->nrev;
	double		sum = 0.0;

	/* first revenue row with t > anchor */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (st->rev_t[mid] <= anchor)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = (lo < st->nrev && st->rev_t[lo] <= end) ? st->rev_t[lo] : DT_NOBEGIN;
	for (; lo < st->nrev && st->rev_t[lo] <= end; lo++)
		sum += st->rev_v[lo];
	return sum;
}

/* One row into a summary: the same update as the cq.event_signal aggregate */
static inline void
add_to_signal(EventSignal *s, bool has_event, double v)
{
	cq_event_signal_add(s, has_event, v);
}

/*
 * Process the buffered rows of one user.
 */
static void
flush_user(RankScan *st)
{
	TimestampTz first_seen = 0;
	bool		have_event = false;
	int64		ordinal;
	int			i;

	if (st->nrows == 0)
		return;
	/* revenue rows, in time order */
	st->nrev = 0;
	for (i = 0; i < st->nrows; i++)
	{
		if (!isnan(st->row_rev[i]))
		{
			st->rev_t[st->nrev] = st->row_t[i];
			st->rev_v[st->nrev] = st->row_rev[i];
			st->nrev++;
		}
		if (st->row_event[i] >= 0 && !have_event)
		{
			first_seen = st->row_t[i];
			have_event = true;
		}
	}
	if (!have_event)
	{
		/* revenue without any event: not in the population */
		st->nrows = 0;
		return;
	}

	ordinal = st->nusers;
	if (ordinal >= PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many users for cq.rank_events"),
				 errdetail("At most %d users can be ranked in one call.", PG_INT32_MAX),
				 errhint("Rank the events of a sample of users.")));
	st->base_end = grow(st->base_end, &st->users_cap, ordinal + 1, sizeof(TimestampTz));
	st->base_value = grow(st->base_value, &st->users_cap2, ordinal + 1, sizeof(double));
	{
		TimestampTz first_rev;

		st->base_end[ordinal] = window_end(st, first_seen);
		st->base_value[ordinal] = window_revenue(st, first_seen, st->base_end[ordinal],
												 &first_rev);
	}
	st->nusers++;
	if (!st->have_first_time || first_seen < st->first_time)
	{
		st->first_time = first_seen;
		st->have_first_time = true;
	}

	for (i = 0; i < st->nrows; i++)
	{
		EventStats *e;
		TimestampTz end,
					first_rev;
		double		v;

		if (st->row_event[i] < 0)
			continue;
		e = &st->events[st->row_event[i]];
		e->occurrences++;
		if (!isnan(st->row_rev[i]))
			e->carries = true;
		if (e->last_user == ordinal)
			continue;			/* not the first occurrence */
		e->last_user = ordinal;
		e->users = grow(e->users, &e->users_cap, e->nusers + 1, sizeof(int32));
		e->users[e->nusers++] = (int32) ordinal;
		end = window_end(st, st->row_t[i]);
		if (end > st->observed_until)
		{
			e->censored++;
			continue;
		}
		v = window_revenue(st, st->row_t[i], end, &first_rev);
		add_to_signal(&e->sig, true, v);
		if (first_rev != DT_NOBEGIN)
		{
			e->leads = grow(e->leads, &e->leads_cap, e->nleads + 1, sizeof(int64));
			e->leads[e->nleads++] = first_rev - st->row_t[i];
		}
	}
	st->nrows = 0;
}

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x < y) ? -1 : (x > y) ? 1 : 0;
}

/*
 * rank_events_scan(query text, horizon interval, observed_until timestamptz)
 *		returns setof (event_name text, occurrences bigint, carries boolean,
 *		users_censored bigint, signal cq.event_signal,
 *		median_lead_time interval, first_time timestamptz)
 *
 *		Internal to cq.rank_events, which builds the query (see the file
 *		header for its columns and order).  Rows must come ordered by user,
 *		then time; a time going backwards within a user is an error.
 */
PG_FUNCTION_INFO_V1(rank_events_scan);
Datum
rank_events_scan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	RankScan	st;
	MemoryContext work;
	MemoryContext oldcxt;
	MemoryContext usercxt;
	SPIPlanPtr	plan;
	Portal		portal;
	TypeCacheEntry *tce = NULL;
	Oid			ucollation = InvalidOid;
	bool		have_prev = false;
	Datum		prev_user = (Datum) 0;
	bool		user_byval = true;
	int16		user_len = 8;
	TimestampTz prev_t = 0;
	int64		j;
	int			i;

	memset(&st, 0, sizeof(st));
	st.horizon = PG_GETARG_INTERVAL_P(1);
	st.observed_until = PG_GETARG_TIMESTAMPTZ(2);

	InitMaterializedSRF(fcinfo, 0);

	work = AllocSetContextCreate(CurrentMemoryContext, "cq.rank_events scan",
								 ALLOCSET_DEFAULT_SIZES);
	usercxt = AllocSetContextCreate(work, "cq.rank_events user", ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(work);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* SPI calls return in SPI's own context: everything of ours lives in work */
	MemoryContextSwitchTo(work);
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the cq.rank_events query: %s",
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	MemoryContextSwitchTo(work);

	for (;;)
	{
		SPITupleTable *tt;
		uint64		k;

		SPI_cursor_fetch(portal, true, 10000);
		MemoryContextSwitchTo(work);
		if (SPI_processed == 0)
			break;
		tt = SPI_tuptable;
		if (tce == NULL)
		{
			Form_pg_attribute att = TupleDescAttr(tt->tupdesc, 0);

			if (tt->tupdesc->natts != 4 ||
				TupleDescAttr(tt->tupdesc, 1)->atttypid != TIMESTAMPTZOID ||
				TupleDescAttr(tt->tupdesc, 2)->atttypid != TEXTOID ||
				TupleDescAttr(tt->tupdesc, 3)->atttypid != FLOAT8OID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("the query of cq.rank_events_scan must return (user, timestamptz, text, float8)"),
						 errdetail("The columns are the user, the time, the event name and the revenue."),
						 errhint("Call cq.rank_events, which builds this query.")));
			tce = lookup_type_cache(att->atttypid, TYPECACHE_EQ_OPR_FINFO);
			if (!OidIsValid(tce->eq_opr_finfo.fn_oid))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("the user column has type %s, which has no equality operator",
								format_type_be(att->atttypid)),
						 errdetail("cq.rank_events groups the rows of each user."),
						 errhint("Use a view that casts the user column to text or bigint.")));
			ucollation = att->attcollation;
			user_byval = att->attbyval;
			user_len = att->attlen;
		}
		for (k = 0; k < SPI_processed; k++)
		{
			HeapTuple	tup = tt->vals[k];
			bool		isnull;
			Datum		u = SPI_getbinval(tup, tt->tupdesc, 1, &isnull);
			TimestampTz t;
			Datum		d;

			CHECK_FOR_INTERRUPTS();
			if (isnull)
				continue;
			d = SPI_getbinval(tup, tt->tupdesc, 2, &isnull);
			if (isnull)
				continue;
			t = DatumGetTimestampTz(d);
			if (!have_prev ||
				!DatumGetBool(FunctionCall2Coll(&tce->eq_opr_finfo, ucollation, prev_user, u)))
			{
				flush_user(&st);
				MemoryContextReset(usercxt);
				MemoryContextSwitchTo(usercxt);
				prev_user = datumCopy(u, user_byval, user_len);
				MemoryContextSwitchTo(work);
				have_prev = true;
			}
			else if (t < prev_t)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the query of cq.rank_events_scan is not ordered by user and time"),
						 errdetail("A user's rows must arrive in time order."),
						 errhint("Call cq.rank_events, which builds this query.")));
			prev_t = t;

			if (st.nrows >= st.rows_cap)
			{
				int64		cap = st.rows_cap;
				int64		cap2 = st.rows_cap;
				int64		cap3 = st.rows_cap;
				int64		cap4 = st.rows_cap;
				int64		cap5 = st.rows_cap;

				st.row_t = grow(st.row_t, &cap, st.nrows + 1, sizeof(TimestampTz));
				st.row_event = grow(st.row_event, &cap2, st.nrows + 1, sizeof(int));
				st.row_rev = grow(st.row_rev, &cap3, st.nrows + 1, sizeof(double));
				st.rev_t = grow(st.rev_t, &cap4, st.nrows + 1, sizeof(TimestampTz));
				st.rev_v = grow(st.rev_v, &cap5, st.nrows + 1, sizeof(double));
				st.rows_cap = (int) cap;
			}
			st.row_t[st.nrows] = t;
			d = SPI_getbinval(tup, tt->tupdesc, 3, &isnull);
			if (isnull)
				st.row_event[st.nrows] = -1;
			else
			{
				text	   *name = DatumGetTextPP(d);

				st.row_event[st.nrows] = event_index(&st, VARDATA_ANY(name),
													 VARSIZE_ANY_EXHDR(name));
				if ((Pointer) name != DatumGetPointer(d))
					pfree(name);
			}
			d = SPI_getbinval(tup, tt->tupdesc, 4, &isnull);
			st.row_rev[st.nrows] = isnull ? NAN : DatumGetFloat8(d);
			if (!isnull && !isfinite(st.row_rev[st.nrows]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("revenue must be finite"),
						 errdetail("A revenue row has the value %s.",
								   isnan(st.row_rev[st.nrows]) ? "NaN" : "Infinity"),
						 errhint("Filter the rows, for example with a view.")));
			st.nrows++;
		}
		SPI_freetuptable(tt);
		MemoryContextSwitchTo(work);
	}
	flush_user(&st);
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(work);

	/* users without each event, from the baselines */
	for (i = 0; i < st.nevents; i++)
	{
		EventStats *e = &st.events[i];
		int64		p = 0;

		for (j = 0; j < st.nusers; j++)
		{
			if (p < e->nusers && e->users[p] == j)
			{
				p++;
				continue;
			}
			if (st.base_end[j] > st.observed_until)
				e->censored++;
			else
				add_to_signal(&e->sig, false, st.base_value[j]);
		}
		CHECK_FOR_INTERRUPTS();
	}

	/* one row per event name */
	MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	for (i = 0; i < st.nevents; i++)
	{
		EventStats *e = &st.events[i];
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		EventSignal *sig = palloc(sizeof(EventSignal));

		memcpy(sig, &e->sig, sizeof(EventSignal));
		values[0] = PointerGetDatum(cstring_to_text_with_len(e->name, e->namelen));
		values[1] = Int64GetDatum(e->occurrences);
		values[2] = BoolGetDatum(e->carries);
		values[3] = Int64GetDatum(e->censored);
		values[4] = PointerGetDatum(sig);
		if (e->nleads == 0)
			nulls[5] = true;
		else
		{
			Interval   *iv = palloc0(sizeof(Interval));
			int64		lo,
						hi;

			/* percentile_cont(0.5): the middle value, or the mean of the two */
			qsort(e->leads, e->nleads, sizeof(int64), int64_cmp);
			lo = e->leads[(e->nleads - 1) / 2];
			hi = e->leads[e->nleads / 2];
			iv->time = lo + (int64) rint((double) (hi - lo) * 0.5);
			values[5] = DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(iv));
		}
		if (st.have_first_time)
			values[6] = TimestampTzGetDatum(st.first_time);
		else
			nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(work);
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}
