/*-------------------------------------------------------------------------
 *
 * rank_events.c
 *	  The SPI driver of cq.rank_events (rank.h): checks the arguments,
 *	  builds one query from the table and column names, walks its rows once
 *	  through a cursor, feeds them to the per-user accumulator
 *	  (rank_accum.c), and returns the raw figures of every event name.
 *	  cq.rank_events (plain SQL, rank.sql) derives the p-values, q-values,
 *	  verdicts and scores from them.
 *
 * The query returns, ordered by user and time,
 *
 *	 user (any type with equality), time (timestamptz),
 *	 event name (text; NULL for a row of a separate revenue table),
 *	 revenue (float8; NULL when the row carries none)
 *
 * Tables are regclass arguments, every column name is checked in the
 * catalog and quoted, and the query runs with the caller's privileges; the
 * caller must be allowed to read the tables before any column is looked at.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "rank.h"
#include "rank_accum.h"
#include "signal.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#define FN "cq.rank_events"

/* What the accumulator's host callbacks need */
typedef struct RankHost
{
	MemoryContext cxt;
	Interval   *horizon;
} RankHost;

static void *
host_alloc(void *host, void *ptr, size_t size)
{
	if (ptr == NULL)
		return MemoryContextAllocHuge(((RankHost *) host)->cxt, size);
	return repalloc_huge(ptr, size);
}

/*
 * anchor + horizon, calendar-aware like timestamptz + interval; a pure
 * time horizon is added directly.  Overflow gives "never ends" (censored).
 */
static int64_t
host_window_end(void *host, int64_t anchor)
{
	Interval   *h = ((RankHost *) host)->horizon;
	int64		end;

	if (h->month == 0 && h->day == 0)
	{
		if (pg_add_s64_overflow(anchor, h->time, &end))
			return DT_NOEND;
		return end;
	}
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(anchor),
												   IntervalPGetDatum(h)));
}

static void
host_check_interrupts(void *host)
{
	(void) host;
	CHECK_FOR_INTERRUPTS();
}

/* Raise the error of an accumulator status */
static void
raise_status(CqRankStatus st, double revenue)
{
	switch (st)
	{
		case CQ_RANK_OK:
			return;
		case CQ_RANK_NOT_FINITE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("revenue must be finite"),
					 errdetail("A revenue row has the value %s.",
							   isnan(revenue) ? "NaN" : (revenue > 0 ? "Infinity" : "-Infinity")),
					 errhint("Filter the rows, for example with a view.")));
			break;
		case CQ_RANK_UNORDERED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the rows of cq.rank_events are not ordered by user and time"),
					 errdetail("A user's rows must arrive in time order."),
					 errhint("Call cq.rank_events, which builds this query.")));
			break;
		case CQ_RANK_TOO_MANY_USERS:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many users for cq.rank_events"),
					 errdetail("At most %d users can be ranked in one call.", PG_INT32_MAX),
					 errhint("Rank the events of a sample of users.")));
			break;
		case CQ_RANK_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many users or events for cq.rank_events"),
					 errdetail("An internal array would exceed the allocation limit."),
					 errhint("Rank the events of a sample of users, or of a shorter period.")));
			break;
		case CQ_RANK_OVERFLOW:
			cq_signal_raise(CQ_SIGNAL_OVERFLOW, 0.0);
			break;
	}
	elog(ERROR, "unexpected cq.rank_events status %d", (int) st);
}

/*
 * Run the stream query (with nparams text parameters) through a cursor and
 * feed every row to a new accumulator; returns it, finished.  The rows must
 * be (user, timestamptz, text, float8) ordered by user and time.
 */
