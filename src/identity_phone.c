/*-------------------------------------------------------------------------
 *
 * identity_phone.c
 *	  Phone normalization for advanced matching: cq.normalize_phone().
 *
 * Parsing is libphonenumber's (through phone_shim.cpp): national formats use
 * the default region, trunk prefixes and the region's international call
 * prefix are handled, extensions are dropped, keypad letters are mapped.  We
 * add two rescues libphonenumber leaves to the caller: a number written with
 * 00 or 011 is read as international whatever the region, and with no region
 * a number given with its country code but without '+' is accepted.  Only a
 * number libphonenumber judges valid is returned; anything else is NULL.
 *
 * Output: E.164 ("+<digits>") for e164/generic, google, tiktok and uid2;
 * digits only for meta and snap (DEDUP_RULES.md section 2.2).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity.h"
#include "fmgr.h"
#include "phone_shim.h"
#include "text_util.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

/*
 * cq_parse_region
 *		Check an ISO 3166-1 alpha-2 region (case-insensitive) that
 *		libphonenumber knows, and store it uppercased in out.
 */
void
cq_parse_region(text *region, char out[3])
{
	char	   *name = text_to_cstring(region);

	if (strlen(name) == 2 &&
		((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') &&
		((name[1] | 0x20) >= 'a' && (name[1] | 0x20) <= 'z'))
	{
		out[0] = pg_ascii_toupper(name[0]);
		out[1] = pg_ascii_toupper(name[1]);
		out[2] = '\0';
		if (cq_phone_region_supported(out))
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown region \"%s\"", name),
			 errdetail("The default region must be an ISO 3166-1 alpha-2 country code that libphonenumber knows."),
			 errhint("Use one of the codes cq.phone_regions() returns, such as US, GB, FR or DE, or NULL when every number carries its country code.")));
}

/*
 * cq_normalize_phone_utf8
 *		Normalize len bytes of UTF-8 as a phone number for platform.
 *
 * region is a checked uppercase code or NULL.  Returns a palloc'd string, or
 * NULL when the value is not a valid phone number.
 */
char *
cq_normalize_phone_utf8(const char *s, int len, const char *region, CqPlatform platform)
{
	char		e164[CQ_PHONE_BUFSIZE];

	switch (cq_phone_to_e164(s, (size_t) len, region, e164))
	{
		case CQ_PHONE_OK:
			break;
		case CQ_PHONE_INVALID:
			return NULL;
		case CQ_PHONE_FAILURE:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("libphonenumber failed while parsing a phone number.")));
	}
	if (platform == CQ_PLATFORM_META || platform == CQ_PLATFORM_SNAP)
		return pstrdup(e164 + 1);
	return pstrdup(e164);
}

/*
 * normalize_phone(phone text, default_region text, platform text) returns text
 *		SQL entry point.  Not STRICT because default_region may be NULL; a
 *		NULL phone or platform gives NULL.
 */
PG_FUNCTION_INFO_V1(normalize_phone);
Datum
normalize_phone(PG_FUNCTION_ARGS)
{
	char		region[3];
	bool		have_region = !PG_ARGISNULL(1);
	CqPlatform	platform;
	char	   *utf8;
	char	   *norm;
	int			len;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	platform = cq_parse_platform(PG_GETARG_TEXT_PP(2), true);
	if (have_region)
		cq_parse_region(PG_GETARG_TEXT_PP(1), region);

	utf8 = cq_text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	norm = cq_normalize_phone_utf8(utf8, len, have_region ? region : NULL, platform);
	if (norm == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(norm));
}

/*
 * phone_regions() returns text[]
 *		The ISO 3166-1 alpha-2 codes libphonenumber knows, sorted: the valid
 *		values of default_region.
 */
PG_FUNCTION_INFO_V1(phone_regions);
Datum
phone_regions(PG_FUNCTION_ARGS)
{
	/* about 250 two-letter codes and commas */
	char		buf[2048];
	size_t		n = cq_phone_regions(buf, sizeof(buf));
	Datum	   *elems;
	char	   *tok;
	char	   *save = NULL;
	int			count = 0;

	(void) fcinfo;				/* no arguments */
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("libphonenumber failed while listing its regions.")));
	elems = palloc(sizeof(Datum) * n);
	for (tok = strtok_r(buf, ",", &save); tok != NULL && count < (int) n;
		 tok = strtok_r(NULL, ",", &save))
		elems[count++] = CStringGetTextDatum(tok);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT));
}
