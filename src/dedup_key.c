/*-------------------------------------------------------------------------
 *
 * dedup_key.c
 *	  cq.dedup_key(): the key under which ad platforms deduplicate a
 *	  conversion sent by several sources (pixel, server API, app).
 *
 * Platforms treat copies with the same event name and event id (within one
 * pixel, dataset or conversion action: the scope) as one conversion.  The
 * key is a 128-bit UUID with a documented, versioned encoding:
 *
 *	 SHA-256( "cq.dedup_key.v1" 0x00 field(scope) field(event_name) field(event_id) )
 *
 * where field(NULL) is the byte 0x00 and field(s) is 0x01, the byte length
 * of s in UTF-8 as a 4-byte big-endian integer, and the UTF-8 bytes of s.
 * The first 16 bytes of the digest form a version 8 UUID.  The fields are
 * hashed exactly as given (no trimming or case folding: platforms compare
 * them byte for byte), so the key is the same on every machine and release.
 *
 * A missing or blank event id gives NULL: such rows must never be merged.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "conversion_quality.h"
#include "fmgr.h"
#include "sha256_util.h"
#include "text_util.h"
#include "utils/uuid.h"

/*
 * Feed one optional text argument as a key field.
 */
static void
hash_text_arg(CqHasher *h, FunctionCallInfo fcinfo, int argno)
{
	const char *s;
	int			len;

	if (PG_ARGISNULL(argno))
	{
		cq_hasher_null_field(h);
		return;
	}
	s = cq_text_utf8_view(PG_GETARG_TEXT_PP(argno), &len);
	cq_hasher_field(h, s, len);
}

/*
 * dedup_key(event_name text, event_id text, scope text) returns uuid
 *		Not STRICT: a NULL event name or scope is a field of its own; a NULL
 *		or blank event id gives NULL.
 */
PG_FUNCTION_INFO_V1(dedup_key);
Datum
dedup_key(PG_FUNCTION_ARGS)
{
	CqHasher	h;
	uint8		digest[CQ_SHA256_LEN];
	const char *id;
	int			idlen;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	id = cq_text_utf8_view(PG_GETARG_TEXT_PP(1), &idlen);
	{
		const char *trimmed = id;
		int			trimmedlen = idlen;

		cq_utf8_trim(&trimmed, &trimmedlen);
		if (trimmedlen == 0)
			PG_RETURN_NULL();
	}

	cq_hasher_begin(&h);
	cq_hasher_bytes(&h, CQ_DEDUP_KEY_TAG, sizeof(CQ_DEDUP_KEY_TAG));	/* with its NUL */
	hash_text_arg(&h, fcinfo, 2);
	hash_text_arg(&h, fcinfo, 0);
	cq_hasher_field(&h, id, idlen);
	cq_hasher_finish(&h, digest);
	PG_RETURN_UUID_P(cq_digest_to_uuid(digest));
}
