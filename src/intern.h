/*-------------------------------------------------------------------------
 *
 * intern.h
 *	  Interned strings: a byte string -> a dense number from 0 (intern.c).
 *	  Shared by the scans that group rows by a text value (the tracking
 *	  scan of diagnostics, the attribution scan).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_INTERN_H
#define CQ_INTERN_H

#include "postgres.h"

typedef struct CqInterner
{
	void	   *tab;			/* the hash table (intern.c) */
	uint32		n;				/* strings so far */
	const char **strs;			/* number -> bytes, with keep_strings */
	int		   *lens;
	int			cap;
	char	   *block;			/* bump allocation of the copied bytes */
	Size		block_left;
	const char *last_p;			/* the last string looked up (a copy), */
	int			last_len;		/* for runs of the same value */
	uint32		last_idx;
} CqInterner;

extern void cq_interner_init(CqInterner *in, int initial, bool keep_strings);
extern uint32 cq_intern(CqInterner *in, const char *p, int len);
extern const char *cq_interner_string(const CqInterner *in, uint32 idx, int *len);

#endif							/* CQ_INTERN_H */
