#!/usr/bin/env bash
# run-scaling-jobscript-test.sh: prove that jobscripts/scaling-array.sbatch
# sweeps hypar-heat and hypar-sort on a real Slurm and that collect-scaling.sh
# makes the right tables and picture of them. Starts a private one-node
# cluster (slurm-cluster.sh) in a fresh temporary folder and submits
#   heat  a 3-task job array (layouts 1x1 1x2 2x1, srun): one small problem
#         (HYPAR_NX/NY/STEPS) and a job script argument (--boundary neumann);
#   sort  a 3-task job array (the same layouts, HYPAR_LAUNCHER=mpirun): each
#         task generates the same records, sorts them out of core (--memory)
#         and checks them;
#   usage a 1-task array whose options give --threads (refused: exit 2);
# waits with bounded timeouts and checks every task: state COMPLETED, exit 0,
# its RxT.json the driver's summary with ranks and threads as laid out and
# the same result as a direct run (heat: nx, ny, steps, sum and L2 norm of
# `mpirun -n 1 hypar-heat --threads 1`; sort: records, and check's checksum
# of the sorted output equal to the checksum of a direct `hypar-sort gen` of
# the same records, ordered), RxT.rc saying exit=0 and the driver, no
# generated or sorted file left behind. Then collect-scaling.sh on each
# sweep: exit 0, and tests/jobscripts/scaling_check.py compares summary.csv
# and summary.json with the RxT.json and RxT.rc files (seconds the driver's
# own, speedup = t(1x1) / t, efficiency = speedup / cores) and checks that
# scaling.png is a valid PNG of 1280 x 560 pixels (none without gnuplot). The
# cluster is always stopped again (trap on EXIT, INT, TERM, HUP; the
# cluster's own reaper also stops it if this script is killed outright). The
# last line is "N passed, M failed"; the exit code is 0 only when nothing
# failed.
#
#   run-scaling-jobscript-test.sh [options]
#
# Options (defaults in brackets):
#   --heat PATH        the hypar-heat to test [$HYPAR_HEAT, else hypar-heat on PATH]
#   --sort PATH        the hypar-sort to test [$HYPAR_SORT, else hypar-sort on PATH]
#   --python PATH      a python3 [/usr/bin/python3]
#   --timeout SEC      the whole run, cluster start and stop included [200]
#   --job-timeout SEC  how long to wait for all jobs, from their submission [120]
#   --keep             keep the temporary folder (logs, outputs, pictures) afterwards
#   -h, --help
#
# Requirements: root, Slurm 22.05 + munge (slurm-wlm, munge), Open MPI
# (openmpi-bin), python3; gnuplot (gnuplot-nox) for the picture. As root,
# Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1:
# this script exports them.
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JOBSCRIPT=$ROOT/jobscripts/scaling-array.sbatch
COLLECT=$ROOT/jobscripts/collect-scaling.sh
SCALING_CHECK=$ROOT/tests/jobscripts/scaling_check.py
# say/pass/fail/summary, bounded, the traps and watchdog, the cluster, poll
# shellcheck source-path=SCRIPTDIR source=harness.sh
source "$HERE/harness.sh"

heat=${HYPAR_HEAT:-hypar-heat}
sort=${HYPAR_SORT:-hypar-sort}
python=/usr/bin/python3
total_timeout=200
job_timeout=120
keep=0

usage() { sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
    case $1 in
    --heat) heat=${2:?}; shift 2 ;;
    --sort) sort=${2:?}; shift 2 ;;
    --python) python=${2:?}; shift 2 ;;
    --timeout) total_timeout=${2:?}; shift 2 ;;
    --job-timeout) job_timeout=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-scaling-jobscript-test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

LAYOUTS="1x1 1x2 2x1"
NX=192 NY=160 STEPS=40 # the heat problem
RECORDS=20000          # the sort problem
# name | driver | layouts | expected exit | job script arguments | environment (VAR=value;...)
SWEEPS=(
    "heat|heat|$LAYOUTS|0|--boundary neumann|HYPAR_NX=$NX;HYPAR_NY=$NY;HYPAR_STEPS=$STEPS"
    "sort|sort|$LAYOUTS|0||HYPAR_LAUNCHER=mpirun;HYPAR_RECORDS=$RECORDS;HYPAR_ARGS=--memory 256K"
    "usage|heat|1x1|2|--threads 2|HYPAR_NX=16;HYPAR_NY=16;HYPAR_STEPS=1"
)

# ------------------------------------------------------------ environment --
# Nothing from an outer Slurm job or the caller's HYPAR_* / OMP_* settings may leak in.
harness_clean_env
harness_begin hypar-scaling-slurm
kept_note="logs in $T/logs, sweeps (results, tables, scaling.png) in $T/out, cluster logs in $T/cluster/log"
mkdir -p "$T/out" "$T/direct"

