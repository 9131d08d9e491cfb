#!/usr/bin/env bash
# Soak: runs hypar's concurrency stress tests and its three drivers in a loop for MINUTES under
# AddressSanitizer + UndefinedBehaviorSanitizer, checking that every item is delivered exactly
# once, that every result equals an independent reference, and that memory stays steady.
#
#   scripts/soak.sh MINUTES [--build DIR] [--out DIR] [--inject-leak[=KIB_PER_S]]
#   scripts/soak.sh --self-test      prove the memory check: a leaking process must fail it
#   scripts/soak.sh --help
#
# MINUTES may be fractional (0.5). The first round always runs to its end; later rounds stop at
# the deadline, so a soak takes MINUTES (or one round, about 15 s, if that is longer) plus a few
# seconds; a step still running at the deadline has 20 s more before it counts as hung.
#
# For the whole soak, three long-runners repeat the stress tests of one binary each
# (test_channel, test_array_queue, test_pipeline with --gtest_repeat=-1, at nice 10) and their
# VmRSS is sampled every 0.5 s. Each round then runs, in the foreground:
#   stress  the channel, array queue and pipeline stress tests (shuffled, seeded by the round),
#           whose checks count every item (stress_support.hpp: each passed check prints
#           `exactly once: N items`, summed here), and the sync tests' concurrent cases;
#   stats   hypar-stats on a fresh random corpus (raw bytes, text, long lines, empty files;
#           chunks of 64K) at 2 ranks (walking the folder) and alone (--files-from), each
#           compared file by file with `LC_ALL=C wc -lwcL`;
#   sort    hypar-sort gen (binary records in odd rounds, -a in even ones, -b from the round)
#           at 2 ranks; sort out of core at 2 ranks (--memory 1M) and in memory alone, which
#           must be byte-identical (and, for -a records, equal to `sort -s` on the key); check
#           at 2 ranks: SUCCESS, the record count and gen's checksum, the --tmp folder empty;
#   heat    hypar-heat with a sine start (the modes vary by round) at 2 ranks, with a
#           checkpoint: its max error against the exact solution below 1e-10, the same field
#           bit for bit (h5diff) when run alone on 2 threads and when restarted alone from the
#           checkpoint.
# Any failure stops the soak with exit 1 and names the round, the command and its log: a
# non-zero exit, a sanitizer report, a wrong result, a step that hangs (no end within 120 s,
# HYPAR_SOAK_STEP_TIMEOUT), a long-runner that ends, or memory that grows.
#
# Memory. Growth means: after a warm-up (the first 20 s or 20% of the samples, whichever is
# longer), the median of the last third of a long-runner's samples exceeds the median of the
# first third by more than 20% and by more than 16 MiB (HYPAR_SOAK_GROWTH_PCT,
# HYPAR_SOAK_GROWTH_MIB). It is checked after every round (once at least 12 samples and 6 s
# follow the warm-up) and at the end. ASan keeps freed memory in a quarantine (256 MiB by
# default), which would look like a leak for minutes: the soak caps it (quarantine_size_mb=16,
# thread_local_quarantine_size_kb=256) and has the allocator return free pages every 0.5 s, so
# the plateau comes within the warm-up. Each driver run's peak RSS per rank (getrusage of a small
# wrapper, scripts/soak/helper.c, compiled with cc at the start) goes to driver-peaks.csv; the
# largest rank's is judged the same way over the rounds once there are 8 of them. Drivers run as the MPI tests do,
# without LeakSanitizer (it crashes at the exit of Open MPI processes, cmake/HyparTesting.cmake);
# the stress tests that exit in the foreground are checked for leaks at their exit.
# --inject-leak adds a fourth long-runner that holds on to KIB_PER_S more (4096 by default) every
# second: a soak of half a minute or more must then fail with "memory grows" (a shorter one has
# too few samples after the warm-up to judge). --self-test runs only the detector, for about
# 15 s, on such a leak (it must be caught), on a busy steady process (it must pass) and on a
# known peak (48 MiB); ctest runs it, with the script's other checks, as soak.script.
#
# Output (stderr): a line per round (`soak: round 3 (1m12s of 5m) ...`) and a summary: rounds,
# the items delivered exactly once, the drivers' checked results and the memory curve (per
# process: RSS after the warm-up, at the end, peak). Files in --out DIR (default: a new folder
# under DIR/soak of the build folder): summary.txt, memory.csv (time_s,process,rss_kib),
# driver-peaks.csv (round,time_s,process,peak_kib), memory.png (when gnuplot is installed) and
# logs/ (the long-runners' logs and the last two rounds' step logs). On a failure the inputs
# of the failed round are kept in DIR/work. --build DIR: an ASan build of hypar (default
# build/asan of this checkout; `cmake --preset asan && cmake --build --preset asan`).
# Exit status: 0 passed, 1 failed, 2 usage or setup error, 130/143 interrupted (SIGINT/SIGTERM;
# every child process and temporary file is removed first).
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ulimit -c 0  # a long-runner's --gtest_break_on_failure traps; no core files

usage_line="usage: scripts/soak.sh MINUTES [--build DIR] [--out DIR] [--inject-leak[=KIB_PER_S]] | --self-test | --help"
usage_error() {
  echo "soak: $*" >&2
  echo "$usage_line" >&2
  exit 2
}
setup_error() {
  echo "soak: $*" >&2
  [ -n "${out:-}" ] && [ -f "$out/summary.txt" ] && echo "soak: $*" >>"$out/summary.txt"
  exit 2
}
show_help() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

# ---------------------------------------------------------------- arguments

minutes=
build=
out=
leak_kib=0
self_test=0
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help)
      show_help
      exit 0
      ;;
    --self-test) self_test=1 ;;
    --build | --out)
      [ $# -ge 2 ] && [ -n "$2" ] || usage_error "$1 needs a folder"
      if [ "$1" = --build ]; then build=$2; else out=$2; fi
      shift
      ;;
    --build=* | --out=*)
      value=${1#*=}
      [ -n "$value" ] || usage_error "${1%%=*} needs a folder"
      if [ "${1%%=*}" = --build ]; then build=$value; else out=$value; fi
      ;;
    --inject-leak) leak_kib=4096 ;;
    --inject-leak=*)
      leak_kib=${1#*=}
      [[ $leak_kib =~ ^[1-9][0-9]{0,6}$ ]] && [ "$leak_kib" -le 1048576 ] ||
        usage_error "--inject-leak wants KiB per second (1 to 1048576), got '$leak_kib'"
      ;;
    -[0-9]* | -.[0-9]*) usage_error "MINUTES must be a positive number of minutes, got '$1'" ;;
    -*) usage_error "unknown option '$1'" ;;
    *)
      [ -z "$minutes" ] || usage_error "one MINUTES only (got '$minutes' and '$1')"
      minutes=$1
      ;;
  esac
  shift
