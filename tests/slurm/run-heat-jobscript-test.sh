#!/usr/bin/env bash
# run-heat-jobscript-test.sh: prove that jobscripts/heat-mpirun.sbatch runs
# hypar-heat correctly on a real Slurm. Starts a private one-node cluster
# (slurm-cluster.sh) in a fresh temporary folder, submits the job script with
# sbatch in several layouts on a small problem, chains a checkpointing job and
# a second job that continues it through HYPAR_RESTART, waits with bounded
# timeouts, and checks each job: state COMPLETED and the expected exit code,
# the results file (JSON: ranks and threads as laid out, first step, sum and
# L2 norm as in the direct run; table: the same from its lines), and every
# field file it wrote BITWISE against a direct run
#     mpirun -n 1 hypar-heat --threads 1 <same options> --output REF.h5
# (hypar-heat's result does not depend on the layout, and a restarted run
# equals a straight one). Usage errors must end the job with exit code 2. The
# cluster is always stopped again (trap on EXIT, INT, TERM, HUP; the cluster's
# own reaper also stops it if this script is killed outright). The last line
# is "N passed, M failed"; the exit code is 0 only when nothing failed.
#
#   run-heat-jobscript-test.sh [options]
#
# Options (defaults in brackets):
#   --program PATH     the hypar-heat to test [$HYPAR_HEAT, else hypar-heat on PATH]
#   --python PATH      a python3 with numpy and h5py [/usr/bin/python3]
#   --timeout SEC      the whole run, cluster start and stop included [240]
#   --job-timeout SEC  how long to wait for all jobs, from their submission [120]
#   --direct-timeout SEC  limit for each direct reference run [30]
#   --keep             keep the temporary folder (logs, outputs) afterwards
#   -h, --help
#
# Requirements: root, Slurm 22.05 + munge (slurm-wlm, munge), Open MPI
# (openmpi-bin), python3 with numpy and h5py (python3-numpy, python3-h5py).
# As root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1: this script exports them.
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JOBSCRIPT=$ROOT/jobscripts/heat-mpirun.sbatch
# say/pass/fail/summary, bounded, the traps and watchdog, the cluster, poll
# shellcheck source-path=SCRIPTDIR source=harness.sh
source "$HERE/harness.sh"

program=${HYPAR_HEAT:-hypar-heat}
python=/usr/bin/python3
total_timeout=240
job_timeout=120
direct_timeout=30
keep=0

usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
    case $1 in
    --program) program=${2:?}; shift 2 ;;
    --python) python=${2:?}; shift 2 ;;
    --timeout) total_timeout=${2:?}; shift 2 ;;
    --job-timeout) job_timeout=${2:?}; shift 2 ;;
    --direct-timeout) direct_timeout=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-heat-jobscript-test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# ------------------------------------------------------------------ tests --
# name | ranks x threads | format | expected exit | first step | after |
# how | hypar-heat options | extra environment (VAR=value;...)
#   after: the test whose job must have succeeded first (sbatch
#          --dependency=afterok), so the restart job sees the checkpoint.
#   how:   env = the options go in HYPAR_ARGS; argv = as job script arguments.
#   @OUT in the options: the job's field file ($T/out/NAME.h5), or in the
#   direct run the reference ($T/direct/NAME.h5).
# Every job runs in the submit folder $T/run; relative paths (the chain's
# ck.h5) are relative to it. Each direct run has a folder of its own.
SMALL="--nx 96 --ny 80"
TESTS=(
    "heat-2x1-json|2x1|json|0|0||env|$SMALL --steps 60 --output @OUT|"
    "heat-1x2-json|1x2|json|0|0||env|$SMALL --steps 60 --output @OUT|"
    "heat-2x1-table-argv|2x1|table|0|0||argv|$SMALL --steps 60 --boundary neumann --init sine:2,3 --output @OUT|"
    "chain-1-checkpoint|2x1|json|0|0||env|$SMALL --steps 30 --checkpoint ck.h5 --checkpoint-every 10 --output @OUT|HYPAR_RESTART=ck.h5"
    "chain-2-restart|1x2|json|0|30|chain-1-checkpoint|env|$SMALL --steps 60 --checkpoint ck.h5 --checkpoint-every 10 --output @OUT|HYPAR_RESTART=ck.h5"
    "usage-error-r|2x1|json|2|-||env|--r 0.5|"
    "usage-error-threads-option|1x1|json|2|-||env|--nx 16 --ny 16 --threads 2|"
)
# what the job log must say (grep -E), per test
declare -A LOG_WANT=(
    [chain-1-checkpoint]='fresh start \(no checkpoint ck\.h5 yet\)'
    [chain-2-restart]='restarting from ck\.h5'
    [usage-error-r]='hypar-heat: --r .*stability limit'
    [usage-error-threads-option]='error: give the threads per rank with --cpus-per-task or HYPAR_THREADS'
)

