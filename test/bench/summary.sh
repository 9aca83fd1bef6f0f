#!/usr/bin/env bash
# `make bench`: one table for the whole extension (issue 16, section 3).  Not a test: it prints
# figures measured side by side in one run, on one cluster; no assertion is about time.
#
# For each capability, on two data shapes:
#   ours          median wall time of the extension's query (ms)
#   floor         the capability's floor: a count(*) scan of the same rows for row-wise work,
#                 count(*) GROUP BY user for per-user work, and for the tracking diagnostics
#                 the GROUP BY (day, event) with distinct users that any daily report pays
#   best SQL      the best plain-SQL formulation of the same answer (when one exists)
#   x floor       ours / floor;  SQL/ours: how much faster than the plain SQL we are
#   Mrows/s       input rows per second (millions)
#   peak MB       peak anonymous memory of the backend above its idle level, measured in a fresh
#                 session, serial plan, sampled every 10 ms from /proc/PID/status (RssAnon)
#   goal          the goal of issue 16, section 4, and whether this run meets it
# Times are medians of BENCH_REPEAT rounds; within a round the queries of a capability and its
# floors run in turn (bench_ms, common.sh), so load from other processes hits them alike.
# Serial plans, except in the speed-up table: the same aggregates with 0 and with 2 parallel
# workers, beside the floor's own speed-up.  Then the growth of cq.window_funnel from 1M to 5M
# to 20M events, and the stored size of a funnel state per event.
#
# Data shapes (10 events per user on average, 30 days, 10 event names):
#   uniform  users equally likely, event names equally likely
#   skewed   1,000 heavy users hold half of the rows (about 2,500 events each at 5M), and 60 %
#            of the rows are one event name ('view')
#
# Environment: SCALE (events: 1M ... 50M, default 5M; users = events / 10), BENCH_REPEAT
# (default 3), BENCH_SHAPES (default "uniform skewed"), BENCH_GROWTH (default "1M 5M 20M";
# empty to skip), BENCH_SPEEDUP (default 1; 0 to skip the parallel table).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# "5M" -> 5000000
count_of() {
	case "$1" in
	*[Mm]) echo $(( ${1%[Mm]} * 1000000 )) ;;
	*[Kk]) echo $(( ${1%[Kk]} * 1000 )) ;;
	*) echo "$1" ;;
	esac
}
EVENTS=$(count_of "${SCALE:-5M}")
if [ "$EVENTS" -lt 1000000 ] || [ "$EVENTS" -gt 50000000 ]; then
	echo "SCALE=${SCALE:-} is outside 1M ... 50M events" >&2
	exit 2
fi
USERS=$(( EVENTS / 10 ))
REPEAT=${BENCH_REPEAT:-3}
SHAPES=${BENCH_SHAPES:-"uniform skewed"}
GROWTH=${BENCH_GROWTH-"1M 5M 20M"}
SPEEDUP=${BENCH_SPEEDUP:-1}
DB=cq_bench_summary
OUT=$(mktemp -d /tmp/cq_bench_summary.XXXXXX)
bench_database "$DB"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$OUT"' EXIT
qa() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
qa -c "ALTER DATABASE $DB SET work_mem = '256MB'"

# gen TABLE SHAPE EVENTS: events (uid, ts, e, id, revenue) of one shape; about one id in ten
# is sent twice; buy rows carry revenue
gen() {
	local table=$1 shape=$2 n=$3 users=$(( $3 / 10 ))
	local uid e
	if [ "$shape" = uniform ]; then
		uid="(hashint8(i) & 2147483647) % $users"
		e="(ARRAY['view','cart','checkout','buy','search','wishlist','share','login','signup','support'])[1 + (hashint8(-i) & 2147483647) % 10]"
	else
		uid="CASE WHEN hashint8(i) & 1 = 0 THEN ((hashint8(i) & 2147483647) >> 1) % 1000
		          ELSE 1000 + ((hashint8(i) & 2147483647) >> 1) % ($users - 1000) END"
		e="CASE WHEN (hashint8(-i) & 2147483647) % 100 < 60 THEN 'view'
		        ELSE (ARRAY['cart','checkout','buy','search','wishlist','share','login','signup','support'])[1 + (hashint8(-i) & 2147483647) % 9] END"
	fi
	qa <<SQL
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;
DROP TABLE IF EXISTS $table CASCADE;
CREATE UNLOGGED TABLE $table AS
SELECT $uid AS uid,
       timestamptz '2024-01-01 00:00:00+00'
         + ((hashint8(i * 7) & 2147483647) % (30 * 86400)) * interval '1 second' AS ts,
       e, 'evt-' || (i % ($n - $n / 10)) AS id,
       CASE WHEN e = 'buy' THEN ((hashint8(i * 3) & 1023) / 10.0)::float8 ELSE 0 END AS revenue
  FROM (SELECT i, $e AS e FROM generate_series(1, $n) i) g;
VACUUM ANALYZE $table;
SQL
}

