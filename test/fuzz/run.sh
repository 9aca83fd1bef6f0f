#!/usr/bin/env bash
# test/fuzz/run.sh [SECONDS]: build the libFuzzer harnesses and run each for SECONDS.
#
# Each harness (test/fuzz/fuzz_*.c) links the PostgreSQL-free cores of src/ that the module
# ships (utf8_core.c, email_core.c, identifier_core.c, key_encoding.c, phone_shim.cpp, and the
# codecs of the stored states: codec.c with funnel_codec.c, signal_codec.c, rank_codec.c; the
# sequence pattern parser and matchers, sequence_pattern.c),
# compiled with Debian's clang-14 under -fsanitize=fuzzer,address,undefined (UBSan aborts on the first
# report).  Each runs from its committed seeds (test/fuzz/corpus/<harness>/, read-only) plus a
# working corpus in test/fuzz/build/corpus/<harness>/ that grows from run to run (git ignores
# test/fuzz/build/).  A crash, a sanitizer report, a broken invariant, a leak, a timeout or an
# out-of-memory stops the run: the input is saved as test/fuzz/build/crash-<harness>-*, the end
# of the log is printed, and the script exits non-zero.
#
# SECONDS defaults to $FUZZ_SECONDS, else 60 (`make fuzz`); `make test` runs test/check_fuzz.sh,
# which passes a few seconds.  FUZZ_ONLY=name runs one harness.  Needs clang-14 and
# libclang-rt-14-dev (test/harness.sh installs them for `make test` and `make fuzz`).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${1:-${FUZZ_SECONDS:-60}}
B=$TOP/test/fuzz/build
SRC=$TOP/src
HARNESSES=(fuzz_email fuzz_identifier fuzz_phone fuzz_keys fuzz_funnel_state fuzz_event_signal fuzz_rank_sample
	fuzz_funnel_scan fuzz_sequence)

command -v clang-14 >/dev/null && command -v clang++-14 >/dev/null ||
	{ echo "fuzz: clang-14 not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

SAN=(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
PGLIB=$(pg_config --pkglibdir)
PGINC=$(pg_config --includedir-server)
if [ ! -f "$PGINC/postgres.h" ]; then
	# make test's relocated tree has no headers: those of the system's PostgreSQL, same major
	PGINC=/usr/include/postgresql/$(pg_config --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')/server
fi
[ -f "$PGINC/postgres.h" ] || { echo "fuzz: PostgreSQL's server headers not found" >&2; exit 2; }
# -iquote, not -I: src/signal.h must not hide the system's <signal.h>
COMMON=(-g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -iquote "$SRC")
mkdir -p "$B/obj"

echo "fuzz: building the harnesses with clang-14 (ASan + UBSan) in $B"
for c in utf8_core email_core identifier_core key_encoding codec funnel_codec signal_codec rank_codec sequence_pattern; do
	clang-14 -std=c99 "${COMMON[@]}" "${SAN[@]}" -c "$SRC/$c.c" -o "$B/obj/$c.o"
done
clang++-14 -std=c++14 "${COMMON[@]}" "${SAN[@]}" -c "$SRC/phone_shim.cpp" -o "$B/obj/phone_shim.o"
# The funnel scans are server code (palloc, ereport, CHECK_FOR_INTERRUPTS): built against the
# server's headers and linked with the stubs of test/fuzz/pg_stubs.c.  PostgreSQL's headers have
# unused parameters in inline functions and name gcc's printf format (gnu_printf), which clang
# ignores, hence the two -Wno- flags for these only; and like the server they need gnu99.
SERVER=(-std=gnu99 -I"$PGINC" -Wno-unused-parameter -Wno-ignored-attributes)
for c in funnel_scan funnel_scan_once; do
	clang-14 "${COMMON[@]}" "${SERVER[@]}" "${SAN[@]}" -c "$SRC/$c.c" -o "$B/obj/$c.o"
done
clang-14 "${COMMON[@]}" "${SERVER[@]}" "${SAN[@]}" -c "$TOP/test/fuzz/pg_stubs.c" -o "$B/obj/pg_stubs.o"
CORE=("$B/obj/utf8_core.o" "$B/obj/email_core.o" "$B/obj/identifier_core.o" "$B/obj/key_encoding.o")
for h in "${HARNESSES[@]}"; do
	extra=()
	[ "$h" = fuzz_funnel_scan ] && extra=("${SERVER[@]}")
	clang-14 -std=c99 "${COMMON[@]}" "${extra[@]}" "${SAN[@]}" -c "$TOP/test/fuzz/$h.c" -o "$B/obj/$h.o"
done
link() { clang++-14 -fsanitize=fuzzer,address,undefined "$@"; }
link "$B/obj/fuzz_email.o" "${CORE[@]}" -licuuc -o "$B/fuzz_email"
link "$B/obj/fuzz_identifier.o" "${CORE[@]}" -licuuc -o "$B/fuzz_identifier"
link "$B/obj/fuzz_keys.o" "${CORE[@]}" -licuuc -o "$B/fuzz_keys"
link "$B/obj/fuzz_phone.o" "$B/obj/phone_shim.o" -lphonenumber -o "$B/fuzz_phone"
# The state codecs print floats with PostgreSQL's shortest-decimal code (src/common/d2s.c), taken
# from the server's libpgcommon.a and libpgport.a (postgresql-server-dev), as the server runs it.
for h in funnel_state:funnel_codec event_signal:signal_codec rank_sample:rank_codec; do
	link "$B/obj/fuzz_${h%%:*}.o" "$B/obj/${h#*:}.o" "$B/obj/codec.o" "$PGLIB/libpgcommon.a" \
		"$PGLIB/libpgport.a" -lm -o "$B/fuzz_${h%%:*}"
done
link "$B/obj/fuzz_sequence.o" "$B/obj/sequence_pattern.o" "$B/obj/codec.o" "$PGLIB/libpgcommon.a" \
	"$PGLIB/libpgport.a" -lm -o "$B/fuzz_sequence"
link "$B/obj/fuzz_funnel_scan.o" "$B/obj/funnel_scan.o" "$B/obj/funnel_scan_once.o" \
	"$B/obj/pg_stubs.o" "$PGLIB/libpgport.a" "$PGLIB/libpgcommon.a" -lm -o "$B/fuzz_funnel_scan"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for h in "${HARNESSES[@]}"; do
	[ -n "${FUZZ_ONLY:-}" ] && [ "$h" != "$FUZZ_ONLY" ] && continue
	seeds=$TOP/test/fuzz/corpus/$h
	work=$B/corpus/$h
	mkdir -p "$work"
	log=$B/$h.log
	rc=0
	"$B/$h" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$B/crash-$h-" "$work" "$seeds" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || true)
	corpus=$(find "$work" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $h: ok, ${runs:-?} runs in ${SECS} s (${rate:-?} exec/s), coverage ${cov:-?} edges, working corpus $corpus inputs"
	else
		failed=1
		echo "fuzz $h: FAILED (exit $rc) after ${runs:-?} runs; log $log"
		tail -40 "$log"
		ls "$B"/crash-"$h"-* 2>/dev/null | sed 's/^/  saved input: /' || true
	fi
done
exit "$failed"
