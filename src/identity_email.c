/*-------------------------------------------------------------------------
 *
 * identity_email.c
 *	  Platform names, and email normalization for advanced matching and
 *	  enhanced conversions: cq.normalize_email().
 *
 * Rules (shared/reference/DEDUP_RULES.md section 2.1): every platform trims
 * and lowercases; Google also removes dots and a "+tag" from the local part
 * of gmail.com and googlemail.com addresses, UID2 does so for gmail.com only.
 * A value that is not an address gives NULL, never an error, so one bad row
 * cannot abort a warehouse query.  The algorithm is in email_core.c, free of
 * PostgreSQL so that test/fuzz/ can drive it; this file is its SQL face.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity.h"
#include "fmgr.h"
#include "text_util.h"
#include "utils/builtins.h"

static const char *const platform_names[] = {
	[CQ_PLATFORM_GENERIC] = "generic",
	[CQ_PLATFORM_GOOGLE] = "google",
	[CQ_PLATFORM_META] = "meta",
	[CQ_PLATFORM_TIKTOK] = "tiktok",
	[CQ_PLATFORM_SNAP] = "snap",
	[CQ_PLATFORM_UID2] = "uid2",
};

/*
 * cq_parse_platform
 *		Map a platform name (case-insensitive) to CqPlatform, or raise an
 *		error that lists the valid names.
 *
 * With phone_names, 'e164' is accepted as the name of the generic rule set,
 * since for phone numbers the platform-neutral form is E.164.
 */
CqPlatform
cq_parse_platform(text *platform, bool phone_names)
{
	char	   *name = text_to_cstring(platform);

	for (int i = 0; i < (int) lengthof(platform_names); i++)
	{
		if (pg_strcasecmp(name, platform_names[i]) == 0)
			return (CqPlatform) i;
	}
	if (phone_names && pg_strcasecmp(name, "e164") == 0)
		return CQ_PLATFORM_GENERIC;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown platform \"%s\"", name),
			 errdetail("Normalization rules are defined per ad platform."),
			 errhint("Valid platforms are %sgeneric, google, meta, tiktok, snap and uid2.",
					 phone_names ? "e164, " : "")));
	pg_unreachable();
}

/*
 * cq_platform_name
 *		The SQL name of a platform, for messages.
 */
const char *
cq_platform_name(CqPlatform platform)
{
	return platform_names[platform];
}

/*
 * cq_normalize_email_utf8
 *		Normalize len bytes of UTF-8 as an email address for platform.
 *
 * Returns a palloc'd NUL-terminated UTF-8 string, or NULL when the value is
 * not an address (the rules are cq_email_normalize's, in email_core.c).
 */
char *
cq_normalize_email_utf8(const char *s, int len, CqPlatform platform)
{
	CqTextBuf	buf;
	CqTextStatus status;
	int			outlen;

	cq_text_buf_init(&buf, s, len);
	do
		status = cq_email_normalize(s, len, platform, &buf, &outlen);
	while (cq_text_buf_grown(status, &buf));
	if (!cq_text_buf_result(status, &buf))
		return NULL;
	return buf.out;
}

/*
 * normalize_email(email text, platform text) returns text
 *		SQL entry point; STRICT, so NULL arguments give NULL.
 */
PG_FUNCTION_INFO_V1(normalize_email);
Datum
normalize_email(PG_FUNCTION_ARGS)
{
	text	   *email = PG_GETARG_TEXT_PP(0);
	CqPlatform	platform = cq_parse_platform(PG_GETARG_TEXT_PP(1), false);
	int			len;
	char	   *utf8 = cq_text_to_utf8(email, &len);
	char	   *norm = cq_normalize_email_utf8(utf8, len, platform);

	if (norm == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cq_utf8_to_text(norm, strlen(norm)));
}
