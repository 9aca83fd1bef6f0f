/*-------------------------------------------------------------------------
 *
 * signal_dist.h
 *	  C interface to the distribution functions of Boost.Math (C++), which
 *	  the signal statistics use: the regularized incomplete beta function,
 *	  Student's t tail, and the normal quantile.
 *
 * The implementation in signal_dist.cpp catches every C++ exception and
 * never calls PostgreSQL, so no C++ unwinding can cross a PostgreSQL frame
 * and no PostgreSQL longjmp can cross a C++ frame.  Each function returns
 * NaN when Boost reports an error for its arguments.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_SIGNAL_DIST_H
#define CQ_SIGNAL_DIST_H

#ifdef __cplusplus
extern "C"
{
#endif

/*
 * 1 - I_x(a, b), the complement of the regularized incomplete beta function,
 * computed without cancellation; a, b > 0, 0 <= x <= 1
 */
extern double cq_dist_ibetac(double a, double b, double x);

/* P(|T| >= |t|) for Student's t with df > 0 degrees of freedom (df real) */
extern double cq_dist_t_two_sided_p(double t, double df);

/* z with P(Z > z) = q for a standard normal Z, 0 < q < 1 */
extern double cq_dist_normal_upper_quantile(double q);

#ifdef __cplusplus
}
#endif

#endif							/* CQ_SIGNAL_DIST_H */
