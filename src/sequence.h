/*-------------------------------------------------------------------------
 *
 * sequence.h
 *	  Sequence patterns (README "Sequence patterns"): ClickHouse's
 *	  sequenceMatch, sequenceCount and sequenceMatchEvents with their pattern
 *	  language, over the rows of a funnel state.
 *
 * Files, by role:
 *	  sequence_pattern.c	the pattern parser and the three matchers,
 *							PostgreSQL-free (the libFuzzer harness
 *							test/fuzz/fuzz_sequence.c links it as is)
 *	  sequence.c			SQL entry points: the accessors over a
 *							cq.funnel_state and the aggregates over rows
 *	  sequence.sql			the SQL objects
 *
 * The language: (?N) an event satisfying condition N (1 .. 32); . any one
 * event; .* any number of events; (?t op S) with op one of <= < >= > == and
 * S whole seconds: a time condition between the event matched before it
 * and the one matched after it, any number of events between them.  Only
 * rows satisfying at least one condition are events (as in ClickHouse);
 * they are read in (time, conditions) order.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_SEQUENCE_H
#define CQ_SEQUENCE_H

#include "codec.h"
#include "funnel_codec.h"

/* Longest pattern, in actions (a leading .* included) */
#define CQ_SEQ_MAX_ACTIONS		128
/* Backtracking steps allowed for one match, as ClickHouse allows */
#define CQ_SEQ_MAX_ITERATIONS	1000000

typedef enum CqSeqActionType
{
	CQ_SEQ_EVENT,				/* (?N): extra = condition bit (0-based) */
	CQ_SEQ_ANY,					/* . */
	CQ_SEQ_STAR,				/* .* */
	CQ_SEQ_TIME_LE,				/* (?t<=S): extra = S * 1e6 (saturated) */
	CQ_SEQ_TIME_LT,
	CQ_SEQ_TIME_GE,
	CQ_SEQ_TIME_GT,
	CQ_SEQ_TIME_EQ
} CqSeqActionType;

typedef struct CqSeqAction
{
	CqSeqActionType type;
	uint64_t	extra;
} CqSeqAction;

/* A parsed pattern (no allocation: fixed arrays) */
typedef struct CqSeqPattern
{
	int			nactions;
	CqSeqAction actions[CQ_SEQ_MAX_ACTIONS];
	bool		has_time;
	uint32_t	conditions;		/* the conditions the pattern names */
} CqSeqPattern;

/* Why a match gave up (the caller raises it) */
typedef enum CqSeqStatus
{
	CQ_SEQ_DONE = 0,
	CQ_SEQ_TOO_HARD				/* over CQ_SEQ_MAX_ITERATIONS steps */
} CqSeqStatus;

/* Called every few thousand steps (the server: CHECK_FOR_INTERRUPTS) */
typedef void (*CqSeqTick) (void);

/*
 * Parse pattern[0 .. len) for nconds conditions (1 .. 32): true, or false
 * with the refusal in *e (message with the position, detail, hint).
 */
extern bool cq_seq_parse(const char *pattern, size_t len, int nconds, CqSeqPattern *p,
						 CqCodecError *e);

/*
 * The events (rows with at least one condition) of rows[0 .. n), sorted by
 * (ts, mask), in order: ev must have room for n; returns their count.
 */
extern int32_t cq_seq_events(const CqFunnelEvent *rows, int32_t n, CqFunnelEvent *ev);

/* sequenceMatch over events ev[0 .. n): *matched */
extern CqSeqStatus cq_seq_match(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n,
								CqSeqTick tick, bool *matched);

/* sequenceCount: non-overlapping matches, each searched after the one before */
extern CqSeqStatus cq_seq_count(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n,
								CqSeqTick tick, int64_t *count);

/*
 * sequenceMatchEvents: the indexes of the events the (?N) of the first match
 * matched, or, without a match, of the longest chain of (?N) matched on the
 * way (the first such); out has room for CQ_SEQ_MAX_ACTIONS.
 */
extern CqSeqStatus cq_seq_match_events(const CqSeqPattern *p, const CqFunnelEvent *ev,
									   int32_t n, CqSeqTick tick, int32_t *out, int *nout);

#endif							/* CQ_SEQUENCE_H */
