/*-------------------------------------------------------------------------
 *
 * rank.h
 *	  The rank capability: exact rank measures over a storable sample
 *	  (type cq.rank_sample; aggregates cq.rank_sample, cq.rank_rollup,
 *	  cq.rank_correlation and cq.auc; accessors), and cq.rank_events, which
 *	  ranks every event of an event table by how well it predicts the
 *	  revenue that follows.
 *
 * Files, by role:
 *	  rank.c			SQL entry points of cq.rank_sample and its measures
 *	  rank_codec.c		the sample's text and binary forms (PostgreSQL-free, rank_codec.h)
 *	  rank_events.c		the SPI driver of cq.rank_events: checks, one query, one pass
 *	  rank_accum.c		the per-user accumulator it feeds (PostgreSQL-free, rank_accum.h)
 *	  rank.sql			the SQL objects (cq.rank_events' statistics are plain SQL there)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_RANK_H
#define CQ_RANK_H

#include "postgres.h"

#include "rank_codec.h"

/*
 * The sample.  The allocation may hold more pairs than count: its capacity
 * is (VARSIZE - header) / sizeof(CqRankPair).  Output functions write only
 * the first count pairs; the aggregates' final functions compact it.
 */
typedef struct RankSample
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* CQ_RANK_VERSION (in memory too) */
	int64		count;			/* pairs in use */
	CqRankPair	pairs[FLEXIBLE_ARRAY_MEMBER];
} RankSample;

#define RANK_HEADER			offsetof(RankSample, pairs)
#define RANK_CAPACITY(s)	((int64) ((VARSIZE(s) - RANK_HEADER) / sizeof(CqRankPair)))

#endif							/* CQ_RANK_H */