# -------------------------------------------------------------- preflight --
for v in heat sort; do
    p=${!v}
    if [[ $p != */* ]]; then
        p=$(command -v "$p") || { fail "preflight" "program '${!v}' not found (--$v PATH or HYPAR_${v^^})"; summary; exit 1; }
    fi
    [[ -x $p ]] || { fail "preflight" "program '$p' is not executable"; summary; exit 1; }
    printf -v "$v" '%s' "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
done
if ! timeout 30 "$python" -c 'import json, csv, zlib' 2>"$T/logs/python.err"; then
    fail "preflight" "'$python' does not run: $(tr '\n' ' ' <"$T/logs/python.err")"
    summary
    exit 1
fi
png_want=(--png 1280x560)
if ! command -v gnuplot >/dev/null 2>&1; then
    say "note: no gnuplot: collect-scaling.sh draws no picture, and none is expected"
    png_want=(--no-png)
fi

# ---------------------------------------------------------------- cluster --
say "scaling sweeps on Slurm: hypar-heat $heat, hypar-sort $sort, temp $T"
harness_start_cluster

# ----------------------------------------------------------------- submit --
declare -A JOB=() TASKS=() LAYOUTS_OF=() DRIVER=() EXPECT=()
names=()
for s in "${SWEEPS[@]}"; do
    IFS='|' read -r name driver layouts expect args envs <<<"$s"
    names+=("$name")
    read -r -a ls <<<"$layouts"
    DRIVER[$name]=$driver LAYOUTS_OF[$name]=$layouts EXPECT[$name]=$expect TASKS[$name]=${#ls[@]}
    envv=("HYPAR_HEAT=$heat" "HYPAR_SORT=$sort" "HYPAR_LAYOUTS=$layouts" "HYPAR_OUTDIR=$T/out/$name")
    IFS=';' read -r -a kvs <<<"$envs"
    envv+=("${kvs[@]}")
    read -r -a argv <<<"$args"
    # every task asks for the same pool of 2 cores and runs its layout inside it
    if ! id=$(env "${envv[@]}" timeout 20 sbatch --parsable --job-name="scaling-$name" --chdir="$T" \
        --time=2 --array=0-$((${#ls[@]} - 1)) --output="$T/logs/$name-%a.log" \
        --nodes=1 --ntasks=2 --cpus-per-task=1 "$JOBSCRIPT" "$driver" "${argv[@]}" 2>"$T/logs/$name.sbatch"); then
        fail "$name" "sbatch refused the job: $(tr '\n' ' ' <"$T/logs/$name.sbatch")"
        continue
    fi
    JOB[$name]=${id%%;*}
done
say "submitted ${#JOB[@]} job array(s) after $((SECONDS - start_time))s"
submitted_at=$SECONDS

# ---------------------------------------------------- direct reference runs --
bounded "$T/direct/heat.json" "$T/direct/heat.err" timeout -k 5 30 mpirun -n 1 \
    --mca orte_execute_quiet 1 --mca odls_base_sigkill_timeout 0 \
    "$heat" --threads 1 --format json --nx "$NX" --ny "$NY" --steps "$STEPS" --boundary neumann
heat_direct_rc=$?
bounded "$T/direct/gen.json" "$T/direct/gen.err" timeout -k 5 30 mpirun -n 1 \
    --mca orte_execute_quiet 1 --mca odls_base_sigkill_timeout 0 \
    "$sort" --format json gen "$RECORDS" "$T/direct/records"
gen_direct_rc=$?
rm -f "$T/direct/records"

# ------------------------------------------------------------------- wait --
ids=()
for name in "${!JOB[@]}"; do
    for ((i = 0; i < TASKS[$name]; i++)); do ids+=("${JOB[$name]}.$i"); done
done
harness_wait_jobs $((submitted_at + job_timeout)) "$job_timeout" "${ids[@]}"

# ------------------------------------------------------------------ check --
# check.py heat|sort RESULTS.json RC_FILE RANKS THREADS DIRECT.json [CHECK.json]
#   heat: nx, ny, steps, sum, l2_norm as in the direct run; ranks, threads
#   sort: command sort, records RECORDS, ranks, threads, out of core; check's
#         summary: ordered, records and checksum those of the direct gen
#   both: the .rc says exit=0, the driver, the layout
cat >"$T/check.py" <<'PY'
import json, sys

def fail(msg):
    print(msg)
    sys.exit(1)

kind, results, rc_file, ranks, threads, direct = sys.argv[1:7]
try:
    got = json.load(open(results))
    ref = json.load(open(direct))
except (OSError, ValueError) as e:
    fail(f"cannot read {results} or {direct}: {e}")
rc = dict(w.split("=", 1) for w in open(rc_file).read().split() if "=" in w)
for k, v in (("exit", "0"), ("driver", kind), ("layout", f"{ranks}x{threads}")):
    if rc.get(k) != v:
        fail(f"{rc_file}: {k}={rc.get(k)!r}, expected {v!r}")
if (got.get("ranks"), got.get("threads")) != (int(ranks), int(threads)):
    fail(f"ranks/threads {got.get('ranks')}/{got.get('threads')}, expected {ranks}/{threads}")
if not isinstance(got.get("seconds"), float) or got["seconds"] <= 0:
    fail(f"seconds {got.get('seconds')!r}")
if kind == "heat":
    for k in ("nx", "ny", "steps", "boundary", "sum", "l2_norm"):
        if got.get(k) != ref.get(k):
            fail(f"{k} {got.get(k)!r}, the direct run's {ref.get(k)!r}")
    print(f"ok, sum {got['sum']}, l2 norm {got['l2_norm']} as the direct run")
else:
    if got.get("command") != "sort" or got.get("records") != ref["records"] or got.get("out_of_core") is not True:
        fail(f"sort summary: command {got.get('command')!r}, records {got.get('records')!r}, "
             f"out_of_core {got.get('out_of_core')!r}; expected sort, {ref['records']}, true")
    check = json.load(open(sys.argv[7]))
    for k, v in (("command", "check"), ("ordered", True), ("records", ref["records"]),
                 ("checksum", ref["checksum"])):
        if check.get(k) != v:
            fail(f"check summary: {k} {check.get(k)!r}, expected {v!r} (the direct gen's)")
    print(f"ok, {got['runs']} runs, sorted output ordered, checksum {check['checksum']} as the direct gen")
PY

check_sweep() {
    local name=$1 id=${JOB[$1]} driver=${DRIVER[$1]} want=${EXPECT[$1]} dir=$T/out/$1 i layout st ec why bad=0
    local -a ls
    read -r -a ls <<<"${LAYOUTS_OF[$name]}"
    for ((i = 0; i < ${#ls[@]}; i++)); do
        layout=${ls[$i]} st=${STATE[$id.$i]:-unknown} ec=${EXITC[$id.$i]:-?}
        local want_state=COMPLETED
        ((want != 0)) && want_state=FAILED
        if [[ $st != "$want_state" || $ec != "$want:0" ]]; then
            fail "$name" "array task $i ($layout) ended $st, exit $ec; expected $want_state $want:0"
            show_tail "$T/logs/$name-$i.log"
            show_tail "$dir/$layout.err" 10
            bad=1
            continue
        fi
        ((want != 0)) && continue
        local direct=$T/direct/heat.json extra=()
        if [[ $driver == sort ]]; then
            direct=$T/direct/gen.json extra=("$dir/$layout.check.json")
        fi
        if ! why=$(timeout 30 "$python" "$T/check.py" "$driver" "$dir/$layout.json" "$dir/$layout.rc" \
            "${layout%x*}" "${layout#*x}" "$direct" "${extra[@]}" 2>&1); then
            fail "$name" "array task $i ($layout): $why"
            bad=1
        fi
    done
    ((bad)) && return
    if ((want != 0)); then
        if grep -q "error: '--threads' in HYPAR_ARGS or the arguments: the threads per rank come from the layout" \
            "$T/logs/$name-0.log"; then
            pass "$name" "array job $id refused --threads, exit $want"
        else
            fail "$name" "the job log does not say that --threads is refused"
            show_tail "$T/logs/$name-0.log"
        fi
        return
    fi
    # the sort sweep's generated inputs and sorted outputs are gone, spills too
    local f left=()
    for f in "$dir"/* "$dir"/.[!.]*; do
        [[ -e $f && ! ${f##*/} =~ ^[0-9]+x[0-9]+\.(json|err|rc|check\.json)$ ]] && left+=("${f##*/}")
    done
    if ((${#left[@]})); then
        fail "$name" "files left in $dir: ${left[*]}"
        return
    fi
    if ! timeout 60 "$COLLECT" "$dir" --quiet 2>"$T/logs/$name-collect.err"; then
        fail "$name" "collect-scaling.sh failed"
        show_tail "$T/logs/$name-collect.err"
        return
    fi
    if ! why=$(timeout 30 "$python" "$SCALING_CHECK" "$dir" --driver "$driver" --layouts "${LAYOUTS_OF[$name]}" \
        "${png_want[@]}" 2>&1); then
        fail "$name" "collect-scaling.sh's summary: $why"
        return
    fi
    pass "$name" "array job $id, ${#ls[@]} layouts as the direct run, collect-scaling.sh $why"
    sed 's/^/    | /' "$dir/summary.csv"
}

if [[ $heat_direct_rc != 0 || $gen_direct_rc != 0 ]]; then
    fail "direct" "the direct runs failed (hypar-heat exit $heat_direct_rc, hypar-sort gen exit $gen_direct_rc)"
    show_tail "$T/direct/heat.err" 10
    show_tail "$T/direct/gen.err" 10
else
    for name in "${names[@]}"; do
        [[ -n ${JOB[$name]:-} ]] || continue
        check_sweep "$name"
    done
fi

# ------------------------------------------------------------------- stop --
harness_stop_cluster
harness_finish
