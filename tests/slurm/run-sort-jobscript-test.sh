#!/usr/bin/env bash
# run-sort-jobscript-test.sh: prove that jobscripts/sort-mpirun.sbatch runs
# hypar-sort's gen, sort and check correctly in one job on a real Slurm.
# Starts a private one-node cluster (slurm-cluster.sh) in a fresh temporary
# folder, submits the job script with sbatch in several layouts on small
# inputs (in memory, out of core with spills and --parts, skewed keys, ASCII
# records generated in parts, usage errors, a sort that fails, a sort whose
# output is corrupted so that the checksums differ), waits with
# bounded timeouts, and checks each job: state and exit code, what its log
# says, the results file (JSON: exit codes, records, both checksums equal to
# one computed here, ordered, layout, in memory or out of core), the files
# left in its folders (input removed or kept, the sorted output or its parts,
# no temporary or spill files, i.e. no names starting with '.'), and the
# sorted output BYTE FOR BYTE against an independent reference: Python's
# stable sorted(records, key=lambda r: r[:10]) of the same input, generated
# here directly with `mpirun -n 1 hypar-sort gen` (gen is deterministic; a
# kept input must equal it too). The checksum is checked against the sum of
# the records' CRC-32s (valsort's), computed in Python. The cluster is always
# stopped again (trap on EXIT, INT, TERM, HUP; the cluster's own reaper also
# stops it if this script is killed outright). The last line is
# "N passed, M failed"; the exit code is 0 only when nothing failed.
#
#   run-sort-jobscript-test.sh [options]
#
# Options (defaults in brackets):
#   --program PATH     the hypar-sort to test [$HYPAR_SORT, else hypar-sort on PATH]
#   --python PATH      a python3 [/usr/bin/python3]
#   --timeout SEC      the whole run, cluster start and stop included [240]
#   --job-timeout SEC  how long to wait for all jobs, from their submission [120]
#   --direct-timeout SEC  limit for each direct reference gen [30]
#   --keep             keep the temporary folder (logs, outputs) afterwards
#   -h, --help
#
# Requirements: root, Slurm 22.05 + munge (slurm-wlm, munge), Open MPI
# (openmpi-bin), python3. As root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1: this script exports them.
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JOBSCRIPT=$ROOT/jobscripts/sort-mpirun.sbatch
# say/pass/fail/summary, bounded, the traps and watchdog, the cluster, poll
# shellcheck source-path=SCRIPTDIR source=harness.sh
source "$HERE/harness.sh"

program=${HYPAR_SORT:-hypar-sort}
python=/usr/bin/python3
total_timeout=240
job_timeout=120
direct_timeout=30
keep=0

usage() { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
    case $1 in
    --program) program=${2:?}; shift 2 ;;
    --python) python=${2:?}; shift 2 ;;
    --timeout) total_timeout=${2:?}; shift 2 ;;
    --job-timeout) job_timeout=${2:?}; shift 2 ;;
    --direct-timeout) direct_timeout=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-sort-jobscript-test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# ------------------------------------------------------------------ tests --
