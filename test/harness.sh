#!/usr/bin/env bash
# test/harness.sh MODE: the whole set-up behind `make demo`, `make test`, `make bench`,
# `make fuzz` and `make valgrind`.
#
#   demo   install what is missing, build, install into a throwaway tree, start a throwaway
#          cluster, load the bundled sample data and print the quality report
#   test   the same set-up, then pg_regress and every suite under test/ (test/check_*),
#          ending with the line "N passed, N failed"
#   bench  the same set-up, then the benchmark table (test/bench/summary.sh), or with
#          CQ_ONLY=NAME the detailed benchmarks test/bench/bench_*NAME*.sh
#   fuzz   install clang-14 if missing, then run every libFuzzer harness under test/fuzz/ for
#          FUZZ_SECONDS (default 60) each; no cluster
#   valgrind  the same set-up as test, but the server runs under valgrind (memcheck, with
#          test/valgrind.supp); runs pg_regress, stops the server, and fails if any valgrind
#          error or definite leak has a frame in conversion_quality.so
#
# The cluster lives in a temporary directory with its own Unix socket (no TCP), is never the
# system cluster, and is stopped and removed on exit, on failure and on Ctrl-C.  The extension is
# installed into a private copy of the PostgreSQL tree inside that directory (`make install
# DESTDIR=...` plus a relocated copy of the server binaries), so a test run never changes the
# system's PostgreSQL installation and always tests the code in this checkout.
#
# Environment: PG_MAJOR (default 15), PG_CFLAGS (passed to the build; CI uses -Wall -Wextra
# -Werror), CQ_KEEP=1 keeps the temporary directory for inspection, CQ_ONLY=pattern runs only the
# suites whose file name matches, CITUS_TARBALL=path/to/citus-X.Y.Z.tar.gz builds Citus into the
# throwaway tree (test/build_citus.sh, cached by checksum) so that test/t/020_citus.pl runs; without
# it (and without Citus installed) that suite prints one "skipped" line.
set -euo pipefail

