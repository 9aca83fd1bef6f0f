/*-------------------------------------------------------------------------
 *
 * utf8_core.h
 *	  PostgreSQL-free UTF-8 primitives shared by the identifier normalizers
 *	  and the key encoders: character length, Unicode whitespace, trimming
 *	  and Unicode lowercasing into caller-provided buffers.
 *
 * Nothing declared here allocates memory or raises errors: every function
 * works on buffers its caller owns and reports failure through its return
 * value.  This is what lets the same code be linked into the server module
 * and into the libFuzzer harnesses under test/fuzz/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_UTF8_CORE_H
#define CQ_UTF8_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Outcome of a normalization or conversion step */
typedef enum CqTextStatus
{
	CQ_TEXT_OK,					/* the result is in the output buffer */
	CQ_TEXT_NULL,				/* the value is unusable: the SQL result is NULL */
	CQ_TEXT_BAD_UTF8,			/* ICU could not read the input as UTF-8 */
	CQ_TEXT_LOWER_FAILED,		/* ICU could not lowercase the string */
	CQ_TEXT_NEED_SPACE,			/* the output buffer is too small: see CqTextBuf */
	CQ_TEXT_UNSUPPORTED			/* the caller asked for something this core does not do */
} CqTextStatus;

/*
 * The output buffer a caller lends to a normalizer.  Lend cq_lower_outcap()
 * bytes first; the normalizer writes a NUL-terminated result to out, or
 * returns CQ_TEXT_NEED_SPACE with the bytes it needs in `need` (the caller
 * grows out to that size and calls again).  On an ICU failure, icu_error
 * holds ICU's UErrorCode for the message.
 */
typedef struct CqTextBuf
{
	char	   *out;
	size_t		outcap;			/* bytes */
	size_t		need;			/* CQ_TEXT_NEED_SPACE: bytes out must have */
	int			icu_error;
} CqTextBuf;

extern int	cq_utf8_mblen(const unsigned char *s);
extern int	cq_utf8_space_len(const char *s, int len);
extern void cq_utf8_trim(const char **s, int *len);
extern bool cq_utf8_has_space(const char *s, int len);
extern bool cq_utf8_is_ascii(const char *s, int len);
extern size_t cq_lower_outcap(const char *s, int len);
extern CqTextStatus cq_utf8_lower(const char *s, int len, CqTextBuf *buf, int *outlen);

#endif							/* CQ_UTF8_CORE_H */
