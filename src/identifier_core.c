/*-------------------------------------------------------------------------
 *
 * identifier_core.c
 *	  Normalization of every match-key kind, per platform, without
 *	  PostgreSQL (see identity_core.h); cq.normalize_identifier() in
 *	  identity_fields.c is its SQL face.
 *
 * Email has its own core (email_core.c) and phone numbers theirs
 * (phone_shim.cpp); the other kinds (names, city, state, zip, country,
 * external id) are a few character-level steps each, chosen per platform
 * from the rules in DEDUP_RULES.md section 2.3 and described as a set of
 * flags below.  Every kind trims surrounding whitespace first, and again
 * after the steps, and yields NULL when nothing is left.
 *
 *-------------------------------------------------------------------------
 */
#include "identity_core.h"

#include <string.h>

/* character-level steps applied after trimming, in this order */
#define STEP_LOWER			0x01	/* Unicode lowercase */
#define STEP_UPPER			0x02	/* ASCII uppercase (country codes) */
#define STEP_DROP_PUNCT		0x04	/* remove ASCII punctuation and symbols */
#define STEP_DROP_SPACE		0x08	/* remove whitespace */
#define STEP_DROP_DIGITS	0x10	/* remove ASCII digits */
#define STEP_US_ZIP5		0x20	/* "12345-6789" / "12345 6789" -> "12345" */
#define STEP_ALPHA2			0x40	/* must be two ASCII letters, else NULL */

/*
 * Steps per kind and platform.  Columns: generic, google, meta, tiktok,
 * snap, uid2.  Email and phone are handled by their own normalizers.
 */
static const int kind_steps[CQ_NUM_KINDS][CQ_NUM_PLATFORMS] = {
	[CQ_KIND_FIRST_NAME] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_LAST_NAME] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_CITY] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER | STEP_DROP_PUNCT | STEP_DROP_SPACE | STEP_DROP_DIGITS,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_STATE] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER | STEP_DROP_PUNCT | STEP_DROP_SPACE,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_ZIP] = {
		STEP_LOWER, 0,
		STEP_LOWER | STEP_US_ZIP5 | STEP_DROP_SPACE | STEP_DROP_PUNCT,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_COUNTRY] = {
		STEP_LOWER | STEP_ALPHA2, STEP_UPPER | STEP_ALPHA2, STEP_LOWER | STEP_ALPHA2,
		STEP_LOWER | STEP_ALPHA2, STEP_LOWER | STEP_ALPHA2, STEP_LOWER | STEP_ALPHA2
	},
	[CQ_KIND_EXTERNAL_ID] = {
		0, 0, 0, STEP_LOWER, 0, 0
	},
};

/*
 * ASCII punctuation and symbols: what the platforms' "no punctuation" rules
 * remove (Python's string.punctuation).  Non-ASCII marks are kept.
 */
static inline bool
is_ascii_punct(unsigned char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
		(c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/*
 * An ASCII letter, either case (country codes are ISO 3166-1 alpha-2).
 */
static inline bool
is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Is s exactly five ASCII digits, a '-' or a space, and four more digits?
 */
static bool
is_us_zip_plus4(const char *s, int len)
{
	if (len != 10 || (s[5] != '-' && s[5] != ' '))
		return false;
	for (int i = 0; i < 10; i++)
	{
		if (i != 5 && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	}
	return true;
}

/*
 * apply_steps
 *		Run the character-level steps on trimmed UTF-8 input, into buf->out.
 *		CQ_TEXT_NULL when nothing usable is left.
 */
static CqTextStatus
apply_steps(const char *s, int len, int steps, CqTextBuf *buf, int *outlen)
{
	char	   *res = buf->out;
	int			n;
	int			out = 0;
	int			i = 0;

	if (steps & STEP_US_ZIP5 && is_us_zip_plus4(s, len))
		len = 5;

	if (steps & STEP_LOWER)
	{
		CqTextStatus status = cq_utf8_lower(s, len, buf, &n);

		if (status != CQ_TEXT_OK)
			return status;
	}
	else
	{
		if (buf->outcap < (size_t) len + 1)
		{
			buf->need = (size_t) len + 1;
			return CQ_TEXT_NEED_SPACE;
		}
		memcpy(res, s, len);
		n = len;
	}

	while (i < n)
	{
		unsigned char c = (unsigned char) res[i];
		int			space = cq_utf8_space_len(res + i, n - i);
		int			clen = space > 0 ? space : cq_utf8_mblen(&c);

		if (clen > n - i)
			clen = n - i;
		if (!((space > 0 && (steps & STEP_DROP_SPACE)) ||
			  (is_ascii_punct(c) && (steps & STEP_DROP_PUNCT)) ||
			  (c >= '0' && c <= '9' && (steps & STEP_DROP_DIGITS))))
		{
			memmove(res + out, res + i, clen);
			if ((steps & STEP_UPPER) && res[out] >= 'a' && res[out] <= 'z')
				res[out] += 'A' - 'a';
			out += clen;
		}
		i += clen;
	}

	/*
	 * Removing punctuation can bare whitespace that was inside the trimmed
	 * value ("Jane ." -> "jane "); the platforms trim the normalized value,
	 * so trim again.
	 */
	{
		const char *t = res;
		int			tlen = out;

		cq_utf8_trim(&t, &tlen);
		memmove(res, t, tlen);
		out = tlen;
	}
	res[out] = '\0';

	if (steps & STEP_ALPHA2)
	{
		if (out != 2 || !is_ascii_letter(res[0]) || !is_ascii_letter(res[1]))
			return CQ_TEXT_NULL;
	}
	if (out == 0)
		return CQ_TEXT_NULL;
	*outlen = out;
	return CQ_TEXT_OK;
}

/*
 * cq_identifier_normalize
 *		Normalize len bytes of UTF-8 as an identifier of the given kind for
 *		platform, into buf->out (NUL-terminated, length in *outlen).
 *
 * Email goes to cq_email_normalize; phone numbers are not this core's (they
 * need libphonenumber, phone_shim.h) and give CQ_TEXT_UNSUPPORTED.
 * CQ_TEXT_NULL when the value is unusable.
 */
CqTextStatus
cq_identifier_normalize(const char *s, int len, CqKind kind, CqPlatform platform,
						CqTextBuf *buf, int *outlen)
{
	if ((int) platform < 0 || (int) platform >= CQ_NUM_PLATFORMS ||
		(int) kind < 0 || (int) kind >= CQ_NUM_KINDS)
		return CQ_TEXT_UNSUPPORTED;
	switch (kind)
	{
		case CQ_KIND_EMAIL:
			return cq_email_normalize(s, len, platform, buf, outlen);
		case CQ_KIND_PHONE:
			return CQ_TEXT_UNSUPPORTED;
		default:
			cq_utf8_trim(&s, &len);
			if (len == 0)
				return CQ_TEXT_NULL;
			return apply_steps(s, len, kind_steps[kind][platform], buf, outlen);
	}
}