# peak_mb SQL: peak RssAnon of a fresh backend running SQL (serial), above its level before
peak_mb() {
	local sql=$1 stop="$OUT/stop" res="$OUT/peak"
	rm -f "$stop" "$res"
	cat > "$OUT/sampler.sh" <<'SH'
pid=$1; stop=$2; res=$3
base=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || echo)
[ -n "$base" ] || { echo "-" > "$res"; exit 0; }
peak=$base
while [ ! -e "$stop" ] && [ -e /proc/$pid ]; do
	v=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
	[ "${v:-0}" -gt "$peak" ] && peak=$v
	sleep 0.01
done
echo $(( (peak - base) / 1024 )) > "$res"
SH
	qa >/dev/null <<SQL
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;
SELECT pg_backend_pid() AS pid \gset
\setenv CQ_BENCH_PID :pid
\! bash $OUT/sampler.sh "\$CQ_BENCH_PID" $stop $res &
SELECT pg_sleep(0.2);
SELECT count(*) FROM ($sql) q WHERE q IS NOT NULL;
\! touch $stop; sleep 0.1
SQL
	local tries=0
	while [ ! -s "$res" ] && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
	cat "$res" 2>/dev/null || echo "-"
}

# ms_of QUERIES...: medians (ms) of the queries run in turn, REPEAT rounds, serial; one per line
ms_of() {
	local arr="ARRAY[" sep="" q
	for q in "$@"; do arr+="$sep\$q\$$q\$q\$"; sep=", "; done
	arr+="]"
	qa <<SQL | tr -d '{}' | tr ',' '\n'
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;
SELECT bench_ms($arr, $REPEAT);
SQL
}

ROWS_TABLE="$OUT/rows"
: > "$ROWS_TABLE"
# row SHAPE CAPABILITY ROWS OURS FLOOR_NAME FLOOR BEST GOAL_KIND GOAL PEAK
row() { printf '%s\t' "$@" >> "$ROWS_TABLE"; printf '\n' >> "$ROWS_TABLE"; }

PLAIN_RANK=$(grep -v '^--' "$(dirname "$0")/rank_events_plain.sql")
echo "== make bench: $EVENTS events, $USERS users; shapes: $SHAPES; median of $REPEAT interleaved rounds, serial plans"
for shape in $SHAPES; do
	t0=$(date +%s)
	gen ev "$shape" "$EVENTS"
	# one row per user for the signal: did the user add to cart, and their revenue
	qa <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS ev_users;
CREATE UNLOGGED TABLE ev_users AS
SELECT uid, bool_or(e = 'cart') AS has_event, bool_or(e = 'cart')::int::float8 AS x,
       sum(revenue) AS value
  FROM ev GROUP BY uid;
