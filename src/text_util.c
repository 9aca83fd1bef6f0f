/*-------------------------------------------------------------------------
 *
 * text_util.c
 *	  Server-side UTF-8 helpers for identifier normalization and key encoding.
 *
 * Every key and hash this extension computes is defined over UTF-8 bytes, so
 * that a key computed in a LATIN1 database equals the one computed in a UTF8
 * database.  The character-level work (whitespace, trimming, lowercasing) is
 * in utf8_core.c, free of PostgreSQL so that it can be fuzzed; this file
 * holds the encoding conversions and the allocation and error reporting
 * around that core.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unicode/ustring.h>

#include "mb/pg_wchar.h"
#include "text_util.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

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
 * cq_text_buf_init
 *		Lend a normalizer core its first output buffer for len bytes of UTF-8
 *		at s (cq_lower_outcap), in CurrentMemoryContext.
 */
void
cq_text_buf_init(CqTextBuf *buf, const char *s, int len)
{
	/* a first guess past palloc's limit is cut to it: a larger need is an error then */
	buf->outcap = Min(cq_lower_outcap(s, len), MaxAllocSize);
	buf->out = palloc(buf->outcap);
	buf->need = 0;
	buf->icu_error = 0;
}

/*
 * cq_text_buf_grown
 *		After a core returned status: when it asked for more room
 *		(CQ_TEXT_NEED_SPACE), give its buffer exactly that and return true, so
 *		that the caller calls the core again; else false.  A result that
 *		cannot fit in one value (1 GB) is an error (54000).
 */
bool
cq_text_buf_grown(CqTextStatus status, CqTextBuf *buf)
{
	if (status != CQ_TEXT_NEED_SPACE)
		return false;
	if (buf->need <= buf->outcap)
		elog(ERROR, "identifier normalization core asked for %zu bytes with %zu lent",
			 buf->need, buf->outcap);
	if (!AllocSizeIsValid(buf->need))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("normalized value would take %zu bytes, more than a value can hold",
						buf->need),
				 errdetail("Lowercasing can make text longer, and a text value is limited to 1 GB."),
				 errhint("Normalize identifiers, not documents: trim the value first.")));
	pfree(buf->out);
	buf->out = palloc(buf->need);
	buf->outcap = buf->need;
	return true;
}

/*
 * cq_text_buf_result
 *		Turn a core's final status into the SQL outcome: true when buf->out
 *		holds the result, false when the result is NULL, and an error for a
 *		value ICU cannot read or an ICU failure.
 */
bool
cq_text_buf_result(CqTextStatus status, CqTextBuf *buf)
{
	const char *icu = u_errorName((UErrorCode) buf->icu_error);

	switch (status)
	{
		case CQ_TEXT_OK:
			return true;
		case CQ_TEXT_NULL:
			return false;
		case CQ_TEXT_BAD_UTF8:
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("could not convert string to UTF-16: %s", icu),
					 errdetail("The value is not valid UTF-8; a SQL_ASCII database stores text bytes unchecked."),
					 errhint("Keep customer identifiers in a UTF8 database, or convert them with convert_from().")));
			break;
		case CQ_TEXT_LOWER_FAILED:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not lowercase string: %s", icu)));
			break;
		case CQ_TEXT_NEED_SPACE:
		case CQ_TEXT_UNSUPPORTED:
			elog(ERROR, "identifier normalization core called with unsupported arguments");
			break;
	}
	pg_unreachable();
}
