#!/usr/bin/env bash
# Daily-states benchmark (make bench; CQ_ONLY=daily make bench for this one alone).
#
# Issue 14, section 5: the cost of the daily refresh (cq.refresh_daily after one day of new rows,
# 1 % of them arriving two days late) must stay flat as the history grows from 30 to 365 days,
# while a full rebuild grows with it; and the storage of the daily states per day of history.
# Data (generated here, seeded): BENCH_DAILY_USERS (500) new users a day, each with a click
# carrying a campaign (5) and a creative (20) and 2 to 8 later rows (page views, sign-ups,
# purchases) within 7 days; horizon 7 days; one funnel of three steps; indexes on the time and
# user columns.  For each history length: load it, build the states (a full rebuild), then
# BENCH_DAILY_RUNS (3) times load the next day and refresh; the median of those refreshes is
# the daily cost; each day's load is also timed against the same rows into a table without the
# triggers.  Both histories in one database.  No assertions: it prints figures.
set -euo pipefail
USERS=${BENCH_DAILY_USERS:-500}
RUNS=${BENCH_DAILY_RUNS:-3}
. "$(dirname "$0")/common.sh"
bench_database cq_bench_daily

echo "== cq.refresh_daily: one more day on 30 and on 365 days of history ($USERS new users a day)"
(q <<SQL
SET client_min_messages = warning;
SET TimeZone = 'UTC';
-- every row of 365 + $RUNS days, with the day it arrives on (1 % two days late)
SELECT setseed(0.5);
CREATE TABLE stage AS
SELECT u.id AS user_id, t.at AS event_time, t.name AS event_name, t.value, 'e' || u.id || '-' || t.k AS event_id,
       CASE WHEN t.k = 0 THEN 'campaign-' || (u.id % 5) END AS campaign,
       CASE WHEN t.k = 0 THEN 'creative-' || (u.id % 20) END AS creative,
       (t.at AT TIME ZONE 'UTC')::date - date '2024-01-01' + CASE WHEN random() < 0.01 THEN 2 ELSE 0 END
           AS arrive
  FROM (SELECT g AS id, timestamptz '2024-01-01' + ((g - 1) / $USERS) * interval '1 day'
                        + random() * interval '1 day' AS entry,
               2 + (g % 7) AS rows FROM generate_series(1, (365 + $RUNS) * $USERS) g) u,
       LATERAL (SELECT 0 AS k, u.entry AS at, 'ad_click' AS name, 0::numeric AS value
                UNION ALL
                SELECT k, u.entry + random() * interval '7 days',
                       CASE WHEN k % 4 = 3 THEN 'purchase' WHEN k % 2 = 1 THEN 'signup' ELSE 'page_view' END,
                       CASE WHEN k % 4 = 3 THEN round((10 + random() * 90)::numeric, 2) ELSE 0 END
                  FROM generate_series(1, u.rows) k) t;
CREATE INDEX ON stage (arrive);
SQL
) >/dev/null
for DAYS in 30 365; do
	q <<SQL
SET client_min_messages = warning;
CREATE TABLE ev_$DAYS (user_id bigint, event_time timestamptz, event_name text, value numeric,
                       event_id text, campaign text, creative text);
INSERT INTO ev_$DAYS SELECT user_id, event_time, event_name, value, event_id, campaign, creative
  FROM stage WHERE arrive < $DAYS AND event_time < timestamptz '2024-01-01' + $DAYS * interval '1 day';
CREATE INDEX ON ev_$DAYS (event_time);
CREATE INDEX ON ev_$DAYS (user_id);
-- the same daily loads go into a table without triggers too, to price the triggers
CREATE TABLE plain_$DAYS (LIKE ev_$DAYS INCLUDING INDEXES);
VACUUM ANALYZE ev_$DAYS;
SELECT cq.register_source('h$DAYS', 'ev_$DAYS', 'user_id', 'event_time', 'event_name', value_column => 'value',
                          event_id_column => 'event_id', horizon => '7 days',
                          dimension_columns => '{campaign,creative}');
