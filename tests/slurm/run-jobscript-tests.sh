#!/usr/bin/env bash
# run-jobscript-tests.sh: prove that the sbatch scripts in jobscripts/ work on a
# real Slurm. Starts a private one-node cluster (slurm-cluster.sh) in a fresh
# temporary folder, submits every job script with sbatch on small generated
# inputs, waits with bounded timeouts, compares each job's results with a
# direct run of the same program on the same inputs, checks exit codes and the
# ranks x threads layout, and always stops the cluster again (trap on EXIT,
# INT, TERM, HUP; the cluster's own reaper also stops it if this script is
# killed outright). The last line is "N passed, M failed"; the exit code is 0
# only when nothing failed.
#
#   run-jobscript-tests.sh [options]
#
# Options (defaults in brackets):
#   --program PATH     the hypar-stats to test [$HYPAR_STATS, else the stand-in
#                      tests/slurm/fake-hypar-stats]
#   --compare CMD      compare command, run as `CMD EXPECTED ACTUAL` through
#                      bash with HYPAR_FORMAT=table|csv|json exported; exit 0
#                      means "same" [tests/slurm/compare-stats.sh]
#   --direct CMD       launcher prefix for the direct reference run, e.g.
#                      "mpirun -n 1" [none: the program is run as is]
#   --mpi-probe WHAT   auto | none | PATH of an MPI program. auto builds
#                      tests/slurm/mpi-probe.c with mpicc; the stand-in runs it
#                      in every rank (FAKE_HYPAR_MPI_PROBE) to prove MPI_Init
#                      works under srun/mpirun [auto]
#   --only REGEX       run only the tests whose name matches
#   --timeout SEC      the whole run, cluster start and stop included [170]
#   --job-timeout SEC  how long to wait for all jobs, from their submission [90]
#   --direct-timeout SEC  limit for each direct reference run [30]
#   --keep             keep the temporary folder (logs, outputs) afterwards
#   --list             list the test names and exit
#   -h, --help
#
# Requirements: root, Slurm 22.05 + munge (slurm-wlm, munge), Open MPI
# (openmpi-bin), python3. As root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1: this script exports them.
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JOBSCRIPTS=$ROOT/jobscripts
CLUSTER=$HERE/slurm-cluster.sh

program=${HYPAR_STATS:-$HERE/fake-hypar-stats}
compare="$HERE/compare-stats.sh"
direct=
probe=auto
only=
total_timeout=170
job_timeout=90
direct_timeout=30
keep=0
list=0

usage() { sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
    case $1 in
    --program) program=${2:?}; shift 2 ;;
    --compare) compare=${2:?}; shift 2 ;;
    --direct) direct=${2?}; shift 2 ;;
    --mpi-probe) probe=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --timeout) total_timeout=${2:?}; shift 2 ;;
    --job-timeout) job_timeout=${2:?}; shift 2 ;;
    --direct-timeout) direct_timeout=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    --list) list=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-jobscript-tests.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# ------------------------------------------------------------------ tests --
# name | script | ranks x threads (sbatch layout) | format | expected exit |
# expected ranks in the run | extra environment (VAR=value;...) | inputs
# Inputs: words; @tree = the generated folder, @files = a few single files,
# @missing = a path that does not exist, @none = no PATH (default corpus),
# @env = the files passed through HYPAR_INPUTS instead of arguments.
TESTS=(
    "srun-2x1-table|stats-hybrid-srun.sbatch|2x1|table|0|2||@tree"
    "srun-1x2-json|stats-hybrid-srun.sbatch|1x2|json|0|1||@tree"
    "srun-4x1-overcommit-csv|stats-hybrid-srun.sbatch|2x1|csv|0|4|HYPAR_SRUN_ARGS=--ntasks=4 --overcommit|@files"
    "srun-missing-input-csv|stats-hybrid-srun.sbatch|2x1|csv|1|2||@files @missing"
    "srun-usage-error|stats-hybrid-srun.sbatch|1x1|table|2|1|HYPAR_ARGS=--no-such-option|@files"
    "srun-default-corpus|stats-hybrid-srun.sbatch|1x2|json|0|1||@none"
    "srun-inputs-from-env|stats-hybrid-srun.sbatch|2x1|csv|0|2||@env"
    "mpirun-2x1-csv|stats-hybrid-mpirun.sbatch|2x1|csv|0|2||@tree"
    "mpirun-1x2-json|stats-hybrid-mpirun.sbatch|1x2|json|0|1||@tree"
    "mpirun-4x1-oversubscribe-table|stats-hybrid-mpirun.sbatch|2x1|table|0|4|HYPAR_RANKS=4;HYPAR_OVERSUBSCRIBE=1|@files"
    "mpirun-missing-input-json|stats-hybrid-mpirun.sbatch|2x1|json|1|2||@files @missing"
    "array-scaling|stats-scaling-array.sbatch|2x1|json|0|-|HYPAR_LAYOUTS=1x1 1x2 2x1|@tree"
)
ARRAY_LAYOUTS=(1x1 1x2 2x1)

