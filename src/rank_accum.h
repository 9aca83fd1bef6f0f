/*-------------------------------------------------------------------------
 *
 * rank_accum.h
 *	  The per-user accumulator behind cq.rank_events, free of PostgreSQL:
 *	  fed one user's rows at a time, in time order, it builds for every
 *	  event name the cq.event_signal summary of window revenue, the censored
 *	  users, the occurrences, and the lead times to the first revenue.
 *
 * The definition (README, "Ranking events"): for each event, a user who did
 * it is measured on the revenue in (first occurrence, first occurrence +
 * horizon]; a user who did not, on (first event of any kind, + horizon].  A
 * window ending after observed_until censors the user for that event.
 * Users without an event are added at the end from a per-user baseline (the
 * window end and revenue from the first event: 16 bytes per user) and the
 * list of the users with each event (4 bytes per user and event), because an
 * event name can first appear after many users have been seen.
 *
 * The server's driver (rank_events.c) runs the query and decides where one
 * user's rows end; test/rank_accum_driver.c feeds the same code from a file,
 * for the Python reference (test/check_rank_accum.py).  What the code needs
 * from its host it gets through CqRankEnv: memory, the end of a window
 * (calendar arithmetic follows the session's time zone in the server), and
 * a check for cancellation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_RANK_ACCUM_H
#define CQ_RANK_ACCUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signal_codec.h"

/* What the host provides */
typedef struct CqRankEnv
{
	/* allocate or grow (ptr NULL: allocate); never returns NULL */
	void	   *(*alloc) (void *host, void *ptr, size_t size);
	/* anchor + horizon; INT64_MAX when it overflows ("never ends") */
	int64_t		(*window_end) (void *host, int64_t anchor);
	/* called once per user and per event name at the end; may not return */
	void		(*check_interrupts) (void *host);
	void	   *host;
} CqRankEnv;

typedef enum CqRankStatus
{
	CQ_RANK_OK,
	CQ_RANK_NOT_FINITE,			/* a revenue value is NaN or infinite */
	CQ_RANK_UNORDERED,			/* a user's rows went back in time */
	CQ_RANK_TOO_MANY_USERS,		/* more than INT32_MAX users */
	CQ_RANK_TOO_LARGE,			/* an array would exceed the size limit */
	CQ_RANK_OVERFLOW			/* a summary's moments overflowed */
} CqRankStatus;

/* The figures of one event name, once cq_rank_accum_finish has run */
typedef struct CqRankEventResult
{
	const char *name;			/* not NUL-terminated */
	int			namelen;
	int64_t		occurrences;	/* rows of the event */
	bool		carries;		/* some of its rows carry revenue */
	int64_t		censored;		/* users whose window is not fully observed */
	CqSignal	signal;			/* group 1: users with it; group 0: without */
	bool		has_lead;		/* some user with it had revenue in the window */
	int64_t		median_lead;	/* percentile_cont(0.5) of the lead times, us */
} CqRankEventResult;

typedef struct CqRankAccum CqRankAccum;

extern CqRankAccum *cq_rank_accum_create(const CqRankEnv *env, int64_t observed_until,
										 size_t max_array_bytes);
extern CqRankStatus cq_rank_accum_row(CqRankAccum *ra, int64_t t, const char *event,
									  int eventlen, bool has_revenue, double revenue);
extern CqRankStatus cq_rank_accum_end_user(CqRankAccum *ra);
extern CqRankStatus cq_rank_accum_finish(CqRankAccum *ra);
extern int	cq_rank_accum_nevents(const CqRankAccum *ra);
extern void cq_rank_accum_event(const CqRankAccum *ra, int i, CqRankEventResult *out);
extern bool cq_rank_accum_first_time(const CqRankAccum *ra, int64_t *first);

#endif							/* CQ_RANK_ACCUM_H */
