#!/usr/bin/env bash
# Suite run by `make test`: every libFuzzer harness under test/fuzz/ for a few seconds
# (CQ_FUZZ_SECONDS, default 5), with AddressSanitizer and UndefinedBehaviorSanitizer.
# test/harness.sh has installed clang-14 and libclang-rt-14-dev; this installs nothing.
# `make fuzz` runs the same harnesses longer.  Exit 0 when no harness found anything.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash test/fuzz/run.sh "${CQ_FUZZ_SECONDS:-5}"
