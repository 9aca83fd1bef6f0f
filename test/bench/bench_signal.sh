#!/usr/bin/env bash
# Signal-quality benchmark (make bench; CQ_ONLY=signal make bench for this one alone).
#
# 1. cq.event_signal against PostgreSQL's corr() over the same 500k rows (goal <= 1.2x).
# 2. cq.rank_events over ~5M generated events with 20 event names against the same statistics
#    computed in plain SQL (goal >= 3x faster).
# Both sides of each comparison run in the same session, alternately, serial plans; the median
# of several runs is reported.  No assertions: this prints figures for the README.
# Environment: BENCH_SIGNAL_ROWS (default 500000), BENCH_SIGNAL_USERS (default 267000, about
# 5M events), BENCH_SIGNAL_RUNS (default 7 for part 1, 3 for part 2).
set -euo pipefail
ROWS=${BENCH_SIGNAL_ROWS:-500000}
USERS=${BENCH_SIGNAL_USERS:-267000}
RUNS=${BENCH_SIGNAL_RUNS:-}
. "$(dirname "$0")/common.sh"
bench_database cq_bench_signal

echo "== 1. cq.event_signal vs corr(), $ROWS rows, serial, median of ${RUNS:-7} runs"
q -c "CREATE TABLE sig_rows AS
      SELECT g % 10 < 3 AS has_event, (g % 10 < 3)::int::float8 AS x,
             CASE WHEN (g::bigint * 7919) % 13 < 2 THEN ((g::bigint * 104729) % 10007) / 100.0 ELSE 0 END::float8 AS value
        FROM generate_series(1, $ROWS) g"
q -c "VACUUM ANALYZE sig_rows"
q -A -t <<SQL
SET max_parallel_workers_per_gather = 0;
SELECT median_ms('SELECT count(*) FROM sig_rows', ${RUNS:-7}) AS floor_ms,
       median_ms('SELECT corr(x, value) FROM sig_rows', ${RUNS:-7}) AS corr_ms,
       median_ms('SELECT cq.event_signal(has_event, value) FROM sig_rows', ${RUNS:-7}) AS sig_ms \gset
SELECT rpad('count(*) (scan floor)', 40) || lpad(round(:floor_ms::numeric, 1)::text, 9) || ' ms';
SELECT rpad('corr(x, value)', 40) || lpad(round(:corr_ms::numeric, 1)::text, 9) || ' ms';
SELECT rpad('cq.event_signal(has_event, value)', 40) || lpad(round(:sig_ms::numeric, 1)::text, 9) || ' ms';
SELECT rpad('ratio cq.event_signal / corr', 40) || lpad(round((:sig_ms / :corr_ms)::numeric, 2)::text, 9)
       || ' x   (goal <= 1.2)';
SQL

echo
echo "== 2. cq.rank_events vs plain SQL, generated events ($USERS users, 20 event names)"
q -c "CREATE TABLE big_events (user_id bigint, event_time timestamptz, event_name text, revenue numeric)"
t0=$(date +%s)
q -c "\\copy big_events FROM PROGRAM '/usr/bin/python3 test/gen_signal_data.py --users $USERS --names 20 --seed 2' WITH (FORMAT csv)"
q -c "VACUUM ANALYZE big_events"
q -A -t -c "SELECT format('events: %s, event names: %s, users: %s (generated and loaded in %s s)',
                          count(*), count(DISTINCT event_name), count(DISTINCT user_id), $(( $(date +%s) - t0 )))
              FROM big_events"

# The same statistics in plain SQL: test/bench/rank_events_plain.sql, over a view of the events.
q -c "CREATE VIEW bench_rank_input AS SELECT user_id, event_time, event_name, revenue FROM big_events"
PLAIN=$(grep -v '^--' "$(dirname "$0")/rank_events_plain.sql")
q -A -t <<SQL
SET max_parallel_workers_per_gather = 0;
SELECT median_ms(\$plain\$$PLAIN\$plain\$, ${RUNS:-3}) AS plain_ms,
       median_ms('SELECT * FROM cq.rank_events(''big_events'', ''14 days'')', ${RUNS:-3}) AS rank_ms \gset
SELECT rpad('plain SQL (same statistics, no p/q)', 40) || lpad(round(:plain_ms::numeric)::text, 9) || ' ms';
SELECT rpad('cq.rank_events', 40) || lpad(round(:rank_ms::numeric)::text, 9) || ' ms';
SELECT rpad('ratio plain SQL / cq.rank_events', 40) || lpad(round((:plain_ms / :rank_ms)::numeric, 2)::text, 9)
       || ' x   (goal >= 3)';
SQL
# check that both computed the same thing: the correlation of every event agrees
q -A -t <<SQL
SELECT format('agreement: %s of %s events have the same correlation (1e-9) in both',
              count(*) FILTER (WHERE abs(p.r - e.correlation) <= 1e-9 * greatest(abs(p.r), 1e-300)
                                 OR (p.r IS NULL AND e.correlation IS NULL)), count(*))
  FROM ($PLAIN) p JOIN cq.rank_events('big_events', '14 days') e ON e.event_name = p.name;
SQL
dropdb "$PGDATABASE"
