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
 * The first 16 bytes of the digest form a version 8 UUID.  The encoder is
 * key_encoding.c (cq_key_dedup_v1), free of PostgreSQL so that test/fuzz/
 * can check it decodes back to its fields.  The fields are
 * hashed exactly as given (no trimming or case folding: platforms compare
 * them byte for byte), so the key is the same on every machine and release.
 *
 * A missing or blank event id gives NULL: such rows must never be merged.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "dedup.h"

#include "conversion_quality.h"
#include "fmgr.h"
#include "sha256_util.h"
#include "text_util.h"
#include "utils/uuid.h"

/*
 * The UTF-8 bytes of an optional text argument, or NULL for SQL NULL (an
 * absent field of the key).
 */
static const char *
text_arg_utf8(FunctionCallInfo fcinfo, int argno, int *len)
{
	if (PG_ARGISNULL(argno))
	{
		*len = 0;
		return NULL;
	}
	return cq_text_utf8_view(PG_GETARG_TEXT_PP(argno), len);
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
	const char *name;
	const char *scope;
	int			idlen;
	int			namelen;
	int			scopelen;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	id = cq_text_utf8_view(PG_GETARG_TEXT_PP(1), &idlen);
	if (cq_key_id_is_blank(id, idlen))
		PG_RETURN_NULL();
	name = text_arg_utf8(fcinfo, 0, &namelen);
	scope = text_arg_utf8(fcinfo, 2, &scopelen);

	cq_hasher_begin(&h);
	cq_key_dedup_v1(&h.w, scope, (uint32) scopelen, name, (uint32) namelen,
					id, (uint32) idlen);
	cq_hasher_finish(&h, digest);
	PG_RETURN_UUID_P(cq_digest_to_uuid(digest));
}
