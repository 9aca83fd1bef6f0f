/*-------------------------------------------------------------------------
 *
 * funnel_codec.c
 *	  Encoders and decoders of cq.funnel_state (format in funnel_codec.h),
 *	  free of PostgreSQL so that test/fuzz/fuzz_funnel_state.c links the code
 *	  the server runs.
 *
 * Every decoder treats its input as hostile: the event count is bounded by
 * the bytes present before the caller allocates, every invariant the rest
 * of the code relies on is checked, and trailing bytes are refused.
 *
 *-------------------------------------------------------------------------
 */
#include "funnel_codec.h"

#include <stdio.h>

#define HINT_TEXT	"Use the text produced by cq.funnel_state's output function."
#define HINT_SEND	"Pass a value produced by cq.funnel_state's send function."
#define HINT_STATE	"Pass a value produced by cq.funnel_events."

/*
 * Read a decimal integer in [min, max] at *p, in canonical form (what the
 * output function writes: no leading zeros, no "-0"), advance *p past it.
 */
static bool
read_int(const char **p, int64_t min, int64_t max, const char *what, int64_t *out,
		 CqCodecError *e)
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
		return cq_codec_fail(e, CQ_CODEC_SYNTAX, true, HINT_TEXT,
							 "invalid input syntax for type cq.funnel_state\nExpected %s.", what);
	*p = s;
	*out = value;
	return true;
}

/* Expect the literal lit at *p, advance past it */
static bool
read_lit(const char **p, const char *lit, CqCodecError *e)
{
	size_t		n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return cq_codec_fail(e, CQ_CODEC_SYNTAX, true, HINT_TEXT,
							 "invalid input syntax for type cq.funnel_state\nExpected \"%s\".", lit);
	*p += n;
	return true;
}

/* Version, step count and event count (text and binary alike) */
static bool
check_header(int64_t version, int64_t nsteps, int64_t count, CqCodecError *e)
{
	if (version != CQ_FUNNEL_VERSION)
		return cq_codec_fail(e, CQ_CODEC_VERSION, false,
							 "Produce the state with the same or an older release of conversion_quality.",
							 "unsupported cq.funnel_state format version %lld\nThis build reads format version %d.",
							 (long long) version, CQ_FUNNEL_VERSION);
	if (nsteps < 1 || nsteps > CQ_FUNNEL_MAX_STEPS)
		return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_STATE,
							 "invalid step count %lld in cq.funnel_state\nA funnel has 1 to %d steps.",
							 (long long) nsteps, CQ_FUNNEL_MAX_STEPS);
	if (count < 0 || count > CQ_FUNNEL_MAX_EVENTS)
		return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_STATE,
							 "invalid event count %lld in cq.funnel_state\nA state holds 0 to %d events.",
							 (long long) count, (int) CQ_FUNNEL_MAX_EVENTS);
	return true;
}

/*
 * cq_funnel_check_params
 *		A window_funnel window and mode: a window of at least 0 us, known
 *		mode flags, and allow_reentry only with strict_order (ClickHouse's
 *		rule).  The mode parser raises the same refusal for a mode text.
 */
bool
cq_funnel_check_params(int64_t window, int64_t mode, CqCodecError *e)
{
	if (window < 0 || mode < 0 || mode > CQ_FUNNEL_ALL_MODES)
		return cq_codec_fail(e, CQ_CODEC_INVALID, false, "Pass a value produced by this extension.",
							 "invalid window or mode in cq.funnel_state\n"
							 "The window must be a non-negative number of microseconds and the mode a set of known flags (0 to %d).",
							 CQ_FUNNEL_ALL_MODES);
	if ((mode & CQ_FUNNEL_ALLOW_REENTRY) && !(mode & CQ_FUNNEL_STRICT_ORDER))
		return cq_codec_fail(e, CQ_CODEC_INVALID, false, "Use mode 'strict_order,allow_reentry'.",
							 "funnel mode allow_reentry requires strict_order\n"
							 "allow_reentry changes how strict_order treats a step that arrives before its predecessor.");
	return true;
}

/*
 * Event i: a valid time (or +-infinity), no step beyond nsteps, and
 * canonical order after event i-1 (by ts, then mask; a row satisfying no
 * step once per time).
 */
