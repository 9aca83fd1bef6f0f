/*-------------------------------------------------------------------------
 *
 * state_codec.c
 *	  Encoders and decoders of cq.funnel_state, cq.event_signal and
 *	  cq.rank_sample, free of PostgreSQL so that the libFuzzer harnesses
 *	  link the code the server runs (see state_codec.h).
 *
 * The formats are described in funnel_state.c, signal_quality.c and
 * rank_measures.c.  Every decoder treats its input as hostile: counts are
 * bounded by the bytes present before the caller allocates, every
 * invariant the rest of the code relies on is checked, and trailing bytes
 * are refused.
 *
 *-------------------------------------------------------------------------
 */
#include "state_codec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* src/common/d2s.c: in the server binary, and in libpgcommon.a */
extern int	double_to_shortest_decimal_bufn(double f, char *result);

static inline bool
codec_fail(CqCodecError *e, CqCodecCode code, int64_t a, int64_t b, const char *detail)
{
	e->code = code;
	e->a = a;
	e->b = b;
	e->detail = detail;
	return false;
}

/* Big-endian (network order) reads and writes */
static inline uint32_t
get_u32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline uint64_t
get_u64(const uint8_t *p)
{
	return ((uint64_t) get_u32(p) << 32) | get_u32(p + 4);
}

static inline double
get_f64(const uint8_t *p)
{
	uint64_t	u = get_u64(p);
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static inline uint8_t *
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
	return p + 4;
}

static inline uint8_t *
put_u64(uint8_t *p, uint64_t v)
{
	return put_u32(put_u32(p, (uint32_t) (v >> 32)), (uint32_t) v);
}

static inline uint8_t *
put_f64(uint8_t *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return put_u64(p, u);
}

/*
 * strtod for a finite value at s: true with *v and *end, false when there is
 * no number or it overflows.  Underflow (ERANGE with a zero or subnormal
 * result) is accepted: the output functions write subnormals in shortest
 * form and must read them back.
 */
static bool
read_finite_double(const char *s, double *v, const char **end)
{
	char	   *e;

	errno = 0;
	*v = strtod(s, &e);
	*end = e;
	if (e == s || !isfinite(*v))
		return false;
	if (errno != 0 && !(errno == ERANGE && fabs(*v) < 2.2250738585072014e-308))
		return false;
	return true;
}

/* ------------------------------------------------------------------------
 * cq.funnel_state
 * ------------------------------------------------------------------------
 */

/*
 * Read a decimal integer in [min, max] at *p, in canonical form (what the
 * output function writes: no leading zeros, no "-0"), advance *p past it.
 */
