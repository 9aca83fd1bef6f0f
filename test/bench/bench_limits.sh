#!/usr/bin/env bash
# Limits benchmark (make bench; CQ_ONLY=limits make bench for this one alone).
#
# The timings behind test/t/030_limits.pl, which asserts no time (the machines are shared):
#   1. how soon after a statement_timeout each heavy path stops: the measures and the text form
#      of a stored 20M-pair cq.rank_sample (timeout 1 s), and one group of 25M rows through
#      cq.window_funnel 'strict_once' with the timeout at 30, 60 and 85 % of its uncancelled run;
#   2. how the two paths that were quadratic before 1.1 grow when their input doubles: a rollup
#      of N one-event funnel states in descending order (N = 250,000 and 500,000), and
#      cq.rank_events over one bot user with N distinct event names (N = 150,000 and 300,000).
#      Linear work gives a ratio near 2; quadratic work near 4.
# Sizes scale with BENCH_LIMITS_SCALE (1 = the sizes above).  No assertions: it prints figures.
set -euo pipefail
SCALE=${BENCH_LIMITS_SCALE:-1}
. "$(dirname "$0")/common.sh"
bench_database cq_bench_limits
export PGOPTIONS='-c work_mem=64MB -c max_parallel_workers_per_gather=0'

now() { date +%s.%N; }

# stop_delay NAME TIMEOUT_SECONDS SQL: runs SQL under the timeout, prints when it stopped
stop_delay() {
	local name=$1 limit=$2 sql=$3 t0 t1 out
	t0=$(now)
	if out=$(psql -X -q -v ON_ERROR_STOP=1 -c "SET statement_timeout = '${limit}s'" -c "$sql" 2>&1); then
		printf '%-58s timeout %6.1f s   completed before it\n' "$name" "$limit"
		return
	fi
	t1=$(now)
	case "$out" in
	*"canceling statement due to statement timeout"*)
		printf '%-58s timeout %6.1f s   stopped after %6.1f s (%.1f s past it)\n' "$name" "$limit" \
			"$(echo "$t1 - $t0" | bc)" "$(echo "$t1 - $t0 - $limit" | bc)" ;;
	*) printf '%-58s failed: %s\n' "$name" "$out" ;;
	esac
}

# seconds SQL: wall time of one run
seconds() {
	local t0 t1
	t0=$(now)
	q -o /dev/null -c "$1"
	t1=$(now)
	echo "$t1 - $t0" | bc
}

echo "== 1. Stop delay after a statement_timeout"
pairs=$((20000000 * SCALE))
q -c "CREATE TABLE samples AS
SELECT cq.rank_sample(x, y) AS s
  FROM (SELECT hashint4(g)::float8 AS x, hashint4(g + 7)::float8 AS y
          FROM generate_series(1, $pairs) g) v"
stop_delay "cq.rank_correlation of $pairs pairs" 1 'SELECT cq.rank_correlation(s) FROM samples'
stop_delay "cq.auc of $pairs pairs" 1 'SELECT cq.auc(s) FROM samples'
stop_delay "::text of $pairs pairs" 1 'SELECT length(s::text) FROM samples'

rows=$((25000000 * SCALE))
funnel="SELECT cq.window_funnel('1 day', 'strict_once', ts, g % 3 = 0, g % 3 = 1, g % 3 = 2)
  FROM (SELECT g, timestamptz '2024-01-01' + (hashint4(g) & 1048575) * interval '1 second' AS ts
          FROM generate_series(1, $rows) g) v"
full=$(seconds "$funnel")
again=$(seconds "$funnel")
[ "$(echo "$again < $full" | bc)" -eq 1 ] && full=$again
printf '%-58s uncancelled run %.1f s (faster of 2)\n' "cq.window_funnel, one group of $rows rows" "$full"
for share in 0.30 0.60 0.85; do
	stop_delay "cq.window_funnel, one group of $rows rows, at $share" \
		"$(printf '%.0f' "$(echo "$full * $share" | bc)")" "$funnel"
done

echo
echo "== 2. Growth when the input doubles (linear: about 2; quadratic: about 4)"
for n in $((250000 * SCALE)) $((500000 * SCALE)); do
	q -c "CREATE TABLE states_$n AS
SELECT g, cq.funnel_events(timestamptz '2024-01-01' + g * interval '1 second', true, g % 2 = 0) AS st
  FROM generate_series(1, $n) g GROUP BY g"
done
small=$(seconds "SELECT cq.funnel_rollup(st ORDER BY g DESC) FROM states_$((250000 * SCALE))")
large=$(seconds "SELECT cq.funnel_rollup(st ORDER BY g DESC) FROM states_$((500000 * SCALE))")
printf '%-58s %6.2f s -> %6.2f s   ratio %.2f\n' "cq.funnel_rollup, descending, $((250000 * SCALE)) -> $((500000 * SCALE)) states" \
	"$small" "$large" "$(echo "$large / $small" | bc -l)"

for n in $((150000 * SCALE)) $((300000 * SCALE)); do
	q -c "CREATE TABLE bot_$n AS
SELECT 0 AS user_id, timestamptz '2024-01-01' + g * interval '1 second' AS event_time,
       'page_' || g AS event_name, 0::numeric AS revenue
  FROM generate_series(1, $n) g
UNION ALL
SELECT u, timestamptz '2024-01-01' + (u % 30) * interval '1 day' + i * interval '1 hour',
       (ARRAY['visit', 'cart', 'purchase'])[i], CASE WHEN i = 3 AND u % 4 = 0 THEN 50 ELSE 0 END
  FROM generate_series(1, 2000) u, generate_series(1, 3) i"
done
small=$(seconds "SELECT count(*) FROM cq.rank_events('bot_$((150000 * SCALE))', '14 days')")
large=$(seconds "SELECT count(*) FROM cq.rank_events('bot_$((300000 * SCALE))', '14 days')")
printf '%-58s %6.2f s -> %6.2f s   ratio %.2f\n' "cq.rank_events, bot user of $((150000 * SCALE)) -> $((300000 * SCALE)) names" \
	"$small" "$large" "$(echo "$large / $small" | bc -l)"
stop_delay "cq.rank_events, bot user of $((300000 * SCALE)) names, scan" 1 \
	"SELECT count(*) FROM cq.rank_events('bot_$((300000 * SCALE))', '14 days', thresholds => '{1,2,3,4,5,6,7,8}')"

dropdb cq_bench_limits
