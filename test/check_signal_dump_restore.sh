#!/usr/bin/env bash
# Stored signal summaries survive pg_dump and restore: a table of cq.event_signal and
# cq.rank_sample values, and a view over cq.signal_rollup, dumped (plain and custom format) and
# restored into new databases give back the same values bit for bit (text form) and the same
# figures.  Runs against $PGDATABASE (extension installed).
set -euo pipefail
src=$PGDATABASE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists "${src}_plain" >/dev/null 2>&1 || true; dropdb --if-exists "${src}_custom" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

q -d "$src" <<'SQL'
CREATE TABLE daily_signal (day date PRIMARY KEY, s cq.event_signal NOT NULL, sample cq.rank_sample);
INSERT INTO daily_signal
SELECT date '2026-01-01' + g % 30,
       cq.event_signal(g % 3 = 0, CASE WHEN g % 7 = 0 THEN (g * 0.37) ^ 1.5 ELSE 0 END),
       format('v1:2:%s,%s;-Infinity,0.1', min(g) * 0.37, max(g) / 7.0)::cq.rank_sample
  FROM generate_series(1, 3000) g
 GROUP BY 1;
CREATE VIEW monthly_signal AS
SELECT date_trunc('month', day) AS month, cq.signal_rollup(s) AS s,
       cq.signal_correlation(cq.signal_rollup(s)) AS r
  FROM daily_signal GROUP BY 1;
SQL
before=$(q -d "$src" -c "SELECT string_agg(day || ' ' || s::text || ' ' || coalesce(sample::text, '-'), E'\n' ORDER BY day) FROM daily_signal")
before_view=$(q -d "$src" -c "SELECT s::text || ' ' || r FROM monthly_signal")
[ -n "$before" ] || fail "no rows stored"

pg_dump -d "$src" -f "$tmp/plain.sql"
pg_dump -d "$src" -Fc -f "$tmp/custom.dump"
createdb "${src}_plain"
createdb "${src}_custom"
q -d "${src}_plain" -f "$tmp/plain.sql" >/dev/null
pg_restore -d "${src}_custom" "$tmp/custom.dump"

for db in "${src}_plain" "${src}_custom"; do
	after=$(q -d "$db" -c "SELECT string_agg(day || ' ' || s::text || ' ' || coalesce(sample::text, '-'), E'\n' ORDER BY day) FROM daily_signal")
	after_view=$(q -d "$db" -c "SELECT s::text || ' ' || r FROM monthly_signal")
	[ "$before" = "$after" ] || fail "stored summaries changed through $db"
	[ "$before_view" = "$after_view" ] || fail "the rollup view changed through $db: $before_view vs $after_view"
done
echo "check_signal_dump_restore: $(printf '%s\n' "$before" | wc -l) stored summaries and the rollup view survive plain and custom dumps"
