/*-------------------------------------------------------------------------
 *
 * conversion_quality.c
 *	  Module magic of the conversion_quality extension.
 *
 * Each capability lives in its own file (identity_*.c, match_key.c,
 * dedup_key.c, event_fingerprint.c, dedup_keep.c, ...); this file holds
 * only what the module as a whole needs.  There are no GUCs yet.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
