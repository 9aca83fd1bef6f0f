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
			 errhint("Use a two-letter code such as US, GB, FR or DE, or NULL when every number carries its country code.")));
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
