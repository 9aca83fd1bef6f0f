/*-------------------------------------------------------------------------
 *
 * rank_measures.c
 *	  Exact rank measures as mergeable aggregates:
 *	  cq.rank_correlation(x, y) (Spearman's rho, ties get average ranks) and
 *	  cq.auc(score, label) (ROC AUC, the Mann-Whitney U / (n1 n0); a tie
 *	  between a positive and a negative counts one half).
 *
 * Exact ranks need every value, so the state is the sample itself: the
 * varlena type cq.rank_sample holding (x, y) pairs of float8, grown
 * geometrically and appended to in place.  It is a real type, not
 * internal, so Citus can ship partial states between nodes as text; the
 * combine function concatenates samples, so combine equals serial exactly
 * (the final functions sort, and the result does not depend on the order
 * the pairs arrived in).
 *
 * Text form (version 1):  v1:<count>:x,y;x,y;...   floats in shortest
 * exact form (infinities as Infinity / -Infinity).
 * Binary form: the version byte 1, the count as int8, then the pairs as
 * float8, in network byte order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "signal_quality.h"
#include "state_codec.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

/*
 * The sample.  The allocation may hold more pairs than count: its capacity
 * is (VARSIZE - header) / sizeof(RankPair).  Output functions write only
 * the first count pairs.
 */
typedef struct RankPair
{
	float8		x;
	float8		y;
} RankPair;

typedef struct RankSample
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* CQ_RANK_FORMAT_VERSION (in memory too) */
	int64		count;			/* pairs in use */
	RankPair	pairs[FLEXIBLE_ARRAY_MEMBER];
} RankSample;

#define RANK_HEADER			offsetof(RankSample, pairs)
#define RANK_CAPACITY(s)	((int64) ((VARSIZE(s) - RANK_HEADER) / sizeof(RankPair)))
#define RANK_MAX_PAIRS		((int64) ((MaxAllocSize - RANK_HEADER) / sizeof(RankPair)))
#define RANK_INITIAL		64

StaticAssertDecl(sizeof(RankPair) == sizeof(CqRankPair) &&
				 offsetof(RankPair, y) == offsetof(CqRankPair, y) &&
				 RANK_MAX_PAIRS == CQ_RANK_CODEC_MAX_PAIRS &&
				 CQ_RANK_FORMAT_VERSION == CQ_RANK_CODEC_VERSION,
				 "RankPair and CqRankPair differ");

#define DatumGetRankSampleP(X)	((RankSample *) PG_DETOAST_DATUM(X))
#define PG_GETARG_RANKSAMPLE_P(n)	DatumGetRankSampleP(PG_GETARG_DATUM(n))

/*
 * A sample with room for capacity pairs, in context cxt.
 */
static RankSample *
rank_sample_alloc(MemoryContext cxt, int64 capacity)
{
	RankSample *s;

	if (capacity > RANK_MAX_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rank sample is too large"),
				 errdetail("An exact rank measure keeps every pair; at most " INT64_FORMAT " pairs fit in one group.",
						   RANK_MAX_PAIRS),
				 errhint("Aggregate smaller groups, or sample the rows.")));
	s = MemoryContextAlloc(cxt, RANK_HEADER + capacity * sizeof(RankPair));
	SET_VARSIZE(s, RANK_HEADER + capacity * sizeof(RankPair));
	s->version = CQ_RANK_FORMAT_VERSION;
	s->count = 0;
	return s;
}

/*
 * Make room for extra more pairs.  Inside an aggregate a sample with room
 * is returned as is (updated in place by the caller); a new, larger sample
 * is allocated in the current (per-call) context and returned, and the
 * executor copies it into the aggregate context and frees the old one.
 * Outside an aggregate the sample is always copied, so the argument is
 * never modified.
 */
static RankSample *
rank_sample_reserve(RankSample *s, int64 extra, bool in_agg)
{
	int64		need = (s ? s->count : 0) + extra;
	int64		cap;
	RankSample *n;

	if (s && in_agg && need <= RANK_CAPACITY(s))
		return s;
	cap = s ? Max(RANK_CAPACITY(s), RANK_INITIAL) : RANK_INITIAL;
	while (cap < need)
		cap = (cap > RANK_MAX_PAIRS / 2) ? RANK_MAX_PAIRS + 1 : cap * 2;
	if (cap > RANK_MAX_PAIRS && need <= RANK_MAX_PAIRS)
		cap = RANK_MAX_PAIRS;
	n = rank_sample_alloc(CurrentMemoryContext, cap);
	if (s)
	{
		n->count = s->count;
		memcpy(n->pairs, s->pairs, s->count * sizeof(RankPair));
	}
	return n;
}

