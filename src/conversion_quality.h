/*-------------------------------------------------------------------------
 *
 * conversion_quality.h
 *	  Project-wide declarations of conversion_quality.
 *
 * Each capability has its own header (identity.h, dedup.h, ...); this one
 * holds only what every capability shares.
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

#endif							/* CONVERSION_QUALITY_H */
