/*-------------------------------------------------------------------------
 *
 * codec.c
 *	  The parts of the state codecs that every stored type shares (see
 *	  codec.h).  Free of PostgreSQL.
 *
 *-------------------------------------------------------------------------
 */
#include "codec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * cq_codec_fail
 *		Fill e with a refusal: fmt is "message\ndetail", formatted once; the
 *		part after the first newline is the detail.  Always returns false,
 *		so that a decoder can `return cq_codec_fail(...)`.
 */
bool
cq_codec_fail(CqCodecError *e, CqCodecCode code, bool quote_input, const char *hint,
			  const char *fmt,...)
{
	char		buf[sizeof(e->message) + sizeof(e->detail)];
	char	   *nl;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	snprintf(e->message, sizeof(e->message), "%s", buf);
	snprintf(e->detail, sizeof(e->detail), "%s", nl ? nl + 1 : "");
	e->code = code;
	e->quote_input = quote_input;
	e->hint = hint;
	return false;
}

/*
 * cq_codec_read_double
 *		strtod for a finite value at s: true with *v and *end, false when
 *		there is no number or it overflows.  Underflow (ERANGE with a zero or
 *		subnormal result) is accepted: the output functions write subnormals
 *		in shortest form and must read them back.
 */
bool
cq_codec_read_double(const char *s, double *v, const char **end)
{
	char	   *e;

	errno = 0;
	*v = strtod(s, &e);
	*end = e;
	if (e == s || !isfinite(*v))
		return false;
	if (errno != 0 && !(errno == ERANGE && fabs(*v) < 2.2250738585072014e-308))
		return false;
	return true;
}
