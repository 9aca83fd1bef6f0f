/*-------------------------------------------------------------------------
 *
 * signal_core.c
 *	  Arithmetic of the cq.event_signal summary (signal_core.h), free of
 *	  PostgreSQL.  The formulas are in README.md ("Signal quality").
 *
 *-------------------------------------------------------------------------
 */
#include "signal_core.h"

#include <math.h>

#include "signal_dist.h"

/*
 * Merge group b into group a: PostgreSQL's float8_regr_combine, exact when
 * either side is empty.
 */
static CqSignalStatus
group_merge(CqSignalGroup *a, const CqSignalGroup *b)
{
	double		n1,
				n2,
				n;
	double		tmp;

	if (b->n == 0)
		return CQ_SIGNAL_OK;
	if (a->n == 0)
	{
		*a = *b;
		return CQ_SIGNAL_OK;
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
	if (!cq_signal_group_finite(a))
		return CQ_SIGNAL_OVERFLOW;
	a->n += b->n;
	a->pos += b->pos;
	return CQ_SIGNAL_OK;
}

/*
 * cq_signal_merge
 *		Merge summary b into a (the summary of both sets of rows).
 */
CqSignalStatus
cq_signal_merge(CqSignal *a, const CqSignal *b)
{
	CqSignalStatus st = group_merge(&a->g[0], &b->g[0]);

	if (st != CQ_SIGNAL_OK)
		return st;
	return group_merge(&a->g[1], &b->g[1]);
}

static inline double
group_mean(const CqSignalGroup *g)
{
	return g->sx / (double) g->n;
}

/*
 * cq_signal_r
 *		Point-biserial correlation r of the 0/1 event with the value, from
 *		the group moments: with SS the total sum of squared deviations,
 *		  r = (m1 - m0) * sqrt(n0 n1 / n) / sqrt(SS),
 *		  SS = sxx0 + sxx1 + n0 n1 / n (m1 - m0)^2.
 *		False when undefined (a group empty or the value constant).
 */
bool
cq_signal_r(const CqSignal *s, double *r)
{
	const CqSignalGroup *g0 = &s->g[0];
	const CqSignalGroup *g1 = &s->g[1];
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
 * cq_signal_p_value
 *		Two-sided p-value of r: the t-test with n - 2 degrees of freedom,
 *		p = I_{1-r^2}((n-2)/2, 1/2) = 1 - I_{r^2}(1/2, (n-2)/2), which is also
 *		the pooled two-sample t-test of the means.  Computed as the latter,
 *		from r^2, so that neither a tiny r (1 - r^2 rounding to 1) nor a
 *		large n loses precision.  False when r is undefined or n < 3.
 */
bool
cq_signal_p_value(const CqSignal *s, double *p)
{
	double		r,
				df,
				ar;

	if (!cq_signal_r(s, &r))
		return false;
	df = (double) (s->g[0].n + s->g[1].n) - 2.0;
	if (df < 1.0)
		return false;
	ar = fabs(r);
	if (ar >= 1.0)
		*p = 0.0;
	else if (ar == 0.0)
		*p = 1.0;
	else
		*p = cq_dist_ibetac(0.5, df / 2.0, ar * ar);
	return true;
}

/*
 * cq_signal_table
 *		The smoothed 2x2 table: conversion (value > 0) by event, 0.5 added to
 *		each cell (Haldane-Anscombe): a = event and converted, b = event and
 *		not, c = no event and converted, d = neither.  False when a group is
 *		empty.
 */
bool
cq_signal_table(const CqSignal *s, double *a, double *b, double *c, double *d)
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
 * cq_signal_welch
 *		Welch's test of slog1p(value) between the groups (with minus
 *		without): t and the Welch-Satterthwaite degrees of freedom.  False
 *		when a group has fewer than two rows or both variances are 0.
 */
bool
cq_signal_welch(const CqSignal *s, double *t, double *df)
{
	const CqSignalGroup *g0 = &s->g[0];
	const CqSignalGroup *g1 = &s->g[1];
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
