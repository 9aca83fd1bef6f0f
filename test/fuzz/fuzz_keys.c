/*-------------------------------------------------------------------------
 *
 * fuzz_keys.c
 *	  libFuzzer harness for src/key_encoding.c: the framing of cq.dedup_key
 *	  and cq.event_fingerprint, the version 8 UUID and the hex form.
 *
 * The input is cut into fields (a header byte each: bit 7 set = SQL NULL,
 * else the low 6 bits are the length, clamped to what is left).  The
 * fields are encoded as the server encodes them, into a buffer, and an
 * independent decoder written here from the README's description reads
 * them back.  Invariants:
 *	- the decoder consumes the preimage exactly and gets back the same
 *	  tag, count, type names, NULLs and bytes: the encoding is injective,
 *	  so distinct inputs never share a preimage (and so, short of a SHA-256
 *	  collision, never share a key);
 *	- the blank-id test agrees with a plain forward scan for whitespace;
 *	- the UUID keeps the digest's first 16 bytes except the version nibble
 *	  (8) and the variant bits (10); the hex form decodes to the digest.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"
#include "key_encoding.h"

#define MAX_FIELDS 64

typedef struct Field
{
	const char *data;			/* NULL for SQL NULL */
	uint32_t	len;
} Field;

typedef struct Buffer
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} Buffer;

