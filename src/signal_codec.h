/*-------------------------------------------------------------------------
 *
 * signal_codec.h
 *	  The format of cq.event_signal: the summary's layout and constants, and
 *	  the PostgreSQL-free encoders and decoders of its text and binary forms.
 *
 * The summary (96 bytes, no pointers, no padding) holds for the rows
 * without the event (group 0) and with it (group 1): the row count, the
 * rows with value > 0, and the Youngs-Cramer moments (sum, sum of squared
 * deviations) of the value and of slog1p(value).
 *
 *	 text (version 1):	v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx
 *						floats in the shortest form that reads back to the
 *						same double, so text out and in is bit-exact
 *	 binary:			the byte 1, then per group n and pos as int8 and the
 *						four moments as float8, network byte order (97 bytes)
 *
 * Decoders check every invariant (cq_signal_group_problem).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_SIGNAL_CODEC_H
#define CQ_SIGNAL_CODEC_H

#include "codec.h"

#define CQ_SIGNAL_VERSION			1
#define CQ_SIGNAL_BINARY_SIZE		(1 + 2 * 6 * 8)
/* the longest text form, NUL included */
#define CQ_SIGNAL_TEXT_MAX			(4 + 2 * (2 * 21 + 4 * (CQ_DOUBLE_TEXT_MAX + 1)) + 1)

/* One group of rows: 0 = without the event, 1 = with it */
typedef struct CqSignalGroup
{
	int64_t		n;				/* rows */
	int64_t		pos;			/* rows with value > 0 */
	double		sx;				/* sum of value */
	double		sxx;			/* sum of squared deviations of value */
	double		lsx;			/* sum of slog1p(value) */
	double		lsxx;			/* sum of squared deviations of slog1p(value) */
} CqSignalGroup;

typedef struct CqSignal
{
	CqSignalGroup g[2];
} CqSignal;

/* NULL, or a full sentence saying which invariant of a group is broken */
extern const char *cq_signal_group_problem(const CqSignalGroup *g);

extern bool cq_signal_from_text(const char *str, CqSignal *s, CqCodecError *e);
extern bool cq_signal_from_binary(const uint8_t *data, size_t len, CqSignal *s,
								  CqCodecError *e);
extern size_t cq_signal_to_text(const CqSignal *s, char *out);
extern void cq_signal_to_binary(const CqSignal *s, uint8_t *out);

#endif							/* CQ_SIGNAL_CODEC_H */
