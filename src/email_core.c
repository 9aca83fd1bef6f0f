/*-------------------------------------------------------------------------
 *
 * email_core.c
 *	  Email normalization for advanced matching and enhanced conversions,
 *	  without PostgreSQL (see identity_core.h); cq.normalize_email() in
 *	  identity_email.c is its SQL face.
 *
 * Rules (shared/reference/DEDUP_RULES.md section 2.1): every platform trims
 * and lowercases; Google also removes dots and a "+tag" from the local part
 * of gmail.com and googlemail.com addresses, UID2 does so for gmail.com only.
 *
 *-------------------------------------------------------------------------
 */
#include "identity_core.h"

#include <string.h>

/*
 * cq_email_normalize
 *		Normalize len bytes of UTF-8 as an email address for platform, into
 *		buf->out (NUL-terminated, length in *outlen).
 *
 * Returns CQ_TEXT_NULL when the value is not an address: empty after
 * trimming, whitespace inside, a NUL byte, no '@' or more than one, an empty
 * local part or domain, or a Gmail local part that becomes empty once dots
 * and the +tag are removed.  Lowercasing failures are passed on.
 */
CqTextStatus
cq_email_normalize(const char *s, int len, CqPlatform platform, CqTextBuf *buf,
				   int *outlen)
{
	CqTextStatus status;
	char	   *low = buf->out;
	int			lowlen;
	char	   *at;
	char	   *domain;
	bool		fold;

	cq_utf8_trim(&s, &len);
	if (len == 0 || cq_utf8_has_space(s, len))
		return CQ_TEXT_NULL;

	status = cq_utf8_lower(s, len, buf, &lowlen);
	if (status != CQ_TEXT_OK)
		return status;
	if (memchr(low, '\0', lowlen) != NULL)
		return CQ_TEXT_NULL;	/* cannot happen for text, but keep C strings honest */

	at = strchr(low, '@');
	if (at == NULL || at == low || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return CQ_TEXT_NULL;
	domain = at + 1;

	if (platform == CQ_PLATFORM_GOOGLE)
		fold = strcmp(domain, "gmail.com") == 0 || strcmp(domain, "googlemail.com") == 0;
	else if (platform == CQ_PLATFORM_UID2)
		fold = strcmp(domain, "gmail.com") == 0;
	else
		fold = false;

	if (fold)
	{
		char	   *src = low;
		char	   *dst = low;

		/* keep the local part up to the first '+', without dots */
		while (src < at && *src != '+')
		{
			if (*src != '.')
				*dst++ = *src;
			src++;
		}
		if (dst == low)
			return CQ_TEXT_NULL;
		memmove(dst, at, strlen(at) + 1);
		lowlen = (int) strlen(low);
	}
	*outlen = lowlen;
	return CQ_TEXT_OK;
}
