#!/usr/bin/env bash
# run-fuzz.sh FUZZER TARGET SEED_DIR
#
# Runs one libFuzzer target for a short, fixed time (GP_FUZZ_SECONDS, default 20; 300
# with GIGPILOT_TEST_LONG=1) over a copy of the seed corpus, so the repository's corpus
# is only changed on purpose (RELIABILITY.md). Fails on any crash, leak, timeout or
# sanitizer report; a crash leaves its input in the test's work directory and prints
# the command that replays it.
set -u
fuzzer=$1 target=$2 seeds=$3
seconds=${GP_FUZZ_SECONDS:-20}
[ "${GIGPILOT_TEST_LONG:-0}" = 1 ] && seconds=${GP_FUZZ_LONG_SECONDS:-300}

work=$(mktemp -d "${TMPDIR:-/tmp}/gp-fuzz-$target.XXXXXX")
mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$seeds"/. "$work/corpus/"

export GP_FUZZ_TARGET=$target
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=print_suppressions=0
unset G_DEBUG MALLOC_CHECK_

rc=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  -dict="$(dirname "$seeds")/../$target.dict" \
  "$work/corpus" >"$work/log" 2>&1 || rc=$?

grep -E '^(stat::|#[0-9]+ +DONE)' "$work/log"
if [ $rc != 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$work/log"; then
  tail -n 60 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] && echo "replay: GP_FUZZ_TARGET=$target $fuzzer $a"
  done
  echo "fuzz-$target FAILED (work dir kept: $work)"
  exit 1
fi
echo "fuzz-$target: no crash, no sanitizer report in ${seconds}s"
rm -rf "$work"
exit 0
