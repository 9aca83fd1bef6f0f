/*-------------------------------------------------------------------------
 *
 * attribution_scan.c
 *	  cq.attribute (attribution.h): checks its arguments, reads the touch
 *	  table and the conversion table in one query ordered by user and time,
 *	  and credits each conversion on its own to the channels of its
 *	  eligible touches (attribution_rules.c), summed per channel.
 *
 * A touch is eligible for a conversion when it is the same user's and its
 * time lies in [conversion - lookback, conversion], both ends included
 * (lookback subtracted as timestamptz - interval does).  Touches are
 * ordered by (time, channel in byte order); a touch at the conversion's
 * instant is eligible.  One touch may serve several conversions, and
 * identical touch rows count separately.  Rows with a NULL user, time or
 * (touches) channel, and rows at +-infinity, are not read.  A conversion
 * with no eligible touch is unattributed: counted, with its value, in the
 * row with a NULL channel.  A NULL or non-finite value adds no value.
 *
 * The query: (user, time, channel, value) of the touches (value NULL) and
 * of the conversions (channel NULL), ordered by user, time, touches before
 * conversions, channel.  Tables are regclass arguments, every column name
 * is checked in the catalog and quoted, and the query runs with the
 * caller's privileges; the caller must be allowed to read both tables
 * before any column is looked at.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "attribution.h"
#include "attribution_credit.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "intern.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#define FN "cq.attribute"

/*
 * attribute(touches regclass, conversion_events regclass, model text,
 *			 lookback interval, half_life interval, user_column name,
 *			 time_column name, channel_column name, value_column name)
 *		returns table (channel text, conversions float8, value float8)
 *
 *		One row per channel that gets credit, then one with a NULL channel:
 *		the unattributed conversions.  value is NULL without a value column.
 *		The credits of a conversion sum to 1, so the conversions column
 *		sums to the number of conversions read.
 */
