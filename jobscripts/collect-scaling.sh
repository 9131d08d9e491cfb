#!/usr/bin/env bash
# collect-scaling.sh: merge the results of a scaling-array.sbatch sweep (of
# hypar-stats, hypar-heat or hypar-sort) into one summary table, and draw the
# speedup and the efficiency per layout.
#
#   collect-scaling.sh [RESULTS_DIR] [--csv FILE] [--json FILE] [--png FILE]
#                      [--no-plot] [--quiet]
#
# RESULTS_DIR is the array job's HYPAR_OUTDIR (default: the current folder),
# holding one RxT.json (the driver's --format json summary), RxT.err and RxT.rc
# per layout. The driver is told by the JSON's content (stats: "files" and
# "total"; heat: "nx", "steps", "l2_norm"; sort: "command": "sort"), else by the
# driver= of the .rc files; a folder with results of two drivers is refused.
# Writes, by default into RESULTS_DIR:
#   summary.csv   layout,ranks,threads,cores,exit,wall_seconds,seconds, then
#                 the driver's own columns, then speedup,efficiency:
#     stats: bytes,bytes_per_second,files,failed_files
#     heat:  total_seconds,nx,ny,steps,steps_run,time_block,
#            lattice_updates_per_second,sum,l2_norm
#     sort:  records,bytes,out_of_core,runs,read_seconds,sample_seconds,
#            exchange_seconds,local_sort_seconds,spill_seconds,merge_seconds,
#            write_seconds,gb_per_second,peak_rss_bytes
#   summary.json  {"driver": "heat", "input": "...", "runs": [ {same fields}, ... ]}
#   scaling.png   speedup (left) and efficiency (right) over the cores, one
#                 line per threads-per-rank family, each point labelled with
#                 its layout, the ideal dashed; the title names the driver
#                 and its input (gnuplot; see below)
# and prints the CSV on stdout (unless --quiet). Rows are sorted by cores
# (ranks x threads), then ranks. seconds is the driver's own time from its
# JSON (stats: counting; heat: time stepping; sort: the whole sort, read to
# write), wall_seconds the job script's time of the run, launcher included.
# speedup = seconds(1x1) / seconds and efficiency = speedup / cores, both
# empty when there is no 1x1 run. A layout whose run failed (no JSON, or
# exit != 0) keeps a row with its exit code and empty measurements, so a
# broken sweep is visible, not hidden; so does one that solved another problem
# than the 1x1 run (other inputs, sizes or a different result), with no
# speedup.
#
# The picture needs gnuplot (Debian: gnuplot-nox; HYPAR_GNUPLOT names another
# one). Without it, or with --no-plot, only the tables are written; a missing
# or failing gnuplot is said on stderr and is not a failure.
#
# Exit code: 0 when every layout has a JSON result and exit 0, 1 when some
# failed, are missing or solved another problem, 2 on usage errors (no results
# at all, results of several drivers). Needs python3 (for a real JSON parser).
set -u

dir=.
csv=
json=
png=
plot=1
quiet=0
while (($#)); do
    case $1 in
    --csv) csv=${2:?--csv needs a file}; shift 2 ;;
    --json) json=${2:?--json needs a file}; shift 2 ;;
    --png) png=${2:?--png needs a file}; shift 2 ;;
    --no-plot) plot=0; shift ;;
    --quiet) quiet=1; shift ;;
    -h | --help) sed -n '2,45p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "collect-scaling.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) dir=$1; shift ;;
    esac
done
[[ -d $dir ]] || { echo "collect-scaling.sh: '$dir' is not a folder" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "collect-scaling.sh: python3 is required" >&2; exit 2; }
csv=${csv:-$dir/summary.csv}
json=${json:-$dir/summary.json}
png=${png:-$dir/scaling.png}
gnuplot=
if ((plot)); then
    gnuplot=$(command -v "${HYPAR_GNUPLOT:-gnuplot}") ||
        echo "collect-scaling.sh: no picture drawn: '${HYPAR_GNUPLOT:-gnuplot}' not found" \
            "(install gnuplot-nox, or set HYPAR_GNUPLOT); the tables are written" >&2
fi

python3 - "$dir" "$csv" "$json" "$quiet" "$png" "$gnuplot" <<'PY'
import csv, glob, json, os, re, subprocess, sys, tempfile

