/*-------------------------------------------------------------------------
 *
 * key_encoding.h
 *	  PostgreSQL-free encoders of the documented key formats (README, "Key
 *	  encodings"): the field framing shared by cq.dedup_key and
 *	  cq.event_fingerprint, the version 1 preimages themselves, and the two
 *	  presentations of a digest (lowercase hex, version 8 UUID).
 *
 * The encoders write through a CqKeyWriter, so the server streams the bytes
 * straight into SHA-256 (sha256_util.c) while the fuzz harness under
 * test/fuzz/ collects them in a buffer and decodes them again.  Nothing here
 * allocates or raises errors.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_KEY_ENCODING_H
#define CQ_KEY_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Versions of the documented key encodings, NUL included in the preimage */
#define CQ_DEDUP_KEY_TAG		"cq.dedup_key.v1"
#define CQ_FINGERPRINT_TAG		"cq.event_fingerprint.v1"

#define CQ_KEY_DIGEST_LEN	32	/* SHA-256 */
#define CQ_KEY_UUID_LEN		16

/* Where encoded bytes go: write(sink, data, len) for each piece, in order */
typedef struct CqKeyWriter
{
	void		(*write) (void *sink, const void *data, size_t len);
	void	   *sink;
} CqKeyWriter;

extern void cq_key_bytes(CqKeyWriter *w, const void *data, size_t len);
extern void cq_key_uint32(CqKeyWriter *w, uint32_t v);
extern void cq_key_field(CqKeyWriter *w, const char *data, uint32_t len);
extern void cq_key_null_field(CqKeyWriter *w);
extern bool cq_key_id_is_blank(const char *id, int len);
extern void cq_key_dedup_v1(CqKeyWriter *w, const char *scope, uint32_t scopelen,
							const char *name, uint32_t namelen,
							const char *id, uint32_t idlen);
extern void cq_key_fingerprint_begin(CqKeyWriter *w, uint32_t nargs);
extern void cq_key_fingerprint_arg(CqKeyWriter *w, const char *type, uint32_t typelen,
								   const char *value, uint32_t len, bool isnull);
extern void cq_key_uuid_v8(const uint8_t digest[CQ_KEY_DIGEST_LEN],
						   uint8_t uuid[CQ_KEY_UUID_LEN]);
extern void cq_key_hex(const uint8_t *data, size_t len, char *out);

#endif							/* CQ_KEY_ENCODING_H */
