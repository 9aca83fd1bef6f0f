/*-------------------------------------------------------------------------
 *
 * funnel_key.c
 *	  Holding a property constant (README "Hold a property constant"): the
 *	  aggregate cq.window_funnel_by_key(window [, mode], key, ts, VARIADIC
 *	  steps) evaluates the funnel once per key (order, cart, session,
 *	  product) over that key's rows only, and gives the best stage of the
 *	  group's keys.  Session funnels are this with the session id.
 *
 * The state keeps each row as a funnel row (16 bytes: time, steps, and the
 * key's number in the group's dictionary in the row's spare word) and the
 * dictionary of the group's distinct keys (their bytes in one buffer; found
 * by a linear search up to 8 keys, then through an open-addressing table;
 * each key compared in full).  Partial states are serialized
 * with their keys and merged by renumbering, so the aggregate runs in
 * parallel.  The final function sorts the rows once by (key, time, steps)
 * and runs cq_funnel_scan, the scan of cq.window_funnel, on each key's run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bulk_util.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "conversion_quality.h"
#include "funnel.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* One distinct key of the group: its bytes in the state's key buffer */
typedef struct KeyEntry
{
	uint32		hash;
	int32		off;
	int32		len;
} KeyEntry;

/* Up to this many keys, a key is found by a linear search (no table) */
#define KEY_LINEAR_MAX		8

typedef struct KeyFunnel
{
	int64		window;
	uint32		mode;
	int32		nsteps;
	/* the window and mode as first passed: later rows are compared with them */
	Interval	window_raw;
	text	   *mode_raw;		/* NULL without a mode argument */
	/* the rows: ts, mask, and the key's number in `reserved` */
	FunnelEvent *rows;
	int64		nrows;
	int64		caprows;
	/* the keys, by number, their bytes one after the other */
	KeyEntry   *keys;
	int32		nkeys;
	int32		capkeys;
	char	   *keybuf;
	int32		keylen;
	int32		keycap;
	/* past KEY_LINEAR_MAX keys: open addressing, slots hold numbers + 1 */
	int32	   *slots;
	int32		nslots;
} KeyFunnel;

/* A new empty state, in the current memory context */
static KeyFunnel *
key_funnel_new(int nsteps, int64 window, uint32 mode)
{
	KeyFunnel  *kf = palloc0(sizeof(KeyFunnel));

	kf->nsteps = nsteps;
	kf->window = window;
	kf->mode = mode;
	return kf;
}

/* Rebuild the table of slots for the keys, at most a quarter full */
static void
key_slots_rebuild(KeyFunnel *kf)
{
	int64		n = 64;

	while (n < (int64) kf->nkeys * 4)
		n *= 2;
	if (n > (int64) 1 << 30)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("one cq.window_funnel_by_key group has more than %d keys", 1 << 28),
				 errhint("Group by user: keys are compared within a group.")));
	if (kf->slots)
		pfree(kf->slots);
	kf->nslots = (int32) n;
	kf->slots = palloc_extended(sizeof(int32) * n, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int32 k = 0; k < kf->nkeys; k++)
	{
		uint32		i = kf->keys[k].hash & (uint32) (n - 1);

		while (kf->slots[i] != 0)
			i = (i + 1) & (uint32) (n - 1);
		kf->slots[i] = k + 1;
	}
}

/* Is key k the bytes s[0 .. len) with hash h? */
static inline bool
key_is(const KeyFunnel *kf, int32 k, uint32 h, const char *s, int len)
{
	const KeyEntry *e = &kf->keys[k];

	return e->hash == h && e->len == len && memcmp(kf->keybuf + e->off, s, len) == 0;
}

/*
 * key_id
 *		The number of key (len bytes at s) in the group's dictionary, added
 *		if new (in the current memory context).
 */
