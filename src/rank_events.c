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
 *	 revenue (float8; NULL when the row carries none),
 *	 copy (boolean: a copy of an earlier row of the same event and id)
 *
 * Tables are regclass arguments, every column name is checked in the
 * catalog and quoted, and the query runs with the caller's privileges; the
 * caller must be allowed to read the tables before any column is looked at.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bulk_util.h"
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
	Interval   *iv[2];			/* within, horizon */
	int64		span[2];		/* how far each can reach at most, us */
} RankHost;

static void *
host_alloc(void *host, void *ptr, size_t size)
{
	if (ptr == NULL)
		return MemoryContextAllocHuge(((RankHost *) host)->cxt, size);
	return repalloc_huge(ptr, size);
}

/*
 * The farthest an interval can reach from any time, in microseconds: a
 * month is at most 31 days, a day at most 25 hours (a daylight-saving
 * change); PG_INT64_MAX when that does not fit.
 */
static int64
interval_span(const Interval *iv)
{
	int64		months,
				days,
				span;

	if (pg_mul_s64_overflow(Max(iv->month, 0), 31 * USECS_PER_DAY, &months) ||
		pg_mul_s64_overflow(Max(iv->day, 0), 25 * USECS_PER_HOUR, &days) ||
		pg_add_s64_overflow(months, days, &span) ||
		pg_add_s64_overflow(span, Max(iv->time, 0), &span) ||
		pg_add_s64_overflow(span, USECS_PER_DAY, &span))
		return PG_INT64_MAX;
	return span;
}

/*
 * t + within (which 0) or t + horizon (which 1), calendar-aware like
 * timestamptz + interval; a pure time interval is added directly.  A result
 * that could pass the end of the timestamp range is "never" (PG_INT64_MAX):
 * such a window is never fully observed, and no error can come from it.
 */
static int64_t
host_add(void *host, int64_t t, int which)
{
	RankHost   *h = (RankHost *) host;
	Interval   *iv = h->iv[which];
	int64		end;

	if (iv->month == 0 && iv->day == 0)
	{
		if (pg_add_s64_overflow(t, iv->time, &end) || end >= END_TIMESTAMP)
			return PG_INT64_MAX;
		return end;
	}
	if (h->span[which] == PG_INT64_MAX || t > END_TIMESTAMP - h->span[which])
		return PG_INT64_MAX;
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(t),
												   IntervalPGetDatum(iv)));
}

static int
int64_qsort_cmp(const void *a, const void *b, void *arg pg_attribute_unused())
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

static void
host_sort(void *host pg_attribute_unused(), int64_t *v, size_t n)
{
	cq_sort(v, n, sizeof(int64), int64_qsort_cmp, NULL);
}

static void
host_check_interrupts(void *host pg_attribute_unused())
{
	CHECK_FOR_INTERRUPTS();
}

/* Raise the error of an accumulator status */
static void
raise_status(CqRankStatus st)
{
	switch (st)
	{
		case CQ_RANK_OK:
			return;
		case CQ_RANK_UNORDERED:
			elog(ERROR, "the rows of the cq.rank_events scan are not ordered by user and time");
			break;
		case CQ_RANK_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events for cq.rank_events"),
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
 * feed every row to the accumulator, then finish it.  The rows are (user,
 * timestamptz, text, float8, boolean) ordered by user and time.
 */
static void
scan_stream(CqRankAccum *ra, const char *query, int nparams, Datum *params,
			MemoryContext work)
{
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

			tce = cq_user_equality(att->atttypid, "cq.rank_events groups the rows of each user.");
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
			bool		dup;
			double		rev = 0.0;

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
				raise_status(cq_rank_accum_end_user(ra));
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
			d = SPI_getbinval(tup, tt->tupdesc, 5, &isnull);
			dup = !isnull && DatumGetBool(d);
			raise_status(cq_rank_accum_row(ra, t, name ? VARDATA_ANY(name) : NULL,
										   name ? (int) VARSIZE_ANY_EXHDR(name) : -1,
										   dup, has_rev, rev));
			if (name && (Pointer) name != DatumGetPointer(raw_name))
				pfree(name);
		}
		SPI_freetuptable(tt);
		MemoryContextSwitchTo(work);
	}
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(work);
	raise_status(cq_rank_accum_finish(ra));
}

/* Microseconds as an interval, days and hours justified */
static Datum
usecs_interval(int64 us)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = us;
	return DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(iv));
}

/*
 * One output row per event name seen and threshold (columns: see
 * rank_events_scan_1_1).
 */
