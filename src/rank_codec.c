/*-------------------------------------------------------------------------
 *
 * rank_codec.c
 *	  Encoders and decoders of cq.rank_sample (format in rank_codec.h), free
 *	  of PostgreSQL so that test/fuzz/fuzz_rank_sample.c links the code the
 *	  server runs.
 *
 *-------------------------------------------------------------------------
 */
#include "rank_codec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define HINT_VALUE	"Use a value produced by cq.rank_sample or cq.rank_rollup."
#define HINT_FORM	"The form is v1:<count>:x,y;x,y;... with exactly <count> pairs."
#define HINT_VERSION "Upgrade the extension where the value is read."

static bool
syntax(CqCodecError *e, const char *detail)
{
	return cq_codec_fail(e, CQ_CODEC_SYNTAX, true, HINT_FORM,
						 "invalid input syntax for type cq.rank_sample\n%s", detail);
}

/* One float8: shortest form, or Infinity / -Infinity; never NaN */
static bool
read_double(const char **p, double *out, CqCodecError *e)
{
	if (strncmp(*p, "Infinity", 8) == 0)
	{
		*p += 8;
		*out = INFINITY;
		return true;
	}
	if (strncmp(*p, "-Infinity", 9) == 0)
	{
		*p += 9;
		*out = -INFINITY;
		return true;
	}
	if (**p == '\0' || **p == ',' || **p == ';' || isspace((unsigned char) **p) ||
		**p == 'n' || **p == 'N' || **p == 'i' || **p == 'I')
		return syntax(e, "A value is missing or not a number.");
	if (!cq_codec_read_double(*p, out, p))
		return syntax(e, "A value is not a number.");
	return true;
}

/* No NaN in pairs [from, to) */
static bool
check_pairs(const CqRankPair *pairs, int64_t from, int64_t to, CqCodecError *e)
{
	for (int64_t i = from; i < to; i++)
		if (isnan(pairs[i].x) || isnan(pairs[i].y))
			return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_VALUE,
								 "invalid cq.rank_sample value\nPair %lld contains NaN.",
								 (long long) (i + 1));
	return true;
}

bool
cq_rank_text_header(const char *str, int64_t *count, size_t *pos, CqCodecError *e)
{
	const char *p = str;
	char	   *end;
	long long	n;

	if (strncmp(p, "v1:", 3) != 0)
	{
		if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9')
			return cq_codec_fail(e, CQ_CODEC_VERSION, true, HINT_VERSION,
								 "unsupported cq.rank_sample format version\n"
								 "This version of conversion_quality reads format version %d.",
								 CQ_RANK_VERSION);
		return syntax(e, "The value must start with the format version \"v1:\".");
	}
	p += 3;
	if (!(*p >= '0' && *p <= '9'))
		return syntax(e, "The pair count is missing.");
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0 || n < 0 || n > CQ_RANK_MAX_PAIRS)
		return syntax(e, "The pair count is out of range.");
	/* each pair takes at least 4 characters: bound the count by the input */
	if (n > (long long) strlen(str) / 4 + 1)
		return syntax(e, "The pair count exceeds the pairs given.");
	p = end;
	if (*p != ':')
		return syntax(e, "A colon must follow the pair count.");
	p++;
	*count = (int64_t) n;
	*pos = (size_t) (p - str);
	return true;
}

bool
cq_rank_text_pairs(const char *str, size_t *pos, int64_t count, CqRankPair *pairs,
				   int64_t from, int64_t to, CqCodecError *e)
{
	const char *p = str + *pos;

	for (int64_t i = from; i < to; i++)
	{
		if (i > 0)
		{
			if (*p != ';')
				return syntax(e, "Fewer pairs than the count, or a misplaced separator.");
			p++;
		}
		if (!read_double(&p, &pairs[i].x, e))
			return false;
		if (*p != ',')
			return syntax(e, "A pair must be two values separated by a comma.");
		p++;
		if (!read_double(&p, &pairs[i].y, e))
			return false;
	}
	*pos = (size_t) (p - str);
	if (to == count && *p != '\0')
		return syntax(e, "More pairs than the count, or unexpected characters at the end.");
	return check_pairs(pairs, from, to, e);
}