static int32
key_id(KeyFunnel *kf, const char *s, int len)
{
	uint32		h = hash_bytes((const unsigned char *) s, len);
	int32		id;

	if (kf->slots == NULL)
	{
		for (int32 k = 0; k < kf->nkeys; k++)
			if (key_is(kf, k, h, s, len))
				return k;
	}
	else
	{
		uint32		mask = (uint32) kf->nslots - 1;

		for (uint32 i = h & mask; kf->slots[i] != 0; i = (i + 1) & mask)
			if (key_is(kf, kf->slots[i] - 1, h, s, len))
				return kf->slots[i] - 1;
	}
	/* a new key */
	if (kf->nkeys == kf->capkeys)
	{
		kf->capkeys = kf->capkeys ? kf->capkeys * 2 : 8;
		kf->keys = kf->keys ? repalloc_huge(kf->keys, sizeof(KeyEntry) * kf->capkeys) :
			palloc(sizeof(KeyEntry) * kf->capkeys);
	}
	if ((int64) kf->keylen + len > kf->keycap)
	{
		int64		cap = Min(Max((int64) kf->keycap * 2, (int64) kf->keylen + len + 96),
							  (int64) PG_INT32_MAX);

		if ((int64) kf->keylen + len > cap)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the keys of one cq.window_funnel_by_key group pass 2 GB")));
		kf->keycap = (int32) cap;
		kf->keybuf = kf->keybuf ? repalloc_huge(kf->keybuf, kf->keycap) :
			palloc_extended(kf->keycap, MCXT_ALLOC_HUGE);
	}
	id = kf->nkeys++;
	kf->keys[id].hash = h;
	kf->keys[id].off = kf->keylen;
	kf->keys[id].len = len;
	memcpy(kf->keybuf + kf->keylen, s, len);
	kf->keylen += len;
	if (kf->nkeys > KEY_LINEAR_MAX && (kf->slots == NULL || kf->nkeys * 2 > kf->nslots))
		key_slots_rebuild(kf);
	else if (kf->slots != NULL)
	{
		uint32		mask = (uint32) kf->nslots - 1;
		uint32		i = h & mask;

		while (kf->slots[i] != 0)
			i = (i + 1) & mask;
		kf->slots[i] = id + 1;
	}
	return id;
}

/* Append one row (in the current memory context) */
static void
key_funnel_add(KeyFunnel *kf, int64 ts, uint32 mask, int32 id)
{
	if (kf->nrows == kf->caprows)
	{
		kf->caprows = kf->caprows ? kf->caprows * 2 : 8;
		kf->rows = kf->rows ? repalloc_huge(kf->rows, sizeof(FunnelEvent) * kf->caprows) :
			palloc_extended(sizeof(FunnelEvent) * kf->caprows, MCXT_ALLOC_HUGE);
	}
	kf->rows[kf->nrows].ts = ts;
	kf->rows[kf->nrows].mask = mask;
	kf->rows[kf->nrows].reserved = (uint32) id;
	kf->nrows++;
}

/* The same settings (22023 otherwise) */
static void
key_funnel_same(const KeyFunnel *kf, int nsteps, int64 window, uint32 mode)
{
	cq_funnel_check_step_count("cq.window_funnel_by_key", "steps", kf->nsteps, nsteps);
	if (kf->window != window || kf->mode != mode)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window and mode of cq.window_funnel_by_key must be the same for every row of a group"),
				 errhint("Pass constants.")));
}

/*
 * window_funnel_by_key_transfn(internal, window interval, [mode text,] key
 *		text, ts timestamptz, VARIADIC steps boolean[]) returns internal
 *		One row.  Window, mode and steps are read on the group's first row
 *		and must not change (22023, as cq.window_funnel).  A NULL key, time
 *		or step array, or a NULL step, leaves the row out (a row without a key
 *		belongs to no key's funnel; NULL steps as in cq.window_funnel).
 *		Without a mode, a row that
 *		satisfies no step is not kept (it cannot change a stage).
 */
