#!/usr/bin/env python3
"""End-to-end tests of hypar-stats under mpirun, against the real `LC_ALL=C wc -lwcL`.

usage: stats_e2e.py HYPAR_STATS RANKS [MPIEXEC...]
Generates trees with awkward content, runs hypar-stats at RANKS ranks, and checks every file's
counts against wc, the total row, the exit codes, the CSV and JSON formats and the error rows.
Prints 'N passed, M failed' last and exits non-zero when anything failed."""
import csv
import io
import json
import os
import random
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

from e2e import QUICK_ABORT, case, check, finish

stats, ranks = sys.argv[1], int(sys.argv[2])
mpiexec = sys.argv[3:] or ["mpiexec", "-n", str(ranks), "--oversubscribe", "--bind-to", "none"]
TIMEOUT = 600


def run(args, stdin=None, env_extra=None, prefix=()):
    # hypar-stats writes no files (only its report), so no run needs mpiexec's kill grace.
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), **QUICK_ABORT)
    env.update(env_extra or {})
    cmd = list(prefix) + mpiexec + [stats, "--no-progress"] + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=TIMEOUT, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def wc(path):
    out = subprocess.run(["wc", "-lwcL", path], capture_output=True, env=dict(os.environ, LC_ALL="C"),
                         check=True).stdout.decode().split()
    return {"lines": int(out[0]), "words": int(out[1]), "bytes": int(out[2]),
            "max_line_length": int(out[3])}


