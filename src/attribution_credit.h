/*-------------------------------------------------------------------------
 *
 * attribution_credit.h
 *	  The crediting of conversions to touches, one user at a time, shared by
 *	  cq.attribute (attribution_scan.c, over two tables) and the aggregate
 *	  cq.attribution_credits (attribution_agg.c, over one user's rows):
 *	  attribution_credit.c.  The rules of each model are attribution_rules.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_ATTRIBUTION_CREDIT_H
#define CQ_ATTRIBUTION_CREDIT_H

#include "postgres.h"

#include "attribution.h"
#include "datatype/timestamp.h"
#include "intern.h"

/* The touches of the current user, in (time, channel) order */
typedef struct CqAttrTouches
{
	TimestampTz *t;
	uint32	   *ch;
	int			n;
	int			cap;
} CqAttrTouches;

/* What the scan sums */
typedef struct CqAttrTotals
{
	CqInterner	channels;
	bool	   *direct;			/* per channel: it is 'direct' */
	double	   *conversions;	/* per channel */
	double	   *value;
	uint32		cap;
	double		unattributed;
	double		unattributed_value;
	/* scratch for one conversion */
	int64	   *age;
	bool	   *is_direct;
	double	   *credit;
	int			capscratch;
} CqAttrTotals;

/* The number of channel p (len bytes), with room in the per-channel sums */
extern uint32 cq_attr_channel(CqAttrTotals *tot, const char *p, int len);
/* Append a touch of the current user (times in ascending order) */
extern void cq_attr_add_touch(CqAttrTouches *ut, TimestampTz t, uint32 ch);
/* Credit one conversion at t to the touches of ut in [t - lookback, t] */
extern void cq_attr_credit_conversion(CqAttrTotals *tot, const CqAttrTouches *ut, TimestampTz t,
									  bool has_value, double v, CqAttrModel model,
									  const Interval *lookback, double half_life_us);

/* The model named by a text argument, lookback and half_life checked (errors) */
extern CqAttrModel cq_attr_check_args(text *model, const Interval *lookback,
									  const Interval *half_life, double *half_life_us);

#endif							/* CQ_ATTRIBUTION_CREDIT_H */