VACUUM ANALYZE ev_users;
CREATE OR REPLACE VIEW bench_rank_input AS
SELECT uid AS user_id, ts AS event_time, e AS event_name, revenue FROM ev;
SQL
	nusers=$(qa -c 'SELECT count(*) FROM ev_users')
	echo "-- $shape: generated in $(( $(date +%s) - t0 )) s; $(qa -c "SELECT format('%s rows, %s users, top user %s rows, top name %s %%',
	        count(*), count(DISTINCT uid), (SELECT max(c) FROM (SELECT count(*) c FROM ev GROUP BY uid) x),
	        round(100.0 * (SELECT max(c) FROM (SELECT count(*) c FROM ev GROUP BY e) y) / count(*)))
	        FROM ev")"

	SCAN="SELECT count(*) FROM ev"
	GROUPBY="SELECT uid, count(*) FROM ev GROUP BY uid"

	# dedup keys: against the md5 idiom
	DEDUP="SELECT cq.dedup_key(e, id) FROM ev"
	MD5="SELECT md5(e || id)::uuid FROM ev"
	mapfile -t t < <(ms_of "$DEDUP" "$MD5" "$SCAN")
	row "$shape" "cq.dedup_key(e, id)" "$EVENTS" "${t[0]}" scan "${t[2]}" "${t[1]}" best 1.2 "$(peak_mb "$DEDUP")"

	# funnels per user, both forms: against the GROUP BY floor and the chained self-join
	WFB="SELECT uid, cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM ev GROUP BY uid"
	WFN="SELECT uid, cq.window_funnel(interval '1 day', ts, e, 'view', 'cart', 'checkout', 'buy') FROM ev GROUP BY uid"
	SELFJOIN="WITH s1 AS (SELECT uid, min(ts) AS t1 FROM ev WHERE e = 'view' GROUP BY uid),
 s2 AS (SELECT s1.uid, s1.t1, min(b.ts) AS t2 FROM s1 LEFT JOIN ev b
          ON b.uid = s1.uid AND b.e = 'cart' AND b.ts >= s1.t1 AND b.ts <= s1.t1 + interval '1 day' GROUP BY s1.uid, s1.t1),
 s3 AS (SELECT s2.uid, s2.t1, s2.t2, min(b.ts) AS t3 FROM s2 LEFT JOIN ev b
          ON b.uid = s2.uid AND b.e = 'checkout' AND b.ts >= s2.t2 AND b.ts <= s2.t1 + interval '1 day' GROUP BY s2.uid, s2.t1, s2.t2),
 s4 AS (SELECT s3.uid, s3.t1, s3.t2, s3.t3, min(b.ts) AS t4 FROM s3 LEFT JOIN ev b
          ON b.uid = s3.uid AND b.e = 'buy' AND b.ts >= s3.t3 AND b.ts <= s3.t1 + interval '1 day' GROUP BY s3.uid, s3.t1, s3.t2, s3.t3)
 SELECT uid, 1 + (t2 IS NOT NULL)::int + (t3 IS NOT NULL)::int + (t4 IS NOT NULL)::int FROM s4"
	mapfile -t t < <(ms_of "$WFB" "$WFN" "$GROUPBY" "$SELFJOIN")
	row "$shape" "cq.window_funnel, boolean steps" "$EVENTS" "${t[0]}" "GROUP BY user" "${t[2]}" "${t[3]}" floor 1.3 "$(peak_mb "$WFB")"
	row "$shape" "cq.window_funnel, event names" "$EVENTS" "${t[1]}" "GROUP BY user" "${t[2]}" "${t[3]}" floor 1.3 "$(peak_mb "$WFN")"

	# per-user funnel states (two-step), and sequence patterns: against the GROUP BY floor
	FEV="SELECT uid, cq.funnel_events(ts, e, 'view', 'cart', 'checkout', 'buy') FROM ev GROUP BY uid"
	ARR="SELECT uid, array_agg(ts ORDER BY ts) FILTER (WHERE e IN ('view', 'cart', 'checkout', 'buy')) FROM ev GROUP BY uid"
	SEQ="SELECT uid, cq.sequence_match('(?1).*(?2).*(?3)', ts, e = 'view', e = 'cart', e = 'buy') FROM ev GROUP BY uid"
	mapfile -t t < <(ms_of "$FEV" "$ARR" "$SEQ" "$GROUPBY")
	row "$shape" "cq.funnel_events (stored states)" "$EVENTS" "${t[0]}" "GROUP BY user" "${t[3]}" "${t[1]}" none "" "$(peak_mb "$FEV")"
	row "$shape" "cq.sequence_match" "$EVENTS" "${t[2]}" "GROUP BY user" "${t[3]}" "" none "" "$(peak_mb "$SEQ")"

	# the signal of one event over users: against corr()
	SIG="SELECT cq.event_signal(has_event, value) FROM ev_users"
	CORR="SELECT corr(x, value) FROM ev_users"
	USCAN="SELECT count(*) FROM ev_users"
	mapfile -t t < <(ms_of "$SIG" "$CORR" "$USCAN")
	row "$shape" "cq.event_signal (over users)" "$nusers" "${t[0]}" scan "${t[2]}" "${t[1]}" best 1.2 "$(peak_mb "$SIG")"

	# ranking every event: against the same statistics in plain SQL (rank_events_plain.sql)
	RANK="SELECT * FROM cq.rank_events('ev', '14 days', user_column => 'uid', time_column => 'ts', event_column => 'e', value_column => 'revenue')"
	mapfile -t t < <(ms_of "$RANK" "$PLAIN_RANK" "$GROUPBY")
	row "$shape" "cq.rank_events" "$EVENTS" "${t[0]}" "GROUP BY user" "${t[2]}" "${t[1]}" faster 3 "$(peak_mb "$RANK")"

	# tracking diagnostics: cq.refresh of a registered source (ids, no value column)
	qa >/dev/null <<SQL
