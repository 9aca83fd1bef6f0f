/*-------------------------------------------------------------------------
 *
 * attribution_rules.c
 *	  The credit rules of the attribution models (attribution.h), free of
 *	  PostgreSQL.  One conversion at a time, over its eligible touches in
 *	  (time, channel) order:
 *
 *	  first_touch		1 to the first
 *	  last_touch		1 to the last
 *	  last_non_direct	1 to the last whose channel is not 'direct'; the last
 *						touch when every eligible touch is direct
 *	  linear			1/n to each
 *	  position_based	40 % to the first, 40 % to the last, 20 % shared
 *						equally by those between; one touch gets 1, two get
 *						1/2 each (Google's rule)
 *	  time_decay		weight 2^(-age / half_life), normalized to sum 1
 *						(an age is the conversion's time minus the touch's)
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "attribution.h"

static const char *const model_names[CQ_ATTR_NMODELS] = {
	"first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay"
};

int
cq_attr_model(const char *name)
{
	for (int m = 0; m < CQ_ATTR_NMODELS; m++)
		if (strcmp(name, model_names[m]) == 0)
			return m;
	return -1;
}

const char *
cq_attr_model_name(CqAttrModel m)
{
	return model_names[m];
}

void
cq_attr_credit(CqAttrModel m, int n, const int64_t *age_us, const bool *direct,
			   double half_life_us, double *credit)
{
	int			k;
	double		sum;
	int64_t		youngest;

	for (int i = 0; i < n; i++)
		credit[i] = 0.0;
	switch (m)
	{
		case CQ_ATTR_FIRST_TOUCH:
			credit[0] = 1.0;
			break;
		case CQ_ATTR_LAST_TOUCH:
			credit[n - 1] = 1.0;
			break;
		case CQ_ATTR_LAST_NON_DIRECT:
			for (k = n - 1; k >= 0 && direct[k]; k--)
				;
			credit[k >= 0 ? k : n - 1] = 1.0;
			break;
		case CQ_ATTR_LINEAR:
			for (int i = 0; i < n; i++)
				credit[i] = 1.0 / n;
			break;
		case CQ_ATTR_POSITION_BASED:
			if (n == 1)
				credit[0] = 1.0;
			else if (n == 2)
				credit[0] = credit[1] = 0.5;
			else
			{
				credit[0] = credit[n - 1] = 0.4;
				for (int i = 1; i < n - 1; i++)
					credit[i] = 0.2 / (n - 2);
			}
			break;
		case CQ_ATTR_TIME_DECAY:

			/*
			 * Weights relative to the youngest touch (weight 1), so that old
			 * touches underflow to 0 alone and the sum is never 0.
			 */
			youngest = age_us[0];
			for (int i = 1; i < n; i++)
				if (age_us[i] < youngest)
					youngest = age_us[i];
			sum = 0.0;
			for (int i = 0; i < n; i++)
			{
				credit[i] = exp2(-(double) (age_us[i] - youngest) / half_life_us);
				sum += credit[i];
			}
			for (int i = 0; i < n; i++)
				credit[i] /= sum;
			break;
		case CQ_ATTR_NMODELS:
			break;
	}
}
