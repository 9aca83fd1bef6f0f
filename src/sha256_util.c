/*-------------------------------------------------------------------------
 *
 * sha256_util.c
 *	  SHA-256 digests for match keys, dedup keys and fingerprints.
 *
 * The digest itself comes from PostgreSQL (pg_cryptohash from 14 on, the
 * sha2 routines of src/common before), so the extension ships no hashing
 * code of its own.  This file also holds the field framing shared by the
 * key encoders: every field is length-prefixed so that ('ab','c') and
 * ('a','bc') can never produce the same bytes.  The framing is part of the
 * documented key formats (README, "Key encodings"): never change it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#if PG_VERSION_NUM >= 140000
#include "common/cryptohash.h"
#endif
#include "sha256_util.h"

/*
 * cq_hasher_begin
 *		Start an incremental SHA-256 computation.
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
}

/*
 * cq_hasher_bytes
 *		Feed len raw bytes to the digest.
 */
void
cq_hasher_bytes(CqHasher *h, const void *data, size_t len)
{
#if PG_VERSION_NUM >= 140000
	if (pg_cryptohash_update(h->ctx, (const uint8 *) data, len) < 0)
		elog(ERROR, "could not update SHA-256 context");
#else
	pg_sha256_update(&h->ctx, (const uint8 *) data, len);
#endif
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
 * cq_hasher_uint32
 *		Feed a 32-bit unsigned integer in big-endian order.
 */
void
cq_hasher_uint32(CqHasher *h, uint32 v)
{
	uint8		be[4];

	be[0] = (uint8) (v >> 24);
	be[1] = (uint8) (v >> 16);
	be[2] = (uint8) (v >> 8);
	be[3] = (uint8) v;
	cq_hasher_bytes(h, be, sizeof(be));
}

/*
 * cq_hasher_field
 *		Feed one present field of a key encoding: the byte 0x01, the length
 *		as a 4-byte big-endian integer, then the bytes themselves.  The
 *		length prefix is what keeps ('ab','c') and ('a','bc') apart.
 */
void
cq_hasher_field(CqHasher *h, const char *data, int len)
{
	static const uint8 present = 0x01;

	cq_hasher_bytes(h, &present, 1);
	cq_hasher_uint32(h, (uint32) len);
	cq_hasher_bytes(h, data, len);
}

/*
 * cq_hasher_null_field
 *		Feed one absent (SQL NULL) field: the single byte 0x00.  An empty
 *		string is a present field of length 0, so NULL and '' differ.
 */
void
cq_hasher_null_field(CqHasher *h)
{
	static const uint8 absent = 0x00;

	cq_hasher_bytes(h, &absent, 1);
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
	cq_hasher_bytes(&h, data, len);
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
	static const char hexdigits[] = "0123456789abcdef";
	uint8		digest[CQ_SHA256_LEN];
	text	   *result = (text *) palloc(VARHDRSZ + 2 * CQ_SHA256_LEN);
	char	   *out = VARDATA(result);

	cq_sha256(data, len, digest);
	for (int i = 0; i < CQ_SHA256_LEN; i++)
	{
		out[2 * i] = hexdigits[digest[i] >> 4];
		out[2 * i + 1] = hexdigits[digest[i] & 0x0f];
	}
	SET_VARSIZE(result, VARHDRSZ + 2 * CQ_SHA256_LEN);
	return result;
}

/*
 * cq_digest_to_uuid
 *		The first 16 bytes of a digest as an RFC 9562 version 8 UUID.
 *
 * Version 8 is the "custom" UUID version: the version nibble is set to 8 and
 * the variant bits to 10, leaving 122 bits of the digest.  Marking the
 * version keeps our keys from ever being mistaken for random (v4) UUIDs.
 */
pg_uuid_t *
cq_digest_to_uuid(const uint8 digest[CQ_SHA256_LEN])
{
	pg_uuid_t  *uuid = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));

	memcpy(uuid->data, digest, UUID_LEN);
	uuid->data[6] = (uuid->data[6] & 0x0f) | 0x80;
	uuid->data[8] = (uuid->data[8] & 0x3f) | 0x80;
	return uuid;
}
