/*-------------------------------------------------------------------------
 *
 * signal.c
 *	  SQL entry points of the signal-quality capability (signal.h): the I/O
 *	  functions of cq.event_signal, the support functions of the aggregates
 *	  cq.event_signal and cq.signal_rollup, and the accessors.
 *
 * The summary holds, for the rows without the event (group 0) and with it
 * (group 1): the row count, the count of rows with value > 0, and the
 * Youngs-Cramer moments of the value and of slog1p(value).  Everything the
 * accessors report follows from these twelve numbers, so the aggregate is
 * exact under partial aggregation: parallel workers, partitions, daily
 * pre-aggregates merged with cq.signal_rollup, and Citus workers that ship
 * the summary as text.  The formats are in signal_codec.h, the arithmetic
 * in signal_core.c, the formulas in README.md ("Signal quality").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "signal.h"
#include "signal_dist.h"
#include "utils/array.h"

/* ----------------------------------------------------------------------
 * The summary: errors, formats, accumulation, merge
 * ----------------------------------------------------------------------
 */

/*
 * cq_signal_raise
 *		The error of a failed add or merge: a value that is not finite (the
 *		caller's data: a clean error rather than a NaN that would poison
 *		every figure), or moments that overflow, on the serial and the
 *		combine path alike.
 */
void
cq_signal_raise(CqSignalStatus status, double value)
{
	if (status == CQ_SIGNAL_NOT_FINITE)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("event_signal value must be finite"),
				 errdetail("The value %s cannot be summed into the revenue moments.",
						   isnan(value) ? "NaN" : (value > 0 ? "Infinity" : "-Infinity")),
				 errhint("Filter the rows, for example WHERE value <> 'NaN' AND abs(value) < 'Infinity'.")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("event_signal moments overflow"),
			 errdetail("The sum or the sum of squares of the values exceeds the range of double precision."),
			 errhint("Scale the values down, for example to thousands.")));
}

/*
 * event_signal_in(cstring) returns cq.event_signal
 *		Reads the versioned text form (signal_codec.c); everything is
 *		checked, nothing may follow.
 */
PG_FUNCTION_INFO_V1(event_signal_in);
Datum
event_signal_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	EventSignal *s = palloc0(sizeof(EventSignal));
	CqCodecError e;

	if (!cq_signal_from_text(str, s, &e))
		cq_codec_raise(&e, str);
	PG_RETURN_EVENTSIGNAL_P(s);
}

/*
 * event_signal_out(cq.event_signal) returns cstring
 *		The versioned text form; floats in shortest exact form, so text out
 *		and in gives back the same bits (the Citus wire format).
 */
PG_FUNCTION_INFO_V1(event_signal_out);
Datum
event_signal_out(PG_FUNCTION_ARGS)
{
	char	   *out = palloc(CQ_SIGNAL_TEXT_MAX);

	cq_signal_to_text(PG_GETARG_EVENTSIGNAL_P(0), out);
	PG_RETURN_CSTRING(out);
}

/*
 * event_signal_send(cq.event_signal) returns bytea
 *		Version byte, then per group two int8 and four float8.
 */
