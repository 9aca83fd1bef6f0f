/*-------------------------------------------------------------------------
 *
 * identity_fields.c
 *	  Normalization of every match-key kind, per platform:
 *	  cq.normalize_identifier().
 *
 * Email and phone have their own files; the other kinds (names, city,
 * state, zip, country, external id) are a few character-level steps each,
 * chosen per platform from the rules in DEDUP_RULES.md section 2.3 and
 * described as a set of flags below.  Every kind trims surrounding
 * whitespace first and yields NULL when nothing is left.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
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

/* character-level steps applied after trimming, in this order */
#define STEP_LOWER			0x01	/* Unicode lowercase */
#define STEP_UPPER			0x02	/* ASCII uppercase (country codes) */
#define STEP_DROP_PUNCT		0x04	/* remove ASCII punctuation and symbols */
#define STEP_DROP_SPACE		0x08	/* remove whitespace */
#define STEP_DROP_DIGITS	0x10	/* remove ASCII digits */
#define STEP_US_ZIP5		0x20	/* "12345-6789" / "12345 6789" -> "12345" */
#define STEP_ALPHA2			0x40	/* must be two ASCII letters, else NULL */

/*
 * Steps per kind and platform.  Columns: generic, google, meta, tiktok,
 * snap, uid2.  Email and phone are handled by their own normalizers.
 */
static const int kind_steps[][6] = {
	[CQ_KIND_FIRST_NAME] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_LAST_NAME] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_CITY] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER | STEP_DROP_PUNCT | STEP_DROP_SPACE | STEP_DROP_DIGITS,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_STATE] = {
		STEP_LOWER, STEP_LOWER | STEP_DROP_PUNCT,
		STEP_LOWER | STEP_DROP_PUNCT | STEP_DROP_SPACE,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_ZIP] = {
		STEP_LOWER, 0,
		STEP_LOWER | STEP_US_ZIP5 | STEP_DROP_SPACE | STEP_DROP_PUNCT,
		STEP_LOWER, STEP_LOWER, STEP_LOWER
	},
	[CQ_KIND_COUNTRY] = {
		STEP_LOWER | STEP_ALPHA2, STEP_UPPER | STEP_ALPHA2, STEP_LOWER | STEP_ALPHA2,
		STEP_LOWER | STEP_ALPHA2, STEP_LOWER | STEP_ALPHA2, STEP_LOWER | STEP_ALPHA2
	},
	[CQ_KIND_EXTERNAL_ID] = {
		0, 0, 0, STEP_LOWER, 0, 0
	},
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

static inline bool
is_ascii_punct(unsigned char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
		(c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

static inline bool
is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Is s exactly five ASCII digits, a '-' or a space, and four more digits?
 */
static bool
is_us_zip_plus4(const char *s, int len)
{
	if (len != 10 || (s[5] != '-' && s[5] != ' '))
		return false;
	for (int i = 0; i < 10; i++)
	{
		if (i != 5 && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	}
	return true;
}

/*
 * apply_steps
 *		Run the character-level steps on trimmed UTF-8 input.  Returns a
 *		palloc'd NUL-terminated string, or NULL when nothing usable is left.
 */
static char *
apply_steps(const char *s, int len, int steps)
{
	char	   *buf;
	int			n;
	int			out = 0;
	int			i = 0;

	if (steps & STEP_US_ZIP5 && is_us_zip_plus4(s, len))
		len = 5;

	if (steps & STEP_LOWER)
		buf = cq_utf8_lower(s, len, &n);
	else
	{
		buf = pnstrdup(s, len);
		n = len;
	}

	while (i < n)
	{
		unsigned char c = (unsigned char) buf[i];
		int			space = cq_utf8_space_len(buf + i, n - i);
		int			clen = space > 0 ? space : pg_utf_mblen(&c);

		if (clen > n - i)
			clen = n - i;
		if (!((space > 0 && (steps & STEP_DROP_SPACE)) ||
			  (is_ascii_punct(c) && (steps & STEP_DROP_PUNCT)) ||
			  (c >= '0' && c <= '9' && (steps & STEP_DROP_DIGITS))))
		{
			memmove(buf + out, buf + i, clen);
			if (steps & STEP_UPPER)
				buf[out] = pg_ascii_toupper(buf[out]);
			out += clen;
		}
		i += clen;
	}
	buf[out] = '\0';

	if (steps & STEP_ALPHA2)
	{
		if (out != 2 || !is_ascii_letter(buf[0]) || !is_ascii_letter(buf[1]))
			return NULL;
	}
	return out > 0 ? buf : NULL;
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
	switch (kind)
	{
		case CQ_KIND_EMAIL:
			return cq_normalize_email_utf8(s, len, platform);
		case CQ_KIND_PHONE:
			return cq_normalize_phone_utf8(s, len, region, platform);
		default:
			cq_utf8_trim(&s, &len);
			if (len == 0)
				return NULL;
			return apply_steps(s, len, kind_steps[kind][platform]);
	}
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
