/*-------------------------------------------------------------------------
 *
 * fuzz_identifier.c
 *	  libFuzzer harness for src/identifier_core.c (cq.normalize_identifier
 *	  for every kind but phone, which has fuzz_phone.c).
 *
 * Input: byte 0 picks the kind, byte 1 the platform, the rest is the value.
 * Invariants besides "no crash, no sanitizer report":
 *	- the status is OK, NULL, or BAD_UTF8 and BAD_UTF8 only for input that
 *	  is not well-formed UTF-8;
 *	- an OK result is non-empty, of the reported length, with no whitespace
 *	  at either end (what the platforms mean by "trim"), and well-formed
 *	  UTF-8 when the input was (rules that do not lowercase, such as
 *	  Google's zip or most external ids, pass bytes through unchanged, as
 *	  they arrive from a SQL_ASCII database);
 *	- normalizing the result again gives the same bytes (idempotence);
 *	- country is two ASCII letters (uppercase for Google, else lowercase);
 *	- kinds whose rule removes punctuation, spaces or digits keep none.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"
#include "identity_core.h"

static const CqKind kinds[] = {
	CQ_KIND_EMAIL, CQ_KIND_FIRST_NAME, CQ_KIND_LAST_NAME, CQ_KIND_CITY,
	CQ_KIND_STATE, CQ_KIND_ZIP, CQ_KIND_COUNTRY, CQ_KIND_EXTERNAL_ID
};

/* Normalize into a fresh buffer, grown as the core asks; the caller frees *out */
static CqTextStatus
normalize(const char *s, int len, CqKind kind, CqPlatform platform, char **out,
		  int *outlen)
{
	CqTextBuf	buf;
	CqTextStatus status;

	/* one input in four starts with a buffer too small for it */
	fuzz_text_buf_init(&buf, s, len, len % 4 == 1 ? 1 + len / 8 : 0);
	do
		status = cq_identifier_normalize(s, len, kind, platform, &buf, outlen);
	while (fuzz_text_buf_grown(status, &buf));
	*out = buf.out;
	return status;
}

static bool
is_punct(char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
		(c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CqKind		kind;
	CqPlatform	platform;
	char	   *s;
	int			len;
	char	   *out;
	int			outlen;
	CqTextStatus status;

	if (size < 2 || size > 65536)
		return 0;
	kind = kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))];
	platform = (CqPlatform) (data[1] % CQ_NUM_PLATFORMS);
	len = (int) size - 2;
	s = fuzz_dup(data + 2, len);

	status = normalize(s, len, kind, platform, &out, &outlen);
	FUZZ_CHECK(status == CQ_TEXT_OK || status == CQ_TEXT_NULL || status == CQ_TEXT_BAD_UTF8,
			   "status %d", (int) status);
	if (status == CQ_TEXT_BAD_UTF8)
		FUZZ_CHECK(!fuzz_utf8_valid(s, len), "ICU rejected well-formed UTF-8");
	if (status == CQ_TEXT_OK)
	{
		const char *t = out;
		int			tlen = outlen;
		char	   *again;
		int			againlen;

		FUZZ_CHECK(outlen > 0 && outlen <= 3 * len, "length %d", outlen);
		FUZZ_CHECK(out[outlen] == '\0', "not NUL-terminated");
		if (fuzz_utf8_valid(s, len))
			FUZZ_CHECK(fuzz_utf8_valid(out, outlen), "output is not UTF-8");
		cq_utf8_trim(&t, &tlen);
		FUZZ_CHECK(t == out && tlen == outlen,
				   "whitespace at an end of \"%.*s\" (kind %d, platform %d)",
				   outlen, out, (int) kind, (int) platform);

		if (kind == CQ_KIND_COUNTRY)
		{
			char		lo = platform == CQ_PLATFORM_GOOGLE ? 'A' : 'a';

			FUZZ_CHECK(outlen == 2 && out[0] >= lo && out[0] <= lo + 25 &&
					   out[1] >= lo && out[1] <= lo + 25, "country \"%s\"", out);
		}
		if ((platform == CQ_PLATFORM_GOOGLE || platform == CQ_PLATFORM_META) &&
			kind != CQ_KIND_EMAIL && kind != CQ_KIND_COUNTRY && kind != CQ_KIND_EXTERNAL_ID &&
			!(platform == CQ_PLATFORM_GOOGLE && kind == CQ_KIND_ZIP))
		{
			for (int i = 0; i < outlen; i++)
				FUZZ_CHECK(!is_punct(out[i]), "punctuation in \"%s\"", out);
		}
		if (platform == CQ_PLATFORM_META &&
			(kind == CQ_KIND_CITY || kind == CQ_KIND_STATE || kind == CQ_KIND_ZIP))
			FUZZ_CHECK(!cq_utf8_has_space(out, outlen), "whitespace in \"%s\"", out);
		if (platform == CQ_PLATFORM_META && kind == CQ_KIND_CITY)
		{
			for (int i = 0; i < outlen; i++)
				FUZZ_CHECK(!(out[i] >= '0' && out[i] <= '9'), "digit in \"%s\"", out);
		}

		status = normalize(out, outlen, kind, platform, &again, &againlen);
		FUZZ_CHECK(status == CQ_TEXT_OK && againlen == outlen &&
				   memcmp(again, out, outlen) == 0,
				   "not idempotent: \"%.*s\" (kind %d, platform %d)",
				   outlen, out, (int) kind, (int) platform);
		free(again);
	}
	free(out);
	free(s);
	return 0;
}
