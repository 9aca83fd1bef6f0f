/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  What the PostgreSQL-free codecs of the stored states share: the way a
 *	  decoder reports a refusal, network byte order, and exact doubles.
 *
 * Each stored type has its own codec (funnel_codec.h, signal_codec.h,
 * rank_codec.h), which is the single source of that type's format
 * constants.  A codec never allocates and never calls PostgreSQL, so the
 * libFuzzer harnesses under test/fuzz/ link exactly the code the server
 * runs.  A decoder returns true, or false with a CqCodecError that says
 * which rule failed (code, for the harnesses) and carries the finished
 * message, detail and hint; the server raises it through one function,
 * cq_codec_raise() (conversion_quality.c), with SQLSTATE 22P02 for text and
 * 22P03 for binary input.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_CODEC_H
#define CQ_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Why a decoder refused its input (CqCodecError.code).  The harnesses use
 * these to check that text input never fails a binary-only rule and the
 * reverse; the server only reads the messages.
 */
typedef enum CqCodecCode
{
	CQ_CODEC_OK = 0,
	CQ_CODEC_SYNTAX,			/* text form: malformed */
	CQ_CODEC_BINARY,			/* binary form: a length, count or flag that
								 * does not fit */
	CQ_CODEC_VERSION,			/* unsupported format version */
	CQ_CODEC_INVALID			/* well-formed, but an invariant is broken */
} CqCodecCode;

typedef struct CqCodecError
{
	CqCodecCode code;
	bool		quote_input;	/* the message is followed by the text input */
	char		message[160];	/* lower case, no final period */
	char		detail[256];	/* a full sentence */
	const char *hint;			/* a full sentence (static) */
} CqCodecError;

/*
 * Record a refusal and return false.  fmt holds the message, a newline, and
 * the detail; both are formatted with the same arguments.  With quote_input
 * the server appends the (clipped) text input to the message, as
 * PostgreSQL's "invalid input syntax for type x: "..."" does.
 */
extern bool cq_codec_fail(CqCodecError *e, CqCodecCode code, bool quote_input,
						  const char *hint, const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

/* strtod for a finite value (subnormals accepted); false: none, or overflow */
extern bool cq_codec_read_double(const char *s, double *v, const char **end);

/* Shortest exact decimal of a double (src/common/d2s.c), no NUL added */
#define CQ_DOUBLE_TEXT_MAX		25
extern int	double_to_shortest_decimal_bufn(double f, char *result);

/* Big-endian (network order) reads and writes */
static inline uint32_t
cq_get_u32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline uint64_t
cq_get_u64(const uint8_t *p)
{
	return ((uint64_t) cq_get_u32(p) << 32) | cq_get_u32(p + 4);
}

static inline double
cq_get_f64(const uint8_t *p)
{
	uint64_t	u = cq_get_u64(p);
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static inline uint8_t *
cq_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
	return p + 4;
}

static inline uint8_t *
cq_put_u64(uint8_t *p, uint64_t v)
{
	return cq_put_u32(cq_put_u32(p, (uint32_t) (v >> 32)), (uint32_t) v);
}

static inline uint8_t *
cq_put_f64(uint8_t *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return cq_put_u64(p, u);
}

#endif							/* CQ_CODEC_H */
