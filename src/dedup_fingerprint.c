/*-------------------------------------------------------------------------
 *
 * dedup_fingerprint.c
 *	  cq.event_fingerprint(VARIADIC "any"): a content key for event sources
 *	  that carry no event id (Snowplow's "event fingerprint" idea).
 *
 * Encoding, version 1 (documented in the README, "Key encodings"):
 *
 *	 SHA-256( "cq.event_fingerprint.v1" 0x00  uint32(n)
 *			  for each argument: uint32(len(type)) type  field(value) )
 *
 * uint32 is 4 bytes big-endian; type is the schema-qualified name of the
 * argument's type, domains replaced by their base type, and varchar and
 * untyped literals counted as pg_catalog.text; field(NULL) is 0x00, field(v) is 0x01,
 * uint32(len(bytes)) and bytes.  The bytes of a value are
 *	 - for string types (text, varchar, char, name, ...), enums, json, jsonb
 *	   and xml: the UTF-8 text of the value;
 *	 - for every other type: its binary send form (the COPY BINARY
 *	   representation), which is independent of byte order and settings
 *	   such as DateStyle, TimeZone or extra_float_digits.
 * The framing is written by key_encoding.c (cq_key_fingerprint_begin and
 * cq_key_fingerprint_arg), free of PostgreSQL so that test/fuzz/ can check
 * it decodes back to its fields.
 * So the argument types matter (1::int, 1::bigint and '1'::text all differ),
 * NULL differs from '' and from a missing argument, and the first 16 bytes
 * of the digest form a version 8 UUID.
 *
 * Nested text inside arrays and composite values goes through their send
 * functions, which follow client_encoding: the function is STABLE, not
 * IMMUTABLE, for that reason.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "dedup.h"

#include "catalog/pg_type.h"
#include "conversion_quality.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "sha256_util.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* How one argument's type is hashed; cached per call site in fn_extra */
typedef struct FingerprintArgType
{
	Oid			typid;			/* type as passed (before domain lookup) */
	Oid			basetype;		/* domain base type; TEXTOID for unknown */
	bool		as_text;		/* hash the UTF-8 text, not the send form */
	bool		is_cstring;		/* datum is a C string (untyped literal) */
	char	   *name;			/* schema-qualified type name */
	uint32		namelen;
	FmgrInfo	proc;			/* output or send function */
} FingerprintArgType;

typedef struct FingerprintCache
{
	int			nargs;
	FingerprintArgType *types;
} FingerprintCache;

/*
 * Fill *t for values of type typid, allocating in mcxt.
 */
static void
fingerprint_type_init(FingerprintArgType *t, Oid typid, MemoryContext mcxt)
{
	HeapTuple	tp;
	Form_pg_type typ;
	Oid			func;
	bool		isvarlena;
	char		category;
	bool		preferred;
	char	   *nsp;

	t->typid = typid;
	t->is_cstring = (typid == UNKNOWNOID || typid == CSTRINGOID);
	t->basetype = t->is_cstring ? TEXTOID : getBaseType(typid);
	if (t->basetype == VARCHAROID)
		t->basetype = TEXTOID;	/* varchar is text with a length check */

	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(t->basetype));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for type %u", t->basetype);
	typ = (Form_pg_type) GETSTRUCT(tp);
	nsp = get_namespace_name(typ->typnamespace);
	t->name = MemoryContextStrdup(mcxt, psprintf("%s.%s", nsp, NameStr(typ->typname)));
	t->namelen = (uint32) strlen(t->name);
	ReleaseSysCache(tp);

	get_type_category_preferred(t->basetype, &category, &preferred);
	t->as_text = t->is_cstring || category == TYPCATEGORY_STRING ||
		category == TYPCATEGORY_ENUM || t->basetype == JSONOID ||
		t->basetype == JSONBOID || t->basetype == XMLOID;
	if (t->is_cstring)
		return;
	if (t->as_text)
		getTypeOutputInfo(t->basetype, &func, &isvarlena);
	else
		getTypeBinaryOutputInfo(t->basetype, &func, &isvarlena);
	fmgr_info_cxt(func, &t->proc, mcxt);
}

/*
 * Feed one value as a fingerprint field: its type name, then its bytes.
 */
