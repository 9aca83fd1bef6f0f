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
 *		Bytes of output buffer that cq_utf8_lower (and every normalizer built
 *		on it) may need for these len bytes, NUL included.
 *
 * ASCII lowercases byte for byte.  Otherwise full case mapping yields at most
 * three UTF-16 code units per input code unit (and there are at most len of
 * those), each written as at most three UTF-8 bytes.
 */
size_t
cq_lower_outcap(const char *s, int len)
{
	if (cq_utf8_is_ascii(s, len))
		return (size_t) len + 1;
	return 9 * (size_t) len + 1;
}

/*
 * cq_lower_workcap
 *		Bytes of UTF-16 scratch space cq_utf8_lower needs for these len bytes:
 *		none for ASCII, else the input (len + 1 units) and its lowercase form
 *		(3 * len + 1 units).
 */
size_t
cq_lower_workcap(const char *s, int len)
{
	if (cq_utf8_is_ascii(s, len))
		return 0;
	return sizeof(UChar) * (4 * (size_t) len + 2);
}

/*
 * cq_utf8_lower
 *		Lowercase len bytes of UTF-8 into buf->out (NUL-terminated, length in
 *		*outlen).
 *
 * ASCII input (the common case) is lowered byte by byte.  Anything else goes
 * through ICU's u_strToLower with the root locale: Unicode's default full case
 * mapping, independent of the database's locale settings, which is what keeps
 * the SQL functions IMMUTABLE.  Input ICU cannot read as UTF-8 gives
 * CQ_TEXT_BAD_UTF8; other ICU failures their own status, with ICU's error
 * code in buf->icu_error.  Buffers smaller than cq_lower_outcap() /
 * cq_lower_workcap() make ICU report an overflow, never a write past them.
 */
CqTextStatus
cq_utf8_lower(const char *s, int len, CqTextBuf *buf, int *outlen)
{
	UChar	   *u16,
			   *l16;
	int32_t		u16cap,
				l16cap,
				u16len,
				l16len,
				reslen;
	UErrorCode	status = U_ZERO_ERROR;

	if (cq_utf8_is_ascii(s, len))
	{
		if (buf->outcap < (size_t) len + 1)
			return CQ_TEXT_UNSUPPORTED;
		for (int i = 0; i < len; i++)
			buf->out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
		buf->out[len] = '\0';
		*outlen = len;
		return CQ_TEXT_OK;
	}
	if (buf->work == NULL || buf->workcap < cq_lower_workcap(s, len) ||
		buf->outcap < 2 || buf->outcap > INT32_MAX)
		return CQ_TEXT_UNSUPPORTED;

	/* UTF-16 never needs more code units than UTF-8 has bytes */
	u16 = (UChar *) buf->work;
	u16cap = len + 1;
	l16 = u16 + u16cap;
	u_strFromUTF8(u16, u16cap, &u16len, s, len, &status);
	if (U_FAILURE(status))
	{
		buf->icu_error = (int) status;
		return CQ_TEXT_BAD_UTF8;
	}

	/* full case mapping can expand a string up to three times */
	l16cap = 3 * u16len + 1;
	l16len = u_strToLower(l16, l16cap, u16, u16len, "", &status);
	if (U_FAILURE(status))
	{
		buf->icu_error = (int) status;
		return CQ_TEXT_LOWER_FAILED;
	}

	u_strToUTF8(buf->out, (int32_t) buf->outcap, &reslen, l16, l16len, &status);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING)
	{
		buf->icu_error = (int) (U_FAILURE(status) ? status : U_BUFFER_OVERFLOW_ERROR);
		return CQ_TEXT_TO_UTF8_FAILED;
	}
	*outlen = reslen;
	return CQ_TEXT_OK;
}
