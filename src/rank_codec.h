/*-------------------------------------------------------------------------
 *
 * rank_codec.h
 *	  The format of cq.rank_sample: its constants, a pair's layout, and the
 *	  PostgreSQL-free encoders and decoders of its text and binary forms.
 *
 * A rank sample is the list of (x, y) pairs an exact rank measure needs.
 *
 *	 text (version 1):	v1:<count>:x,y;x,y;...	floats in shortest exact
 *						form, infinities as Infinity / -Infinity, never NaN
 *	 binary:			the byte 1, the count as int8, then the pairs as
 *						float8, network byte order
 *
 * Decoding takes two calls, as the server allocates in between: the count
 * (bounded by the input's length), then the pairs into room for exactly
 * that count.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_RANK_CODEC_H
#define CQ_RANK_CODEC_H

#include "codec.h"

#define CQ_RANK_VERSION				1

/*
 * Largest pair count of a sample: 16-byte pairs after a 16-byte header stay
 * under PostgreSQL's 1 GB allocation limit.
 */
#define CQ_RANK_MAX_PAIRS			((int64_t) ((0x3fffffff - 16) / 16))

typedef struct CqRankPair
{
	double		x;
	double		y;
} CqRankPair;

extern bool cq_rank_text_header(const char *str, int64_t *count, size_t *pos,
								CqCodecError *e);
/*
 * Pairs [from, to) of count, read from str + *pos, which advances past them:
 * a large value is read in pieces (from = the pairs read so far).  The last
 * piece (to == count) also checks that nothing follows.
 */
extern bool cq_rank_text_pairs(const char *str, size_t *pos, int64_t count,
							   CqRankPair *pairs, int64_t from, int64_t to,
							   CqCodecError *e);
extern bool cq_rank_binary_header(const uint8_t *data, size_t len, int64_t *count,
								  CqCodecError *e);
extern bool cq_rank_binary_pairs(const uint8_t *data, size_t len, int64_t count,
								 CqRankPair *pairs, CqCodecError *e);
/*
 * Encoders.  The text form can be written in pieces, as the funnel state's
 * (funnel_codec.h): the header, then pairs [from, to) in order, each call
 * NUL-terminating what it wrote and returning its length; at most the _MAX
 * bytes below per piece, plus the NUL.  cq_rank_to_text writes it all into
 * cq_rank_text_size() bytes (NUL included).
 */
#define CQ_RANK_TEXT_HEADER_MAX		32	/* "v1:<int64>:" */
#define CQ_RANK_TEXT_PAIR_MAX		(2 * CQ_DOUBLE_TEXT_MAX + 2)	/* ";<x>,<y>" */
extern size_t cq_rank_put_text_header(int64_t count, char *out);
extern size_t cq_rank_put_text_pairs(const CqRankPair *pairs, int64_t from, int64_t to,
									 char *out);
extern size_t cq_rank_text_size(int64_t count);
extern size_t cq_rank_to_text(const CqRankPair *pairs, int64_t count, char *out);
extern size_t cq_rank_binary_size(int64_t count);
extern void cq_rank_to_binary(const CqRankPair *pairs, int64_t count, uint8_t *out);

#endif							/* CQ_RANK_CODEC_H */
