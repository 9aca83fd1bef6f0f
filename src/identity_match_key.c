/*-------------------------------------------------------------------------
 *
 * identity_match_key.c
 *	  cq.match_key(): the hashed customer identifier an advertiser uploads
 *	  for advanced matching (Meta, TikTok, Snap) or enhanced conversions
 *	  (Google): lowercase hex SHA-256 of the UTF-8 bytes of the
 *	  platform-normalized value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "identity.h"
#include "sha256_util.h"

/*
 * Google hashes email, phone, names and street address, but expects city,
 * state, zip and country in clear text; a hash of them never matches.
 */
static bool
google_wants_clear_text(CqKind kind)
{
	return kind == CQ_KIND_CITY || kind == CQ_KIND_STATE ||
		kind == CQ_KIND_ZIP || kind == CQ_KIND_COUNTRY;
}

/*
 * match_key(value text, kind text, platform text, default_region text)
 *		returns text
 *
 * NULL when value, kind or platform is NULL or when normalization gives
 * NULL (the value is unusable).  An unknown kind, platform or region, or a
 * kind the platform wants unhashed, is the caller's mistake and an error.
 */
PG_FUNCTION_INFO_V1(match_key);
Datum
match_key(PG_FUNCTION_ARGS)
{
	CqIdentifierArgs args;
	char	   *norm;

	if (!cq_identifier_args(fcinfo, &args))
		PG_RETURN_NULL();
	if (args.platform == CQ_PLATFORM_GOOGLE && google_wants_clear_text(args.kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("google does not accept a hashed %s", cq_kind_name(args.kind)),
				 errdetail("Google hashes email, phone, first and last name, but expects city, state, zip and country in clear text."),
				 errhint("Send cq.normalize_identifier(value, '%s', 'google') unhashed.",
						 cq_kind_name(args.kind))));

	norm = cq_normalize_identifier_utf8(args.value, args.len, args.kind, args.platform,
										args.region);
	if (norm == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cq_sha256_hex_text(norm, strlen(norm)));
}
