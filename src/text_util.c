/*-------------------------------------------------------------------------
 *
 * text_util.c
 *	  UTF-8 helpers for identifier normalization and key encoding.
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
#include "postgres.h"

#include <unicode/ustring.h>

#include "mb/pg_wchar.h"
#include "text_util.h"
#include "utils/builtins.h"

/*
 * cq_text_to_utf8
 *		NUL-terminated UTF-8 copy of a text value; its byte length in *len.
 *
 * In a UTF8 database this is a plain copy.  Otherwise the value is converted
 * with PostgreSQL's conversion routines, which raise the usual error for a
 * character that has no UTF-8 equivalent (none exists: every server encoding
 * maps into Unicode).
 */
char *
cq_text_to_utf8(text *t, int *len)
{
	int			srclen = VARSIZE_ANY_EXHDR(t);
	char	   *src = VARDATA_ANY(t);
	char	   *res;

	res = (char *) pg_do_encoding_conversion((unsigned char *) src, srclen,
											 GetDatabaseEncoding(), PG_UTF8);
	if (res == src)
	{
		res = palloc(srclen + 1);
		memcpy(res, src, srclen);
		res[srclen] = '\0';
		*len = srclen;
	}
	else
		*len = strlen(res);
	return res;
}

/*
 * cq_text_utf8_view
 *		The UTF-8 bytes of a text value without copying when the database is
 *		UTF8 (or SQL_ASCII, whose bytes are taken as they are); a converted
 *		copy otherwise.  The result is not NUL-terminated.
 */
const char *
cq_text_utf8_view(text *t, int *len)
{
	int			enc = GetDatabaseEncoding();

	if (enc == PG_UTF8 || enc == PG_SQL_ASCII)
	{
		*len = VARSIZE_ANY_EXHDR(t);
		return VARDATA_ANY(t);
	}
	return cq_text_to_utf8(t, len);
}

/*
 * cq_utf8_to_text
 *		A text value in the server encoding made from len bytes of UTF-8.
 */
text *
cq_utf8_to_text(const char *s, int len)
{
	char	   *conv;

	conv = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
											  PG_UTF8, GetDatabaseEncoding());
	if (conv != s)
		len = strlen(conv);
	return cstring_to_text_with_len(conv, len);
}

/*
 * cq_utf8_space_len
 *		If s (len bytes of valid UTF-8) starts with a whitespace character,
 *		return that character's byte length; otherwise return 0.
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
		int			n = cq_utf8_space_len(s + i, len - i);

		if (n > 0)
			return true;
		i += pg_utf_mblen((const unsigned char *) s + i);
	}
	return false;
}

/*
 * cq_utf8_lower
 *		Lowercase copy of len bytes of UTF-8, NUL-terminated, length in *outlen.
 *
 * ASCII input (the common case) is lowered byte by byte.  Anything else goes
 * through ICU's u_strToLower with the root locale: Unicode's default full case
 * mapping, independent of the database's locale settings, which is what keeps
 * the SQL functions IMMUTABLE.  Bytes that are not UTF-8 become U+FFFD, so
 * bad data never raises an error; an ICU failure (out of memory) does.
 */
char *
cq_utf8_lower(const char *s, int len, int *outlen)
{
	bool		ascii = true;
	char	   *res;
	UChar	   *u16,
			   *l16;
	int32_t		u16len,
				l16len,
				reslen;
	UErrorCode	status = U_ZERO_ERROR;

	for (int i = 0; i < len; i++)
	{
		if ((unsigned char) s[i] >= 0x80)
		{
			ascii = false;
			break;
		}
	}
	if (ascii)
	{
		res = palloc(len + 1);
		for (int i = 0; i < len; i++)
			res[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
		res[len] = '\0';
		*outlen = len;
		return res;
	}

	/* UTF-16 never needs more code units than UTF-8 has bytes */
	u16 = palloc(sizeof(UChar) * (len + 1));
	/* invalid UTF-8 (possible only in SQL_ASCII databases) becomes U+FFFD */
	u_strFromUTF8WithSub(u16, len + 1, &u16len, s, len, 0xFFFD, NULL, &status);
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not convert string to UTF-16: %s", u_errorName(status))));

	/* full case mapping can expand a string up to three times */
	l16 = palloc(sizeof(UChar) * (3 * u16len + 1));
	l16len = u_strToLower(l16, 3 * u16len + 1, u16, u16len, "", &status);
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not lowercase string: %s", u_errorName(status))));

	res = palloc(4 * l16len + 1);
	u_strToUTF8(res, 4 * l16len + 1, &reslen, l16, l16len, &status);
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not convert string to UTF-8: %s", u_errorName(status))));
	pfree(u16);
	pfree(l16);
	*outlen = reslen;
	return res;
}