# name | ranks x threads | expected exit | records | HYPAR_GEN_ARGS |
# HYPAR_SORT_ARGS | how | keep input | mode | extra environment (VAR=value;...)
#   how:  env = the sort options go in HYPAR_SORT_ARGS; argv = as job script
#         arguments.
#   mode: mem = in memory, ooc = out of core (spilled runs); "-" for a job
#         that must fail.
#   @BIN in the environment: $T/bin, which holds corrupting-hypar-sort (the
#   real one, but after a sort it changes the last byte of the output, so the
#   output stays ordered and its checksum differs: the job must notice).
#   @JOB in the options and environment: the job's submit folder
#   $T/jobs/NAME, its working folder. Each job has a folder of its own; the
#   files go there by default (HYPAR_WORKDIR, HYPAR_OUTDIR unset) or where the
#   extra environment says.
TESTS=(
    "mem-2x1|2x1|0|30000|||env|1|mem|"
    "mem-1x2|1x2|0|30000|||argv|0|mem|"
    "ooc-parts-2x1|2x1|0|50000||--memory 256K --tmp @JOB/spill --parts|env|0|ooc|HYPAR_WORKDIR=@JOB/work;HYPAR_OUTDIR=@JOB/results"
    "skew-ooc-1x2|1x2|0|40000|-s|--memory 512K|argv|1|ooc|"
    "ascii-genparts-2x1|2x1|0|20000|-a --parts||env|1|mem|"
    "usage-error-threads|2x1|2|20000||--memory 1M --threads 2|env|0|-|"
    "usage-error-records|1x1|2|12x|||env|0|-|"
    "sort-fails-tmp|2x1|1|20000||--memory 64K --tmp @JOB/missing|env|0|-|"
    "checksum-mismatch|1x1|1|20000|||env|0|-|HYPAR_SORT=@BIN/corrupting-hypar-sort"
)
# what the results file of a job that must end with exit code 1 says ("status~": how its
# status begins); with "output": [] no sorted file may exist either
declare -A RESULT_WANT=(
    [sort-fails-tmp]='{"exit_code": 1, "status": "sort failed (exit code 1)", "output": [], "sort": null,
        "exit_codes": {"gen": 0, "sort": 1, "check": null}, "ordered": null, "checksums_match": null}'
    [checksum-mismatch]='{"exit_code": 1, "status~": "checksums differ: gen ", "checksums_match": false,
        "ordered": true, "exit_codes": {"gen": 0, "sort": 0, "check": 0}, "records_checked": 20000}'
)
# what the job log must say (grep -E), per test; a job that succeeds must
# have printed check's valsort report
declare -A LOG_WANT=(
    [usage-error-threads]="error: give the threads per rank with --cpus-per-task or HYPAR_THREADS, not '--threads'"
    [usage-error-records]="error: HYPAR_RECORDS must be a positive number of records, not '12x'"
    [sort-fails-tmp]='cannot create the spill file .*/missing/\.hypar-sort-run-'
)
SUCCESS_LINE='SUCCESS - all records are in order'

# ------------------------------------------------------------ environment --
# Nothing from an outer Slurm job or the caller's HYPAR_* / OMP_* settings may leak in.
harness_clean_env
harness_begin hypar-sort-slurm
kept_note="logs in $T/logs, job folders in $T/jobs, reference inputs in $T/direct, cluster logs in $T/cluster/log"
mkdir -p "$T/jobs" "$T/direct" "$T/bin"