static void
fingerprint_value(CqHasher *h, FingerprintArgType *t, Datum value, bool isnull)
{
	if (isnull)
	{
		cq_key_fingerprint_arg(&h->w, t->name, t->namelen, NULL, 0, true);
		return;
	}
	if (t->as_text)
	{
		char	   *str;
		int			len;
		char	   *utf8;

		if (t->is_cstring)
			str = DatumGetCString(value);
		else if (t->basetype == TEXTOID || t->basetype == BPCHAROID)
			str = text_to_cstring(DatumGetTextPP(value));
		else
			str = OutputFunctionCall(&t->proc, value);
		len = strlen(str);
		utf8 = (char *) pg_do_encoding_conversion((unsigned char *) str, len,
												  GetDatabaseEncoding(), PG_UTF8);
		if (utf8 != str)
			len = strlen(utf8);
		cq_key_fingerprint_arg(&h->w, t->name, t->namelen, utf8, (uint32) len, false);
	}
	else
	{
		bytea	   *bin = SendFunctionCall(&t->proc, value);

		cq_key_fingerprint_arg(&h->w, t->name, t->namelen, VARDATA(bin),
							   (uint32) (VARSIZE(bin) - VARHDRSZ), false);
	}
}

/*
 * Cached type information for the arguments of this call site.  With an
 * explicit VARIADIC array, every element has the array's element type.
 */
static FingerprintCache *
fingerprint_cache(FunctionCallInfo fcinfo, int nargs, Oid elemtype)
{
	FingerprintCache *cache = (FingerprintCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;

	if (cache != NULL && cache->nargs >= nargs)
		return cache;
	cache = MemoryContextAllocZero(mcxt, sizeof(FingerprintCache));
	cache->nargs = nargs;
	cache->types = MemoryContextAllocZero(mcxt, sizeof(FingerprintArgType) * Max(nargs, 1));
	for (int i = 0; i < nargs; i++)
	{
		Oid			typid = OidIsValid(elemtype) ? elemtype :
			get_fn_expr_argtype(fcinfo->flinfo, i);

		if (!OidIsValid(typid))
			ereport(ERROR,
					(errcode(ERRCODE_INDETERMINATE_DATATYPE),
					 errmsg("could not determine the type of argument %d", i + 1)));
		fingerprint_type_init(&cache->types[i], typid, mcxt);
	}
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

/*
 * event_fingerprint(VARIADIC "any") returns uuid
 *		Never NULL: NULL arguments are part of the content.
 */
PG_FUNCTION_INFO_V1(event_fingerprint);
Datum
event_fingerprint(PG_FUNCTION_ARGS)
{
	CqHasher	h;
	uint8		digest[CQ_SHA256_LEN];
	FingerprintCache *cache;

	cq_hasher_begin(&h);

	if (get_fn_expr_variadic(fcinfo->flinfo))
	{
		ArrayType  *arr;
		Datum	   *values;
		bool	   *nulls;
		int			n;
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;
		Oid			elemtype;

		if (PG_ARGISNULL(0))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("VARIADIC argument of cq.event_fingerprint must not be NULL"),
					 errdetail("A NULL array has no elements whose content could be keyed."),
					 errhint("Pass an array, possibly empty, or list the values as separate arguments.")));
		arr = PG_GETARG_ARRAYTYPE_P(0);
		elemtype = ARR_ELEMTYPE(arr);
		get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign, &values, &nulls, &n);
		cache = fingerprint_cache(fcinfo, 1, elemtype);
		cq_key_fingerprint_begin(&h.w, (uint32) n);
		for (int i = 0; i < n; i++)
			fingerprint_value(&h, &cache->types[0], values[i], nulls[i]);
	}
	else
	{
		int			n = PG_NARGS();

		cache = fingerprint_cache(fcinfo, n, InvalidOid);
		cq_key_fingerprint_begin(&h.w, (uint32) n);
		for (int i = 0; i < n; i++)
			fingerprint_value(&h, &cache->types[i], PG_GETARG_DATUM(i), PG_ARGISNULL(i));
	}
	cq_hasher_finish(&h, digest);
	PG_RETURN_UUID_P(cq_digest_to_uuid(digest));
}
