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
 * storage/bufpage.h, which access/htup_details.h pulls in, has inline
 * functions with unused parameters in PostgreSQL 15, and -Wextra reports
 * them.  CI builds with -Wall -Wextra -Werror, so files that need heap tuple
 * access include it through this header, with that one warning silenced for
 * PostgreSQL's code only.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include "access/htup_details.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif							/* CONVERSION_QUALITY_H */
