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

# The same statistics in plain SQL: the same landmark design (entry = a user's first event,
# exposure in [entry, entry + 7 days], outcome in (landmark, landmark + 14 days], users whose
# outcome window ends after the latest time left out), core aggregates (corr, avg,
# count FILTER, percentile_cont), odds ratio with Woolf interval by hand.  Plain SQL has no t
# distribution, so it stops at the t statistic (no p-values, no q-values).
cat > "${TMPDIR:-/tmp}/cq_bench_plain_$$.sql" <<'SQL'
WITH ev AS (
    SELECT user_id AS u, event_time AS t, event_name AS name, revenue::float8 AS v
      FROM big_events
), bounds AS (
    SELECT max(t) AS t_end, min(t) AS t_start FROM ev
), pop AS (
    SELECT u, min(t) AS e, min(t) + interval '7 days' AS l,
           min(t) + interval '7 days' + interval '14 days' AS o
      FROM ev GROUP BY u
), incl AS (
    SELECT p.* FROM pop p CROSS JOIN bounds b WHERE p.o <= b.t_end
), outc AS (
    SELECT i.u,
           coalesce(sum(ev.v) FILTER (WHERE ev.v <> 0 AND ev.t > i.l AND ev.t <= i.o), 0) AS y,
           min(ev.t) FILTER (WHERE ev.v > 0 AND ev.t > i.l AND ev.t <= i.o) AS first_pos
      FROM incl i JOIN ev ON ev.u = i.u GROUP BY i.u
), expo AS (
    SELECT ev.u, ev.name, min(ev.t) AS first_t
      FROM incl i JOIN ev ON ev.u = i.u
     WHERE ev.t >= i.e AND ev.t <= i.l
     GROUP BY ev.u, ev.name
), names AS (
    SELECT name, count(*) AS occurrences, coalesce(bool_or(v <> 0), false) AS carries
      FROM ev GROUP BY name
), cmp AS (
    SELECT n.name, x.u IS NOT NULL AS has, o.y AS v, o.first_pos - x.first_t AS lead
      FROM names n CROSS JOIN outc o
      LEFT JOIN expo x ON x.u = o.u AND x.name = n.name
), agg AS (
    SELECT name,
           count(*) AS users,
           count(*) FILTER (WHERE has) AS with_event,
           count(*) FILTER (WHERE has AND v > 0) AS a,
           count(*) FILTER (WHERE has AND NOT v > 0) AS b,
           count(*) FILTER (WHERE NOT has AND v > 0) AS c,
           count(*) FILTER (WHERE NOT has AND NOT v > 0) AS d,
           avg(v) FILTER (WHERE has) AS mean_with,
           avg(v) AS mean_all,
           sum(v) FILTER (WHERE has) AS sum_with,
           sum(v) AS sum_all,
           corr(has::int, v) AS r,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lead)
               FILTER (WHERE has AND lead IS NOT NULL) AS median_lead
      FROM cmp GROUP BY name
)
SELECT agg.name, users, with_event,
       (SELECT count(*) FROM pop) - (SELECT count(*) FROM incl) AS censored,
       a::float8 / nullif(with_event, 0) AS conversion_rate,
       c::float8 / nullif(users - with_event, 0) AS baseline_conversion_rate,
       mean_with / nullif(mean_all, 0) AS lift,
       (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)) AS odds_ratio,
       exp(ln((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
           - 1.959963984540054 * sqrt(1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5))) AS or_low,
       exp(ln((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
           + 1.959963984540054 * sqrt(1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5))) AS or_high,
       r, r * sqrt((users - 2) / nullif(1 - r * r, 0)) AS t_stat,
       sum_with / nullif(sum_all, 0) AS revenue_share, median_lead,
       n.occurrences / greatest(extract(epoch FROM (bn.t_end - bn.t_start)) / 604800, 1) AS weekly,
       n.carries AS is_revenue_event
  FROM agg JOIN names n USING (name) CROSS JOIN bounds bn
 ORDER BY r DESC NULLS LAST
SQL
PLAIN=$(cat "${TMPDIR:-/tmp}/cq_bench_plain_$$.sql")
rm -f "${TMPDIR:-/tmp}/cq_bench_plain_$$.sql"
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
