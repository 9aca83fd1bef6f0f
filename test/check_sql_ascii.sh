#!/usr/bin/env bash
# Invalid UTF-8, where an encoding permits it: a SQL_ASCII database stores text
# bytes unchecked.  Every function that defines its result over UTF-8 (the
# normalizers, match keys, fingerprints of text) rejects such a value with
# PostgreSQL's own error 22021; cq.dedup_key, which hashes ids byte for byte,
# keys the bytes as they are.  The server must survive.  Runs against a
# database of its own, created from template0.
set -euo pipefail
db=${PGDATABASE}_sql_ascii
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
createdb -T template0 -E SQL_ASCII --locale=C "$db"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c 'CREATE EXTENSION conversion_quality'
q <<'SQL' >/dev/null
CREATE FUNCTION outcome(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    EXECUTE query INTO v;
    RETURN coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE;
END $$;
SQL
start=$(q -c 'SELECT pg_postmaster_start_time()')
fail=0
check() {
	local query=$1 want=$2 got
	got=$(q -c "SELECT outcome(\$q\$$query\$q\$)")
	if [ "$got" = "$want" ]; then
		echo "ok: $query -> $got"
	else
		echo "FAIL: $query -> $got (expected $want)"
		fail=1
	fi
}
# \xff and \xc3\x28 are not UTF-8
check "SELECT cq.normalize_email(E'Ab\\xff@Example.com')" "ERROR 22021"
check "SELECT cq.normalize_email(E'ab\\xc3\\x28@example.com', 'meta')" "ERROR 22021"
check "SELECT cq.normalize_email(E'ab\\xff')" "ERROR 22021"
check "SELECT cq.normalize_phone(E'+44 20 \\xff 7183 8750')" "ERROR 22021"
check "SELECT cq.match_key(E'id-\\xff', 'external_id')" "ERROR 22021"
check "SELECT cq.match_key('id-42', 'external_id') = encode(sha256('id-42'::bytea), 'hex')" "true"
check "SELECT cq.dedup_key('Purchase', E'\\xff\\xfe') IS NOT NULL" "true"
check "SELECT cq.dedup_key('Purchase', E'\\xff') <> cq.dedup_key('Purchase', E'\\xfe')" "true"
check "SELECT cq.event_fingerprint(E'\\xff'::text)" "ERROR 22021"
check "SELECT cq.event_fingerprint('plain ascii'::text) IS NOT NULL" "true"
check "SELECT cq.normalize_identifier(E'Caf\\xe9', 'city', 'meta')" "ERROR 22021"
check "SELECT cq.normalize_identifier(E'SW1A\\xa0', 'zip', 'google')" "ERROR 22021"
[ "$(q -c 'SELECT pg_postmaster_start_time()')" = "$start" ] || { echo "FAIL: the server restarted"; fail=1; }
exit $fail
