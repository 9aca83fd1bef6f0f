/*-------------------------------------------------------------------------
 *
 * dedup_report.c
 *	  cq.dedup_report(): the duplicate report of an event table, per event
 *	  name and source, as ad platforms would count it.
 *
 * The function checks its arguments, makes sure the caller may read the
 * table, checks every column it names in the catalog, and runs one query
 * built from the quoted names: each row is keyed with cq.dedup_key, the
 * copies of a key are decided with cq.dedup_keep in arrival order (ties:
 * the source that sorts first is kept), each kept copy starts a conversion
 * (a chain), and the counts are taken per (event name, source) and per event
 * name.  The query runs with the caller's privileges.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "dedup.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#define FN "cq.dedup_report"

/*
 * The report, given (1) the event name, (2) event id, (3) source and (4)
 * arrival columns, (5) the scope expression and (6) the table; $1 is the
 * dedup window.  Column references are quoted identifiers, the table a
 * schema-qualified quoted name.
 */
static const char *const report_query =
"WITH src AS ("
"  SELECT e.%1$s::pg_catalog.text AS event_name, e.%3$s::pg_catalog.text AS source,"
"         e.%4$s::pg_catalog.timestamptz AS arrived_at,"
"         cq.dedup_key(e.%1$s::pg_catalog.text, e.%2$s::pg_catalog.text, %5$s) AS k"
"    FROM %6$s e"
"), decided AS ("
"  SELECT s.*,"
"         CASE WHEN s.k IS NOT NULL AND s.arrived_at IS NOT NULL"
"              THEN cq.dedup_keep(s.arrived_at, $1)"
"                   OVER (PARTITION BY s.k ORDER BY s.arrived_at, s.source)"
"         END AS keep"
"    FROM src s"
"), chained AS ("
"  SELECT d.*,"
"         CASE WHEN d.keep IS NOT NULL"
"              THEN pg_catalog.count(*) FILTER (WHERE d.keep)"
"                   OVER (PARTITION BY d.k ORDER BY d.arrived_at, d.source, d.keep DESC"
"                         ROWS UNBOUNDED PRECEDING)"
"         END AS chain"
"    FROM decided d"
"), conv AS ("
"  SELECT c.k, c.chain,"
"         pg_catalog.count(DISTINCT c.source)"
"           OPERATOR(pg_catalog.+) pg_catalog.max((c.source IS NULL)::pg_catalog.int4) AS nsources"
"    FROM chained c"
"   WHERE c.chain IS NOT NULL"
"   GROUP BY c.k, c.chain"
"), r AS ("
"  SELECT c.*, COALESCE(v.nsources, 1) AS nsources"
"    FROM chained c"
"    LEFT JOIN conv v ON v.k OPERATOR(pg_catalog.=) c.k AND v.chain OPERATOR(pg_catalog.=) c.chain"
"), g AS ("
"  SELECT r.event_name, r.source, GROUPING(r.source) OPERATOR(pg_catalog.=) 1 AS is_total,"
"         pg_catalog.count(*) AS rows,"
"         pg_catalog.count(*) FILTER (WHERE r.k IS NULL) AS rows_without_id,"
"         pg_catalog.count(*) FILTER (WHERE r.k IS NOT NULL AND r.arrived_at IS NULL)"
"           AS rows_without_time,"
"         pg_catalog.count(DISTINCT (r.k, r.chain)) FILTER (WHERE r.chain IS NOT NULL)"
"           OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (WHERE r.chain IS NULL) AS conversions,"
"         pg_catalog.count(*) FILTER (WHERE r.keep IS NOT FALSE) AS kept,"
"         pg_catalog.count(DISTINCT (r.k, r.chain)) FILTER (WHERE r.nsources OPERATOR(pg_catalog.>) 1)"
"           AS multi_source_conversions"
"    FROM r"
"   GROUP BY GROUPING SETS ((r.event_name, r.source), (r.event_name))"
"), f AS ("
"  SELECT g.*, CASE WHEN g.is_total THEN g.conversions ELSE g.kept END AS counted"
"    FROM g"
")"
"SELECT f.event_name, f.source, f.is_total, f.rows, f.rows_without_id, f.rows_without_time,"
"       f.conversions, f.counted,"
"       f.rows OPERATOR(pg_catalog.-) f.counted,"
"       (f.rows OPERATOR(pg_catalog.-) f.counted)::pg_catalog.float8"
"         OPERATOR(pg_catalog./) f.rows::pg_catalog.float8,"
"       f.multi_source_conversions,"
"       f.conversions OPERATOR(pg_catalog.-) f.multi_source_conversions"
"  FROM f"
" ORDER BY f.event_name NULLS LAST, f.is_total DESC, f.source NULLS LAST";

/*
 * dedup_report(events regclass, dedup_window interval, event_name_column name,
 *				event_id_column name, source_column name,
 *				arrived_at_column name, scope_column name)
 *	returns setof (event_name text, source text, is_total boolean, rows bigint,
 *		rows_without_id bigint, rows_without_time bigint, conversions bigint,
 *		kept bigint, duplicates bigint, duplicate_rate float8,
 *		multi_source_conversions bigint, single_source_conversions bigint)
 *
 *		Only scope_column (no scope) and dedup_window (a window that never
 *		closes) may be NULL.  Columns are checked in the catalog: a missing
 *		one is 42703, an arrival column that is not a timestamp 42804.
 */
PG_FUNCTION_INFO_V1(dedup_report);
Datum
dedup_report(PG_FUNCTION_ARGS)
{
	static const char *const argnames[] = {
		NULL, NULL, "event_name_column", "event_id_column", "source_column",
		"arrived_at_column", "scope_column"
	};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			events;
	const char *col[7];
	char	   *scope_expr;
	StringInfoData q;
	Oid			argtypes[1] = {INTERVALOID};
	Datum		params[1];
	char		nulls[1];
	SPIPlanPtr	plan;
	MemoryContext oldcxt;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4) ||
		PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments of cq.dedup_report must not be NULL"),
				 errdetail("Only scope_column may be NULL (no scope); a NULL dedup_window means a window that never closes."),
				 errhint("Name the table and each of its columns.")));
	events = PG_GETARG_OID(0);
	cq_check_table_readable(events, FN);
	for (int i = 2; i <= 6; i++)
	{
		if (PG_ARGISNULL(i))
		{
			col[i] = NULL;
			continue;
		}
		col[i] = NameStr(*PG_GETARG_NAME(i));
		cq_check_column(events, col[i], i == 5 ? CQ_COLUMN_TIME : CQ_COLUMN_ANY, FN,
						argnames[i], "The arrival column orders the copies of a conversion in time.");
	}

	scope_expr = col[6] ? psprintf("e.%s::pg_catalog.text", quote_identifier(col[6])) :
		"NULL::pg_catalog.text";
	initStringInfo(&q);
	appendStringInfo(&q, report_query,
					 quote_identifier(col[2]), quote_identifier(col[3]),
					 quote_identifier(col[4]), quote_identifier(col[5]), scope_expr,
					 cq_relation_name(events));

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != 12)
		elog(ERROR, "cq.dedup_report declared with %d columns, expected 12", rsinfo->setDesc->natts);
	params[0] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[0] = PG_ARGISNULL(1) ? 'n' : ' ';

	oldcxt = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(q.data, 1, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the cq.dedup_report query: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_execute_plan(plan, params, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed for the cq.dedup_report query");

	/* the result rows go to the caller's tuplestore, in its memory */
	MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum		values[12];
		bool		isnull[12];

		heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, values, isnull);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_finish();
	return (Datum) 0;
}
