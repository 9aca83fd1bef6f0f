/*-------------------------------------------------------------------------
 *
 * fuzz_rank_sample.c
 *	  libFuzzer harness for the cq.rank_sample decoders and encoders of
 *	  src/rank_codec.c (rank_sample_in/out/recv/send run exactly these).
 *
 * Every input is read twice: as text (up to its first NUL) and as the
 * binary form, each in the server's two steps (header, then the pairs
 * into room for exactly the announced count).  A value either decoder
 * accepts must satisfy, besides "no crash, no sanitizer report":
 *	- the count is within 0 .. CQ_RANK_MAX_PAIRS and bounded by the
 *	  input (text: at most strlen / 4 + 1; binary: exactly (len - 9) / 16);
 *	- no NaN in any pair (infinities are allowed: they are ordered);
 *	- binary input is canonical: send(recv(b)) == b;
 *	- out(v) reads back to the same bits and out of that is out(v) again;
 *	  send(v) reads back to the same bits;
 *	- encoders stay within their announced sizes (exact heap buffers).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "fuzz_common.h"
#include "rank_codec.h"

/* Decode text in the server's two steps; *pairs malloc'd (caller frees) */
static bool
decode_text(const char *str, int64_t *count, CqRankPair **pairs, CqCodecError *e)
{
	size_t		pos;

	*pairs = NULL;
	if (!cq_rank_text_header(str, count, &pos, e))
		return false;
	FUZZ_CHECK(*count >= 0 && *count <= (int64_t) (strlen(str) / 4 + 1),
			   "text count %lld for %zu bytes", (long long) *count, strlen(str));
	*pairs = malloc(*count > 0 ? (size_t) *count * sizeof(CqRankPair) : 1);
	if (*pairs == NULL)
		abort();
	/* in pieces, as the server reads a large sample */
	for (int64_t i = 0, piece = 1 + (int64_t) (strlen(str) % 3); i == 0 || i < *count; i += piece)
		if (!cq_rank_text_pairs(str, &pos, *count, *pairs, i, i + piece < *count ? i + piece : *count, e))
			return false;
	return true;
}

static bool
decode_binary(const uint8_t *data, size_t len, int64_t *count, CqRankPair **pairs,
			  CqCodecError *e)
{
	*pairs = NULL;
	if (!cq_rank_binary_header(data, len, count, e))
		return false;
	FUZZ_CHECK(len >= 9 && (size_t) *count * 16 == len - 9, "binary count %lld for %zu bytes",
			   (long long) *count, len);
	*pairs = malloc(*count > 0 ? (size_t) *count * sizeof(CqRankPair) : 1);
	if (*pairs == NULL)
		abort();
	return cq_rank_binary_pairs(data, len, *count, *pairs, e);
}

/*
 * The text form written in pieces (as the server writes it: header, then
 * runs of pairs, each within its announced maximum) equals the whole.
 */
static void
check_text_in_pieces(const CqRankPair *pairs, int64_t count, const char *whole, size_t len)
{
	/* the announced size: a double may use all of its maximum while written */
	char	   *t = malloc(cq_rank_text_size(count));
	size_t		n;
	int64_t		piece = 1 + count % 5;

	if (t == NULL)
		abort();
	n = cq_rank_put_text_header(count, t);
	FUZZ_CHECK(n < CQ_RANK_TEXT_HEADER_MAX, "text header of %zu bytes", n);
	for (int64_t i = 0; i < count; i += piece)
	{
		int64_t		to = i + piece < count ? i + piece : count;
		size_t		m = cq_rank_put_text_pairs(pairs, i, to, t + n);

		FUZZ_CHECK(m < (size_t) (to - i) * CQ_RANK_TEXT_PAIR_MAX,
				   "%zu bytes for %lld pairs", m, (long long) (to - i));
		n += m;
	}
	FUZZ_CHECK(n == len && memcmp(t, whole, len + 1) == 0, "text in pieces differs: %.200s", t);
	free(t);
}

static void
check_round_trips(const CqRankPair *pairs, int64_t count)
{
	size_t		tsize = cq_rank_text_size(count);
	size_t		bsize = cq_rank_binary_size(count);
	char	   *t1 = malloc(tsize);
	char	   *t2 = malloc(tsize);
	uint8_t    *b = malloc(bsize);
	CqRankPair *v;
	int64_t		n;
	CqCodecError e;
	size_t		len;

	if (t1 == NULL || t2 == NULL || b == NULL)
		abort();
	for (int64_t i = 0; i < count; i++)
		FUZZ_CHECK(!isnan(pairs[i].x) && !isnan(pairs[i].y), "NaN in pair %lld", (long long) i + 1);

	len = cq_rank_to_text(pairs, count, t1);
	FUZZ_CHECK(len < tsize && strlen(t1) == len, "text length %zu of %zu", len, tsize);
	check_text_in_pieces(pairs, count, t1, len);
	FUZZ_CHECK(decode_text(t1, &n, &v, &e), "out() not accepted by in(): %.200s (code %d: %s)",
			   t1, (int) e.code, e.detail);
	FUZZ_CHECK(n == count && (count == 0 || memcmp(v, pairs, (size_t) count * sizeof(*v)) == 0),
			   "in(out(v)) != v for %.200s", t1);
	cq_rank_to_text(v, n, t2);
	FUZZ_CHECK(strcmp(t1, t2) == 0, "out(in(out(v))) != out(v): %.200s", t1);
	free(v);

	cq_rank_to_binary(pairs, count, b);
	FUZZ_CHECK(decode_binary(b, bsize, &n, &v, &e), "send() not accepted by recv() (code %d)",
			   (int) e.code);
	FUZZ_CHECK(n == count && (count == 0 || memcmp(v, pairs, (size_t) count * sizeof(*v)) == 0),
			   "recv(send(v)) != v");
	free(v);
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
	CqRankPair *pairs;
	int64_t		count;
	CqCodecError e;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (decode_text(text, &count, &pairs, &e))
		check_round_trips(pairs, count);
	else
		FUZZ_CHECK((e.code == CQ_CODEC_SYNTAX || e.code == CQ_CODEC_VERSION ||
					e.code == CQ_CODEC_INVALID) && e.message[0] != '\0' && e.detail[0] != '\0',
				   "text refused with code %d", (int) e.code);
	free(pairs);

	if (decode_binary(bin, size, &count, &pairs, &e))
	{
		uint8_t    *b = malloc(cq_rank_binary_size(count));

		if (b == NULL)
			abort();
		cq_rank_to_binary(pairs, count, b);
		FUZZ_CHECK(memcmp(b, bin, size) == 0, "send(recv(b)) != b");
		free(b);
		check_round_trips(pairs, count);
	}
	else
		FUZZ_CHECK((e.code == CQ_CODEC_BINARY || e.code == CQ_CODEC_VERSION ||
					e.code == CQ_CODEC_INVALID) && e.message[0] != '\0' && e.detail[0] != '\0',
				   "binary refused with code %d", (int) e.code);
	free(pairs);
	free(text);
	free(bin);
	return 0;
}