d, csv_path, json_path, quiet = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
png_path, gnuplot = sys.argv[5], sys.argv[6]
me = "collect-scaling.sh"


def human_bytes(n):
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000


# Per driver: how to recognise its JSON, its own CSV columns (taken from the
# JSON), what defines the problem it solved (equal for every layout of a
# sweep, else the speedups compare different work) and how to name that
# problem in the picture's title.
def stats_columns(res):
    total, files = res.get("total", {}), res.get("files", [])
    return {"bytes": total.get("bytes"), "bytes_per_second": res.get("bytes_per_second"),
            "files": len(files), "failed_files": sum(1 for x in files if x.get("error") is not None)}


def stats_problem(res):
    return {"files": sorted(f.get("path") for f in res.get("files", [])),
            "total": res.get("total")}


def stats_input(res):
    paths = [f.get("path") for f in res.get("files", []) if f.get("path")]
    where = ""
    if paths:
        try:
            where = os.path.commonpath(paths) + ", "
        except ValueError:
            pass
    n = len(paths)
    return f"{where}{n} file{'s' if n != 1 else ''}, {human_bytes(res.get('total', {}).get('bytes') or 0)}"


def heat_columns(res):
    keys = ("nx", "ny", "steps", "steps_run", "time_block", "lattice_updates_per_second", "sum", "l2_norm")
    return {"total_seconds": res.get("wall_seconds"), **{k: res.get(k) for k in keys}}


def heat_problem(res):
    # hypar-heat's result is bitwise the same for every layout: sum and norm too
    return {k: res.get(k) for k in ("nx", "ny", "steps", "first_step", "r", "boundary", "init",
                                     "sum", "l2_norm")}


def heat_input(res):
    return (f"{res.get('nx')} x {res.get('ny')} points, {res.get('steps_run')} steps, "
            f"{res.get('init')}, {res.get('boundary')}")


PHASES = ("read", "sample", "exchange", "local_sort", "spill", "merge", "write")


def sort_columns(res):
    ph = res.get("seconds_per_phase") or {}
    row = {k: res.get(k) for k in ("records", "bytes", "out_of_core", "runs")}
    row.update({p + "_seconds": ph.get(p) for p in PHASES})
    row.update(gb_per_second=res.get("gb_per_second"), peak_rss_bytes=res.get("peak_rss_bytes"))
    return row


def sort_problem(res):
    return {k: res.get(k) for k in ("records", "bytes", "inputs")}


def sort_input(res):
    where = "out of core" if res.get("out_of_core") else "in memory"
    return f"{res.get('records')} records ({human_bytes(res.get('bytes') or 0)}), {where}"


DRIVERS = {
    "stats": dict(is_it=lambda j: "files" in j and "total" in j, columns=stats_columns,
                  fields=["bytes", "bytes_per_second", "files", "failed_files"],
                  problem=stats_problem, input=stats_input, program="hypar-stats"),
    "heat": dict(is_it=lambda j: all(k in j for k in ("nx", "steps", "l2_norm")), columns=heat_columns,
                 fields=["total_seconds", "nx", "ny", "steps", "steps_run", "time_block",
                         "lattice_updates_per_second", "sum", "l2_norm"],
                 problem=heat_problem, input=heat_input, program="hypar-heat"),
    "sort": dict(is_it=lambda j: j.get("command") == "sort", columns=sort_columns,
                 fields=["records", "bytes", "out_of_core", "runs"] + [p + "_seconds" for p in PHASES]
                 + ["gb_per_second", "peak_rss_bytes"],
                 problem=sort_problem, input=sort_input, program="hypar-sort sort"),
}

layouts = set()
for pat in ("*.json", "*.rc"):
    for p in glob.glob(os.path.join(d, pat)):
        m = re.fullmatch(r"(\d+)x(\d+)\.(json|rc)", os.path.basename(p))
        if m:
            layouts.add((int(m.group(1)), int(m.group(2))))
if not layouts:
    print(f"{me}: no RxT.json or RxT.rc results in {d}", file=sys.stderr)
    sys.exit(2)

