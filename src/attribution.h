/*-------------------------------------------------------------------------
 *
 * attribution.h
 *	  The attribution capability (README, "Attribution"): how much of each
 *	  conversion each marketing channel gets, under first touch, last touch,
 *	  last non-direct, linear, position-based and time-decay models.
 *
 * Files, by role:
 *	  attribution_rules.c	the credit of each eligible touch of one
 *							conversion under a model (PostgreSQL-free)
 *	  attribution_scan.c	cq.attribute: checks, one query over the two
 *							tables ordered by user and time, the eligible
 *							touches of each conversion, sums per channel
 *	  attribution.sql		the SQL objects
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_ATTRIBUTION_H
#define CQ_ATTRIBUTION_H

#include <stdbool.h>
#include <stdint.h>

typedef enum CqAttrModel
{
	CQ_ATTR_FIRST_TOUCH,
	CQ_ATTR_LAST_TOUCH,
	CQ_ATTR_LAST_NON_DIRECT,
	CQ_ATTR_LINEAR,
	CQ_ATTR_POSITION_BASED,
	CQ_ATTR_TIME_DECAY,
	CQ_ATTR_NMODELS
} CqAttrModel;

/* The model named name, or -1 */
extern int	cq_attr_model(const char *name);
extern const char *cq_attr_model_name(CqAttrModel m);

/*
 * cq_attr_credit
 *		The credit of each of the n >= 1 eligible touches of one conversion,
 *		given in (time, channel) order: age_us[i] is the conversion's time
 *		minus the touch's (>= 0, microseconds), direct[i] whether its channel
 *		is 'direct'; half_life_us (> 0) is used by time decay.  Writes
 *		credit[0..n-1], which sum to 1.
 */
extern void cq_attr_credit(CqAttrModel m, int n, const int64_t *age_us, const bool *direct,
						   double half_life_us, double *credit);

#endif							/* CQ_ATTRIBUTION_H */