static void
emit_rows(FunctionCallInfo fcinfo, const CqRankAccum *ra, const CqRankOptions *opt)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	CqRankTotals tot;

	cq_rank_accum_totals(ra, &tot);
	if (rsinfo->setDesc->natts != 15)
		elog(ERROR, "cq_internal.rank_events_scan declared with %d columns, expected 15",
			 rsinfo->setDesc->natts);
	for (int i = 0; i < cq_rank_accum_nevents(ra); i++)
	{
		for (int j = 0; j < opt->nthresholds; j++)
		{
			CqRankEventResult e;
			Datum		values[15];
			bool		nulls[15];
			EventSignal *sig;

			cq_rank_accum_event(ra, i, j, &e);
			if (!e.seen)
				break;
			memset(nulls, 0, sizeof(nulls));
			sig = palloc(sizeof(EventSignal));
			memcpy(sig, &e.signal, sizeof(EventSignal));
			values[0] = PointerGetDatum(cstring_to_text_with_len(e.name, e.namelen));
			values[1] = Int32GetDatum(e.threshold);
			values[2] = Int64GetDatum(e.occurrences);
			values[3] = Int64GetDatum(e.duplicates);
			values[4] = BoolGetDatum(e.carries);
			values[5] = PointerGetDatum(sig);
			values[6] = Float8GetDatum(e.revenue_before);
			if (e.has_lead)
				values[7] = usecs_interval(e.median_lead);
			else
				nulls[7] = true;
			if (e.has_latency)
				values[8] = usecs_interval(e.median_latency);
			else
				nulls[8] = true;
			values[9] = Int64GetDatum(tot.users);
			values[10] = Int64GetDatum(tot.censored);
			values[11] = Int64GetDatum(tot.no_entry);
			values[12] = Int64GetDatum(tot.rows_skipped);
			values[13] = TimestampTzGetDatum(tot.first_time);
			nulls[13] = !tot.has_first;
			values[14] = TimestampTzGetDatum(opt->observed_until);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	MemoryContextSwitchTo(old);
}

/*
 * rank_events_scan(query text, horizon interval, observed_until timestamptz)
 *		The scan of conversion_quality 1.0, which ran the SQL text it was
 *		given.  The symbol stays so that the 1.0 install script still loads
 *		against this library, but the design it computed (windows from each
 *		event's first occurrence) is gone: it refuses to run and says to
 *		update the extension.
 */
PG_FUNCTION_INFO_V1(rank_events_scan);
Datum
rank_events_scan(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cq.rank_events of conversion_quality 1.0 cannot run with this version of the library"),
			 errdetail("Version 1.1 ranks events with a landmark design; the 1.0 definition is retired."),
			 errhint("Run ALTER EXTENSION conversion_quality UPDATE.")));
	PG_RETURN_NULL();
}

/* An argument that must not be NULL */
static void
check_not_null(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments of cq.rank_events must not be NULL"),
				 errdetail("Only revenue_events, conversion_event, observed_until, entry_events and event_id_column may be NULL."),
				 errhint("Name the table, the horizon and each column; pass '{}' for no excluded events.")));
}

/* An interval argument that must be positive (or, with zero_ok, not negative) */
static void
check_interval(const Interval *iv, const char *what, bool zero_ok, const char *detail,
			   const char *hint)
{
	int			c = DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
													  IntervalPGetDatum(palloc0(sizeof(Interval)))));

	if (c < 0 || (c == 0 && !zero_ok) || iv->month < 0 || iv->day < 0 || iv->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s", what, zero_ok ? "zero or positive" : "positive"),
				 errdetail(detail, DatumGetCString(DirectFunctionCall1(interval_out,
																	   IntervalPGetDatum(iv)))),
				 errhint("%s", hint)));
}

/*
 * The frequency thresholds: 1 to CQ_RANK_MAX_THRESHOLDS integers >= 1,
 * no NULL; sorted and without repeats into opt.
 */
