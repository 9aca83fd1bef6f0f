/*-------------------------------------------------------------------------
 *
 * signal_quality.h
 *	  The cq.event_signal summary type and the statistics helpers shared by
 *	  the signal-quality and rank-measure code.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SIGNAL_QUALITY_H
#define SIGNAL_QUALITY_H

#include "postgres.h"

#include <math.h>

/* Version of the text and binary formats of cq.event_signal (README) */
#define CQ_SIGNAL_FORMAT_VERSION	1

/* Version of the text and binary formats of cq.rank_sample (README) */
#define CQ_RANK_FORMAT_VERSION		1

/*
 * Moments of one group of rows (0: rows without the event, 1: rows with it),
 * kept in the Youngs-Cramer form of core's float8_regr_accum: the sum and
 * the sum of squared deviations from the group mean, of the value and of
 * slog1p(value) = sign(value) * log1p(|value|).
 */
typedef struct SignalGroup
{
	int64		n;				/* rows */
	int64		pos;			/* rows with value > 0 */
	float8		sx;				/* sum of value */
	float8		sxx;			/* sum of squared deviations of value */
	float8		lsx;			/* sum of slog1p(value) */
	float8		lsxx;			/* sum of squared deviations of slog1p(value) */
} SignalGroup;

/*
 * cq.event_signal: a fixed-length (96 bytes), pass-by-reference type.  No
 * pointers and no padding, so datumCopy and in-place updates are safe.
 */
typedef struct EventSignal
{
	SignalGroup g[2];
} EventSignal;

#define DatumGetEventSignalP(X)		((EventSignal *) DatumGetPointer(X))
#define PG_GETARG_EVENTSIGNAL_P(n)	DatumGetEventSignalP(PG_GETARG_DATUM(n))
#define PG_RETURN_EVENTSIGNAL_P(x)	PG_RETURN_POINTER(x)

/* One row into a summary, as the aggregate adds it (signal_quality.c) */
extern void cq_event_signal_add(EventSignal *s, bool has_event, double value);

/* Statistics helpers (signal_quality.c) */
extern double cq_t_two_sided_p(double t, double df);
extern double cq_normal_upper_quantile(double q);

#endif							/* SIGNAL_QUALITY_H */