PG_FUNCTION_INFO_V1(window_funnel_by_key_transfn);
Datum
window_funnel_by_key_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	KeyFunnel  *kf = PG_ARGISNULL(0) ? NULL : (KeyFunnel *) PG_GETARG_POINTER(0);
	bool		has_mode = PG_NARGS() == 6;
	int			key_arg = has_mode ? 3 : 2;
	ArrayType  *steps;
	int			nsteps;
	uint32		mask = 0;
	text	   *key;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "window_funnel_by_key_transfn called in non-aggregate context");
	if (PG_ARGISNULL(key_arg + 2))
	{
		if (kf == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(kf);
	}
	steps = PG_GETARG_ARRAYTYPE_P(key_arg + 2);
	nsteps = cq_variadic_bool_count(steps, "cq.window_funnel_by_key takes", "steps", "time");
	if (PG_ARGISNULL(1) || (has_mode && PG_ARGISNULL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window and mode of cq.window_funnel_by_key must not be NULL"),
				 errhint("Pass a window such as '1 day', and '' for the default mode.")));
	if (kf == NULL)
	{
		uint32		mode = 0;
		int64		window = cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(1), "window");

		if (has_mode)
			mode = cq_funnel_parse_mode(VARDATA_ANY(PG_GETARG_TEXT_PP(2)),
										VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(2)));
		old = MemoryContextSwitchTo(aggcxt);
		kf = key_funnel_new(nsteps, window, mode);
		kf->window_raw = *PG_GETARG_INTERVAL_P(1);
		if (has_mode)
			kf->mode_raw = (text *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(2));
		MemoryContextSwitchTo(old);
	}
	else if (nsteps != kf->nsteps ||
			 memcmp(PG_GETARG_INTERVAL_P(1), &kf->window_raw, sizeof(Interval)) != 0 ||
			 (has_mode && (kf->mode_raw == NULL || !cq_text_same(PG_GETARG_TEXT_PP(2), kf->mode_raw))))
	{
		/* not the first row's spelling: the same values are still accepted */
		text	   *mode = has_mode ? PG_GETARG_TEXT_PP(2) : NULL;

		key_funnel_same(kf, nsteps, cq_funnel_window_usecs(PG_GETARG_INTERVAL_P(1), "window"),
						mode ? cq_funnel_parse_mode(VARDATA_ANY(mode), VARSIZE_ANY_EXHDR(mode)) : 0);
	}
	if (PG_ARGISNULL(key_arg) || PG_ARGISNULL(key_arg + 1))
		PG_RETURN_POINTER(kf);
	/* a NULL step leaves the row out, as in cq.window_funnel */
	if (!cq_bool_array_mask(steps, nsteps, &mask))
		PG_RETURN_POINTER(kf);
	if (mask == 0 && kf->mode == 0)
		PG_RETURN_POINTER(kf);
	key = PG_GETARG_TEXT_PP(key_arg);
	old = MemoryContextSwitchTo(aggcxt);
	key_funnel_add(kf, PG_GETARG_TIMESTAMPTZ(key_arg + 1), mask,
				   key_id(kf, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)));
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(kf);
}

/*
 * window_funnel_by_key_combine(internal, internal) returns internal
 *		b's rows added to a, b's keys renumbered in a's dictionary.
 */
PG_FUNCTION_INFO_V1(window_funnel_by_key_combine);
Datum
window_funnel_by_key_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	KeyFunnel  *a = PG_ARGISNULL(0) ? NULL : (KeyFunnel *) PG_GETARG_POINTER(0);
	KeyFunnel  *b = PG_ARGISNULL(1) ? NULL : (KeyFunnel *) PG_GETARG_POINTER(1);
	int32	   *renumber;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "window_funnel_by_key_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	old = MemoryContextSwitchTo(aggcxt);
	if (a == NULL)
		a = key_funnel_new(b->nsteps, b->window, b->mode);
	else
		key_funnel_same(a, b->nsteps, b->window, b->mode);
	renumber = palloc(sizeof(int32) * Max(b->nkeys, 1));
	for (int32 k = 0; k < b->nkeys; k++)
		renumber[k] = key_id(a, b->keybuf + b->keys[k].off, b->keys[k].len);
	for (int64 i = 0; i < b->nrows; i++)
	{
		CQ_BULK_CHECK(i);
		key_funnel_add(a, b->rows[i].ts, b->rows[i].mask, renumber[b->rows[i].reserved]);
	}
	pfree(renumber);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * window_funnel_by_key_serialize(internal) returns bytea
 *		int32 steps, int64 window, int32 mode, int32 keys, each key (int32
 *		length, bytes), int64 rows, each row (int64 ts, int32 mask, int32
 *		key).
 */
PG_FUNCTION_INFO_V1(window_funnel_by_key_serialize);
Datum
window_funnel_by_key_serialize(PG_FUNCTION_ARGS)
{
	KeyFunnel  *kf = (KeyFunnel *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, kf->nsteps);
	pq_sendint64(&buf, kf->window);
	pq_sendint32(&buf, kf->mode);
	pq_sendint32(&buf, kf->nkeys);
	for (int32 k = 0; k < kf->nkeys; k++)
	{
		pq_sendint32(&buf, kf->keys[k].len);
		pq_sendbytes(&buf, kf->keybuf + kf->keys[k].off, kf->keys[k].len);
	}
	pq_sendint64(&buf, kf->nrows);
	for (int64 i = 0; i < kf->nrows; i++)
	{
		CQ_BULK_CHECK(i);
		pq_sendint64(&buf, kf->rows[i].ts);
		pq_sendint32(&buf, kf->rows[i].mask);
		pq_sendint32(&buf, kf->rows[i].reserved);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Refuse a malformed partial state */
static void
key_funnel_bad(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid cq.window_funnel_by_key state"),
			 errdetail("A partial state must hold the steps, window and mode, the keys, then rows whose steps and key numbers are in range.")));
}