def parse_csv(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    check(rows[0] == ["path", "lines", "words", "bytes", "max_line_length", "error"], f"header {rows[0]}")
    return rows[1:]


def check_against_wc(rows, paths):
    check(len(rows) == len(paths) + 1, f"{len(rows)} rows for {len(paths)} files")
    total = {"lines": 0, "words": 0, "bytes": 0, "max_line_length": 0}
    for row, path in zip(rows, paths):
        check(row[0] == path, f"row for {row[0]!r}, expected {path!r} (input order)")
        want = wc(path)
        got = dict(zip(["lines", "words", "bytes", "max_line_length"], map(int, row[1:5])))
        check(got == want, f"{path}: hypar-stats {got} != wc {want}")
        check(row[5] == "", f"{path}: unexpected error {row[5]!r}")
        for k in total:
            total[k] = max(total[k], want[k]) if k == "max_line_length" else total[k] + want[k]
    last = rows[-1]
    check(last[0] == "total", "last row is not total")
    got = dict(zip(["lines", "words", "bytes", "max_line_length"], map(int, last[1:5])))
    check(got == total, f"total {got} != {total}")


def awkward_tree(root):
    rnd = random.Random(7)
    files = {}
    for b in range(256):  # every byte value, with context on both sides
        files[f"bytes/b{b:03d}.txt"] = b"ab" + bytes([b]) + b"cd " + bytes([b]) * 3 + b"\nx" + bytes([b])
    files["empty.txt"] = b""
    files["no-final-newline.txt"] = b"one two\nthree"
    files["spaces-only.txt"] = b"     \n   \t  \n"
    files["crlf.txt"] = b"a b\r\nc d\r\n\r\n"
    files["tabs.txt"] = b"\ta\tbb\tccc\tdddd\teeeee\n1234567\t8\n\t\t\t\n"
    files["cr-ff-vt.txt"] = b"long line here\rshort\fx\vy z\n"
    files["long-line.txt"] = b"w " * (3 << 20) + b"end"  # one line of 6 MiB
    mix = bytearray()
    for _ in range(3 << 20):
        mix.append(rnd.choice(b"abc \t\n\r\f\v\x00\x7f\x80\xc3\xa9xyz"))
    files["random-mix.bin"] = bytes(mix)
    rand = bytes(rnd.getrandbits(8) for _ in range(1 << 20))
    files["random-all-bytes.bin"] = rand
    words = [b"alpha", b"beta", b"gamma", b"\tdelta", b"eps\x01lon", b"\xe2\x80\x94"]
    big = bytearray()
    while len(big) < (24 << 20):
        line = b" ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 30)))
        big += line + b"\n"
    files["large/big.txt"] = bytes(big)
    for i in range(150):
        files[f"many/small{i:03d}.txt"] = b"word " * rnd.randrange(0, 50) + (b"\n" if i % 3 else b"")
    paths = []
    for rel, data in sorted(files.items()):
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    # the order hypar-stats walks: depth first, entries sorted by name at each level
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
    def walk(d):
        out = []
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isdir(p):
                out += walk(p)
            else:
                out.append(p)
        return out
    return walk(root)


tmp = tempfile.mkdtemp(prefix="hypar-stats-e2e-")
try:
    tree = os.path.join(tmp, "tree")
    os.makedirs(tree)
    paths = awkward_tree(tree)

    @case("awkward tree: every file equals wc, small chunks")
    def _():
        rc, out, err = run(["--format", "csv", "--chunk-size", "64K", tree])
        check(rc == 0, f"exit {rc}: {err}")
        check_against_wc(parse_csv(out), paths)

    @case("awkward tree: default chunk size, 2 threads per rank")
    def _():
        rc, out, err = run(["--format", "csv", "--threads", "2", tree])
        check(rc == 0, f"exit {rc}: {err}")
        check_against_wc(parse_csv(out), paths)

    @case("json format parses and agrees with wc")
    def _():
        rc, out, err = run(["--format", "json", "--chunk-size", "1M", tree])
        check(rc == 0, f"exit {rc}: {err}")
        j = json.loads(out)
        check(j["ranks"] == ranks, f"ranks {j['ranks']}")
        check(j["threads"] >= 1 and j["seconds"] >= 0 and j["bytes_per_second"] >= 0, "run facts")
        ph = j["phases"]
        check(sorted(ph) == ["count", "count_max", "merge", "partition", "walk"], f"phases {ph}")
        check(all(v >= 0 for v in ph.values()), f"negative phase time: {ph}")
        # the four consecutive phases lie inside the run's time; the slowest rank's count is at
        # least rank 0's own
        inside = ph["walk"] + ph["partition"] + ph["count"] + ph["merge"]
        check(inside <= j["seconds"] * 1.0001 + 1e-6, f"phases {inside} > seconds {j['seconds']}")
        check(ph["count_max"] >= ph["count"], f"count_max below rank 0's count: {ph}")
        check(len(j["files"]) == len(paths), "file count")
        for f, p in zip(j["files"], paths):
            check(f["path"] == p and f["error"] is None, f"{f['path']}")
            check({k: f[k] for k in ("lines", "words", "bytes", "max_line_length")} == wc(p), p)
        check(j["total"]["bytes"] == sum(os.path.getsize(p) for p in paths), "total bytes")

    @case("progress: lines on rank 0 only, summed over every rank; counts unchanged")
    def _():
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        cmd = mpiexec + [stats, "--progress", "--format", "csv", "--chunk-size", "64K", tree]
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env)
        out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        check(p.returncode == 0, f"exit {p.returncode}: {err}")
        check_against_wc(parse_csv(out), paths)
        lines = [l for l in err.splitlines() if l.startswith("hypar-stats: ") and "%" in l]
        total = sum(os.path.getsize(p) for p in paths)
        check(lines, f"no progress lines on stderr: {err!r}")
        check(len(lines) <= 11, f"{len(lines)} progress lines: one per tenth at most, plus the last")
        check("100.0%" in lines[-1], f"last progress line {lines[-1]!r}")
        # Rank 0 draws the sum over the ranks: its last line names every rank's bytes.
        check(sum(1 for l in lines if "100.0%" in l) == 1, f"the final line comes once (rank 0 only): {lines}")
        check(f"{total / 1e6:.1f} MB" in lines[-1] or f"{total / 1e3:.0f} kB" in lines[-1] or
              f"{total / 1e9:.2f} GB" in lines[-1], f"total {total} bytes not in {lines[-1]!r}")

    @case("table format has wc's columns")
    def _():
        some = paths[:5]
        rc, out, err = run(["--format", "table"] + some)
        check(rc == 0, f"exit {rc}: {err}")
        lines = out.strip().split("\n")
        check(len(lines) == len(some) + 1, f"{len(lines)} lines")
        for line, p in zip(lines, some):
            f = line.split()
            check(f[-1] == p and list(map(int, f[:4])) == list(wc(p).values()), line)

    @case("files-from a list and from stdin equal the arguments")
    def _():
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as f:
            f.write("\n".join(paths[:40]) + "\n")
        rc, out, err = run(["--format", "csv", "--files-from", lst])
        check(rc == 0, f"exit {rc}: {err}")
        check_against_wc(parse_csv(out), paths[:40])
        if ranks == 1:  # mpirun forwards stdin to rank 0 only; the driver broadcasts it
            rc, out2, err = run(["--format", "csv", "--files-from", "-"],
                                stdin=("\n".join(paths[:40]) + "\n").encode())
            check(rc == 0 and out2 == out, f"stdin list differs (exit {rc}): {err}")

    @case("errors are rows, the rest is counted, exit 1")
    def _():
        err_dir = os.path.join(tmp, "errors")
        os.makedirs(err_dir, exist_ok=True)
        fifo = os.path.join(err_dir, "fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        sock_path = os.path.join(err_dir, "sock")
        s = socket.socket(socket.AF_UNIX)
        if not os.path.exists(sock_path):
            s.bind(sock_path)
        good = paths[0]
        args = ["--format", "csv", good, "/nonexistent/file", fifo, "/dev/null", sock_path, good]
        rc, out, err = run(args)
        s.close()
        check(rc == 1, f"exit {rc}, expected 1: {err}")
        rows = parse_csv(out)
        check(len(rows) == 7, f"{len(rows)} rows")
        check(rows[0][0] == good and rows[0][5] == "" and int(rows[0][3]) == os.path.getsize(good), "good file")
        for r in rows[1:5]:
            check(r[1] == "" and r[5] != "", f"error row {r}")
        check("not a regular file" in rows[2][5], rows[2][5])
        check(rows[5][0] == good and rows[5][5] == "", "file after the errors still counted")
        check("/nonexistent/file" in err, "error not reported on stderr")

    @case("directory loop with --follow is an error row, never a hang")
    def _():
        d = os.path.join(tmp, "loop")
        os.makedirs(os.path.join(d, "a"), exist_ok=True)
        with open(os.path.join(d, "a", "f.txt"), "w") as f:
            f.write("x y\n")
        if not os.path.islink(os.path.join(d, "a", "back")):
            os.symlink(os.path.join(d, "a"), os.path.join(d, "a", "back"))
        rc, out, err = run(["--format", "csv", "--follow", d])
        check(rc == 1, f"exit {rc}: {err}")
        rows = parse_csv(out)
        check(any("loop" in r[5] for r in rows), f"no loop row: {rows}")
        rc, out, err = run(["--format", "csv", d])  # without --follow the link is not walked
        check(rc == 0, f"exit {rc}: {err}")

    @case("permission error is a row (as an unprivileged user)")
    def _():
        if os.geteuid() != 0 or shutil.which("setpriv") is None:
            return
        d = tempfile.mkdtemp(prefix="hypar-perm-", dir="/tmp")
        os.chmod(d, 0o755)
        locked = os.path.join(d, "locked.txt")
        open_ = os.path.join(d, "open.txt")
        for p, mode in ((locked, 0o600), (open_, 0o644)):
            with open(p, "w") as f:
                f.write("a b c\n")
            os.chmod(p, mode)
        shutil.copy(stats, os.path.join(d, "hypar-stats"))
        os.chmod(os.path.join(d, "hypar-stats"), 0o755)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        cmd = prefix + mpiexec + [os.path.join(d, "hypar-stats"), "--no-progress", "--format", "csv", locked, open_]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMPI_ALLOW")}
        scratch = os.path.join(d, "tmp")  # Open MPI's session folder must be writable by nobody
        os.makedirs(scratch)
        os.chmod(scratch, 0o1777)
        env.update(HOME=scratch, TMPDIR=scratch, OMP_NUM_THREADS="1")
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env, cwd=d)
        shutil.rmtree(d)
        out = p.stdout.decode()
        check(p.returncode == 1, f"exit {p.returncode}: {p.stderr.decode()}")
        rows = parse_csv(out)
        check("ermission" in rows[0][5], f"row {rows[0]}")
        check(rows[1][5] == "" and rows[1][1] == "1", f"row {rows[1]}")

    @case("bad flags and an unreadable --files-from exit 2 with one line")
    def _():
        for args in (["--format", "xml"], ["--chunk-size", "12Q"], ["--threads", "-1"],
                     ["--no-such-flag"], ["--files-from", "/nonexistent/list"]):
            rc, out, err = run(args)
            check(rc == 2, f"{args}: exit {rc}")
            check(err.strip() != "" and "hypar-stats" in err, f"{args}: message {err!r}")

    @case("help and version exit 0 and name the built-in corpus")
    def _():
        rc, out, err = run(["--help"])
        check(rc == 0 and "built-in corpus" in out and "--chunk-size" in out, f"help: {rc} {err}")
        rc, out, err = run(["--version"])
        check(rc == 0 and "hypar-stats" in out, f"version: {rc}")

    @case("no paths: the built-in corpus, equal to wc")
    def _():
        rc, out, err = run(["--format", "json"])
        check(rc == 0, f"exit {rc}: {err}")
        j = json.loads(out)
        check(len(j["files"]) >= 5, "corpus too small")
        total = 0
        for f in j["files"]:
            check(f["path"].startswith("builtin/"), f["path"])
        check(j["total"]["bytes"] > 60 << 20, "synthetic file missing")
    # --- the holes a hostile probe found (issue 11) ---
    # Open MPI settings that scripts/run-main.sh and jobscripts/stats-hybrid-mpirun.sbatch set so
    # that a non-zero exit is reported without mpirun's banner or its 1 s kill delay.
    QUIET_MPI = {"OMPI_MCA_orte_execute_quiet": "1", "OMPI_MCA_odls_base_sigkill_timeout": "0"}
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    def rank_wrapped(shell_tail, args, env_extra=None):
        """Runs every rank as `sh -c 'hypar-stats ARGS SHELL_TAIL'`, noting its status; returns
        (mpiexec's exit code, stderr, [each rank's exit code])."""
        d = tempfile.mkdtemp(dir=tmp)
        # The status file appears whole or not at all (written aside, then renamed): mpirun may
        # kill the other ranks at any moment once one of them has exited non-zero.
        script = ('"$0" --no-progress "$@" ' + shell_tail + '; rc=$?; '
                  'r=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}; echo $rc > "' + d + '/tmp.$r" && '
                  'mv "' + d + '/tmp.$r" "' + d + '/rc.$r"; exit $rc')
        env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
        p = subprocess.run(mpiexec + ["sh", "-c", script, stats] + list(args), capture_output=True,
                           timeout=TIMEOUT, env=env)
        codes = [int(open(os.path.join(d, f)).read()) for f in sorted(os.listdir(d))
                 if f.startswith("rc.")]
        return p.returncode, p.stderr.decode("utf-8", "replace"), codes

    @case("files whose size reads as 0 are read to end of file, as wc reads them")
    def _():
        rc, out, err = run(["--format", "csv", "/proc/version", "/proc/self/status"])
        check(rc == 0, f"exit {rc}: {err}")
        rows = parse_csv(out)
        want = wc("/proc/version")
        got = dict(zip(["lines", "words", "bytes", "max_line_length"], map(int, rows[0][1:5])))
        check(got == want, f"/proc/version: {got} != wc {want}")
        check(int(rows[1][1]) > 5 and int(rows[1][3]) > 100, f"/proc/self/status counted empty: {rows[1]}")

    @case("a file that reads as empty but cannot be opened is an error row")
    def _():
        path = "/proc/sys/vm/drop_caches"
        if not os.path.exists(path) or os.access(path, os.R_OK):
            return
        rc, out, err = run(["--format", "csv", path, paths[0]])
        check(rc == 1, f"exit {rc}: {err}")
        rows = parse_csv(out)
        check(rows[0][1] == "" and "ermission" in rows[0][5], f"row {rows[0]}")
        check(rows[1][5] == "", f"the next file is still counted: {rows[1]}")

    @case("results that cannot be written: 'write error', exit 1 on every rank")
    def _():
        for tail, reason in (("> /dev/full", "No space left on device"), (">&-", "Bad file descriptor")):
            rc, err, codes = rank_wrapped(tail, ["--format", "csv", paths[0]], QUIET_MPI)
            check(f"hypar-stats: write error: {reason}" in err, f"{tail}: stderr {err!r}")
            check(rc == 1, f"{tail}: job exit {rc}")
            # mpirun ends the other ranks once one exits non-zero; to see every rank's own status,
            # let them all finish (mpirun's own status is then 0, so it is checked above).
            rc, err, codes = rank_wrapped(tail, ["--format", "csv", paths[0]],
                                          dict(QUIET_MPI, OMPI_MCA_orte_abort_on_non_zero_status="0"))
            check(codes == [1] * ranks, f"{tail}: rank exit codes {codes}")

    @case("absurd thread counts are usage errors naming the flag or the variable")
    def _():
        for args, env, name in ((["--threads", "20000"], {}, "--threads"),
                                ([], {"OMP_NUM_THREADS": "20000"}, "OMP_NUM_THREADS"),
                                ([], {"HYPAR_NUM_THREADS": "20000"}, "HYPAR_NUM_THREADS")):
            rc, out, err = run(args + [paths[0]], env_extra=env)
            check(rc == 2, f"{args} {env}: exit {rc}")
            check(name in err and "4096" in err, f"{args} {env}: message {err!r}")
        rc, out, err = run(["--threads", "4096", "--format", "csv", paths[0]])
        check(rc == 0, f"4096 threads is within the limit: exit {rc}: {err}")

    @case("option misuse: an empty --chunk-size= and a value for a flag are usage errors")
    def _():
        for args in (["--chunk-size=", paths[0]], ["--follow=3", paths[0]], ["--fail-fast=yes", paths[0]],
                     ["--threads=", "2", paths[0]]):
            rc, out, err = run(args)
            check(rc == 2 and out == "", f"{args}: exit {rc}, stdout {out!r}")
            check(args[0].split("=")[0] in err, f"{args}: message {err!r}")

    @case("a NUL inside a --files-from line is one error row, not two paths")
    def _():
        lst = os.path.join(tmp, "nul-list.txt")
        with open(lst, "wb") as f:
            f.write(paths[0].encode() + b"\0" + paths[1].encode() + b"\n" + paths[2].encode() + b"\n")
        rc, out, err = run(["--format", "csv", "--files-from", lst])
        check(rc == 1, f"exit {rc}: {err}")
        rows = parse_csv(out)
        check(len(rows) == 3, f"{len(rows)} rows (two inputs and the total): {rows}")
        check(rows[0][1] == "" and "NUL" in rows[0][5], f"row {rows[0]}")
        check(rows[1][0] == paths[2] and rows[1][5] == "", f"row {rows[1]}")

    @case("one bad input among many: one stderr line per bad input, no banner, no delay, exit 1")
    def _():
        good = paths[:200]
        bad = ["/nonexistent/one", "/nonexistent/two"]
        env = dict(os.environ, OMP_NUM_THREADS="1", **QUIET_MPI)
        def timed(args):
            best = None
            for _ in range(2):
                t = time.monotonic()
                p = subprocess.run(mpiexec + [stats, "--no-progress", "--format", "csv"] + args,
                                   capture_output=True, timeout=TIMEOUT, env=env)
                elapsed = time.monotonic() - t
                best = elapsed if best is None else min(best, elapsed)
            return p, best
        clean, t_clean = timed(good)
        check(clean.returncode == 0, f"clean run exit {clean.returncode}")
        p, t_bad = timed(good[:100] + bad[:1] + good[100:] + bad[1:])
        lines = p.stderr.decode("utf-8", "replace").splitlines()
        check(p.returncode == 1, f"exit {p.returncode}")
        check(len(lines) == 2 and all(l.startswith("hypar-stats: /nonexistent/") for l in lines),
              f"stderr is not one line per bad input: {lines}")
        check(t_bad < t_clean + 0.5, f"a bad input costs {t_bad - t_clean:.2f} s more")
        for f in ("scripts/run-main.sh", "jobscripts/stats-hybrid-mpirun.sbatch"):
            text = open(os.path.join(repo, f)).read()
            for k in QUIET_MPI:
                check(k.replace("OMPI_MCA_", "") in text, f"{f} does not set {k}")

    @case("--fail-fast stops for a file that fails while counting, with no counts printed")
    def _():
        if not os.path.exists("/proc/self/mem"):
            return
        rc, out, err = run(["--format", "csv", "/proc/self/mem", paths[0]])  # opens, read fails
        check(rc == 1, f"exit {rc}: {err}")
        rows = parse_csv(out)
        check(rows[0][5] != "" and rows[1][5] == "", f"without --fail-fast: an error row and a count: {rows}")
        rc, out, err = run(["--fail-fast", "--format", "csv", "/proc/self/mem", paths[0]])
        check(rc == 1 and out == "", f"exit {rc}, stdout {out!r}")
        check("/proc/self/mem" in err and "--fail-fast" in err, f"stderr {err!r}")

    @case("the table quotes names with newlines and escape bytes as wc does")
    def _():
        d = os.path.join(tmp, "names")
        os.makedirs(d, exist_ok=True)
        nl, esc = os.path.join(d, "a\nb"), os.path.join(d, "c\x1b[31md'q")
        for p in (nl, esc):
            with open(p, "wb") as f:
                f.write(b"x y\n")
        rc, out, err = run(["--format", "table", nl, esc])
        check(rc == 0, f"exit {rc}: {err}")
        rows = out.split("\n")
        check(len(rows) == 4 and rows[3] == "", f"one line per file and the total: {rows}")
        w = subprocess.run(["wc", "-l", nl], capture_output=True, env=dict(os.environ, LC_ALL="C")).stdout.decode()
        check(rows[0].split(" ", 4)[-1].split()[-1] == w.split(" ", 1)[1].strip(), f"{rows[0]!r} vs wc {w!r}")
        for row, name in zip(rows[:2], (nl, esc)):
            quoted = row.split()[-1]
            check("\x1b" not in row, f"raw escape byte in {row!r}")
            back = subprocess.run(["bash", "-c", "printf %s " + quoted], capture_output=True).stdout
            check(back == name.encode(), f"{quoted} reads back as {back!r}")

    @case("peak memory with 8 threads on a 1 GB sparse file stays under 256 MiB per rank")
    def _():
        sparse = os.path.join(tmp, "sparse")
        with open(sparse, "wb") as f:
            f.truncate(1 << 30)
        # Each rank prints "<peak KB>": mpiexec forwards the ranks' output as it comes, and two
        # ranks' lines have been seen joined without their newline, so the values are delimited.
        probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
                 "print('<peak %d>' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)")
        env = dict(os.environ, HYPAR_NO_LAYOUT_WARNING="1")
        p = subprocess.run(mpiexec + [sys.executable, "-c", probe, stats, "--no-progress", "--threads", "8",
                                      "--format", "csv", sparse], capture_output=True, timeout=TIMEOUT, env=env)
        check(p.returncode == 0, f"exit {p.returncode}: {p.stderr.decode()}")
        peaks = [int(x) for x in re.findall(r"<peak (\d+)>", p.stdout.decode())]
        check(len(peaks) == ranks, f"peaks {peaks}")
        check(max(peaks) < 256 << 10, f"peak RSS {max(peaks) >> 10} MiB per rank")
        os.remove(sparse)

finally:
    shutil.rmtree(tmp, ignore_errors=True)

finish(tmp)
