/*-------------------------------------------------------------------------
 *
 * rank_accum_driver.c
 *	  Feeds src/rank_accum.c (the per-user accumulator behind cq.rank_events)
 *	  from a file, without PostgreSQL, for test/check_rank_accum.py.
 *
 *	  rank_accum_driver HORIZON_US OBSERVED_UNTIL_US < rows
 *
 * Each input line is "user<TAB>time_us<TAB>event<TAB>revenue", ordered by
 * user, then time; an empty event is a row without one (a revenue row), an
 * empty revenue a row without revenue.  The window of an anchor ends at
 * anchor + HORIZON_US.  Output, one line per event name in order of first
 * appearance:
 *
 *	 name occurrences carries censored n0 pos0 sx0 sxx0 lsx0 lsxx0 n1 pos1 sx1 sxx1 lsx1 lsxx1 has_lead median_lead
 *
 * tab-separated, floats with 17 significant digits.  A status other than OK
 * is printed as "status <n>" and the exit code is 1.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank_accum.h"

static int64_t horizon;

static void *
drv_alloc(void *host, void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size);

	(void) host;
	if (p == NULL)
		abort();
	return p;
}

static int64_t
drv_window_end(void *host, int64_t anchor)
{
	(void) host;
	if (anchor > INT64_MAX - horizon)
		return INT64_MAX;
	return anchor + horizon;
}

static void
drv_check_interrupts(void *host)
{
	(void) host;
}

static void
fail(CqRankStatus st)
{
	printf("status %d\n", (int) st);
	exit(1);
}

int
main(int argc, char **argv)
{
	CqRankEnv	env = {drv_alloc, drv_window_end, drv_check_interrupts, NULL};
	CqRankAccum *ra;
	char		line[4096];
	char		prev_user[256] = "";
	bool		have_user = false;
	CqRankStatus st;

	if (argc != 3)
	{
		fprintf(stderr, "usage: rank_accum_driver HORIZON_US OBSERVED_UNTIL_US < rows\n");
		return 2;
	}
	horizon = strtoll(argv[1], NULL, 10);
	ra = cq_rank_accum_create(&env, strtoll(argv[2], NULL, 10), (size_t) 1 << 30);
	while (fgets(line, sizeof(line), stdin))
	{
		char	   *f[4];
		char	   *p = line;

		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 4; i++)
		{
			f[i] = p;
			p = strchr(p, '\t');
			if (p == NULL && i < 3)
			{
				fprintf(stderr, "bad line: %s\n", line);
				return 2;
			}
			if (p)
				*p++ = '\0';
		}
		if (!have_user || strcmp(prev_user, f[0]) != 0)
		{
			if ((st = cq_rank_accum_end_user(ra)) != CQ_RANK_OK)
				fail(st);
			snprintf(prev_user, sizeof(prev_user), "%s", f[0]);
			have_user = true;
		}
		st = cq_rank_accum_row(ra, strtoll(f[1], NULL, 10), f[2],
							   f[2][0] ? (int) strlen(f[2]) : -1,
							   f[3][0] != '\0', f[3][0] ? strtod(f[3], NULL) : 0.0);
		if (st != CQ_RANK_OK)
			fail(st);
	}
	if ((st = cq_rank_accum_finish(ra)) != CQ_RANK_OK)
		fail(st);
	for (int i = 0; i < cq_rank_accum_nevents(ra); i++)
	{
		CqRankEventResult e;

		cq_rank_accum_event(ra, i, &e);
		printf("%.*s\t%lld\t%d\t%lld", e.namelen, e.name, (long long) e.occurrences,
			   (int) e.carries, (long long) e.censored);
		for (int g = 0; g < 2; g++)
			printf("\t%lld\t%lld\t%.17g\t%.17g\t%.17g\t%.17g", (long long) e.signal.g[g].n,
				   (long long) e.signal.g[g].pos, e.signal.g[g].sx, e.signal.g[g].sxx,
				   e.signal.g[g].lsx, e.signal.g[g].lsxx);
		printf("\t%d\t%lld\n", (int) e.has_lead, (long long) e.median_lead);
	}
	return 0;
}