# Read everything first: the driver decides the columns.
runs, kinds = [], {}
for ranks, threads in sorted(layouts):
    name = f"{ranks}x{threads}"
    kv, res, why = {}, None, None
    rc_path = os.path.join(d, name + ".rc")
    if os.path.exists(rc_path):
        with open(rc_path) as f:
            kv = dict(w.split("=", 1) for w in f.read().split() if "=" in w)
    try:
        with open(os.path.join(d, name + ".json")) as f:
            res = json.load(f)
        if not isinstance(res, dict):
            raise ValueError("not a JSON object")
        kind = next((k for k, v in DRIVERS.items() if v["is_it"](res)), None)
        if kind is None:
            raise ValueError("not the JSON summary of hypar-stats, hypar-heat or hypar-sort sort")
        kinds.setdefault(kind, []).append(name)
    except (OSError, ValueError, AttributeError) as e:
        why = str(e) if isinstance(e, ValueError) and not isinstance(e, json.JSONDecodeError) \
            else e.__class__.__name__
        res = None
        if kv.get("driver") in DRIVERS:
            kinds.setdefault(kv["driver"], []).append(name)
    runs.append((ranks, threads, name, kv, res, why))

if len(kinds) > 1:
    which = "; ".join(f"hypar-{k}: {' '.join(v)}" for k, v in sorted(kinds.items()))
    print(f"{me}: {d} holds results of several drivers ({which}); collect each sweep from its own folder",
          file=sys.stderr)
    sys.exit(2)
kind = next(iter(kinds), "stats")  # results without a driver= (older sweeps) are hypar-stats'
drv = DRIVERS[kind]

rows, problems, bad = [], {}, False
for ranks, threads, name, kv, res, why in runs:
    row = {"layout": name, "ranks": ranks, "threads": threads, "cores": ranks * threads,
           "exit": None, "wall_seconds": None, "seconds": None, **{k: None for k in drv["fields"]}}
    if kv.get("exit", "").lstrip("-").isdigit():
        row["exit"] = int(kv["exit"])
    try:
        row["wall_seconds"] = float(kv["wall_seconds"])
    except (KeyError, ValueError):
        pass
    if res is not None and drv["is_it"](res):
        row.update(seconds=res.get("seconds"), **drv["columns"](res))
        # the program's own view of the layout wins over the file name
        row["ranks"] = res.get("ranks", ranks)
        row["threads"] = res.get("threads", threads)
        row["cores"] = row["ranks"] * row["threads"]
        problems[name] = drv["problem"](res)
    else:
        print(f"{me}: {name}: no usable JSON result ({why})", file=sys.stderr)
        bad = True
    if row["exit"] not in (0, None) or (row["exit"] is None and row["seconds"] is None):
        bad = True
    rows.append(row)

rows.sort(key=lambda r: (r["cores"], r["ranks"]))
ref = next((r for r in rows if r["ranks"] == 1 and r["threads"] == 1 and r["seconds"]), None)
for r in rows:
    r["speedup"] = r["efficiency"] = None
    same = ref is None or r["layout"] not in problems or problems[r["layout"]] == problems[ref["layout"]]
    if not same:
        diff = [k for k in problems[ref["layout"]] if problems[r["layout"]].get(k) != problems[ref["layout"]][k]]
        print(f"{me}: {r['layout']}: another problem than 1x1's (differs in {', '.join(diff)}): no speedup",
              file=sys.stderr)
        bad = True
    elif ref and r["seconds"]:
        s = ref["seconds"] / r["seconds"]
        r["speedup"], r["efficiency"] = round(s, 3), round(s / r["cores"], 3)

fields = ["layout", "ranks", "threads", "cores", "exit", "wall_seconds", "seconds"] + drv["fields"] + [
    "speedup", "efficiency"]
# the title's input: the 1x1 run's, else the first usable one's
results = {name: res for _, _, name, _, res, _ in runs if res is not None and drv["is_it"](res)}
first = results.get(ref["layout"]) if ref else next(iter(results.values()), None)
title_input = drv["input"](first) if first else "no results"
def cell(v):  # a CSV cell: empty for none, JSON's words for booleans
    return "" if v is None else str(v).lower() if isinstance(v, bool) else v