/*
 * Turn a refusal of the decoders of state_codec.c into the error; str is
 * the text read, or NULL for the binary form.
 */
static void
rank_codec_error(const CqCodecError *e, const char *str)
{
	int			errcode_value = str ? ERRCODE_INVALID_TEXT_REPRESENTATION :
		ERRCODE_INVALID_BINARY_REPRESENTATION;

	if (e->code == CQ_CODEC_INVALID)
		ereport(ERROR,
				(errcode(errcode_value),
				 errmsg("invalid cq.rank_sample value"),
				 errdetail("Pair " INT64_FORMAT " contains NaN.", (int64) e->a),
				 errhint("Use a value produced by cq.rank_correlation or cq.auc states.")));
	if (e->code == CQ_CODEC_VERSION && str != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported cq.rank_sample format version in \"%.60s\"", str),
				 errdetail("This version of conversion_quality reads format version %d.",
						   CQ_RANK_FORMAT_VERSION),
				 errhint("Upgrade the extension where the value is read.")));
	if (e->code == CQ_CODEC_SYNTAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type cq.rank_sample: \"%.60s%s\"",
						str, strlen(str) > 60 ? "..." : ""),
				 errdetail("%s", e->detail),
				 errhint("The form is v1:<count>:x,y;x,y;... with exactly <count> pairs.")));
	if (e->code == CQ_CODEC_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported cq.rank_sample format version %d", (int) e->a),
				 errdetail("This version of conversion_quality reads format version %d.",
						   CQ_RANK_FORMAT_VERSION),
				 errhint("Upgrade the extension where the value is read.")));
	if (e->code == CQ_CODEC_TRUNCATED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary cq.rank_sample value"),
				 errdetail("The value has %d bytes; the version and the pair count take %d.",
						   (int) e->b, (int) e->a),
				 errhint("Use a value produced by cq.rank_correlation or cq.auc states.")));
	if (e->code == CQ_CODEC_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary cq.rank_sample value"),
				 errdetail("The pair count " INT64_FORMAT " does not match the %d bytes that follow it.",
						   (int64) e->a, (int) e->b),
				 errhint("Use a value produced by cq.rank_correlation or cq.auc states.")));
	elog(ERROR, "unexpected cq.rank_sample decoder status %d", (int) e->code);
}

/*
 * Reject NaN: it has no rank.  Infinities are ordered and accepted.
 */
static inline void
CheckRankValue(float8 v, const char *what)
{
	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must not be NaN", what),
				 errdetail("NaN has no place in an ordering, so it cannot be ranked."),
				 errhint("Filter the rows, for example WHERE %s <> 'NaN'.", what)));
}

/*
 * rank_sample_in(cstring) returns cq.rank_sample
 *		Reads v1:<count>:x,y;... (state_codec.c); the count comes first so
 *		the reader can allocate once, and is checked against the pairs that
 *		follow.
 */
PG_FUNCTION_INFO_V1(rank_sample_in);
Datum
rank_sample_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	CqCodecError e;
	int64		count;
	size_t		pos;
	RankSample *s;

	if (!cq_rank_text_header(str, &count, &pos, &e))
		rank_codec_error(&e, str);
	s = rank_sample_alloc(CurrentMemoryContext, Max(count, 1));
	if (!cq_rank_text_pairs(str, pos, count, (CqRankPair *) s->pairs, &e))
		rank_codec_error(&e, str);
	s->count = count;
	PG_RETURN_POINTER(s);
}

/*
 * rank_sample_out(cq.rank_sample) returns cstring
 */
PG_FUNCTION_INFO_V1(rank_sample_out);
Datum
rank_sample_out(PG_FUNCTION_ARGS)
{
	RankSample *s = PG_GETARG_RANKSAMPLE_P(0);
	char	   *out = palloc(cq_rank_text_size(s->count));

	cq_rank_to_text((const CqRankPair *) s->pairs, s->count, out);
	PG_RETURN_CSTRING(out);
}

