#!/usr/bin/env bash
# What a DBA does with the extension: use it from a non-superuser role, dump a
# database whose tables, views and indexes depend on it, restore the dump into
# a new database, get the same answers there, and drop the extension without
# leaving anything behind.  Runs against $PGDATABASE (extension installed).
set -euo pipefail
src=$PGDATABASE
dst=${PGDATABASE}_restored
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists "$dst" >/dev/null 2>&1 || true; psql -X -q -d postgres -c "DROP ROLE IF EXISTS cq_analyst" >/dev/null 2>&1 || true' EXIT

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

q -d "$src" <<'SQL'
CREATE ROLE cq_analyst LOGIN;
CREATE TABLE events (event_name text, event_id text, source text, arrived_at timestamptz,
                     email text, phone text);
INSERT INTO events VALUES
  ('Purchase', 'o1', 'pixel',  '2026-01-01 10:00+00', ' Jane.Doe+x@Gmail.com', '020 7183 8750'),
  ('Purchase', 'o1', 'server', '2026-01-01 10:02+00', 'jane.doe@gmail.com', '+44 20 7183 8750'),
  ('Purchase', 'o2', 'server', '2026-01-03 10:00+00', 'not an email', '12'),
  ('Lead', NULL, 'pixel', '2026-01-02 09:00+00', NULL, NULL);
-- an expression index and a view that depend on the extension
CREATE INDEX events_key ON events (cq.dedup_key(event_name, event_id));
CREATE VIEW counted AS
SELECT event_name, source, arrived_at,
       cq.match_key(email, 'email', 'google') AS email_key,
       cq.normalize_phone(phone, 'GB') AS phone,
       cq.dedup_keep(arrived_at) OVER (PARTITION BY cq.dedup_key(event_name, event_id)
                                       ORDER BY arrived_at) AS counts
  FROM events;
GRANT SELECT ON events, counted TO cq_analyst;
SQL

# A non-superuser role can call every function (schema cq is usable by PUBLIC).
q -d "$src" -c "SET ROLE cq_analyst" \
	-c "SELECT count(*) FROM counted WHERE counts" \
	-c "SELECT sum(conversions) FROM cq.dedup_report('events') WHERE is_total" >"$tmp/analyst.out" ||
	fail "a non-superuser could not use the extension"
[ "$(paste -sd' ' "$tmp/analyst.out")" = "3 3" ] || fail "analyst saw $(cat "$tmp/analyst.out")"

q -d "$src" -c "SELECT * FROM counted ORDER BY arrived_at, source" >"$tmp/before.out"
pg_dump -Fc -f "$tmp/db.dump" "$src"
createdb "$dst"
pg_restore --exit-on-error -d "$dst" "$tmp/db.dump"
q -d "$dst" -c "SELECT * FROM counted ORDER BY arrived_at, source" >"$tmp/after.out"
diff -u "$tmp/before.out" "$tmp/after.out" || fail "restored view differs"
[ "$(q -d "$dst" -c "SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality'")" = 1.0 ] ||
	fail "extension not restored as version 1.0"
q -d "$dst" -c "SET enable_seqscan = off" \
	-c "EXPLAIN (COSTS OFF) SELECT * FROM events WHERE cq.dedup_key(event_name, event_id) = cq.dedup_key('Purchase', 'o1')" \
	| grep -q events_key || fail "the restored expression index is not used"

# DROP EXTENSION ... CASCADE removes schema cq and every dependent object.
q -d "$dst" -c "DROP EXTENSION conversion_quality CASCADE" 2>/dev/null
left=$(q -d "$dst" -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'cq'")
[ "$left" = 0 ] || fail "schema cq left behind after DROP EXTENSION"
[ "$(q -d "$dst" -c "SELECT count(*) FROM pg_class WHERE relname IN ('counted', 'events_key')")" = 0 ] ||
	fail "dependent view or index left behind"
echo "dump, restore, grants and drop: ok"
