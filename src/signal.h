/*-------------------------------------------------------------------------
 *
 * signal.h
 *	  The signal-quality capability: the storable, mergeable summary
 *	  cq.event_signal of how an event (a boolean per row, usually per user)
 *	  relates to a value (usually the revenue that followed), its aggregates
 *	  cq.event_signal and cq.signal_rollup, and its accessors.
 *
 * Files, by role:
 *	  signal.c			SQL entry points: type I/O, aggregate support, accessors
 *	  signal_core.c		the summary's arithmetic (PostgreSQL-free, signal_core.h)
 *	  signal_dist.cpp	Boost.Math distributions behind a C interface (signal_dist.h)
 *	  signal_codec.c	the text and binary forms (PostgreSQL-free, signal_codec.h)
 *	  signal.sql		the SQL objects
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_SIGNAL_H
#define CQ_SIGNAL_H

#include "postgres.h"

#include "fmgr.h"
#include "signal_core.h"

/*
 * cq.event_signal in memory is the codec's layout: a fixed-length (96
 * bytes), pass-by-reference value with no pointers and no padding, so
 * datumCopy and in-place updates are safe.
 */
typedef CqSignal EventSignal;

#define DatumGetEventSignalP(X)		((EventSignal *) DatumGetPointer(X))
#define PG_GETARG_EVENTSIGNAL_P(n)	DatumGetEventSignalP(PG_GETARG_DATUM(n))
#define PG_RETURN_EVENTSIGNAL_P(x)	PG_RETURN_POINTER(x)

/* Raise the error of a failed cq_signal_add or cq_signal_merge (signal.c) */
extern void cq_signal_raise(CqSignalStatus status, double value) pg_attribute_noreturn();

#endif							/* CQ_SIGNAL_H */
