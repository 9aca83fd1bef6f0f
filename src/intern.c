/*-------------------------------------------------------------------------
 *
 * intern.c
 *	  Interned strings (intern.h): byte strings numbered densely from 0 in
 *	  order of first appearance, for scans that sort and count by number.
 *	  A simplehash table of the strings, whose bytes are copied into 1 MB
 *	  blocks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "intern.h"
#include "utils/memutils.h"

typedef struct StrKey
{
	const char *p;
	int			len;
} StrKey;

typedef struct StrEntry
{
	StrKey		key;
	uint32		hash;
	uint32		idx;
	char		status;
} StrEntry;

/* simplehash.h's inline functions have unused parameters (-Wextra) */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#define SH_PREFIX strtab
#define SH_ELEMENT_TYPE StrEntry
#define SH_KEY_TYPE StrKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).p, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).p, (b).p, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) (a)->hash
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif


/*
 * cq_interner_init
 *		An empty interner in CurrentMemoryContext, sized for `initial` strings;
 *		with keep_strings, cq_interner_string can give a number's bytes back.
 */
void
cq_interner_init(CqInterner *in, int initial, bool keep_strings)
{
	memset(in, 0, sizeof(*in));
	in->tab = (void *) strtab_create(CurrentMemoryContext, initial, NULL);
	if (keep_strings)
	{
		in->cap = 16;
		in->strs = palloc(in->cap * sizeof(char *));
		in->lens = palloc(in->cap * sizeof(int));
	}
}

/*
 * cq_intern
 *		The number of the len bytes at p: the next number when they are new
 *		(they are copied, in CurrentMemoryContext).  A run of the same string
 *		is answered without hashing.
 */
uint32
cq_intern(CqInterner *in, const char *p, int len)
{
	StrKey		k = {p, len};
	bool		found;
	StrEntry   *e;

	if (in->last_p && in->last_len == len && memcmp(in->last_p, p, len) == 0)
		return in->last_idx;
	e = strtab_insert((strtab_hash *) in->tab, k, &found);
	if (!found)
	{
		char	   *copy;

		if ((Size) len + 1 > in->block_left)
		{
			Size		sz = Max((Size) 1 << 20, (Size) len + 1);

			in->block = MemoryContextAllocHuge(CurrentMemoryContext, sz);
			in->block_left = sz;
		}
		copy = in->block;
		memcpy(copy, p, len);
		in->block += len;
		in->block_left -= len;
		e->key.p = copy;
		e->idx = in->n++;
		if (in->strs)
		{
			if ((int) e->idx >= in->cap)
			{
				in->cap *= 2;
				in->strs = repalloc_huge(in->strs, in->cap * sizeof(char *));
				in->lens = repalloc_huge(in->lens, in->cap * sizeof(int));
			}
			in->strs[e->idx] = copy;
			in->lens[e->idx] = len;
		}
	}
	in->last_p = e->key.p;
	in->last_len = len;
	in->last_idx = e->idx;
	return e->idx;
}

/*
 * cq_interner_string
 *		The bytes of number idx and their length (keep_strings only).
 */
const char *
cq_interner_string(const CqInterner *in, uint32 idx, int *len)
{
	Assert(in->strs != NULL && idx < in->n);
	*len = in->lens[idx];
	return in->strs[idx];
}
