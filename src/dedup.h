/*-------------------------------------------------------------------------
 *
 * dedup.h
 *	  The dedup capability: the keys under which ad platforms deduplicate a
 *	  conversion (cq.dedup_key), content keys for sources without event ids
 *	  (cq.event_fingerprint), the copy that counts (window function
 *	  cq.dedup_keep), and the duplicate report of an event table
 *	  (cq.dedup_report).
 *
 * Files, by role:
 *	  dedup_key.c			cq.dedup_key
 *	  dedup_fingerprint.c	cq.event_fingerprint
 *	  dedup_keep.c			cq.dedup_keep
 *	  dedup_report.c		cq.dedup_report: checks, then one query over the table
 *	  key_encoding.c		the PostgreSQL-free key preimages (key_encoding.h), fuzzed
 *	  sha256_util.c			SHA-256 through PostgreSQL's cryptohash, UUID and hex forms
 *	  dedup.sql				the SQL objects
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_DEDUP_H
#define CQ_DEDUP_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "key_encoding.h"
#include "sha256_util.h"

/* The end of a copy's dedup window: kept_at + window, saturating (dedup_keep.c) */
extern TimestampTz cq_dedup_deadline(TimestampTz kept_at, const Interval *window);

#endif							/* CQ_DEDUP_H */
