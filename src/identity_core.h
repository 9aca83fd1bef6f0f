/*-------------------------------------------------------------------------
 *
 * identity_core.h
 *	  PostgreSQL-free identifier normalization: the platforms and kinds, and
 *	  the email and per-kind normalizers that identity_email.c and
 *	  identity_fields.c call and the fuzz harnesses under test/fuzz/ drive.
 *
 * The cores work on a caller-provided buffer (CqTextBuf: first sized with
 * cq_lower_outcap() for the input, grown to what a core says it needs on
 * CQ_TEXT_NEED_SPACE) and return a CqTextStatus; the fmgr files allocate,
 * convert encodings and raise errors.
 * Phone numbers have their own PostgreSQL-free core, phone_shim.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_IDENTITY_CORE_H
#define CQ_IDENTITY_CORE_H

#include "utf8_core.h"

/*
 * Ad platforms whose normalization rules the identity functions follow.
 * CQ_PLATFORM_GENERIC is the platform-neutral rule set (trim and lowercase);
 * for phone numbers it means E.164, so 'e164' is accepted as its name there.
 * The order is the column order of the rule table in identifier_core.c.
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

#define CQ_NUM_PLATFORMS	6

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

#define CQ_NUM_KINDS		9

/* email_core.c */
extern CqTextStatus cq_email_normalize(const char *s, int len, CqPlatform platform,
									   CqTextBuf *buf, int *outlen);

/* identifier_core.c */
extern CqTextStatus cq_identifier_normalize(const char *s, int len, CqKind kind,
											CqPlatform platform, CqTextBuf *buf,
											int *outlen);

#endif							/* CQ_IDENTITY_CORE_H */