PG_FUNCTION_INFO_V1(event_signal_send);
Datum
event_signal_send(PG_FUNCTION_ARGS)
{
	bytea	   *result = palloc(VARHDRSZ + CQ_SIGNAL_BINARY_SIZE);

	SET_VARSIZE(result, VARHDRSZ + CQ_SIGNAL_BINARY_SIZE);
	cq_signal_to_binary(PG_GETARG_EVENTSIGNAL_P(0), (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/*
 * event_signal_recv(internal) returns cq.event_signal
 *		Reads the binary form (signal_codec.c): the length, the version and
 *		the invariants are checked.
 */
PG_FUNCTION_INFO_V1(event_signal_recv);
Datum
event_signal_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	EventSignal *s = palloc0(sizeof(EventSignal));
	CqCodecError e;

	if (!cq_signal_from_binary((const uint8 *) buf->data + buf->cursor,
							   (size_t) (buf->len - buf->cursor), s, &e))
		cq_codec_raise(&e, NULL);
	buf->cursor = buf->len;
	PG_RETURN_EVENTSIGNAL_P(s);
}

/*
 * A copy of summary s in cxt.
 */
static EventSignal *
signal_copy(const EventSignal *s, MemoryContext cxt)
{
	EventSignal *copy = MemoryContextAlloc(cxt, sizeof(EventSignal));

	memcpy(copy, s, sizeof(EventSignal));
	return copy;
}

/*
 * event_signal_transfn(cq.event_signal, has_event boolean, value float8)
 *		STRICT: rows where either argument is NULL are skipped.  Inside an
 *		aggregate the state (a copy of INITCOND in the aggregate context) is
 *		updated in place; called directly it works on a copy.
 */
PG_FUNCTION_INFO_V1(event_signal_transfn);
Datum
event_signal_transfn(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	float8		value = PG_GETARG_FLOAT8(2);
	CqSignalStatus status;

	if (!AggCheckCallContext(fcinfo, NULL))
		s = signal_copy(s, CurrentMemoryContext);
	status = cq_signal_add(s, PG_GETARG_BOOL(1), value);
	if (status != CQ_SIGNAL_OK)
		cq_signal_raise(status, value);
	PG_RETURN_EVENTSIGNAL_P(s);
}

/*
 * event_signal_combine(cq.event_signal, cq.event_signal)
 *		The combine function of both aggregates and the transition function
 *		of cq.signal_rollup.  Not STRICT: a NULL side is skipped (rollup of
 *		NULL summaries), and a state adopted from the right side is copied
 *		into the aggregate context.  The right side is never modified.
 */
PG_FUNCTION_INFO_V1(event_signal_combine);
Datum
event_signal_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	bool		in_agg = AggCheckCallContext(fcinfo, &aggcontext);
	EventSignal *a;
	CqSignalStatus status;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		a = PG_GETARG_EVENTSIGNAL_P(0);
		PG_RETURN_EVENTSIGNAL_P(in_agg ? a : signal_copy(a, CurrentMemoryContext));
	}
	if (PG_ARGISNULL(0))
	{
		a = MemoryContextAllocZero(in_agg ? aggcontext : CurrentMemoryContext,
								   sizeof(EventSignal));
	}
	else if (!in_agg)
		a = signal_copy(PG_GETARG_EVENTSIGNAL_P(0), CurrentMemoryContext);
	else
		a = PG_GETARG_EVENTSIGNAL_P(0);
	status = cq_signal_merge(a, PG_GETARG_EVENTSIGNAL_P(1));
	if (status != CQ_SIGNAL_OK)
		cq_signal_raise(status, 0.0);
	PG_RETURN_EVENTSIGNAL_P(a);
}

/* ----------------------------------------------------------------------
 * Accessors
 * ----------------------------------------------------------------------
 */

/*
 * signal_n(cq.event_signal) returns bigint: rows summarized.
 */
PG_FUNCTION_INFO_V1(signal_n);
Datum
signal_n(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);

	PG_RETURN_INT64(s->g[0].n + s->g[1].n);
}

/*
 * signal_n_event(cq.event_signal) returns bigint: rows with the event.
 */
PG_FUNCTION_INFO_V1(signal_n_event);
Datum
signal_n_event(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_EVENTSIGNAL_P(0)->g[1].n);
}

/*
 * signal_n_converted(cq.event_signal) returns bigint: rows with value > 0.
 */
PG_FUNCTION_INFO_V1(signal_n_converted);
Datum
signal_n_converted(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);

	PG_RETURN_INT64(s->g[0].pos + s->g[1].pos);
}

/*
 * signal_correlation(cq.event_signal) returns float8
 *		Pearson correlation of has_event (0/1) with value (point-biserial);
 *		NULL when a group is empty or the value is constant.
 */
