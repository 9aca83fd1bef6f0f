/*-------------------------------------------------------------------------
 *
 * key_encoding.c
 *	  The documented key encodings, version 1, without PostgreSQL (see
 *	  key_encoding.h).  The framing is part of the key formats: never change
 *	  it; a new format gets a new tag.
 *
 *	 dedup key:    "cq.dedup_key.v1" 0x00 field(scope) field(event_name) field(event_id)
 *	 fingerprint:  "cq.event_fingerprint.v1" 0x00 uint32(n)
 *				   n x ( uint32(len(type)) type field(value) )
 *
 * where uint32 is 4 bytes big-endian, field(NULL) is the byte 0x00 and
 * field(s) is 0x01, uint32(len(s)) and the bytes of s.  Every field is
 * length-prefixed, so ('ab','c') and ('a','bc') never give the same bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "key_encoding.h"

#include "utf8_core.h"

/*
 * cq_key_bytes
 *		Write len raw bytes.
 */
void
cq_key_bytes(CqKeyWriter *w, const void *data, size_t len)
{
	w->write(w->sink, data, len);
}

/*
 * cq_key_uint32
 *		Write a 32-bit unsigned integer in big-endian order, whatever the
 *		machine's byte order.
 */
void
cq_key_uint32(CqKeyWriter *w, uint32_t v)
{
	uint8_t		be[4];

	be[0] = (uint8_t) (v >> 24);
	be[1] = (uint8_t) (v >> 16);
	be[2] = (uint8_t) (v >> 8);
	be[3] = (uint8_t) v;
	w->write(w->sink, be, sizeof(be));
}

/*
 * cq_key_field
 *		Write one present field: the byte 0x01, the length as a 4-byte
 *		big-endian integer, then the bytes themselves.  The length prefix is
 *		what keeps ('ab','c') and ('a','bc') apart.
 */
void
cq_key_field(CqKeyWriter *w, const char *data, uint32_t len)
{
	static const uint8_t present = 0x01;

	w->write(w->sink, &present, 1);
	cq_key_uint32(w, len);
	w->write(w->sink, data, len);
}

/*
 * cq_key_null_field
 *		Write one absent (SQL NULL) field: the single byte 0x00.  An empty
 *		string is a present field of length 0, so NULL and '' differ.
 */
void
cq_key_null_field(CqKeyWriter *w)
{
	static const uint8_t absent = 0x00;

	w->write(w->sink, &absent, 1);
}

/*
 * cq_key_id_is_blank
 *		True when an event id (len bytes of UTF-8) is empty or only Unicode
 *		whitespace: such an id must never merge distinct conversions, so
 *		cq.dedup_key gives NULL for it.
 */
bool
cq_key_id_is_blank(const char *id, int len)
{
	cq_utf8_trim(&id, &len);
	return len == 0;
}

/*
 * cq_key_dedup_v1
 *		Write the preimage of a version 1 dedup key.  scope and name may be
 *		NULL (absent fields); id is never NULL (the caller returns NULL for
 *		a missing id) and is written exactly as given, untrimmed.
 */
void
cq_key_dedup_v1(CqKeyWriter *w, const char *scope, uint32_t scopelen,
				const char *name, uint32_t namelen, const char *id, uint32_t idlen)
{
	cq_key_bytes(w, CQ_DEDUP_KEY_TAG, sizeof(CQ_DEDUP_KEY_TAG));	/* with its NUL */
	if (scope == NULL)
		cq_key_null_field(w);
	else
		cq_key_field(w, scope, scopelen);
	if (name == NULL)
		cq_key_null_field(w);
	else
		cq_key_field(w, name, namelen);
	cq_key_field(w, id, idlen);
}

/*
 * cq_key_fingerprint_begin
 *		Write the head of a version 1 fingerprint preimage: the tag with its
 *		NUL and the number of arguments that follow.
 */
void
cq_key_fingerprint_begin(CqKeyWriter *w, uint32_t nargs)
{
	cq_key_bytes(w, CQ_FINGERPRINT_TAG, sizeof(CQ_FINGERPRINT_TAG));	/* with its NUL */
	cq_key_uint32(w, nargs);
}

/*
 * cq_key_fingerprint_arg
 *		Write one argument of a fingerprint: its type name (length-prefixed)
 *		and its value as a field (NULL when isnull; value is then unused).
 */
void
cq_key_fingerprint_arg(CqKeyWriter *w, const char *type, uint32_t typelen,
					   const char *value, uint32_t len, bool isnull)
{
	cq_key_uint32(w, typelen);
	cq_key_bytes(w, type, typelen);
	if (isnull)
		cq_key_null_field(w);
	else
		cq_key_field(w, value, len);
}

/*
 * cq_key_uuid_v8
 *		The first 16 bytes of a digest as an RFC 9562 version 8 UUID.
 *
 * Version 8 is the "custom" UUID version: the version nibble is set to 8 and
 * the variant bits to 10, leaving 122 bits of the digest.  Marking the
 * version keeps our keys from ever being mistaken for random (v4) UUIDs.
 */
void
cq_key_uuid_v8(const uint8_t digest[CQ_KEY_DIGEST_LEN], uint8_t uuid[CQ_KEY_UUID_LEN])
{
	for (int i = 0; i < CQ_KEY_UUID_LEN; i++)
		uuid[i] = digest[i];
	uuid[6] = (uuid[6] & 0x0f) | 0x80;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

/*
 * cq_key_hex
 *		Lowercase hexadecimal of len bytes into out (2 * len characters, no
 *		NUL): the form every ad platform accepts for hashed identifiers.
 */
void
cq_key_hex(const uint8_t *data, size_t len, char *out)
{
	static const char hexdigits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
	{
		out[2 * i] = hexdigits[data[i] >> 4];
		out[2 * i + 1] = hexdigits[data[i] & 0x0f];
	}
}