if ((list)); then
    for t in "${TESTS[@]}"; do printf '%s\n' "${t%%|*}"; done
    exit 0
fi

# ------------------------------------------------------------ environment --
# Nothing from an outer Slurm job or the caller's HYPAR_* settings may leak in.
while IFS='=' read -r name _; do
    case $name in SLURM_* | SBATCH_* | SRUN_* | SALLOC_* | HYPAR_* | FAKE_HYPAR_*) unset "$name" ;; esac
done < <(env)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export LC_ALL=C

passed=0
failed=0
failures=()
T=
cluster_started=0
watchdog=
child=

say() { printf '%s\n' "$*"; }
fail() { # name, reason
    failed=$((failed + 1))
    failures+=("$1")
    say "FAIL $1: $2"
}
pass() {
    passed=$((passed + 1))
    say "PASS $1${2:+ ($2)}"
}
# Run a (time-bounded) command in the background and wait for it: unlike a
# foreground command, `wait` lets the TERM/INT trap run at once.
bounded() {
    "$@" &
    child=$!
    wait "$child"
    local rc=$?
    child=
    return "$rc"
}
show_tail() { # file [lines]
    [[ -f $1 ]] || { say "    ($1 missing)"; return; }
    say "    ---- $1 (last ${2:-15} lines) ----"
    tail -n "${2:-15}" "$1" | sed 's/^/    | /'
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    [[ -n $watchdog ]] && kill "$watchdog" 2>/dev/null && wait "$watchdog" 2>/dev/null
    if ((cluster_started)); then
        timeout -k 5 60 "$CLUSTER" stop "$T/cluster" || say "warning: stopping the cluster reported problems"
    fi
    if [[ -n $T && -d $T ]]; then
        if ((keep || failed)); then
            say "kept $T (logs in $T/logs, outputs in $T/out, cluster logs in $T/cluster/log)"
        else
            rm -rf "$T"
        fi
    fi
    return "$rc"
}
on_signal() {
    [[ -n $child ]] && kill -TERM "$child" 2>/dev/null
    say "interrupted by $1 (a kill, or the overall --timeout of ${total_timeout}s); stopping the cluster"
    fail "run" "interrupted by $1"
    say "$passed passed, $failed failed"
    exit 1
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# The whole run is bounded: a watchdog sends TERM to this script. It checks
# every second that this script still exists, so it never outlives it (and
# never signals a recycled PID) even if the script is killed with KILL.
(
    nap=
    trap '[[ -n $nap ]] && kill "$nap" 2>/dev/null; exit 0' TERM
    end=$((SECONDS + total_timeout))
    while ((SECONDS < end)); do
        sleep 1 &
        nap=$!
        wait "$nap"
        [[ -d /proc/$$ ]] || exit 0
    done
    kill -TERM $$ 2>/dev/null
) &
watchdog=$!

start_time=$SECONDS
T=$(mktemp -d "${TMPDIR:-/tmp}/hypar-slurm.XXXXXX") || { say "cannot create a temporary folder"; exit 1; }
chmod 0711 "$T" # munged wants o+x on every folder above its socket
mkdir -p "$T/in" "$T/out" "$T/logs" "$T/direct" "$T/bin"

# -------------------------------------------------------------- preflight --
if [[ $program != */* ]]; then
    resolved=$(command -v "$program") || { fail "preflight" "program '$program' not found"; say "$passed passed, $failed failed"; exit 1; }
    program=$resolved
fi
[[ -x $program ]] || { fail "preflight" "program '$program' is not executable"; say "$passed passed, $failed failed"; exit 1; }
program=$(cd "$(dirname "$program")" && pwd)/$(basename "$program")
stand_in=0
[[ $(basename "$program") == fake-hypar-stats ]] && stand_in=1

probe_bin=
case $probe in
none) ;;
auto)
    if command -v mpicc >/dev/null 2>&1; then
        if timeout 60 mpicc -O1 -o "$T/bin/mpi-probe" "$HERE/mpi-probe.c" 2>"$T/logs/mpicc.log"; then
            probe_bin=$T/bin/mpi-probe
        else
            say "note: building the MPI probe failed; MPI wire-up is not checked"
            show_tail "$T/logs/mpicc.log"
        fi
    else
        say "note: no mpicc; MPI wire-up is not checked"
    fi
    ;;
*) probe_bin=$probe ;;
esac
# Only the stand-in knows FAKE_HYPAR_MPI_PROBE; the real program ignores it.
[[ -n $probe_bin ]] && export FAKE_HYPAR_MPI_PROBE=$probe_bin

# ----------------------------------------------------------------- inputs --
make_inputs() {
    local d=$T/in/tree
    mkdir -p "$d/sub/deeper" "$d/empty-dir"
    printf 'hello world\nfoo bar  baz\n' >"$d/plain.txt"
    : >"$d/empty.txt"
    printf 'no final newline\tat all' >"$d/no-newline.txt"
    printf '\r\n\t \v\f\n' >"$d/sub/whitespace.txt"
    # every byte value once, then a few lines
    local i s=''
    for ((i = 0; i < 256; i++)); do s+=$(printf '\\%03o' "$i"); done
    printf '%b' "$s" >"$d/sub/all-bytes.bin"
    printf 'tail line\n' >>"$d/sub/all-bytes.bin"
    head -c 200000 /dev/zero | tr '\0' 'x' >"$d/sub/deeper/long-line.txt"
    printf '\nshort\n' >>"$d/sub/deeper/long-line.txt"
    for ((i = 0; i < 20; i++)); do printf 'file %d line\n' "$i" >"$d/sub/deeper/small-$i.txt"; done
    seq 1 20000 >"$d/numbers.txt"
    printf 'a,b "c"\n' >"$T/in/we,ird \"name\".txt"
    printf 'one two three\n' >"$T/in/single.txt"
    ln -s "$T/in/single.txt" "$T/in/link-to-single.txt"
}
make_inputs

expand_inputs() { # words -> paths, one per line
    local w
    for w in "$@"; do
        case $w in
        @tree) printf '%s\n' "$T/in/tree" ;;
        @files) printf '%s\n' "$T/in/single.txt" "$T/in/we,ird \"name\".txt" "$T/in/tree/plain.txt" "$T/in/link-to-single.txt" ;;
        @missing) printf '%s\n' "$T/in/does-not-exist.txt" ;;
        @none) ;;
        @env) printf '%s\n' "$T/in/single.txt" "$T/in/tree/plain.txt" "$T/in/tree/sub" ;;
        *) printf '%s\n' "$w" ;;
        esac
    done
}

# ---------------------------------------------------------------- cluster --
say "hypar Slurm job-script tests: program $program$( ((stand_in)) && echo ' (stand-in)'), temp $T"
if ! bounded timeout -k 5 90 "$CLUSTER" start "$T/cluster" --owner-pid $$ --lifetime $((total_timeout + 60)) \
    >"$T/logs/cluster-env" 2>"$T/logs/cluster-start.log"; then
    cluster_started=1
    fail "cluster" "the private Slurm cluster did not start"
    sed 's/^/    | /' "$T/logs/cluster-start.log"
    say "$passed passed, $failed failed"
    exit 1
fi
cluster_started=1
env_line=$(tail -n 1 "$T/logs/cluster-env")
export SLURM_CONF=${env_line#export SLURM_CONF=}
say "cluster up in $((SECONDS - start_time))s (SLURM_CONF=$SLURM_CONF)"

# ----------------------------------------------------------------- submit --
declare -A JOB=() FMT=() EXPECT=() RANKS=() LAYOUT=() OUTPUT=() SCRIPT=() INPUTS_OF=() ARGS_OF=()
selected=()
for t in "${TESTS[@]}"; do
    IFS='|' read -r name script layout format expect ranks envs inputs <<<"$t"
    [[ -n $only && ! $name =~ $only ]] && continue
    selected+=("$name")
    SCRIPT[$name]=$script FMT[$name]=$format EXPECT[$name]=$expect RANKS[$name]=$ranks LAYOUT[$name]=$layout
    r=${layout%x*} th=${layout#*x}
    read -r -a words <<<"$inputs"
    mapfile -t paths < <(expand_inputs "${words[@]}")
    INPUTS_OF[$name]=$(printf '%s\n' "${paths[@]}")

    # per-test environment
    envv=("HYPAR_STATS=$program" "HYPAR_FORMAT=$format")
    if [[ -n $envs ]]; then
        IFS=';' read -r -a kvs <<<"$envs"
        envv+=("${kvs[@]}")
        for kv in "${kvs[@]}"; do
            [[ $kv == HYPAR_ARGS=* ]] && ARGS_OF[$name]=${kv#HYPAR_ARGS=}
        done
    fi
    args=("${paths[@]}")
    if [[ $inputs == @env ]]; then
        envv+=("HYPAR_INPUTS=${paths[*]}")
        args=()
    fi
    if [[ $script == stats-scaling-array.sbatch ]]; then
        # the array asks for a pool of cores (--ntasks x 1 CPU); each task
        # runs its own layout inside it
        OUTPUT[$name]=$T/out/$name
        envv+=("HYPAR_OUTDIR=$T/out/$name")
        sb=(--array=0-$((${#ARRAY_LAYOUTS[@]} - 1)) --output="$T/logs/$name-%a.log"
            --nodes=1 --ntasks=$((r * th)) --cpus-per-task=1)
    else
        OUTPUT[$name]=$T/out/$name.$format
        envv+=("HYPAR_OUTPUT=$T/out/$name.$format")
        sb=(--output="$T/logs/$name.log" --nodes=1 --ntasks-per-node="$r" --cpus-per-task="$th")
    fi
    if ! id=$(env "${envv[@]}" timeout 20 sbatch --parsable --job-name="$name" --chdir="$T" \
        --time=2 "${sb[@]}" "$JOBSCRIPTS/$script" "${args[@]}" 2>"$T/logs/$name.sbatch"); then
        fail "$name" "sbatch refused the job: $(tr '\n' ' ' <"$T/logs/$name.sbatch")"
        continue
    fi
    JOB[$name]=${id%%;*}
done
((${#selected[@]})) || { say "no test matches '$only'"; exit 1; }
say "submitted ${#JOB[@]} job(s) after $((SECONDS - start_time))s"
submitted_at=$SECONDS

# ---------------------------------------------------- direct reference runs --
run_direct() { # name format out-file err-file paths...
    local name=$1 format=$2 out=$3 err=$4
    shift 4
    local -a pre=()
    [[ -n $direct ]] && read -r -a pre <<<"$direct"
    # the job's HYPAR_ARGS (extra program options) apply to the direct run too
    local -a extra=()
    read -r -a extra <<<"${ARGS_OF[$name]:-}"
    bounded env -u FAKE_HYPAR_MPI_PROBE timeout -k 5 "$direct_timeout" \
        "${pre[@]}" "$program" --format "$format" "${extra[@]}" "$@" >"$out" 2>"$err"
}
declare -A DIRECT_RC=()
for name in "${!JOB[@]}"; do
    mapfile -t paths <<<"${INPUTS_OF[$name]}"
    [[ -z ${paths[0]:-} ]] && paths=()
    run_direct "$name" "${FMT[$name]}" "$T/direct/$name.${FMT[$name]}" "$T/direct/$name.err" "${paths[@]}"
    DIRECT_RC[$name]=$?
done

# ------------------------------------------------------------------- wait --
# One `scontrol -o show job` per poll: JobId, ArrayJobId, JobState, ExitCode.
declare -A STATE=() EXITC=()
poll() {
    STATE=() EXITC=()
    local line id st ec key
    while IFS= read -r line; do
        [[ $line =~ ^JobId=([0-9]+) ]] || continue
        id=${BASH_REMATCH[1]}
        [[ $line =~ \ JobState=([A-Z_]+) ]] && st=${BASH_REMATCH[1]} || st=
        [[ $line =~ \ ExitCode=([0-9]+:[0-9]+) ]] && ec=${BASH_REMATCH[1]} || ec=
        # a job that can never start (bad request) stays PENDING with a reason
        # like PartitionConfig or BadConstraints: count it as finished-failed
        if [[ $st == PENDING && $line =~ \ Reason=([A-Za-z_]+) ]]; then
            case ${BASH_REMATCH[1]} in
            None | Priority | Resources | Dependency | BeginTime | JobArrayTaskLimit) ;;
            *) st="NEVER_RUNNABLE(${BASH_REMATCH[1]})" ;;
            esac
        fi
        key=$id
        # array tasks are keyed ARRAYID.TASKID
        if [[ $line =~ \ ArrayJobId=([0-9]+)\ ArrayTaskId=([0-9]+) ]]; then
            key=${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
        fi
        STATE[$key]=$st
        EXITC[$key]=$ec
    done < <(timeout 15 scontrol -o show job 2>/dev/null)
}
terminal() { [[ $1 =~ ^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|NEVER_RUNNABLE.*)$ ]]; }
job_done() { # name -> 0 when every part of the job is in a terminal state
    local name=$1 id=${JOB[$1]} i
    if [[ ${SCRIPT[$name]} == stats-scaling-array.sbatch ]]; then
        for ((i = 0; i < ${#ARRAY_LAYOUTS[@]}; i++)); do
            terminal "${STATE[$id.$i]:-}" || return 1
        done
    else
        terminal "${STATE[$id]:-}" || return 1
    fi
}

deadline=$((submitted_at + job_timeout))
while :; do
    poll
    pending=0
    for name in "${!JOB[@]}"; do job_done "$name" || pending=$((pending + 1)); done
    ((pending == 0)) && break
    if ((SECONDS >= deadline)); then
        say "timeout: $pending job(s) not finished after ${job_timeout}s"
        timeout 15 squeue 2>&1 | sed 's/^/    | /'
        break
    fi
    sleep 0.5
done
say "jobs finished after $((SECONDS - start_time))s"

# ------------------------------------------------------------------ check --
compare_files() { # format expected actual -> 0 if same
    HYPAR_FORMAT=$1 timeout 30 bash -c "$compare \"\$1\" \"\$2\"" compare "$2" "$3"
}

# Layout seen by the program: JSON "ranks"/"threads" (the real driver and the
# stand-in), and for the stand-in its per-rank lines plus the MPI probe.
check_layout() { # name log json ranks threads -> prints a problem, returns 1
    local name=$1 log=$2 json=$3 want_r=$4 want_t=$5
    if [[ -n $json && -s $json ]]; then
        local got
        got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("ranks","?"), d.get("threads","?"))' "$json" 2>/dev/null)
        if [[ $got != "$want_r $want_t" ]]; then
            echo "JSON says ranks/threads '$got', expected '$want_r $want_t'"
            return 1
        fi
    fi
    ((stand_in)) || return 0
    local n
    n=$(grep -c "^fake-hypar-stats: rank [0-9]* of $want_r, threads $want_t, places cores, bind close" "$log")
    if ((n != want_r)); then
        echo "expected $want_r rank line(s) 'of $want_r, threads $want_t, places cores, bind close' in the log, found $n"
        return 1
    fi
    if [[ -n $probe_bin ]] && ! grep -q "^mpi-probe: world size $want_r, allreduce ok" "$log"; then
        echo "the MPI probe did not report 'world size $want_r, allreduce ok'"
        return 1
    fi
    return 0
}

check_job() {
    local name=$1 id=${JOB[$1]} fmt=${FMT[$1]} want=${EXPECT[$1]}
    local log=$T/logs/$name.log out=${OUTPUT[$1]} ref=$T/direct/$name.$fmt
    local st=${STATE[$id]:-unknown} ec=${EXITC[$id]:-?} why
    local rc=${ec%%:*} sig=${ec#*:}
    if [[ ${DIRECT_RC[$name]} != "$want" ]]; then
        local how="exited ${DIRECT_RC[$name]}"
        [[ ${DIRECT_RC[$name]} == 124 ]] && how="timed out (--direct-timeout ${direct_timeout}s)"
        fail "$name" "the direct run $how, the test expects exit $want"
        show_tail "$T/direct/$name.err" 10
        return
    fi
    if ! terminal "$st"; then
        fail "$name" "job $id did not finish (state $st)"
        show_tail "$log"
        return
    fi
    if [[ $rc != "$want" || $sig != 0 ]]; then
        fail "$name" "job $id ended $st with exit code $ec, expected $want:0"
        show_tail "$log"
        return
    fi
    if [[ ! -f $out ]]; then
        fail "$name" "no results file $out"
        show_tail "$log"
        return
    fi
    if ! why=$(compare_files "$fmt" "$ref" "$out" 2>&1); then
        fail "$name" "job output differs from the direct run"
        printf '%s\n' "$why" | head -n 30 | sed 's/^/    | /'
        return
    fi
    local json=
    [[ $fmt == json ]] && json=$out
    local lt=${LAYOUT[$name]#*x}
    if ((want != 2)) && ! why=$(check_layout "$name" "$log" "$json" "${RANKS[$name]}" "$lt"); then
        fail "$name" "$why"
        show_tail "$log"
        return
    fi
    pass "$name" "job $id, exit $rc"
}

check_array() {
    local name=$1 id=${JOB[$1]} i layout st ec bad=0 why
    local dir=${OUTPUT[$name]} ref=$T/direct/$name.json
    for ((i = 0; i < ${#ARRAY_LAYOUTS[@]}; i++)); do
        layout=${ARRAY_LAYOUTS[$i]}
        st=${STATE[$id.$i]:-unknown} ec=${EXITC[$id.$i]:-?}
        if [[ $st != COMPLETED || $ec != 0:0 ]]; then
            fail "$name" "array task $i ($layout) ended $st, exit $ec"
            show_tail "$T/logs/$name-$i.log"
            show_tail "$dir/$layout.err" 10
            bad=1
            continue
        fi
        if ! why=$(compare_files json "$ref" "$dir/$layout.json" 2>&1); then
            fail "$name" "array task $i ($layout): output differs from the direct run"
            printf '%s\n' "$why" | head -n 30 | sed 's/^/    | /'
            bad=1
            continue
        fi
        if ! why=$(check_layout "$name" "$dir/$layout.err" "$dir/$layout.json" "${layout%x*}" "${layout#*x}"); then
            fail "$name" "array task $i ($layout): $why"
            bad=1
        fi
    done
    ((bad)) && return
    # merge them
    if ! timeout 30 "$JOBSCRIPTS/collect-scaling.sh" "$dir" --quiet 2>"$T/logs/$name-collect.err"; then
        fail "$name" "collect-scaling.sh failed"
        show_tail "$T/logs/$name-collect.err"
        return
    fi
    # summary.csv/.json against the RxT.json and .rc files (seconds, speedup =
    # t(1x1) / t, efficiency), and scaling.png a valid PNG (none without gnuplot)
    local png=(--no-png)
    command -v gnuplot >/dev/null 2>&1 && png=(--png 1280x560)
    if ! why=$(timeout 30 python3 "$ROOT/tests/jobscripts/scaling_check.py" "$dir" --driver stats \
        --layouts "${ARRAY_LAYOUTS[*]}" "${png[@]}" 2>&1); then
        fail "$name" "collect-scaling.sh's summary is not right: $why"
        return
    fi
    pass "$name" "array job $id, ${#ARRAY_LAYOUTS[@]} layouts, collect-scaling.sh $why"
}

for name in "${selected[@]}"; do
    [[ -n ${JOB[$name]:-} ]] || continue
    if [[ ${SCRIPT[$name]} == stats-scaling-array.sbatch ]]; then
        check_array "$name"
    else
        check_job "$name"
    fi
done

# ------------------------------------------------------------------- stop --
stop_start=$SECONDS
if ! bounded timeout -k 5 60 "$CLUSTER" stop "$T/cluster" 2>"$T/logs/cluster-stop.log"; then
    fail "cluster-stop" "stopping the cluster reported problems"
    sed 's/^/    | /' "$T/logs/cluster-stop.log"
fi
cluster_started=0
# the cluster's daemons must be gone
# shellcheck disable=SC2009 # matching on the full command line is the point
left=$(ps -eo pid=,args= | grep -F "$T/" | grep -vE 'grep|run-jobscript-tests' || true)
if [[ -n $left ]]; then
    fail "leftovers" "processes of the test cluster still run:"
    printf '%s\n' "$left" | sed 's/^/    | /'
fi
say "cluster stopped in $((SECONDS - stop_start))s; total $((SECONDS - start_time))s"
((failed)) && say "failed: ${failures[*]}"
say "$passed passed, $failed failed"
((failed == 0))
