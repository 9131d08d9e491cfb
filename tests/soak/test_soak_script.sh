#!/usr/bin/env bash
# Checks scripts/soak.sh itself (ctest: soak.script): its usage and setup errors (exit 2 with a
# message), a failing step and a hanging step on a fake build (exit 1 naming the round, the
# command and the log; every process it started gone afterwards), SIGTERM in the middle of a step
# (exit 143, the same clean-up), and --self-test (the memory check catches a leak, passes a
# steady process and measures a known peak).
#   tests/soak/test_soak_script.sh [scripts/soak.sh]
set -uo pipefail
soak=${1:-$(cd "$(dirname "$0")/../.." && pwd)/scripts/soak.sh}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hypar-soak-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check CONDITION-STATUS WHAT
  if [ "$1" -eq 0 ]; then
    echo "ok   $2"
  else
    echo "FAIL $2"
    failures=$((failures + 1))
  fi
}
# expect STATUS PATTERN ARGS...: runs the soak, checks its exit status and that stderr matches.
expect() {
  local status=$1 pattern=$2
  shift 2
  "$soak" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc -eq "$status" ] && grep -q -E -- "$pattern" "$tmp/err"
  local ok=$?
  check $ok "soak.sh $* -> exit $status, /$pattern/"
  [ $ok -eq 0 ] || sed 's/^/    | /' "$tmp/err" | head -n 20
}

# ---- usage and setup errors
expect 2 "MINUTES is missing"
expect 2 "positive number of minutes.*'abc'" abc
expect 2 "positive number of minutes.*'1e3'" 1e3
expect 2 "positive number of minutes.*'-1'" -1
expect 2 "at least one second" 0
expect 2 "at most a week" 20000
expect 2 "unknown option '--bogus'" 1 --bogus
expect 2 "--out needs a folder" 1 --out
expect 2 "one MINUTES only" 1 2
expect 2 "--inject-leak wants KiB per second" 1 --inject-leak=0
expect 2 "--self-test takes no MINUTES" --self-test 1
expect 2 "no build folder" 1 --build "$tmp/nowhere"
mkdir -p "$tmp/release"
echo "HYPAR_SANITIZE:STRING=" >"$tmp/release/CMakeCache.txt"
expect 2 "is not an ASan build" 1 --build "$tmp/release"
"$soak" --help >"$tmp/help" 2>&1
check $? "soak.sh --help exits 0"
grep -q "scripts/soak.sh MINUTES" "$tmp/help"
check $? "--help shows the usage"

# ---- a fake ASan build whose programs are stubs: STUB_MODE says what the foreground
# test_channel does (fail with an ASan report, hang, or pass); every stub records its pid.
fake=$tmp/fake
mkdir -p "$fake/pids" "$fake/tests/unit/chan" "$fake/tests/unit/flow" "$fake/tests/unit/sync" \
  "$fake/drivers/hypar-stats" "$fake/drivers/hypar-sort" "$fake/drivers/hypar-heat"
echo "HYPAR_SANITIZE:STRING=address,undefined" >"$fake/CMakeCache.txt"
cat >"$fake/stub" <<EOF
#!/usr/bin/env bash
echo \$\$ >"$fake/pids/\$\$"
case " \$* " in
  *" --gtest_repeat=-1 "*) exec sleep 1000 ;;  # a long-runner
esac
case "\${0##*/}:\$(cat "$fake/mode")" in
  test_channel:fail)
    echo "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1234"
    exit 1
    ;;
  test_channel:hang) exec sleep 1000 ;;
esac
echo "exactly once: 10 items"
echo "[  PASSED  ] 1 test."
EOF
chmod +x "$fake/stub"
for f in tests/unit/chan/test_channel tests/unit/chan/test_array_queue tests/unit/flow/test_pipeline \
  tests/unit/sync/test_sharded_map tests/unit/sync/test_shared_spin_lock \
  tests/unit/sync/test_thread_local drivers/hypar-stats/hypar-stats drivers/hypar-sort/hypar-sort \
  drivers/hypar-heat/hypar-heat; do
  ln -s "$fake/stub" "$fake/$f"
done
# Every stub process has ended (a zombie has: an orphan waits for init to reap it), and the
# soak's helper binary is gone.
all_gone() {
  local f pid
  for f in "$fake/pids"/*; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"; then
      echo "    | process $pid is still running"
      return 1
    fi
  done
  [ ! -e "$1/work/bin" ]
}

echo fail >"$fake/mode"
expect 1 "FAILED in round 1 .*stress-channel: sanitizer report: .*heap-use-after-free" 0.1 --build "$fake" --out "$tmp/o1"
grep -q -E "command: .*test_channel --gtest_filter=\*ChannelStress\*" "$tmp/err"
check $? "the failure names the command"
grep -q -F "log: $tmp/o1/logs/round-1/stress-channel.log" "$tmp/err" &&
  grep -q heap-use-after-free "$tmp/o1/logs/round-1/stress-channel.log"
check $? "the failure names the log, which holds the report"
[ "$(ls "$fake/pids" | wc -l)" -ge 4 ]
check $? "three long-runners and the failing step were started"
all_gone "$tmp/o1"
check $? "after the failure no process of the soak is left"
grep -q "FAILED in round 1" "$tmp/o1/summary.txt"
check $? "summary.txt records the failure"

rm -f "$fake/pids"/*
echo hang >"$fake/mode"
HYPAR_SOAK_STEP_TIMEOUT=2 expect 1 "FAILED in round 1 .*stress-channel did not finish within 2 s \(hung" 0.1 --build "$fake" --out "$tmp/o2"
all_gone "$tmp/o2"
check $? "after the hang no process of the soak is left"

rm -f "$fake/pids"/*
expect 2 "is not empty and not a soak's output folder" 0.1 --build "$fake" --out "$fake"
"$soak" 0.1 --build "$fake" --out "$tmp/o2" >/dev/null 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do
  [ -n "$(ls "$fake/pids")" ] && [ -e "$tmp/o2/logs/round-1/stress-channel.log" ] && break
  sleep 0.1
done
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] && grep -q "interrupted (SIGTERM) in round 1" "$tmp/err"
check $? "SIGTERM in the middle of a step: exit 143 ($rc), reported"
all_gone "$tmp/o2" && [ ! -e "$tmp/o2/work" ]
check $? "after SIGTERM no process of the soak is left, nor its work folder"

# ---- the memory check itself
expect 0 "self-test: passed" --self-test
grep -q "the leak is caught" "$tmp/err" && grep -q "the steady process passes" "$tmp/err"
check $? "--self-test: the leak caught, the steady process passed"

echo "$failures failed"
[ $failures -eq 0 ]
