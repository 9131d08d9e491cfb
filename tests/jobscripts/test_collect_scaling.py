#!/usr/bin/env python3
"""jobscripts/collect-scaling.sh on made-up sweeps of each driver, without Slurm or MPI.

    test_collect_scaling.py [--gnuplot PATH | --no-gnuplot]

Each case writes RxT.json files shaped like the drivers' --format json summaries (hypar-stats,
hypar-heat, hypar-sort sort) and RxT.rc files like scaling-array.sbatch's into a fresh folder,
runs collect-scaling.sh and compares summary.csv with the expected text, written out here by
hand (speedup = t(1x1) / t and efficiency = speedup / cores worked out on paper, rounded to 3
decimals), and its exit code (0 all good, 1 a layout failed, is missing or solved another
problem, 2 usage: no results, two drivers' results). The picture, scaling.png, must be a valid
PNG (every chunk's CRC, the image data's size) of 1280 x 560 pixels; without gnuplot, or with
--no-plot, the tables alone, and stderr says why there is no picture. With --no-gnuplot (none
installed) the drawing cases are skipped and said so. Prints PASS/FAIL per case and
"N passed, M failed"; exits 0 only when nothing failed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECT = os.path.join(HERE, "..", "..", "jobscripts", "collect-scaling.sh")
sys.path.insert(0, HERE)
from scaling_check import png_info  # noqa: E402

ap = argparse.ArgumentParser()
g = ap.add_mutually_exclusive_group()
g.add_argument("--gnuplot", default="gnuplot")
g.add_argument("--no-gnuplot", action="store_true")
opts = ap.parse_args()
gnuplot = None if opts.no_gnuplot else shutil.which(opts.gnuplot)

passed = failed = 0
keep = []


def case(fn):
    global passed, failed
    folder = tempfile.mkdtemp(prefix="collect-scaling-test.")
    try:
        fn(folder)
    except AssertionError as e:
        failed += 1
        keep.append(folder)
        print(f"FAIL {fn.__name__}: {e}  (folder {folder} kept)")
        return
    passed += 1
    print(f"PASS {fn.__name__}")
    shutil.rmtree(folder)


def put(folder, layout, res=None, exit_code=0, wall=None, driver=None, extra=""):
    """RxT.json (res, a dict, or text) and RxT.rc as scaling-array.sbatch writes them."""
    r, t = layout.split("x")
    if res is not None:
        with open(os.path.join(folder, layout + ".json"), "w") as f:
            f.write(res if isinstance(res, str) else json.dumps(res, indent=2) + "\n")
    rc = (f"layout={layout} ranks={r} threads={t} exit={exit_code} wall_seconds={wall if wall else ''} "
          f"task=0 job=7{f' driver={driver}' if driver else ''}{extra}\n")
    with open(os.path.join(folder, layout + ".rc"), "w") as f:
        f.write(rc)


def run(folder, *args, env=None):
    e = dict(os.environ)
    e.pop("HYPAR_GNUPLOT", None)
    if gnuplot:
        e["HYPAR_GNUPLOT"] = gnuplot
    e.update(env or {})
    if not gnuplot and "HYPAR_GNUPLOT" not in (env or {}):
        args = args + ("--no-plot",)
    p = subprocess.run(["bash", COLLECT, folder, *args], capture_output=True, text=True, env=e, timeout=120)
    return p.returncode, p.stdout, p.stderr


def read(path):
    with open(path) as f:
        return f.read()


def expect_csv(folder, want, path=None):
    got = read(path or os.path.join(folder, "summary.csv"))
    want = "\n".join(want) + "\n"
    assert got == want, f"summary.csv is\n{got}expected\n{want}"


def expect_picture(folder, stderr):
    png = os.path.join(folder, "scaling.png")
    if not gnuplot:
        assert not os.path.exists(png), "a picture without gnuplot"
        return
    assert os.path.exists(png), f"no scaling.png; stderr: {stderr}"
    try:
        size = png_info(png)
    except ValueError as e:
        raise AssertionError(str(e)) from None
    assert size == (1280, 560), f"scaling.png is {size}, expected (1280, 560)"
    assert not [n for n in os.listdir(folder) if n.startswith(".")], "temporary files left behind"


def heat(seconds, l2=6.25, wall=None):
    return {"nx": 1000, "ny": 800, "steps": 50, "first_step": 0, "steps_run": 50, "r": 0.25,
            "boundary": "dirichlet", "init": "hotspot", "ranks": 0, "threads": 0, "process_grid": [1, 1],
            "time_block": 4, "halo_width": 4, "seconds": seconds, "wall_seconds": wall or seconds + 0.5,
            "lattice_updates_per_second": 5000000.0, "bytes_per_second": 8e7, "sum": 123.5,
            "l2_norm": l2, "written": []}


def heat_at(layout, seconds, **kw):
    res = heat(seconds, **kw)
    res["ranks"], res["threads"] = (int(x) for x in layout.split("x"))
    return res


HEAT_HEADER = ("layout,ranks,threads,cores,exit,wall_seconds,seconds,total_seconds,nx,ny,steps,"
               "steps_run,time_block,lattice_updates_per_second,sum,l2_norm,speedup,efficiency")
HEAT_TAIL = "1000,800,50,50,4,5000000.0,123.5,6.25"


@case
def heat_sweep(d):
    # t(1x1) = 8: 8/4.4 = 1.81818 (eff 0.90909), 8/5 = 1.6 (0.8), 8/2.5 = 3.2 (0.8), 8/3.2 = 2.5 (0.625)
    for layout, s, w in (("1x1", 8.0, 9.1), ("1x2", 4.4, 5.0), ("2x1", 5.0, 5.6), ("2x2", 2.5, 3.0),
                         ("4x1", 3.2, 3.9)):
        put(d, layout, heat_at(layout, s), wall=w, driver="heat")
    rc, out, err = run(d)
    assert rc == 0, f"exit {rc}, stderr {err}"
    expect_csv(d, [HEAT_HEADER,
                   f"1x1,1,1,1,0,9.1,8.0,8.5,{HEAT_TAIL},1.0,1.0",
                   f"1x2,1,2,2,0,5.0,4.4,4.9,{HEAT_TAIL},1.818,0.909",
                   f"2x1,2,1,2,0,5.6,5.0,5.5,{HEAT_TAIL},1.6,0.8",
                   f"2x2,2,2,4,0,3.0,2.5,3.0,{HEAT_TAIL},3.2,0.8",
                   f"4x1,4,1,4,0,3.9,3.2,3.7,{HEAT_TAIL},2.5,0.625"])
    assert out == read(os.path.join(d, "summary.csv")), "stdout is not the CSV"
    summary = json.loads(read(os.path.join(d, "summary.json")))
    assert summary["driver"] == "heat", summary
    assert summary["input"] == "1000 x 800 points, 50 steps, hotspot, dirichlet", summary["input"]
    assert [r["speedup"] for r in summary["runs"]] == [1.0, 1.818, 1.6, 3.2, 2.5], summary["runs"]
    expect_picture(d, err)


SORT_HEADER = ("layout,ranks,threads,cores,exit,wall_seconds,seconds,records,bytes,out_of_core,runs,"
               "read_seconds,sample_seconds,exchange_seconds,local_sort_seconds,spill_seconds,"
               "merge_seconds,write_seconds,gb_per_second,peak_rss_bytes,speedup,efficiency")


def sort_at(layout, seconds, ooc, records=1000000):
    r, t = (int(x) for x in layout.split("x"))
    return {"command": "sort", "inputs": 1, "output": "/w/" + layout + ".sorted", "records": records,
            "bytes": records * 100, "ranks": r, "threads": t, "memory_per_rank": 1 << 20,
            "out_of_core": ooc, "runs": 3 if ooc else 0, "rank_records": [records // r] * r,
            "peak_rss_bytes": 4096 * r,
            "seconds_per_phase": {"read": 1.0, "sample": 0.25, "exchange": 0.5, "local_sort": 2.0,
                                  "spill": 0.75 if ooc else 0.0, "merge": 1.5 if ooc else 0.0,
                                  "write": 0.5},
            "seconds": seconds, "gb_per_second": 0.1}


@case
def sort_sweep(d):
    # t(1x1) = 12: 12/7.5 = 1.6 (0.8), 12/6 = 2 (1), 12/4 = 3 (0.75)
    for layout, s, ooc, w in (("1x1", 12.0, True, 14.25), ("2x1", 6.0, False, 7.0),
                              ("1x2", 7.5, True, 8.0), ("2x2", 4.0, False, 5.5)):
        put(d, layout, sort_at(layout, s, ooc), wall=w, driver="sort", extra=" gen_exit=0 check_exit=0")
    rc, out, err = run(d, "--quiet")
    assert rc == 0, f"exit {rc}, stderr {err}"
    assert out == "", f"--quiet printed {out!r}"
    expect_csv(d, [SORT_HEADER,
                   "1x1,1,1,1,0,14.25,12.0,1000000,100000000,true,3,1.0,0.25,0.5,2.0,0.75,1.5,0.5,0.1,4096,1.0,1.0",
                   "1x2,1,2,2,0,8.0,7.5,1000000,100000000,true,3,1.0,0.25,0.5,2.0,0.75,1.5,0.5,0.1,4096,1.6,0.8",
                   "2x1,2,1,2,0,7.0,6.0,1000000,100000000,false,0,1.0,0.25,0.5,2.0,0.0,0.0,0.5,0.1,8192,2.0,1.0",
                   "2x2,2,2,4,0,5.5,4.0,1000000,100000000,false,0,1.0,0.25,0.5,2.0,0.0,0.0,0.5,0.1,8192,3.0,0.75"])
    summary = json.loads(read(os.path.join(d, "summary.json")))
    assert summary["driver"] == "sort" and summary["input"] == "1000000 records (100.0 MB), out of core", summary
    assert summary["runs"][0]["out_of_core"] is True, summary["runs"][0]
    expect_picture(d, err)


STATS_HEADER = ("layout,ranks,threads,cores,exit,wall_seconds,seconds,bytes,bytes_per_second,files,"
                "failed_files,speedup,efficiency")


def stats_at(layout, seconds):
    r, t = (int(x) for x in layout.split("x"))
    files = [{"path": "/data/c/a.txt", "lines": 10, "words": 20, "bytes": 1000, "max_line_length": 99,
              "error": None},
             {"path": "/data/c/sub/b.txt", "lines": 20, "words": 40, "bytes": 2000, "max_line_length": 99,
              "error": None},
             {"path": "/data/c/gone.txt", "lines": None, "words": None, "bytes": None,
              "max_line_length": None, "error": "No such file or directory"}]
    return {"bytes_per_second": 3000 / seconds, "files": files, "ranks": r, "seconds": seconds,
            "threads": t, "total": {"bytes": 3000, "lines": 30, "max_line_length": 99, "words": 60}}


@case
def stats_sweep_legacy_columns(d):
    # the columns hypar-stats' sweeps always had; old .rc files have no driver=
    # t(1x1) = 2: 2/1.25 = 1.6 (0.8), 2/0.8 = 2.5 (1.25)
    for layout, s, w in (("1x1", 2.0, 2.5), ("2x1", 1.25, 1.5), ("1x2", 0.8, 1.0)):
        put(d, layout, stats_at(layout, s), wall=w)
    csv_path, json_path = os.path.join(d, "other.csv"), os.path.join(d, "other.json")
    rc, out, err = run(d, "--csv", csv_path, "--json", json_path)
    assert rc == 0, f"exit {rc}, stderr {err}"
    expect_csv(d, [STATS_HEADER,
                   "1x1,1,1,1,0,2.5,2.0,3000,1500.0,3,1,1.0,1.0",
                   "1x2,1,2,2,0,1.0,0.8,3000,3750.0,3,1,2.5,1.25",
                   "2x1,2,1,2,0,1.5,1.25,3000,2400.0,3,1,1.6,0.8"], path=csv_path)
    assert not os.path.exists(os.path.join(d, "summary.csv")), "--csv ignored"
    summary = json.loads(read(json_path))
    assert summary["driver"] == "stats" and summary["input"] == "/data/c, 3 files, 3.0 kB", summary
    expect_picture(d, err)


@case
def failed_layout_keeps_its_row(d):
    put(d, "1x1", heat_at("1x1", 8.0), wall=9.1, driver="heat")
    put(d, "2x1", None, exit_code=1, wall=0.7, driver="heat")  # no JSON: the run failed
    open(os.path.join(d, "2x1.json"), "w").close()  # ... or left an empty one
    rc, _, err = run(d, "--quiet")
    assert rc == 1, f"exit {rc}, expected 1; stderr {err}"
    assert "2x1: no usable JSON result" in err, err
    expect_csv(d, [HEAT_HEADER, f"1x1,1,1,1,0,9.1,8.0,8.5,{HEAT_TAIL},1.0,1.0",
                   "2x1,2,1,2,1,0.7" + "," * 12])


@case
def another_problem_has_no_speedup(d):
    put(d, "1x1", heat_at("1x1", 8.0), wall=9.1, driver="heat")
    put(d, "2x1", heat_at("2x1", 5.0, l2=6.5), wall=5.6, driver="heat")  # a different result
    put(d, "1x2", heat_at("1x2", 4.0), wall=4.5, driver="heat")
    rc, _, err = run(d, "--quiet")
    assert rc == 1, f"exit {rc}, expected 1; stderr {err}"
    assert "2x1: another problem than 1x1's (differs in l2_norm)" in err, err
    rows = read(os.path.join(d, "summary.csv")).splitlines()
    assert rows[2] == f"1x2,1,2,2,0,4.5,4.0,4.5,{HEAT_TAIL},2.0,1.0", rows
    assert rows[3] == "2x1,2,1,2,0,5.6,5.0,5.5,1000,800,50,50,4,5000000.0,123.5,6.5,,", rows


@case
def no_1x1_no_speedup_no_picture(d):
    put(d, "2x1", heat_at("2x1", 5.0), wall=5.6, driver="heat")
    put(d, "1x2", heat_at("1x2", 4.0), wall=4.5, driver="heat")
    rc, _, err = run(d, "--quiet")
    assert rc == 0, f"exit {rc}, stderr {err}"
    expect_csv(d, [HEAT_HEADER, f"1x2,1,2,2,0,4.5,4.0,4.5,{HEAT_TAIL},,", f"2x1,2,1,2,0,5.6,5.0,5.5,{HEAT_TAIL},,"])
    assert not os.path.exists(os.path.join(d, "scaling.png")), "a picture without speedups"
    if gnuplot:
        assert "no picture drawn: no layout has a speedup" in err, err


@case
def unknown_json_is_a_failed_row(d):
    put(d, "1x1", {"hello": 1}, wall=1.0, driver="heat")
    put(d, "2x1", heat_at("2x1", 5.0), wall=5.6, driver="heat")
    rc, _, err = run(d, "--quiet")
    assert rc == 1, f"exit {rc}, expected 1; stderr {err}"
    assert "1x1: no usable JSON result (not the JSON summary of hypar-stats, hypar-heat or hypar-sort sort)" in err, err
    assert read(os.path.join(d, "summary.csv")).splitlines()[1] == "1x1,1,1,1,0,1.0" + "," * 12


@case
def two_drivers_are_refused(d):
    put(d, "1x1", stats_at("1x1", 2.0), wall=2.5, driver="stats")
    put(d, "2x1", heat_at("2x1", 5.0), wall=5.6, driver="heat")
    rc, _, err = run(d)
    assert rc == 2, f"exit {rc}, expected 2; stderr {err}"
    assert "holds results of several drivers (hypar-heat: 2x1; hypar-stats: 1x1)" in err, err
    assert not os.path.exists(os.path.join(d, "summary.csv")), "a table of mixed results"


@case
def usage_errors(d):
    rc, _, err = run(d)
    assert rc == 2 and "no RxT.json or RxT.rc results" in err, (rc, err)
    rc, _, err = run(os.path.join(d, "missing"))
    assert rc == 2 and "is not a folder" in err, (rc, err)
    rc, _, err = run(d, "--bogus")
    assert rc == 2 and "unknown option '--bogus'" in err, (rc, err)


@case
def without_gnuplot_the_tables_alone(d):
    for layout, s in (("1x1", 8.0), ("2x1", 5.0)):
        put(d, layout, heat_at(layout, s), wall=s + 1, driver="heat")
    rc, _, err = run(d, "--quiet", env={"HYPAR_GNUPLOT": os.path.join(d, "no-such-gnuplot")})
    assert rc == 0, f"exit {rc}, expected 0 (a missing gnuplot is no failure); stderr {err}"
    assert "no picture drawn: " in err and "no-such-gnuplot' not found" in err, err
    assert os.path.exists(os.path.join(d, "summary.csv")) and os.path.exists(os.path.join(d, "summary.json"))
    assert not os.path.exists(os.path.join(d, "scaling.png")), "a picture without gnuplot"
    # a gnuplot that fails: the same, and no half-written picture
    fake = os.path.join(d, "failing-gnuplot")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\necho 'broken on purpose' >&2\nexit 3\n")
    os.chmod(fake, 0o755)
    rc, _, err = run(d, "--quiet", env={"HYPAR_GNUPLOT": fake})
    assert rc == 0 and "no picture drawn" in err and "broken on purpose" in err, (rc, err)
    assert not os.path.exists(os.path.join(d, "scaling.png")), "a picture from a failing gnuplot"
    assert not [n for n in os.listdir(d) if n.startswith(".")], "temporary files left behind"


@case
def no_plot_flag(d):
    for layout, s in (("1x1", 8.0), ("2x1", 5.0)):
        put(d, layout, heat_at(layout, s), wall=s + 1, driver="heat")
    rc, _, err = run(d, "--quiet", "--no-plot")
    assert rc == 0 and err == "", (rc, err)
    assert not os.path.exists(os.path.join(d, "scaling.png")), "a picture despite --no-plot"


@case
def png_check_finds_damage(d):
    # the PNG check used above must see a damaged picture (else it proves nothing)
    if not gnuplot:
        print("  (no gnuplot: the picture cases are skipped)")
        return
    for layout, s in (("1x1", 8.0), ("2x1", 5.0)):
        put(d, layout, heat_at(layout, s), wall=s + 1, driver="heat")
    rc, _, err = run(d, "--quiet", "--png", os.path.join(d, "p.png"))
    assert rc == 0, (rc, err)
    with open(os.path.join(d, "p.png"), "rb") as f:
        data = f.read()
    assert png_info(os.path.join(d, "p.png")) == (1280, 560)
    for where, what in ((len(data) // 2, "a byte in the image data"), (20, "a byte of IHDR")):
        bad = bytearray(data)
        bad[where] ^= 0x40
        with open(os.path.join(d, "bad.png"), "wb") as f:
            f.write(bad)
        try:
            png_info(os.path.join(d, "bad.png"))
        except ValueError:
            continue
        raise AssertionError(f"png_info accepted a PNG with {what} changed")
    with open(os.path.join(d, "bad.png"), "wb") as f:
        f.write(data[: len(data) - 12])  # no IEND
    try:
        png_info(os.path.join(d, "bad.png"))
    except ValueError:
        return
    raise AssertionError("png_info accepted a PNG without IEND")


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