/*
 * rank_sample_send(cq.rank_sample) returns bytea
 */
PG_FUNCTION_INFO_V1(rank_sample_send);
Datum
rank_sample_send(PG_FUNCTION_ARGS)
{
	RankSample *s = PG_GETARG_RANKSAMPLE_P(0);
	size_t		len = cq_rank_binary_size(s->count);
	bytea	   *result = palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	cq_rank_to_binary((const CqRankPair *) s->pairs, s->count, (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/*
 * rank_sample_recv(internal) returns cq.rank_sample
 *		The count is checked against the bytes present before allocating.
 */
PG_FUNCTION_INFO_V1(rank_sample_recv);
Datum
rank_sample_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const uint8 *data = (const uint8 *) buf->data + buf->cursor;
	size_t		len = (size_t) (buf->len - buf->cursor);
	CqCodecError e;
	int64		count;
	RankSample *s;

	if (!cq_rank_binary_header(data, len, &count, &e))
		rank_codec_error(&e, NULL);
	s = rank_sample_alloc(CurrentMemoryContext, Max(count, 1));
	if (!cq_rank_binary_pairs(data, len, count, (CqRankPair *) s->pairs, &e))
		rank_codec_error(&e, NULL);
	s->count = count;
	buf->cursor = buf->len;
	PG_RETURN_POINTER(s);
}

/*
 * Append one pair to the state of argument 0 (NULL: a new sample).
 */
static Datum
rank_sample_append(FunctionCallInfo fcinfo, float8 x, float8 y)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL);
	RankSample *s = PG_ARGISNULL(0) ? NULL : PG_GETARG_RANKSAMPLE_P(0);

	s = rank_sample_reserve(s, 1, in_agg);
	s->pairs[s->count].x = x;
	s->pairs[s->count].y = y;
	s->count++;
	PG_RETURN_POINTER(s);
}

/*
 * rank_sample_transfn(cq.rank_sample, x float8, y float8)
 *		Transition of cq.rank_correlation: rows with a NULL x or y are
 *		skipped (the state passes through, possibly NULL); NaN is an error.
 */
PG_FUNCTION_INFO_V1(rank_sample_transfn);
Datum
rank_sample_transfn(PG_FUNCTION_ARGS)
{
	float8		x,
				y;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	x = PG_GETARG_FLOAT8(1);
	y = PG_GETARG_FLOAT8(2);
	CheckRankValue(x, "x");
	CheckRankValue(y, "y");
	return rank_sample_append(fcinfo, x, y);
}

/*
 * auc_transfn(cq.rank_sample, score float8, label boolean)
 *		Transition of cq.auc: stores (score, 1 or 0); rows with a NULL score
 *		or label are skipped; a NaN score is an error.
 */
PG_FUNCTION_INFO_V1(auc_transfn);
Datum
auc_transfn(PG_FUNCTION_ARGS)
{
	float8		score;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	score = PG_GETARG_FLOAT8(1);
	CheckRankValue(score, "score");
	return rank_sample_append(fcinfo, score, PG_GETARG_BOOL(2) ? 1.0 : 0.0);
}

/*
 * rank_sample_combine(cq.rank_sample, cq.rank_sample)
 *		Concatenates the samples.  A NULL side is skipped; the right side is
 *		never modified; outside an aggregate the result is a new value.
 */
PG_FUNCTION_INFO_V1(rank_sample_combine);
Datum
rank_sample_combine(PG_FUNCTION_ARGS)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL);
	RankSample *a;
	RankSample *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		a = PG_GETARG_RANKSAMPLE_P(0);
		PG_RETURN_POINTER(in_agg ? a : rank_sample_reserve(a, 0, false));
	}
	b = PG_GETARG_RANKSAMPLE_P(1);
	a = PG_ARGISNULL(0) ? NULL : PG_GETARG_RANKSAMPLE_P(0);
	/* a NULL or a read-only left side is copied, never modified */
	a = rank_sample_reserve(a, b->count, in_agg && a != NULL &&
							a == (RankSample *) DatumGetPointer(PG_GETARG_DATUM(0)));
	memcpy(a->pairs + a->count, b->pairs, b->count * sizeof(RankPair));
	a->count += b->count;
	PG_RETURN_POINTER(a);
}

/* A value with its position, for sorting */
typedef struct RankItem
{
	float8		v;
	int64		i;
} RankItem;

