/*-------------------------------------------------------------------------
 *
 * conversion_quality.h
 *	  Project-wide declarations of conversion_quality.
 *
 * Each capability has its own header (identity.h, dedup.h, funnel.h,
 * signal.h, rank.h); this one holds only what every capability shares:
 * PostgreSQL headers that need a warning silenced, the one way a codec
 * refusal is raised, and the checks of a table read by name.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONVERSION_QUALITY_H
#define CONVERSION_QUALITY_H

#include "postgres.h"

/*
 * storage/bufpage.h (pulled in by access/htup_details.h) and lib/ilist.h
 * (pulled in by funcapi.h and executor/spi.h) have inline functions with
 * unused parameters in PostgreSQL 15, and -Wextra reports them.  CI builds
 * with -Wall -Wextra -Werror, so files that need these headers include them
 * through this one, with that one warning silenced for PostgreSQL's code only.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "codec.h"
#include "lib/stringinfo.h"

#if PG_VERSION_NUM < 150000
/* InitMaterializedSRF() appeared in PostgreSQL 15 (conversion_quality.c) */
extern void cq_init_materialized_srf(FunctionCallInfo fcinfo);
#define InitMaterializedSRF(fcinfo, flags) cq_init_materialized_srf(fcinfo)
#endif

/* Raise a codec's refusal: text_input for the text form, NULL for binary */
extern void cq_codec_raise(const CqCodecError *e, const char *text_input) pg_attribute_noreturn();
/* Room for the next piece of a stored type's text form, within 1 GB */
extern void cq_text_out_reserve(StringInfo buf, size_t need, const char *typname, int64 items,
								const char *unit);

/*
 * cq_bytea_reader
 *		A read-only StringInfo over a bytea's bytes, for the pq_getmsg*
 *		readers of the deserial functions (initReadOnlyStringInfo is
 *		PostgreSQL 17's).
 */
static inline void
cq_bytea_reader(StringInfo buf, bytea *raw)
{
	buf->data = VARDATA_ANY(raw);
	buf->len = VARSIZE_ANY_EXHDR(raw);
	buf->maxlen = buf->len;
	buf->cursor = 0;
}

/* Are two texts the same bytes?  (Settings repeated on every row of a group) */
static inline bool
cq_text_same(const text *a, const text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* What a column of a table read by name must hold */
typedef enum CqColumnKind
{
	CQ_COLUMN_ANY,				/* any type */
	CQ_COLUMN_TIME,				/* timestamptz, timestamp or date */
	CQ_COLUMN_NUMBER			/* an integer, numeric or floating-point type */
} CqColumnKind;

extern void cq_check_table_readable(Oid relid, const char *fn);
extern char *cq_relation_name(Oid relid);
extern Oid	cq_check_column(Oid relid, const char *column, CqColumnKind kind,
							const char *fn, const char *argname, const char *role);
/* The equality of a user column read row by row (typcache); a clean error without one */
extern struct TypeCacheEntry *cq_user_equality(Oid type, const char *why);

#endif							/* CONVERSION_QUALITY_H */
