/*-------------------------------------------------------------------------
 *
 * text_util.h
 *	  UTF-8 text helpers shared by the identity and dedup functions:
 *	  conversion between the server encoding and UTF-8, Unicode whitespace,
 *	  and Unicode lowercasing.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_TEXT_UTIL_H
#define CQ_TEXT_UTIL_H

#include "postgres.h"

extern char *cq_text_to_utf8(text *t, int *len);
extern const char *cq_text_utf8_view(text *t, int *len);
extern text *cq_utf8_to_text(const char *s, int len);
extern int	cq_utf8_space_len(const char *s, int len);
extern void cq_utf8_trim(const char **s, int *len);
extern bool cq_utf8_has_space(const char *s, int len);
extern char *cq_utf8_lower(const char *s, int len, int *outlen);

#endif							/* CQ_TEXT_UTIL_H */