with open(csv_path, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: cell(r[k]) for k in fields})
with open(json_path, "w") as f:
    json.dump({"driver": kind, "input": title_input, "runs": [{k: r[k] for k in fields} for r in rows]},
              f, indent=2)
    f.write("\n")
if not quiet:
    with open(csv_path) as f:
        sys.stdout.write(f.read())


# The picture: two panels side by side, x = cores on a log2 axis (sweeps
# double the cores), one line per threads-per-rank family (pure MPI is
# "1 thread/rank"), every point labelled RxT, the ideal dashed (speedup =
# cores, efficiency = 1). Written to a temporary name and renamed, so a failed
# gnuplot leaves no half picture.
def draw():
    pts = [r for r in rows if r["speedup"] is not None]
    if not pts:
        return "no layout has a speedup (no 1x1 run, or every run failed)"
    fams = sorted({r["threads"] for r in pts})
    cores = sorted({r["cores"] for r in pts} | {1})
    xmax = max(cores)
    smin = min(min(r["speedup"] for r in pts), 1.0)
    smax = max(max(r["speedup"] for r in pts), xmax)
    emax = max(1.0, max(r["efficiency"] for r in pts))
    folder = os.path.dirname(os.path.abspath(png_path))
    with tempfile.TemporaryDirectory(prefix=".collect-scaling.", dir=folder) as tmp:
        data = os.path.join(tmp, "points.dat")
        with open(data, "w") as f:
            for t in fams:  # one gnuplot "index" per family
                for r in sorted((r for r in pts if r["threads"] == t), key=lambda r: r["cores"]):
                    f.write(f"{r['cores']} {r['speedup']} {r['efficiency']} {r['layout']}\n")
                f.write("\n\n")
        q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out = os.path.join(tmp, "scaling.png")
        tics = ", ".join(str(c) for c in cores)
        g = [
            'if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {',
            '  set terminal pngcairo size 1280,560 font "sans,11" noenhanced',
            '} else {',
            '  set terminal png size 1280,560 noenhanced',
            '}',
            f"set output {q(out)}",
            f"set multiplot layout 1,2 title {q(drv['program'] + ': ' + title_input)} font ',13'",
            "set logscale x 2",
            "set style line 1 lc rgb '#666666' dt 2 lw 1.5",
            f"set xrange [0.8:{xmax * 1.25}]",
            f"set xtics ({tics})",
            "set xlabel 'cores (ranks x threads per rank)'",
            "set grid",
        ]
        def panel(col, ylabel, ideal, yrange, title, key):
            g.extend([f"set title {q(title)}", f"set ylabel {q(ylabel)}", f"set yrange {yrange}",
                      f"set key {key} box opaque"])
            parts = [f"{ideal} with lines ls 1 title 'ideal'"]
            for i, t in enumerate(fams):
                parts.append(f"{q(data)} index {i} using 1:{col} with linespoints lw 2 pt 7 ps 1.2 "
                             f"title '{t} thread{'s' if t != 1 else ''}/rank'")
                parts.append(f"{q(data)} index {i} using 1:{col}:4 with labels left offset 0.8,0.4 notitle")
            g.append("plot " + ", \\\n  ".join(parts))

        # speedup on log2 axes: the ideal is the diagonal
        g.extend(["set logscale y 2", "set ytics auto"])
        panel(2, "speedup over 1x1", "x", f"[{smin / 1.3}:{smax * 1.3}]", "speedup  t(1x1) / t", "top left")
        g.append("unset logscale y")
        panel(3, "efficiency (speedup / cores)", "1", f"[0:{emax * 1.15}]", "efficiency", "bottom left")
        g.append("unset multiplot")
        script = os.path.join(tmp, "scaling.gp")
        with open(script, "w") as f:
            f.write("\n".join(g) + "\n")
        try:
            p = subprocess.run([gnuplot, script], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"{gnuplot} did not run ({e})"
        if p.returncode != 0 or not os.path.exists(out) or os.path.getsize(out) == 0:
            return f"{gnuplot} failed (exit {p.returncode}): {p.stderr.strip()[-500:]}"
        os.replace(out, png_path)
    return None


if gnuplot:
    problem = draw()
    if problem:
        print(f"{me}: no picture drawn: {problem}; the tables are written", file=sys.stderr)
    elif not quiet:
        print(f"{me}: drew {png_path}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
