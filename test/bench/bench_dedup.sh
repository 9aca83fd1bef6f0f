#!/usr/bin/env bash
# Benchmark of the dedup capability (issue 2, section 4).  Not a test: it prints
# timings and ratios measured side by side in one run, on generated data.
#
#   make bench CQ_ONLY=dedup          (throwaway cluster, like make test)
#   BENCH_ROWS=1000000 bash test/bench/bench_dedup.sh   (against $PGHOST/$PGDATABASE)
#
# Pairs, each run alternately BENCH_REPEAT times (median reported), serial plans:
#   cq.dedup_key(name, id)          vs  md5(name || id)::uuid   (goal <= 1.2x)
#   cq.dedup_keep(t) OVER (...)     vs  row_number() OVER (...) (goal <= 1.3x)
set -euo pipefail
ROWS=${BENCH_ROWS:-5000000}
REPEAT=${BENCH_REPEAT:-3}
DB=${PGDATABASE:-postgres}
DB_BENCH=cq_bench_dedup

psql -X -q -d "$DB" -c "DROP DATABASE IF EXISTS $DB_BENCH" 2>/dev/null
psql -X -q -d "$DB" -c "CREATE DATABASE $DB_BENCH"
export PGDATABASE=$DB_BENCH
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION conversion_quality;
-- 20 event names, every id sent twice (pixel + server) a random 0-72 h apart
CREATE TABLE bench_events AS
SELECT 'event_' || (g % 20) AS event_name,
       'order-' || (g / 2) AS event_id,
       timestamptz '2026-01-01' + (g / 2) * interval '1 second'
           + (g % 2) * random() * interval '72 hours' AS arrived_at
  FROM generate_series(1, $ROWS) AS g;
VACUUM ANALYZE bench_events;
SQL
echo "rows: $ROWS, repeats: $REPEAT (median), serial plans"

# time_query SQL -> milliseconds of the fastest... median of REPEAT runs
time_ms() {
	psql -X -q -v ON_ERROR_STOP=1 <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
\\o /dev/null
\\timing on
$1
SQL
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

compare() {
	local label=$1 ours=$2 theirs=$3 goal=$4 i a b
	local -a as=() bs=()
	for ((i = 0; i < REPEAT; i++)); do
		a=$(time_ms "$ours")
		b=$(time_ms "$theirs")
		as+=("$a")
		bs+=("$b")
	done
	a=$(printf '%s\n' "${as[@]}" | median)
	b=$(printf '%s\n' "${bs[@]}" | median)
	awk -v l="$label" -v a="$a" -v b="$b" -v g="$goal" \
		'BEGIN { printf "%-44s ours %9.1f ms  baseline %9.1f ms  ratio %.2fx (goal <= %sx)\n", l, a, b, a / b, g }'
}

compare "dedup_key vs md5(name || id)::uuid" \
	"SELECT count(cq.dedup_key(event_name, event_id)) FROM bench_events;" \
	"SELECT count(md5(event_name || event_id)::uuid) FROM bench_events;" 1.2

compare "dedup_keep vs row_number() over the window" \
	"SELECT count(*) FILTER (WHERE k) FROM (SELECT cq.dedup_keep(arrived_at) OVER (PARTITION BY event_name, event_id ORDER BY arrived_at) AS k FROM bench_events) x;" \
	"SELECT count(*) FILTER (WHERE k) FROM (SELECT row_number() OVER (PARTITION BY event_name, event_id ORDER BY arrived_at) = 1 AS k FROM bench_events) x;" 1.3

psql -X -q -d postgres -c "DROP DATABASE $DB_BENCH"
