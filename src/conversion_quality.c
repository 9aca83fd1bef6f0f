/*-------------------------------------------------------------------------
 *
 * conversion_quality.c
 *	  Module magic of the conversion_quality extension, and the few helpers
 *	  every capability shares (conversion_quality.h).  There are no GUCs yet.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/typcache.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

PG_MODULE_MAGIC;

/* Bytes of a text input quoted in an error message */
#define CQ_QUOTE_MAX	100

/*
 * cq_codec_raise
 *		Raise the refusal a state codec reported (codec.h): SQLSTATE 22P02
 *		for the text form (text_input is the text read), 22P03 for the
 *		binary form (text_input NULL).  A message that quotes its input
 *		shows at most its first CQ_QUOTE_MAX bytes.
 */
void
cq_codec_raise(const CqCodecError *e, const char *text_input)
{
	int			sqlstate = text_input ? ERRCODE_INVALID_TEXT_REPRESENTATION :
		ERRCODE_INVALID_BINARY_REPRESENTATION;

	if (e->quote_input && text_input)
	{
		int			len = strlen(text_input);
		int			clip = pg_mbcliplen(text_input, len, CQ_QUOTE_MAX);

		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s: \"%.*s%s\"", e->message, clip, text_input, clip < len ? "..." : ""),
				 errdetail("%s", e->detail),
				 errhint("%s", e->hint)));
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", e->message),
			 errdetail("%s", e->detail),
			 errhint("%s", e->hint)));
}

/*
 * cq_text_out_reserve
 *		Room for `need` more bytes (NUL included) in buf, the text form of a
 *		cq.<typname> value being written piece by piece; CHECK_FOR_INTERRUPTS
 *		once per piece.  A text form that would pass a value's 1 GB limit is
 *		an error (54000) naming the type and its size, not PostgreSQL's "out
 *		of memory".
 */
void
cq_text_out_reserve(StringInfo buf, size_t need, const char *typname, int64 items,
					const char *unit)
{
	CHECK_FOR_INTERRUPTS();
	if ((size_t) buf->len + need >= MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cq.%s of " INT64_FORMAT " %s is too large for its text form", typname,
						items, unit),
				 errdetail("The text form would pass 1 GB, the largest value PostgreSQL can hold; it already takes %d bytes.",
						   buf->len),
				 errhint("Read it with the accessors or COPY it WITH (FORMAT binary); pg_dump writes text, so keep such summaries in smaller parts (per day, per segment) and roll them up when reading.")));
	enlargeStringInfo(buf, (int) need);
}

#if PG_VERSION_NUM < 150000
/*
 * cq_init_materialized_srf
 *		InitMaterializedSRF(fcinfo, 0) of PostgreSQL 15, by hand.
 */
void
cq_init_materialized_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(old);
}
#endif

/*
 * cq_check_table_readable
 *		A function that reads a table by name (fn) first makes sure the
 *		calling role may read some of it, so that a role without any SELECT
 *		privilege on it gets PostgreSQL's own "permission denied" and learns
 *		nothing about its columns from the checks that follow.  The query
 *		itself then runs with the caller's privileges (and row security).
 */
void
cq_check_table_readable(Oid relid, const char *fn)
{
	Oid			role = GetUserId();
	char		relkind;

	/*
	 * Lock the relation as the query will, so that it cannot be dropped
	 * between these checks and the query (its name must stay readable).
	 */
	LockRelationOid(relid, AccessShareLock);
	relkind = get_rel_relkind(relid);
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("%s reads a table or view given by name.", fn)));
	if (pg_class_aclcheck(relid, role, ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, role, ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(relkind), get_rel_name(relid));
}

/*
 * cq_relation_name
 *		The schema-qualified name of a relation locked by
 *		cq_check_table_readable, quoted where needed (for queries and
 *		messages).
 */
char *
cq_relation_name(Oid relid)
{
	char	   *rel = get_rel_name(relid);
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));

	if (rel == NULL || nsp == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	return quote_qualified_identifier(nsp, rel);
}

/*
 * cq_check_column
 *		Column `column` of relid, which fn reads as its argument argname:
 *		it must exist (42703) and hold what kind says (42804; role is the
 *		error's detail, what the column is for).  Returns its type.
 */
Oid
cq_check_column(Oid relid, const char *column, CqColumnKind kind, const char *fn,
				const char *argname, const char *role)
{
	AttrNumber	attnum = get_attnum(relid, column);
	Oid			type;
	Oid			base;

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist in %s", column, cq_relation_name(relid)),
				 errdetail("%s reads it as %s.", fn, argname),
				 errhint("Pass the name of an existing column, for example %s => 'my_column'.",
						 argname)));
	type = get_atttype(relid, attnum);
	base = getBaseType(type);
	if (kind == CQ_COLUMN_TIME &&
		base != TIMESTAMPTZOID && base != TIMESTAMPOID && base != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of %s has type %s, not a timestamp",
						column, cq_relation_name(relid), format_type_be(type)),
				 errdetail("%s", role),
				 errhint("Use a timestamptz, timestamp or date column, or a view that casts one.")));
	if (kind == CQ_COLUMN_NUMBER &&
		base != INT2OID && base != INT4OID && base != INT8OID && base != NUMERICOID &&
		base != FLOAT4OID && base != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of %s has type %s, not a number",
						column, cq_relation_name(relid), format_type_be(type)),
				 errdetail("%s", role),
				 errhint("Use a numeric column, or a view that casts one.")));
	return type;
}

/*
 * cq_user_equality
 *		The type cache entry of a user column's type, with its equality
 *		function: scans that read rows ordered by user tell users apart with
 *		it.  A type without equality is the caller's mistake (42883); why is
 *		the error's detail (what the function does with users).
 */
TypeCacheEntry *
cq_user_equality(Oid type, const char *why)
{
	TypeCacheEntry *tce = lookup_type_cache(type, TYPECACHE_EQ_OPR_FINFO);

	if (!OidIsValid(tce->eq_opr_finfo.fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("the user column has type %s, which has no equality operator",
						format_type_be(type)),
				 errdetail("%s", why),
				 errhint("Use a view that casts the user column to text or bigint.")));
	return tce;
}
