/*-------------------------------------------------------------------------
 *
 * identity.h
 *	  The identity capability: identifier normalization for ad platforms
 *	  and match keys (cq.normalize_email, cq.normalize_phone,
 *	  cq.normalize_identifier, cq.phone_regions, cq.match_key).
 *
 * Files, by role:
 *	  identity_email.c, identity_phone.c, identity_fields.c
 *						SQL entry points and the server-side normalizers
 *	  identity_match_key.c	cq.match_key: normalize, then SHA-256 (sha256_util.c)
 *	  email_core.c, identifier_core.c
 *						the PostgreSQL-free normalizers (identity_core.h),
 *						on utf8_core.c; fuzzed under test/fuzz/
 *	  phone_shim.cpp	libphonenumber behind a C interface (phone_shim.h)
 *	  identity.sql		the SQL objects
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_IDENTITY_H
#define CQ_IDENTITY_H

#include "postgres.h"
#include "fmgr.h"
#include "identity_core.h"

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