SET client_min_messages = warning;
SELECT cq.unregister_source(name) FROM cq.event_sources WHERE name = 'bench';
SELECT cq.register_source('bench', 'ev', 'uid', 'ts', 'e', event_id_column => 'id');
SQL
	REFRESH="SELECT * FROM cq.refresh('bench')"
	DAYFLOOR="SELECT (ts AT TIME ZONE 'UTC')::date, e, count(*), count(DISTINCT uid) FROM ev GROUP BY 1, 2"
	mapfile -t t < <(ms_of "$REFRESH" "$DAYFLOOR")
	row "$shape" "cq.refresh (tracking diagnostics)" "$EVENTS" "${t[0]}" "GROUP BY day, event" "${t[1]}" "" floor 3 "$(peak_mb "$REFRESH")"

	if [ "$shape" = uniform ]; then
		# a state keeps every row of the user (strict_order readers need the rows that match
		# no step): bytes per row stored on average, and a state's size as header + per row
		# (from states of one and of two rows)
		BYTES=$(qa -c "SELECT format('%s bytes per event stored on average (%s events a user); a state is %s bytes + %s per event',
		                             round(sum(size)::numeric / sum(n), 2), round(avg(n), 1),
		                             2 * s1 - s2, s2 - s1)
		                 FROM (SELECT pg_column_size(cq.funnel_events(ts, e, 'view', 'cart', 'checkout', 'buy')) AS size,
		                              count(*) AS n
		                         FROM ev GROUP BY uid) s,
		                      (SELECT pg_column_size(cq.funnel_events(t, true)) AS s1
		                         FROM (VALUES (timestamptz '2024-01-01')) v(t)) one,
		                      (SELECT pg_column_size(cq.funnel_events(t, true)) AS s2
		                         FROM (VALUES (timestamptz '2024-01-01'), ('2024-01-02')) v(t)) two
		                GROUP BY s1, s2")
	fi
done

echo
printf '%-8s %-35s %9s %9s %-20s %9s %9s %8s %8s %8s  %s\n' shape capability "ours ms" "floor ms" "(floor)" "best SQL" "x floor" "SQL/ours" "Mrows/s" "peak MB" goal
awk -F'\t' '
function fmt(x) { return x == "" ? "-" : sprintf("%.0f", x) }
{
	shape = $1; cap = $2; rows = $3; ours = $4; fname = $5; floor = $6; best = $7; kind = $8; goal = $9; peak = $10
	xf = ours / floor
	sq = (best == "") ? "-" : sprintf("%.2f", best / ours)
	if (kind == "floor") g = sprintf("<= %sx floor: %s", goal, xf <= goal ? "met" : "MISSED")
	else if (kind == "best") g = sprintf("<= %sx SQL: %s", goal, ours / best <= goal ? "met" : "MISSED")
	else if (kind == "faster") g = sprintf(">= %sx faster than SQL: %s", goal, best / ours >= goal ? "met" : "MISSED")
	else g = "-"
	if (kind == "best") sq = sprintf("%.2f", best / ours)
	printf "%-8s %-35s %9s %9s %-20s %9s %9.2f %8s %8.1f %8s  %s\n", shape, cap, fmt(ours), fmt(floor), "(" fname ")", fmt(best), xf, sq, rows / ours / 1000, peak, g
}' "$ROWS_TABLE"
echo "(x floor = ours / floor; SQL/ours = best plain SQL / ours, above 1 when we are faster; best SQL for"
echo " window_funnel is the chained self-join, for funnel_events array_agg of the step times, for"
echo " event_signal corr() of a 0/1 column, for rank_events test/bench/rank_events_plain.sql)"
[ -n "${BYTES:-}" ] && echo "stored funnel states (uniform): $BYTES (goal <= 16)"

