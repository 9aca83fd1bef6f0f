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

/* Buffers for a normalizer core, sized as the server sizes them */
static inline void
fuzz_text_buf_init(CqTextBuf *buf, const char *s, int len)
{
	buf->outcap = cq_lower_outcap(s, len);
	buf->out = malloc(buf->outcap);
	buf->workcap = cq_lower_workcap(s, len);
	buf->work = buf->workcap > 0 ? malloc(buf->workcap) : NULL;
	buf->icu_error = 0;
	if (buf->out == NULL || (buf->workcap > 0 && buf->work == NULL))
		abort();
}

static inline void
fuzz_text_buf_free(CqTextBuf *buf)
{
	free(buf->out);
	free(buf->work);
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
