#!/usr/bin/env bash
# Funnel benchmark (issue 3, section 5), run by `make bench` (CQ_ONLY=funnel make bench for this
# one alone).  Prints ratios measured side by side in one run, on one cluster, serial plans
# (max_parallel_workers_per_gather = 0) so that the ratios compare work, not worker counts:
#
#   1. cq.window_funnel grouped by user      vs  the floor count(*) ... GROUP BY user, in both
#      forms: boolean steps (e = 'view', ...) and event names (e, 'view', ...); and
#      (for the record) vs a floor that also evaluates the four step conditions
#      (count(*) FILTER (WHERE <step>) per step): what any implementation reading
#      four conditions per row pays
#   2. cq.window_funnel grouped by user      vs  the chained self-join an analyst writes today
#      (first step, then min(ts) of each later step within the window), with the number of
#      users on which the two answers differ
#   3. state size per event (cq.funnel_events stored per user)
#   4. one user with 1M, 2M, 4M events: time per event must not grow faster than log n
#   5. cq.funnel_any_order and cq.funnel_completions (issue 15): from the rows against
#      cq.window_funnel, and on the stored states against cq.funnel_stage
#   6. cq.funnel_conversion_curve (issue 15) over the stored states against cq.funnel_report
#   7. cq.window_funnel_by_key (issue 15) against cq.window_funnel and the per-(user, key) SQL;
#      cq.funnel_stage_flexible (issue 15) from the rows and on the stored states
#   8. cq.sequence_match and cq.sequence_count (issue 15): from the rows against
#      cq.window_funnel, and on the stored states against cq.funnel_stage
#
# Environment: BENCH_EVENTS (default 5000000), BENCH_USERS (default 500000), BENCH_REPEAT
# (default 5: the median of 5 rounds is reported; the queries alternate within a round),
# BENCH_SINGLE (default "1000000 2000000 4000000").
set -euo pipefail
EVENTS=${BENCH_EVENTS:-5000000}
USERS=${BENCH_USERS:-500000}
REPEAT=${BENCH_REPEAT:-5}
SINGLE=${BENCH_SINGLE:-"1000000 2000000 4000000"}
DB=cq_bench_funnel

. "$(dirname "$0")/common.sh"
bench_database "$DB"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

echo "funnel benchmark: $EVENTS events for $USERS users, serial plans, median of $REPEAT alternating rounds"
t0=$(date +%s)
q <<SQL
SET max_parallel_workers_per_gather = 0;
-- events spread over 30 days; step mix view 60 %, cart 25 %, checkout 10 %, buy 5 %;
-- times are scattered so each user's rows arrive out of order
CREATE TABLE bench_ev AS
SELECT (i % $USERS)::int AS uid,
       timestamptz '2024-01-01 00:00:00+00'
         + ((hashint8(i) & 2147483647) % (30 * 86400)) * interval '1 second' AS ts,
       CASE WHEN (hashint8(-i) & 1023) < 614 THEN 'view'
            WHEN (hashint8(-i) & 1023) < 870 THEN 'cart'
            WHEN (hashint8(-i) & 1023) < 972 THEN 'checkout'
            ELSE 'buy' END AS e
  FROM generate_series(1, $EVENTS) i;
VACUUM ANALYZE bench_ev;
SQL
echo "  data generated in $(( $(date +%s) - t0 )) s"

FUNNEL="SELECT uid, cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS stage FROM bench_ev GROUP BY uid"
NAMES="SELECT uid, cq.window_funnel(interval '1 day', ts, e, 'view', 'cart', 'checkout', 'buy') AS stage FROM bench_ev GROUP BY uid"
FLOOR="SELECT uid, count(*) FROM bench_ev GROUP BY uid"
CONDFLOOR="SELECT uid, count(*) FILTER (WHERE e = 'view') AS c1, count(*) FILTER (WHERE e = 'cart') AS c2,
 count(*) FILTER (WHERE e = 'checkout') AS c3, count(*) FILTER (WHERE e = 'buy') AS c4 FROM bench_ev GROUP BY uid"