static bool
funnel_read_int(const char **p, int64_t min, int64_t max, const char *what,
				int64_t *out, CqCodecError *e)
{
	const char *s = *p;
	bool		neg = false;
	bool		bad = false;
	uint64_t	v = 0;
	int64_t		value = 0;
	int			digits = 0;

	if (*s == '-')
	{
		neg = true;
		s++;
	}
	while (*s >= '0' && *s <= '9')
	{
		uint64_t	d = (uint64_t) (*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			bad = true;
		else
			v = v * 10 + d;
		s++;
		digits++;
	}
	if (digits > 1 && (*p)[neg ? 1 : 0] == '0')
		bad = true;
	if (neg && v == 0)
		bad = true;
	if (digits == 0 || bad || v > (uint64_t) INT64_MAX + (neg ? 1 : 0))
		bad = true;
	else
		value = neg ? (int64_t) (0 - v) : (int64_t) v;
	if (bad || value < min || value > max)
		return codec_fail(e, CQ_FUNNEL_EXPECTED_INT, 0, 0, what);
	*p = s;
	*out = value;
	return true;
}

/* Expect the literal lit at *p, advance past it */
static bool
funnel_read_lit(const char **p, const char *lit, CqCodecError *e)
{
	size_t		n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return codec_fail(e, CQ_FUNNEL_EXPECTED_LIT, 0, 0, lit);
	*p += n;
	return true;
}

/* Version, step count and event count (text and binary alike) */
static bool
funnel_check_header(int64_t version, int64_t nsteps, int64_t count, CqCodecError *e)
{
	if (version != CQ_FUNNEL_CODEC_VERSION)
		return codec_fail(e, CQ_CODEC_VERSION, version, 0, NULL);
	if (nsteps < 1 || nsteps > CQ_FUNNEL_CODEC_MAX_STEPS)
		return codec_fail(e, CQ_FUNNEL_STEPS, nsteps, 0, NULL);
	if (count < 0 || count > CQ_FUNNEL_CODEC_MAX_EVENTS)
		return codec_fail(e, CQ_FUNNEL_COUNT, count, 0, NULL);
	return true;
}

/* A stored window_funnel window and mode must be what the parser accepts */
static bool
funnel_check_params(int64_t window, int64_t mode, CqCodecError *e)
{
	if (window < 0 || mode < 0 || mode > CQ_FUNNEL_CODEC_ALL_MODES)
		return codec_fail(e, CQ_FUNNEL_PARAMS, 0, 0, NULL);
	if ((mode & CQ_FUNNEL_CODEC_ALLOW_REENTRY) && !(mode & CQ_FUNNEL_CODEC_STRICT_ORDER))
		return codec_fail(e, CQ_FUNNEL_REENTRY, 0, 0, NULL);
	return true;
}

/*
 * Event i: a valid time (or +-infinity), no step beyond nsteps, and
 * canonical order after event i-1 (by ts, then mask; a row satisfying no
 * step once per time).
 */
static bool
funnel_check_event(const CqFunnelHeader *h, const CqFunnelEvent *ev, int32_t i,
				   CqCodecError *e)
{
	int64_t		ts = ev[i].ts;

	if (!(ts == INT64_MIN || ts == INT64_MAX ||
		  (CQ_CODEC_MIN_TIMESTAMP <= ts && ts < CQ_CODEC_END_TIMESTAMP)))
		return codec_fail(e, CQ_FUNNEL_EVENT_TIME, (int64_t) i + 1, 0, NULL);
	if (h->nsteps < 32 && (ev[i].mask >> h->nsteps) != 0)
		return codec_fail(e, CQ_FUNNEL_EVENT_STEP, (int64_t) i + 1, h->nsteps, NULL);
	if (i > 0)
	{
		const CqFunnelEvent *prev = &ev[i - 1];

		if (prev->ts > ts ||
			(prev->ts == ts && (prev->mask > ev[i].mask ||
								(prev->mask == ev[i].mask && ev[i].mask == 0))))
			return codec_fail(e, CQ_FUNNEL_EVENT_ORDER, (int64_t) i + 1, 0, NULL);
	}
	return true;
}

bool
cq_funnel_text_header(const char *input, CqFunnelHeader *h, size_t *pos, CqCodecError *e)
{
	const char *p = input;
	int64_t		version,
				nsteps,
				count,
				window = 0,
				mode = 0;

	memset(h, 0, sizeof(*h));
	if (!funnel_read_lit(&p, "v", e) ||
		!funnel_read_int(&p, 0, 255, "a format version", &version, e) ||
		!funnel_read_lit(&p, " steps=", e) ||
		!funnel_read_int(&p, 0, 255, "a step count", &nsteps, e) ||
		!funnel_read_lit(&p, " params=", e))
		return false;
	if (*p == '-')
		p++;
	else
	{
		h->has_params = true;
		if (!funnel_read_int(&p, INT64_MIN, INT64_MAX, "a window in microseconds", &window, e) ||
			!funnel_read_lit(&p, "/", e) ||
			!funnel_read_int(&p, 0, UINT32_MAX, "a mode", &mode, e))
			return false;
	}
	if (!funnel_read_lit(&p, " events=", e) ||
		!funnel_read_int(&p, 0, INT32_MAX, "an event count", &count, e) ||
		!funnel_check_header(version, nsteps, count, e) ||
		(h->has_params && !funnel_check_params(window, mode, e)))
		return false;
	/* at most strlen/4 events can follow: bound the allocation by the input */
	if (count > (int64_t) (strlen(p) / 4 + 1))
		return codec_fail(e, CQ_FUNNEL_FEWER, count, 0, NULL);
	h->version = (int) version;
	h->nsteps = (int) nsteps;
	h->window = window;
	h->mode = (uint32_t) mode;
	h->count = (int32_t) count;
	*pos = (size_t) (p - input);
	return true;
}

bool
cq_funnel_text_events(const char *input, size_t pos, const CqFunnelHeader *h,
					  CqFunnelEvent *ev, CqCodecError *e)
{
	const char *p = input + pos;
	int32_t		i;

	for (i = 0; i < h->count; i++)
	{
		int64_t		ts,
					mask;

		if (!funnel_read_lit(&p, i == 0 ? " " : ",", e) ||
			!funnel_read_int(&p, INT64_MIN, INT64_MAX, "an event time", &ts, e) ||
			!funnel_read_lit(&p, ":", e) ||
			!funnel_read_int(&p, 0, UINT32_MAX, "an event mask", &mask, e))
			return false;
		ev[i].ts = ts;
		ev[i].mask = (uint32_t) mask;
		ev[i].reserved = 0;
		if (!funnel_check_event(h, ev, i, e))
			return false;
	}
	if (*p != '\0')
		return codec_fail(e, CQ_FUNNEL_TRAILING, h->count, 0, NULL);
	return true;
}

bool
cq_funnel_binary_header(const uint8_t *data, size_t len, CqFunnelHeader *h,
						size_t *pos, CqCodecError *e)
{
	size_t		p = 0;
	int64_t		window = 0,
				mode = 0;
	int32_t		count;

	memset(h, 0, sizeof(*h));
	if (len < 3)
		return codec_fail(e, CQ_FUNNEL_TRUNCATED, 3, (int64_t) len, NULL);
	h->version = data[0];
	h->nsteps = data[1];
	if (data[2] > 1)
		return codec_fail(e, CQ_FUNNEL_PARAM_FLAG, data[2], 0, NULL);
	h->has_params = data[2] == 1;
	p = 3;
	if (h->has_params)
	{
		if (len - p < 12)
			return codec_fail(e, CQ_FUNNEL_TRUNCATED, 12, (int64_t) (len - p), NULL);
		window = (int64_t) get_u64(data + p);
		mode = get_u32(data + p + 8);
		p += 12;
	}
	if (len - p < 4)
		return codec_fail(e, CQ_FUNNEL_TRUNCATED, 4, (int64_t) (len - p), NULL);
	count = (int32_t) get_u32(data + p);
	p += 4;
	if (!funnel_check_header(h->version, h->nsteps, count, e) ||
		(h->has_params && !funnel_check_params(window, mode, e)))
		return false;
	if ((int64_t) count * 12 != (int64_t) (len - p))
		return codec_fail(e, CQ_FUNNEL_EVENT_BYTES, count, (int64_t) (len - p), NULL);
	h->window = window;
	h->mode = (uint32_t) mode;
	h->count = count;
	*pos = p;
	return true;
}

bool
cq_funnel_binary_events(const uint8_t *data, size_t len, size_t pos,
						const CqFunnelHeader *h, CqFunnelEvent *ev, CqCodecError *e)
{
	int32_t		i;

	if (len - pos != (size_t) h->count * 12)
		return codec_fail(e, CQ_FUNNEL_EVENT_BYTES, h->count, (int64_t) (len - pos), NULL);
	for (i = 0; i < h->count; i++)
	{
		ev[i].ts = (int64_t) get_u64(data + pos + (size_t) i * 12);
		ev[i].mask = get_u32(data + pos + (size_t) i * 12 + 8);
		ev[i].reserved = 0;
		if (!funnel_check_event(h, ev, i, e))
			return false;
	}
	return true;
}

size_t
cq_funnel_text_size(const CqFunnelHeader *h)
{
	/* "v1 steps=32 params=<int64>/<uint32> events=<int32>", then per event ",<int64>:<uint32>" */
	return 64 + 21 + 11 + 11 + (size_t) h->count * (1 + 20 + 1 + 10) + 1;
}

size_t
cq_funnel_to_text(const CqFunnelHeader *h, const CqFunnelEvent *ev, char *out)
{
	char	   *p = out;
	int32_t		i;

	p += sprintf(p, "v%d steps=%d params=", CQ_FUNNEL_CODEC_VERSION, h->nsteps);
	if (h->has_params)
		p += sprintf(p, "%lld/%u", (long long) h->window, (unsigned) h->mode);
	else
		*p++ = '-';
	p += sprintf(p, " events=%d", (int) h->count);
	for (i = 0; i < h->count; i++)
		p += sprintf(p, "%c%lld:%u", i == 0 ? ' ' : ',', (long long) ev[i].ts,
					 (unsigned) ev[i].mask);
	*p = '\0';
	return (size_t) (p - out);
}

size_t
cq_funnel_binary_size(const CqFunnelHeader *h)
{
	return 3 + (h->has_params ? 12 : 0) + 4 + (size_t) h->count * 12;
}

size_t
cq_funnel_to_binary(const CqFunnelHeader *h, const CqFunnelEvent *ev, uint8_t *out)
{
	uint8_t    *p = out;
	int32_t		i;

	*p++ = CQ_FUNNEL_CODEC_VERSION;
	*p++ = (uint8_t) h->nsteps;
	*p++ = h->has_params ? 1 : 0;
	if (h->has_params)
	{
		p = put_u64(p, (uint64_t) h->window);
		p = put_u32(p, h->mode);
	}
	p = put_u32(p, (uint32_t) h->count);
	for (i = 0; i < h->count; i++)
	{
		p = put_u64(p, (uint64_t) ev[i].ts);
		p = put_u32(p, ev[i].mask);
	}
	return (size_t) (p - out);
}

/* ------------------------------------------------------------------------
 * cq.event_signal
 * ------------------------------------------------------------------------
 */

/*
 * The invariants of one group read from outside: counts non-negative and
 * consistent, moments finite, squared deviations non-negative, an empty
 * group all zero.  Returns an error detail, or NULL.
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
signal_check(const CqSignal *s, CqCodecError *e)
{
	int			i;

	for (i = 0; i < 2; i++)
	{
		const char *problem = cq_signal_group_problem(&s->g[i]);

		if (problem)
			return codec_fail(e, CQ_CODEC_INVALID, 0, 0, problem);
	}
	return true;
}

static bool
signal_read_int64(const char **p, int64_t *out, CqCodecError *e)
{
	char	   *end;
	long long	v;

	if (!(**p == '-' || (**p >= '0' && **p <= '9')))
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A count is missing.");
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (errno != 0 || end == *p)
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A count is not a valid 64-bit integer.");
	*p = end;
	*out = (int64_t) v;
	return true;
}

static bool
signal_read_double(const char **p, double *out, CqCodecError *e)
{
	if (**p == '\0' || **p == ',' || **p == ';' || isspace((unsigned char) **p))
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A moment is missing.");
	if (!read_finite_double(*p, out, p))
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A moment is not a finite number.");
	return true;
}

static bool
signal_expect(const char **p, char c, CqCodecError *e)
{
	if (**p != c)
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A separator is missing or misplaced.");
	(*p)++;
	return true;
}

bool
cq_signal_from_text(const char *str, CqSignal *s, CqCodecError *e)
{
	const char *p = str;
	int			i;

	memset(s, 0, sizeof(*s));
	if (strncmp(p, "v1:", 3) != 0)
	{
		if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9')
			return codec_fail(e, CQ_CODEC_VERSION, 0, 0, NULL);
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0,
						  "The value must start with the format version \"v1:\".");
	}
	p += 3;
	for (i = 0; i < 2; i++)
	{
		CqSignalGroup *g = &s->g[i];

		if ((i == 1 && !signal_expect(&p, ';', e)) ||
			!signal_read_int64(&p, &g->n, e) || !signal_expect(&p, ',', e) ||
			!signal_read_int64(&p, &g->pos, e) || !signal_expect(&p, ',', e) ||
			!signal_read_double(&p, &g->sx, e) || !signal_expect(&p, ',', e) ||
			!signal_read_double(&p, &g->sxx, e) || !signal_expect(&p, ',', e) ||
			!signal_read_double(&p, &g->lsx, e) || !signal_expect(&p, ',', e) ||
			!signal_read_double(&p, &g->lsxx, e))
			return false;
	}
	if (*p != '\0')
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "Unexpected characters follow the value.");
	return signal_check(s, e);
}

bool
cq_signal_from_binary(const uint8_t *data, size_t len, CqSignal *s, CqCodecError *e)
{
	const uint8_t *p = data + 1;
	int			i;

	memset(s, 0, sizeof(*s));
	if (len != CQ_SIGNAL_BINARY_SIZE)
		return codec_fail(e, CQ_CODEC_LENGTH, (int64_t) len, 0, NULL);
	if (data[0] != CQ_SIGNAL_CODEC_VERSION)
		return codec_fail(e, CQ_CODEC_VERSION, data[0], 0, NULL);
	for (i = 0; i < 2; i++, p += 48)
	{
		s->g[i].n = (int64_t) get_u64(p);
		s->g[i].pos = (int64_t) get_u64(p + 8);
		s->g[i].sx = get_f64(p + 16);
		s->g[i].sxx = get_f64(p + 24);
		s->g[i].lsx = get_f64(p + 32);
		s->g[i].lsxx = get_f64(p + 40);
	}
	return signal_check(s, e);
}

size_t
cq_signal_to_text(const CqSignal *s, char *out)
{
	char	   *p = out;
	int			i;

	p += sprintf(p, "v%d:", CQ_SIGNAL_CODEC_VERSION);
	for (i = 0; i < 2; i++)
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
	int			i;

	*p++ = CQ_SIGNAL_CODEC_VERSION;
	for (i = 0; i < 2; i++)
	{
		p = put_u64(p, (uint64_t) s->g[i].n);
		p = put_u64(p, (uint64_t) s->g[i].pos);
		p = put_f64(p, s->g[i].sx);
		p = put_f64(p, s->g[i].sxx);
		p = put_f64(p, s->g[i].lsx);
		p = put_f64(p, s->g[i].lsxx);
	}
}

/* ------------------------------------------------------------------------
 * cq.rank_sample
 * ------------------------------------------------------------------------
 */

/* One float8: shortest form, or Infinity / -Infinity; never NaN */
static bool
rank_read_double(const char **p, double *out, CqCodecError *e)
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
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A value is missing or not a number.");
	if (!read_finite_double(*p, out, p))
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A value is not a number.");
	return true;
}

