/*-------------------------------------------------------------------------
 *
 * identity_fields.c
 *	  Normalization of every match-key kind, per platform:
 *	  cq.normalize_identifier().
 *
 * Email and phone have their own files; the other kinds (names, city,
 * state, zip, country, external id) are a few character-level steps each,
 * chosen per platform from the rules in DEDUP_RULES.md section 2.3.  The
 * rule table and the steps are in identifier_core.c, free of PostgreSQL so
 * that test/fuzz/ can drive them; this file parses the SQL arguments.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity.h"
#include "fmgr.h"
#include "text_util.h"
#include "utils/builtins.h"

static const char *const kind_names[] = {
	[CQ_KIND_EMAIL] = "email",
	[CQ_KIND_PHONE] = "phone",
	[CQ_KIND_FIRST_NAME] = "first_name",
	[CQ_KIND_LAST_NAME] = "last_name",
	[CQ_KIND_CITY] = "city",
	[CQ_KIND_STATE] = "state",
	[CQ_KIND_ZIP] = "zip",
	[CQ_KIND_COUNTRY] = "country",
	[CQ_KIND_EXTERNAL_ID] = "external_id",
};

/*
 * cq_parse_kind
 *		Map a match-key kind name (case-insensitive) to CqKind, or raise an
 *		error listing the valid kinds.
 */
CqKind
cq_parse_kind(text *kind)
{
	char	   *name = text_to_cstring(kind);

	for (int i = 0; i < (int) lengthof(kind_names); i++)
	{
		if (pg_strcasecmp(name, kind_names[i]) == 0)
			return (CqKind) i;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown identifier kind \"%s\"", name),
			 errdetail("Each kind of customer identifier has its own normalization rule."),
			 errhint("Valid kinds are email, phone, first_name, last_name, city, state, zip, country and external_id.")));
	pg_unreachable();
}

/*
 * cq_kind_name
 *		The SQL name of a kind, for messages.
 */
const char *
cq_kind_name(CqKind kind)
{
	return kind_names[kind];
}

/*
 * cq_normalize_identifier_utf8
 *		Normalize len bytes of UTF-8 as an identifier of the given kind for
 *		platform; region (checked, or NULL) is used by phone numbers only.
 *		Returns a palloc'd UTF-8 string or NULL when the value is unusable.
 */
char *
cq_normalize_identifier_utf8(const char *s, int len, CqKind kind, CqPlatform platform,
							 const char *region)
{
	CqTextBuf	buf;
	CqTextStatus status;
	int			outlen;

	if (kind == CQ_KIND_PHONE)
		return cq_normalize_phone_utf8(s, len, region, platform);
	cq_text_buf_init(&buf, s, len);
	do
		status = cq_identifier_normalize(s, len, kind, platform, &buf, &outlen);
	while (cq_text_buf_grown(status, &buf));
	if (!cq_text_buf_result(status, &buf))
		return NULL;
	return buf.out;
}

/*
 * cq_identifier_args
 *		Read the (value, kind, platform, default_region) arguments shared by
 *		normalize_identifier and match_key.  Returns false when the result is
 *		NULL because value, kind or platform is NULL; raises an error for an
 *		unknown kind, platform or region.
 */
bool
cq_identifier_args(FunctionCallInfo fcinfo, CqIdentifierArgs *args)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return false;
	args->kind = cq_parse_kind(PG_GETARG_TEXT_PP(1));
	args->platform = cq_parse_platform(PG_GETARG_TEXT_PP(2), args->kind == CQ_KIND_PHONE);
	args->region = NULL;
	if (!PG_ARGISNULL(3))
	{
		cq_parse_region(PG_GETARG_TEXT_PP(3), args->region_buf);
		args->region = args->region_buf;
	}
	args->value = cq_text_to_utf8(PG_GETARG_TEXT_PP(0), &args->len);
	return true;
}

/*
 * normalize_identifier(value text, kind text, platform text, default_region text)
 *		returns text
 *		The platform-normalized clear-text value that match_key hashes.  It is
 *		also what Google expects unhashed for city, state, zip and country.
 */
PG_FUNCTION_INFO_V1(normalize_identifier);
Datum
normalize_identifier(PG_FUNCTION_ARGS)
{
	CqIdentifierArgs args;
	char	   *norm;

	if (!cq_identifier_args(fcinfo, &args))
		PG_RETURN_NULL();
	norm = cq_normalize_identifier_utf8(args.value, args.len, args.kind, args.platform,
										args.region);
	if (norm == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cq_utf8_to_text(norm, strlen(norm)));
}
