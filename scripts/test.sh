#!/usr/bin/env bash
# Sets up and runs every test: installs the dependencies, checks the formatting of the C++ files
# (scripts/format.sh --check: unformatted files fail the run at once, before any build), then
# builds and tests four configurations: Release (every test), ASan+UBSan (every test, then a
# one-minute soak: scripts/soak.sh 1), TSan (the concurrency tests) and fuzz (clang 14: each
# libFuzzer target for a bounded time, and its saved regression inputs; the executions per
# target are printed at the end).
#   scripts/test.sh                 all four
#   scripts/test.sh release asan    only these presets
# Environment: HYPAR_JOBS (build jobs, default: all CPUs), CTEST_ARGS (extra ctest arguments).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

scripts/install-deps.sh

echo "=== hypar: format check (clang-format 14) ===" >&2
if ! scripts/format.sh --check; then
  echo "hypar: FAILED: the files above are not formatted; run scripts/format.sh and commit" >&2
  exit 1
fi

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan tsan fuzz)
jobs=${HYPAR_JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Open MPI refuses to run as root unless told; tests start more ranks than this machine has cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

status=0
summary=()
failed=()
soak_out=build/asan/soak/test.sh
soak_failed=0
for preset in "${presets[@]}"; do
  echo "=== hypar: $preset: configure and build ===" >&2
  start=$SECONDS
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== hypar: $preset: test ===" >&2
  # shellcheck disable=SC2086
  if ctest --preset "$preset" -j "$jobs" ${CTEST_ARGS:-}; then
    summary+=("$preset: passed ($((SECONDS - start)) s)")
  else
    summary+=("$preset: FAILED ($((SECONDS - start)) s)")
    failed+=("$preset")
    status=1
  fi
  # After the ASan tests, the soak: the stress tests and the drivers in a loop for a minute under
  # ASan, every item delivered exactly once, results against references, memory steady.
  if [ "$preset" = asan ]; then
    echo "=== hypar: soak: scripts/soak.sh 1 ===" >&2
    start=$SECONDS
    if scripts/soak.sh 1 --out "$soak_out"; then
      summary+=("soak: passed ($((SECONDS - start)) s)")
    else
      summary+=("soak: FAILED ($((SECONDS - start)) s)")
      soak_failed=1
      status=1
    fi
  fi
done
# The failures again at the very end, where a CI log's tail shows them: the names, each failed
# test once more (which tells a flaky failure, passing on the rerun, from a steady one), and then,
# last, what each printed when it failed in the full run (the rerun overwrites ctest's log, so
# those lines are cut out of it first).
first_output() {  # $1: ctest's LastTest.log, $2: a test's name; prints the test's block
  awk -v name="$2" '
    /^[0-9]+\/[0-9]+ Test: / { on = (substr($0, index($0, "Test: ") + 6) == name) }
    on { print }
    on && /^<end of output>$/ { on = 0 }' "$1"
}
for preset in "${failed[@]}"; do
  dir="build/$preset/Testing/Temporary"
  [ -f "$dir/LastTest.log" ] && cp "$dir/LastTest.log" "$dir/FullRun.log"
  [ -f "$dir/LastTestsFailed.log" ] && cp "$dir/LastTestsFailed.log" "$dir/FullRunFailed.log"
  echo "=== hypar: $preset: failed tests ===" >&2
  [ -f "$dir/LastTestsFailed.log" ] && cat "$dir/LastTestsFailed.log" >&2
  echo "=== hypar: $preset: the failed tests rerun ===" >&2
  ctest --preset "$preset" --rerun-failed --output-on-failure 2>&1 | tail -n 40 >&2 || true
done
for preset in "${failed[@]}"; do
  dir="build/$preset/Testing/Temporary"
  [ -f "$dir/FullRun.log" ] && [ -f "$dir/FullRunFailed.log" ] || continue
  while IFS=: read -r _ name; do
    echo "=== hypar: $preset: $name as it failed in the full run (its last lines) ===" >&2
    first_output "$dir/FullRun.log" "$name" | tail -n 60 >&2
  done <"$dir/FullRunFailed.log"
done
if [ $soak_failed -eq 1 ]; then
  echo "=== hypar: soak: its failure (logs in $soak_out) ===" >&2
  cat "$soak_out/summary.txt" >&2 || true
fi
# The fuzzers' executions, one line per target (tests/fuzz/run_fuzzer.sh writes them).
for preset in "${presets[@]}"; do
  if [ "$preset" = fuzz ] && compgen -G "build/fuzz/tests/fuzz/stats/*.txt" >/dev/null; then
    cat build/fuzz/tests/fuzz/stats/*.txt >&2
  fi
done
printf '%s\n' "${summary[@]}" >&2
exit $status
