/*-------------------------------------------------------------------------
 *
 * state_codec.h
 *	  The PostgreSQL-free encoders and decoders of the stored states:
 *	  cq.funnel_state, cq.event_signal and cq.rank_sample, text and binary.
 *
 * The fmgr functions (funnel_state.c, signal_quality.c, rank_measures.c)
 * call these and turn a failure into ereport; the libFuzzer harnesses
 * (test/fuzz/fuzz_funnel_state.c, fuzz_event_signal.c, fuzz_rank_sample.c)
 * call the very same functions.  Nothing here allocates: decoders that
 * need room read a header first (the count, bounded by the input's
 * length), the caller allocates, and a second call fills the room.  A
 * decoder returns true, or false with a CqCodecError saying which rule
 * failed; the server builds its message (and SQLSTATE) from it.
 *
 * Text encoders write floats in PostgreSQL's shortest exact form
 * (double_to_shortest_decimal_bufn of src/common, in the server and in
 * libpgcommon.a for the harnesses).  Binary forms are in network byte
 * order.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_STATE_CODEC_H
#define CQ_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a decoder refused its input (CqCodecError.code) */
typedef enum CqCodecCode
{
	CQ_CODEC_OK = 0,
	/* shared */
	CQ_CODEC_SYNTAX,			/* text syntax; detail says what */
	CQ_CODEC_VERSION,			/* unsupported format version a */
	CQ_CODEC_INVALID,			/* invariant broken; detail says which */
	CQ_CODEC_LENGTH,			/* binary length a (or count a for b bytes) is wrong */
	CQ_CODEC_TRUNCATED,			/* binary: a bytes needed, b present */
	/* cq.funnel_state */
	CQ_FUNNEL_EXPECTED_INT,		/* detail: what was expected */
	CQ_FUNNEL_EXPECTED_LIT,		/* detail: the literal expected */
	CQ_FUNNEL_STEPS,			/* invalid step count a */
	CQ_FUNNEL_COUNT,			/* invalid event count a */
	CQ_FUNNEL_PARAMS,			/* invalid window or mode */
	CQ_FUNNEL_REENTRY,			/* allow_reentry without strict_order */
	CQ_FUNNEL_FEWER,			/* text announces a events but has fewer */
	CQ_FUNNEL_EVENT_TIME,		/* event a has an invalid time */
	CQ_FUNNEL_EVENT_STEP,		/* event a names a step beyond b */
	CQ_FUNNEL_EVENT_ORDER,		/* events not canonical at event a */
	CQ_FUNNEL_TRAILING,			/* text after the last of a events */
	CQ_FUNNEL_TRUNCATED,		/* binary: a more bytes expected, b left */
	CQ_FUNNEL_PARAM_FLAG,		/* binary: parameter flag a */
	CQ_FUNNEL_EVENT_BYTES		/* binary: a events announced, b bytes */
} CqCodecCode;

typedef struct CqCodecError
{
	CqCodecCode code;
	int64_t		a;
	int64_t		b;
	const char *detail;			/* static text, or NULL */
} CqCodecError;

/* Shortest exact decimal of a double (src/common/d2s.c), no NUL added */
#define CQ_DOUBLE_TEXT_MAX		25

/* ------------------------------------------------------------------------
 * cq.funnel_state (layout of one event matches FunnelEvent in funnel.h)
 * ------------------------------------------------------------------------
 */
#define CQ_FUNNEL_CODEC_VERSION		1
#define CQ_FUNNEL_CODEC_MAX_STEPS	32
#define CQ_FUNNEL_CODEC_ALL_MODES	0x1f
#define CQ_FUNNEL_CODEC_STRICT_ORDER	0x02
#define CQ_FUNNEL_CODEC_ALLOW_REENTRY	0x10
/* FUNNEL_MAX_EVENTS: (MaxAllocSize - header of 32 bytes) / 16 */
#define CQ_FUNNEL_CODEC_MAX_EVENTS	((int32_t) ((0x3fffffff - 32) / 16))
/* timestamptz's range (datatype/timestamp.h) */
#define CQ_CODEC_MIN_TIMESTAMP		INT64_C(-211813488000000000)
#define CQ_CODEC_END_TIMESTAMP		INT64_C(9223371331200000000)

