/*-------------------------------------------------------------------------
 *
 * signal_core.h
 *	  PostgreSQL-free arithmetic of the cq.event_signal summary: adding a
 *	  row, merging two summaries, and the statistics every accessor derives
 *	  from the twelve numbers (layout in signal_codec.h).
 *
 * The cq.event_signal aggregate (signal.c) and the per-user accumulator of
 * cq.rank_events (rank_accum.c) add rows through the same function, so a
 * summary built by either is the same bit for bit.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_SIGNAL_CORE_H
#define CQ_SIGNAL_CORE_H

#include "signal_codec.h"

/* Outcome of adding or merging */
typedef enum CqSignalStatus
{
	CQ_SIGNAL_OK,
	CQ_SIGNAL_NOT_FINITE,		/* the value is NaN or infinite: nothing added */
	CQ_SIGNAL_OVERFLOW			/* the moments left double's range */
} CqSignalStatus;

extern CqSignalStatus cq_signal_add(CqSignal *s, bool has_event, double value);
extern CqSignalStatus cq_signal_merge(CqSignal *a, const CqSignal *b);

/* Statistics; false when undefined (see signal_core.c) */
extern bool cq_signal_r(const CqSignal *s, double *r);
extern bool cq_signal_table(const CqSignal *s, double *a, double *b, double *c, double *d);
extern bool cq_signal_welch(const CqSignal *s, double *t, double *df);
extern bool cq_signal_p_value(const CqSignal *s, double *p);

#endif							/* CQ_SIGNAL_CORE_H */
