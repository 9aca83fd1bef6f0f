/*-------------------------------------------------------------------------
 *
 * funnel_codec.h
 *	  The format of cq.funnel_state: its constants, its event layout, and
 *	  the PostgreSQL-free encoders and decoders of its text and binary forms.
 *
 * This header is the single source of the format's constants; funnel.h
 * builds the in-memory state on them.  Both external forms are canonical:
 * events sorted by (ts, mask) with masks compared as unsigned, and a row
 * satisfying no step (mask 0) at most once per time.
 *
 *	 text:	 v1 steps=<n> params=<- | window_us/mode> events=<count>[ <ts>:<mask>,...]
 *	 binary: uint8 version, uint8 steps, uint8 has_params,
 *			 [int64 window_us, uint32 mode], int32 count,
 *			 count x (int64 ts, uint32 mask)			(network byte order)
 *
 * ts is microseconds since 2000-01-01 00:00 UTC (timestamptz's
 * representation, +-infinity included), mask has bit k-1 set for step k.
 *
 * Decoding takes two calls, as the server allocates in between: the header
 * (whose count is bounded by the input's length), then the events into room
 * for exactly that count.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_FUNNEL_CODEC_H
#define CQ_FUNNEL_CODEC_H

#include "codec.h"

/* Format version of cq.funnel_state (text, binary and on-disk forms) */
#define CQ_FUNNEL_VERSION			1

/* ClickHouse's limit, kept: a step set fits in a uint32 */
#define CQ_FUNNEL_MAX_STEPS			32

/* Mode flags (cq.window_funnel's mode argument, kept in the state) */
#define CQ_FUNNEL_STRICT_DEDUPLICATION	0x01
#define CQ_FUNNEL_STRICT_ORDER		0x02
#define CQ_FUNNEL_STRICT_INCREASE	0x04
#define CQ_FUNNEL_STRICT_ONCE		0x08
#define CQ_FUNNEL_ALLOW_REENTRY		0x10
#define CQ_FUNNEL_ALL_MODES			0x1f

/*
 * Largest event count of a state: 16-byte events after a 32-byte header
 * stay under PostgreSQL's 1 GB allocation limit.
 */
#define CQ_FUNNEL_MAX_EVENTS		((int32_t) ((0x3fffffff - 32) / 16))

/* timestamptz's finite range (PostgreSQL's MIN_TIMESTAMP, END_TIMESTAMP) */
#define CQ_FUNNEL_MIN_TIMESTAMP		INT64_C(-211813488000000000)
#define CQ_FUNNEL_END_TIMESTAMP		INT64_C(9223371331200000000)

/* One row of a state: its time and the steps it satisfies (16 bytes) */
typedef struct CqFunnelEvent
{
	int64_t		ts;				/* microseconds, timestamptz representation */
	uint32_t	mask;			/* bit k-1 set: the row satisfies step k */
	uint32_t	reserved;		/* always 0 */
} CqFunnelEvent;

typedef struct CqFunnelHeader
{
	int			version;
	int			nsteps;
	bool		has_params;
	int64_t		window;
	uint32_t	mode;
	int32_t		count;
} CqFunnelHeader;

/* Is a stored window and mode one the mode parser can produce? */
extern bool cq_funnel_check_params(int64_t window, int64_t mode, CqCodecError *e);

/* Text: header (to *pos), then the events into room for h->count */
extern bool cq_funnel_text_header(const char *input, CqFunnelHeader *h,
								  size_t *pos, CqCodecError *e);
/*
 * Events [from, to) of h->count, read from input + *pos, which advances past
 * them: a large state is read in pieces (from = the events read so far).
 * The last piece (to == h->count) also checks that nothing follows.
 */
extern bool cq_funnel_text_events(const char *input, size_t *pos,
								  const CqFunnelHeader *h, CqFunnelEvent *ev,
								  int32_t from, int32_t to, CqCodecError *e);
/* Binary: the same two steps over len bytes */
extern bool cq_funnel_binary_header(const uint8_t *data, size_t len,
									CqFunnelHeader *h, size_t *pos,
									CqCodecError *e);
extern bool cq_funnel_binary_events(const uint8_t *data, size_t len, size_t pos,
									const CqFunnelHeader *h, CqFunnelEvent *ev,
									CqCodecError *e);
/*
 * Encoders of a canonical state.  The text form can be written in pieces (a
 * large state is written as it goes, not into one worst-case buffer): the
 * header, then events [from, to) in order, each call NUL-terminating what it
 * wrote and returning its length; at most the _MAX bytes below per piece,
 * plus the NUL.  cq_funnel_to_text writes it all into cq_funnel_text_size()
 * bytes (NUL included).
 */
#define CQ_FUNNEL_TEXT_HEADER_MAX	96	/* "v1 steps=32 params=<int64>/<uint32> events=<int32>" */
#define CQ_FUNNEL_TEXT_EVENT_MAX	32	/* ",<int64>:<uint32>" */
extern size_t cq_funnel_put_text_header(const CqFunnelHeader *h, char *out);
extern size_t cq_funnel_put_text_events(const CqFunnelEvent *ev, int32_t from, int32_t to,
										char *out);
extern size_t cq_funnel_text_size(const CqFunnelHeader *h);
extern size_t cq_funnel_to_text(const CqFunnelHeader *h, const CqFunnelEvent *ev,
								char *out);
extern size_t cq_funnel_binary_size(const CqFunnelHeader *h);
extern size_t cq_funnel_to_binary(const CqFunnelHeader *h, const CqFunnelEvent *ev,
								  uint8_t *out);

#endif							/* CQ_FUNNEL_CODEC_H */
