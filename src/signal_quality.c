/*-------------------------------------------------------------------------
 *
 * signal_quality.c
 *	  cq.event_signal: a storable, mergeable summary of how an event (a
 *	  boolean per row, usually per user) relates to a value (usually the
 *	  revenue that followed), with cheap accessors for the usual measures.
 *
 * The summary holds, for the rows without the event (group 0) and with it
 * (group 1): the row count, the count of rows with value > 0, and the
 * Youngs-Cramer moments (sum, sum of squared deviations) of the value and of
 * slog1p(value) = sign(value) * log1p(|value|).  Everything the accessors
 * report follows from these twelve numbers, so the aggregate is exact under
 * partial aggregation: parallel workers, partitions, daily pre-aggregates
 * merged with cq.signal_rollup, and Citus workers that ship the summary as
 * text.  The formulas are in README.md ("Signal quality").
 *
 * Text form (version 1), group 0 then group 1, floats in the shortest form
 * that reads back to the same double:
 *
 *	 v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx
 *
 * Binary form: the version byte 1, then per group n and pos as int8 and the
 * four moments as float8, in network byte order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "signal_quality.h"
#include "state_codec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

/* ----------------------------------------------------------------------
 * Special functions: Student's t tail and the normal quantile
 * ----------------------------------------------------------------------
 */

/*
 * The remainder of Stirling's series for ln Gamma(x), x >= 15: accurate to
 * about 1e-17 there.
 */
static double
stirling_tail(double x)
{
	double		x2 = x * x;

	return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2) / x;
}

/*
 * ln B(a, b) for a, b > 0.  For large arguments the terms of
 * lgamma(a) + lgamma(b) - lgamma(a + b) are millions and cancel; the
 * Stirling form below keeps only terms of the size of the result, so the
 * p-values of very large samples keep their relative precision.
 */
static double
log_beta(double a, double b)
{
	double		d;

	if (a < b)
	{
		double		tmp = a;

		a = b;
		b = tmp;
	}
	if (a < 15.0)
		return lgamma(a) + lgamma(b) - lgamma(a + b);

	/* d = ln Gamma(a) - ln Gamma(a + b), without the large terms */
	d = -(a - 0.5) * log1p(b / a) - b * log(a + b) + b +
		stirling_tail(a) - stirling_tail(a + b);
	if (b < 15.0)
		return lgamma(b) + d;
	/* ln Gamma(b) + d with b * ln b - b * ln(a + b) merged */
	return b * log(b / (a + b)) - 0.5 * log(b) - (a - 0.5) * log1p(b / a) +
		0.5 * log(2.0 * M_PI) + stirling_tail(b) + stirling_tail(a) -
		stirling_tail(a + b);
}

/*
 * Continued fraction of the regularized incomplete beta function
 * (DLMF 8.17.22), evaluated with the modified Lentz method.  Converges
 * fast for x < (a + 1) / (a + b + 2).
 */
static double
beta_continued_fraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double		c = 1.0;
	double		d = 1.0 - (a + b) * x / (a + 1.0);
	double		h;
	int			m;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= 100000; m++)
	{
		double		m2 = 2.0 * m;
		double		num;
		double		delta;

		num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		d = 1.0 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;

		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < 1e-16)
			break;
	}
	return h;
}

/*
 * Regularized incomplete beta I_x(a, b), given x, xc = 1 - x and their
 * logarithms, each computed by the caller in the most precise way it has.
 */
static double
incomplete_beta(double a, double b, double x, double xc, double logx, double logxc)
{
	if (x <= 0.0)
		return 0.0;
	if (xc <= 0.0)
		return 1.0;
	if (x > (a + 1.0) / (a + b + 2.0))
		return 1.0 - incomplete_beta(b, a, xc, x, logxc, logx);
	return exp(a * logx + b * logxc - log_beta(a, b)) / a *
		beta_continued_fraction(a, b, x);
}

/*
 * Two-sided p-value of Student's t statistic with df degrees of freedom
 * (df > 0, not necessarily an integer): P(|T| >= |t|) = I_x(df/2, 1/2)
 * with x = df / (df + t^2).
 */
