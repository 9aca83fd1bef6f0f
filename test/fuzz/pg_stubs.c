/*-------------------------------------------------------------------------
 *
 * pg_stubs.c
 *	  The few server functions the funnel scans (src/funnel_scan.c,
 *	  src/funnel_scan_once.c) call, for the fuzz harness that links them
 *	  outside a server: memory from malloc, interrupts never pending (so the
 *	  interruptible sort is libpgport's qsort_arg), and
 *	  ereport(ERROR) as an abort that libFuzzer records with its message
 *	  (no input the harness builds may raise one).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "miscadmin.h"

volatile sig_atomic_t InterruptPending = false;
int			work_mem = 65536;	/* kB, as a generous server setting */

static int	stub_elevel;

void
ProcessInterrupts(void)
{
}

void
qsort_interruptible(void *base, size_t nel, size_t elsize, qsort_arg_comparator cmp, void *arg)
{
	qsort_arg(base, nel, elsize, cmp, arg);
}

void *
palloc(Size size)
{
	void	   *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

void *
palloc0(Size size)
{
	void	   *p = calloc(1, size > 0 ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	void	   *p = realloc(pointer, size > 0 ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

void
pfree(void *pointer)
{
	free(pointer);
}

bool
errstart(int elevel, const char *domain)
{
	(void) domain;
	stub_elevel = elevel;
	return elevel >= ERROR;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

static int
stub_print(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return 0;
}

int
errmsg(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	stub_print("ereport", fmt, ap);
	va_end(ap);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	stub_print("elog", fmt, ap);
	va_end(ap);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	stub_print("detail", fmt, ap);
	va_end(ap);
	return 0;
}

int
errhint(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	stub_print("hint", fmt, ap);
	va_end(ap);
	return 0;
}

int
errcode(int sqlerrcode)
{
	(void) sqlerrcode;
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	fprintf(stderr, "raised at %s:%d (%s), level %d\n", filename, lineno, funcname, stub_elevel);
	if (stub_elevel >= ERROR)
		abort();
}
