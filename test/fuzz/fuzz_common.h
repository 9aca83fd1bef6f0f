/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  Shared helpers of the libFuzzer harnesses: a strict UTF-8 validator
 *	  written independently of src/utf8_core.c, exactly-sized heap buffers
 *	  for the cores (so AddressSanitizer sees any write past them), and an
 *	  invariant check that aborts with a message libFuzzer records.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_FUZZ_COMMON_H
#define CQ_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8_core.h"

/* Abort (a libFuzzer crash, input saved) when an invariant does not hold */
#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "invariant failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/*
 * Is s (len bytes) well-formed UTF-8 per RFC 3629: shortest form, no
 * surrogates, nothing above U+10FFFF?
 */
static inline bool
fuzz_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = u[i];
		size_t		n;
		uint32_t	cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		else if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++)
		{
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * The output buffer of a normalizer core.  shrink > 0 lends that many bytes
 * first instead of what the server lends (cq_lower_outcap), so that the
 * harnesses drive the CQ_TEXT_NEED_SPACE path too.
 */
static inline void
fuzz_text_buf_init(CqTextBuf *buf, const char *s, int len, size_t shrink)
{
	buf->outcap = shrink > 0 ? shrink : cq_lower_outcap(s, len);
	buf->out = malloc(buf->outcap);
	buf->need = 0;
	buf->icu_error = 0;
	if (buf->out == NULL)
		abort();
}

/*
 * As cq_text_buf_grown (text_util.c): after CQ_TEXT_NEED_SPACE, a buffer of
 * exactly the size asked for, which must be more than was lent.
 */
static inline bool
fuzz_text_buf_grown(CqTextStatus status, CqTextBuf *buf)
{
	if (status != CQ_TEXT_NEED_SPACE)
		return false;
	if (buf->need <= buf->outcap)
	{
		fprintf(stderr, "core asked for %zu bytes with %zu lent\n", buf->need, buf->outcap);
		abort();
	}
	free(buf->out);
	buf->outcap = buf->need;
	buf->out = malloc(buf->outcap);
	if (buf->out == NULL)
		abort();
	return true;
}

static inline void
fuzz_text_buf_free(CqTextBuf *buf)
{
	free(buf->out);
}

/* A copy of len bytes in a heap block of exactly that size */
static inline char *
fuzz_dup(const void *data, size_t len)
{
	char	   *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
		abort();
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

#endif							/* CQ_FUZZ_COMMON_H */