SELECT cq.define_funnel('f$DAYS', 'h$DAYS', '{ad_click,signup,purchase}', '3 days');
SELECT cq.enable_daily_states('h$DAYS');
SQL
done >/dev/null
# each refresh in its own transaction, as a scheduled job runs it
q -c 'CREATE TABLE runs (days int, kind text, ms float8, rows_read bigint)'
for DAYS in 30 365; do
	q -c "INSERT INTO runs SELECT $DAYS, 'rebuild', extract(epoch FROM elapsed) * 1000, rows_read
	        FROM cq.refresh_daily('h$DAYS', true)"
	for ((k = 0; k < RUNS; k++)); do
		for t in ev plain; do
			t0=$(date +%s%N)
			q -c "INSERT INTO ${t}_$DAYS SELECT user_id, event_time, event_name, value, event_id, campaign, creative
			        FROM stage WHERE arrive = $((DAYS + k))
			         AND event_time < timestamptz '2024-01-01' + $((DAYS + k + 1)) * interval '1 day'"
			q -c "INSERT INTO runs VALUES ($DAYS, 'load_$t', $(( ($(date +%s%N) - t0) / 1000 )) / 1000.0, NULL)"
		done
		q -c "INSERT INTO runs SELECT $DAYS, 'daily', extract(epoch FROM elapsed) * 1000, rows_read
		        FROM cq.refresh_daily('h$DAYS')"
	done
done
q -At <<'SQL'
CREATE TEMP TABLE result AS
SELECT r.days, (SELECT reltuples::bigint FROM pg_class WHERE oid = format('ev_%s', r.days)::regclass) AS rows,
       max(r.ms) FILTER (WHERE r.kind = 'rebuild') AS rebuild_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) FILTER (WHERE r.kind = 'daily') AS daily_ms,
       string_agg(r.rows_read::text, '/') FILTER (WHERE r.kind = 'daily') AS read,
       count(*) FILTER (WHERE r.kind = 'daily') AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) FILTER (WHERE r.kind = 'load_ev') AS load_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) FILTER (WHERE r.kind = 'load_plain') AS plain_ms,
       (SELECT sum(pg_column_size(a.*)) FROM cq_internal.daily_assignments a WHERE a.source = 'h' || r.days)
       + (SELECT sum(pg_column_size(a.*)) FROM cq_internal.daily_states a WHERE a.source = 'h' || r.days)
       + (SELECT sum(pg_column_size(a.*)) FROM cq_internal.daily_event_states a WHERE a.source = 'h' || r.days)
       + (SELECT sum(pg_column_size(a.*)) FROM cq_internal.daily_funnel_states a WHERE a.source = 'h' || r.days)
           AS state_bytes
  FROM runs r GROUP BY r.days;
SELECT format('%s days: %s rows; full rebuild %s ms; daily refresh %s ms (median of %s; rows read %s); stored rows %s kB = %s kB per day of history (indexes not counted)',
              days, rows, round(rebuild_ms::numeric), round(daily_ms::numeric), n, read,
              round(state_bytes / 1024.0), round(state_bytes / 1024.0 / days, 1))
  FROM result ORDER BY days;
SELECT format('%s days: loading a day (psql included): %s ms with the triggers, %s ms into the same table without them',
              days, round(load_ms::numeric), round(plain_ms::numeric))
  FROM result ORDER BY days;
SELECT format('ratio 365 / 30 days: daily refresh %s x (goal: flat, about 1), full rebuild %s x, history %s x',
              round((b.daily_ms / a.daily_ms)::numeric, 2), round((b.rebuild_ms / a.rebuild_ms)::numeric, 1),
              round(b.rows::numeric / a.rows, 1))
  FROM result a, result b WHERE a.days = 30 AND b.days = 365;
SQL
