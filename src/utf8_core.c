/*-------------------------------------------------------------------------
 *
 * utf8_core.c
 *	  UTF-8 primitives for identifier normalization and key encoding,
 *	  without PostgreSQL: no palloc, no ereport (see utf8_core.h).
 *
 * Every key and hash this extension computes is defined over UTF-8 bytes, so
 * that a key computed in a LATIN1 database equals the one computed in a UTF8
 * database.  Whitespace is the set Python's str.isspace() accepts (the set
 * Google's reference formatter trims), and lowercasing is Unicode's default
 * full case mapping as ICU implements it for the root locale, so it does not
 * depend on the database's collation or LC_CTYPE.
 *
 *-------------------------------------------------------------------------
 */
#include "utf8_core.h"

#include <string.h>

#include <unicode/ucasemap.h>
#include <unicode/ustring.h>

/*
 * cq_utf8_mblen
 *		Byte length of the UTF-8 character whose lead byte is *s, judged from
 *		that byte alone (1 for a byte that cannot lead a sequence).
 *
 * The same rule as PostgreSQL's pg_utf_mblen(), so that the server module and
 * the fuzz harnesses step through invalid input identically.  Callers clamp
 * the result to the bytes that remain.
 */
int
cq_utf8_mblen(const unsigned char *s)
{
	if ((*s & 0x80) == 0)
		return 1;
	if ((*s & 0xe0) == 0xc0)
		return 2;
	if ((*s & 0xf0) == 0xe0)
		return 3;
	if ((*s & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/*
 * cq_utf8_space_len
 *		If s (len bytes) starts with a whitespace character, return that
 *		character's byte length; otherwise return 0.  Never reads past len.
 *
 * The set is Python's str.isspace(): ASCII \t \n \v \f \r, U+001C..U+001F,
 * space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 * U+205F and U+3000.
 */
int
cq_utf8_space_len(const char *s, int len)
{
	const unsigned char *u = (const unsigned char *) s;

	if (len <= 0)
		return 0;
	if (u[0] < 0x80)
		return (u[0] == ' ' || (u[0] >= 0x09 && u[0] <= 0x0d) ||
				(u[0] >= 0x1c && u[0] <= 0x1f)) ? 1 : 0;
	if (len >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (len >= 3 && u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
		return 3;				/* U+1680 */
	if (len >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
		(u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
		return 3;				/* U+2000..U+200A, U+2028, U+2029, U+202F */
	if (len >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
		return 3;				/* U+205F */
	if (len >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;				/* U+3000 */
	return 0;
}

/*
 * cq_utf8_trim
 *		Move *s and shrink *len so that no whitespace remains at either end.
 *
 * Trailing whitespace is found by stepping back to each character's lead
 * byte, so multi-byte spaces are removed at the end as well.
 */
void
cq_utf8_trim(const char **s, int *len)
{
	int			n;

	while (*len > 0 && (n = cq_utf8_space_len(*s, *len)) > 0)
	{
		*s += n;
		*len -= n;
	}
	while (*len > 0)
	{
		int			start = *len - 1;

		while (start > 0 && ((unsigned char) (*s)[start] & 0xc0) == 0x80)
			start--;
		n = cq_utf8_space_len(*s + start, *len - start);
		if (n == 0 || start + n != *len)
			break;
		*len = start;
	}
}

/*
 * cq_utf8_has_space
 *		True if any whitespace character occurs in the len bytes at s.
 */
bool
cq_utf8_has_space(const char *s, int len)
{
	int			i = 0;

	while (i < len)
	{
		if (cq_utf8_space_len(s + i, len - i) > 0)
			return true;
		i += cq_utf8_mblen((const unsigned char *) s + i);
	}
	return false;
}

/*
 * cq_utf8_is_ascii
 *		True if every one of the len bytes at s is ASCII.
 */
bool
cq_utf8_is_ascii(const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		if ((unsigned char) s[i] >= 0x80)
			return false;
	}
	return true;
}

/*
 * cq_lower_outcap
 *		Bytes of output buffer to lend cq_utf8_lower (and every normalizer
 *		built on it) first for these len bytes, NUL included: exact for ASCII,
 *		which lowercases byte for byte; otherwise room for the usual growth
 *		of full case mapping (a two-byte capital with a three-byte lowercase
 *		form), and CQ_TEXT_NEED_SPACE says when more is needed.  Nothing is
 *		sized for a worst case, so the buffer stays in proportion to the
 *		value however long it is.
 */
size_t
cq_lower_outcap(const char *s, int len)
{
	if (cq_utf8_is_ascii(s, len))
		return (size_t) len + 1;
	return (size_t) len + (size_t) len / 2 + 4;
}

/*
 * The case mapper of the root locale, opened on first use and kept for the
 * life of the process (a backend, or a fuzz harness).
 */
static UCaseMap *
root_case_map(UErrorCode *status)
{
	static UCaseMap *csm = NULL;

	if (csm == NULL)
		csm = ucasemap_open("", 0, status);
	return csm;
}

/*
 * cq_utf8_lower
 *		Lowercase len bytes of UTF-8 into buf->out (NUL-terminated, length in
 *		*outlen).
 *
 * ASCII input (the common case) is lowered byte by byte.  Anything else goes
 * through ICU's UTF-8 case mapping with the root locale: Unicode's default
 * full case mapping, independent of the database's locale settings, which is
 * what keeps the SQL functions IMMUTABLE.  ICU works on the UTF-8 directly,
 * with no UTF-16 copy.  Input that is not well-formed UTF-8 gives
 * CQ_TEXT_BAD_UTF8 (checked first: the case mapper would pass ill-formed
 * bytes through); a result longer than buf->outcap - 1 gives
 * CQ_TEXT_NEED_SPACE with the exact size in buf->need (ICU's preflight);
 * other ICU failures CQ_TEXT_LOWER_FAILED, with ICU's error code in
 * buf->icu_error.
 */
CqTextStatus
cq_utf8_lower(const char *s, int len, CqTextBuf *buf, int *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	UCaseMap   *csm;
	int32_t		u16len;
	int32_t		reslen;

	if (cq_utf8_is_ascii(s, len))
	{
		if (buf->outcap < (size_t) len + 1)
		{
			buf->need = (size_t) len + 1;
			return CQ_TEXT_NEED_SPACE;
		}
		for (int i = 0; i < len; i++)
			buf->out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
		buf->out[len] = '\0';
		*outlen = len;
		return CQ_TEXT_OK;
	}

	/* well-formed?  ICU's UTF-16 length preflight checks every sequence */
	u_strFromUTF8(NULL, 0, &u16len, s, len, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
	{
		buf->icu_error = (int) status;
		return CQ_TEXT_BAD_UTF8;
	}
	status = U_ZERO_ERROR;
	csm = root_case_map(&status);
	if (csm == NULL || U_FAILURE(status))
	{
		buf->icu_error = (int) status;
		return CQ_TEXT_LOWER_FAILED;
	}

	reslen = ucasemap_utf8ToLower(csm, buf->out,
								  (int32_t) (buf->outcap > INT32_MAX ? INT32_MAX : buf->outcap),
								  s, len, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING ||
		(U_SUCCESS(status) && (size_t) reslen >= buf->outcap))
	{
		/* reslen is what the whole result needs, without its NUL */
		buf->need = (size_t) reslen + 1;
		return CQ_TEXT_NEED_SPACE;
	}
	if (U_FAILURE(status))
	{
		buf->icu_error = (int) status;
		return CQ_TEXT_LOWER_FAILED;
	}
	*outlen = reslen;
	return CQ_TEXT_OK;
}