done

if [ $self_test -eq 1 ]; then
  [ -z "$minutes" ] && [ $leak_kib -eq 0 ] || usage_error "--self-test takes no MINUTES nor --inject-leak"
else
  [ -n "$minutes" ] || usage_error "MINUTES is missing"
  # A decimal number of minutes (1, 0.5, .25, 2.), at most a week; kept as milliseconds.
  if [[ $minutes =~ [0-9] && $minutes =~ ^([0-9]{0,5})(\.([0-9]{0,6}))?$ ]]; then
    whole=${BASH_REMATCH[1]:-0}
    frac=${BASH_REMATCH[3]:-}
    frac_ms=0
    [ -n "$frac" ] && frac_ms=$((10#$frac * 60000 / 10 ** ${#frac}))
    budget_ms=$((10#$whole * 60000 + frac_ms))
  else
    usage_error "MINUTES must be a positive number of minutes such as 1 or 0.5, got '$minutes'"
  fi
  [ "$budget_ms" -ge 1000 ] || usage_error "MINUTES must be at least one second (0.017), got '$minutes'"
  [ "$budget_ms" -le $((7 * 24 * 60 * 60000)) ] || usage_error "MINUTES must be at most a week (10080), got '$minutes'"
fi

# ---------------------------------------------------------------- settings

step_timeout=${HYPAR_SOAK_STEP_TIMEOUT:-120}  # a step that runs longer hangs
growth_pct=${HYPAR_SOAK_GROWTH_PCT:-20}
growth_mib=${HYPAR_SOAK_GROWTH_MIB:-16}
for v in step_timeout growth_pct growth_mib; do
  [[ ${!v} =~ ^[1-9][0-9]{0,5}$ ]] || setup_error "$v (HYPAR_SOAK_${v^^}) must be a positive integer, got '${!v}'"
done
grace_ms=20000      # a step running at the deadline may take this much longer
sample_s=0.5        # VmRSS sampling period of the long-runners
warmup_ms=20000     # at least this much of the start of a curve is warm-up ...
warmup_pct=20       # ... and at least this share of it
min_judged=12       # samples after the warm-up before a curve is judged
min_judged_ms=6000  # ... spanning at least this long
long_nice=10

# ASan: a small quarantine and prompt release of free pages, so that the resident set reaches
# its plateau quickly (see the header). The tests keep their compiled-in defaults otherwise
# (tests/support/sanitizer_defaults.cpp); the drivers get the MPI tests' settings.
asan_common="abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
asan_common+=":quarantine_size_mb=16:thread_local_quarantine_size_kb=256"
asan_common+=":allocator_release_to_os_interval_ms=500"
asan_tests="$asan_common:detect_leaks=1"
asan_drivers="$asan_common:detect_leaks=0:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$here/tests/support/sanitizers/lsan.supp:print_suppressions=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export PMIX_MCA_gds=hash OMPI_MCA_mca_base_component_disable_dlclose=1
export OMP_WAIT_POLICY=passive
export HYPAR_TIMEOUT=60  # a driver whose MPI wait lasts this long reports which rank hangs

# ---------------------------------------------------------------- small helpers

# NOW_MS: the wall clock in milliseconds (no fork).
now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  NOW_MS=$((10#$t / 1000))
}
# REPLY: seconds as 45s, 1m12s, 5m, 2h05m.
fmt_dur() {
  local s=$1
  if [ "$s" -lt 60 ]; then
    REPLY="${s}s"
  elif [ "$s" -lt 3600 ]; then
    if [ $((s % 60)) -eq 0 ]; then REPLY="$((s / 60))m"; else printf -v REPLY '%dm%02ds' $((s / 60)) $((s % 60)); fi
  else
    printf -v REPLY '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
  fi
}
# REPLY: an integer with thousands separators.
fmt_int() {
  local n=$1 tail=
  while [ ${#n} -gt 3 ]; do
    tail=",${n: -3}$tail"
    n=${n:0:${#n}-3}
  done
  REPLY=$n$tail
}
# REPLY: KiB as MiB with one decimal.
fmt_mib() {
  local k=$1
  REPLY="$((k / 1024)).$(((k % 1024) * 10 / 1024)) MiB"
}
elapsed_s() {
  now_ms
  REPLY=$(((NOW_MS - start_ms) / 1000))
}
say() { echo "soak: $*" >&2; }

# ---------------------------------------------------------------- state and cleanup

start_ms=0
deadline_ms=0
round=0
phase=setup
passed=0
current_pid=
sampler_pid=
long_names=()
long_pids=()   # the sampled processes
long_groups=() # their process groups (timeout's pid): what is stopped
long_logs=()
long_cmds=()
work=
interrupted=

# Whether process PID exists and has not ended (a zombie has ended).
running() {
  local key value _
  while read -r key value _; do
    [ "$key" = State: ] && { [ "$value" != Z ]; return; }
  done 2>/dev/null <"/proc/$1/status"
  return 1
}
# stop_group PID: SIGTERM to the process group that PID (a child of this script) leads, SIGKILL
# to what is left of it after 3 s, and PID reaped.
stop_group() {
  local g=$1 i
  kill -TERM -- "-$g" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    running "$g" || break
    sleep 0.1
  done
  kill -KILL -- "-$g" 2>/dev/null
  wait "$g" 2>/dev/null
}
stop_long_runners() {
  local g
  for g in "${long_groups[@]}"; do
    stop_group "$g"
  done
  long_groups=()
}
stop_sampler() {
  if [ -n "$sampler_pid" ]; then
    kill -TERM "$sampler_pid" 2>/dev/null
    wait "$sampler_pid" 2>/dev/null
    sampler_pid=
  fi
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$current_pid" ] && stop_group "$current_pid"  # the step (timeout's process group)
  stop_sampler
  stop_long_runners
  if [ -n "$interrupted" ]; then
    elapsed_s
    local where="round $round"
    [ "$phase" = round ] || where=$phase
    say "interrupted ($interrupted) in $where after ${REPLY}s; logs in $out"
  fi
  # A round that failed keeps its inputs (the corpus, the records, the fields) to reproduce it.
  if [ -n "$work" ] && [ -d "$work" ]; then
    if [ "$phase" = round ] && [ $passed -eq 0 ] && [ -z "$interrupted" ]; then
      rm -rf "$work/bin" "$work/tick" "$work/curve"
      say "the inputs of round $round are kept in $work"
    else
      rm -rf "$work"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'interrupted=SIGINT; exit 130' INT
trap 'interrupted=SIGTERM; exit 143' TERM

# fail WHAT [LOG [COMMAND]]: stops the soak with exit 1, naming the round, command and log.
fail() {
  local what=$1 log=${2:-} cmd=${3:-}
  elapsed_s
  local where="round $round"
  [ "$phase" = round ] || where=$phase
  {
    echo "soak: FAILED in $where (${REPLY}s into the soak): $what"
    [ -n "$cmd" ] && echo "soak:   command: $cmd"
    if [ -n "$log" ]; then
      echo "soak:   log: $log"
      if [ -s "$log" ]; then
        echo "soak:   its last lines:"
        tail -n 25 "$log" | sed 's/^/    | /'
      fi
    fi
  } | tee -a "$out/summary.txt" >&2
  exit 1
}

# The first sanitizer report line of a log, if any.
sanitizer_line() {
  grep -a -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)' "$1"
}

# ---------------------------------------------------------------- steps

# run_step NAME CMD...: runs CMD (stdin /dev/null) with its output in the round's NAME.log (its
# stdout in NAME.out as well when STEP_STDOUT=1), at most step_timeout seconds, and from round 2
# on not past the deadline + grace; STEP_RC, STEP_LOG, STEP_OUT and STEP_CMD describe it. A step
# that is cut is a failure (a hang), and so is a sanitizer report in its output.
STEP_STDOUT=0
run_step() {
  local name=$1
  shift
  STEP_LOG="$round_logs/$name.log"
  STEP_OUT="$round_logs/$name.out"
  STEP_CMD="$*"
  local limit=$step_timeout
  if [ "$round" -gt 1 ]; then
    now_ms
    local left=$(((deadline_ms + grace_ms - NOW_MS) / 1000))
    [ "$left" -lt "$limit" ] && limit=$left
    [ "$limit" -lt 1 ] && limit=1
  fi
  printf '$ %s\n' "$STEP_CMD" >"$STEP_LOG"
  now_ms
  local step_start=$NOW_MS
  # timeout runs the step in a process group of its own and, when the limit passes or it is
  # sent SIGTERM, signals the whole group (mpirun, its ranks, the wrappers).
  if [ "$STEP_STDOUT" -eq 1 ]; then
    timeout -k 5 "$limit" "$@" </dev/null >"$STEP_OUT" 2>>"$STEP_LOG" &
  else
    timeout -k 5 "$limit" "$@" </dev/null >>"$STEP_LOG" 2>&1 &
  fi
  current_pid=$!
  wait "$current_pid"
  STEP_RC=$?
  current_pid=
  now_ms
  if [ "$STEP_STDOUT" -eq 1 ]; then
    echo "--- stdout:" >>"$STEP_LOG"
    cat "$STEP_OUT" >>"$STEP_LOG"
  fi
  printf -- '--- exit %d after %d ms\n' "$STEP_RC" $((NOW_MS - step_start)) >>"$STEP_LOG"
  STEP_STDOUT=0
  if [ $STEP_RC -eq 124 ] || [ $STEP_RC -eq 137 ]; then
    fail "$name did not finish within $limit s (hung?; exit $STEP_RC)" "$STEP_LOG" "$STEP_CMD"
  fi
  local report
  if report=$(sanitizer_line "$STEP_LOG"); then
    fail "$name: sanitizer report: $report" "$STEP_LOG" "$STEP_CMD"
  fi
}
# Fails unless the last step exited 0.
need_ok() {
  [ "$STEP_RC" -eq 0 ] || fail "$1: exit $STEP_RC" "$STEP_LOG" "$STEP_CMD"
}
# record_peaks PROCESS PREFIX: the peak RSS files of a wrapped run into driver-peaks.csv.
record_peaks() {
  local process=$1 prefix=$2 f kib
  elapsed_s
  for f in "$prefix".r*; do
    [ -f "$f" ] || continue
    read -r kib <"$f"
    echo "$round,$REPLY,$process.${f##*.},$kib" >>"$out/driver-peaks.csv"
    rm -f "$f"
  done
}

# ---------------------------------------------------------------- long-runners and sampling

# start_long_runner NAME CMD...: runs CMD in the background for the whole soak (bounded by the
# budget plus 5 minutes even if this script is killed), with its output in logs/long-NAME.log.
start_long_runner() {
  local name=$1
  shift
  local log="$out/logs/long-$name.log" cap=$(((budget_ms + 300000) / 1000))
  printf '$ %s\n' "$*" >"$log"
  (cd "$work" && exec timeout -k 5 "$cap" nice -n "$long_nice" "$@" </dev/null >>"$log" 2>&1) &
  local group=$! pid= i
  for ((i = 0; i < 50; i++)); do # the sampled process is timeout's child
    pid=$(pgrep -P "$group" | head -n 1)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || fail "long-runner $name did not start" "$log" "$*"
  long_names+=("$name")
  long_pids+=("$pid")
  long_groups+=("$group")
  long_logs+=("$log")
  long_cmds+=("$*")
}
# Fails when a long-runner has ended (none of them ends by itself before the deadline).
check_long_runners() {
  local i
  for i in "${!long_pids[@]}"; do
    if ! running "${long_pids[i]}"; then
      wait "${long_groups[i]}" 2>/dev/null
      local rc=$? report
      report=$(sanitizer_line "${long_logs[i]}" || grep -a -m1 -F '[  FAILED  ]' "${long_logs[i]}" || echo "no report")
      fail "long-runner ${long_names[i]} ended (exit $rc): $report" "${long_logs[i]}" "${long_cmds[i]}"
    fi
  done
}
# The sampler: every sample_s, the VmRSS of each long-runner as time_s,process,rss_kib. It
# sleeps on a FIFO read with a timeout (no fork per sample) and ends with this script.
sampler() {
  trap - EXIT INT TERM
  local parent=$1 i t rss key value _ tick
  exec {tick}<>"$work/tick"
  while kill -0 "$parent" 2>/dev/null; do
    now_ms
    t=$((NOW_MS - start_ms))
    for i in "${!long_pids[@]}"; do
      rss=
      while read -r key value _; do
        if [ "$key" = VmRSS: ]; then
          rss=$value
          break
        fi
      done 2>/dev/null <"/proc/${long_pids[i]}/status"
      [ -n "$rss" ] && printf '%d.%03d,%s,%s\n' $((t / 1000)) $((t % 1000)) "${long_names[i]}" "$rss"
    done >>"$out/memory.csv"
    read -r -t "$sample_s" -u "$tick" _
  done
}
start_sampler() {
  mkfifo "$work/tick"
  echo "time_s,process,rss_kib" >"$out/memory.csv"
  sampler $$ &
  sampler_pid=$!
}

# judge FILE KIND: the verdict on a curve ("x value" lines, x ascending: seconds or rounds), as
# REPLY="verdict start end peak n" (KiB; verdict steady, GROWING or short). start and end are the
# medians of the first and last thirds of the points after the warm-up (x below
# first + max(warm-up, warmup_pct of the span) for KIND=time; the first warmup_pct of the rounds,
# at least one, for KIND=rounds).
judge() {
  local file=$1 kind=$2 min_n=$min_judged min_span=$((min_judged_ms / 1000))
  if [ "$kind" = rounds ]; then
    min_n=6
    min_span=5
  fi
  local bounds
  bounds=$(awk -v kind="$kind" -v wms="$warmup_ms" -v wpct="$warmup_pct" '
    NR == 1 { x0 = $1 }
    { x1 = $1; if ($2 > peak) peak = $2 }
    END {
      if (NR == 0) { print "none"; exit }
      span = x1 - x0
      warm = span * wpct / 100
      if (kind == "time" && warm < wms / 1000) warm = wms / 1000
      if (kind == "rounds" && warm < 1) warm = 1
      cut = x0 + warm
      printf "%.3f %.3f %.3f %.3f %d\n", cut, cut + (x1 - cut) / 3, cut + 2 * (x1 - cut) / 3, x1 - cut, peak
    }' "$file")
  if [ "$bounds" = none ]; then
    REPLY="short 0 0 0 0"
    return
  fi
  local cut a b span peak
  read -r cut a b span peak <<<"$bounds"
  local medians
  medians=$(awk -v cut="$cut" -v a="$a" -v b="$b" '
      $1 > cut { n++; if ($1 <= a) print 1, $2; else if ($1 > b) print 3, $2 }
      END { print 0, n + 0 }' "$file" | sort -k1,1n -k2,2n | awk '
      $1 == 0 { n = $2; next }
      { v[$1, ++c[$1]] = $2 }
      END {
        m1 = c[1] ? v[1, int((c[1] + 1) / 2)] : 0
        m3 = c[3] ? v[3, int((c[3] + 1) / 2)] : 0
        print n + 0, m1, m3
      }')
  local n m1 m3
  read -r n m1 m3 <<<"$medians"
  local verdict=steady
  if [ "$n" -lt "$min_n" ] || [ "${span%.*}" -lt "$min_span" ]; then
    verdict=short
  else
    local limit=$((m1 * growth_pct / 100)) floor=$((growth_mib * 1024))
    [ "$limit" -lt "$floor" ] && limit=$floor
    [ $((m3 - m1)) -gt "$limit" ] && verdict=GROWING
  fi
  REPLY="$verdict $m1 $m3 $peak $n"
}
# judge_long NAME: judges a long-runner's curve so far (JUDGED: its REPLY).
judge_long() {
  awk -F, -v p="$1" '$2 == p { print $1, $3 }' "$out/memory.csv" >"$work/curve"
  judge "$work/curve" time
  JUDGED=$REPLY
}
# REPLY: "61.2 MiB -> 62.0 MiB (+1.3%)".
describe_change() {
  local m1=$1 m3=$2 pct=0 sign=+ d
  d=$((m3 - m1))
  [ "$m1" -gt 0 ] && pct=$((d * 1000 / m1))
  [ $pct -lt 0 ] && sign=- && pct=$((-pct))
  fmt_mib "$m1"
  local s=$REPLY
  fmt_mib "$m3"
  REPLY="$s -> $REPLY ($sign$((pct / 10)).$((pct % 10))%)"
}
# Fails when a long-runner's memory grows.
check_growth() {
  local i
  for i in "${!long_names[@]}"; do
    judge_long "${long_names[i]}"
    local verdict m1 m3 peak n
    read -r verdict m1 m3 peak n <<<"$JUDGED"
    if [ "$verdict" = GROWING ]; then
      describe_change "$m1" "$m3"
      fail "memory grows: ${long_names[i]} $REPLY over $n samples after the warm-up (limit +$growth_pct% and +$growth_mib MiB); the samples are in $out/memory.csv" "${long_logs[i]}" "${long_cmds[i]}"
    fi
  done
}

# ---------------------------------------------------------------- setup

prepare_out() {
  if [ -z "$out" ]; then
    mkdir -p "$1" || setup_error "cannot create $1"
    out=$(mktemp -d "$1/$(date +%Y%m%d-%H%M%S)-XXXX") || setup_error "cannot create a folder in $1"
  else
    if [ -e "$out" ] && [ ! -d "$out" ]; then
      setup_error "--out $out is not a folder"
    fi
    if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
      [ -f "$out/.hypar-soak" ] || setup_error "--out $out is not empty and not a soak's output folder; give a new or empty one"
      rm -rf "${out:?}"
    fi
    mkdir -p "$out" || setup_error "cannot create $out"
  fi
  out=$(cd "$out" && pwd)
  touch "$out/.hypar-soak"
  mkdir -p "$out/logs"
  work="$out/work"
  mkdir -p "$work/bin"
  : >"$out/summary.txt"
}
build_helper() {
  command -v cc >/dev/null || setup_error "needs a C compiler (cc) for scripts/soak/helper.c; scripts/install-deps.sh installs build-essential"
  helper="$work/bin/soak-helper"
  cc -O2 -std=c11 -Wall -Wextra -o "$helper" "$here/scripts/soak/helper.c" >"$work/cc.log" 2>&1 ||
    setup_error "cannot compile scripts/soak/helper.c: $(cat "$work/cc.log")"
}

# ---------------------------------------------------------------- the self-test

if [ $self_test -eq 1 ]; then
  phase=self-test
  prepare_out "${TMPDIR:-/tmp}/hypar-soak-self-test"
  build_helper
  budget_ms=60000
  warmup_ms=2000
  sample_s=0.25
  now_ms
  start_ms=$NOW_MS
  say "self-test: a leak of 4 MiB/s and a steady 32 MiB process, sampled every ${sample_s}s for 14 s; output in $out"
  start_long_runner leak "$helper" leak 4096
  start_long_runner steady "$helper" steady 32
  start_sampler
  round_logs="$out/logs"
  round=1
  run_step touch "$helper" peak "$work/touch" "$helper" touch 48
  need_ok "the peak wrapper"
  read -r touch_kib <"$work/touch.r0"
  sleep 14
  check_long_runners
  stop_sampler
  stop_long_runners
  ok=1
  judge_long leak
  read -r v1 a1 b1 _ n1 <<<"$JUDGED"
  describe_change "$a1" "$b1"
  leak_change=$REPLY
  judge_long steady
  read -r v2 a2 b2 _ n2 <<<"$JUDGED"
  describe_change "$a2" "$b2"
  steady_change=$REPLY
  if [ "$v1" = GROWING ]; then
    say "self-test: the leak is caught: $leak_change over $n1 samples: GROWING"
  else
    say "self-test: FAILED: the leak is not caught: $leak_change over $n1 samples: $v1"
    ok=0
  fi
  if [ "$v2" = steady ]; then
    say "self-test: the steady process passes: $steady_change over $n2 samples: steady"
  else
    say "self-test: FAILED: the steady process is judged $v2: $steady_change over $n2 samples"
    ok=0
  fi
  fmt_mib "$touch_kib"
  if [ "$touch_kib" -ge $((48 * 1024)) ] && [ "$touch_kib" -lt $((64 * 1024)) ]; then
    say "self-test: the peak wrapper measures 48 MiB written as $REPLY"
  else
    say "self-test: FAILED: the peak wrapper measures 48 MiB written as $REPLY"
    ok=0
  fi
  if [ $ok -eq 1 ]; then
    passed=1
    rm -rf "$out"
    rmdir "${out%/*}" 2>/dev/null
    say "self-test: passed"
    exit 0
  fi
  say "self-test: the samples are in $out/memory.csv"
  exit 1
fi

# ---------------------------------------------------------------- the soak: setup

[ -n "$build" ] || build="$here/build/asan"
[ -d "$build" ] || setup_error "no build folder $build: build the asan preset first (cmake --preset asan && cmake --build --preset asan)"
build=$(cd "$build" && pwd)
sanitize=$(sed -n 's/^HYPAR_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
[[ $sanitize == *address* ]] || setup_error "$build is not an ASan build (HYPAR_SANITIZE='$sanitize' in its CMakeCache.txt); use the asan preset"
declare -A stress_bin=([channel]=$build/tests/unit/chan/test_channel
  [array_queue]=$build/tests/unit/chan/test_array_queue
  [pipeline]=$build/tests/unit/flow/test_pipeline)
declare -A stress_filter=([channel]='*ChannelStress*' [array_queue]='*ArrayQueueStress*'
  [pipeline]='*PipelineStress*')
stress_kinds=(channel array_queue pipeline)
sync_tests=("$build/tests/unit/sync/test_sharded_map" "$build/tests/unit/sync/test_shared_spin_lock"
  "$build/tests/unit/sync/test_thread_local")
stats=$build/drivers/hypar-stats/hypar-stats
sorter=$build/drivers/hypar-sort/hypar-sort
heat=$build/drivers/hypar-heat/hypar-heat
for f in "${stress_bin[@]}" "${sync_tests[@]}" "$stats" "$sorter" "$heat"; do
  [ -x "$f" ] || setup_error "$build lacks ${f#"$build"/}: build the asan preset (cmake --build --preset asan)"
done
for tool in mpirun timeout nice pgrep wc sort cmp h5diff mkfifo base64; do
  command -v "$tool" >/dev/null || setup_error "needs $tool (scripts/install-deps.sh installs it)"
done
mpi=(mpirun -n 2)
if mpirun --version 2>&1 | grep -q -E 'Open MPI|OpenRTE'; then
  mpi+=(--oversubscribe --bind-to none)
fi

prepare_out "$build/soak"
build_helper
tests_env=(env "ASAN_OPTIONS=$asan_tests")
# A driver run: its sanitizer settings, then mpirun or nothing, then the peak wrapper.
drivers_env=(env "ASAN_OPTIONS=$asan_drivers")
peak=("$helper" peak "$work/peak")

now_ms
start_ms=$NOW_MS
deadline_ms=$((start_ms + budget_ms))
fmt_dur $((budget_ms / 1000))
budget_text=$REPLY

say "$budget_text of hypar under ASan + UBSan ($build); output in $out"
for kind in "${stress_kinds[@]}"; do
  start_long_runner "test_$kind" "${tests_env[@]}" "${stress_bin[$kind]}" \
    --gtest_filter="${stress_filter[$kind]}" --gtest_repeat=-1 --gtest_brief=1 --gtest_break_on_failure
done
if [ "$leak_kib" -gt 0 ]; then
  start_long_runner leak-injector "$helper" leak "$leak_kib"
  say "--inject-leak: leak-injector holds on to $leak_kib KiB more every second; the soak must fail"
fi
start_sampler
echo "round,time_s,process,peak_kib" >"$out/driver-peaks.csv"

# ---------------------------------------------------------------- the rounds

# REPLY: the arguments after the first joined by the first ("; " a b -> "a; b").
join() {
  local sep=$1 item
  shift
  REPLY=
  for item in "$@"; do
    REPLY+="${REPLY:+$sep}$item"
  done
}
# Whether the deadline has passed (never in round 1, which always runs to its end).
past_deadline() {
  [ "$round" -gt 1 ] || return 1
  now_ms
  [ "$NOW_MS" -ge "$deadline_ms" ]
}
# The number of tests gtest says passed, from a log.
passed_tests() {
  sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\.$/\1/p' "$1" | tail -n 1
}
# The items of a log's `exactly once: N items` lines, summed.
exactly_once_items() {
  awk '/^exactly once: [0-9]+ items$/ { s += $3 } END { print s + 0 }' "$1"
}

declare -A delivered=() # stress kind -> items checked exactly once by the foreground runs
stress_tests=0
stats_runs=0
stats_bytes=0
sort_rounds=0
sort_records=0
heat_runs=0
heat_max_error=0
rounds_done=0
cut_note=

round_stress() {
  local kind n bin
  for kind in "${stress_kinds[@]}"; do
    run_step "stress-$kind" "${tests_env[@]}" "${stress_bin[$kind]}" \
      --gtest_filter="${stress_filter[$kind]}" --gtest_shuffle --gtest_random_seed="$round" --gtest_brief=1
    need_ok "the $kind stress tests"
    [ "$(passed_tests "$STEP_LOG")" != 0 ] ||
      fail "no test of ${stress_bin[$kind]##*/} matches ${stress_filter[$kind]} (a build older than the soak?)" "$STEP_LOG" "$STEP_CMD"
    n=$(exactly_once_items "$STEP_LOG")
    [ "$n" -gt 0 ] || fail "the $kind stress tests checked no item (no 'exactly once: N items' line: a build older than tests/support/stress_support.hpp's count?)" "$STEP_LOG" "$STEP_CMD"
    delivered[$kind]=$((${delivered[$kind]:-0} + n))
    round_items=$((round_items + n))
    n=$(passed_tests "$STEP_LOG")
    round_tests=$((round_tests + ${n:-0}))
    past_deadline && return 1
  done
  for bin in "${sync_tests[@]}"; do
    run_step "stress-${bin##*/}" "${tests_env[@]}" "$bin" --gtest_filter='*/*' \
      --gtest_shuffle --gtest_random_seed="$round" --gtest_brief=1
    need_ok "the concurrent cases of ${bin##*/}"
    n=$(passed_tests "$STEP_LOG")
    round_tests=$((round_tests + ${n:-0}))
    past_deadline && return 1
  done
  stress_tests=$((stress_tests + round_tests))
  fmt_int "$round_items"
  round_notes+=("stress $round_tests tests, $REPLY items exactly once")
  return 0
}

# make_corpus DIR: about 5 MiB of files with fresh random contents (the sizes stay): raw bytes,
# text with every blank wc knows, short lines, a 400 KB line, an empty and a one-byte file.
make_corpus() {
  local d=$1 letters=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
  local many=$letters$letters$letters$letters # 208 of the 256 byte values
  rm -rf "$d"
  mkdir -p "$d/sub"
  : >"$d/empty"
  printf x >"$d/one-byte"
  head -c 524288 /dev/urandom >"$d/raw.bin"
  # Words of about 5 letters, lines of about 50 bytes: 36 spaces, 4 tabs, CR, VT, FF, 5 LF.
  head -c 2000000 /dev/urandom |
    tr '\000-\377' "$many                                    "$'\t\t\t\t\r\v\f\n\n\n\n\n' >"$d/text.txt"
  head -c 1500000 /dev/urandom | tr '\000-\377' "$many"$'\n' >"$d/sub/short-lines.txt"
  { head -c 300000 /dev/urandom | base64 -w 0 && echo && head -c 200000 /dev/urandom | base64 -w 76; } \
    >"$d/sub/long-lines.txt"
}
# same_as_wc TABLE WC_OUTPUT DIFF: a hypar-stats table against wc's, number by number, name by name.
same_as_wc() {
  awk '{ print $1, $2, $3, $4, $5 }' "$1" >"$work/stats.cols"
  awk '{ print $1, $2, $3, $4, $5 }' "$2" >"$work/wc.cols"
  diff "$work/wc.cols" "$work/stats.cols" >"$3" 2>&1
}

# One hypar-stats run of a round, checked against wc -lwcL ($work/wc.out):
#   stats_step STEP PEAK_LABEL WHAT BYTES [LAUNCHER...] -- STATS_ARGS...
stats_step() {
  local step=$1 label=$2 what=$3 counted=$4 launcher=()
  shift 4
  while [[ $1 != -- ]]; do launcher+=("$1"); shift; done
  shift
  STEP_STDOUT=1
  run_step "$step" "${drivers_env[@]}" "${launcher[@]}" "${peak[@]}" "$stats" "$@"
  need_ok "$what"
  record_peaks "$label" "$work/peak"
  same_as_wc "$STEP_OUT" "$work/wc.out" "$work/stats.diff" ||
    fail "$what differs from wc -lwcL (< wc, > hypar-stats): $(head -c 400 "$work/stats.diff")" "$STEP_LOG" "$STEP_CMD"
  stats_runs=$((stats_runs + 1))
  stats_bytes=$((stats_bytes + counted))
}

round_stats() {
  local d="$work/corpus" bytes
  make_corpus "$d"
  find "$d" -type f | sort >"$work/corpus.list"
  xargs -d '\n' wc -lwcL <"$work/corpus.list" >"$work/wc.out"
  bytes=$(awk 'END { print $3 }' "$work/wc.out")

  stats_step stats-2ranks stats.np2 "hypar-stats at 2 ranks" "$bytes" "${mpi[@]}" -- \
    --chunk-size 64K --threads 2 --no-progress "$d"
  past_deadline && return 1
  stats_step stats-alone stats.np1 "hypar-stats alone" "$bytes" -- \
    --chunk-size 64K --threads 2 --no-progress --files-from "$work/corpus.list"
  fmt_mib $((bytes / 1024))
  round_notes+=("stats = wc (2 runs, $REPLY)")
  return 0
}

round_sort() {
  local n=100000 first=$((round * 1000003)) kind=binary flags=()
  if [ $((round % 2)) -eq 0 ]; then
    kind=ascii
    flags=(-a)
  fi
  local in="$work/in.dat" tmp="$work/sort-tmp" gen_sum
  rm -rf "$tmp" "$work"/*.dat
  mkdir -p "$tmp"
  STEP_STDOUT=1
  run_step sort-gen "${drivers_env[@]}" "${mpi[@]}" "${peak[@]}" \
    "$sorter" gen "${flags[@]}" -b "$first" "$n" "$in"
  need_ok "hypar-sort gen"
  record_peaks sort-gen.np2 "$work/peak"
  gen_sum=$(sed -n 's/^Checksum: //p' "$STEP_OUT")
  [ -n "$gen_sum" ] || fail "hypar-sort gen printed no checksum" "$STEP_LOG" "$STEP_CMD"
  past_deadline && return 1

  run_step sort-out-of-core "${drivers_env[@]}" "${mpi[@]}" "${peak[@]}" \
    "$sorter" sort "$in" -o "$work/ooc.dat" --memory 1M --tmp "$tmp"
  need_ok "hypar-sort sort out of core at 2 ranks"
  record_peaks sort-ooc.np2 "$work/peak"
  grep -q -a 'out of core' "$STEP_LOG" || fail "hypar-sort --memory 1M did not sort out of core" "$STEP_LOG" "$STEP_CMD"
  [ -z "$(ls -A "$tmp")" ] ||
    fail "hypar-sort left files in its --tmp folder: $(ls -A "$tmp" | head -n 5 | tr '\n' ' ')" "$STEP_LOG" "$STEP_CMD"
  past_deadline && return 1

  run_step sort-in-memory "${drivers_env[@]}" "${peak[@]}" "$sorter" sort "$in" -o "$work/mem.dat"
  need_ok "hypar-sort sort in memory alone"
  record_peaks sort-mem.np1 "$work/peak"
  grep -q -a 'in memory' "$STEP_LOG" || fail "hypar-sort alone did not sort in memory" "$STEP_LOG" "$STEP_CMD"
  cmp "$work/ooc.dat" "$work/mem.dat" >>"$STEP_LOG" 2>&1 ||
    fail "the out-of-core sort at 2 ranks and the in-memory sort alone differ ($kind records)" "$STEP_LOG" "cmp $work/ooc.dat $work/mem.dat"
  local also=
  if [ $kind = ascii ]; then
    # gensort -a records are lines (98 printable bytes and CR LF): GNU sort is a reference.
    sort -s -t $'\001' -k1.1,1.10 "$in" >"$work/ref.dat"
    cmp "$work/ooc.dat" "$work/ref.dat" >>"$STEP_LOG" 2>&1 ||
      fail "hypar-sort differs from GNU sort -s on the key of -a records" "$STEP_LOG" "sort -s -t \$'\\001' -k1.1,1.10 $in | cmp $work/ooc.dat -"
    also=", = GNU sort"
  fi
  past_deadline && return 1

  run_step sort-check "${drivers_env[@]}" "${mpi[@]}" "${peak[@]}" "$sorter" check "$work/ooc.dat"
  need_ok "hypar-sort check of the sorted output"
  record_peaks sort-check.np2 "$work/peak"
  grep -q -a -x "Records: $n" "$STEP_LOG" || fail "hypar-sort check does not count $n records" "$STEP_LOG" "$STEP_CMD"
  grep -q -a -x "Checksum: $gen_sum" "$STEP_LOG" ||
    fail "the sorted output's checksum is not gen's ($gen_sum)" "$STEP_LOG" "$STEP_CMD"
  grep -q -a '^SUCCESS' "$STEP_LOG" || fail "hypar-sort check does not report SUCCESS" "$STEP_LOG" "$STEP_CMD"
  rm -rf "$work"/*.dat "$tmp"
  sort_rounds=$((sort_rounds + 1))
  sort_records=$((sort_records + n))
  fmt_int "$n"
  round_notes+=("sort $REPLY $kind records ok$also")
  return 0
}

# heat_error JSON: HEAT_ERROR = its max_error (as 1.2e-14), which must be below 1e-10.
heat_error_ok() {
  HEAT_ERROR=$(sed -n 's/^ *"max_error": *\([-+0-9.eE]*\),*$/\1/p' "$1")
  [ -n "$HEAT_ERROR" ] || return 1
  HEAT_ERROR=$(awk -v e="$HEAT_ERROR" 'BEGIN { printf "%.1e", e; exit !(e >= 0 && e < 1e-10) }')
}

round_heat() {
  local k=$((1 + round % 4)) l=$((1 + round * 3 % 5))
  local args=(--nx 192 --ny 144 --steps 360 --init "sine:$k,$l" --format json --no-progress)
  rm -f "$work"/*.h5
  STEP_STDOUT=1
  run_step heat-2ranks "${drivers_env[@]}" "${mpi[@]}" "${peak[@]}" \
    "$heat" "${args[@]}" --output "$work/a.h5" --checkpoint "$work/ck.h5" --checkpoint-every 150
  need_ok "hypar-heat at 2 ranks"
  record_peaks heat.np2 "$work/peak"
  heat_error_ok "$STEP_OUT" ||
    fail "hypar-heat's max error against the exact solution is not below 1e-10 (${HEAT_ERROR:-none})" "$STEP_LOG" "$STEP_CMD"
  awk -v e="$HEAT_ERROR" -v m="$heat_max_error" 'BEGIN { exit !(e > m) }' && heat_max_error=$HEAT_ERROR
  heat_runs=$((heat_runs + 1))
  past_deadline && return 1

  run_step heat-alone "${drivers_env[@]}" "${peak[@]}" "$heat" "${args[@]}" --threads 2 --output "$work/b.h5"
  need_ok "hypar-heat alone"
  record_peaks heat.np1 "$work/peak"
  h5diff "$work/a.h5" "$work/b.h5" /u /u >>"$STEP_LOG" 2>&1 ||
    fail "hypar-heat alone on 2 threads differs from 2 ranks (h5diff)" "$STEP_LOG" "h5diff $work/a.h5 $work/b.h5 /u /u"
  heat_runs=$((heat_runs + 1))
  past_deadline && return 1

  STEP_STDOUT=1
  run_step heat-restart "${drivers_env[@]}" "${peak[@]}" \
    "$heat" --restart "$work/ck.h5" --steps 360 --threads 1 --format json --no-progress --output "$work/c.h5"
  need_ok "hypar-heat restarted from its checkpoint"
  record_peaks heat-restart.np1 "$work/peak"
  grep -q -a '"first_step": 300' "$STEP_OUT" ||
    fail "hypar-heat did not restart from step 300 of the checkpoint" "$STEP_LOG" "$STEP_CMD"
  h5diff "$work/a.h5" "$work/c.h5" /u /u >>"$STEP_LOG" 2>&1 ||
    fail "hypar-heat restarted from its checkpoint differs from the uninterrupted run (h5diff)" "$STEP_LOG" "h5diff $work/a.h5 $work/c.h5 /u /u"
  heat_runs=$((heat_runs + 1))
  rm -f "$work"/*.h5
  round_notes+=("heat sine:$k,$l bitwise (3 runs, error $HEAT_ERROR)")
  return 0
}

phase=round
while :; do
  round=$((round + 1))
  round_logs="$out/logs/round-$round"
  mkdir -p "$round_logs"
  rm -rf "$out/logs/round-$((round - 2))"
  now_ms
  round_start=$NOW_MS
  round_tests=0
  round_items=0
  round_notes=()
  complete=0
  round_stress && round_stats && round_sort && round_heat && complete=1
  check_long_runners
  check_growth
  now_ms
  fmt_dur $(((NOW_MS - start_ms) / 1000))
  progress="round $round ($REPLY of $budget_text)"
  if [ $complete -eq 0 ]; then
    cut_note=" (round $round cut at the deadline)"
    say "$progress cut at the deadline"
    break
  fi
  rounds_done=$round
  rss=()
  for name in "${long_names[@]}"; do
    kib=$(awk -F, -v p="$name" '$2 == p { v = $3 } END { print v + 0 }' "$out/memory.csv")
    rss+=("${name#test_} $((kib / 1024))")
  done
  join "; " "${round_notes[@]}"
  notes=$REPLY
  join ", " "${rss[@]}"
  say "$progress passed in $(((NOW_MS - round_start) / 1000))s: $notes; RSS MiB $REPLY"
  [ "$NOW_MS" -ge "$deadline_ms" ] && break
done

# ---------------------------------------------------------------- the end: verdicts and summary

phase="the final checks"
check_long_runners
stop_sampler
stop_long_runners
check_growth # the last samples too
now_ms
total_s=$(((NOW_MS - start_ms) / 1000))

# Driver peaks, the largest rank's per run: judged over the rounds (when there are enough), min /
# median / max reported.
awk -F, 'NR > 1 { k = $3; sub(/\.r[0-9]+$/, "", k); if ($4 > m[$1 " " k]) m[$1 " " k] = $4 }
  END { for (x in m) print x, m[x] }' "$out/driver-peaks.csv" | sort -k2,2 -k1,1n >"$work/run-peaks"
driver_lines=()
for process in $(awk '{ print $2 }' "$work/run-peaks" | sort -u); do
  awk -v p="$process" '$2 == p { print $1, $3 }' "$work/run-peaks" >"$work/curve"
  judge "$work/curve" rounds
  read -r verdict m1 m3 _ n <<<"$REPLY"
  if [ "$verdict" = GROWING ]; then
    describe_change "$m1" "$m3"
    fail "driver memory grows over the rounds: the peak of $process $REPLY (limit +$growth_pct% and +$growth_mib MiB); see $out/driver-peaks.csv"
  fi
  read -r lo med hi count < <(sort -k2,2n "$work/curve" | awk '{ v[NR] = $2 } END { print v[1], v[int((NR + 1) / 2)], v[NR], NR }')
  fmt_mib "$lo"
  line=$REPLY
  fmt_mib "$med"
  line+=" / $REPLY"
  fmt_mib "$hi"
  line+=" / $REPLY ($count run$([ "$count" -eq 1 ] || echo s), "
  [ "$verdict" = short ] && line+="too few rounds to judge growth)" || line+="steady)"
  driver_lines+=("$(printf '%-16s' "$process") $line")
done
passed=1

summary() { echo "soak: $*" | tee -a "$out/summary.txt" >&2; }
fmt_dur "$total_s"
summary "passed: $rounds_done round$([ "$rounds_done" -eq 1 ] || echo s) in $REPLY$cut_note, hypar under ASan + UBSan ($build)"
items=0
parts=()
for kind in "${stress_kinds[@]}"; do
  log="$out/logs/long-test_$kind.log"
  n=$((${delivered[$kind]:-0} + $(exactly_once_items "$log")))
  passes=$(grep -a -c '^\[  PASSED  \]' "$log")
  items=$((items + n))
  fmt_int "$n"
  parts+=("${kind//_/ } $REPLY (long-runner: $passes passes)")
done
join ", " "${parts[@]}"
parts_text=$REPLY
fmt_int "$items"
summary "exactly once: $REPLY items: $parts_text; $stress_tests foreground stress tests passed"
fmt_mib $((stats_bytes / 1024))
stats_text=$REPLY
fmt_int "$sort_records"
summary "drivers: hypar-stats $stats_runs runs = wc -lwcL ($stats_text); hypar-sort $sort_rounds round$([ "$sort_rounds" -eq 1 ] || echo s), $REPLY records gen -> sort (out of core at 2 ranks, in memory alone: equal) -> check: ordered, gen's checksum; hypar-heat $heat_runs runs bitwise equal across layouts and restarts, max error $heat_max_error"
summary "memory curve (VmRSS every ${sample_s}s; after the warm-up: median of the first third -> median of the last third, peak; growth limit +$growth_pct% and +$growth_mib MiB; ASan quarantine capped at 16 MiB):"
for i in "${!long_names[@]}"; do
  judge_long "${long_names[i]}"
  read -r verdict m1 m3 peak_kib n <<<"$JUDGED"
  describe_change "$m1" "$m3"
  change=$REPLY
  fmt_mib "$peak_kib"
  [ "$verdict" = short ] && verdict="too short to judge"
  summary "  $(printf '%-16s' "${long_names[i]}") $change, peak $REPLY, $n samples: $verdict"
done
summary "driver peak RSS per run, of its largest rank (min / median / max over the rounds):"
for line in "${driver_lines[@]}"; do
  summary "  $line"
done
if command -v gnuplot >/dev/null; then
  plot="set terminal pngcairo size 1100,600 noenhanced; set output '$out/memory.png'"
  plot+="; set datafile separator ','; set key top left; set grid"
  plot+="; set title 'hypar soak: VmRSS of the long-runners, $rounds_done rounds'; set xlabel 'seconds'; set ylabel 'MiB'"
  sep="; plot"
  for name in "${long_names[@]}"; do
    plot+="$sep \"< grep ',$name,' '$out/memory.csv'\" using 1:(\$3/1024) with lines title '$name'"
    sep=","
  done
  if gnuplot -e "$plot" >"$work/gnuplot.log" 2>&1 || gnuplot -e "${plot/pngcairo/png}" >"$work/gnuplot.log" 2>&1; then
    summary "files in $out: summary.txt, memory.csv, driver-peaks.csv, memory.png, logs/"
  else
    summary "files in $out: summary.txt, memory.csv, driver-peaks.csv, logs/ (no memory.png: gnuplot failed: $(head -n 1 "$work/gnuplot.log"))"
  fi
else
  summary "files in $out: summary.txt, memory.csv, driver-peaks.csv, logs/ (no memory.png: gnuplot is not installed)"
fi
exit 0