static CqRankAccum *
scan_stream(const char *query, int nparams, Datum *params, Interval *horizon,
			TimestampTz observed_until, MemoryContext work)
{
	RankHost   *host = MemoryContextAlloc(work, sizeof(RankHost));
	CqRankEnv	env = {host_alloc, host_window_end, host_check_interrupts, host};
	CqRankAccum *ra;
	MemoryContext usercxt = AllocSetContextCreate(work, "cq.rank_events user",
												  ALLOCSET_SMALL_SIZES);
	Oid			argtypes[1] = {TEXTOID};
	SPIPlanPtr	plan;
	Portal		portal;
	TypeCacheEntry *tce = NULL;
	Oid			ucollation = InvalidOid;
	bool		have_prev = false;
	Datum		prev_user = (Datum) 0;
	bool		user_byval = true;
	int16		user_len = 8;

	Assert(nparams <= 1);
	/* the accumulator keeps env, and with it host: both live as long as work */
	host->cxt = work;
	host->horizon = horizon;
	ra = cq_rank_accum_create(&env, observed_until, MaxAllocHugeSize);
	plan = SPI_prepare(query, nparams, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the cq.rank_events query: %s",
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, params, NULL, true);
	MemoryContextSwitchTo(work);

	for (;;)
	{
		SPITupleTable *tt;

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
		for (uint64 k = 0; k < SPI_processed; k++)
		{
			HeapTuple	tup = tt->vals[k];
			bool		isnull;
			Datum		u = SPI_getbinval(tup, tt->tupdesc, 1, &isnull);
			TimestampTz t;
			Datum		d;
			text	   *name = NULL;
			Datum		raw_name;
			bool		has_rev;
			double		rev = 0.0;
			CqRankStatus st;

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
				raise_status(cq_rank_accum_end_user(ra), 0.0);
				MemoryContextReset(usercxt);
				MemoryContextSwitchTo(usercxt);
				prev_user = datumCopy(u, user_byval, user_len);
				MemoryContextSwitchTo(work);
				have_prev = true;
			}
			d = SPI_getbinval(tup, tt->tupdesc, 3, &isnull);
			if (!isnull)
				name = DatumGetTextPP(d);
			raw_name = d;
			d = SPI_getbinval(tup, tt->tupdesc, 4, &has_rev);
			has_rev = !has_rev;
			if (has_rev)
				rev = DatumGetFloat8(d);
			st = cq_rank_accum_row(ra, t, name ? VARDATA_ANY(name) : NULL,
								   name ? (int) VARSIZE_ANY_EXHDR(name) : -1, has_rev, rev);
			raise_status(st, rev);
			if (name && (Pointer) name != DatumGetPointer(raw_name))
				pfree(name);
		}
		SPI_freetuptable(tt);
		MemoryContextSwitchTo(work);
	}
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(work);
	raise_status(cq_rank_accum_finish(ra), 0.0);
	return ra;
}

/*
 * One output row per event name: (event_name, occurrences, carries,
 * users_censored, signal, median_lead_time, first_time[, observed_until]).
 */
static void
emit_rows(FunctionCallInfo fcinfo, const CqRankAccum *ra, TimestampTz observed_until,
		  int ncols)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	int64		first_time;
	bool		have_first = cq_rank_accum_first_time(ra, &first_time);

	if (rsinfo->setDesc->natts != ncols)
		elog(ERROR, "cq.rank_events_scan declared with %d columns, expected %d",
			 rsinfo->setDesc->natts, ncols);
	for (int i = 0; i < cq_rank_accum_nevents(ra); i++)
	{
		CqRankEventResult e;
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};
		EventSignal *sig = palloc(sizeof(EventSignal));

		cq_rank_accum_event(ra, i, &e);
		memcpy(sig, &e.signal, sizeof(EventSignal));
		values[0] = PointerGetDatum(cstring_to_text_with_len(e.name, e.namelen));
		values[1] = Int64GetDatum(e.occurrences);
		values[2] = BoolGetDatum(e.carries);
		values[3] = Int64GetDatum(e.censored);
		values[4] = PointerGetDatum(sig);
		if (e.has_lead)
		{
			Interval   *iv = palloc0(sizeof(Interval));

			iv->time = e.median_lead;
			values[5] = DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(iv));
		}
		else
			nulls[5] = true;
		values[6] = TimestampTzGetDatum(first_time);
		nulls[6] = !have_first;
		values[7] = TimestampTzGetDatum(observed_until);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(old);
}

/*
 * rank_events_scan(query text, horizon interval, observed_until timestamptz)
 *		The scan of conversion_quality 1.0, kept for databases still on that
 *		version: its cq.rank_events builds the query itself.  Version 1.1
 *		does not declare it (no function of 1.1 executes SQL text it is
 *		given).
 */
