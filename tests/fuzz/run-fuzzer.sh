#!/usr/bin/env bash
# Runs one libFuzzer target for a while, for `meson test --suite fuzz` (see tests/fuzz/README.md).
#
# Usage: run-fuzzer.sh FUZZER SECONDS SEED-DIR CRASHERS-DIR WORK-DIR [libFuzzer flags…]
#
# The seed corpus is copied into WORK-DIR/corpus, which libFuzzer grows (it writes new inputs only
# into its first corpus directory): the source tree is never written. The crashers directory is
# passed as a second, read-only corpus, so every saved crasher runs first and fails the test again
# if its bug comes back. A crash, a leak, a timeout or an out-of-memory input lands in
# WORK-DIR/artifacts/ and makes this script fail (libFuzzer's default exit status, 77, would read as
# "skipped" to meson: -error_exitcode=1).
set -euo pipefail

if [ $# -lt 5 ]; then
  echo "usage: $0 FUZZER SECONDS SEED-DIR CRASHERS-DIR WORK-DIR [libFuzzer flags…]" >&2
  exit 2
fi
fuzzer=$1 seconds=$2 seeds=$3 crashers=$4 work=$5
shift 5

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp -R "$seeds/." "$work/corpus/"

corpora=("$work/corpus")
if [ -d "$crashers" ]; then
  corpora+=("$crashers")
fi

# A fixed seed (CNV_FUZZ_SEED overrides it) makes the short runs of the test suite explore the
# same inputs on every machine, so a CI run fails for a change, not for a lucky draw; fuzzing
# without a time limit (README.md) draws a new seed each time.
exec "$fuzzer" \
  -seed="${CNV_FUZZ_SEED:-1}" \
  -max_total_time="$seconds" \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -print_final_stats=1 \
  -error_exitcode=1 \
  -timeout_exitcode=1 \
  -artifact_prefix="$work/artifacts/" \
  "$@" \
  "${corpora[@]}"
