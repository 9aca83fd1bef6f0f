/*-------------------------------------------------------------------------
 *
 * rank_accum_driver.c
 *	  Feeds src/rank_accum.c (the per-user accumulator behind cq.rank_events)
 *	  from a file, without PostgreSQL, for test/check_rank_accum.py.
 *
 *	  rank_accum_driver WITHIN_US HORIZON_US OBSERVED_UNTIL_US THRESHOLDS ENTRY < rows
 *
 * THRESHOLDS is a comma-separated list (1,2,3); ENTRY a comma-separated
 * list of entry event names, or "-" for "a user's first event of any kind".
 * Each input line is "user<TAB>time_us<TAB>event<TAB>revenue<TAB>copy",
 * ordered by user, then time; an empty event is a row without one (a
 * revenue row), an empty revenue a row without revenue, copy 1 a copy of an
 * earlier row of the same event and id.  Times add plainly (t + WITHIN_US,
 * t + HORIZON_US; past INT64_MAX: never).  Output, one line per event name
 * (in order of first appearance, only those with rows) and threshold:
 *
 *	 name threshold occurrences duplicates carries
 *	   n0 pos0 sx0 sxx0 lsx0 lsxx0 n1 pos1 sx1 sxx1 lsx1 lsxx1
 *	   revenue_before has_lead median_lead has_latency median_latency
 *
 * then "totals users included censored no_entry rows_skipped has_first
 * first_time"; tab-separated, floats with 17 significant digits.  A status
 * other than OK is printed as "status <n>" and the exit code is 1.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank_accum.h"

static int64_t within_us,
			horizon_us;

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
drv_add(void *host, int64_t t, int which)
{
	int64_t		d = which == 0 ? within_us : horizon_us;

	(void) host;
	if (t > INT64_MAX - d)
		return INT64_MAX;
	return t + d;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static void
drv_sort(void *host, int64_t *v, size_t n)
{
	(void) host;
	qsort(v, n, sizeof(int64_t), cmp_int64);
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
	CqRankEnv	env = {drv_alloc, drv_add, drv_sort, drv_check_interrupts, NULL};
	CqRankOptions opt;
	CqRankTotals tot;
	CqRankAccum *ra;
	char		line[4096];
	char		prev_user[256] = "";
	bool		have_user = false;
	CqRankStatus st;
	char	   *p;

	if (argc != 6)
	{
		fprintf(stderr, "usage: rank_accum_driver WITHIN_US HORIZON_US OBSERVED_UNTIL_US THRESHOLDS ENTRY < rows\n");
		return 2;
	}
	within_us = strtoll(argv[1], NULL, 10);
	horizon_us = strtoll(argv[2], NULL, 10);
	memset(&opt, 0, sizeof(opt));
	opt.observed_until = strtoll(argv[3], NULL, 10);
	for (p = strtok(argv[4], ","); p && opt.nthresholds < CQ_RANK_MAX_THRESHOLDS; p = strtok(NULL, ","))
		opt.thresholds[opt.nthresholds++] = atoi(p);
	opt.named_entry = strcmp(argv[5], "-") != 0;
	ra = cq_rank_accum_create(&env, &opt, (size_t) 1 << 30);
	if (opt.named_entry)
		for (p = strtok(argv[5], ","); p; p = strtok(NULL, ","))
			if ((st = cq_rank_accum_entry_event(ra, p, (int) strlen(p))) != CQ_RANK_OK)
				fail(st);
	while (fgets(line, sizeof(line), stdin))
	{
		char	   *f[5];

		p = line;
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 5; i++)
		{
			f[i] = p;
			p = strchr(p, '\t');
			if (p == NULL && i < 4)
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
							   f[2][0] ? (int) strlen(f[2]) : -1, f[4][0] == '1',
							   f[3][0] != '\0', f[3][0] ? strtod(f[3], NULL) : 0.0);
		if (st != CQ_RANK_OK)
			fail(st);
	}
	if ((st = cq_rank_accum_finish(ra)) != CQ_RANK_OK)
		fail(st);
	for (int i = 0; i < cq_rank_accum_nevents(ra); i++)
	{
		for (int j = 0; j < opt.nthresholds; j++)
		{
			CqRankEventResult e;

			cq_rank_accum_event(ra, i, j, &e);
			if (!e.seen)
				break;
			printf("%.*s\t%d\t%lld\t%lld\t%d", e.namelen, e.name, (int) e.threshold,
				   (long long) e.occurrences, (long long) e.duplicates, (int) e.carries);
			for (int g = 0; g < 2; g++)
				printf("\t%lld\t%lld\t%.17g\t%.17g\t%.17g\t%.17g", (long long) e.signal.g[g].n,
					   (long long) e.signal.g[g].pos, e.signal.g[g].sx, e.signal.g[g].sxx,
					   e.signal.g[g].lsx, e.signal.g[g].lsxx);
			printf("\t%.17g\t%d\t%lld\t%d\t%lld\n", e.revenue_before, (int) e.has_lead,
				   (long long) e.median_lead, (int) e.has_latency, (long long) e.median_latency);
		}
	}
	cq_rank_accum_totals(ra, &tot);
	printf("totals\t%lld\t%lld\t%lld\t%lld\t%lld\t%d\t%lld\n", (long long) tot.users,
		   (long long) tot.included, (long long) tot.censored, (long long) tot.no_entry,
		   (long long) tot.rows_skipped, (int) tot.has_first, (long long) tot.first_time);
	return 0;
}