static void
read_thresholds(ArrayType *arr, CqRankOptions *opt)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("thresholds must be a one-dimensional array"),
				 errhint("Use an array such as '{1,2,3}'.")));
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n < 1 || n > CQ_RANK_MAX_THRESHOLDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("thresholds must hold 1 to %d values, not %d", CQ_RANK_MAX_THRESHOLDS, n),
				 errdetail("Each threshold k tests \"the event at least k times in the exposure window\"."),
				 errhint("Use '{1}' for \"at least once\", or a few values such as '{1,2,3}'.")));
	opt->nthresholds = 0;
	for (int i = 0; i < n; i++)
	{
		int32		k;
		int			pos;

		if (nulls[i] || DatumGetInt32(elems[i]) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("thresholds must be integers of at least 1"),
					 errdetail("Element %d is %s.", i + 1,
							   nulls[i] ? "NULL" : psprintf("%d", DatumGetInt32(elems[i]))),
					 errhint("Use '{1}' for \"at least once\".")));
		k = DatumGetInt32(elems[i]);
		/* insert in order, skipping a repeat */
		for (pos = 0; pos < opt->nthresholds && opt->thresholds[pos] < k; pos++)
			;
		if (pos < opt->nthresholds && opt->thresholds[pos] == k)
			continue;
		memmove(&opt->thresholds[pos + 1], &opt->thresholds[pos],
				(opt->nthresholds - pos) * sizeof(int32));
		opt->thresholds[pos] = k;
		opt->nthresholds++;
	}
}

/*
 * The latest finite time of column `time` in relation rel, as timestamptz
 * (false when there is none).
 */
static bool
max_time(Oid rel, const char *time, TimestampTz *result)
{
	StringInfoData q;
	bool		isnull;
	Datum		d;

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT pg_catalog.max(t) FROM (SELECT e.%s::pg_catalog.timestamptz AS t "
					 "FROM %s e) s WHERE pg_catalog.isfinite(t)",
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
 *		observed_until timestamptz, alpha float8, entry_events text[],
 *		within interval, thresholds integer[], event_id_column name)
 *	returns setof (event_name text, threshold integer, occurrences bigint,
 *		duplicates bigint, carries boolean, signal cq.event_signal,
 *		revenue_before_landmark float8, median_lead_time interval,
 *		median_event_latency interval, users bigint, users_censored bigint,
 *		users_without_entry bigint, rows_skipped bigint,
 *		first_time timestamptz, observed_until timestamptz)
 *
 *		The scan behind cq.rank_events (the same arguments): every argument
 *		is checked, the query is built here from the checked names, and the
 *		raw figures of every event name and threshold come back with the
 *		population's and the end of observation used (the latest finite time
 *		in the data unless given).  No rows when the tables hold no finite
 *		time.  exclude_events, min_weekly_volume and alpha are only checked
 *		here; the SQL applies them.
 */