# Speed-up from 0 to 2 parallel workers, beside the floor's own (uniform shape)
if [ "$SPEEDUP" = 1 ] && [[ " $SHAPES " == *" uniform "* ]]; then
	[ "$(echo $SHAPES | awk '{print $NF}')" = uniform ] || gen ev uniform "$EVENTS"
	echo
	echo "== speed-up from 0 to 2 parallel workers (uniform; forced parallel plans; goal: within 10 % of the floor's)"
	printf '%-45s %9s %9s %9s %12s\n' query "0 wkr ms" "2 wkr ms" speed-up "vs floor's"
	par() {
		local sql=$1
		qa <<SQL | tr -d '{}' | tr ',' ' '
SET client_min_messages = warning;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers = 8;
SELECT bench_ms(ARRAY[\$q\$SELECT set_config('max_parallel_workers_per_gather', '0', false)\$q\$,
                      \$q\$$sql\$q\$,
                      \$q\$SELECT set_config('max_parallel_workers_per_gather', '2', false)\$q\$,
                      \$q\$$sql\$q\$], $REPEAT);
SQL
	}
	# per-user stored states for the rollups and the aggregates over states
	qa <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS ev_states;
CREATE UNLOGGED TABLE ev_states AS
SELECT uid, cq.funnel_events(ts, e, 'view', 'cart', 'checkout', 'buy') AS st,
       cq.event_signal(e = 'cart', revenue) AS sig,
       cq.rank_sample(extract(epoch FROM ts)::float8, revenue) AS sample,
       cq.attribution_credits(ts, e, e = 'buy', revenue, 'last_touch', '7 days', '1 day') AS credits,
       sum(revenue) AS revenue
  FROM ev GROUP BY uid;
ALTER TABLE ev_states ADD COLUMN rep cq.funnel_state;
UPDATE ev_states SET rep = r.rep
  FROM (SELECT uid, cq.funnel_report_state(st, interval '1 day') AS rep FROM ev_states GROUP BY uid) r
 WHERE r.uid = ev_states.uid;