PG_FUNCTION_INFO_V1(attribute);
Datum
attribute(PG_FUNCTION_ARGS)
{
	Oid			touches,
				conversions;
	const char *ucol,
			   *tcol,
			   *ccol,
			   *vcol = NULL;
	CqAttrModel model;
	Interval   *lookback;
	double		half_life_us;
	StringInfoData q;
	MemoryContext oldcxt = CurrentMemoryContext;
	MemoryContext work,
				usercxt;
	SPIPlanPtr	plan;
	Portal		portal;
	CqAttrTotals tot;
	CqAttrTouches ut;
	TypeCacheEntry *tce = NULL;
	Oid			ucollation = InvalidOid;
	bool		have_user = false;
	Datum		prev_user = (Datum) 0;
	ReturnSetInfo *rsinfo;

	for (int i = 0; i <= 7; i++)
		if (i != 3 && i != 4 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg(FN " argument %d must not be NULL", i + 1),
					 errdetail("The tables, the model and the user, time and channel columns are required; value_column may be NULL."),
					 errhint("Call it as cq.attribute('touches', 'conversions', 'linear').")));
	touches = PG_GETARG_OID(0);
	conversions = PG_GETARG_OID(1);
	model = cq_attr_check_args(PG_GETARG_TEXT_PP(2),
							   PG_ARGISNULL(3) ? NULL : PG_GETARG_INTERVAL_P(3),
							   PG_ARGISNULL(4) ? NULL : PG_GETARG_INTERVAL_P(4), &half_life_us);
	lookback = PG_GETARG_INTERVAL_P(3);
	ucol = NameStr(*PG_GETARG_NAME(5));
	tcol = NameStr(*PG_GETARG_NAME(6));
	ccol = NameStr(*PG_GETARG_NAME(7));
	if (!PG_ARGISNULL(8))
		vcol = NameStr(*PG_GETARG_NAME(8));

	cq_check_table_readable(touches, FN);
	cq_check_table_readable(conversions, FN);
	cq_check_column(touches, ucol, CQ_COLUMN_ANY, FN, "user_column", "");
	cq_check_column(conversions, ucol, CQ_COLUMN_ANY, FN, "user_column", "");
	cq_check_column(touches, tcol, CQ_COLUMN_TIME, FN, "time_column",
					"The time column places touches and conversions in time.");
	cq_check_column(conversions, tcol, CQ_COLUMN_TIME, FN, "time_column",
					"The time column places touches and conversions in time.");
	cq_check_column(touches, ccol, CQ_COLUMN_ANY, FN, "channel_column", "");
	if (vcol)
		cq_check_column(conversions, vcol, CQ_COLUMN_NUMBER, FN, "value_column",
						"The value column holds the value of a conversion.");

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT u, t, ch, v FROM ("
					 "SELECT e.%s AS u, e.%s::pg_catalog.timestamptz AS t, e.%s::pg_catalog.text AS ch, "
					 "NULL::pg_catalog.float8 AS v FROM %s e "
					 "WHERE e.%s IS NOT NULL AND e.%s IS NOT NULL AND e.%s IS NOT NULL ",
					 quote_identifier(ucol), quote_identifier(tcol), quote_identifier(ccol),
					 cq_relation_name(touches), quote_identifier(ucol), quote_identifier(tcol),
					 quote_identifier(ccol));
	appendStringInfo(&q, "UNION ALL SELECT c.%s, c.%s::pg_catalog.timestamptz, NULL::pg_catalog.text, ",
					 quote_identifier(ucol), quote_identifier(tcol));
	if (vcol)
		appendStringInfo(&q, "c.%s::pg_catalog.float8 ", quote_identifier(vcol));
	else
		appendStringInfoString(&q, "NULL::pg_catalog.float8 ");
	appendStringInfo(&q, "FROM %s c WHERE c.%s IS NOT NULL AND c.%s IS NOT NULL) s "
					 "ORDER BY u, t, ch IS NULL, ch COLLATE pg_catalog.\"C\"",
					 cq_relation_name(conversions), quote_identifier(ucol), quote_identifier(tcol));

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	work = AllocSetContextCreate(CurrentMemoryContext, "cq.attribute", ALLOCSET_DEFAULT_SIZES);
	usercxt = AllocSetContextCreate(work, "cq.attribute user", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(work);
	memset(&tot, 0, sizeof(tot));
	cq_interner_init(&tot.channels, 64, true);
	memset(&ut, 0, sizeof(ut));

	plan = SPI_prepare(q.data, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the " FN " query: %s",
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
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

			tce = cq_user_equality(att->atttypid, FN " credits each user's conversions to that user's touches.");
			ucollation = att->attcollation;
		}
		for (uint64 k = 0; k < SPI_processed; k++)
		{
			Datum		values[4];
			bool		nulls[4];
			TimestampTz t;

			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(tt->vals[k], tt->tupdesc, values, nulls);
			t = DatumGetTimestampTz(values[1]);
			if (TIMESTAMP_NOT_FINITE(t))
				continue;
			if (!have_user ||
				!DatumGetBool(FunctionCall2Coll(&tce->eq_opr_finfo, ucollation, prev_user, values[0])))
			{
				MemoryContextReset(usercxt);
				memset(&ut, 0, sizeof(ut));
				MemoryContextSwitchTo(usercxt);
				prev_user = datumCopy(values[0], tce->typbyval, tce->typlen);
				MemoryContextSwitchTo(work);
				have_user = true;
			}
			if (!nulls[2])
			{
				text	   *ch = DatumGetTextPP(values[2]);
				uint32		c = cq_attr_channel(&tot, VARDATA_ANY(ch), VARSIZE_ANY_EXHDR(ch));

				MemoryContextSwitchTo(usercxt);
				cq_attr_add_touch(&ut, t, c);
				MemoryContextSwitchTo(work);
			}
			else
			{
				double		v = nulls[3] ? 0.0 : DatumGetFloat8(values[3]);

				cq_attr_credit_conversion(&tot, &ut, t, !nulls[3] && isfinite(v), v, model,
								  lookback, half_life_us);
			}
		}
		SPI_freetuptable(tt);
		MemoryContextSwitchTo(work);
	}
	SPI_cursor_close(portal);

	/* the channels with credit, then the unattributed conversions */
	MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	for (uint32 c = 0; c < tot.channels.n; c++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, vcol == NULL};
		const char *name;
		int			len;

		if (tot.conversions[c] <= 0.0)
			continue;
		name = cq_interner_string(&tot.channels, c, &len);
		values[0] = PointerGetDatum(cstring_to_text_with_len(name, len));
		values[1] = Float8GetDatum(tot.conversions[c]);
		values[2] = Float8GetDatum(tot.value[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	{
		Datum		values[3] = {(Datum) 0, Float8GetDatum(tot.unattributed),
		Float8GetDatum(tot.unattributed_value)};
		bool		nulls[3] = {true, false, vcol == NULL};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}