static int
rank_item_cmp(const void *a, const void *b)
{
	float8		x = ((const RankItem *) a)->v;
	float8		y = ((const RankItem *) b)->v;

	return (x < y) ? -1 : (x > y) ? 1 : 0;
}

/*
 * Average ranks (1-based; tied values share the mean of their positions)
 * of the x (which = 0) or y (which = 1) values of s, into ranks[].
 */
static void
average_ranks(const RankSample *s, int which, double *ranks)
{
	int64		n = s->count;
	RankItem   *items = palloc(n * sizeof(RankItem));
	int64		i,
				j,
				k;

	for (i = 0; i < n; i++)
	{
		items[i].v = which ? s->pairs[i].y : s->pairs[i].x;
		items[i].i = i;
	}
	qsort(items, n, sizeof(RankItem), rank_item_cmp);
	for (i = 0; i < n; i = j)
	{
		double		avg;

		for (j = i + 1; j < n && items[j].v == items[i].v; j++)
			;
		/* positions i+1 .. j, mean (i + 1 + j) / 2 */
		avg = ((double) (i + 1) + (double) j) / 2.0;
		for (k = i; k < j; k++)
			ranks[items[k].i] = avg;
	}
	pfree(items);
}

/*
 * rank_correlation_finalfn(cq.rank_sample) returns float8
 *		Spearman's rho: Pearson's correlation of the average ranks.  NULL
 *		with fewer than two pairs or when either variable is constant.
 */
PG_FUNCTION_INFO_V1(rank_correlation_finalfn);
Datum
rank_correlation_finalfn(PG_FUNCTION_ARGS)
{
	RankSample *s;
	double	   *rx,
			   *ry;
	double		mean,
				sxx = 0.0,
				syy = 0.0,
				sxy = 0.0,
				r;
	int64		i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_RANKSAMPLE_P(0);
	if (s->count < 2)
		PG_RETURN_NULL();
	rx = palloc(s->count * sizeof(double));
	ry = palloc(s->count * sizeof(double));
	average_ranks(s, 0, rx);
	average_ranks(s, 1, ry);
	/* the mean of average ranks is exactly (n + 1) / 2 */
	mean = ((double) s->count + 1.0) / 2.0;
	for (i = 0; i < s->count; i++)
	{
		double		dx = rx[i] - mean;
		double		dy = ry[i] - mean;

		sxx += dx * dx;
		syy += dy * dy;
		sxy += dx * dy;
	}
	pfree(rx);
	pfree(ry);
	if (sxx == 0.0 || syy == 0.0)
		PG_RETURN_NULL();
	r = sxy / sqrt(sxx * syy);
	if (r > 1.0)
		r = 1.0;
	else if (r < -1.0)
		r = -1.0;
	PG_RETURN_FLOAT8(r);
}

/*
 * auc_finalfn(cq.rank_sample) returns float8
 *		ROC AUC = U / (n1 n0): the probability that a random positive scores
 *		above a random negative, a tie counting one half.  U is a sum of
 *		half-integers, exact in double up to 2^52 pairs.  NULL unless both
 *		labels occur.
 */
PG_FUNCTION_INFO_V1(auc_finalfn);
Datum
auc_finalfn(PG_FUNCTION_ARGS)
{
	RankSample *s;
	RankItem   *items;
	int64		n,
				i,
				j,
				k;
	double		neg_below = 0.0,
				npos = 0.0,
				u = 0.0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_RANKSAMPLE_P(0);
	n = s->count;
	items = palloc(Max(n, 1) * sizeof(RankItem));
	for (i = 0; i < n; i++)
	{
		items[i].v = s->pairs[i].x;
		items[i].i = i;
	}
	qsort(items, n, sizeof(RankItem), rank_item_cmp);
	for (i = 0; i < n; i = j)
	{
		double		p = 0.0,
					q = 0.0;

		for (j = i; j < n && items[j].v == items[i].v; j++)
			;
		for (k = i; k < j; k++)
		{
			if (s->pairs[items[k].i].y != 0.0)
				p += 1.0;
			else
				q += 1.0;
		}
		u += p * neg_below + 0.5 * p * q;
		neg_below += q;
		npos += p;
	}
	pfree(items);
	if (npos == 0.0 || neg_below == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(u / (npos * neg_below));
}