VACUUM ANALYZE ev_states;
SQL
	# name | floor | query: every aggregate of the extension (23), and the three floors
	SPEEDUP_LIST=$(cat <<LIST
GROUP BY user (floor)||SELECT uid, count(*) FROM ev GROUP BY uid
count(*) scan (floor)||SELECT count(*) FROM ev
count(*) of the states (floor)||SELECT count(*) FROM ev_states
cq.window_funnel, boolean steps|GROUP BY user (floor)|$WFB
cq.window_funnel, event names|GROUP BY user (floor)|$WFN
cq.funnel_events|GROUP BY user (floor)|$FEV
cq.retention|GROUP BY user (floor)|SELECT uid, cq.retention(e = 'view', e = 'cart', e = 'buy') FROM ev GROUP BY uid
cq.window_funnel_by_key|GROUP BY user (floor)|SELECT uid, cq.window_funnel_by_key(interval '1 day', (ts::date - date '2024-01-01')::text, ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') FROM ev GROUP BY uid
cq.funnel_next_events|GROUP BY user (floor)|SELECT uid, cq.funnel_next_events(interval '1 day', ts, e, 2, 2, e = 'view', e = 'cart') FROM ev GROUP BY uid
cq.sequence_match|GROUP BY user (floor)|$SEQ
cq.sequence_count|GROUP BY user (floor)|SELECT uid, cq.sequence_count('(?1).*(?2)', ts, e = 'view', e = 'buy') FROM ev GROUP BY uid
cq.sequence_match_events|GROUP BY user (floor)|SELECT uid, cq.sequence_match_events('(?1)(?t>600)(?2)', ts, e = 'view', e = 'cart') FROM ev GROUP BY uid
cq.attribution_credits|GROUP BY user (floor)|SELECT uid, cq.attribution_credits(ts, e, e = 'buy', revenue, 'last_touch', '7 days', '1 day') FROM ev GROUP BY uid
cq.conversion_curve|count(*) scan (floor)|SELECT cq.conversion_curve(ts, CASE WHEN e = 'buy' THEN ts + interval '1 hour' END, timestamptz '2024-02-01 00:00+00') FROM ev
cq.event_signal (over rows)|count(*) scan (floor)|SELECT e, cq.event_signal(e = 'cart', revenue) FROM ev GROUP BY e
cq.rank_sample|count(*) scan (floor)|SELECT cq.rank_n(cq.rank_sample(extract(epoch FROM ts)::float8, revenue)) FROM ev
cq.rank_correlation|count(*) scan (floor)|SELECT cq.rank_correlation(extract(epoch FROM ts)::float8, revenue) FROM ev
cq.auc|count(*) scan (floor)|SELECT cq.auc(revenue, e = 'buy') FROM ev
cq.funnel_rollup|count(*) of the states (floor)|SELECT cq.funnel_stage(cq.funnel_rollup(st), interval '1 day') FROM ev_states
cq.funnel_report|count(*) of the states (floor)|SELECT cq.funnel_report(st, interval '1 day') FROM ev_states
cq.funnel_report_state|count(*) of the states (floor)|SELECT cq.funnel_report_state(st, interval '1 day') FROM ev_states
cq.funnel_report_rollup|count(*) of the states (floor)|SELECT cq.funnel_report_rollup(rep) FROM ev_states
cq.funnel_revenue|count(*) of the states (floor)|SELECT cq.funnel_revenue(st, revenue, interval '1 day') FROM ev_states
cq.funnel_conversion_curve|count(*) of the states (floor)|SELECT cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-02-01 00:00+00', interval '1 hour') FROM ev_states
cq.signal_rollup|count(*) of the states (floor)|SELECT cq.signal_rollup(sig) FROM ev_states
cq.rank_rollup|count(*) of the states (floor)|SELECT cq.rank_n(cq.rank_rollup(sample)) FROM ev_states
cq.attribution_rollup|count(*) of the states (floor)|SELECT cq.attribution_rollup(credits) FROM ev_states
LIST
)
	declare -A sp
	while IFS='|' read -r name fl sql; do
		read -r _ a _ b < <(par "$sql")
		sp["$name"]=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f", a / b }')
		ref=""
		[ -n "$fl" ] && ref=$(awk -v s="${sp[$name]}" -v f="${sp[$fl]}" 'BEGIN { printf "%.2f (%s)", s / f, (s / f >= 0.9) ? "met" : "MISSED" }')
		printf '%-45s %9.0f %9.0f %8.2fx %12s\n' "$name" "$a" "$b" "${sp[$name]}" "$ref"
	done <<< "$SPEEDUP_LIST"
	qa -c 'DROP TABLE ev_states'
	echo "(vs floor's = our speed-up / the floor's: the GROUP BY user floor for per-user aggregates,"
	echo " the count(*) scan for whole-table ones, the scan of the stored states for rollups)"
fi

# Growth: cq.window_funnel (both forms) and the GROUP BY floor from 1M to 5M to 20M events
if [ -n "$GROWTH" ]; then
	echo
	echo "== growth (uniform, 10 events per user): cq.window_funnel and the GROUP BY floor"
	printf '%10s %12s %12s %12s %16s\n' events "boolean ms" "names ms" "floor ms" "ms per M (bool)"
	for g in $GROWTH; do
		n=$(count_of "$g")
		gen ev_growth uniform "$n"
		mapfile -t t < <(ms_of "${WFB//FROM ev /FROM ev_growth }" "${WFN//FROM ev /FROM ev_growth }" "SELECT uid, count(*) FROM ev_growth GROUP BY uid")
		printf '%10s %12.0f %12.0f %12.0f %16.1f\n' "$n" "${t[0]}" "${t[1]}" "${t[2]}" "$(awk -v a="${t[0]}" -v n="$n" 'BEGIN { print a / (n / 1e6) }')"
	done
	qa -c 'DROP TABLE ev_growth'
	echo "(linear growth: ms per M events stays flat)"
fi