typedef struct CqFunnelEvent
{
	int64_t		ts;
	uint32_t	mask;
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

/* Text: header (to *pos), then the events into room for h->count */
extern bool cq_funnel_text_header(const char *input, CqFunnelHeader *h,
								  size_t *pos, CqCodecError *e);
extern bool cq_funnel_text_events(const char *input, size_t pos,
								  const CqFunnelHeader *h, CqFunnelEvent *ev,
								  CqCodecError *e);
/* Binary: the same two steps over len bytes */
extern bool cq_funnel_binary_header(const uint8_t *data, size_t len,
									CqFunnelHeader *h, size_t *pos,
									CqCodecError *e);
extern bool cq_funnel_binary_events(const uint8_t *data, size_t len, size_t pos,
									const CqFunnelHeader *h, CqFunnelEvent *ev,
									CqCodecError *e);
/* Encoders of a canonical state; sizes include the text's NUL */
extern size_t cq_funnel_text_size(const CqFunnelHeader *h);
extern size_t cq_funnel_to_text(const CqFunnelHeader *h, const CqFunnelEvent *ev,
								char *out);
extern size_t cq_funnel_binary_size(const CqFunnelHeader *h);
extern size_t cq_funnel_to_binary(const CqFunnelHeader *h, const CqFunnelEvent *ev,
								  uint8_t *out);

/* ------------------------------------------------------------------------
 * cq.event_signal (layout matches EventSignal in signal_quality.h)
 * ------------------------------------------------------------------------
 */
#define CQ_SIGNAL_CODEC_VERSION		1
#define CQ_SIGNAL_BINARY_SIZE		(1 + 2 * 6 * 8)
#define CQ_SIGNAL_TEXT_MAX			(4 + 2 * (2 * 21 + 4 * (CQ_DOUBLE_TEXT_MAX + 1)) + 1)

typedef struct CqSignalGroup
{
	int64_t		n;
	int64_t		pos;
	double		sx;
	double		sxx;
	double		lsx;
	double		lsxx;
} CqSignalGroup;

typedef struct CqSignal
{
	CqSignalGroup g[2];
} CqSignal;

extern const char *cq_signal_group_problem(const CqSignalGroup *g);
extern bool cq_signal_from_text(const char *str, CqSignal *s, CqCodecError *e);
extern bool cq_signal_from_binary(const uint8_t *data, size_t len, CqSignal *s,
								  CqCodecError *e);
extern size_t cq_signal_to_text(const CqSignal *s, char *out);
extern void cq_signal_to_binary(const CqSignal *s, uint8_t *out);

/* ------------------------------------------------------------------------
 * cq.rank_sample (a pair matches RankPair in rank_measures.c)
 * ------------------------------------------------------------------------
 */
#define CQ_RANK_CODEC_VERSION		1
/* RANK_MAX_PAIRS: (MaxAllocSize - header of 16 bytes) / 16 */
#define CQ_RANK_CODEC_MAX_PAIRS		((int64_t) ((0x3fffffff - 16) / 16))

typedef struct CqRankPair
{
	double		x;
	double		y;
} CqRankPair;

extern bool cq_rank_text_header(const char *str, int64_t *count, size_t *pos,
								CqCodecError *e);
extern bool cq_rank_text_pairs(const char *str, size_t pos, int64_t count,
							   CqRankPair *pairs, CqCodecError *e);
extern bool cq_rank_binary_header(const uint8_t *data, size_t len, int64_t *count,
								  CqCodecError *e);
extern bool cq_rank_binary_pairs(const uint8_t *data, size_t len, int64_t count,
								 CqRankPair *pairs, CqCodecError *e);
extern size_t cq_rank_text_size(int64_t count);
extern size_t cq_rank_to_text(const CqRankPair *pairs, int64_t count, char *out);
extern size_t cq_rank_binary_size(int64_t count);
extern void cq_rank_to_binary(const CqRankPair *pairs, int64_t count, uint8_t *out);

#endif							/* CQ_STATE_CODEC_H */
