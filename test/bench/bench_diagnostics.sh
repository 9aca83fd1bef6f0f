#!/usr/bin/env bash
# Tracking-diagnostics benchmark (make bench; CQ_ONLY=diagnostics make bench for this one alone).
#
# The cost of the tracking figures of one refresh (cq.refresh of a source registered with an
# event id, a channel and a received-at column but no value column and no funnel, so that it
# computes cq.tracking_health and the volumes of cq.event_quality and nothing else) against the
# GROUP BY floor: the per-day, per-event count of rows and users of the same table.  Goal of
# issue 13: at most 3x.  Data: the demo warehouse's web shop (test/data/gen_warehouse.sql) at
# BENCH_DIAG_SCALE (default 15: about 5M rows).  Serial plans, median of BENCH_DIAG_RUNS (3)
# after a warm-up, both sides in the same session.  No assertions: it prints figures.
set -euo pipefail
SCALE=${BENCH_DIAG_SCALE:-15}
RUNS=${BENCH_DIAG_RUNS:-3}
. "$(dirname "$0")/common.sh"
bench_database cq_bench_diagnostics

echo "== cq.refresh (tracking figures) vs the GROUP BY floor, demo web shop at scale $SCALE"
t0=$(date +%s)
q -v seed=0.5 -v scale="$SCALE" -f test/data/gen_warehouse.sql >/dev/null
q -c 'DROP TABLE shop.app_events, shop.lead_events' -c 'VACUUM ANALYZE shop.web_events'
rows=$(q -At -c 'SELECT count(*) FROM shop.web_events')
echo "rows: $rows (generated and loaded in $(( $(date +%s) - t0 )) s)"
q -c "SELECT cq.register_source('web', 'shop.web_events', 'user_id', 'event_time', 'event_name',
                                event_id_column => 'event_id', source_column => 'channel',
                                received_at_column => 'received_at')" >/dev/null
q -At <<SQL
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;
SET work_mem = '256MB';
WITH m AS (
  SELECT median_ms('SELECT count(*) FROM (SELECT (event_time AT TIME ZONE ''UTC'')::date, event_name,
                           count(*), count(DISTINCT user_id) FROM shop.web_events GROUP BY 1, 2) x', $RUNS) AS floor,
         median_ms('SELECT count(*) FROM cq.refresh(''web'')', $RUNS) AS refresh)
SELECT format('GROUP BY floor (day, event: rows, users)   %s ms', round(floor::numeric)) FROM m
UNION ALL SELECT format('cq.refresh (tracking health, volumes)     %s ms', round(refresh::numeric)) FROM m
UNION ALL SELECT format('ratio refresh / floor                    %s x   (goal <= 3)',
                        round((refresh / floor)::numeric, 2)) FROM m;
SQL
