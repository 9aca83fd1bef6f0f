/*-------------------------------------------------------------------------
 *
 * sha256_util.c
 *	  SHA-256 digests for match keys, dedup keys and fingerprints.
 *
 * The digest itself comes from PostgreSQL (pg_cryptohash from 14 on, the
 * sha2 routines of src/common before), so the extension ships no hashing
 * code of its own.  The field framing of the documented key formats
 * (README, "Key encodings") is in key_encoding.c, free of PostgreSQL so that
 * it can be fuzzed; the encoders write into a CqHasher through its writer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#if PG_VERSION_NUM >= 140000
#include "common/cryptohash.h"
#endif
#include "sha256_util.h"

/*
 * hasher_write
 *		CqKeyWriter callback: feed len bytes to the digest of the CqHasher
 *		that sink points to.
 */
static void
hasher_write(void *sink, const void *data, size_t len)
{
	CqHasher   *h = (CqHasher *) sink;

#if PG_VERSION_NUM >= 140000
	if (pg_cryptohash_update(h->ctx, (const uint8 *) data, len) < 0)
		elog(ERROR, "could not update SHA-256 context");
#else
	pg_sha256_update(&h->ctx, (const uint8 *) data, len);
#endif
}

/*
 * cq_hasher_begin
 *		Start an incremental SHA-256 computation, and point h->w at it.
 *
 * The hasher lets the key encoders feed each field straight from the
 * argument's bytes, with no intermediate buffer.  The context is allocated in
 * CurrentMemoryContext and released by cq_hasher_finish; if an error is
 * raised in between, PostgreSQL's resource owner releases it (14 and later).
 */
void
cq_hasher_begin(CqHasher *h)
{
#if PG_VERSION_NUM >= 140000
	h->ctx = pg_cryptohash_create(PG_SHA256);
	if (pg_cryptohash_init(h->ctx) < 0)
		elog(ERROR, "could not initialize SHA-256 context");
#else
	pg_sha256_init(&h->ctx);
#endif
	h->w.write = hasher_write;
	h->w.sink = h;
}

/*
 * cq_hasher_finish
 *		Store the digest and release the context.
 */
void
cq_hasher_finish(CqHasher *h, uint8 digest[CQ_SHA256_LEN])
{
#if PG_VERSION_NUM >= 150000
	if (pg_cryptohash_final(h->ctx, digest, CQ_SHA256_LEN) < 0)
		elog(ERROR, "could not finalize SHA-256 context");
	pg_cryptohash_free(h->ctx);
#elif PG_VERSION_NUM >= 140000
	if (pg_cryptohash_final(h->ctx, digest) < 0)
		elog(ERROR, "could not finalize SHA-256 context");
	pg_cryptohash_free(h->ctx);
#else
	pg_sha256_final(&h->ctx, digest);
#endif
}

/*
 * cq_sha256
 *		One-shot SHA-256 of len bytes at data.
 */
void
cq_sha256(const void *data, size_t len, uint8 digest[CQ_SHA256_LEN])
{
	CqHasher	h;

	cq_hasher_begin(&h);
	cq_key_bytes(&h.w, data, len);
	cq_hasher_finish(&h, digest);
}

/*
 * cq_sha256_hex_text
 *		Lowercase hexadecimal SHA-256 of the given bytes, as a text datum.
 *
 * This is the form every ad platform accepts for hashed identifiers.
 */
text *
cq_sha256_hex_text(const char *data, int len)
{
	uint8		digest[CQ_SHA256_LEN];
	text	   *result = (text *) palloc(VARHDRSZ + 2 * CQ_SHA256_LEN);

	cq_sha256(data, len, digest);
	cq_key_hex(digest, CQ_SHA256_LEN, VARDATA(result));
	SET_VARSIZE(result, VARHDRSZ + 2 * CQ_SHA256_LEN);
	return result;
}

/*
 * cq_digest_to_uuid
 *		The first 16 bytes of a digest as an RFC 9562 version 8 UUID datum
 *		(cq_key_uuid_v8).
 */
pg_uuid_t *
cq_digest_to_uuid(const uint8 digest[CQ_SHA256_LEN])
{
	pg_uuid_t  *uuid = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));

	StaticAssertStmt(UUID_LEN == CQ_KEY_UUID_LEN, "UUID size mismatch");
	cq_key_uuid_v8(digest, uuid->data);
	return uuid;
}