PG_FUNCTION_INFO_V1(signal_correlation);
Datum
signal_correlation(PG_FUNCTION_ARGS)
{
	double		r;

	if (!cq_signal_r(PG_GETARG_EVENTSIGNAL_P(0), &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/*
 * signal_p_value(cq.event_signal) returns float8
 *		Two-sided p-value of the correlation (t-test with n - 2 degrees of
 *		freedom); NULL when the correlation is or n < 3.
 */
PG_FUNCTION_INFO_V1(signal_p_value);
Datum
signal_p_value(PG_FUNCTION_ARGS)
{
	double		p;

	if (!cq_signal_p_value(PG_GETARG_EVENTSIGNAL_P(0), &p))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(p);
}

/*
 * signal_lift(cq.event_signal) returns float8
 *		Mean value of rows with the event / mean value of all rows; NULL
 *		when no row has the event or the overall mean is 0.
 */
PG_FUNCTION_INFO_V1(signal_lift);
Datum
signal_lift(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	double		n = (double) (s->g[0].n + s->g[1].n);
	double		mean_all;

	if (s->g[1].n == 0)
		PG_RETURN_NULL();
	mean_all = (s->g[0].sx + s->g[1].sx) / n;
	if (mean_all == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->g[1].sx / (double) s->g[1].n / mean_all);
}

/*
 * signal_odds_ratio(cq.event_signal) returns float8
 *		(a d) / (b c) on the smoothed table; NULL when a group is empty.
 */
PG_FUNCTION_INFO_V1(signal_odds_ratio);
Datum
signal_odds_ratio(PG_FUNCTION_ARGS)
{
	double		a,
				b,
				c,
				d;

	if (!cq_signal_table(PG_GETARG_EVENTSIGNAL_P(0), &a, &b, &c, &d))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((a * d) / (b * c));
}

/*
 * signal_odds_ratio_ci(cq.event_signal, level float8) returns float8[]
 *		Woolf interval {lower, upper}: exp(ln OR -/+ z sqrt(1/a+1/b+1/c+1/d))
 *		on the smoothed table, z the (1 + level)/2 normal quantile.  NULL
 *		when a group is empty; level must lie strictly between 0 and 1.
 */
PG_FUNCTION_INFO_V1(signal_odds_ratio_ci);
Datum
signal_odds_ratio_ci(PG_FUNCTION_ARGS)
{
	float8		level = PG_GETARG_FLOAT8(1);
	double		a,
				b,
				c,
				d,
				lor,
				half;
	Datum		bounds[2];

	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1"),
				 errdetail("The level is the probability that the interval covers the odds ratio; %g is not one.",
						   level),
				 errhint("Use a level such as 0.95.")));
	if (!cq_signal_table(PG_GETARG_EVENTSIGNAL_P(0), &a, &b, &c, &d))
		PG_RETURN_NULL();
	lor = log(a) + log(d) - log(b) - log(c);
	half = cq_dist_normal_upper_quantile((1.0 - level) / 2.0) *
		sqrt(1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d);
	bounds[0] = Float8GetDatum(exp(lor - half));
	bounds[1] = Float8GetDatum(exp(lor + half));
	PG_RETURN_ARRAYTYPE_P(construct_array(bounds, 2, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * signal_precision(cq.event_signal) returns float8
 *		P(value > 0 | event); NULL when no row has the event.
 */
PG_FUNCTION_INFO_V1(signal_precision);
Datum
signal_precision(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);

	if (s->g[1].n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) s->g[1].pos / (double) s->g[1].n);
}

/*
 * signal_recall(cq.event_signal) returns float8
 *		P(event | value > 0); NULL when no row has value > 0.
 */
PG_FUNCTION_INFO_V1(signal_recall);
Datum
signal_recall(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	int64		pos = s->g[0].pos + s->g[1].pos;

	if (pos == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) s->g[1].pos / (double) pos);
}

/*
 * signal_revenue_share(cq.event_signal) returns float8
 *		Sum of value over rows with the event / sum over all rows; NULL when
 *		the total is 0.  With refunds (negative values) it can leave [0, 1].
 */
PG_FUNCTION_INFO_V1(signal_revenue_share);
Datum
signal_revenue_share(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	double		total = s->g[0].sx + s->g[1].sx;

	if (total == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->g[1].sx / total);
}

/*
 * signal_mean(cq.event_signal, has_event boolean) returns float8
 *		Mean value of the rows with (true) or without (false) the event;
 *		NULL for an empty group.
 */
PG_FUNCTION_INFO_V1(signal_mean);
Datum
signal_mean(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	CqSignalGroup *g = &s->g[PG_GETARG_BOOL(1) ? 1 : 0];

	if (g->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(g->sx / (double) g->n);
}

/*
 * signal_log_t(cq.event_signal) returns float8
 *		Welch's t of slog1p(value), rows with the event minus rows without.
 */
PG_FUNCTION_INFO_V1(signal_log_t);
Datum
signal_log_t(PG_FUNCTION_ARGS)
{
	double		t,
				df;

	if (!cq_signal_welch(PG_GETARG_EVENTSIGNAL_P(0), &t, &df))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(t);
}

/*
 * signal_log_df(cq.event_signal) returns float8
 *		Welch-Satterthwaite degrees of freedom of signal_log_t.
 */
PG_FUNCTION_INFO_V1(signal_log_df);
Datum
signal_log_df(PG_FUNCTION_ARGS)
{
	double		t,
				df;

	if (!cq_signal_welch(PG_GETARG_EVENTSIGNAL_P(0), &t, &df))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(df);
}

/*
 * signal_log_p_value(cq.event_signal) returns float8
 *		Two-sided p-value of signal_log_t (Student's t with the Welch
 *		degrees of freedom).
 */
PG_FUNCTION_INFO_V1(signal_log_p_value);
Datum
signal_log_p_value(PG_FUNCTION_ARGS)
{
	double		t,
				df;

	if (!cq_signal_welch(PG_GETARG_EVENTSIGNAL_P(0), &t, &df))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(cq_dist_t_two_sided_p(t, df));
}
