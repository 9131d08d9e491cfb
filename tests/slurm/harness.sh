# shellcheck shell=bash disable=SC2154 # keep and total_timeout come from the test script
# harness.sh: the shared parts of the Slurm job-script tests (sourced, not run).
#
#   source "$HERE/harness.sh"
#
# What it gives the test script:
#   say MSG...                 print a line
#   pass NAME [DETAIL]         count a passed check: "PASS NAME (DETAIL)"
#   fail NAME REASON           count a failed check: "FAIL NAME: REASON"
#   summary                    "N passed, M failed"
#   bounded OUT ERR CMD...     run CMD in the background (stdout to OUT, stderr
#                              to ERR) and wait for it, so the signal traps run
#                              at once; returns CMD's status. Bound CMD itself
#                              with `timeout`.
#   show_tail FILE [LINES]     the last lines (15) of FILE, indented
#   harness_clean_env          unset SLURM_*, SBATCH_*, SRUN_*, SALLOC_*, HYPAR_*,
#                              OMP_* (nothing from an outer job or the caller
#                              leaks in); export OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)=1
#                              and LC_ALL=C
#   harness_begin PREFIX       install the traps (cleanup on EXIT, on_signal on
#                              INT/TERM/HUP), start the watchdog (TERM to this
#                              script after $total_timeout s), set start_time and
#                              create the temporary folder T=$TMPDIR/PREFIX.XXXXXX
#                              (mode 0711 for munged)
#   harness_start_cluster      start the private cluster under $T/cluster
#                              (slurm-cluster.sh, bounded, reaped with this
#                              script) and export SLURM_CONF; on failure: FAIL
#                              "cluster", summary, exit 1
#   poll                       fill STATE[id] and EXITC[id] ("rc:signal") from one
#                              `scontrol -o show job`; the tasks of a job array
#                              also as STATE[ARRAYID.TASKID]
#   terminal STATE             true for a state the job will not leave
#   harness_wait_jobs DEADLINE JOB_TIMEOUT ID...
#                              poll every 0.5 s until every job is terminal or
#                              SECONDS reaches DEADLINE (then print squeue); an
#                              ID may be an array task, ARRAYID.TASKID
#   harness_stop_cluster       stop the cluster (FAIL "cluster-stop" on problems),
#                              FAIL "leftovers" if a process still runs with $T/
#                              on its command line
#   harness_finish             name the failures, print the summary; true only
#                              when nothing failed (use it as the last command)
#
# The test script sets these globals before harness_begin: total_timeout
# (seconds), keep (1 = keep $T), and optionally kept_note (what $T holds, for
# the "kept $T (...)" line). T is removed at exit unless keep=1 or a check
# failed.

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER=$HARNESS_DIR/slurm-cluster.sh

passed=0
failed=0
failures=()
T=
cluster_started=0
watchdog=
child=
kept_note=${kept_note:-}
start_time=$SECONDS

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
# Run a (time-bounded) command in the background, stdout to OUT and stderr to
# ERR, and wait for it: unlike a foreground command, `wait` lets the TERM/INT
# trap run at once. (The files are opened for the command only: redirecting
# the call of this function would send the trap's own messages there too.)
bounded() { # out err command...
    local out=$1 err=$2
    shift 2
    "$@" >"$out" 2>"$err" &
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
summary() { say "$passed passed, $failed failed"; }

harness_clean_env() {
    local name
    while IFS='=' read -r name _; do
        case $name in SLURM_* | SBATCH_* | SRUN_* | SALLOC_* | HYPAR_* | OMP_*) unset "$name" ;; esac
    done < <(env)
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export LC_ALL=C
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
            say "kept $T${kept_note:+ ($kept_note)}"
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
    summary
    exit 1
}

harness_begin() { # prefix
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
    T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || { say "cannot create a temporary folder"; exit 1; }
    chmod 0711 "$T" # munged wants o+x on every folder above its socket
    mkdir -p "$T/logs"
}