MODE=${1:?usage: test/harness.sh demo|test|bench|fuzz|valgrind}
TOP=$(cd "$(dirname "$0")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_CFLAGS=${PG_CFLAGS:-}
SYS_BIN=/usr/lib/postgresql/$PG_MAJOR/bin

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'harness: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------------------------
ensure_packages() {
	local want=(make gcc g++ gzip "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"
		libphonenumber-dev libicu-dev libboost-math1.74-dev)
	if [ "$MODE" = test ]; then
		# independent references used by the suites under test/; the TAP tests' Perl
		want+=(python3 python3-scipy python3-sklearn python3-psycopg2 libipc-run-perl clang-14 libclang-rt-14-dev
			"postgresql-$PG_MAJOR-cron")
		# Citus's build dependencies (test/build_citus.sh)
		[ -z "${CITUS_TARBALL:-}" ] || want+=(liblz4-dev libzstd-dev libkrb5-dev libssl-dev)
	elif [ "$MODE" = fuzz ]; then
		want+=(clang-14 libclang-rt-14-dev)
	elif [ "$MODE" = valgrind ]; then
		want+=(valgrind python3)
	fi
	local missing=() p
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "Debian packages: all present"
		return
	fi
	say "Debian packages: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || die "run as root, or install these packages first: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ---------------------------------------------------------------------------------------------
# 2. Build, then install into a private copy of the PostgreSQL tree
# ---------------------------------------------------------------------------------------------
build_and_stage() {
	local pg_config=$SYS_BIN/pg_config
	say "Building (PG_CFLAGS='$PG_CFLAGS')"
	make -C "$TOP" -s PG_CONFIG="$pg_config" PG_CFLAGS="$PG_CFLAGS"

	say "Installing into the throwaway tree $WORK/pg"
	local libdir sharedir
	libdir=$("$pg_config" --pkglibdir)
	sharedir=$("$pg_config" --sharedir)
	mkdir -p "$WORK/pg$libdir" "$WORK/pg$sharedir"
	# Real copies of the binaries: PostgreSQL finds its share and lib directories relative to
	# the resolved path of its own executable.  Everything else is symlinked file by file.
	cp -a "$SYS_BIN" "$WORK/pg$SYS_BIN"
	cp -rs "$libdir/." "$WORK/pg$libdir/"
	cp -rs "$sharedir/." "$WORK/pg$sharedir/"
	find "$WORK/pg" -type l -name 'conversion_quality*' -delete
	make -C "$TOP" -s PG_CONFIG="$pg_config" PG_CFLAGS="$PG_CFLAGS" install DESTDIR="$WORK/pg" \
		>/dev/null
	BIN=$WORK/pg$SYS_BIN
	[ "$("$BIN/pg_config" --sharedir)" = "$WORK/pg$sharedir" ] ||
		die "the relocated PostgreSQL tree does not resolve its own share directory"
	if [ -n "${CITUS_TARBALL:-}" ]; then
		say "Citus: installing it into the throwaway tree, from $CITUS_TARBALL"
		PG_CONFIG="$pg_config" bash "$TOP/test/build_citus.sh" "$CITUS_TARBALL" "$WORK/pg"
	fi
}

# ---------------------------------------------------------------------------------------------
# 3. Throwaway cluster
# ---------------------------------------------------------------------------------------------
as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		if [ -f "$WORK/data/postmaster.pid" ]; then
			say "Stopping the throwaway cluster"
			as_server_user "$BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		if [ "${CQ_KEEP:-0}" = 1 ]; then
			say "Keeping $WORK (CQ_KEEP=1)"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

init_cluster() {
	chmod 755 "$WORK"
	[ "$(id -u)" -ne 0 ] || chown -R postgres "$WORK"
	as_server_user "$BIN/initdb" -D "$WORK/data" -A trust -U postgres --no-sync -E UTF8 \
		--locale=C >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; die "initdb failed"; }
}

start_cluster() {
	say "Starting a throwaway cluster in $WORK/data (socket in $WORK, port $PGPORT)"
	init_cluster
	cat >>"$WORK/data/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$WORK'
		port = $PGPORT
		fsync = off
		max_worker_processes = 8
		max_parallel_workers = 4
		shared_buffers = 256MB
		work_mem = 64MB
		maintenance_work_mem = 256MB
	EOF
	as_server_user "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null ||
		{ cat "$WORK/server.log"; die "the server did not start"; }
}

# ---------------------------------------------------------------------------------------------
# 4. Modes
# ---------------------------------------------------------------------------------------------
run_demo() {
	say "Generating the demo warehouse (test/data/gen_warehouse.sql: web, app, lead events)"
	createdb cq_demo
	psql -X -q -v ON_ERROR_STOP=1 -d cq_demo -c 'CREATE EXTENSION conversion_quality'
	(cd "$TOP" && psql -X -v ON_ERROR_STOP=1 -d cq_demo -f test/data/gen_warehouse.sql)
	say "Loading the bundled real data (UCI Online Retail, OTTO sessions, Olist leads) into cq_demo"
	(cd "$TOP" && psql -X -q -v ON_ERROR_STOP=1 -d cq_demo -f test/data/load_uci.sql \
		-f test/data/load_otto.sql -f test/data/load_olist.sql)
	say "Quality report"
	(cd "$TOP" && psql -X -v ON_ERROR_STOP=1 -d cq_demo -f test/demo.sql)
}

PASSED=0
FAILED=0
FAILED_NAMES=()

record() {
	local name=$1 ok=$2
	if [ "$ok" = 1 ]; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$name")
	fi
}

run_pg_regress() {
	say "pg_regress (make installcheck)"
	local out rc=0
	out=$WORK/installcheck.out
	(cd "$TOP" && make -s PG_CONFIG="$SYS_BIN/pg_config" installcheck) 2>&1 | tee "$out" || rc=$?
	# Count each test's verdict (PostgreSQL 15: "test x ... ok"; 16+: "ok 1 - x").
	local ok bad
	ok=$(grep -Ec '^(test|     ) .* \.\.\. ok|^ok [0-9]+ ' "$out" || true)
	bad=$(grep -Ec '\.\.\. FAILED|^not ok [0-9]+ ' "$out" || true)
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
	if [ "$bad" -gt 0 ] || [ "$rc" -ne 0 ]; then
		[ "$bad" -gt 0 ] || FAILED=$((FAILED + 1))
		FAILED_NAMES+=("pg_regress")
		if [ -f "$TOP/regression.diffs" ]; then
			say "regression.diffs"
			cat "$TOP/regression.diffs"
			{ echo "--- pg_regress (first 40 lines of regression.diffs)"; head -40 "$TOP/regression.diffs"; } \
				>>"$WORK/failures.txt"
		fi
	fi
}

run_suites() {
	local f name db rc
	for f in "$TOP"/test/check_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		if [ -n "${CQ_ONLY:-}" ] && [[ "$name" != *${CQ_ONLY}* ]]; then
			continue
		fi
		db=$(echo "cq_${name%.*}" | tr -c 'a-z0-9_\n' '_')
		say "suite $name (database $db)"
		dropdb --if-exists "$db" >/dev/null
		createdb "$db"
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION conversion_quality'
		rc=0
		(cd "$TOP" && PGDATABASE=$db "$f") 2>&1 | tee "$WORK/suite.out" || rc=${PIPESTATUS[0]}
		if [ "$rc" -eq 0 ]; then
			echo "suite $name: ok"
			record "$name" 1
		else
			echo "suite $name: FAILED (exit $rc)"
			record "$name" 0
			{ echo "--- $name (last 20 lines)"; tail -20 "$WORK/suite.out"; } >>"$WORK/failures.txt"
		fi
	done
	if compgen -G "$TOP/test/t/*.pl" >/dev/null; then
		# Each TAP test starts clusters of its own (PostgreSQL::Test::Cluster), as the server
		# user when run as root (initdb refuses root), under $WORK/tap.
		say "TAP tests (prove test/t), clusters under $WORK/tap"
		local t
		mkdir -p "$WORK/tap"
		[ "$(id -u)" -ne 0 ] || chown postgres "$WORK/tap"
		for t in "$TOP"/test/t/*.pl; do
			name=$(basename "$t")
			if [ -n "${CQ_ONLY:-}" ] && [[ "$name" != *${CQ_ONLY}* ]]; then
				continue
			fi
			rc=0
			mkdir -p "$WORK/tap/${name%.pl}"
			[ "$(id -u)" -ne 0 ] || chown postgres "$WORK/tap/${name%.pl}"
			(cd "$TOP" && as_server_user env PATH="$BIN:$PATH" TESTDIR="$WORK/tap/${name%.pl}" \
				PG_REGRESS="$SYS_BIN/../lib/pgxs/src/test/regress/pg_regress" \
				prove -I "/usr/lib/postgresql/$PG_MAJOR/lib/pgxs/src/test/perl" "$t") || rc=$?
			record "$name" $((rc == 0 ? 1 : 0))
			if [ "$rc" -ne 0 ] && compgen -G "$WORK/tap/${name%.pl}/tmp_check/log/regress_log_*" >/dev/null; then
				tail -40 "$WORK/tap/${name%.pl}"/tmp_check/log/regress_log_*
				{
					echo "--- $name (each failed check, with its diagnostics)"
					grep -h -A8 'not ok [0-9]' "$WORK/tap/${name%.pl}"/tmp_check/log/regress_log_* || true
				} >>"$WORK/failures.txt"
			fi
		done
	fi
}

# valgrind mode: the server (postmaster and every process it forks) runs under memcheck.
# Debian's PostgreSQL is not built with USE_VALGRIND, so palloc chunks inside a memory context
# block are not tracked one by one: memcheck sees reads and writes outside malloc'd blocks,
# uses of uninitialised values, and malloc'd memory that is lost (the C++ shim and the
# libraries it calls allocate with malloc/new).
start_cluster_valgrind() {
	say "Starting a throwaway cluster under valgrind in $WORK/data (port $PGPORT)"
	init_cluster
	cat >>"$WORK/data/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$WORK'
		port = $PGPORT
		fsync = off
		shared_buffers = 32MB
		work_mem = 64MB
		autovacuum = off
		jit = off
		max_parallel_workers_per_gather = 0
	EOF
	VG_DIR=$WORK/valgrind
	mkdir -p "$VG_DIR"
	[ "$(id -u)" -ne 0 ] || chown postgres "$VG_DIR"
	VG_CMD=(valgrind --tool=memcheck --trace-children=yes --leak-check=full
		--show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=40
		--suppressions="$TOP/test/valgrind.supp" --gen-suppressions=all --read-var-info=no
		--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END --log-file="$VG_DIR/%p.log")
	echo "${VG_CMD[*]} $BIN/postgres -D $WORK/data"
	as_server_user "${VG_CMD[@]}" "$BIN/postgres" -D "$WORK/data" >"$WORK/server.log" 2>&1 &
	local i
	for i in $(seq 1 600); do
		pg_isready -q && return 0
		sleep 1
	done
	cat "$WORK/server.log"
	die "the server did not start under valgrind"
}

# Stop the server cleanly (so every process writes its leak summary), then read the logs:
# an error or definite leak counts as ours when a frame of its stack is in our library.
check_valgrind_logs() {
	say "Stopping the server (fast), so that every process reports its leaks"
	as_server_user "$BIN/pg_ctl" -D "$WORK/data" -m fast -t 900 -w stop >/dev/null || true
	say "valgrind logs ($VG_DIR)"
	python3 "$TOP/test/valgrind_report.py" "$VG_DIR" conversion_quality
}

# make bench: the one table (test/bench/summary.sh; SCALE=1M ... 50M).  CQ_ONLY=NAME runs the
# detailed benchmarks whose file names contain NAME instead (CQ_ONLY=bench_ runs them all).
run_bench() {
	local f
	if [ -z "${CQ_ONLY:-}" ]; then
		say "benchmark summary.sh (SCALE=${SCALE:-5M})"
		(cd "$TOP" && bash test/bench/summary.sh)
		return
	fi
	for f in "$TOP"/test/bench/bench_*.sh; do
		[[ "$(basename "$f")" != *${CQ_ONLY}* ]] && continue
		say "benchmark $(basename "$f")"
		(cd "$TOP" && bash "$f")
	done
}

if [ "$MODE" = fuzz ]; then
	ensure_packages
	say "libFuzzer harnesses (test/fuzz/run.sh, ${FUZZ_SECONDS:-60} s each)"
	exec bash "$TOP/test/fuzz/run.sh" "${FUZZ_SECONDS:-60}"
fi

if [ -n "${CITUS_TARBALL:-}" ]; then
	[ -f "$CITUS_TARBALL" ] || die "CITUS_TARBALL=$CITUS_TARBALL: no such file"
	CITUS_TARBALL=$(cd "$(dirname "$CITUS_TARBALL")" && pwd)/$(basename "$CITUS_TARBALL")
fi
ensure_packages
WORK=$(mktemp -d /tmp/cq_harness.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
build_and_stage

export PGHOST=$WORK PGPORT=$((54000 + $$ % 1000)) PGUSER=postgres PGDATABASE=postgres
export PATH="$BIN:$PATH" CQ_TOP=$TOP
if [ "$MODE" = valgrind ]; then
	start_cluster_valgrind
else
	start_cluster
fi

case "$MODE" in
demo)
	run_demo
	;;
test)
	run_pg_regress
	run_suites
	say "Summary"
	# what failed, again at the end, where a reader of the tail of the log finds it
	[ ! -f "$WORK/failures.txt" ] || cat "$WORK/failures.txt"
	[ ${#FAILED_NAMES[@]} -eq 0 ] || echo "failed: ${FAILED_NAMES[*]}"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	;;
bench)
	run_bench
	;;
valgrind)
	run_pg_regress
	rc=0
	check_valgrind_logs || rc=$?
	say "Summary"
	echo "pg_regress under valgrind: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$rc" -eq 0 ]
	;;
*)
	die "unknown mode $MODE"
	;;
esac
