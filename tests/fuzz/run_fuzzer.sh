#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a copy of its seed corpus (ctest fuzz.<target>).
#   run_fuzzer.sh FUZZER NAME SEED_DIR BUILD_DIR libFuzzer-flags...
# New inputs go to a temporary copy of the seeds (removed afterwards), never to the repository;
# crashes and mismatches are saved as BUILD_DIR/artifacts/NAME/crash-* (copy one into
# tests/fuzz/regressions/NAME/ once the bug is fixed). Prints one line with the executions,
# also kept in BUILD_DIR/stats/NAME.txt; on a failure, the end of libFuzzer's log.
set -uo pipefail
fuzzer=$1 name=$2 seeds=$3 build=$4
shift 4
work=$(mktemp -d "${TMPDIR:-/tmp}/hypar-fuzz-$name.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build/artifacts/$name" "$build/stats"
if [ -d "$seeds" ]; then
  cp -R "$seeds/." "$work/corpus/"
fi
seed_count=$(find "$work/corpus" -type f | wc -l)
start=$(date +%s%N)
"$fuzzer" -print_final_stats=1 -artifact_prefix="$build/artifacts/$name/" "$@" "$work/corpus" \
  >"$work/log" 2>&1
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
corpus_count=$(find "$work/corpus" -type f | wc -l)
line=$(printf 'fuzz.%s: %s executions in %d.%01d s (%s seeds, %s inputs after), exit %d' \
  "$name" "${runs:-?}" $((ms / 1000)) $((ms % 1000 / 100)) "$seed_count" "$corpus_count" "$status")
echo "$line"
echo "$line" >"$build/stats/$name.txt"
if [ "$status" -ne 0 ]; then
  echo "--- the end of libFuzzer's log ---"
  tail -n 80 "$work/log"
  echo "--- saved inputs in $build/artifacts/$name/:"
  ls -1 "$build/artifacts/$name/"
fi
exit "$status"