static bool
rank_check(const CqRankPair *pairs, int64_t count, CqCodecError *e)
{
	int64_t		i;

	for (i = 0; i < count; i++)
		if (isnan(pairs[i].x) || isnan(pairs[i].y))
			return codec_fail(e, CQ_CODEC_INVALID, i + 1, 0, NULL);
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
			return codec_fail(e, CQ_CODEC_VERSION, 0, 0, NULL);
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0,
						  "The value must start with the format version \"v1:\".");
	}
	p += 3;
	if (!(*p >= '0' && *p <= '9'))
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "The pair count is missing.");
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0 || n < 0 || n > CQ_RANK_CODEC_MAX_PAIRS)
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "The pair count is out of range.");
	/* each pair takes at least 4 characters: bound the count by the input */
	if (n > (long long) strlen(str) / 4 + 1)
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "The pair count exceeds the pairs given.");
	p = end;
	if (*p != ':')
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0, "A colon must follow the pair count.");
	p++;
	*count = (int64_t) n;
	*pos = (size_t) (p - str);
	return true;
}

bool
cq_rank_text_pairs(const char *str, size_t pos, int64_t count, CqRankPair *pairs,
				   CqCodecError *e)
{
	const char *p = str + pos;
	int64_t		i;

	for (i = 0; i < count; i++)
	{
		if (i > 0)
		{
			if (*p != ';')
				return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0,
								  "Fewer pairs than the count, or a misplaced separator.");
			p++;
		}
		if (!rank_read_double(&p, &pairs[i].x, e))
			return false;
		if (*p != ',')
			return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0,
							  "A pair must be two values separated by a comma.");
		p++;
		if (!rank_read_double(&p, &pairs[i].y, e))
			return false;
	}
	if (*p != '\0')
		return codec_fail(e, CQ_CODEC_SYNTAX, 0, 0,
						  "More pairs than the count, or unexpected characters at the end.");
	return rank_check(pairs, count, e);
}