static bool
check_event(const CqFunnelHeader *h, const CqFunnelEvent *ev, int32_t i, CqCodecError *e)
{
	int64_t		ts = ev[i].ts;

	if (!(ts == INT64_MIN || ts == INT64_MAX ||
		  (CQ_FUNNEL_MIN_TIMESTAMP <= ts && ts < CQ_FUNNEL_END_TIMESTAMP)))
		return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_STATE,
							 "event %d of cq.funnel_state has an invalid time\n"
							 "Times are microseconds since 2000-01-01 within timestamptz's range.",
							 (int) i + 1);
	if (h->nsteps < 32 && (ev[i].mask >> h->nsteps) != 0)
		return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_STATE,
							 "event %d of cq.funnel_state names a step beyond step %d\n"
							 "Bit k-1 of an event's mask stands for step k.",
							 (int) i + 1, h->nsteps);
	if (i > 0)
	{
		const CqFunnelEvent *prev = &ev[i - 1];

		if (prev->ts > ts ||
			(prev->ts == ts && (prev->mask > ev[i].mask ||
								(prev->mask == ev[i].mask && ev[i].mask == 0))))
			return cq_codec_fail(e, CQ_CODEC_INVALID, false, HINT_STATE,
								 "events of cq.funnel_state are not in canonical order at event %d\n"
								 "Events are sorted by time, then by mask, and a row satisfying no step appears once per time.",
								 (int) i + 1);
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
	if (!read_lit(&p, "v", e) ||
		!read_int(&p, 0, 255, "a format version", &version, e) ||
		!read_lit(&p, " steps=", e) ||
		!read_int(&p, 0, 255, "a step count", &nsteps, e) ||
		!read_lit(&p, " params=", e))
		return false;
	if (*p == '-')
		p++;
	else
	{
		h->has_params = true;
		if (!read_int(&p, INT64_MIN, INT64_MAX, "a window in microseconds", &window, e) ||
			!read_lit(&p, "/", e) ||
			!read_int(&p, 0, UINT32_MAX, "a mode", &mode, e))
			return false;
	}
	if (!read_lit(&p, " events=", e) ||
		!read_int(&p, 0, INT32_MAX, "an event count", &count, e) ||
		!check_header(version, nsteps, count, e) ||
		(h->has_params && !cq_funnel_check_params(window, mode, e)))
		return false;
	/* at most strlen/4 events can follow: bound the allocation by the input */
	if (count > (int64_t) (strlen(p) / 4 + 1))
		return cq_codec_fail(e, CQ_CODEC_SYNTAX, false, HINT_TEXT,
							 "cq.funnel_state announces %lld events but has fewer\n"
							 "The event count must equal the number of events listed.",
							 (long long) count);
	h->version = (int) version;
	h->nsteps = (int) nsteps;
	h->window = window;
	h->mode = (uint32_t) mode;
	h->count = (int32_t) count;
	*pos = (size_t) (p - input);
	return true;
}

bool
cq_funnel_text_events(const char *input, size_t *pos, const CqFunnelHeader *h,
					  CqFunnelEvent *ev, int32_t from, int32_t to, CqCodecError *e)
{
	const char *p = input + *pos;
	int32_t		i;

	for (i = from; i < to; i++)
	{
		int64_t		ts,
					mask;

		if (!read_lit(&p, i == 0 ? " " : ",", e) ||
			!read_int(&p, INT64_MIN, INT64_MAX, "an event time", &ts, e) ||
			!read_lit(&p, ":", e) ||
			!read_int(&p, 0, UINT32_MAX, "an event mask", &mask, e))
			return false;
		ev[i].ts = ts;
		ev[i].mask = (uint32_t) mask;
		ev[i].reserved = 0;
		if (!check_event(h, ev, i, e))
			return false;
	}
	*pos = (size_t) (p - input);
	if (to == h->count && *p != '\0')
		return cq_codec_fail(e, CQ_CODEC_SYNTAX, true, HINT_TEXT,
							 "invalid input syntax for type cq.funnel_state\n"
							 "Unexpected text after the last of %lld events.",
							 (long long) h->count);
	return true;
}