PG_FUNCTION_INFO_V1(rank_events_scan_1_1);
Datum
rank_events_scan_1_1(PG_FUNCTION_ARGS)
{
	Oid			events;
	RankHost   *host;
	CqRankEnv	env = {host_alloc, host_add, host_sort, host_check_interrupts, NULL};
	CqRankOptions opt;
	const char *ucol,
			   *tcol,
			   *ecol,
			   *vcol,
			   *idcol = NULL;
	Oid			revenue = PG_ARGISNULL(6) ? InvalidOid : PG_GETARG_OID(6);
	Oid			value_rel;
	float8		min_weekly,
				alpha;
	bool		have_until;
	StringInfoData q;
	Datum		params[1];
	int			nparams = 0;
	ArrayType  *entry = NULL;
	MemoryContext oldcxt = CurrentMemoryContext;
	MemoryContext work;
	CqRankAccum *ra;

	for (int i = 0; i <= 15; i++)
		if (i != 6 && i != 7 && i != 10 && i != 12 && i != 15)
			check_not_null(fcinfo, i);
	events = PG_GETARG_OID(0);
	ucol = NameStr(*PG_GETARG_NAME(2));
	tcol = NameStr(*PG_GETARG_NAME(3));
	ecol = NameStr(*PG_GETARG_NAME(4));
	vcol = NameStr(*PG_GETARG_NAME(5));
	min_weekly = PG_GETARG_FLOAT8(9);
	alpha = PG_GETARG_FLOAT8(11);
	if (!PG_ARGISNULL(15))
		idcol = NameStr(*PG_GETARG_NAME(15));
	memset(&opt, 0, sizeof(opt));
	check_interval(PG_GETARG_INTERVAL_P(1), "horizon", false,
				   "The horizon is how long after the landmark revenue counts as the outcome; %s is not positive in every field.",
				   "Use an interval such as '30 days'.");
	check_interval(PG_GETARG_INTERVAL_P(13), "within", true,
				   "within is how long after a user's entry an event counts as exposure; %s is negative in a field.",
				   "Use the platform's attribution window, such as '7 days'.");
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
	read_thresholds(PG_GETARG_ARRAYTYPE_P(14), &opt);
	if (!PG_ARGISNULL(12))
	{
		entry = PG_GETARG_ARRAYTYPE_P(12);
		if (array_contains_nulls(entry))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("entry_events must not contain NULL"),
					 errdetail("A user's entry is their first row of one of the named events."),
					 errhint("Name the acquisition events, such as '{ad_click,install}', or pass NULL for \"any event\".")));
		opt.named_entry = true;
	}

	/*
	 * The tables: readable by the caller before anything is looked up.  The
	 * event table has user, time and event columns (and the id column when
	 * named), and the value column unless the revenue comes from
	 * revenue_events, which has user, time and value columns.
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
	if (idcol)
		cq_check_column(events, idcol, CQ_COLUMN_ANY, FN, "event_id_column", "");

	/*
	 * The stream: (user, time, event name or NULL, revenue or NULL, copy),
	 * ordered by user and time.  Revenue is the value of rows with a
	 * non-zero value, or of rows of conversion_event ($1), or the rows of
	 * revenue_events.  With an id column, a row is a copy when an earlier
	 * row of the same event name and id arrived at most 48 hours before the
	 * copy kept (cq.dedup_key and cq.dedup_keep, the platforms' rule); rows
	 * the accumulator skips (a time at +-infinity, a revenue not finite) are
	 * kept out of those windows, so that they cannot make a usable row a
	 * copy.
	 */
	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT u, t, name, rev, dup FROM (");
	if (idcol)
		appendStringInfoString(&q, "SELECT u, t, name, rev, CASE WHEN k IS NULL OR NOT ok THEN false "
							   "ELSE NOT cq.dedup_keep(t, '48 hours'::pg_catalog.interval) "
							   "OVER (PARTITION BY k, ok ORDER BY t) END AS dup FROM (SELECT *, "
							   "pg_catalog.isfinite(t) AND coalesce(rev OPERATOR(pg_catalog.<>) ALL "
							   "('{NaN,Infinity,-Infinity}'::pg_catalog.float8[]), true) AS ok FROM (");
	appendStringInfo(&q, "SELECT e.%s AS u, e.%s::pg_catalog.timestamptz AS t, "
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
	appendStringInfoString(&q, " AS rev, ");
	if (idcol)
		appendStringInfo(&q, "cq.dedup_key(e.%s::pg_catalog.text, e.%s::pg_catalog.text) AS k",
						 quote_identifier(ecol), quote_identifier(idcol));
	else
		appendStringInfoString(&q, "false AS dup");
	appendStringInfo(&q, " FROM %s e WHERE e.%s IS NOT NULL AND e.%s IS NOT NULL AND e.%s IS NOT NULL",
					 cq_relation_name(events), quote_identifier(ucol), quote_identifier(tcol),
					 quote_identifier(ecol));
	if (idcol)
		appendStringInfoString(&q, ") d) f");
	if (OidIsValid(revenue))
		appendStringInfo(&q, " UNION ALL SELECT r.%s, r.%s::pg_catalog.timestamptz, NULL::pg_catalog.text, "
						 "r.%s::pg_catalog.float8, false FROM %s r "
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

	/* the end of observation: the latest finite time in the data unless given */
	have_until = !PG_ARGISNULL(10);
	if (have_until)
		opt.observed_until = PG_GETARG_TIMESTAMPTZ(10);
	else
	{
		TimestampTz ev_max,
					rev_max;
		bool		have_ev = max_time(events, tcol, &ev_max);
		bool		have_rev = OidIsValid(revenue) && max_time(revenue, tcol, &rev_max);

		have_until = have_ev || have_rev;
		opt.observed_until = have_ev && have_rev ? Max(ev_max, rev_max) :
			(have_ev ? ev_max : rev_max);
		MemoryContextSwitchTo(work);
	}
	if (have_until)
	{
		/* the accumulator keeps env, and with it host: both live as long as work */
		host = palloc(sizeof(RankHost));
		host->cxt = work;
		host->iv[0] = PG_GETARG_INTERVAL_P(13);
		host->iv[1] = PG_GETARG_INTERVAL_P(1);
		host->span[0] = interval_span(host->iv[0]);
		host->span[1] = interval_span(host->iv[1]);
		env.host = host;
		ra = cq_rank_accum_create(&env, &opt, MaxAllocHugeSize);
		if (entry)
		{
			Datum	   *elems;
			int			n;

			deconstruct_array(entry, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
			for (int i = 0; i < n; i++)
			{
				text	   *t = DatumGetTextPP(elems[i]);

				raise_status(cq_rank_accum_entry_event(ra, VARDATA_ANY(t),
													   (int) VARSIZE_ANY_EXHDR(t)));
			}
		}
		scan_stream(ra, q.data, nparams, params, work);
		emit_rows(fcinfo, ra, &opt);
	}
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}