PG_FUNCTION_INFO_V1(rank_events_scan);
Datum
rank_events_scan(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TimestampTz observed_until = PG_GETARG_TIMESTAMPTZ(2);
	MemoryContext oldcxt = CurrentMemoryContext;
	MemoryContext work;
	CqRankAccum *ra;

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "cq.rank_events scan",
								 ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(work);
	ra = scan_stream(query, 0, NULL, PG_GETARG_INTERVAL_P(1), observed_until, work);
	emit_rows(fcinfo, ra, observed_until, 7);
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}

/* An argument that must not be NULL */
static void
check_not_null(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments of cq.rank_events must not be NULL"),
				 errdetail("Only revenue_events, conversion_event and observed_until may be NULL."),
				 errhint("Name the table, the horizon and each column; pass '{}' for no excluded events.")));
}

/*
 * The latest time of column `time` in relation rel, as timestamptz (NULL
 * when the relation has no rows).
 */
static bool
max_time(Oid rel, const char *time, TimestampTz *result)
{
	StringInfoData q;
	bool		isnull;
	Datum		d;

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT pg_catalog.max(e.%s)::pg_catalog.timestamptz FROM %s e",
					 quote_identifier(time), cq_relation_name(rel));
	if (SPI_execute(q.data, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the latest time of %s", cq_relation_name(rel));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		*result = DatumGetTimestampTz(d);
	return !isnull;
}

/*
 * rank_events_scan_1_1(events regclass, horizon interval, user_column name,
 *		time_column name, event_column name, value_column name,
 *		revenue_events regclass, conversion_event text,
 *		exclude_events text[], min_weekly_volume float8,
 *		observed_until timestamptz, alpha float8)
 *	returns setof (event_name text, occurrences bigint, carries boolean,
 *		users_censored bigint, signal cq.event_signal,
 *		median_lead_time interval, first_time timestamptz,
 *		observed_until timestamptz)
 *
 *		The scan behind cq.rank_events (the same arguments): every argument
 *		is checked, the query is built here from the checked names, and the
 *		raw figures of every event name come back with the end of
 *		observation used (the latest time in the data unless given).  No
 *		rows when the tables are empty.  exclude_events, min_weekly_volume
 *		and alpha are only checked here; the SQL applies them.
 */
PG_FUNCTION_INFO_V1(rank_events_scan_1_1);
Datum
rank_events_scan_1_1(PG_FUNCTION_ARGS)
{
	Oid			events;
	Interval   *horizon;
	const char *ucol,
			   *tcol,
			   *ecol,
			   *vcol;
	Oid			revenue = PG_ARGISNULL(6) ? InvalidOid : PG_GETARG_OID(6);
	Oid			value_rel;
	float8		min_weekly,
				alpha;
	TimestampTz observed_until = 0;
	bool		have_until;
	StringInfoData q;
	Datum		params[1];
	int			nparams = 0;
	MemoryContext oldcxt = CurrentMemoryContext;
	MemoryContext work;
	CqRankAccum *ra;

	for (int i = 0; i <= 11; i++)
		if (i != 6 && i != 7 && i != 10)
			check_not_null(fcinfo, i);
	events = PG_GETARG_OID(0);
	horizon = PG_GETARG_INTERVAL_P(1);
	ucol = NameStr(*PG_GETARG_NAME(2));
	tcol = NameStr(*PG_GETARG_NAME(3));
	ecol = NameStr(*PG_GETARG_NAME(4));
	vcol = NameStr(*PG_GETARG_NAME(5));
	min_weekly = PG_GETARG_FLOAT8(9);
	alpha = PG_GETARG_FLOAT8(11);
	if (DatumGetBool(DirectFunctionCall2(interval_le, IntervalPGetDatum(horizon),
										 IntervalPGetDatum(palloc0(sizeof(Interval))))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be positive"),
				 errdetail("The horizon is how long after an event its revenue counts; %s is not positive.",
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   IntervalPGetDatum(horizon)))),
				 errhint("Use an interval such as '30 days'.")));
	if (!(min_weekly >= 0 && !isinf(min_weekly)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_weekly_volume must be a non-negative number"),
				 errdetail("It is the weekly count of an event an ad platform needs to learn from it."),
				 errhint("Use the platform's figure, such as 50 conversions per week.")));
	if (!(alpha > 0 && alpha < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be between 0 and 1"),
				 errdetail("alpha is the false discovery rate at which q-values count as significant."),
				 errhint("Use a level such as 0.05.")));

	/*
	 * The tables: readable by the caller before anything is looked up.  The
	 * event table has user, time and event columns, and the value column
	 * unless the revenue comes from revenue_events, which has user, time and
	 * value columns.
	 */
	cq_check_table_readable(events, FN);
	if (OidIsValid(revenue))
		cq_check_table_readable(revenue, FN);
	value_rel = OidIsValid(revenue) ? revenue : events;
	cq_check_column(events, ucol, CQ_COLUMN_ANY, FN, "user_column", "");
	if (OidIsValid(revenue))
		cq_check_column(revenue, ucol, CQ_COLUMN_ANY, FN, "user_column", "");
	cq_check_column(events, tcol, CQ_COLUMN_TIME, FN, "time_column",
					"The time column places events and revenue in time.");
	if (OidIsValid(revenue))
		cq_check_column(revenue, tcol, CQ_COLUMN_TIME, FN, "time_column",
						"The time column places events and revenue in time.");
	cq_check_column(events, ecol, CQ_COLUMN_ANY, FN, "event_column", "");
	cq_check_column(value_rel, vcol, CQ_COLUMN_NUMBER, FN, "value_column",
					"The value column holds the revenue of a row.");

	/*
	 * The stream: (user, time, event name or NULL, revenue or NULL), ordered
	 * by user and time.  Revenue is the value of rows with a non-zero value,
	 * or of rows of conversion_event ($1), or the rows of revenue_events.
	 */
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT u, t, name, rev FROM (SELECT e.%s AS u, e.%s::pg_catalog.timestamptz AS t, "
					 "e.%s::pg_catalog.text AS name, ",
					 quote_identifier(ucol), quote_identifier(tcol), quote_identifier(ecol));
	if (OidIsValid(revenue))
		appendStringInfoString(&q, "NULL::pg_catalog.float8");
	else if (!PG_ARGISNULL(7))
	{
		appendStringInfo(&q, "CASE WHEN e.%s::pg_catalog.text OPERATOR(pg_catalog.=) $1 "
						 "THEN e.%s::pg_catalog.float8 END",
						 quote_identifier(ecol), quote_identifier(vcol));
		params[0] = PG_GETARG_DATUM(7);
		nparams = 1;
	}
	else
		appendStringInfo(&q, "CASE WHEN e.%s::pg_catalog.float8 OPERATOR(pg_catalog.<>) 0 "
						 "THEN e.%s::pg_catalog.float8 END",
						 quote_identifier(vcol), quote_identifier(vcol));
	appendStringInfo(&q, " AS rev FROM %s e WHERE e.%s IS NOT NULL AND e.%s IS NOT NULL AND e.%s IS NOT NULL",
					 cq_relation_name(events), quote_identifier(ucol), quote_identifier(tcol),
					 quote_identifier(ecol));
	if (OidIsValid(revenue))
		appendStringInfo(&q, " UNION ALL SELECT r.%s, r.%s::pg_catalog.timestamptz, NULL::pg_catalog.text, "
						 "r.%s::pg_catalog.float8 FROM %s r "
						 "WHERE r.%s IS NOT NULL AND r.%s IS NOT NULL AND r.%s IS NOT NULL",
						 quote_identifier(ucol), quote_identifier(tcol), quote_identifier(vcol),
						 cq_relation_name(revenue), quote_identifier(ucol), quote_identifier(tcol),
						 quote_identifier(vcol));
	appendStringInfoString(&q, ") s ORDER BY u, t");

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "cq.rank_events scan",
								 ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(work);

	/* the end of observation: the latest time in the data unless given */
	have_until = !PG_ARGISNULL(10);
	if (have_until)
		observed_until = PG_GETARG_TIMESTAMPTZ(10);
	else
	{
		TimestampTz rev_max;

		have_until = max_time(events, tcol, &observed_until);
		if (OidIsValid(revenue) && max_time(revenue, tcol, &rev_max) &&
			(!have_until || rev_max > observed_until))
		{
			observed_until = rev_max;
			have_until = true;
		}
		MemoryContextSwitchTo(work);
	}
	if (have_until)
	{
		ra = scan_stream(q.data, nparams, params, horizon, observed_until, work);
		emit_rows(fcinfo, ra, observed_until, 8);
	}
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}
