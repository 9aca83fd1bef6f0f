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

#include <math.h>

#include "signal_codec.h"

/* Outcome of adding or merging */
typedef enum CqSignalStatus
{
	CQ_SIGNAL_OK,
	CQ_SIGNAL_NOT_FINITE,		/* the value is NaN or infinite: nothing added */
	CQ_SIGNAL_OVERFLOW			/* the moments left double's range */
} CqSignalStatus;

/*
 * slog1p(v) = sign(v) * log1p(|v|): log1p for revenue (v >= 0), mirrored
 * for refunds so negative values stay usable and ordered.
 */
static inline double
cq_slog1p(double v)
{
	return (v < 0.0) ? -log1p(-v) : log1p(v);
}

/* Are the moments of a group finite? */
static inline bool
cq_signal_group_finite(const CqSignalGroup *g)
{
	return isfinite(g->sx) && isfinite(g->sxx) && isfinite(g->lsx) && isfinite(g->lsxx);
}

/*
 * cq_signal_add
 *		Add one row: the Youngs-Cramer update of PostgreSQL's float8_accum,
 *		for the value and its slog1p, in the group of has_event.  A value
 *		that is not finite is refused (nothing changes); on overflow the
 *		summary is left inconsistent and the caller must raise an error.
 *		Inline: the aggregate's transition runs it once per row.
 */
static inline CqSignalStatus
cq_signal_add(CqSignal *s, bool has_event, double v)
{
	CqSignalGroup *g = &s->g[has_event ? 1 : 0];
	double		lv,
				n;

	if (!isfinite(v))
		return CQ_SIGNAL_NOT_FINITE;
	/* revenue is mostly zero: skip log1p there (log1p(+-0) is +-0 anyway) */
	lv = (v == 0.0) ? v : cq_slog1p(v);
	n = (double) (g->n + 1);
	g->sx += v;
	g->lsx += lv;
	if (g->n > 0)
	{
		double		tmp = v * n - g->sx;
		double		ltmp = lv * n - g->lsx;

		g->sxx += tmp * tmp / (n * (n - 1.0));
		g->lsxx += ltmp * ltmp / (n * (n - 1.0));
	}
	if (!cq_signal_group_finite(g))
		return CQ_SIGNAL_OVERFLOW;
	g->n++;
	if (v > 0.0)
		g->pos++;
	return CQ_SIGNAL_OK;
}

extern CqSignalStatus cq_signal_merge(CqSignal *a, const CqSignal *b);

/* Statistics; false when undefined (see signal_core.c) */
extern bool cq_signal_r(const CqSignal *s, double *r);
extern bool cq_signal_table(const CqSignal *s, double *a, double *b, double *c, double *d);
extern bool cq_signal_welch(const CqSignal *s, double *t, double *df);
extern bool cq_signal_p_value(const CqSignal *s, double *p);

#endif							/* CQ_SIGNAL_CORE_H */