harness_start_cluster() {
    if ! bounded "$T/logs/cluster-env" "$T/logs/cluster-start.log" \
        timeout -k 5 90 "$CLUSTER" start "$T/cluster" --owner-pid $$ --lifetime $((total_timeout + 60)); then
        cluster_started=1
        fail "cluster" "the private Slurm cluster did not start"
        sed 's/^/    | /' "$T/logs/cluster-start.log"
        summary
        exit 1
    fi
    cluster_started=1
    local env_line
    env_line=$(tail -n 1 "$T/logs/cluster-env")
    export SLURM_CONF=${env_line#export SLURM_CONF=}
    say "cluster up in $((SECONDS - start_time))s (SLURM_CONF=$SLURM_CONF)"
}

# One `scontrol -o show job` per poll: JobId, JobState, ExitCode.
declare -A STATE=() EXITC=()
# shellcheck disable=SC2034 # EXITC is read by the test scripts
poll() {
    STATE=() EXITC=()
    local line id st ec
    while IFS= read -r line; do
        [[ $line =~ ^JobId=([0-9]+) ]] || continue
        id=${BASH_REMATCH[1]}
        [[ $line =~ \ JobState=([A-Z_]+) ]] && st=${BASH_REMATCH[1]} || st=
        [[ $line =~ \ ExitCode=([0-9]+:[0-9]+) ]] && ec=${BASH_REMATCH[1]} || ec=
        # a job that can never start (bad request, a dependency that failed)
        # stays PENDING with such a reason: count it as finished-failed
        if [[ $st == PENDING && $line =~ \ Reason=([A-Za-z_]+) ]]; then
            case ${BASH_REMATCH[1]} in
            None | Priority | Resources | Dependency | BeginTime | JobArrayTaskLimit) ;;
            *) st="NEVER_RUNNABLE(${BASH_REMATCH[1]})" ;;
            esac
        fi
        STATE[$id]=$st
        EXITC[$id]=$ec
        # an array task that runs or ran (the tasks still pending share one
        # record, ArrayTaskId=1-2: its first one is keyed, the others stay unknown)
        if [[ $line =~ \ ArrayJobId=([0-9]+)\ ArrayTaskId=([0-9]+) ]]; then
            STATE[${BASH_REMATCH[1]}.${BASH_REMATCH[2]}]=$st
            EXITC[${BASH_REMATCH[1]}.${BASH_REMATCH[2]}]=$ec
        fi
    done < <(timeout 15 scontrol -o show job 2>/dev/null)
}
terminal() { [[ $1 =~ ^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|NEVER_RUNNABLE.*)$ ]]; }

harness_wait_jobs() { # deadline job_timeout id...
    local deadline=$1 job_timeout=$2 pending id
    shift 2
    while :; do
        poll
        pending=0
        for id in "$@"; do terminal "${STATE[$id]:-}" || pending=$((pending + 1)); done
        ((pending == 0)) && break
        if ((SECONDS >= deadline)); then
            say "timeout: $pending job(s) not finished after ${job_timeout}s"
            timeout 15 squeue 2>&1 | sed 's/^/    | /'
            break
        fi
        sleep 0.5
    done
    say "jobs finished after $((SECONDS - start_time))s"
}

harness_stop_cluster() {
    local stop_start=$SECONDS left self
    if ! bounded /dev/null "$T/logs/cluster-stop.log" timeout -k 5 60 "$CLUSTER" stop "$T/cluster"; then
        fail "cluster-stop" "stopping the cluster reported problems"
        sed 's/^/    | /' "$T/logs/cluster-stop.log"
    fi
    cluster_started=0
    # the cluster's daemons and the jobs' processes must be gone
    self=$(basename "$0" .sh)
    # shellcheck disable=SC2009 # matching on the full command line is the point
    left=$(ps -eo pid=,args= | grep -F "$T/" | grep -vE "grep|$self" || true)
    if [[ -n $left ]]; then
        fail "leftovers" "processes of the test cluster still run:"
        printf '%s\n' "$left" | sed 's/^/    | /'
    fi
    say "cluster stopped in $((SECONDS - stop_start))s; total $((SECONDS - start_time))s"
}

harness_finish() {
    ((failed)) && say "failed: ${failures[*]}"
    summary
    ((failed == 0))
}
