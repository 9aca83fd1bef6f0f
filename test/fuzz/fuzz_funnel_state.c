/*-------------------------------------------------------------------------
 *
 * fuzz_funnel_state.c
 *	  libFuzzer harness for the cq.funnel_state decoders and encoders of
 *	  src/funnel_codec.c (funnel_state_in/out/recv/send run exactly these).
 *
 * Every input is read twice: as text (up to its first NUL) and as the
 * binary form, each in the server's two steps (header, then the events
 * into room for exactly the announced count).  Both forms are canonical,
 * so a value either decoder accepts must satisfy, besides "no crash, no
 * sanitizer report":
 *	- text input: out(in(x)) == x, byte for byte; binary input:
 *	  send(recv(b)) == b;
 *	- in(out(v)) == v and recv(send(v)) == v (header and every event);
 *	- the header is valid: version 1, 1 to 32 steps, a count bounded by
 *	  the input, a window >= 0 and a known mode (allow_reentry only with
 *	  strict_order) when parameters are present;
 *	- every event has a time in timestamptz's range (or +-infinity), no
 *	  step beyond nsteps, and events are in canonical order (ts, then
 *	  mask; a row satisfying no step once per time);
 *	- encoders stay within their announced sizes (exact heap buffers).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"
#include "funnel_codec.h"

static bool
decode_text(const char *str, CqFunnelHeader *h, CqFunnelEvent **ev, CqCodecError *e)
{
	size_t		pos;

	*ev = NULL;
	if (!cq_funnel_text_header(str, h, &pos, e))
		return false;
	FUZZ_CHECK(h->count >= 0 && (size_t) h->count <= strlen(str) / 4 + 1,
			   "text count %d for %zu bytes", h->count, strlen(str));
	*ev = malloc(h->count > 0 ? (size_t) h->count * sizeof(CqFunnelEvent) : 1);
	if (*ev == NULL)
		abort();
	/* in pieces, as the server reads a large state */
	for (int32_t i = 0, piece = 1 + (int32_t) (strlen(str) % 3); i == 0 || i < h->count; i += piece)
		if (!cq_funnel_text_events(str, &pos, h, *ev, i, i + piece < h->count ? i + piece : h->count, e))
			return false;
	return true;
}

static bool
decode_binary(const uint8_t *data, size_t len, CqFunnelHeader *h, CqFunnelEvent **ev,
			  CqCodecError *e)
{
	size_t		pos;

	*ev = NULL;
	if (!cq_funnel_binary_header(data, len, h, &pos, e))
		return false;
	FUZZ_CHECK(h->count >= 0 && pos + (size_t) h->count * 12 == len,
			   "binary count %d for %zu bytes", h->count, len);
	*ev = malloc(h->count > 0 ? (size_t) h->count * sizeof(CqFunnelEvent) : 1);
	if (*ev == NULL)
		abort();
	return cq_funnel_binary_events(data, len, pos, h, *ev, e);
}

static void
check_value(const CqFunnelHeader *h, const CqFunnelEvent *ev)
{
	FUZZ_CHECK(h->version == 1, "version %d", h->version);
	FUZZ_CHECK(h->nsteps >= 1 && h->nsteps <= 32, "nsteps %d", h->nsteps);
	FUZZ_CHECK(h->count >= 0 && h->count <= CQ_FUNNEL_MAX_EVENTS, "count %d", h->count);
	if (h->has_params)
	{
		FUZZ_CHECK(h->window >= 0, "window %lld", (long long) h->window);
		FUZZ_CHECK(h->mode <= 0x1f && (!(h->mode & 0x10) || (h->mode & 0x02)), "mode %u", h->mode);
	}
	else
		FUZZ_CHECK(h->window == 0 && h->mode == 0, "parameters without the flag");
	for (int32_t i = 0; i < h->count; i++)
	{
		int64_t		ts = ev[i].ts;

		FUZZ_CHECK(ts == INT64_MIN || ts == INT64_MAX ||
				   (ts >= CQ_FUNNEL_MIN_TIMESTAMP && ts < CQ_FUNNEL_END_TIMESTAMP),
				   "event %d time %lld", i + 1, (long long) ts);
		FUZZ_CHECK(h->nsteps == 32 || (ev[i].mask >> h->nsteps) == 0,
				   "event %d mask %u for %d steps", i + 1, ev[i].mask, h->nsteps);
		FUZZ_CHECK(ev[i].reserved == 0, "event %d reserved", i + 1);
		if (i > 0)
			FUZZ_CHECK(ev[i - 1].ts < ts ||
					   (ev[i - 1].ts == ts && (ev[i - 1].mask < ev[i].mask ||
											   (ev[i - 1].mask == ev[i].mask && ev[i].mask != 0))),
					   "events %d and %d out of canonical order", i, i + 1);
	}
}

