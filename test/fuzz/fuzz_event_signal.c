/*-------------------------------------------------------------------------
 *
 * fuzz_event_signal.c
 *	  libFuzzer harness for the cq.event_signal decoders and encoders of
 *	  src/signal_codec.c (event_signal_in/out/recv/send run exactly these).
 *
 * Every input is read twice: as text (up to its first NUL, as a cstring
 * reaches event_signal_in) and as the binary form.  Besides "no crash, no
 * sanitizer report", a value either decoder accepts must satisfy:
 *	- counts: 0 <= pos <= n <= INT64_MAX / 4 in both groups; every moment
 *	  finite (no NaN, no infinity), squared deviations >= 0, an empty group
 *	  all zero, a group of one row without squared deviations;
 *	- binary input is canonical: send(recv(b)) == b, byte for byte;
 *	- text: out(v) reads back to the same bits, and out of that is out(v)
 *	  again (the output is a fixed point; input may be non-canonical, as
 *	  "1.0" or "+1");
 *	- send(v) reads back to the same bits;
 *	- every encoder stays within the size signal_codec.h announces (the
 *	  buffers are exactly that size, AddressSanitizer watches them).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "fuzz_common.h"
#include "signal_codec.h"

static void
check_value(const CqSignal *s)
{
	for (int i = 0; i < 2; i++)
	{
		const CqSignalGroup *g = &s->g[i];

		FUZZ_CHECK(g->n >= 0 && g->n <= INT64_MAX / 4, "group %d n %lld", i, (long long) g->n);
		FUZZ_CHECK(g->pos >= 0 && g->pos <= g->n, "group %d pos %lld n %lld", i,
				   (long long) g->pos, (long long) g->n);
		FUZZ_CHECK(isfinite(g->sx) && isfinite(g->sxx) && isfinite(g->lsx) && isfinite(g->lsxx),
				   "group %d has a non-finite moment", i);
		FUZZ_CHECK(g->sxx >= 0 && g->lsxx >= 0, "group %d negative squared deviations", i);
		FUZZ_CHECK(g->n != 0 || (g->sx == 0 && g->sxx == 0 && g->lsx == 0 && g->lsxx == 0),
				   "group %d empty with moments", i);
		FUZZ_CHECK(g->n != 1 || (g->sxx == 0 && g->lsxx == 0),
				   "group %d of one row with squared deviations", i);
	}
}

/* An accepted value survives both encodings unchanged */
static void
check_round_trips(const CqSignal *s)
{
	char	   *t1 = malloc(CQ_SIGNAL_TEXT_MAX);
	char	   *t2 = malloc(CQ_SIGNAL_TEXT_MAX);
	uint8_t    *b = malloc(CQ_SIGNAL_BINARY_SIZE);
	CqSignal	v;
	CqCodecError e;
	size_t		n1;

	if (t1 == NULL || t2 == NULL || b == NULL)
		abort();
	check_value(s);
	n1 = cq_signal_to_text(s, t1);
	FUZZ_CHECK(n1 < CQ_SIGNAL_TEXT_MAX && strlen(t1) == n1, "text length %zu", n1);
	FUZZ_CHECK(cq_signal_from_text(t1, &v, &e), "out() not accepted by in(): %s (code %d: %s)",
			   t1, (int) e.code, e.detail);
	FUZZ_CHECK(memcmp(&v, s, sizeof(v)) == 0, "in(out(v)) != v for %s", t1);
	cq_signal_to_text(&v, t2);
	FUZZ_CHECK(strcmp(t1, t2) == 0, "out(in(out(v))) %s != out(v) %s", t2, t1);

	cq_signal_to_binary(s, b);
	FUZZ_CHECK(cq_signal_from_binary(b, CQ_SIGNAL_BINARY_SIZE, &v, &e),
			   "send() not accepted by recv() (code %d)", (int) e.code);
	FUZZ_CHECK(memcmp(&v, s, sizeof(v)) == 0, "recv(send(v)) != v");
	free(t1);
	free(t2);
	free(b);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	uint8_t    *bin = (uint8_t *) fuzz_dup(data, size);
	CqSignal	s;
	CqCodecError e;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (cq_signal_from_text(text, &s, &e))
		check_round_trips(&s);
	else
		FUZZ_CHECK((e.code == CQ_CODEC_SYNTAX || e.code == CQ_CODEC_VERSION ||
					e.code == CQ_CODEC_INVALID) && e.message[0] != '\0' && e.detail[0] != '\0',
				   "text refused with code %d", (int) e.code);

	if (cq_signal_from_binary(bin, size, &s, &e))
	{
		uint8_t    *b = malloc(CQ_SIGNAL_BINARY_SIZE);

		if (b == NULL)
			abort();
		FUZZ_CHECK(size == CQ_SIGNAL_BINARY_SIZE, "accepted %zu bytes", size);
		cq_signal_to_binary(&s, b);
		FUZZ_CHECK(memcmp(b, bin, size) == 0, "send(recv(b)) != b");
		free(b);
		check_round_trips(&s);
	}
	else
		FUZZ_CHECK((e.code == CQ_CODEC_BINARY || e.code == CQ_CODEC_VERSION ||
					e.code == CQ_CODEC_INVALID) && e.message[0] != '\0' && e.detail[0] != '\0',
				   "binary refused with code %d", (int) e.code);
	free(text);
	free(bin);
	return 0;
}