double
cq_t_two_sided_p(double t, double df)
{
	double		t2 = t * t;
	double		x,
				xc,
				logx,
				logxc;

	if (isnan(t) || !(df > 0.0))
		return NAN;
	if (t2 == 0.0)
		return 1.0;
	if (isinf(t2))
		return 0.0;
	x = df / (df + t2);
	xc = t2 / (df + t2);
	logx = -log1p(t2 / df);
	logxc = log(t2) - log(df + t2);
	return incomplete_beta(df / 2.0, 0.5, x, xc, logx, logxc);
}

/*
 * z such that P(Z > z) = q for a standard normal Z, 0 < q < 1: Newton steps
 * on erfc from the Abramowitz-Stegun 26.2.23 starting value.
 */
double
cq_normal_upper_quantile(double q)
{
	double		p = (q < 0.5) ? q : 1.0 - q;
	double		t = sqrt(-2.0 * log(p));
	double		z;
	int			i;

	z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
		(1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
	for (i = 0; i < 100; i++)
	{
		double		f = 0.5 * erfc(z / M_SQRT2) - p;
		double		phi = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
		double		step = f / phi;

		z += step;
		if (fabs(step) <= 1e-17 * fabs(z) || phi == 0.0)
			break;
	}
	return (q < 0.5) ? z : -z;
}

/* ----------------------------------------------------------------------
 * The summary: checks, accumulation, merge, formats
 * ----------------------------------------------------------------------
 */

/*
 * Reject a value the moments cannot hold: the caller's data, so a clean
 * error rather than a NaN that would poison every figure.
 */
static inline void
CheckSignalValue(float8 value)
{
	if (!isfinite(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("event_signal value must be finite"),
				 errdetail("The value %s cannot be summed into the revenue moments.",
						   isnan(value) ? "NaN" : (value > 0 ? "Infinity" : "-Infinity")),
				 errhint("Filter the rows, for example WHERE value <> 'NaN' AND abs(value) < 'Infinity'.")));
}

/*
 * The error raised when the moments overflow, on the serial and the
 * combine path alike.
 */
static void
signal_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("event_signal moments overflow"),
			 errdetail("The sum or the sum of squares of the values exceeds the range of double precision."),
			 errhint("Scale the values down, for example to thousands.")));
}

/*
 * Check a summary received as text or binary: the decoders of
 * state_codec.c check every invariant (cq_signal_group_problem); this turns
 * a refusal into the error, with errcode saying which form was read.
 */
StaticAssertDecl(sizeof(EventSignal) == sizeof(CqSignal) &&
				 offsetof(EventSignal, g[1].n) == offsetof(CqSignal, g[1].n) &&
				 offsetof(SignalGroup, pos) == offsetof(CqSignalGroup, pos) &&
				 offsetof(SignalGroup, sx) == offsetof(CqSignalGroup, sx) &&
				 offsetof(SignalGroup, lsxx) == offsetof(CqSignalGroup, lsxx) &&
				 CQ_SIGNAL_FORMAT_VERSION == CQ_SIGNAL_CODEC_VERSION,
				 "EventSignal and CqSignal differ");

static void
event_signal_codec_error(const CqCodecError *e, const char *str, int errcode_value)
{
	if (e->code == CQ_CODEC_INVALID)
		ereport(ERROR,
				(errcode(errcode_value),
				 errmsg("invalid cq.event_signal value"),
				 errdetail("%s", e->detail),
				 errhint("Use a value produced by cq.event_signal or cq.signal_rollup.")));
	if (e->code == CQ_CODEC_VERSION && str != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported cq.event_signal format version in \"%s\"", str),
				 errdetail("This version of conversion_quality reads format version %d.",
						   CQ_SIGNAL_FORMAT_VERSION),
				 errhint("Upgrade the extension where the value is read.")));
	if (e->code == CQ_CODEC_SYNTAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type cq.event_signal: \"%s\"", str),
				 errdetail("%s", e->detail),
				 errhint("The form is v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx (rows without the event, then with it).")));
	if (e->code == CQ_CODEC_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary cq.event_signal value"),
				 errdetail("The value has %d bytes; format version %d has 97.",
						   (int) e->a, CQ_SIGNAL_FORMAT_VERSION),
				 errhint("Use a value produced by cq.event_signal or cq.signal_rollup.")));
	if (e->code == CQ_CODEC_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported cq.event_signal format version %d", (int) e->a),
				 errdetail("This version of conversion_quality reads format version %d.",
						   CQ_SIGNAL_FORMAT_VERSION),
				 errhint("Upgrade the extension where the value is read.")));
	elog(ERROR, "unexpected cq.event_signal decoder status %d", (int) e->code);
}

