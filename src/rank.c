/*-------------------------------------------------------------------------
 *
 * rank.c
 *	  SQL entry points of the exact rank measures (rank.h): the I/O functions
 *	  of cq.rank_sample, the support functions of the aggregates
 *	  cq.rank_sample, cq.rank_rollup, cq.rank_correlation and cq.auc, and the
 *	  accessors cq.rank_correlation(sample), cq.auc(sample), cq.rank_n.
 *
 * cq.rank_correlation(x, y) is Spearman's rho (tied values get average
 * ranks); cq.auc(score, label) the ROC AUC, the Mann-Whitney U / (n1 n0),
 * a tie between a positive and a negative counting one half.  Exact ranks
 * need every value, so the state is the sample itself: the varlena type
 * cq.rank_sample holding (x, y) pairs of float8, grown geometrically and
 * appended to in place.  It is a real type, not internal, so Citus can ship
 * partial states between nodes as text; the combine function concatenates
 * samples, so combine equals serial exactly (the measures sort, and the
 * result does not depend on the order the pairs arrived in).  Two-step use:
 * cq.rank_sample(x, y) stores a sample, cq.rank_rollup merges samples, and
 * the accessors read the measures from a stored sample.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "conversion_quality.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "rank.h"
#include "bulk_util.h"
#include "utils/memutils.h"

StaticAssertDecl(RANK_HEADER == 16 &&
				 RANK_HEADER + CQ_RANK_MAX_PAIRS * sizeof(CqRankPair) <= MaxAllocSize,
				 "the largest sample the format allows must fit one allocation");

#define DatumGetRankSampleP(X)	((RankSample *) PG_DETOAST_DATUM(X))
#define PG_GETARG_RANKSAMPLE_P(n)	DatumGetRankSampleP(PG_GETARG_DATUM(n))
#define RANK_INITIAL		64

/*
 * A sample with room for capacity pairs, in context cxt.
 */
static RankSample *
rank_sample_alloc(MemoryContext cxt, int64 capacity)
{
	RankSample *s;

	if (capacity > CQ_RANK_MAX_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rank sample is too large"),
				 errdetail("An exact rank measure keeps every pair; at most " INT64_FORMAT " pairs fit in one group.",
						   (int64) CQ_RANK_MAX_PAIRS),
				 errhint("Aggregate smaller groups, or sample the rows.")));
	s = MemoryContextAlloc(cxt, RANK_HEADER + capacity * sizeof(CqRankPair));
	SET_VARSIZE(s, RANK_HEADER + capacity * sizeof(CqRankPair));
	s->version = CQ_RANK_VERSION;
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
		cap = (cap > CQ_RANK_MAX_PAIRS / 2) ? CQ_RANK_MAX_PAIRS + 1 : cap * 2;
	if (cap > CQ_RANK_MAX_PAIRS && need <= CQ_RANK_MAX_PAIRS)
		cap = CQ_RANK_MAX_PAIRS;
	n = rank_sample_alloc(CurrentMemoryContext, cap);
	if (s)
	{
		n->count = s->count;
		cq_bulk_copy(n->pairs, s->pairs, s->count * sizeof(CqRankPair));
	}
	return n;
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

/* Pairs read or written per piece of the text form */
#define RANK_TEXT_PIECE		8192

/*
 * rank_sample_in(cstring) returns cq.rank_sample
 *		Reads v1:<count>:x,y;... (rank_codec.c); the count comes first so
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
		cq_codec_raise(&e, str);
	s = rank_sample_alloc(CurrentMemoryContext, Max(count, 1));
	/* in pieces, so that reading a large sample can be cancelled */
	for (int64 i = 0; i == 0 || i < count; i += RANK_TEXT_PIECE)
	{
		CHECK_FOR_INTERRUPTS();
		if (!cq_rank_text_pairs(str, &pos, count, s->pairs, i, Min(count, i + RANK_TEXT_PIECE), &e))
			cq_codec_raise(&e, str);
	}
	s->count = count;
	PG_RETURN_POINTER(s);
}

/*
 * rank_sample_out(cq.rank_sample) returns cstring
 *		The text form, written piece by piece (cq_text_out_reserve).
 */
