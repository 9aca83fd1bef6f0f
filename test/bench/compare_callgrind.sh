#!/usr/bin/env bash
# test/bench/compare_callgrind.sh REV: instructions per row of the hot aggregates, this checkout
# against git revision REV, counted by valgrind's callgrind (deterministic: the same count on a
# busy machine as on an idle one, unlike wall-clock time on a shared 2-core VM).
#
# Builds REV in a temporary git worktree and this checkout, installs each into a private copy of
# the PostgreSQL tree, creates one data directory per build with the same generated table
# (ROWS rows, default 500000, for ROWS/10 users: the funnel benchmark's mix of four steps), and
# runs every query once in a single-user backend under callgrind.  Prints, per query, the
# instructions per row beyond the floor (count(*) grouped the same way) for both builds and
# their ratio.  Not part of `make test` or `make bench`; needs valgrind and the build
# dependencies (make test installs them), and runs as root or as the server user.
set -euo pipefail
REV=${1:?usage: test/bench/compare_callgrind.sh REV}
ROWS=${ROWS:-500000}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PGC=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
SYS_BIN=$("$PGC" --bindir)
W=$(mktemp -d /tmp/cq_callgrind.XXXXXX)
trap 'git -C "$TOP" worktree remove --force "$W/old" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
chmod 755 "$W"
as_server() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stage() {	# stage SRC TREE: build SRC and install it into a copy of the PostgreSQL tree
	local src=$1 tree=$2 libdir sharedir
	libdir=$("$PGC" --pkglibdir)
	sharedir=$("$PGC" --sharedir)
	make -C "$src" -s PG_CONFIG="$PGC" with_llvm=no >/dev/null
	mkdir -p "$tree$libdir" "$tree$sharedir"
	cp -a "$SYS_BIN" "$tree$SYS_BIN"
	cp -rs "$libdir/." "$tree$libdir/"
	cp -rs "$sharedir/." "$tree$sharedir/"
	find "$tree" -name 'conversion_quality*' -prune -exec rm -rf {} +
	make -C "$src" -s PG_CONFIG="$PGC" with_llvm=no install DESTDIR="$tree" >/dev/null
}

echo "callgrind comparison: $REV against this checkout, $ROWS rows"
git -C "$TOP" worktree add -q --detach "$W/old" "$REV"
stage "$W/old" "$W/tree_old"
stage "$TOP" "$W/tree_new"
[ "$(id -u)" -ne 0 ] || chown -R postgres "$W"

for side in old new; do
	bin=$W/tree_$side$SYS_BIN
	as_server "$bin/initdb" -D "$W/data_$side" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null
	# (-j: a statement ends with a semicolon and an empty line)
	as_server "$bin/postgres" --single -j -D "$W/data_$side" -c jit=off postgres >/dev/null <<SQL
CREATE EXTENSION conversion_quality;

CREATE TABLE ev AS
SELECT (i % ($ROWS / 10))::int AS uid,
       timestamptz '2024-01-01' + ((hashint8(i) & 2147483647) % (30 * 86400)) * interval '1 second' AS ts,
       CASE WHEN (hashint8(-i) & 1023) < 614 THEN 'view' WHEN (hashint8(-i) & 1023) < 870 THEN 'cart'
            WHEN (hashint8(-i) & 1023) < 972 THEN 'checkout' ELSE 'buy' END AS e,
       (i % 7 = 0) AS h, ((i::bigint * 7919) % 100)::float8 AS v
  FROM generate_series(1, $ROWS) i;

SQL
done

count() {	# count SIDE QUERY: instructions of one single-user run of QUERY
	local side=$1 query=$2 out
	out=$W/cg_$side.$RANDOM
	echo "$query" | as_server valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$W/tree_$side$SYS_BIN/postgres" --single -D "$W/data_$side" -c jit=off \
		-c max_parallel_workers_per_gather=0 -c work_mem=256MB postgres >/dev/null 2>&1
	sed -n 's/^summary: //p' "$out"
}

FLOOR_GROUPED="SELECT count(*) FROM (SELECT uid, count(*) FROM ev GROUP BY uid) q;"
FLOOR_ALL="SELECT count(*) FROM ev;"
declare -A QUERIES=(
	["window_funnel, boolean steps"]="SELECT count(*) FROM (SELECT uid, cq.window_funnel(interval '1 day', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS s FROM ev GROUP BY uid) q WHERE s IS NOT NULL;|g"
	["window_funnel, event names"]="SELECT count(*) FROM (SELECT uid, cq.window_funnel(interval '1 day', ts, e, 'view', 'cart', 'checkout', 'buy') AS s FROM ev GROUP BY uid) q WHERE s IS NOT NULL;|g"
	["window_funnel strict_once"]="SELECT count(*) FROM (SELECT uid, cq.window_funnel(interval '1 day', 'strict_once', ts, e = 'view', e = 'cart', e = 'checkout', e = 'buy') AS s FROM ev GROUP BY uid) q WHERE s IS NOT NULL;|g"
	["funnel_events, boolean steps"]="SELECT count(*) FROM (SELECT uid, cq.funnel_events(ts, e = 'view', e = 'cart', e = 'checkout') AS s FROM ev GROUP BY uid) q WHERE s IS NOT NULL;|g"
	["event_signal"]="SELECT cq.event_signal(h, v) IS NOT NULL FROM ev;|a"
	["rank_correlation"]="SELECT cq.rank_correlation(uid, v) IS NOT NULL FROM ev;|a"
)
declare -A FLOOR
for side in old new; do
	FLOOR[$side.g]=$(count $side "$FLOOR_GROUPED")
	FLOOR[$side.a]=$(count $side "$FLOOR_ALL")
done
printf '%-32s %14s %14s %8s\n' "instructions per row over the floor" "$REV" "this checkout" "ratio"
for name in "window_funnel, boolean steps" "window_funnel, event names" "window_funnel strict_once" \
	"funnel_events, boolean steps" \
	"event_signal" "rank_correlation"; do
	q=${QUERIES[$name]%|*}
	f=${QUERIES[$name]##*|}
	o=$(count old "$q")
	n=$(count new "$q")
	python3 - "$name" "$o" "$n" "${FLOOR[old.$f]}" "${FLOOR[new.$f]}" "$ROWS" <<'PY'
import sys
name, o, n, fo, fn, rows = sys.argv[1], *map(int, sys.argv[2:])
po, pn = (o - fo) / rows, (n - fn) / rows
print("%-32s %14.1f %14.1f %8.3f" % (name, po, pn, pn / po))
PY
done
