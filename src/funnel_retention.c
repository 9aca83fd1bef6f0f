/*-------------------------------------------------------------------------
 *
 * funnel_retention.c
 *	  Aggregate cq.retention(VARIADIC conditions boolean[]) returns
 *	  boolean[], with ClickHouse's retention semantics (part of the funnel
 *	  capability, funnel.h).
 *
 * r[1] is true when condition 1 held in some row of the group; for i >= 2,
 * r[i] is true when condition 1 held in some row and condition i held in
 * some (possibly other) row.  Time plays no part: callers put dates and
 * cohorts into the conditions.  Rows with a NULL condition are skipped but
 * still fix the number of conditions, so a group whose rows are all
 * skipped gives all false; a group without rows gives NULL.
 *
 * The state is a plain bigint (Citus ships it as text): bits 0-31 are
 * "condition k+1 held in some row", bits 32-39 the number of conditions
 * (0 while no row has been seen).  Combine is a bitwise OR.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "funnel.h"
#include "utils/array.h"

#define RETENTION_MAX_CONDITIONS	32
#define RETENTION_COUNT(s)			((int) (((uint64) (s) >> 32) & 0xff))
#define RETENTION_MASK(s)			((uint32) ((uint64) (s) & 0xffffffff))
#define RETENTION_MAKE(n, m)		((int64) (((uint64) (n) << 32) | (uint64) (m)))

/*
 * Check a state coming from outside the transition function (combine and
 * final functions are callable by hand).
 */
static inline void
CheckRetentionState(int64 s)
{
	int			n = RETENTION_COUNT(s);

	if (((uint64) s >> 40) != 0 || n > RETENTION_MAX_CONDITIONS ||
		(n < 32 && (RETENTION_MASK(s) >> n) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid cq.retention state %lld", (long long) s),
				 errdetail("Bits 32-39 hold the number of conditions (0 to 32), bits 0-31 one flag per condition."),
				 errhint("Pass states produced by retention_transfn.")));
}

/*
 * Reject two condition counts that differ (rows or partial states of one
 * group must agree; 0 is a state without rows).
 */
static inline void
CheckSameCount(int a, int b)
{
	if (a != 0 && b != 0)
		cq_funnel_check_step_count("cq.retention", "conditions", a, b);
}

/*
 * retention_transfn(state bigint, conditions boolean[]) returns bigint
 *		STRICT with initial state 0: OR the row's true conditions in.
 */
PG_FUNCTION_INFO_V1(retention_transfn);
Datum
retention_transfn(PG_FUNCTION_ARGS)
{
	int64		s = PG_GETARG_INT64(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	int			n;
	uint32		m;

	if (ARR_ELEMTYPE(arr) != BOOLOID)
		elog(ERROR, "conditions array has element type %u, not boolean", ARR_ELEMTYPE(arr));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (ARR_NDIM(arr) > 1 || n < 1 || n > RETENTION_MAX_CONDITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cq.retention needs 1 to %d conditions, not %d",
						RETENTION_MAX_CONDITIONS, ARR_NDIM(arr) > 1 ? ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) : n),
				 errdetail("Condition 1 defines the cohort; each later condition one return."),
				 errhint("Pass between 1 and %d boolean conditions, as separate arguments.",
						 RETENTION_MAX_CONDITIONS)));
	CheckRetentionState(s);
	CheckSameCount(RETENTION_COUNT(s), n);

	if (!cq_bool_array_mask(arr, n, &m))
		PG_RETURN_INT64(RETENTION_MAKE(n, RETENTION_MASK(s)));
	PG_RETURN_INT64(RETENTION_MAKE(n, RETENTION_MASK(s) | m));
}

/*
 * retention_combine(bigint, bigint) returns bigint
 *		The state of the union: counts must agree (0 = no rows), flags OR.
 */
PG_FUNCTION_INFO_V1(retention_combine);
Datum
retention_combine(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_INT64(0);
	int64		b = PG_GETARG_INT64(1);

	CheckRetentionState(a);
	CheckRetentionState(b);
	CheckSameCount(RETENTION_COUNT(a), RETENTION_COUNT(b));
	PG_RETURN_INT64(RETENTION_MAKE(Max(RETENTION_COUNT(a), RETENTION_COUNT(b)),
								   RETENTION_MASK(a) | RETENTION_MASK(b)));
}

/*
 * retention_finalfn(bigint) returns boolean[]
 *		r[1] = condition 1 held; r[i] = r[1] and condition i held.  NULL when
 *		the group had no rows.
 */
PG_FUNCTION_INFO_V1(retention_finalfn);
Datum
retention_finalfn(PG_FUNCTION_ARGS)
{
	int64		s = PG_GETARG_INT64(0);
	int			n = RETENTION_COUNT(s);
	uint32		m = RETENTION_MASK(s);
	Datum		elems[RETENTION_MAX_CONDITIONS];
	int			i;

	CheckRetentionState(s);
	if (n == 0)
		PG_RETURN_NULL();
	for (i = 0; i < n; i++)
		elems[i] = BoolGetDatum((m & 1) && (m & (((uint32) 1) << i)));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, BOOLOID, 1, true, TYPALIGN_CHAR));
}