PG_FUNCTION_INFO_V1(rank_sample_out);
Datum
rank_sample_out(PG_FUNCTION_ARGS)
{
	RankSample *s = PG_GETARG_RANKSAMPLE_P(0);
	StringInfoData buf;

	/* written as it goes: the size of the real digits, not of the worst case */
	initStringInfo(&buf);
	cq_text_out_reserve(&buf, CQ_RANK_TEXT_HEADER_MAX + 1, "rank_sample", s->count, "pairs");
	buf.len += cq_rank_put_text_header(s->count, buf.data + buf.len);
	for (int64 i = 0; i < s->count; i += RANK_TEXT_PIECE)
	{
		int64		to = Min(s->count, i + RANK_TEXT_PIECE);

		cq_text_out_reserve(&buf, (size_t) (to - i) * CQ_RANK_TEXT_PAIR_MAX + 1,
							"rank_sample", s->count, "pairs");
		buf.len += cq_rank_put_text_pairs(s->pairs, i, to, buf.data + buf.len);
	}
	PG_RETURN_CSTRING(buf.data);
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
	cq_rank_to_binary(s->pairs, s->count, (uint8 *) VARDATA(result));
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
		cq_codec_raise(&e, NULL);
	s = rank_sample_alloc(CurrentMemoryContext, Max(count, 1));
	if (!cq_rank_binary_pairs(data, len, count, s->pairs, &e))
		cq_codec_raise(&e, NULL);
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
 *		Transition of cq.rank_sample and cq.rank_correlation: rows with a
 *		NULL x or y are skipped (the state passes through, possibly NULL);
 *		NaN is an error.
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
 *		Concatenates the samples: the combine function of every rank
 *		aggregate and the transition of cq.rank_rollup.  A NULL side is
 *		skipped; the right side is never modified; outside an aggregate the
 *		result is a new value.
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
	cq_bulk_copy(a->pairs + a->count, b->pairs, b->count * sizeof(CqRankPair));
	a->count += b->count;
	PG_RETURN_POINTER(a);
}

/*
 * rank_sample_finalfn(cq.rank_sample) returns cq.rank_sample
 *		Final function of cq.rank_sample and cq.rank_rollup: a compact copy
 *		of the sample (no spare room), NULL for a group without pairs.
 */
PG_FUNCTION_INFO_V1(rank_sample_finalfn);
Datum
rank_sample_finalfn(PG_FUNCTION_ARGS)
{
	RankSample *s;
	RankSample *res;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_RANKSAMPLE_P(0);
	res = rank_sample_alloc(CurrentMemoryContext, s->count);
	cq_bulk_copy(res->pairs, s->pairs, s->count * sizeof(CqRankPair));
	res->count = s->count;
	PG_RETURN_POINTER(res);
}

/*
 * rank_sample_n(cq.rank_sample) returns bigint: the pairs in the sample.
 */
PG_FUNCTION_INFO_V1(rank_sample_n);
Datum
rank_sample_n(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_RANKSAMPLE_P(0)->count);
}

/* A value with its position, for sorting */
typedef struct RankItem
{
	float8		v;
	int64		i;
} RankItem;

static int
rank_item_cmp(const void *a, const void *b, void *arg pg_attribute_unused())
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
	int64		j;

	for (int64 i = 0; i < n; i++)
	{
		CQ_BULK_CHECK(i);
		items[i].v = which ? s->pairs[i].y : s->pairs[i].x;
		items[i].i = i;
	}
	cq_sort(items, n, sizeof(RankItem), rank_item_cmp, NULL);
	for (int64 i = 0; i < n; i = j)
	{
		double		avg;

		for (j = i + 1; j < n && items[j].v == items[i].v; j++)
			;
		CQ_BULK_CHECK_STEP(i, j);
		/* positions i+1 .. j, mean (i + 1 + j) / 2 */
		avg = ((double) (i + 1) + (double) j) / 2.0;
		for (int64 k = i; k < j; k++)
			ranks[items[k].i] = avg;
	}
	pfree(items);
}

/*
 * rank_correlation_finalfn(cq.rank_sample) returns float8
 *		Spearman's rho: Pearson's correlation of the average ranks.  NULL
 *		with fewer than two pairs or when either variable is constant.  The
 *		final function of cq.rank_correlation(x, y), and the accessor
 *		cq.rank_correlation(sample).
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
	for (int64 i = 0; i < s->count; i++)
	{
		double		dx = rx[i] - mean;
		double		dy = ry[i] - mean;

		CQ_BULK_CHECK(i);

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
 *		ROC AUC of score x for label y (0: negative, any other value:
 *		positive) = U / (n1 n0): the probability that a random positive
 *		scores above a random negative, a tie counting one half.  U is a sum
 *		of half-integers, exact in double up to 2^52 pairs.  NULL unless both
 *		labels occur.  The final function of cq.auc(score, label), and the
 *		accessor cq.auc(sample).
 */
PG_FUNCTION_INFO_V1(auc_finalfn);
Datum
auc_finalfn(PG_FUNCTION_ARGS)
{
	RankSample *s;
	RankItem   *items;
	int64		n,
				j;
	double		neg_below = 0.0,
				npos = 0.0,
				u = 0.0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_RANKSAMPLE_P(0);
	n = s->count;
	items = palloc(Max(n, 1) * sizeof(RankItem));
	for (int64 i = 0; i < n; i++)
	{
		CQ_BULK_CHECK(i);
		items[i].v = s->pairs[i].x;
		items[i].i = i;
	}
	cq_sort(items, n, sizeof(RankItem), rank_item_cmp, NULL);
	for (int64 i = 0; i < n; i = j)
	{
		double		p = 0.0,
					q = 0.0;

		for (j = i; j < n && items[j].v == items[i].v; j++)
			;
		CQ_BULK_CHECK_STEP(i, j);
		for (int64 k = i; k < j; k++)
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
