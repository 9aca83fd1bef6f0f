/*-------------------------------------------------------------------------
 *
 * signal_dist.cpp
 *	  Boost.Math behind the C interface of signal_dist.h.
 *
 * Boost.Math is header-only (Debian libboost-math1.74-dev) and is what
 * scipy itself builds several of its distributions on.  Errors are
 * reported through return values, never exceptions (the policy below), and
 * every call is wrapped in a catch-all anyway: nothing here may throw into
 * C.  Results are computed in long double where the platform has it
 * (Boost's default promotion) and returned as double.
 *
 *-------------------------------------------------------------------------
 */
#include "signal_dist.h"

#include <cmath>
#include <limits>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace
{
	using namespace boost::math::policies;

	/* errors become NaN or infinities, underflow becomes 0: no exceptions */
	typedef policy<domain_error<ignore_error>, pole_error<ignore_error>,
				   overflow_error<ignore_error>, underflow_error<ignore_error>,
				   denorm_error<ignore_error>, evaluation_error<ignore_error>,
				   rounding_error<ignore_error>, indeterminate_result_error<ignore_error> >
		quiet_policy;

	const double not_a_number = std::numeric_limits<double>::quiet_NaN();
}

extern "C" double
cq_dist_ibetac(double a, double b, double x)
{
	try
	{
		if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0 && x <= 1.0))
			return not_a_number;
		return boost::math::ibetac(a, b, x, quiet_policy());
	}
	catch (...)
	{
		return not_a_number;
	}
}

extern "C" double
cq_dist_t_two_sided_p(double t, double df)
{
	try
	{
		if (std::isnan(t) || !(df > 0.0))
			return not_a_number;
		if (std::isinf(t))
			return 0.0;
		if (t == 0.0)
			return 1.0;
		boost::math::students_t_distribution<double, quiet_policy> dist(df);

		return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
	}
	catch (...)
	{
		return not_a_number;
	}
}

extern "C" double
cq_dist_normal_upper_quantile(double q)
{
	try
	{
		if (!(q > 0.0 && q < 1.0))
			return not_a_number;
		boost::math::normal_distribution<double, quiet_policy> dist(0.0, 1.0);

		return boost::math::quantile(boost::math::complement(dist, q));
	}
	catch (...)
	{
		return not_a_number;
	}
}
