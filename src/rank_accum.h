/*-------------------------------------------------------------------------
 *
 * rank_accum.h
 *	  The per-user accumulator behind cq.rank_events, free of PostgreSQL:
 *	  fed one user's rows at a time, in time order, it builds for every
 *	  event name and frequency threshold the cq.event_signal summary of
 *	  outcome revenue under a landmark design, with the figures around it.
 *
 * The design (README, "Ranking events"), for each user:
 *
 *	 entry E: the user's first event (or first entry event, when named);
 *	 landmark L = E + within; outcome end O = L + horizon;
 *
 *	   E ---- exposure [E, L] ---- L ---- outcome (L, O] ---- O
 *
 *	 exposure to event e at threshold k: e occurs at least k times in
 *	 [E, L]; outcome: the user's revenue in (L, O].  A user is included
 *	 only if O <= observed_until, a rule that depends on no event; the
 *	 others are censored.  Revenue at or before L is no outcome for anybody.
 *
 * So every included user has one outcome, and the summary of an event at a
 * threshold compares the exposed users (group 1) with all other included
 * users (group 0).  Group 1 is added user by user; group 0 is the included
 * users' totals minus group 1, with sums held in 113-bit floating point
 * (__float128) so the subtraction loses nothing a double would keep: the
 * work at the end is one step per event and threshold, however many users
 * there are, and no user's rows are read more than once.
 *
 * The server's driver (rank_events.c) runs the query and decides where one
 * user's rows end; test/unit/rank_accum_driver.c feeds the same code from a
 * file, for the Python reference (test/check_rank_accum.py).  What the code
 * needs from its host it gets through CqRankEnv: memory, interval
 * arithmetic (calendar-aware in the server, following the session's time
 * zone), a sort, and a check for cancellation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_RANK_ACCUM_H
#define CQ_RANK_ACCUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signal_codec.h"

/* At most this many frequency thresholds */
#define CQ_RANK_MAX_THRESHOLDS		32

/* What the host provides */
typedef struct CqRankEnv
{
	/* allocate or grow (ptr NULL: allocate); never returns NULL */
	void	   *(*alloc) (void *host, void *ptr, size_t size);
	/* t + within (which 0) or t + horizon (which 1); INT64_MAX past the end of time */
	int64_t		(*add) (void *host, int64_t t, int which);
	/* sort n int64_t ascending (may check for interrupts) */
	void		(*sort) (void *host, int64_t *v, size_t n);
	/* called once per user and per event name at the end; may not return */
	void		(*check_interrupts) (void *host);
	void	   *host;
} CqRankEnv;

/* How the accumulator reads the rows */
typedef struct CqRankOptions
{
	int64_t		observed_until; /* included users: outcome end <= this */
	int			nthresholds;	/* 1 .. CQ_RANK_MAX_THRESHOLDS */
	int32_t		thresholds[CQ_RANK_MAX_THRESHOLDS]; /* ascending, distinct, >= 1 */
	bool		named_entry;	/* entry events marked by cq_rank_accum_entry_event */
} CqRankOptions;

typedef enum CqRankStatus
{
	CQ_RANK_OK,
	CQ_RANK_UNORDERED,			/* a user's rows went back in time */
	CQ_RANK_TOO_LARGE,			/* an array would exceed the size limit */
	CQ_RANK_OVERFLOW			/* a summary's moments left double's range */
} CqRankStatus;

/* What the whole population looked like, once cq_rank_accum_finish has run */
typedef struct CqRankTotals
{
	int64_t		users;			/* users with an entry event */
	int64_t		included;		/* ... whose outcome window is fully observed */
	int64_t		censored;		/* ... whose outcome window is not */
	int64_t		no_entry;		/* users with rows but no entry event */
	int64_t		rows_skipped;	/* rows at +-infinity or with a non-finite revenue */
	bool		has_first;		/* some row has been read */
	int64_t		first_time;		/* the earliest time of an event row */
} CqRankTotals;

/* The figures of one event name at one threshold */
typedef struct CqRankEventResult
{
	const char *name;			/* not NUL-terminated */
	int			namelen;
	bool		seen;			/* some row of it was read (an entry event may have none) */
	int32_t		threshold;
	int64_t		occurrences;	/* rows of the event up to observed_until, copies left out */
	int64_t		duplicates;		/* copies of its rows left out, up to observed_until */
	bool		carries;		/* some of its rows carry revenue */
	CqSignal	signal;			/* group 1: exposed included users; group 0: the others */
	double		revenue_before; /* revenue at or before the landmark, group 1 */
	bool		has_lead;		/* some user of group 1 had revenue > 0 in the outcome */
	int64_t		median_lead;	/* first occurrence in [E, L] -> first revenue > 0, us */
	bool		has_latency;	/* some included user did the event in [E, O] */
	int64_t		median_latency; /* E -> first occurrence in [E, O], us */
} CqRankEventResult;

typedef struct CqRankAccum CqRankAccum;

extern CqRankAccum *cq_rank_accum_create(const CqRankEnv *env, const CqRankOptions *opt,
										 size_t max_array_bytes);
extern CqRankStatus cq_rank_accum_entry_event(CqRankAccum *ra, const char *event,
											  int eventlen);
extern CqRankStatus cq_rank_accum_row(CqRankAccum *ra, int64_t t, const char *event,
									  int eventlen, bool duplicate, bool has_revenue,
									  double revenue);
extern CqRankStatus cq_rank_accum_end_user(CqRankAccum *ra);
extern CqRankStatus cq_rank_accum_finish(CqRankAccum *ra);
extern void cq_rank_accum_totals(const CqRankAccum *ra, CqRankTotals *out);
extern int	cq_rank_accum_nevents(const CqRankAccum *ra);
extern void cq_rank_accum_event(const CqRankAccum *ra, int i, int j, CqRankEventResult *out);

#endif							/* CQ_RANK_ACCUM_H */