static void
check_same(const CqFunnelHeader *a, const CqFunnelEvent *ea,
		   const CqFunnelHeader *b, const CqFunnelEvent *eb, const char *what)
{
	FUZZ_CHECK(a->version == b->version && a->nsteps == b->nsteps &&
			   a->has_params == b->has_params && a->window == b->window &&
			   a->mode == b->mode && a->count == b->count, "%s: header differs", what);
	FUZZ_CHECK(a->count == 0 || memcmp(ea, eb, (size_t) a->count * sizeof(*ea)) == 0,
			   "%s: events differ", what);
}

/*
 * The text form written in pieces (as the server writes it: header, then
 * runs of events, each within its announced maximum) equals the whole.
 */
static void
check_text_in_pieces(const CqFunnelHeader *h, const CqFunnelEvent *ev, const char *whole,
					 size_t len)
{
	/* the announced size: a double may use all of its maximum while written */
	char	   *t = malloc(cq_funnel_text_size(h));
	size_t		n;
	int32_t		piece = 1 + h->count % 5;

	if (t == NULL)
		abort();
	n = cq_funnel_put_text_header(h, t);
	FUZZ_CHECK(n < CQ_FUNNEL_TEXT_HEADER_MAX, "text header of %zu bytes", n);
	for (int32_t i = 0; i < h->count; i += piece)
	{
		int32_t		to = i + piece < h->count ? i + piece : h->count;
		size_t		m = cq_funnel_put_text_events(ev, i, to, t + n);

		FUZZ_CHECK(m < (size_t) (to - i) * CQ_FUNNEL_TEXT_EVENT_MAX,
				   "%zu bytes for %d events", m, (int) (to - i));
		n += m;
	}
	FUZZ_CHECK(n == len && memcmp(t, whole, len + 1) == 0, "text in pieces differs: %.200s", t);
	free(t);
}

/* An accepted value survives both encodings unchanged; returns out(v) */
static char *
check_round_trips(const CqFunnelHeader *h, const CqFunnelEvent *ev, uint8_t **bin, size_t *binlen)
{
	size_t		tsize = cq_funnel_text_size(h);
	size_t		bsize = cq_funnel_binary_size(h);
	char	   *t = malloc(tsize);
	uint8_t    *b = malloc(bsize);
	CqFunnelHeader h2;
	CqFunnelEvent *ev2;
	CqCodecError e;
	size_t		len;

	if (t == NULL || b == NULL)
		abort();
	check_value(h, ev);
	len = cq_funnel_to_text(h, ev, t);
	FUZZ_CHECK(len < tsize && strlen(t) == len, "text length %zu of %zu", len, tsize);
	check_text_in_pieces(h, ev, t, len);
	FUZZ_CHECK(decode_text(t, &h2, &ev2, &e), "out() not accepted by in(): %.200s (code %d)",
			   t, (int) e.code);
	check_same(h, ev, &h2, ev2, "in(out(v))");
	free(ev2);

	len = cq_funnel_to_binary(h, ev, b);
	FUZZ_CHECK(len == bsize, "binary length %zu of %zu", len, bsize);
	FUZZ_CHECK(decode_binary(b, bsize, &h2, &ev2, &e), "send() not accepted by recv() (code %d)",
			   (int) e.code);
	check_same(h, ev, &h2, ev2, "recv(send(v))");
	free(ev2);
	*bin = b;
	*binlen = bsize;
	return t;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	uint8_t    *bin = (uint8_t *) fuzz_dup(data, size);
	CqFunnelHeader h;
	CqFunnelEvent *ev;
	CqCodecError e;
	char	   *t;
	uint8_t    *b;
	size_t		blen;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (decode_text(text, &h, &ev, &e))
	{
		t = check_round_trips(&h, ev, &b, &blen);
		FUZZ_CHECK(strcmp(t, text) == 0, "out(in(x)) != x: %.200s", text);
		free(t);
		free(b);
	}
	else
		FUZZ_CHECK(e.code != CQ_CODEC_OK && e.code != CQ_CODEC_BINARY &&
				   e.message[0] != '\0' && e.detail[0] != '\0' && e.hint != NULL,
				   "text refused with code %d", (int) e.code);
	free(ev);

	if (decode_binary(bin, size, &h, &ev, &e))
	{
		t = check_round_trips(&h, ev, &b, &blen);
		FUZZ_CHECK(blen == size && memcmp(b, bin, size) == 0, "send(recv(b)) != b");
		free(t);
		free(b);
	}
	else
		FUZZ_CHECK(e.code != CQ_CODEC_OK && e.code != CQ_CODEC_SYNTAX &&
				   e.message[0] != '\0' && e.detail[0] != '\0' && e.hint != NULL &&
				   !e.quote_input, "binary refused with code %d", (int) e.code);
	free(ev);
	free(text);
	free(bin);
	return 0;
}
