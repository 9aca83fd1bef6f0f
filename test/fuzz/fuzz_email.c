/*-------------------------------------------------------------------------
 *
 * fuzz_email.c
 *	  libFuzzer harness for src/email_core.c (cq.normalize_email).
 *
 * Input: byte 0 picks the platform, the rest is the address.  Besides "no
 * crash, no sanitizer report", every result must hold these invariants:
 *	- the status is OK, NULL, or BAD_UTF8 and BAD_UTF8 only for input that
 *	  is not well-formed UTF-8;
 *	- an OK result is well-formed UTF-8 of the reported length, without
 *	  whitespace or ASCII uppercase, with exactly one '@' that is neither
 *	  first nor last;
 *	- Google's gmail.com/googlemail.com and UID2's gmail.com local parts
 *	  keep no '.' and no '+';
 *	- normalizing the result again gives the same bytes (idempotence);
 *	- generic, meta, tiktok and snap follow one rule and agree.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"
#include "identity_core.h"

/* Normalize into a fresh buffer, grown as the core asks; the caller frees *out */
static CqTextStatus
normalize(const char *s, int len, CqPlatform platform, char **out, int *outlen)
{
	CqTextBuf	buf;
	CqTextStatus status;

	/* one input in four starts with a buffer too small for it */
	fuzz_text_buf_init(&buf, s, len, len % 4 == 1 ? 1 + len / 8 : 0);
	do
		status = cq_email_normalize(s, len, platform, &buf, outlen);
	while (fuzz_text_buf_grown(status, &buf));
	*out = buf.out;
	return status;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CqPlatform	platform;
	char	   *s;
	int			len;
	char	   *out;
	int			outlen;
	CqTextStatus status;

	if (size < 1 || size > 65536)
		return 0;
	platform = (CqPlatform) (data[0] % CQ_NUM_PLATFORMS);
	len = (int) size - 1;
	s = fuzz_dup(data + 1, len);

	status = normalize(s, len, platform, &out, &outlen);
	FUZZ_CHECK(status == CQ_TEXT_OK || status == CQ_TEXT_NULL || status == CQ_TEXT_BAD_UTF8,
			   "status %d", (int) status);
	if (status == CQ_TEXT_BAD_UTF8)
		FUZZ_CHECK(!fuzz_utf8_valid(s, len), "ICU rejected well-formed UTF-8");
	if (status == CQ_TEXT_OK)
	{
		const char *at = memchr(out, '@', outlen);
		char	   *again;
		int			againlen;

		FUZZ_CHECK(outlen >= 3 && outlen <= 3 * len, "length %d", outlen);
		FUZZ_CHECK(out[outlen] == '\0' && strlen(out) == (size_t) outlen, "not a C string");
		FUZZ_CHECK(fuzz_utf8_valid(out, outlen), "output is not UTF-8");
		FUZZ_CHECK(!cq_utf8_has_space(out, outlen), "whitespace in \"%s\"", out);
		for (int i = 0; i < outlen; i++)
			FUZZ_CHECK(!(out[i] >= 'A' && out[i] <= 'Z'), "uppercase in \"%s\"", out);
		FUZZ_CHECK(at != NULL && at != out && at != out + outlen - 1 &&
				   memchr(at + 1, '@', outlen - (at + 1 - out)) == NULL, "'@' in \"%s\"", out);
		if ((platform == CQ_PLATFORM_GOOGLE &&
			 (strcmp(at + 1, "gmail.com") == 0 || strcmp(at + 1, "googlemail.com") == 0)) ||
			(platform == CQ_PLATFORM_UID2 && strcmp(at + 1, "gmail.com") == 0))
		{
			FUZZ_CHECK(memchr(out, '.', at - out) == NULL && memchr(out, '+', at - out) == NULL,
					   "unfolded gmail local part in \"%s\"", out);
		}

		status = normalize(out, outlen, platform, &again, &againlen);
		FUZZ_CHECK(status == CQ_TEXT_OK && againlen == outlen &&
				   memcmp(again, out, outlen) == 0, "not idempotent: \"%s\"", out);
		free(again);
	}

	/* the platforms sharing the plain rule agree with generic */
	if (platform == CQ_PLATFORM_META || platform == CQ_PLATFORM_TIKTOK ||
		platform == CQ_PLATFORM_SNAP)
	{
		char	   *generic;
		int			genericlen;
		CqTextStatus gstatus = normalize(s, len, CQ_PLATFORM_GENERIC, &generic, &genericlen);

		FUZZ_CHECK(gstatus == status, "status %d vs generic %d", (int) status, (int) gstatus);
		if (status == CQ_TEXT_OK)
			FUZZ_CHECK(genericlen == outlen && memcmp(generic, out, outlen) == 0,
					   "platform differs from generic");
		free(generic);
	}
	free(out);
	free(s);
	return 0;
}
