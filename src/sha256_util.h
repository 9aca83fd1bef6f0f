/*-------------------------------------------------------------------------
 *
 * sha256_util.h
 *	  SHA-256 through PostgreSQL's own implementation, and the two ways this
 *	  extension presents a digest: lowercase hex and an RFC 9562 version 8
 *	  UUID made of the first 16 bytes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_SHA256_UTIL_H
#define CQ_SHA256_UTIL_H

#include "postgres.h"
#if PG_VERSION_NUM >= 140000
#include "common/cryptohash.h"
#endif
#include "common/sha2.h"
#include "key_encoding.h"
#include "utils/uuid.h"

#define CQ_SHA256_LEN 32

/*
 * An incremental SHA-256 computation.  The key encoders of key_encoding.h
 * write into it through w, which cq_hasher_begin points at the digest.
 */
typedef struct CqHasher
{
#if PG_VERSION_NUM >= 140000
	pg_cryptohash_ctx *ctx;
#else
	pg_sha256_ctx ctx;
#endif
	CqKeyWriter w;
} CqHasher;

extern void cq_hasher_begin(CqHasher *h);
extern void cq_hasher_finish(CqHasher *h, uint8 digest[CQ_SHA256_LEN]);
extern void cq_sha256(const void *data, size_t len, uint8 digest[CQ_SHA256_LEN]);
extern text *cq_sha256_hex_text(const char *data, int len);
extern pg_uuid_t *cq_digest_to_uuid(const uint8 digest[CQ_SHA256_LEN]);

#endif							/* CQ_SHA256_UTIL_H */
