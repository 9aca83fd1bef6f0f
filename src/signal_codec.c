/*-------------------------------------------------------------------------
 *
 * signal_codec.c
 *	  Encoders and decoders of cq.event_signal (format in signal_codec.h),
 *	  free of PostgreSQL so that test/fuzz/fuzz_event_signal.c links the
 *	  code the server runs.
 *
 *-------------------------------------------------------------------------
 */
#include "signal_codec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define HINT_VALUE	"Use a value produced by cq.event_signal or cq.signal_rollup."
#define HINT_FORM	"The form is v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx (rows without the event, then with it)."
#define HINT_VERSION "Upgrade the extension where the value is read."

/*
 * cq_signal_group_problem
 *		The invariants of one group read from outside: counts non-negative
 *		and consistent, moments finite, squared deviations non-negative, an
 *		empty group all zero.  Returns an error detail, or NULL.
 */
const char *
cq_signal_group_problem(const CqSignalGroup *g)
{
	if (g->n < 0 || g->n > (INT64_MAX / 4))
		return "A row count is negative or too large.";
	if (g->pos < 0 || g->pos > g->n)
		return "The count of rows with a positive value is not between 0 and the row count.";
	if (!isfinite(g->sx) || !isfinite(g->sxx) || !isfinite(g->lsx) || !isfinite(g->lsxx))
		return "A moment is not finite.";
	if (g->sxx < 0.0 || g->lsxx < 0.0)
		return "A sum of squared deviations is negative.";
	if (g->n == 0 && (g->sx != 0.0 || g->sxx != 0.0 || g->lsx != 0.0 || g->lsxx != 0.0))
		return "An empty group has non-zero moments.";
	if (g->n == 1 && (g->sxx != 0.0 || g->lsxx != 0.0))
		return "A group of one row has non-zero squared deviations.";
	return NULL;
}

static bool
check_signal(const CqSignal *s, CqCodecError *e)
{
	for (int i = 0; i < 2; i++)
	{
		const char *problem = cq_signal_group_problem(&s->g[i]);

		if (problem)
			return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_VALUE,
								 "invalid cq.event_signal value\n%s", problem);
	}
	return true;
}

static bool
syntax(CqCodecError *e, const char *detail)
{
	return cq_codec_fail(e, CQ_CODEC_SYNTAX, true, HINT_FORM,
						 "invalid input syntax for type cq.event_signal\n%s", detail);
}

static bool
read_int64(const char **p, int64_t *out, CqCodecError *e)
{
	char	   *end;
	long long	v;

	if (!(**p == '-' || (**p >= '0' && **p <= '9')))
		return syntax(e, "A count is missing.");
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (errno != 0 || end == *p)
		return syntax(e, "A count is not a valid 64-bit integer.");
	*p = end;
	*out = (int64_t) v;
	return true;
}

static bool
read_double(const char **p, double *out, CqCodecError *e)
{
	if (**p == '\0' || **p == ',' || **p == ';' || isspace((unsigned char) **p))
		return syntax(e, "A moment is missing.");
	if (!cq_codec_read_double(*p, out, p))
		return syntax(e, "A moment is not a finite number.");
	return true;
}

static bool
expect(const char **p, char c, CqCodecError *e)
{
	if (**p != c)
		return syntax(e, "A separator is missing or misplaced.");
	(*p)++;
	return true;
}

bool
cq_signal_from_text(const char *str, CqSignal *s, CqCodecError *e)
{
	const char *p = str;

	memset(s, 0, sizeof(*s));
	if (strncmp(p, "v1:", 3) != 0)
	{
		if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9')
			return cq_codec_fail(e, CQ_CODEC_VERSION, true, HINT_VERSION,
								 "unsupported cq.event_signal format version\n"
								 "This version of conversion_quality reads format version %d.",
								 CQ_SIGNAL_VERSION);
		return syntax(e, "The value must start with the format version \"v1:\".");
	}
	p += 3;
	for (int i = 0; i < 2; i++)
	{
		CqSignalGroup *g = &s->g[i];

		if ((i == 1 && !expect(&p, ';', e)) ||
			!read_int64(&p, &g->n, e) || !expect(&p, ',', e) ||
			!read_int64(&p, &g->pos, e) || !expect(&p, ',', e) ||
			!read_double(&p, &g->sx, e) || !expect(&p, ',', e) ||
			!read_double(&p, &g->sxx, e) || !expect(&p, ',', e) ||
			!read_double(&p, &g->lsx, e) || !expect(&p, ',', e) ||
			!read_double(&p, &g->lsxx, e))
			return false;
	}
	if (*p != '\0')
		return syntax(e, "Unexpected characters follow the value.");
	return check_signal(s, e);
}

bool
cq_signal_from_binary(const uint8_t *data, size_t len, CqSignal *s, CqCodecError *e)
{
	const uint8_t *p = data + 1;

	memset(s, 0, sizeof(*s));
	if (len != CQ_SIGNAL_BINARY_SIZE)
		return cq_codec_fail(e, CQ_CODEC_BINARY, false, HINT_VALUE,
							 "invalid binary cq.event_signal value\n"
							 "The value has %d bytes; format version %d has %d.",
							 (int) len, CQ_SIGNAL_VERSION, CQ_SIGNAL_BINARY_SIZE);
	if (data[0] != CQ_SIGNAL_VERSION)
		return cq_codec_fail(e, CQ_CODEC_VERSION, false, HINT_VERSION,
							 "unsupported cq.event_signal format version %d\n"
							 "This version of conversion_quality reads format version %d.",
							 (int) data[0], CQ_SIGNAL_VERSION);
	for (int i = 0; i < 2; i++, p += 48)
	{
		s->g[i].n = (int64_t) cq_get_u64(p);
		s->g[i].pos = (int64_t) cq_get_u64(p + 8);
		s->g[i].sx = cq_get_f64(p + 16);
		s->g[i].sxx = cq_get_f64(p + 24);
		s->g[i].lsx = cq_get_f64(p + 32);
		s->g[i].lsxx = cq_get_f64(p + 40);
	}
	return check_signal(s, e);
}

size_t
cq_signal_to_text(const CqSignal *s, char *out)
{
	char	   *p = out;

	p += sprintf(p, "v%d:", CQ_SIGNAL_VERSION);
	for (int i = 0; i < 2; i++)
	{
		const CqSignalGroup *g = &s->g[i];

		if (i == 1)
			*p++ = ';';
		p += sprintf(p, "%lld,%lld,", (long long) g->n, (long long) g->pos);
		p += double_to_shortest_decimal_bufn(g->sx, p);
		*p++ = ',';
		p += double_to_shortest_decimal_bufn(g->sxx, p);
		*p++ = ',';
		p += double_to_shortest_decimal_bufn(g->lsx, p);
		*p++ = ',';
		p += double_to_shortest_decimal_bufn(g->lsxx, p);
	}
	*p = '\0';
	return (size_t) (p - out);
}

void
cq_signal_to_binary(const CqSignal *s, uint8_t *out)
{
	uint8_t    *p = out;

	*p++ = CQ_SIGNAL_VERSION;
	for (int i = 0; i < 2; i++)
	{
		p = cq_put_u64(p, (uint64_t) s->g[i].n);
		p = cq_put_u64(p, (uint64_t) s->g[i].pos);
		p = cq_put_f64(p, s->g[i].sx);
		p = cq_put_f64(p, s->g[i].sxx);
		p = cq_put_f64(p, s->g[i].lsx);
		p = cq_put_f64(p, s->g[i].lsxx);
	}
}
