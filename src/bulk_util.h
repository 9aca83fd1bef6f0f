/*-------------------------------------------------------------------------
 *
 * bulk_util.h
 *	  Work on data-sized arrays that a cancel or statement_timeout stops:
 *	  every sort of the extension, and copies and clears of hundreds of
 *	  megabytes (writing fresh memory costs a page fault per page, about a
 *	  second per 400 MB on a virtual machine).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_BULK_UTIL_H
#define CQ_BULK_UTIL_H

#include "postgres.h"

#include "miscadmin.h"

/* Bytes copied or cleared between two interrupt checks */
#define CQ_BULK_PIECE	((Size) 16 << 20)

/*
 * cq_sort
 *		Sort n elements of `size` bytes at base with cmp(a, b, arg).  On
 *		PostgreSQL 15 and later this is qsort_interruptible, which checks for
 *		interrupts as it partitions; PostgreSQL 13 and 14 have no such sort,
 *		so there the check comes before and after a sort that runs whole.
 */
static inline void
cq_sort(void *base, size_t n, size_t size, qsort_arg_comparator cmp, void *arg)
{
#if PG_VERSION_NUM >= 150000
	qsort_interruptible(base, n, size, cmp, arg);
#else
	CHECK_FOR_INTERRUPTS();
	qsort_arg(base, n, size, cmp, arg);
	CHECK_FOR_INTERRUPTS();
#endif
}

/*
 * CQ_BULK_CHECK
 *		In a loop over i that fills or reads a data-sized array:
 *		CHECK_FOR_INTERRUPTS once every 2^20 iterations.
 */
#define CQ_BULK_CHECK(i) \
	do { \
		if (((i) & ((1 << 20) - 1)) == 0) \
			CHECK_FOR_INTERRUPTS(); \
	} while (0)

/*
 * CQ_BULK_CHECK_STEP
 *		The same for a loop whose index jumps from i to j (runs of ties):
 *		CHECK_FOR_INTERRUPTS whenever the jump crosses a multiple of 2^20.
 */
#define CQ_BULK_CHECK_STEP(i, j) \
	do { \
		if ((((i) ^ (j)) >> 20) != 0) \
			CHECK_FOR_INTERRUPTS(); \
	} while (0)

/* memcpy of n bytes, checking for interrupts every CQ_BULK_PIECE */
static inline void
cq_bulk_copy(void *dst, const void *src, Size n)
{
	for (Size off = 0; off < n; off += CQ_BULK_PIECE)
	{
		CHECK_FOR_INTERRUPTS();
		memcpy((char *) dst + off, (const char *) src + off, Min(CQ_BULK_PIECE, n - off));
	}
}

/* memset to 0 of n bytes, checking for interrupts every CQ_BULK_PIECE */
static inline void
cq_bulk_zero(void *dst, Size n)
{
	for (Size off = 0; off < n; off += CQ_BULK_PIECE)
	{
		CHECK_FOR_INTERRUPTS();
		memset((char *) dst + off, 0, Min(CQ_BULK_PIECE, n - off));
	}
}

#endif							/* CQ_BULK_UTIL_H */