SELFJOIN="WITH s1 AS (SELECT uid, min(ts) AS t1 FROM bench_ev WHERE e = 'view' GROUP BY uid),
 s2 AS (SELECT s1.uid, s1.t1, min(b.ts) AS t2 FROM s1 LEFT JOIN bench_ev b
          ON b.uid = s1.uid AND b.e = 'cart' AND b.ts >= s1.t1 AND b.ts <= s1.t1 + interval '1 day'
         GROUP BY s1.uid, s1.t1),
 s3 AS (SELECT s2.uid, s2.t1, s2.t2, min(b.ts) AS t3 FROM s2 LEFT JOIN bench_ev b
          ON b.uid = s2.uid AND b.e = 'checkout' AND b.ts >= s2.t2 AND b.ts <= s2.t1 + interval '1 day'
         GROUP BY s2.uid, s2.t1, s2.t2),
 s4 AS (SELECT s3.uid, s3.t1, s3.t2, s3.t3, min(b.ts) AS t4 FROM s3 LEFT JOIN bench_ev b
          ON b.uid = s3.uid AND b.e = 'buy' AND b.ts >= s3.t3 AND b.ts <= s3.t1 + interval '1 day'
         GROUP BY s3.uid, s3.t1, s3.t2, s3.t3)
 SELECT uid, 1 + (t2 IS NOT NULL)::int + (t3 IS NOT NULL)::int + (t4 IS NOT NULL)::int AS stage FROM s4"

q <<SQL
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
CREATE TEMP TABLE r0 AS
SELECT bench_ms(ARRAY[\$q\$$FLOOR\$q\$, \$q\$$FUNNEL\$q\$, \$q\$$SELFJOIN\$q\$, \$q\$$CONDFLOOR\$q\$, \$q\$$NAMES\$q\$], $REPEAT) AS ms;
CREATE TEMP TABLE r AS SELECT ms[1] AS floor_ms, ms[2] AS funnel_ms, ms[3] AS selfjoin_ms, ms[4] AS cond_ms,
                              ms[5] AS names_ms FROM r0;
SELECT format('  count(*) GROUP BY user (floor): %s ms', round(floor_ms::numeric)) FROM r;
SELECT format('  the four step conditions counted: %s ms (%s x the floor)', round(cond_ms::numeric),
              round((cond_ms / floor_ms)::numeric, 2)) FROM r;
SELECT format('  cq.window_funnel GROUP BY user: %s ms (boolean steps: e = ''view'', ...)', round(funnel_ms::numeric)) FROM r;
SELECT format('  cq.window_funnel GROUP BY user: %s ms (event names: e, ''view'', ...)', round(names_ms::numeric)) FROM r;
SELECT format('  chained self-join SQL:           %s ms', round(selfjoin_ms::numeric)) FROM r;
SELECT format('  RATIO window_funnel / floor     = %s with event names, %s with boolean steps (goal <= 1.3)',
              round((names_ms / floor_ms)::numeric, 2), round((funnel_ms / floor_ms)::numeric, 2)) FROM r;
SELECT format('  ratio window_funnel / conditions counted = %s', round((funnel_ms / cond_ms)::numeric, 2)) FROM r;
SELECT format('  RATIO self-join / window_funnel = %s with boolean steps, %s with event names (goal >= 2)',
              round((selfjoin_ms / funnel_ms)::numeric, 2), round((selfjoin_ms / names_ms)::numeric, 2)) FROM r;
CREATE TEMP TABLE a AS $FUNNEL;
CREATE TEMP TABLE b AS $SELFJOIN;
CREATE TEMP TABLE n AS $NAMES;
SELECT format('  answers: the event-name form differs from the boolean form on %s users',
              count(*) FILTER (WHERE a.stage IS DISTINCT FROM n.stage))
  FROM a FULL JOIN n USING (uid);
SELECT format('  answers: %s users; self-join differs from window_funnel on %s (%s %%): it only follows each user''s first view',
              count(*), count(*) FILTER (WHERE coalesce(a.stage, 0) <> coalesce(b.stage, 0)),
              round(100.0 * count(*) FILTER (WHERE coalesce(a.stage, 0) <> coalesce(b.stage, 0)) / count(*), 2))
  FROM a FULL JOIN b USING (uid);
SELECT format('  stage distribution (window_funnel): %s', string_agg(stage || ': ' || n, ', ' ORDER BY stage))
  FROM (SELECT stage, count(*) n FROM a GROUP BY stage) s;
-- state size
CREATE TEMP TABLE st AS
SELECT uid, count(*) AS n, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS st
  FROM bench_ev GROUP BY uid;