bool
cq_rank_binary_header(const uint8_t *data, size_t len, int64_t *count, CqCodecError *e)
{
	int64_t		n;

	if (len >= 1 && data[0] != CQ_RANK_CODEC_VERSION)
		return codec_fail(e, CQ_CODEC_VERSION, data[0], 0, NULL);
	if (len < 9)
		return codec_fail(e, CQ_CODEC_TRUNCATED, 9, (int64_t) len, NULL);
	n = (int64_t) get_u64(data + 1);
	if (n < 0 || n != (int64_t) ((len - 9) / 16) || (len - 9) % 16 != 0)
		return codec_fail(e, CQ_CODEC_LENGTH, n, (int64_t) (len - 9), NULL);
	*count = n;
	return true;
}

bool
cq_rank_binary_pairs(const uint8_t *data, size_t len, int64_t count, CqRankPair *pairs,
					 CqCodecError *e)
{
	int64_t		i;

	if (len < 9 || (len - 9) != (size_t) count * 16)
		return codec_fail(e, CQ_CODEC_LENGTH, count, len < 9 ? 0 : (int64_t) (len - 9), NULL);
	for (i = 0; i < count; i++)
	{
		pairs[i].x = get_f64(data + 9 + (size_t) i * 16);
		pairs[i].y = get_f64(data + 9 + (size_t) i * 16 + 8);
	}
	return rank_check(pairs, count, e);
}

size_t
cq_rank_text_size(int64_t count)
{
	return 32 + (size_t) count * (2 * CQ_DOUBLE_TEXT_MAX + 2) + 1;
}

/* A double: shortest exact form, infinities spelt out */
static char *
rank_put_double(char *p, double v)
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
cq_rank_to_text(const CqRankPair *pairs, int64_t count, char *out)
{
	char	   *p = out;
	int64_t		i;

	p += sprintf(p, "v%d:%lld:", CQ_RANK_CODEC_VERSION, (long long) count);
	for (i = 0; i < count; i++)
	{
		if (i > 0)
			*p++ = ';';
		p = rank_put_double(p, pairs[i].x);
		*p++ = ',';
		p = rank_put_double(p, pairs[i].y);
	}
	*p = '\0';
	return (size_t) (p - out);
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
	int64_t		i;

	*p++ = CQ_RANK_CODEC_VERSION;
	p = put_u64(p, (uint64_t) count);
	for (i = 0; i < count; i++)
	{
		p = put_f64(p, pairs[i].x);
		p = put_f64(p, pairs[i].y);
	}
}