/*
 * slog1p(v) = sign(v) * log1p(|v|): log1p for revenue (v >= 0), mirrored
 * for refunds so negative values stay usable and ordered.
 */
static inline double
slog1p(double v)
{
	return (v < 0.0) ? -log1p(-v) : log1p(v);
}

/*
 * Add one value to a group: the Youngs-Cramer update of core's
 * float8_accum, for the value and its slog1p.
 */
static void
signal_group_add(SignalGroup *g, double v)
{
	/* revenue is mostly zero: skip log1p there (log1p(±0) is ±0 anyway) */
	double		lv = (v == 0.0) ? v : slog1p(v);
	double		n = (double) (g->n + 1);

	g->sx += v;
	g->lsx += lv;
	if (g->n > 0)
	{
		double		tmp = v * n - g->sx;
		double		ltmp = lv * n - g->lsx;

		g->sxx += tmp * tmp / (n * (n - 1.0));
		g->lsxx += ltmp * ltmp / (n * (n - 1.0));
	}
	if (isinf(g->sx) || isinf(g->sxx) || isinf(g->lsx) || isinf(g->lsxx))
		signal_overflow();
	g->n++;
	if (v > 0.0)
		g->pos++;
}

/*
 * Merge group b into group a: core's float8_regr_combine, which is exact
 * when either side is empty.
 */
static void
signal_group_merge(SignalGroup *a, const SignalGroup *b)
{
	double		n1,
				n2,
				n;
	double		tmp;

	if (b->n == 0)
		return;
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	n1 = (double) a->n;
	n2 = (double) b->n;
	n = n1 + n2;
	tmp = a->sx / n1 - b->sx / n2;
	a->sxx += b->sxx + n1 * n2 * tmp * tmp / n;
	tmp = a->lsx / n1 - b->lsx / n2;
	a->lsxx += b->lsxx + n1 * n2 * tmp * tmp / n;
	a->sx += b->sx;
	a->lsx += b->lsx;
	if (isinf(a->sx) || isinf(a->sxx) || isinf(a->lsx) || isinf(a->lsxx))
		signal_overflow();
	a->n += b->n;
	a->pos += b->pos;
}

/*
 * Add one row to a summary, as the aggregate does (used by rank_events.c).
 */
void
cq_event_signal_add(EventSignal *s, bool has_event, double value)
{
	CheckSignalValue(value);
	signal_group_add(&s->g[has_event ? 1 : 0], value);
}

/*
 * event_signal_in(cstring) returns cq.event_signal
 *		Reads the versioned text form (state_codec.c); everything is
 *		checked, nothing may follow.
 */