/* A binary count that does not match the bytes present */
static bool
bad_length(CqCodecError *e, int64_t count, size_t bytes)
{
	return cq_codec_fail(e, CQ_CODEC_BINARY, false, HINT_VALUE,
						 "invalid binary cq.rank_sample value\n"
						 "The pair count %lld does not match the %d bytes that follow it.",
						 (long long) count, (int) bytes);
}

bool
cq_rank_binary_header(const uint8_t *data, size_t len, int64_t *count, CqCodecError *e)
{
	int64_t		n;

	if (len >= 1 && data[0] != CQ_RANK_VERSION)
		return cq_codec_fail(e, CQ_CODEC_VERSION, false, HINT_VERSION,
							 "unsupported cq.rank_sample format version %d\n"
							 "This version of conversion_quality reads format version %d.",
							 (int) data[0], CQ_RANK_VERSION);
	if (len < 9)
		return cq_codec_fail(e, CQ_CODEC_BINARY, false, HINT_VALUE,
							 "invalid binary cq.rank_sample value\n"
							 "The value has %d bytes; the version and the pair count take 9.",
							 (int) len);
	n = (int64_t) cq_get_u64(data + 1);
	if (n < 0 || n != (int64_t) ((len - 9) / 16) || (len - 9) % 16 != 0)
		return bad_length(e, n, len - 9);
	*count = n;
	return true;
}

bool
cq_rank_binary_pairs(const uint8_t *data, size_t len, int64_t count, CqRankPair *pairs,
					 CqCodecError *e)
{
	if (len < 9 || (len - 9) != (size_t) count * 16)
		return bad_length(e, count, len < 9 ? 0 : len - 9);
	for (int64_t i = 0; i < count; i++)
	{
		pairs[i].x = cq_get_f64(data + 9 + (size_t) i * 16);
		pairs[i].y = cq_get_f64(data + 9 + (size_t) i * 16 + 8);
	}
	return check_pairs(pairs, 0, count, e);
}

/* A double: shortest exact form, infinities spelt out */
static char *
put_double(char *p, double v)
{
	if (isinf(v))
	{
		const char *s = v > 0 ? "Infinity" : "-Infinity";
		size_t		n = strlen(s);

		memcpy(p, s, n);
		return p + n;
	}
	return p + double_to_shortest_decimal_bufn(v, p);
}

size_t
cq_rank_put_text_header(int64_t count, char *out)
{
	return (size_t) sprintf(out, "v%d:%lld:", CQ_RANK_VERSION, (long long) count);
}

size_t
cq_rank_put_text_pairs(const CqRankPair *pairs, int64_t from, int64_t to, char *out)
{
	char	   *p = out;

	for (int64_t i = from; i < to; i++)
	{
		if (i > 0)
			*p++ = ';';
		p = put_double(p, pairs[i].x);
		*p++ = ',';
		p = put_double(p, pairs[i].y);
	}
	*p = '\0';
	return (size_t) (p - out);
}

size_t
cq_rank_text_size(int64_t count)
{
	return CQ_RANK_TEXT_HEADER_MAX + (size_t) count * CQ_RANK_TEXT_PAIR_MAX + 1;
}

size_t
cq_rank_to_text(const CqRankPair *pairs, int64_t count, char *out)
{
	size_t		n = cq_rank_put_text_header(count, out);

	return n + cq_rank_put_text_pairs(pairs, 0, count, out + n);
}

size_t
cq_rank_binary_size(int64_t count)
{
	return 9 + (size_t) count * 16;
}

void
cq_rank_to_binary(const CqRankPair *pairs, int64_t count, uint8_t *out)
{
	uint8_t    *p = out;

	*p++ = CQ_RANK_VERSION;
	p = cq_put_u64(p, (uint64_t) count);
	for (int64_t i = 0; i < count; i++)
	{
		p = cq_put_f64(p, pairs[i].x);
		p = cq_put_f64(p, pairs[i].y);
	}
}