/*
 * window_funnel_by_key_deserialize(bytea, internal) returns internal
 *		What serialize wrote; anything else is refused (22P03).
 */
PG_FUNCTION_INFO_V1(window_funnel_by_key_deserialize);
Datum
window_funnel_by_key_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	MemoryContext old;
	StringInfoData buf;
	KeyFunnel  *kf;
	int32		nsteps;
	int64		window;
	uint32		mode;
	int32		nkeys;
	int64		nrows;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "window_funnel_by_key_deserialize called in non-aggregate context");
	cq_bytea_reader(&buf, raw);
	if (buf.len < 20)
		key_funnel_bad();
	nsteps = pq_getmsgint(&buf, 4);
	window = pq_getmsgint64(&buf);
	mode = (uint32) pq_getmsgint(&buf, 4);
	nkeys = pq_getmsgint(&buf, 4);
	if (nsteps < 1 || nsteps > CQ_FUNNEL_MAX_STEPS || window < 0 || nkeys < 0 ||
		nkeys > (buf.len - buf.cursor) / 4)
		key_funnel_bad();
	old = MemoryContextSwitchTo(aggcxt);
	kf = key_funnel_new(nsteps, window, mode);
	for (int32 k = 0; k < nkeys; k++)
	{
		int32		len;

		if (buf.len - buf.cursor < 4 || (len = pq_getmsgint(&buf, 4)) < 0 || len > buf.len - buf.cursor)
			key_funnel_bad();
		if (key_id(kf, pq_getmsgbytes(&buf, len), len) != k)
			key_funnel_bad();	/* a key twice */
	}
	if (buf.len - buf.cursor < 8)
		key_funnel_bad();
	nrows = pq_getmsgint64(&buf);
	if (nrows < 0 || nrows != (int64) (buf.len - buf.cursor) / 16 || (buf.len - buf.cursor) % 16 != 0)
		key_funnel_bad();
	for (int64 i = 0; i < nrows; i++)
	{
		int64		ts = pq_getmsgint64(&buf);
		uint32		mask = (uint32) pq_getmsgint(&buf, 4);
		int32		id = pq_getmsgint(&buf, 4);

		CQ_BULK_CHECK(i);
		if (id < 0 || id >= nkeys || (nsteps < 32 && (mask >> nsteps) != 0))
			key_funnel_bad();
		key_funnel_add(kf, ts, mask, id);
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(kf);
}

/* Rows by (key, time, steps) */
static int
cmp_key_row(const void *a, const void *b, void *arg pg_attribute_unused())
{
	const FunnelEvent *x = a;
	const FunnelEvent *y = b;

	if (x->reserved != y->reserved)
		return x->reserved < y->reserved ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->mask > y->mask) - (x->mask < y->mask);
}

/*
 * window_funnel_by_key_finalfn(internal) returns integer
 *		The best stage over the group's keys (0 when no key's funnel
 *		started; NULL without a row).  Sorting the rows in place changes no
 *		meaning (as cq.window_funnel's final function does).
 */
PG_FUNCTION_INFO_V1(window_funnel_by_key_finalfn);
Datum
window_funnel_by_key_finalfn(PG_FUNCTION_ARGS)
{
	KeyFunnel  *kf = PG_ARGISNULL(0) ? NULL : (KeyFunnel *) PG_GETARG_POINTER(0);
	FunnelParams p;
	int			best = 0;
	int64		i = 0;

	if (kf == NULL)
		PG_RETURN_NULL();
	cq_funnel_params_one_window(&p, kf->nsteps, kf->mode, kf->window);
	cq_sort(kf->rows, kf->nrows, sizeof(FunnelEvent), cmp_key_row, NULL);
	while (i < kf->nrows && best < kf->nsteps)
	{
		int64		j = i;
		int			stage;

		uint32		have = 0;
		int			reachable = 0;

		while (j < kf->nrows && kf->rows[j].reserved == kf->rows[i].reserved)
			have |= kf->rows[j++].mask;
		/* a key whose rows lack step k cannot pass stage k - 1: no scan if that is no better */
		while (reachable < kf->nsteps && (have >> reachable) & 1)
			reachable++;
		if (reachable > best)
		{
			/* the run of one key (the scan reads time and steps, not the spare word) */
			stage = cq_funnel_scan(&kf->rows[i], (int32) (j - i), &p, NULL);
			best = Max(best, stage);
		}
		i = j;
	}
	PG_RETURN_INT32(best);
}
