#!/usr/bin/env bash
# Sets up and runs every test: installs the dependencies, checks the formatting of the C++ files
# (scripts/format.sh --check: unformatted files fail the run at once, before any build), then
# builds and tests four configurations: Release (every test), ASan+UBSan (every test), TSan (the
# concurrency tests) and fuzz (clang 14: each libFuzzer target for a bounded time, and its saved
# regression inputs; the executions per target are printed at the end).
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
done
# The failures again at the very end, where a CI log's tail shows them: the names, then each
# failed test run once more with its output (the last lines), which also tells a flaky failure
# (passes on the rerun) from a steady one.
for preset in "${failed[@]}"; do
  list="build/$preset/Testing/Temporary/LastTestsFailed.log"
  echo "=== hypar: $preset: failed tests ===" >&2
  [ -f "$list" ] && cat "$list" >&2
  echo "=== hypar: $preset: the failed tests rerun, with their output ===" >&2
  ctest --preset "$preset" --rerun-failed --output-on-failure 2>&1 | tail -n 120 >&2 || true
done
# The fuzzers' executions, one line per target (tests/fuzz/run_fuzzer.sh writes them).
for preset in "${presets[@]}"; do
  if [ "$preset" = fuzz ] && compgen -G "build/fuzz/tests/fuzz/stats/*.txt" >/dev/null; then
    cat build/fuzz/tests/fuzz/stats/*.txt >&2
  fi
done
printf '%s\n' "${summary[@]}" >&2
exit $status
