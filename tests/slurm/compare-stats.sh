#!/usr/bin/env bash
# compare-stats.sh: the default compare command of run-jobscript-tests.sh.
#
#   compare-stats.sh EXPECTED ACTUAL      (HYPAR_FORMAT=table|csv|json in the environment)
#
# EXPECTED is the stdout of a direct run of the program, ACTUAL the results file
# of the Slurm job on the same inputs. Exit 0 when they agree, 1 (with a diff on
# stderr) when not, 2 on usage errors.
#
# What may differ between the two runs and is therefore ignored:
#   json   the run's "seconds", "bytes_per_second", "phases" (seconds per phase),
#          "ranks" and "threads" keys (top level): the rest (files, total) must
#          be equal as JSON values.
#   csv    nothing: byte-for-byte equal.
#   table  lines matching HYPAR_COMPARE_IGNORE, an extended regex for timing
#          and layout lines [seconds|/s\b|throughput|ranks|threads]; the other
#          lines must be equal.
set -u
(($# == 2)) || { echo "usage: compare-stats.sh EXPECTED ACTUAL" >&2; exit 2; }
expected=$1
actual=$2
for f in "$expected" "$actual"; do
    [[ -f $f ]] || { echo "compare-stats.sh: no file '$f'" >&2; exit 2; }
done

case ${HYPAR_FORMAT:-table} in
json)
    python3 - "$expected" "$actual" <<'PY'
import difflib, json, sys
VOLATILE = ("seconds", "bytes_per_second", "phases", "ranks", "threads")
def load(path):
    with open(path) as f:
        text = f.read()
    if not text.strip():
        return None  # no output at all (e.g. a usage error): compare as empty
    try:
        doc = json.loads(text)
    except ValueError as e:
        print(f"compare-stats.sh: {path} is not valid JSON: {e}", file=sys.stderr)
        sys.exit(1)
    if isinstance(doc, dict):
        for k in VOLATILE:
            doc.pop(k, None)
    return doc
a, b = load(sys.argv[1]), load(sys.argv[2])
if a == b:
    sys.exit(0)
sa = json.dumps(a, indent=1, sort_keys=True).splitlines()
sb = json.dumps(b, indent=1, sort_keys=True).splitlines()
sys.stderr.write("\n".join(difflib.unified_diff(sa, sb, "expected (direct run)", "actual (job)", lineterm="")) + "\n")
sys.exit(1)
PY
    ;;
csv)
    diff -u --label "expected (direct run)" --label "actual (job)" "$expected" "$actual" >&2
    ;;
table)
    ignore=${HYPAR_COMPARE_IGNORE:-'seconds|/s\b|throughput|ranks|threads'}
    diff -u --label "expected (direct run)" --label "actual (job)" \
        <(grep -avE "$ignore" "$expected") <(grep -avE "$ignore" "$actual") >&2
    ;;
*)
    echo "compare-stats.sh: HYPAR_FORMAT must be table, csv or json" >&2
    exit 2
    ;;
esac
