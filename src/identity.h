/*-------------------------------------------------------------------------
 *
 * identity.h
 *	  Identifier normalization and match keys: the server-side
 *	  normalizers shared between identity_*.c and match_key.c.  Platforms,
 *	  kinds and the PostgreSQL-free cores are in identity_core.h.
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
