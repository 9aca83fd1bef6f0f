/*-------------------------------------------------------------------------
 *
 * text_util.h
 *	  UTF-8 text helpers shared by the identity and dedup functions:
 *	  conversion between the server encoding and UTF-8, and the palloc'd
 *	  buffers and error reports around the PostgreSQL-free cores of
 *	  utf8_core.h (whitespace, trimming, lowercasing).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_TEXT_UTIL_H
#define CQ_TEXT_UTIL_H

#include "postgres.h"

#include "utf8_core.h"

extern char *cq_text_to_utf8(text *t, int *len);
extern const char *cq_text_utf8_view(text *t, int *len);
extern text *cq_utf8_to_text(const char *s, int len);
extern void cq_text_buf_init(CqTextBuf *buf, const char *s, int len);
extern bool cq_text_buf_grown(CqTextStatus status, CqTextBuf *buf);
extern bool cq_text_buf_result(CqTextStatus status, CqTextBuf *buf);

#endif							/* CQ_TEXT_UTIL_H */