SELECT format('  stored state: %s bytes per event (%s events in %s bytes; in a running aggregate of <= 8 steps 8 bytes per event, else 16, + 32 per state)',
              round(sum(pg_column_size(st))::numeric / sum(n), 2), sum(n), sum(pg_column_size(st)))
  FROM st;
-- any order and completions (issue 15, items 3 and 4): end to end from the rows, against
-- cq.window_funnel on the same rows (goal <= 1.5x), and as accessors of the stored states
CREATE TEMP TABLE r2 AS
SELECT bench_ms(ARRAY[\$q\$$FUNNEL\$q\$,
  \$q\$SELECT uid, cq.funnel_any_order(cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy'), interval '1 day') FROM bench_ev GROUP BY uid\$q\$,
  \$q\$SELECT uid, cq.funnel_completions(cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy'), interval '1 day') FROM bench_ev GROUP BY uid\$q\$,
  \$q\$SELECT uid, cq.funnel_stage(st, interval '1 day') FROM st\$q\$,
  \$q\$SELECT uid, cq.funnel_any_order(st, interval '1 day') FROM st\$q\$,
  \$q\$SELECT uid, cq.funnel_completions(st, interval '1 day') FROM st\$q\$], $REPEAT) AS ms;
SELECT format('  cq.funnel_any_order from the rows:   %s ms = %s x cq.window_funnel (%s ms; goal <= 1.5)',
              round(ms[2]::numeric), round((ms[2] / ms[1])::numeric, 2), round(ms[1]::numeric)) FROM r2;
SELECT format('  cq.funnel_completions from the rows: %s ms = %s x cq.window_funnel (goal <= 1.5)',
              round(ms[3]::numeric), round((ms[3] / ms[1])::numeric, 2)) FROM r2;
SELECT format('  on the stored states: funnel_stage %s ms, funnel_any_order %s ms (%s x), funnel_completions %s ms (%s x)',
              round(ms[4]::numeric), round(ms[5]::numeric), round((ms[5] / ms[4])::numeric, 2),
              round(ms[6]::numeric), round((ms[6] / ms[4])::numeric, 2)) FROM r2;
-- conversion with windows still open (issue 15, item 8): the curves of steps 2 to 4 over the
-- stored states against the plain report of the same states (no goal: stated figures)
CREATE TEMP TABLE r3 AS
SELECT bench_ms(ARRAY[\$q\$SELECT cq.funnel_report(st, interval '1 day') FROM st\$q\$,
  \$q\$SELECT cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-25 00:00+00') FROM st\$q\$,
  \$q\$SELECT cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-25 00:00+00', interval '1 hour') FROM st\$q\$], $REPEAT) AS ms;
SELECT format('  cq.funnel_conversion_curve over the stored states: %s ms exact times, %s ms hourly = %s x and %s x cq.funnel_report (%s ms)',
              round(ms[2]::numeric), round(ms[3]::numeric), round((ms[2] / ms[1])::numeric, 2),
              round((ms[3] / ms[1])::numeric, 2), round(ms[1]::numeric)) FROM r3;
-- holding a property constant (issue 15, item 1; goal <= 1.5x cq.window_funnel): the key is the
-- event's day (a daily session), a column of a copy of the rows; cq.window_funnel over the same
-- copy, and the same funnel per (user, day) with the best day per user in plain SQL
CREATE UNLOGGED TABLE bench_key AS SELECT uid, ts, e, (ts::date)::text AS k FROM bench_ev;
VACUUM ANALYZE bench_key;
CREATE TEMP TABLE r5 AS
SELECT bench_ms(ARRAY[\$q\$SELECT uid, cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM bench_key GROUP BY uid\$q\$,
  \$q\$SELECT uid, cq.window_funnel_by_key(interval '1 day', k, ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM bench_key GROUP BY uid\$q\$,
  \$q\$SELECT uid, max(s) FROM (SELECT uid, cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS s FROM bench_key GROUP BY uid, k) x GROUP BY uid\$q\$], $REPEAT) AS ms;
SELECT format('  cq.window_funnel_by_key (key: the day): %s ms = %s x cq.window_funnel on the same rows (%s ms; goal <= 1.5); per (user, day) in SQL %s ms = %s x',
              round(ms[2]::numeric), round((ms[2] / ms[1])::numeric, 2), round(ms[1]::numeric),
              round(ms[3]::numeric), round((ms[3] / ms[1])::numeric, 2)) FROM r5;
-- optional steps and minimum gaps (issue 15, item 2; goal <= 1.5x cq.window_funnel): from the rows
-- through cq.funnel_events, and over the stored states against cq.funnel_stage
CREATE TEMP TABLE r6 AS
SELECT bench_ms(ARRAY[\$q\$$FUNNEL\$q\$,
  \$q\$SELECT uid, cq.funnel_stage_flexible(cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy'), interval '1 day', '{2}', ARRAY[interval '0', '1 minute', '0']) FROM bench_ev GROUP BY uid\$q\$,
  \$q\$SELECT uid, cq.funnel_stage(st, interval '1 day') FROM st\$q\$,
  \$q\$SELECT uid, cq.funnel_stage_flexible(st, interval '1 day', '{2}', ARRAY[interval '0', '1 minute', '0']) FROM st\$q\$], $REPEAT) AS ms;
SELECT format('  cq.funnel_stage_flexible (step 2 optional, a gap) from the rows: %s ms = %s x cq.window_funnel (goal <= 1.5); on the stored states %s ms = %s x cq.funnel_stage (%s ms)',
              round(ms[2]::numeric), round((ms[2] / ms[1])::numeric, 2), round(ms[4]::numeric),
              round((ms[4] / ms[3])::numeric, 2), round(ms[3]::numeric)) FROM r6;
-- sequence patterns (issue 15, item 5): the aggregate from the rows against cq.window_funnel on
-- the same rows, and the accessor over the stored states against cq.funnel_stage (stated figures)
CREATE TEMP TABLE r4 AS
SELECT bench_ms(ARRAY[\$q\$$FUNNEL\$q\$,
  \$q\$SELECT uid, cq.sequence_match('(?1).*(?2).*(?3).*(?4)', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM bench_ev GROUP BY uid\$q\$,
  \$q\$SELECT uid, cq.sequence_count('(?1)(?t<=86400)(?4)', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM bench_ev GROUP BY uid\$q\$,
  \$q\$SELECT uid, cq.funnel_stage(st, interval '1 day') FROM st\$q\$,
  \$q\$SELECT uid, cq.sequence_match(st, '(?1).*(?2).*(?3).*(?4)') FROM st\$q\$,
  \$q\$SELECT uid, cq.sequence_count(st, '(?1)(?t<=86400)(?4)') FROM st\$q\$], $REPEAT) AS ms;
SELECT format('  cq.sequence_match from the rows: %s ms = %s x cq.window_funnel; cq.sequence_count with a time condition %s ms = %s x',
              round(ms[2]::numeric), round((ms[2] / ms[1])::numeric, 2), round(ms[3]::numeric),
              round((ms[3] / ms[1])::numeric, 2)) FROM r4;
SELECT format('  on the stored states: funnel_stage %s ms, sequence_match %s ms (%s x), sequence_count %s ms (%s x)',
              round(ms[4]::numeric), round(ms[5]::numeric), round((ms[5] / ms[4])::numeric, 2),
              round(ms[6]::numeric), round((ms[6] / ms[4])::numeric, 2)) FROM r4;
SQL

echo "  one user, n events in random order (time per event should stay flat, O(n log n) at worst):"
prev=""
for n in $SINGLE; do
	ms=$(q <<SQL
SET max_parallel_workers_per_gather = 0;
SET work_mem = '1GB';
CREATE TEMP TABLE one AS
SELECT timestamptz '2024-01-01 00:00:00+00' + ((hashint8(i) & 2147483647) % (30 * 86400)) * interval '1 second' AS ts,
       (ARRAY['view', 'cart', 'checkout', 'buy'])[1 + (hashint8(-i) & 3)] AS e
  FROM generate_series(1, $n) i;
SELECT round((bench_ms(ARRAY[\$q\$SELECT cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart', e = 'checkout', e = 'never') FROM one\$q\$], $REPEAT))[1]::numeric, 1);
SQL
)
	per=$(python3 -c "print('%.1f' % ($ms * 1e6 / $n))")
	if [ -n "$prev" ]; then
		growth=$(python3 -c "print('%.2f' % (($ms / $n) / $prev))")
		echo "    $n events: $ms ms = $per ns/event (x$growth per event vs half the events)"
	else
		echo "    $n events: $ms ms = $per ns/event"
	fi
	prev=$(python3 -c "print($ms / $n)")
done