PG_FUNCTION_INFO_V1(event_signal_in);
Datum
event_signal_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	EventSignal *s = palloc0(sizeof(EventSignal));
	CqCodecError e;

	if (!cq_signal_from_text(str, (CqSignal *) s, &e))
		event_signal_codec_error(&e, str, ERRCODE_INVALID_TEXT_REPRESENTATION);
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
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	char	   *out = palloc(CQ_SIGNAL_TEXT_MAX);

	cq_signal_to_text((const CqSignal *) s, out);
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
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	bytea	   *result = palloc(VARHDRSZ + CQ_SIGNAL_BINARY_SIZE);

	SET_VARSIZE(result, VARHDRSZ + CQ_SIGNAL_BINARY_SIZE);
	cq_signal_to_binary((const CqSignal *) s, (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/*
 * event_signal_recv(internal) returns cq.event_signal
 *		Reads the binary form (state_codec.c): the length, the version and
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
							   (size_t) (buf->len - buf->cursor), (CqSignal *) s, &e))
		event_signal_codec_error(&e, NULL, ERRCODE_INVALID_BINARY_REPRESENTATION);
	buf->cursor = buf->len;
	PG_RETURN_EVENTSIGNAL_P(s);
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
	bool		has_event = PG_GETARG_BOOL(1);
	float8		value = PG_GETARG_FLOAT8(2);

	CheckSignalValue(value);
	if (!AggCheckCallContext(fcinfo, NULL))
	{
		EventSignal *copy = palloc(sizeof(EventSignal));

		memcpy(copy, s, sizeof(EventSignal));
		s = copy;
	}
	signal_group_add(&s->g[has_event ? 1 : 0], value);
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
	EventSignal *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		a = PG_GETARG_EVENTSIGNAL_P(0);
		if (!in_agg)
		{
			EventSignal *copy = palloc(sizeof(EventSignal));

			memcpy(copy, a, sizeof(EventSignal));
			a = copy;
		}
		PG_RETURN_EVENTSIGNAL_P(a);
	}
	b = PG_GETARG_EVENTSIGNAL_P(1);
	if (PG_ARGISNULL(0) || !in_agg)
	{
		EventSignal *copy;

		copy = MemoryContextAllocZero(in_agg ? aggcontext : CurrentMemoryContext,
									  sizeof(EventSignal));
		if (!PG_ARGISNULL(0))
			memcpy(copy, PG_GETARG_EVENTSIGNAL_P(0), sizeof(EventSignal));
		a = copy;
	}
	else
		a = PG_GETARG_EVENTSIGNAL_P(0);
	signal_group_merge(&a->g[0], &b->g[0]);
	signal_group_merge(&a->g[1], &b->g[1]);
	PG_RETURN_EVENTSIGNAL_P(a);
}

/* ----------------------------------------------------------------------
 * Accessors
 * ----------------------------------------------------------------------
 */

/* Mean of a non-empty group */
static inline double
group_mean(const SignalGroup *g)
{
	return g->sx / (double) g->n;
}

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
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);

	PG_RETURN_INT64(s->g[1].n);
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
 * Point-biserial correlation r of the 0/1 event with the value, from the
 * group moments: with SS the total sum of squared deviations,
 *	 r = (m1 - m0) * sqrt(n0 n1 / n) / sqrt(SS),
 *	 SS = sxx0 + sxx1 + n0 n1 / n (m1 - m0)^2.
 * False when undefined (a group empty or the value constant).
 */
static bool
signal_r(const EventSignal *s, double *r)
{
	const SignalGroup *g0 = &s->g[0];
	const SignalGroup *g1 = &s->g[1];
	double		n0,
				n1,
				n,
				diff,
				ss,
				v;

	if (g0->n == 0 || g1->n == 0)
		return false;
	n0 = (double) g0->n;
	n1 = (double) g1->n;
	n = n0 + n1;
	diff = group_mean(g1) - group_mean(g0);
	ss = g0->sxx + g1->sxx + n0 * n1 / n * diff * diff;
	if (!(ss > 0.0))
		return false;
	v = diff * sqrt(n0 * n1 / n) / sqrt(ss);
	/* rounding can push |r| a hair past 1 */
	if (v > 1.0)
		v = 1.0;
	else if (v < -1.0)
		v = -1.0;
	*r = v;
	return true;
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

	if (!signal_r(PG_GETARG_EVENTSIGNAL_P(0), &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/*
 * signal_p_value(cq.event_signal) returns float8
 *		Two-sided p-value of the correlation: the t-test with n - 2 degrees
 *		of freedom, p = I_{1-r^2}((n-2)/2, 1/2), which is also the pooled
 *		two-sample t-test of the means.  NULL when the correlation is or
 *		n < 3.
 */
PG_FUNCTION_INFO_V1(signal_p_value);
Datum
signal_p_value(PG_FUNCTION_ARGS)
{
	EventSignal *s = PG_GETARG_EVENTSIGNAL_P(0);
	double		r,
				df,
				ar,
				x,
				xc;

	if (!signal_r(s, &r))
		PG_RETURN_NULL();
	df = (double) (s->g[0].n + s->g[1].n) - 2.0;
	if (df < 1.0)
		PG_RETURN_NULL();
	ar = fabs(r);
	if (ar >= 1.0)
		PG_RETURN_FLOAT8(0.0);
	if (ar == 0.0)
		PG_RETURN_FLOAT8(1.0);
	x = (1.0 - ar) * (1.0 + ar);
	xc = ar * ar;
	PG_RETURN_FLOAT8(incomplete_beta(df / 2.0, 0.5, x, xc,
									 log1p(-ar) + log1p(ar), 2.0 * log(ar)));
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
	PG_RETURN_FLOAT8(group_mean(&s->g[1]) / mean_all);
}

/*
 * The smoothed 2x2 table: conversion (value > 0) by event, 0.5 added to
 * each cell (Haldane-Anscombe).  False when a group is empty.
 */
static bool
signal_table(const EventSignal *s, double *a, double *b, double *c, double *d)
{
	if (s->g[0].n == 0 || s->g[1].n == 0)
		return false;
	*a = (double) s->g[1].pos + 0.5;
	*b = (double) (s->g[1].n - s->g[1].pos) + 0.5;
	*c = (double) s->g[0].pos + 0.5;
	*d = (double) (s->g[0].n - s->g[0].pos) + 0.5;
	return true;
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

	if (!signal_table(PG_GETARG_EVENTSIGNAL_P(0), &a, &b, &c, &d))
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
	if (!signal_table(PG_GETARG_EVENTSIGNAL_P(0), &a, &b, &c, &d))
		PG_RETURN_NULL();
	lor = log(a) + log(d) - log(b) - log(c);
	half = cq_normal_upper_quantile((1.0 - level) / 2.0) *
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
	SignalGroup *g = &s->g[PG_GETARG_BOOL(1) ? 1 : 0];

	if (g->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(group_mean(g));
}

/*
 * Welch's test of slog1p(value) between the groups (with minus without):
 * t, Welch-Satterthwaite degrees of freedom.  False when a group has fewer
 * than two rows or both variances are 0.
 */
static bool
signal_welch(const EventSignal *s, double *t, double *df)
{
	const SignalGroup *g0 = &s->g[0];
	const SignalGroup *g1 = &s->g[1];
	double		n0,
				n1,
				q0,
				q1,
				se2;

	if (g0->n < 2 || g1->n < 2)
		return false;
	n0 = (double) g0->n;
	n1 = (double) g1->n;
	q0 = g0->lsxx / (n0 - 1.0) / n0;
	q1 = g1->lsxx / (n1 - 1.0) / n1;
	se2 = q0 + q1;
	if (!(se2 > 0.0))
		return false;
	*t = (g1->lsx / n1 - g0->lsx / n0) / sqrt(se2);
	*df = se2 * se2 / (q0 * q0 / (n0 - 1.0) + q1 * q1 / (n1 - 1.0));
	return true;
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

	if (!signal_welch(PG_GETARG_EVENTSIGNAL_P(0), &t, &df))
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

	if (!signal_welch(PG_GETARG_EVENTSIGNAL_P(0), &t, &df))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(df);
}

/*
 * signal_log_p_value(cq.event_signal) returns float8
 *		Two-sided p-value of signal_log_t.
 */
PG_FUNCTION_INFO_V1(signal_log_p_value);
Datum
signal_log_p_value(PG_FUNCTION_ARGS)
{
	double		t,
				df;

	if (!signal_welch(PG_GETARG_EVENTSIGNAL_P(0), &t, &df))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(cq_t_two_sided_p(t, df));
}