# ------------------------------------------------------------ environment --
# Nothing from an outer Slurm job or the caller's HYPAR_* / OMP_* settings may leak in.
harness_clean_env
harness_begin hypar-heat-slurm
kept_note="logs in $T/logs, job folder $T/run, outputs in $T/out, cluster logs in $T/cluster/log"
mkdir -p "$T/run" "$T/out" "$T/direct" "$T/bin"

# -------------------------------------------------------------- preflight --
if [[ $program != */* ]]; then
    resolved=$(command -v "$program") || { fail "preflight" "program '$program' not found (--program PATH or HYPAR_HEAT)"; summary; exit 1; }
    program=$resolved
fi
[[ -x $program ]] || { fail "preflight" "program '$program' is not executable"; summary; exit 1; }
program=$(cd "$(dirname "$program")" && pwd)/$(basename "$program")
if ! timeout 30 "$python" -c 'import h5py, numpy' 2>"$T/logs/python.err"; then
    fail "preflight" "'$python' cannot import h5py and numpy: $(tr '\n' ' ' <"$T/logs/python.err")"
    summary
    exit 1
fi

# The checks, in python (h5py, numpy, json):
#   check.py h5 EXPECTED.h5 ACTUAL.h5
#       dataset /u: float64, same shape, every value bitwise equal (compared
#       as uint64, so -0.0 vs 0.0 or a NaN payload would count), the same
#       nx/ny/steps attributes.
#   check.py json RESULTS DIRECT.json RANKS THREADS FIRST_STEP
#   check.py table RESULTS DIRECT.json RANKS THREADS
#       the job's summary against the direct run's: same nx, ny, steps, sum
#       and l2_norm (exactly), ranks and threads as laid out.
# Each prints "ok" or what is wrong, and exits 0 only for "ok".
cat >"$T/bin/check.py" <<'PY'
import json, re, sys

def fail(msg):
    print(msg)
    sys.exit(1)

def h5(expected, actual):
    import h5py, numpy as np
    with h5py.File(expected, "r") as fe, h5py.File(actual, "r") as fa:
        for f, name in ((fe, expected), (fa, actual)):
            if "u" not in f:
                fail(f"{name}: no dataset /u")
        de, da = fe["u"], fa["u"]
        if da.dtype != np.float64 or de.dtype != np.float64:
            fail(f"dtype {da.dtype} (job) / {de.dtype} (direct), expected float64")
        if da.shape != de.shape:
            fail(f"shape {da.shape} (job) != {de.shape} (direct)")
        for key in ("nx", "ny", "steps"):
            a, e = da.attrs.get(key), de.attrs.get(key)
            if a is None or e is None or int(a) != int(e):
                fail(f"attribute {key}: {a} (job) != {e} (direct)")
        a, e, steps = da[...], de[...], int(da.attrs["steps"])
        if a.size == 0:
            fail("empty field")
        same = a.view(np.uint64) == e.view(np.uint64)
        if not same.all():
            bad = np.argwhere(~same)
            y, x = bad[0]
            fail(f"{bad.shape[0]} of {a.size} values differ, max |diff| "
                 f"{np.nanmax(np.abs(a - e)):.3e}, first at [{y}][{x}]: {a[y, x]!r} vs {e[y, x]!r}")
    print(f"ok {a.shape[0]}x{a.shape[1]} steps {steps}")

def compare_summary(got, ref, ranks, threads):
    for key in ("nx", "ny", "steps", "sum", "l2_norm"):
        if got.get(key) != ref.get(key):
            fail(f"{key} {got.get(key)!r} != {ref.get(key)!r} of the direct run")
    if (got.get("ranks"), got.get("threads")) != (ranks, threads):
        fail(f"ranks/threads {got.get('ranks')}/{got.get('threads')}, expected {ranks}/{threads}")

def from_json(results, direct, ranks, threads, first):
    try:
        got = json.load(open(results))
    except ValueError as e:
        fail(f"{results} is not valid JSON: {e}")
    ref = json.load(open(direct))
    compare_summary(got, ref, int(ranks), int(threads))
    if got.get("first_step") != int(first):
        fail(f"first_step {got.get('first_step')!r}, expected {first}")
    if got.get("steps_run") != got.get("steps", 0) - int(first):
        fail(f"steps_run {got.get('steps_run')!r}, expected {got.get('steps', 0) - int(first)}")
    print("ok")

def from_table(results, direct, ranks, threads):
    text = open(results).read()
    m = re.search(r"^hypar-heat: (\d+) x (\d+) points, steps \d+\.\.(\d+)", text, re.M)
    lay = re.search(r"^\s*layout\s+(\d+) ranks? \(.*\) x (\d+) threads?", text, re.M)
    s = re.search(r"^\s*sum\s+(\S+)$", text, re.M)
    l2 = re.search(r"^\s*l2 norm\s+(\S+)$", text, re.M)
    if not (m and lay and s and l2):
        fail(f"{results}: not a hypar-heat table (header, layout, sum, l2 norm lines):\n{text}")
    got = {"nx": int(m[1]), "ny": int(m[2]), "steps": int(m[3]), "ranks": int(lay[1]),
           "threads": int(lay[2]), "sum": float(s[1]), "l2_norm": float(l2[1])}
    compare_summary(got, json.load(open(direct)), int(ranks), int(threads))
    print("ok")

{"h5": h5, "json": from_json, "table": from_table}[sys.argv[1]](*sys.argv[2:])
PY
check() { timeout 60 "$python" "$T/bin/check.py" "$@" 2>&1; }

# ---------------------------------------------------------------- cluster --
say "hypar-heat Slurm job-script test: program $program, temp $T"
harness_start_cluster

# ----------------------------------------------------------------- submit --
declare -A JOB=() FMT=() EXPECT=() FIRST=() LAYOUT=() OPTS=() RESULTS=()
names=()
for t in "${TESTS[@]}"; do
    IFS='|' read -r name layout format expect first after how opts envs <<<"$t"
    names+=("$name")
    FMT[$name]=$format EXPECT[$name]=$expect FIRST[$name]=$first LAYOUT[$name]=$layout OPTS[$name]=$opts
    r=${layout%x*} th=${layout#*x}
    ext=$format
    [[ $format == table ]] && ext=txt
    read -r -a words <<<"${opts//@OUT/$T/out/$name.h5}"

    envv=("HYPAR_HEAT=$program" "HYPAR_FORMAT=$format")
    if [[ $how == argv ]]; then
        # default HYPAR_OUTDIR: the results land in the submit folder
        args=("${words[@]}")
        RESULTS[$name]=$T/run/hypar-heat-@ID.$ext
    else
        envv+=("HYPAR_ARGS=${words[*]}" "HYPAR_OUTDIR=$T/out/$name")
        args=()
        RESULTS[$name]=$T/out/$name/hypar-heat-@ID.$ext
    fi
    if [[ -n $envs ]]; then
        IFS=';' read -r -a kvs <<<"$envs"
        envv+=("${kvs[@]}")
    fi
    sb=(--output="$T/logs/$name.log" --nodes=1 --ntasks-per-node="$r" --cpus-per-task="$th")
    if [[ -n $after ]]; then
        if [[ -z ${JOB[$after]:-} ]]; then
            fail "$name" "not submitted: it needs the job of $after, which was not submitted"
            continue
        fi
        sb+=(--dependency="afterok:${JOB[$after]}" --kill-on-invalid-dep=yes)
    fi
    # sbatch from the submit folder: it is the job's working folder and SLURM_SUBMIT_DIR
    if ! id=$(cd "$T/run" && env "${envv[@]}" timeout 20 sbatch --parsable --job-name="$name" \
        --time=2 "${sb[@]}" "$JOBSCRIPT" "${args[@]}" 2>"$T/logs/$name.sbatch"); then
        fail "$name" "sbatch refused the job: $(tr '\n' ' ' <"$T/logs/$name.sbatch")"
        continue
    fi
    JOB[$name]=${id%%;*}
    RESULTS[$name]=${RESULTS[$name]//@ID/${JOB[$name]}}
done
say "submitted ${#JOB[@]} job(s) after $((SECONDS - start_time))s"
submitted_at=$SECONDS

# ---------------------------------------------------- direct reference runs --
# The same options, straight (no restart), one rank, one thread, each in a
# folder of its own (so a relative --checkpoint does not touch the jobs' one).
declare -A DIRECT_RC=()
for name in "${!JOB[@]}"; do
    d=$T/direct/$name
    mkdir -p "$d"
    read -r -a words <<<"${OPTS[$name]//@OUT/$T/direct/$name.h5}"
    # the job script itself refuses --threads in the options: no direct run
    # to compare with ("-")
    if [[ $name == usage-error-threads-option ]]; then
        DIRECT_RC[$name]=-
        continue
    fi
    bounded "$T/direct/$name.json" "$T/direct/$name.err" \
        env -C "$d" timeout -k 5 "$direct_timeout" mpirun -n 1 \
        --mca orte_execute_quiet 1 --mca odls_base_sigkill_timeout 0 \
        "$program" --threads 1 --format json "${words[@]}"
    DIRECT_RC[$name]=$?
done

# ------------------------------------------------------------------- wait --
harness_wait_jobs $((submitted_at + job_timeout)) "$job_timeout" "${JOB[@]}"

# ------------------------------------------------------------------ check --
check_job() {
    local name=$1 id=${JOB[$1]} fmt=${FMT[$1]} want=${EXPECT[$1]}
    local log=$T/logs/$name.log results=${RESULTS[$1]} st=${STATE[${JOB[$1]}]:-unknown}
    local ec=${EXITC[${JOB[$1]}]:-?} why layout=${LAYOUT[$1]}
    local rc=${ec%%:*} sig=${ec#*:}
    if [[ ${DIRECT_RC[$name]} != - && ${DIRECT_RC[$name]} != "$want" ]]; then
        local how="exited ${DIRECT_RC[$name]}"
        [[ ${DIRECT_RC[$name]} == 124 ]] && how="timed out (--direct-timeout ${direct_timeout}s)"
        fail "$name" "the direct run $how, the test expects exit $want"
        show_tail "$T/direct/$name.err" 10
        return
    fi
    local want_state=COMPLETED
    ((want != 0)) && want_state=FAILED
    if [[ $st != "$want_state" || $rc != "$want" || $sig != 0 ]]; then
        fail "$name" "job $id ended $st with exit code $ec, expected $want_state $want:0"
        show_tail "$log"
        return
    fi
    if [[ -n ${LOG_WANT[$name]:-} ]] && ! grep -qE -- "${LOG_WANT[$name]}" "$log"; then
        fail "$name" "the job log does not say /${LOG_WANT[$name]}/"
        show_tail "$log"
        return
    fi
    if ((want != 0)); then
        pass "$name" "job $id, exit $rc"
        return
    fi
    if [[ ! -s $results ]]; then
        fail "$name" "no results file $results"
        show_tail "$log"
        return
    fi
    if [[ $fmt == json ]]; then
        why=$(check json "$results" "$T/direct/$name.json" "${layout%x*}" "${layout#*x}" "${FIRST[$name]}")
    else
        why=$(check table "$results" "$T/direct/$name.json" "${layout%x*}" "${layout#*x}")
    fi
    if [[ $why != ok ]]; then
        fail "$name" "results $results: $why"
        show_tail "$log"
        return
    fi
    if ! why=$(check h5 "$T/direct/$name.h5" "$T/out/$name.h5"); then
        fail "$name" "field $T/out/$name.h5 against the direct run: $why"
        return
    fi
    pass "$name" "job $id, exit $rc, $layout, field $why, bitwise"
}

for name in "${names[@]}"; do
    [[ -n ${JOB[$name]:-} ]] || continue
    check_job "$name"
done

# The chain's checkpoint, left by its second job at step 60, must equal the
# straight run's last checkpoint too (written by the same --checkpoint option).
if [[ -n ${JOB[chain-2-restart]:-} && -f $T/direct/chain-2-restart/ck.h5 ]]; then
    if why=$(check h5 "$T/direct/chain-2-restart/ck.h5" "$T/run/ck.h5"); then
        pass "chain-checkpoint-file" "$T/run/ck.h5: $why, bitwise"
    else
        fail "chain-checkpoint-file" "$T/run/ck.h5 against the straight run's: $why"
    fi
fi

# ------------------------------------------------------------------- stop --
harness_stop_cluster
harness_finish
