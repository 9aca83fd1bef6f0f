/*-------------------------------------------------------------------------
 *
 * phone_shim.h
 *	  C interface to Google's libphonenumber (C++).
 *
 * The implementation in phone_shim.cpp catches every C++ exception and never
 * calls PostgreSQL, so no C++ unwinding can cross a PostgreSQL frame and no
 * PostgreSQL longjmp can cross a C++ frame.  Callers pass plain C strings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_PHONE_SHIM_H
#define CQ_PHONE_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

/* Largest E.164 string: '+', up to 17 digits (libphonenumber's limit), NUL */
#define CQ_PHONE_BUFSIZE 32

typedef enum CqPhoneStatus
{
	CQ_PHONE_OK,				/* out holds "+<digits>" */
	CQ_PHONE_INVALID,			/* not a valid number: the caller returns NULL */
	CQ_PHONE_FAILURE			/* the library failed (out of memory) */
} CqPhoneStatus;

extern CqPhoneStatus cq_phone_to_e164(const char *number, size_t len, const char *region,
									  char out[CQ_PHONE_BUFSIZE]);
extern int	cq_phone_region_supported(const char *region);
extern size_t cq_phone_regions(char *out, size_t outsize);

#ifdef __cplusplus
}
#endif

#endif							/* CQ_PHONE_SHIM_H */