/* A binary form shorter than its fixed part */
static bool
truncated(CqCodecError *e, size_t need, size_t left)
{
	return cq_codec_fail(e, CQ_CODEC_BINARY, false, HINT_SEND,
						 "binary cq.funnel_state is truncated\n%d more bytes were expected, %d are left.",
						 (int) need, (int) left);
}

/* A binary count that does not match the bytes of events present */
static bool
event_bytes(CqCodecError *e, int32_t count, size_t bytes)
{
	return cq_codec_fail(e, CQ_CODEC_BINARY, false, HINT_SEND,
						 "binary cq.funnel_state announces %d events but carries %d bytes of events\n"
						 "Each event takes 12 bytes.",
						 (int) count, (int) bytes);
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
		return truncated(e, 3, len);
	h->version = data[0];
	h->nsteps = data[1];
	if (data[2] > 1)
		return cq_codec_fail(e, CQ_CODEC_BINARY, false, HINT_SEND,
							 "invalid parameter flag %d in binary cq.funnel_state\nThe flag is 0 or 1.",
							 (int) data[2]);
	h->has_params = data[2] == 1;
	p = 3;
	if (h->has_params)
	{
		if (len - p < 12)
			return truncated(e, 12, len - p);
		window = (int64_t) cq_get_u64(data + p);
		mode = cq_get_u32(data + p + 8);
		p += 12;
	}
	if (len - p < 4)
		return truncated(e, 4, len - p);
	count = (int32_t) cq_get_u32(data + p);
	p += 4;
	if (!check_header(h->version, h->nsteps, count, e) ||
		(h->has_params && !cq_funnel_check_params(window, mode, e)))
		return false;
	if ((int64_t) count * 12 != (int64_t) (len - p))
		return event_bytes(e, count, len - p);
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
		return event_bytes(e, h->count, len - pos);
	for (i = 0; i < h->count; i++)
	{
		ev[i].ts = (int64_t) cq_get_u64(data + pos + (size_t) i * 12);
		ev[i].mask = cq_get_u32(data + pos + (size_t) i * 12 + 8);
		ev[i].reserved = 0;
		if (!check_event(h, ev, i, e))
			return false;
	}
	return true;
}

size_t
cq_funnel_put_text_header(const CqFunnelHeader *h, char *out)
{
	char	   *p = out;

	p += sprintf(p, "v%d steps=%d params=", CQ_FUNNEL_VERSION, h->nsteps);
	if (h->has_params)
		p += sprintf(p, "%lld/%u", (long long) h->window, (unsigned) h->mode);
	else
		*p++ = '-';
	p += sprintf(p, " events=%d", (int) h->count);
	*p = '\0';
	return (size_t) (p - out);
}

size_t
cq_funnel_put_text_events(const CqFunnelEvent *ev, int32_t from, int32_t to, char *out)
{
	char	   *p = out;
	int32_t		i;

	for (i = from; i < to; i++)
		p += sprintf(p, "%c%lld:%u", i == 0 ? ' ' : ',', (long long) ev[i].ts,
					 (unsigned) ev[i].mask);
	*p = '\0';
	return (size_t) (p - out);
}

size_t
cq_funnel_text_size(const CqFunnelHeader *h)
{
	return CQ_FUNNEL_TEXT_HEADER_MAX + (size_t) h->count * CQ_FUNNEL_TEXT_EVENT_MAX + 1;
}

size_t
cq_funnel_to_text(const CqFunnelHeader *h, const CqFunnelEvent *ev, char *out)
{
	size_t		n = cq_funnel_put_text_header(h, out);

	return n + cq_funnel_put_text_events(ev, 0, h->count, out + n);
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

	*p++ = CQ_FUNNEL_VERSION;
	*p++ = (uint8_t) h->nsteps;
	*p++ = h->has_params ? 1 : 0;
	if (h->has_params)
	{
		p = cq_put_u64(p, (uint64_t) h->window);
		p = cq_put_u32(p, h->mode);
	}
	p = cq_put_u32(p, (uint32_t) h->count);
	for (i = 0; i < h->count; i++)
	{
		p = cq_put_u64(p, (uint64_t) ev[i].ts);
		p = cq_put_u32(p, ev[i].mask);
	}
	return (size_t) (p - out);
}