# -------------------------------------------------------------- preflight --
if [[ $program != */* ]]; then
    resolved=$(command -v "$program") || { fail "preflight" "program '$program' not found (--program PATH or HYPAR_SORT)"; summary; exit 1; }
    program=$resolved
fi
[[ -x $program ]] || { fail "preflight" "program '$program' is not executable"; summary; exit 1; }
program=$(cd "$(dirname "$program")" && pwd)/$(basename "$program")
if ! timeout 30 "$python" -c 'import json, zlib' 2>"$T/logs/python.err"; then
    fail "preflight" "'$python' does not run: $(tr '\n' ' ' <"$T/logs/python.err")"
    summary
    exit 1
fi

# The check, in python:
#   check.py ok NAME RESULTS REFERENCE_INPUT RECORDS RANKS THREADS MODE PARTS STEM [KEPT_INPUT...]
# The results file: exit_code 0, status ok, every step's exit code 0 and its
# seconds a number, records (asked, generated, checked) = RECORDS, both
# checksums equal to the sum of the CRC-32s of the reference's records (as
# valsort computes it) and checksums_match, ordered, ranks and threads as laid
# out, sort's summary: in memory or out of core as MODE says (ooc: more than
# one run), parts = ranks with PARTS=1; output = STEM or its part files
# STEM.part-00000.. in order, all present. The concatenation of the outputs
# must equal, byte for byte, Python's stable sort by the 10-byte key of the
# reference input, which must not be sorted already. A kept input (its files
# in order) must equal the reference input. Prints "ok ..." or what is wrong,
# and exits 0 only for "ok".
#   check.py fails RESULTS WANT_JSON STEM
# The results file of a job that ended with exit code 1 says what WANT_JSON
# says; if its output list is empty, no STEM or STEM.part-* file exists.
cat >"$T/bin/check.py" <<'PY'
import json, os, sys, zlib

def fail(msg):
    print(msg)
    sys.exit(1)

def read_all(paths):
    data = bytearray()
    for p in paths:
        with open(p, "rb") as f:
            data += f.read()
    return bytes(data)

def records_of(data, what):
    if len(data) % 100:
        fail(f"{what}: {len(data)} bytes, not a multiple of 100")
    return [data[i:i + 100] for i in range(0, len(data), 100)]

def main(name, results, reference, records, ranks, threads, mode, parts, stem, *kept):
    records, ranks, threads, parts = int(records), int(ranks), int(threads), parts == "1"
    try:
        got = json.load(open(results))
    except (OSError, ValueError) as e:
        fail(f"{results}: not a JSON file: {e}")
    ref = records_of(read_all([reference]), reference)
    if len(ref) != records:
        fail(f"the reference input has {len(ref)} records, expected {records}")
    checksum = format(sum(zlib.crc32(r) for r in ref), "x")
    want = {"exit_code": 0, "status": "ok", "records": records, "records_generated": records,
            "records_checked": records, "checksum_gen": checksum, "checksum_check": checksum,
            "checksums_match": True, "ordered": True, "ranks": ranks, "threads": threads,
            "exit_codes": {"gen": 0, "sort": 0, "check": 0}}
    for key, value in want.items():
        if got.get(key) != value:
            fail(f"results: {key} is {got.get(key)!r}, expected {value!r}")
    for step in ("gen", "sort", "check", "total"):
        s = got.get("seconds", {}).get(step)
        if not isinstance(s, (int, float)) or s < 0:
            fail(f"results: seconds.{step} is {s!r}")
    summary = got.get("sort")
    if not isinstance(summary, dict):
        fail(f"results: no sort summary: {summary!r}")
    for key, value in (("command", "sort"), ("records", records), ("ranks", ranks),
                       ("threads", threads), ("out_of_core", mode == "ooc")):
        if summary.get(key) != value:
            fail(f"sort summary: {key} is {summary.get(key)!r}, expected {value!r}")
    if mode == "ooc" and not summary.get("runs", 0) > 1:
        fail(f"sort summary: out of core with {summary.get('runs')!r} runs, expected several")
    if parts and summary.get("parts") != ranks:
        fail(f"sort summary: parts {summary.get('parts')!r}, expected {ranks}")
    outputs = [f"{stem}.part-{i:05d}" for i in range(ranks)] if parts else [stem]
    if got.get("output") != outputs:
        fail(f"results: output {got.get('output')!r}, expected {outputs!r}")
    for p in outputs:
        if not os.path.isfile(p):
            fail(f"sorted output {p} missing")
    expected = b"".join(sorted(ref, key=lambda r: r[:10]))  # stable
    if expected == b"".join(ref):
        fail("the reference input is sorted already: the test would prove nothing")
    actual = read_all(outputs)
    if actual != expected:
        act = records_of(actual, "the sorted output")
        if len(act) != len(ref):
            fail(f"the sorted output has {len(act)} records, expected {len(ref)}")
        i = next(i for i in range(len(act)) if act[i] != expected[i * 100:(i + 1) * 100])
        fail(f"the sorted output differs from Python's stable sort first at record {i} "
             f"(key {act[i][:10].hex()} vs {expected[i * 100:i * 100 + 10].hex()})")
    if kept and read_all(kept) != b"".join(ref):
        fail(f"the kept input {' '.join(kept)} differs from the direct gen's")
    keys = [r[:10] for r in ref]
    dups = len(keys) - len(set(keys))
    print(f"ok {records} records, checksum {checksum}, {len(outputs)} output file(s), "
          f"{summary.get('runs')} runs, {dups} duplicate keys, byte for byte")

def fails(results, want, stem):
    try:
        got = json.load(open(results))
    except (OSError, ValueError) as e:
        fail(f"{results}: not a JSON file: {e}")
    for key, value in json.loads(want).items():
        if key.endswith("~"):
            if not str(got.get(key[:-1])).startswith(value):
                fail(f"{key[:-1]} is {got.get(key[:-1])!r}, expected {value!r}...")
        elif got.get(key) != value:
            fail(f"{key} is {got.get(key)!r}, expected {value!r}")
    folder, base = os.path.split(stem)
    left = sorted(f for f in os.listdir(folder) if f == base or f.startswith(base + ".part-"))
    if got.get("output") == [] and left:
        fail(f"no output in the results, but {', '.join(left)} in {folder}")
    print(f"ok: {got['status']}")

{"ok": main, "fails": fails}[sys.argv[1]](*sys.argv[2:])
PY
check() { timeout 60 "$python" "$T/bin/check.py" "$@" 2>&1; }

# hypar-sort, but its sort output ends with another byte (run with one rank)
{
    printf '#!/bin/bash\nreal=%q\n' "$program"
    cat <<'SH'
"$real" "$@" || exit
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    [[ ${args[i]} == -o ]] || continue
    out=${args[i + 1]}
    size=$(stat -c %s "$out") || exit 1
    last=$(tail -c 1 "$out" | od -An -tu1 | tr -d ' ')
    # shellcheck disable=SC2059 # the format is the octal escape of the new byte
    printf "\\$(printf %03o $(((last + 1) % 256)))" |
        dd of="$out" bs=1 seek=$((size - 1)) conv=notrunc status=none || exit 1
done
SH
} >"$T/bin/corrupting-hypar-sort"
chmod +x "$T/bin/corrupting-hypar-sort"

# ---------------------------------------------------------------- cluster --
say "hypar-sort Slurm job-script test: program $program, temp $T"
harness_start_cluster

# ----------------------------------------------------------------- submit --
declare -A JOB=() EXPECT=() LAYOUT=() RECORDS=() GEN=() KEEP=() MODE=() PARTS=() DIR=()
declare -A WORK=() RESULTS=()
names=()
for t in "${TESTS[@]}"; do
    IFS='|' read -r name layout expect records gen opts how keep_input mode envs <<<"$t"
    names+=("$name")
    d=$T/jobs/$name
    mkdir -p "$d"
    EXPECT[$name]=$expect LAYOUT[$name]=$layout RECORDS[$name]=$records GEN[$name]=$gen
    KEEP[$name]=$keep_input MODE[$name]=$mode DIR[$name]=$d WORK[$name]=$d
    r=${layout%x*} th=${layout#*x}
    PARTS[$name]=0
    [[ " $opts " == *" --parts "* ]] && PARTS[$name]=1
    read -r -a words <<<"${opts//@JOB/$d}"
    [[ $opts == *"@JOB/spill"* ]] && mkdir -p "$d/spill"

    envv=("HYPAR_SORT=$program" "HYPAR_RECORDS=$records" "HYPAR_GEN_ARGS=$gen" "HYPAR_KEEP_INPUT=$keep_input")
    resdir=$d
    if [[ -n $envs ]]; then
        envs=${envs//@JOB/$d}
        IFS=';' read -r -a kvs <<<"${envs//@BIN/$T/bin}"
        envv+=("${kvs[@]}")
        for kv in "${kvs[@]}"; do
            case $kv in
            HYPAR_WORKDIR=*) WORK[$name]=${kv#*=} ;;
            HYPAR_OUTDIR=*) resdir=${kv#*=} ;;
            esac
        done
    fi
    if [[ $how == argv ]]; then
        args=("${words[@]}")
    else
        envv+=("HYPAR_SORT_ARGS=${words[*]}")
        args=()
    fi
    # sbatch from the job's folder: it is the job's working folder and SLURM_SUBMIT_DIR
    if ! id=$(cd "$d" && env "${envv[@]}" timeout 20 sbatch --parsable --job-name="$name" \
        --time=2 --output="$T/logs/$name.log" --nodes=1 --ntasks-per-node="$r" \
        --cpus-per-task="$th" "$JOBSCRIPT" "${args[@]}" 2>"$T/logs/$name.sbatch"); then
        fail "$name" "sbatch refused the job: $(tr '\n' ' ' <"$T/logs/$name.sbatch")"
        continue
    fi
    JOB[$name]=${id%%;*}
    RESULTS[$name]=$resdir/hypar-sort-${JOB[$name]}.json
done
say "submitted ${#JOB[@]} job(s) after $((SECONDS - start_time))s"
submitted_at=$SECONDS

# ---------------------------------------------------- direct reference gen --
# The same records, straight from gen on one rank (no --parts: a concatenation
# of parts is the same records in order), for every job that should succeed.
declare -A DIRECT_RC=()
for name in "${!JOB[@]}"; do
    ((EXPECT[$name] == 0)) || continue
    read -r -a words <<<"${GEN[$name]}"
    gen_words=()
    for w in "${words[@]}"; do [[ $w == --parts ]] || gen_words+=("$w"); done
    bounded "$T/direct/$name.json" "$T/direct/$name.err" \
        timeout -k 5 "$direct_timeout" mpirun -n 1 \
        --mca orte_execute_quiet 1 --mca odls_base_sigkill_timeout 0 \
        "$program" --format json gen "${gen_words[@]}" "${RECORDS[$name]}" "$T/direct/$name.input"
    DIRECT_RC[$name]=$?
done

# ------------------------------------------------------------------- wait --
harness_wait_jobs $((submitted_at + job_timeout)) "$job_timeout" "${JOB[@]}"

# ------------------------------------------------------------------ check --
# files of a job's folders whose names start with '.' (temporary, spill files)
dot_files() { find "$@" -name '.*' ! -name . 2>/dev/null; }

check_job() {
    local name=$1 id=${JOB[$1]} want=${EXPECT[$1]} layout=${LAYOUT[$1]}
    local log=$T/logs/$name.log results=${RESULTS[$1]} st=${STATE[${JOB[$1]}]:-unknown}
    local ec=${EXITC[${JOB[$1]}]:-?} why d=${DIR[$1]} work=${WORK[$1]}
    local rc=${ec%%:*} sig=${ec#*:} input stem dots
    input=$work/hypar-sort-$id.input
    stem=$work/hypar-sort-$id.sorted
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
    dots=$(dot_files "$d" "$work")
    if [[ -n $dots ]]; then
        fail "$name" "temporary or spill files left: $(tr '\n' ' ' <<<"$dots")"
        return
    fi
    # the input is removed unless kept, whatever the outcome
    local -a kept=()
    if ((KEEP[$name])); then
        mapfile -t kept < <(find "$work" -maxdepth 1 -name "hypar-sort-$id.input*" | sort)
        if ((${#kept[@]} == 0)); then
            fail "$name" "the input $input was not kept (HYPAR_KEEP_INPUT=1)"
            return
        fi
    elif [[ -n $(find "$work" -maxdepth 1 -name "hypar-sort-$id.input*") ]]; then
        fail "$name" "the input $input was not removed (HYPAR_KEEP_INPUT=0)"
        return
    fi
    if ((want == 2)); then
        # refused by the job script: no results file, nothing written
        if [[ -e $results || -n $(find "$work" -maxdepth 1 -name "hypar-sort-$id.*") ]]; then
            fail "$name" "a usage error wrote files: $(find "$work" "$results" -maxdepth 0 2>/dev/null | tr '\n' ' ')"
            return
        fi
        pass "$name" "job $id, exit $rc, nothing written"
        return
    fi
    if [[ ! -s $results ]]; then
        fail "$name" "no results file $results"
        show_tail "$log"
        return
    fi
    if ((want == 1)); then
        if ! why=$(check fails "$results" "${RESULT_WANT[$name]}" "$stem"); then
            fail "$name" "results $results: $why"
            return
        fi
        pass "$name" "job $id, exit $rc, $why, input removed"
        return
    fi
    if ! grep -qF -- "$SUCCESS_LINE" "$log"; then
        fail "$name" "the job log does not say '$SUCCESS_LINE'"
        show_tail "$log"
        return
    fi
    if [[ ${DIRECT_RC[$name]:-?} != 0 ]]; then
        fail "$name" "the direct reference gen exited ${DIRECT_RC[$name]:-?}"
        show_tail "$T/direct/$name.err" 10
        return
    fi
    if ! why=$(check ok "$name" "$results" "$T/direct/$name.input" "${RECORDS[$name]}" \
        "${layout%x*}" "${layout#*x}" "${MODE[$name]}" "${PARTS[$name]}" "$stem" "${kept[@]}"); then
        fail "$name" "$why"
        show_tail "$log"
        return
    fi
    pass "$name" "job $id, $layout, ${MODE[$name]}, $why"
}

for name in "${names[@]}"; do
    [[ -n ${JOB[$name]:-} ]] || continue
    check_job "$name"
done

# ------------------------------------------------------------------- stop --
harness_stop_cluster
harness_finish
