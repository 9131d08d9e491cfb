#!/usr/bin/env bash
# collect-scaling.sh: merge the results of stats-scaling-array.sbatch into one
# summary table.
#
#   collect-scaling.sh [RESULTS_DIR] [--csv FILE] [--json FILE] [--quiet]
#
# RESULTS_DIR is the array job's HYPAR_OUTDIR (default: the current folder),
# holding one RxT.json (hypar-stats --format json), RxT.err and RxT.rc per
# layout. Writes, by default into RESULTS_DIR:
#   summary.csv   layout,ranks,threads,cores,exit,wall_seconds,seconds,bytes,
#                 bytes_per_second,files,failed_files,speedup,efficiency
#   summary.json  {"runs": [ {same fields}, ... ]}
# and prints the CSV on stdout (unless --quiet). Rows are sorted by cores
# (ranks x threads), then ranks. speedup = seconds(1x1) / seconds and
# efficiency = speedup / cores, both empty when there is no 1x1 run.
# A layout whose run failed (no JSON, or exit != 0) keeps a row with its exit
# code and empty measurements, so a broken sweep is visible, not hidden.
#
# Exit code: 0 when every layout has a JSON result and exit 0, 1 when some
# failed or are missing, 2 on usage errors (no results at all).
# Needs python3 (for a real JSON parser).
set -u

dir=.
csv=
json=
quiet=0
while (($#)); do
    case $1 in
    --csv) csv=${2:?--csv needs a file}; shift 2 ;;
    --json) json=${2:?--json needs a file}; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "collect-scaling.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) dir=$1; shift ;;
    esac
done
[[ -d $dir ]] || { echo "collect-scaling.sh: '$dir' is not a folder" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "collect-scaling.sh: python3 is required" >&2; exit 2; }
csv=${csv:-$dir/summary.csv}
json=${json:-$dir/summary.json}

python3 - "$dir" "$csv" "$json" "$quiet" <<'PY'
import csv, glob, json, os, re, sys

d, csv_path, json_path, quiet = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
layouts = set()
for pat in ("*.json", "*.rc"):
    for p in glob.glob(os.path.join(d, pat)):
        m = re.fullmatch(r"(\d+)x(\d+)\.(json|rc)", os.path.basename(p))
        if m:
            layouts.add((int(m.group(1)), int(m.group(2))))
if not layouts:
    print(f"collect-scaling.sh: no RxT.json or RxT.rc results in {d}", file=sys.stderr)
    sys.exit(2)

rows, bad = [], False
for ranks, threads in layouts:
    name = f"{ranks}x{threads}"
    row = {"layout": name, "ranks": ranks, "threads": threads, "cores": ranks * threads,
           "exit": None, "wall_seconds": None, "seconds": None, "bytes": None,
           "bytes_per_second": None, "files": None, "failed_files": None}
    rc_path = os.path.join(d, name + ".rc")
    if os.path.exists(rc_path):
        with open(rc_path) as f:
            kv = dict(w.split("=", 1) for w in f.read().split() if "=" in w)
        if kv.get("exit", "").lstrip("-").isdigit():
            row["exit"] = int(kv["exit"])
        try:
            row["wall_seconds"] = float(kv["wall_seconds"])
        except (KeyError, ValueError):
            pass
    try:
        with open(os.path.join(d, name + ".json")) as f:
            res = json.load(f)
        total = res.get("total", {})
        files = res.get("files", [])
        row.update(seconds=res.get("seconds"), bytes=total.get("bytes"),
                   bytes_per_second=res.get("bytes_per_second"), files=len(files),
                   failed_files=sum(1 for x in files if x.get("error") is not None))
        # the program's own view of the layout wins over the file name
        row["ranks"] = res.get("ranks", ranks)
        row["threads"] = res.get("threads", threads)
        row["cores"] = row["ranks"] * row["threads"]
    except (OSError, ValueError, AttributeError) as e:
        print(f"collect-scaling.sh: {name}: no usable JSON result ({e.__class__.__name__})", file=sys.stderr)
        bad = True
    if row["exit"] not in (0, None) or (row["exit"] is None and row["seconds"] is None):
        bad = True
    rows.append(row)

rows.sort(key=lambda r: (r["cores"], r["ranks"]))
base = next((r["seconds"] for r in rows if r["ranks"] == 1 and r["threads"] == 1 and r["seconds"]), None)
for r in rows:
    r["speedup"] = r["efficiency"] = None
    if base and r["seconds"]:
        r["speedup"] = round(base / r["seconds"], 3)
        r["efficiency"] = round(r["speedup"] / r["cores"], 3)

fields = ["layout", "ranks", "threads", "cores", "exit", "wall_seconds", "seconds", "bytes",
          "bytes_per_second", "files", "failed_files", "speedup", "efficiency"]
with open(csv_path, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r[k] is None else r[k]) for k in fields})
with open(json_path, "w") as f:
    json.dump({"runs": [{k: r[k] for k in fields} for r in rows]}, f, indent=2)
    f.write("\n")
if not quiet:
    with open(csv_path) as f:
        sys.stdout.write(f.read())
sys.exit(1 if bad else 0)
PY
