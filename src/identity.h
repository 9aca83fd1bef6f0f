/*-------------------------------------------------------------------------
 *
 * identity.h
 *	  Identifier normalization and match keys: platforms, kinds, and the
 *	  normalizers shared between identity_*.c and match_key.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_IDENTITY_H
#define CQ_IDENTITY_H

#include "postgres.h"
#include "fmgr.h"

/*
 * Ad platforms whose normalization rules the identity functions follow.
 * CQ_PLATFORM_GENERIC is the platform-neutral rule set (trim and lowercase);
 * for phone numbers it means E.164, so 'e164' is accepted as its name there.
 * The order is the column order of the rule table in identity_fields.c.
 */
typedef enum CqPlatform
{
	CQ_PLATFORM_GENERIC,
	CQ_PLATFORM_GOOGLE,
	CQ_PLATFORM_META,
	CQ_PLATFORM_TIKTOK,
	CQ_PLATFORM_SNAP,
	CQ_PLATFORM_UID2
} CqPlatform;

/* Kinds of customer identifier a match key can be made of */
typedef enum CqKind
{
	CQ_KIND_EMAIL,
	CQ_KIND_PHONE,
	CQ_KIND_FIRST_NAME,
	CQ_KIND_LAST_NAME,
	CQ_KIND_CITY,
	CQ_KIND_STATE,
	CQ_KIND_ZIP,
	CQ_KIND_COUNTRY,
	CQ_KIND_EXTERNAL_ID
} CqKind;

/* The (value, kind, platform, default_region) arguments, checked */
typedef struct CqIdentifierArgs
{
	char	   *value;			/* UTF-8, NUL-terminated */
	int			len;
	CqKind		kind;
	CqPlatform	platform;
	const char *region;			/* NULL or points to region_buf */
	char		region_buf[3];
} CqIdentifierArgs;

/* identity_email.c */
extern CqPlatform cq_parse_platform(text *platform, bool phone_names);
extern const char *cq_platform_name(CqPlatform platform);
extern char *cq_normalize_email_utf8(const char *s, int len, CqPlatform platform);

/* identity_phone.c */
extern void cq_parse_region(text *region, char out[3]);
extern char *cq_normalize_phone_utf8(const char *s, int len, const char *region,
									 CqPlatform platform);

/* identity_fields.c */
extern CqKind cq_parse_kind(text *kind);
extern const char *cq_kind_name(CqKind kind);
extern char *cq_normalize_identifier_utf8(const char *s, int len, CqKind kind,
										  CqPlatform platform, const char *region);
extern bool cq_identifier_args(FunctionCallInfo fcinfo, CqIdentifierArgs *args);

#endif							/* CQ_IDENTITY_H */