static void
buffer_write(void *sink, const void *data, size_t len)
{
	Buffer	   *b = (Buffer *) sink;

	if (len == 0)
		return;
	if (b->len + len > b->cap)
	{
		b->cap = (b->len + len) * 2;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			abort();
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* Cut the next field off the input; false when nothing is left */
static bool
next_field(const uint8_t **p, const uint8_t *end, Field *f)
{
	uint8_t		h;
	size_t		len;

	if (*p >= end)
		return false;
	h = *(*p)++;
	if (h & 0x80)
	{
		f->data = NULL;
		f->len = 0;
		return true;
	}
	len = h & 0x3f;
	if (len > (size_t) (end - *p))
		len = end - *p;
	f->data = (const char *) *p;
	f->len = (uint32_t) len;
	*p += len;
	return true;
}

/* --- independent decoder of the documented format --- */

typedef struct Reader
{
	const uint8_t *p;
	const uint8_t *end;
} Reader;

static uint32_t
read_uint32(Reader *r)
{
	uint32_t	v;

	FUZZ_CHECK(r->end - r->p >= 4, "truncated uint32");
	v = ((uint32_t) r->p[0] << 24) | ((uint32_t) r->p[1] << 16) |
		((uint32_t) r->p[2] << 8) | r->p[3];
	r->p += 4;
	return v;
}

static void
expect_bytes(Reader *r, const void *want, size_t len, const char *what)
{
	FUZZ_CHECK((size_t) (r->end - r->p) >= len && (len == 0 || memcmp(r->p, want, len) == 0),
			   "%s differs", what);
	r->p += len;
}

static void
expect_field(Reader *r, const Field *f)
{
	uint8_t		flag;

	FUZZ_CHECK(r->p < r->end, "missing field");
	flag = *r->p++;
	if (f->data == NULL)
	{
		FUZZ_CHECK(flag == 0x00, "NULL field encoded as %02x", flag);
		return;
	}
	FUZZ_CHECK(flag == 0x01, "present field encoded as %02x", flag);
	FUZZ_CHECK(read_uint32(r) == f->len, "field length");
	expect_bytes(r, f->data, f->len, "field bytes");
}

static void
check_dedup(const uint8_t *p, const uint8_t *end)
{
	Field		f[3] = {{NULL, 0}, {NULL, 0}, {"", 0}};
	Buffer		b = {NULL, 0, 0};
	CqKeyWriter w = {buffer_write, &b};
	Reader		r;
	int			blank_scan;
	int			i = 0;

	for (int k = 0; k < 3; k++)
		(void) next_field(&p, end, &f[k]);
	if (f[2].data == NULL)
		f[2].data = "";			/* the id is never NULL here: the SQL function returns NULL */

	/* blank: only whitespace, scanned forward one space at a time */
	while (i < (int) f[2].len)
	{
		int			n = cq_utf8_space_len(f[2].data + i, (int) f[2].len - i);

		if (n == 0)
			break;
		i += n;
	}
	blank_scan = i == (int) f[2].len;
	FUZZ_CHECK(cq_key_id_is_blank(f[2].data, (int) f[2].len) == blank_scan, "blank test");

	cq_key_dedup_v1(&w, f[0].data, f[0].len, f[1].data, f[1].len, f[2].data, f[2].len);
	r.p = b.data;
	r.end = b.data + b.len;
	expect_bytes(&r, "cq.dedup_key.v1", 16, "tag");
	for (int k = 0; k < 3; k++)
		expect_field(&r, &f[k]);
	FUZZ_CHECK(r.p == r.end, "trailing bytes");
	free(b.data);
}

static void
check_fingerprint(const uint8_t *p, const uint8_t *end)
{
	Field		type[MAX_FIELDS];
	Field		value[MAX_FIELDS];
	uint32_t	n = 0;
	Buffer		b = {NULL, 0, 0};
	CqKeyWriter w = {buffer_write, &b};
	Reader		r;

	while (n < MAX_FIELDS && next_field(&p, end, &type[n]))
	{
		if (type[n].data == NULL)
			type[n].data = "";	/* a type always has a name */
		if (!next_field(&p, end, &value[n]))
			value[n].data = NULL;
		n++;
	}

	cq_key_fingerprint_begin(&w, n);
	for (uint32_t k = 0; k < n; k++)
		cq_key_fingerprint_arg(&w, type[k].data, type[k].len, value[k].data, value[k].len,
							   value[k].data == NULL);
	r.p = b.data;
	r.end = b.data + b.len;
	expect_bytes(&r, "cq.event_fingerprint.v1", 24, "tag");
	FUZZ_CHECK(read_uint32(&r) == n, "argument count");
	for (uint32_t k = 0; k < n; k++)
	{
		FUZZ_CHECK(read_uint32(&r) == type[k].len, "type name length");
		expect_bytes(&r, type[k].data, type[k].len, "type name");
		expect_field(&r, &value[k]);
	}
	FUZZ_CHECK(r.p == r.end, "trailing bytes");
	free(b.data);
}

static void
check_digest_forms(const uint8_t *data, size_t size)
{
	uint8_t		digest[CQ_KEY_DIGEST_LEN] = {0};
	uint8_t		uuid[CQ_KEY_UUID_LEN];
	char		hex[2 * CQ_KEY_DIGEST_LEN];

	memcpy(digest, data, size < sizeof(digest) ? size : sizeof(digest));
	cq_key_uuid_v8(digest, uuid);
	for (int i = 0; i < CQ_KEY_UUID_LEN; i++)
	{
		uint8_t		mask = i == 6 ? 0x0f : i == 8 ? 0x3f : 0xff;

		FUZZ_CHECK((uuid[i] & mask) == (digest[i] & mask), "uuid byte %d", i);
	}
	FUZZ_CHECK((uuid[6] >> 4) == 8 && (uuid[8] >> 6) == 2, "uuid version/variant");

	cq_key_hex(digest, sizeof(digest), hex);
	for (int i = 0; i < CQ_KEY_DIGEST_LEN; i++)
	{
		int			v = 0;

		for (int k = 0; k < 2; k++)
		{
			char		c = hex[2 * i + k];

			FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "hex digit %c", c);
			v = v * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
		}
		FUZZ_CHECK(v == digest[i], "hex byte %d", i);
	}
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *copy;

	if (size < 1 || size > 65536)
		return 0;
	copy = fuzz_dup(data, size);
	if (data[0] & 1)
		check_fingerprint((const uint8_t *) copy + 1, (const uint8_t *) copy + size);
	else
		check_dedup((const uint8_t *) copy + 1, (const uint8_t *) copy + size);
	check_digest_forms((const uint8_t *) copy + 1, size - 1);
	free(copy);
	return 0;
}
