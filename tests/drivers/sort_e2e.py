#!/usr/bin/python3
"""End-to-end tests of hypar-sort gen, sort and check under mpirun, against independent references.

usage: sort_e2e.py HYPAR_SORT RANKS [MPIEXEC...]
References, none of them hypar code:
- gensort 1.5's records recomputed here from the public definition (the 128-bit LCG
  X(k+1) = a X(k) + c mod 2^128 from X(0) = 0, record r from X(r+1) .. X(r+10), each 10-byte field
  the top 10 bytes of X XOR gensort's fixed masks);
- checksums published with gensort/valsort runs (1400fed7bb2c2: 163840 ASCII records;
  1f7e4f7eb05: 1000 binary records from 123456789012, made with gensort 1.5) and Python's zlib.crc32;
- valsort's report, computed here from the records (count, checksum, duplicates, unordered ones),
  and valsort's 280-byte summary layout decoded here with struct;
- Python's (stable) sorted() by the 10-byte key, for every output of sort, in memory and out of
  core, one file or parts.
gen (one file or --parts) at RANKS ranks is byte-identical to gen without mpirun (one rank), with
small buffers so the chunking is exercised. Bad inputs and outputs: exit codes, messages naming the file, no partial
output. Prints 'N passed, M failed' last and exits non-zero when anything failed."""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

from e2e import QUICK_ABORT, case, check, finish, skip

tool, ranks = os.path.abspath(sys.argv[1]), int(sys.argv[2])
mpiexec = sys.argv[3:] or ["mpiexec", "-n", str(ranks), "--oversubscribe", "--bind-to", "none"]
TIMEOUT = 300
work = tempfile.mkdtemp(prefix="hypar_sort_e2e_")

# ---- the reference generator ---------------------------------------------------------------------

M = 1 << 128
A = 0x2360ED051FC65DA44385DF649FCCF645
C = 0x4A696D47726179524950202020202001
MASK_HI = [0, 0xF0E8E4E2E1D8D4D2, 0xCAC9C6C5C3B8B4B2, 0xAAA9A6A5A39C9A99, 0x938E8D8B87787472,
           0x6A696665635C5A59, 0x534E4D4B473C3A39, 0x332E2D2B271E1D1B, 0xC8C4C2C198949291,
           0x170F332E2D2B271E]
MASK_LO = [0, 0xD1CC, 0xB1AC, 0x9695, 0x716C, 0x5655, 0x3635, 0x170F, 0x8CE0, 0x1D1B]


def lcg(n):
    """X(n): n steps from 0, by squaring the affine map x -> A x + C (f^n = a_n x + c_n)."""
    a, c = 1, 0            # the accumulated map
    pa, pc = A, C          # f^(2^i)
    while n:
        if n & 1:
            a, c = (pa * a) % M, (pa * c + pc) % M
        pa, pc = (pa * pa) % M, (pa * pc + pc) % M
        n >>= 1
    return c  # f^n(0)


def binary_record(r):
    x = lcg(r + 1)
    out = bytearray()
    for k in range(10):
        v = x ^ ((MASK_HI[k] << 64) | (MASK_LO[k] << 48))
        out += (v >> 48).to_bytes(10, "big")
        x = (A * x + C) % M
    return bytes(out)


def records_of(data):
    return [data[i:i + 100] for i in range(0, len(data), 100)]


def checksum_hex(recs):
    return format(sum(zlib.crc32(r) for r in recs) % M, "x")


def valsort_report(recs):
    """valsort 1.5's report (stderr) on these records, from its documented rules."""
    dup = unordered = 0
    first = None
    for i in range(1, len(recs)):
        a, b = recs[i - 1][:10], recs[i][:10]
        if b < a:
            unordered += 1
            if first is None:
                first = i
        elif a == b:
            dup += 1
    text = ""
    if first is not None:
        text += f"First unordered record is record {first}\n"
    text += f"Records: {len(recs)}\nChecksum: {checksum_hex(recs)}\n"
    if unordered:
        text += f"ERROR - there are {unordered} unordered records\n"
    else:
        text += f"Duplicate keys: {dup}\nSUCCESS - all records are in order\n"
    return text


# ---- harness ------------------------------------------------------------------------------------

def run(args, mpi=True, env_extra=None, wrapper=()):
    """hypar-sort ARGS (under mpiexec, and under `wrapper`, e.g. strace); (code, stdout, stderr)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    cmd = list(wrapper) + (mpiexec if mpi else []) + [tool] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env, cwd=work)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def path(name):
    return os.path.join(work, name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def leftovers():
    return [n for n in os.listdir(work) if ".tmp-" in n]


def expect_report(code, err, recs, what):
    want = valsort_report(recs)
    ordered = "SUCCESS" in want
    check(code == (0 if ordered else 1), f"{what}: exit {code}, expected {0 if ordered else 1}: {err}")
    check(err.startswith(want), f"{what}: report\n{err}\nexpected\n{want}")
    check(err.count("Records:") == 1, f"{what}: the report is printed more than once: {err}")


N = 10000
BUF = 333  # records per buffer: many chunks per rank, boundaries not aligned with the shares

# ---- gen ----------------------------------------------------------------------------------------


@case("gen: R ranks byte-identical to one rank, records recomputed from the LCG, checksum = zlib")
def _():
    code, out, err = run(["gen", "--buffer-records", BUF, N, "g.dat"])
    check(code == 0, f"exit {code}: {err}")
    code1, out1, err1 = run(["gen", N, "g1.dat"], mpi=False)
    check(code1 == 0, f"one rank: exit {code1}: {err1}")
    data = read("g.dat")
    check(len(data) == 100 * N, f"size {len(data)}, expected {100 * N}")
    check(data == read("g1.dat"), "gen at R ranks differs from gen at one rank")
    for r in (0, 1, 2, N // 3, N // 2, N - 2, N - 1):
        check(data[100 * r:100 * r + 100] == binary_record(r), f"record {r} differs from gensort's")
    recs = records_of(data)
    want = f"Records: {N}\nChecksum: {checksum_hex(recs)}\n"
    check(out == want, f"stdout {out!r}, expected {want!r}")
    check(out1 == want, f"one rank: stdout {out1!r}, expected {want!r}")
    check(leftovers() == [], f"temporary files left: {leftovers()}")


@case("gen -b: far records, gensort 1.5's checksum, --format json")
def _():
    first = 123456789012
    code, out, err = run(["--format", "json", "gen", "-b", first, "--buffer-records", 77, 1000, "b.dat"])
    check(code == 0, f"exit {code}: {err}")
    j = json.loads(out)
    data = read("b.dat")
    check(j["checksum"] == "1f7e4f7eb05", f"checksum {j['checksum']}, gensort's is 1f7e4f7eb05")
    check(j["checksum"] == checksum_hex(records_of(data)), "json checksum != zlib over the file")
    check(j["records"] == 1000 and j["bytes"] == 100000 and j["first"] == first, f"json {j}")
    check(j["seconds"] >= 0 and j["ranks"] == ranks, f"json {j}")
    check(data[:100] == binary_record(first), "record -b differs from gensort's")
    check(data[-100:] == binary_record(first + 999), "last record differs from gensort's")


@case("gen -a, -s, -a -s, --teragen: R ranks identical to one rank; -a has gensort's checksum")
def _():
    for flags, count, published in ((["-a"], 163840, "1400fed7bb2c2"), (["-s"], N, None),
                                    (["-a", "-s"], N, None), (["--teragen"], N, None)):
        name = "v" + "".join(f.strip("-") for f in flags)
        code, out, err = run(["gen"] + flags + ["--buffer-records", 4999, count, name + ".dat"])
        check(code == 0, f"{flags}: exit {code}: {err}")
        code, out1, err = run(["gen"] + flags + [count, name + "1.dat"], mpi=False)
        check(code == 0, f"{flags} one rank: exit {code}: {err}")
        data = read(name + ".dat")
        check(data == read(name + "1.dat"), f"{flags}: R ranks differ from one rank")
        check(len(data) == 100 * count, f"{flags}: size {len(data)}")
        cs = checksum_hex(records_of(data))
        check(out == out1 == f"Records: {count}\nChecksum: {cs}\n", f"{flags}: stdout {out!r}")
        if published:
            check(cs == published, f"{flags}: checksum {cs}, published {published}")
        if "-a" in flags:
            check(all(r.endswith(b"\r\n") for r in records_of(data)[:50]), "-a records end in \\r\\n")


@case("gen: fewer records than ranks, zero records, --quiet")
def _():
    for count in (0, 1, 3):
        code, out, err = run(["gen", "-q", count, f"s{count}.dat"])
        check(code == 0 and out == "", f"{count}: exit {code}, stdout {out!r}: {err}")
        data = read(f"s{count}.dat")
        check(data == b"".join(binary_record(r) for r in range(count)), f"{count} records differ")


@case("gen --parts: one part per rank, their concatenation is the one-file output")
def _():
    code, out, err = run(["gen", "--parts", "--buffer-records", BUF, N, "p.dat"])
    check(code == 0, f"exit {code}: {err}")
    names = sorted(n for n in os.listdir(work) if n.startswith("p.dat."))
    check(names == [f"p.dat.part-{r:05d}" for r in range(ranks)], f"parts {names}")
    sizes = [len(read(n)) for n in names]
    check(max(sizes) - min(sizes) <= 100, f"unbalanced parts {sizes}")
    check(b"".join(read(n) for n in names) == read("g1.dat"), "the parts differ from gen's file")
    check(out == f"Records: {N}\nChecksum: {checksum_hex(records_of(read('g1.dat')))}\n", out)
    code, out, err = run(["gen", "--parts", 10, "no/such/dir/p.dat"])
    check(code == 1 and "no/such/dir/p.dat" in err and "not written" in err, f"exit {code}: {err}")
    check(leftovers() == [], f"temporary files left: {leftovers()}")


@case("gen: unwritable output and a full disk: exit 1, message names OUT, nothing left behind")
def _():
    code, out, err = run(["gen", 100, "no/such/dir/x.dat"])
    check(code == 1, f"missing directory: exit {code}")
    check("no/such/dir/x.dat" in err, f"message does not name the output: {err}")
    # A full disk: a 256 KiB tmpfs in a private mount namespace (as heat_e2e does; a file size
    # limit would also stop mpiexec's own files), an old OUT on it, 1 MB of records to write.
    disk = path("disk")
    os.makedirs(disk, exist_ok=True)
    args = " ".join(mpiexec + [tool, "gen", "--buffer-records", str(BUF), str(N), disk + "/full.dat"])
    script = f"""
        mount -t tmpfs -o size=256k tmpfs {disk} || exit 90
        printf 'old contents' > {disk}/full.dat
        {args} > {work}/full.out 2> {work}/full.err
        echo $? > {work}/full.code
        cp {disk}/full.dat {work}/full-after.dat
        ls -A {disk} > {work}/full.list
    """
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=TIMEOUT)
    if p.returncode == 90 or (p.returncode != 0 and b"unshare" in p.stderr):
        skip("no private mount namespace here (unshare -m and mount tmpfs need privileges)")
    check(p.returncode == 0, f"script: exit {p.returncode}: {p.stderr.decode()}")
    code = int(read("full.code"))
    err = read("full.err").decode()
    check(code == 1, f"full disk: exit {code}: {err}")
    check("full.dat" in err and "not written" in err and "No space left" in err, f"message: {err}")
    check(read("full-after.dat") == b"old contents", "the old OUT was replaced by a partial file")
    check(read("full.list").split() == [b"full.dat"], f"files left on the disk: {read('full.list')}")


# ---- check --------------------------------------------------------------------------------------

def sorted_data():
    return b"".join(sorted(records_of(read("g1.dat")), key=lambda r: r[:10]))


@case("check: the generated (unsorted) file: valsort's ERROR report, exit 1")
def _():
    recs = records_of(read("g1.dat"))
    code, out, err = run(["check", "--buffer-records", BUF, "g1.dat"])
    expect_report(code, err, recs, "unsorted")
    check("ERROR" in err, "unsorted input passed")


@case("check: sorted by Python: SUCCESS, exit 0, duplicates 0; --format json")
def _():
    write("sorted.dat", sorted_data())
    recs = records_of(read("sorted.dat"))
    code, out, err = run(["check", "--buffer-records", BUF, "sorted.dat"])
    expect_report(code, err, recs, "sorted")
    check("Duplicate keys: 0\nSUCCESS" in err, f"report {err}")
    code, out, err = run(["check", "--format", "json", "-q", "sorted.dat"])
    j = json.loads(out)
    check(code == 0 and j["ordered"] and j["records"] == N and j["duplicates"] == 0 and
          j["unordered"] == 0 and j["checksum"] == checksum_hex(recs), f"json {j}")
    check("Records" not in err, f"-q still printed the report: {err}")


@case("check: swapped pairs inside a rank and across every rank boundary; duplicates")
def _():
    recs = records_of(sorted_data())
    # the first record of each rank's share (the tool splits records evenly, the first N % R
    # ranks one more); swapping it with its predecessor puts an unordered pair on the boundary
    q, rem = divmod(N, ranks)
    starts = [r * q + min(r, rem) for r in range(1, ranks)] or [N // 2]
    for at in starts + [17]:
        bad = list(recs)
        bad[at - 1], bad[at] = bad[at], bad[at - 1]
        write("swapped.dat", b"".join(bad))
        code, out, err = run(["check", "--buffer-records", BUF, "swapped.dat"])
        expect_report(code, err, bad, f"swap at {at}")
        check(f"record {at}\n" in err and "there are 1 unordered" in err, f"swap at {at}: {err}")
    dup = list(recs)
    for at in starts + [5]:  # a record's key copied onto the next one's: still sorted, one duplicate
        dup[at] = dup[at - 1][:10] + dup[at][10:]
    write("dup.dat", b"".join(dup))
    code, out, err = run(["check", "dup.dat"])
    expect_report(code, err, dup, "duplicates")
    check(f"Duplicate keys: {len(starts) + 1}\n" in err, f"duplicates: {err}")


@case("check: across files (sorted halves SUCCESS, swapped halves ERROR), -o then -s")
def _():
    data = sorted_data()
    cut = 100 * 3333
    write("lo.dat", data[:cut])
    write("hi.dat", data[cut:])
    write("empty.dat", b"")
    recs = records_of(data)
    code, out, err = run(["check", "--buffer-records", BUF, "lo.dat", "empty.dat", "hi.dat"])
    expect_report(code, err, recs, "halves in order")
    swapped = records_of(data[cut:] + data[:cut])
    code, out, err = run(["check", "hi.dat", "lo.dat"])
    expect_report(code, err, swapped, "halves swapped")
    check(f"record {N - 3333}\n" in err, f"first unordered: {err}")

    for half in ("lo", "hi"):
        code, out, err = run(["check", f"{half}.dat", "-o", f"{half}.sum"])
        check(code == 0, f"-o {half}: exit {code}: {err}")
        s = read(f"{half}.sum")
        part = records_of(read(f"{half}.dat"))
        check(len(s) == 280, f"{half}.sum has {len(s)} bytes")
        # five 128-bit counts, each high then low 64-bit half, little-endian; then first and last
        v = struct.unpack("<10Q", s[:80])
        u = [(v[2 * i] << 64) | v[2 * i + 1] for i in range(5)]
        check(u == [0, 0, len(part), 0, int(checksum_hex(part), 16)], f"{half}.sum counts {u}")
        check(s[80:180] == part[0] and s[180:280] == part[-1], f"{half}.sum first/last records")
    write("all.sum", read("lo.sum") + read("hi.sum"))
    code, out, err = run(["check", "-s", "all.sum"])
    expect_report(code, err, recs, "-s in order")
    write("rev.sum", read("hi.sum") + read("lo.sum"))
    code, out, err = run(["check", "-s", "rev.sum"])
    expect_report(code, err, swapped, "-s swapped")
    write("bad.sum", read("lo.sum")[:200])
    code, out, err = run(["check", "-s", "bad.sum"])
    check(code == 1 and "bad.sum" in err, f"truncated summary: exit {code}: {err}")


@case("check: bad inputs exit 1 naming the file, on every rank alike")
def _():
    write("odd.dat", b"x" * 150)
    for args, name, words in ((["odd.dat"], "odd.dat", "multiple of"),
                              (["sorted.dat", "missing.dat"], "missing.dat", "No such file"),
                              (["."], ".", "not a regular file")):
        code, out, err = run(["check"] + args, env_extra=QUICK_ABORT)  # check only reads
        check(code == 1, f"{args}: exit {code}: {err}")
        check(f"hypar-sort: check: {name}: " in err and words in err, f"{args}: message {err}")
        check(err.count("hypar-sort:") == 1, f"{args}: message printed by more than rank 0: {err}")
        check("Records:" not in err, f"{args}: a report after an input error: {err}")
    code, out, err = run(["check", "empty.dat"])
    check(code == 1 and "at least one record" in err, f"empty input: exit {code}: {err}")


# ---- sort ---------------------------------------------------------------------------------------

def stable_sorted(data):
    """The reference: Python's sort is stable, so ties keep their input order."""
    return b"".join(sorted(records_of(data), key=lambda r: r[:10]))


def leftover_runs(directory=work):
    return [n for n in os.listdir(directory) if n.startswith(".hypar-sort-run-")]


def sort_inputs():
    """name -> bytes: the input shapes of the issue, each small enough for a Python reference."""
    uniform = read("g1.dat")
    code, out, err = run(["gen", "-s", N, "skew.dat"])
    check(code == 0, f"gen -s: exit {code}: {err}")
    equal_keys = b"".join(b"K" * 10 + i.to_bytes(8, "big") + b"." * 82 for i in range(3000))
    few_keys = b"".join(bytes([65 + (i * 7919) % 3]) * 10 + i.to_bytes(8, "big") + b"," * 82
                        for i in range(3000))
    ordered = stable_sorted(uniform)
    reverse = b"".join(reversed(records_of(ordered)))
    return {"uniform": uniform, "skewed": read("skew.dat"), "all-equal keys": equal_keys,
            "three keys": few_keys, "sorted": ordered, "reverse-sorted": reverse,
            "one record": uniform[:100], "three records": uniform[:300], "no records": b""}


@case("sort: every input shape at 1 and 2 threads equals Python's stable sort; check agrees")
def _():
    for i, (name, data) in enumerate(sort_inputs().items()):
        write("in.dat", data)
        want = stable_sorted(data)
        # the first two shapes at both thread counts, the others alternately (a shorter run)
        for threads in ((1, 2) if i < 2 else (1 + i % 2,)):
            code, out, err = run(["sort", "--threads", threads, "--buffer-records", 97, "in.dat",
                                  "-o", "out.dat"])
            check(code == 0, f"{name}, {threads} threads: exit {code}: {err}")
            got = read("out.dat")
            check(len(got) == len(data), f"{name}: {len(got)} bytes out, {len(data)} in")
            check(got == want, f"{name}, {threads} threads: differs from the stable sort by key")
            check(f"Records: {len(data) // 100} " in out, f"{name}: summary {out!r}")
        if data:
            code, out, err = run(["check", "out.dat"])
            expect_report(code, err, records_of(want), f"check of sorted {name}")
    check(leftovers() == [], f"temporary files left: {leftovers()}")


@case("sort: the checksum of the output equals gen's; --format json phases and balance")
def _():
    code, out, err = run(["gen", N, "c.dat"])
    gen_sum = out.split("Checksum: ")[1].strip()
    code, out, err = run(["--format", "json", "sort", "c.dat", "-o", "c-sorted.dat"])
    check(code == 0, f"exit {code}: {err}")
    j = json.loads(out)
    check(j["records"] == N and j["bytes"] == 100 * N and j["ranks"] == ranks, f"json {j}")
    check(not j["out_of_core"] and j["runs"] == 0, f"an in-memory sort spilled: {j}")
    check(sum(j["rank_records"]) == N and len(j["rank_records"]) == ranks, f"json {j}")
    fair = -(-N // ranks)
    check(max(j["rank_records"]) <= fair * 1.05 + 1, f"unbalanced slices {j['rank_records']}")
    for phase in ("read", "sample", "exchange", "local_sort", "spill", "merge", "write"):
        check(j["seconds_per_phase"][phase] >= 0, f"phase {phase}: {j['seconds_per_phase']}")
    check(j["peak_rss_bytes"] > 0, f"json {j}")
    code, out, err = run(["--format", "json", "-q", "check", "c-sorted.dat"])
    c = json.loads(out)
    check(code == 0 and c["ordered"] and c["checksum"] == gen_sum, f"check {c}, gen's {gen_sum}")


def fsyncs(args, output, parts=False):
    """Runs hypar-sort ARGS under strace; (exit code, stderr, the fsyncs of OUTPUT's temporary
    files, the fsyncs of its folder). strace -y names each fsync's file."""
    trace = path("fsync.trace")
    strace = ["strace", "-f", "-y", "-qq", "-e", "trace=fsync", "-o", trace]
    code, _, err = run(args, wrapper=strace)
    with open(trace) as f:
        # Each call once, whole or as its "<unfinished ...>" half (its result: the exit code).
        calls = re.findall(r"fsync\(\d+<([^>]*)>", f.read())
    os.remove(trace)
    temporary = re.compile(re.escape("." + output) + (r"\.part-\d{5}" if parts else "") +
                           r"\.tmp-\d+")
    files = [c for c in calls if temporary.fullmatch(os.path.basename(c))]
    folder = [c for c in calls if c == os.path.realpath(work)]
    return code, err, files, folder


@case("--fsync: gen and sort (in memory, out of core, parts) fsync every rank's output and its "
      "folder before the rename, and without it nothing; the outputs are the same")
def _():
    if shutil.which("strace") is None:
        skip("strace is not installed (scripts/install-deps.sh installs it)")
    for sync in (False, True):
        flag = ["--fsync"] if sync else []
        tag = "s-" if sync else "p-"
        code, err, files, folder = fsyncs(["gen", "-q"] + flag + [N, tag + "gen.dat"],
                                          tag + "gen.dat")
        check(code == 0, f"gen {flag}: exit {code}: {err}")
        check(len(files) == (ranks if sync else 0) and len(folder) == (1 if sync else 0),
              f"gen {flag}: fsyncs of the output {files}, of its folder {folder}")
        for extra, what in (([], "in-memory"), (["--memory", "256K"], "out-of-core"),
                            (["--parts"], "parts")):
            out = tag + what + ".dat"
            parts = extra == ["--parts"]
            code, err, files, folder = fsyncs(["sort", "--no-progress"] + flag + extra +
                                              [tag + "gen.dat", "-o", out], out, parts)
            check(code == 0, f"sort {what} {flag}: exit {code}: {err}")
            # One file: every rank syncs it, rank 0 renames it; parts: every rank both.
            want_folder = (ranks if parts else 1) if sync else 0
            check(len(files) == (ranks if sync else 0) and len(folder) == want_folder,
                  f"sort {what} {flag}: fsyncs of the output {files}, of its folder {folder}")
    want = stable_sorted(read("p-gen.dat"))
    check(read("s-gen.dat") == read("p-gen.dat"), "gen --fsync wrote other bytes")
    for what in ("in-memory", "out-of-core"):
        check(read(f"s-{what}.dat") == want, f"sort {what} --fsync: not the stable sort")
        check(read(f"p-{what}.dat") == want, f"sort {what}: not the stable sort")
    for tag in ("s-", "p-"):
        check(b"".join(read(f"{tag}parts.dat.part-{r:05d}") for r in range(ranks)) == want,
              f"sort --parts ({tag}): the parts do not concatenate to the stable sort")
    check(leftovers() == [], f"temporaries left: {leftovers()}")


@case("sort out of core: --memory far below the input, runs spilled to --tmp, same output")
def _():
    count = 60000
    code, out, err = run(["gen", count, "big.dat"])
    check(code == 0, f"gen: exit {code}: {err}")
    want = stable_sorted(read("big.dat"))
    os.makedirs(path("spill"), exist_ok=True)
    for memory, threads in (("256K", 1), ("1M", 2)):
        code, out, err = run(["--format", "json", "sort", "--memory", memory, "--tmp", "spill",
                              "--threads", threads, "big.dat", "-o", "big-sorted.dat"])
        check(code == 0, f"--memory {memory}: exit {code}: {err}")
        j = json.loads(out)
        check(j["out_of_core"] and j["runs"] >= 2 * ranks, f"--memory {memory}: json {j}")
        check(read("big-sorted.dat") == want, f"--memory {memory}: differs from the stable sort")
        check(leftover_runs(path("spill")) == [], f"spill files left: {leftover_runs(path('spill'))}")
    # Ties across runs and ranks stay in input order out of core too.
    data = sort_inputs()["three keys"] * 4
    write("ties.dat", data)
    code, out, err = run(["sort", "--memory", "64K", "ties.dat", "-o", "ties-sorted.dat"])
    check(code == 0, f"ties: exit {code}: {err}")
    check(read("ties-sorted.dat") == stable_sorted(data), "out of core: ties not in input order")
    check(leftover_runs() == [] and leftovers() == [], "files left behind")


@case("sort out of core: peak memory stays under --memory plus a small constant per rank")
def _():
    if os.environ.get("HYPAR_E2E_SANITIZED"):
        skip("peak memory is not measured under the sanitizers (their shadow memory is resident)")
    count = 300000  # 30 MB, far above both budgets below
    code, out, err = run(["gen", count, "mem.dat"])
    check(code == 0, f"gen: exit {code}: {err}")
    write("tiny.dat", read("g1.dat")[:100 * 100])
    code, out, err = run(["--format", "json", "sort", "tiny.dat", "-o", "base.dat"])
    base = json.loads(out)["peak_rss_bytes"]  # MPI, the libraries, threads: no records to speak of
    constant = 16 << 20  # thread stacks, malloc arenas, MPI's buffers (measured: 6-9 MiB)
    for memory in (4, 16):
        code, out, err = run(["--format", "json", "sort", "--memory", f"{memory}M", "mem.dat", "-o",
                              "mem-sorted.dat"])
        check(code == 0, f"--memory {memory}M: exit {code}: {err}")
        j = json.loads(out)
        check(j["out_of_core"], f"--memory {memory}M: not out of core: {j}")
        grown = j["peak_rss_bytes"] - base
        check(grown <= (memory << 20) + constant,
              f"--memory {memory}M: peak {j['peak_rss_bytes']} B is {grown} B above the baseline "
              f"{base} B: more than --memory plus 16 MiB")
        code, out, err = run(["-q", "check", "mem-sorted.dat"])
        check(code == 0, f"check of the out-of-core output: exit {code}: {err}")


@case("sort --parts, and a directory of parts as input: the parts concatenate to the sort")
def _():
    os.makedirs(path("in-parts"), exist_ok=True)
    code, out, err = run(["gen", "--parts", N, "in-parts/g"])
    check(code == 0, f"gen --parts: exit {code}: {err}")
    write("in-parts/.hidden", b"x")  # hidden files of a directory are not inputs
    code, out, err = run(["sort", "--parts", "in-parts", "-o", "sorted-parts"])
    check(code == 0, f"exit {code}: {err}")
    names = sorted(n for n in os.listdir(work) if n.startswith("sorted-parts."))
    check(names == [f"sorted-parts.part-{r:05d}" for r in range(ranks)], f"parts {names}")
    check(b"".join(read(n) for n in names) == stable_sorted(read("g1.dat")),
          "the parts' concatenation differs from the stable sort")
    code, out, err = run(["check"] + names)
    check(code == 0 and "SUCCESS" in err, f"check over the parts: exit {code}: {err}")


@case("sort: bad inputs and outputs exit 1 naming the file; nothing left under the output's name")
def _():
    write("odd.dat", b"x" * 150)
    write("out-old.dat", b"old contents")
    for args, name, words in ((["odd.dat"], "odd.dat", "multiple of"),
                              (["c.dat", "missing.dat"], "missing.dat", "No such file"),
                              (["/dev/null"], "/dev/null", "not a regular file")):
        code, out, err = run(["sort"] + args + ["-o", "out-old.dat"])
        check(code == 1, f"{args}: exit {code}: {err}")
        check(f"{name}: " in err and words in err and "not written" in err, f"{args}: {err}")
        check(err.count("hypar-sort:") == 2, f"{args}: printed by more than rank 0: {err}")
        check(read("out-old.dat") == b"old contents", f"{args}: the old output was replaced")
    code, out, err = run(["sort", "c.dat", "-o", "no/such/dir/x.dat"])
    check(code == 1 and "no/such/dir/x.dat" in err, f"unwritable output: exit {code}: {err}")
    code, out, err = run(["sort", "--memory", "64K", "--tmp", "no/such/dir", "c.dat", "-o", "x.dat"])
    check(code == 1 and "no/such/dir" in err and not os.path.exists(path("x.dat")),
          f"unwritable --tmp: exit {code}: {err}")
    check(leftovers() == [] and leftover_runs() == [], f"files left: {leftovers()}")
    # A full disk under the output, and under --tmp (a private tmpfs, as in the gen case).
    disk = path("sdisk")
    os.makedirs(disk, exist_ok=True)
    base = mpiexec + [tool, "sort", "--buffer-records", "97"]
    out_full = " ".join(base + [path("big.dat"), "-o", disk + "/s.dat"])
    tmp_full = " ".join(base + ["--memory", "256K", "--tmp", disk, path("big.dat"), "-o",
                                path("never.dat")])
    script = f"""
        mount -t tmpfs -o size=256k tmpfs {disk} || exit 90
        printf 'old contents' > {disk}/s.dat
        {out_full} > {work}/sfull.out 2> {work}/sfull.err; echo $? > {work}/sfull.code
        {tmp_full} > {work}/tfull.out 2> {work}/tfull.err; echo $? > {work}/tfull.code
        cp {disk}/s.dat {work}/sfull-after.dat
        ls -A {disk} > {work}/sfull.list
    """
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=TIMEOUT)
    if p.returncode == 90 or (p.returncode != 0 and b"unshare" in p.stderr):
        skip("no private mount namespace here (unshare -m and mount tmpfs need privileges)")
    check(p.returncode == 0, f"script: exit {p.returncode}: {p.stderr.decode()}")
    for what in ("sfull", "tfull"):
        code, err = int(read(f"{what}.code")), read(f"{what}.err").decode()
        check(code == 1 and "No space left" in err and "not written" in err, f"{what}: {code} {err}")
    check(read("sfull-after.dat") == b"old contents", "the old output was replaced")
    check(read("sfull.list").split() == [b"s.dat"], f"left on the disk: {read('sfull.list')}")
    check(not os.path.exists(path("never.dat")), "a failed out-of-core sort left its output")


def interrupted_sort(sig, mpi):
    """Starts an out-of-core sort of 1 M records, sends `sig` once its first spill file exists,
    and returns (exit code, stderr, seconds from the signal to the exit, spill dir)."""
    spills = path(f"spills-{sig}-{int(mpi)}")
    os.makedirs(spills, exist_ok=True)
    cmd = (mpiexec if mpi else []) + [tool, "sort", "--no-progress", "--memory", "2M", "--tmp",
                                      spills, path("int.dat"), "-o", path("int-out.dat")]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=dict(os.environ, OMP_NUM_THREADS="1"), cwd=work)
    deadline = time.monotonic() + TIMEOUT
    while not leftover_runs(spills) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    check(p.poll() is None, f"the sort ended before its first spill: exit {p.returncode}")
    start = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=TIMEOUT)
    return p.returncode, err.decode("utf-8", "replace"), time.monotonic() - start, spills


@case("SIGINT / SIGTERM mid-sort: a lone process exits 130 / 143, mpirun non-zero; spill and "
      "temporary files removed, the old output intact (or the whole sort, if it was done)")
def _():
    code, _, err = run(["gen", 1000000, "int.dat"], mpi=False)
    check(code == 0, f"gen: {err}")
    write("int-out.dat", b"old contents")
    for sig, mpi in ((signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGTERM, True),
                     (signal.SIGINT, True)):
        code, err, seconds, spills = interrupted_sort(sig, mpi)
        what = f"{sig.name} to {'mpirun' if mpi else 'a lone process'}"
        if mpi:
            # mpirun ends the ranks with SIGTERM (and SIGKILL a second later) whichever it got.
            # Their "interrupted" lines are not asserted: mpirun, stopping itself, may drop what
            # they print last (seen at 1 and 3 ranks); the files below are what must not remain.
            check(code != 0, f"{what}: mpirun exit {code}")
        else:
            check(code == 128 + sig, f"{what}: exit {code}, expected {128 + sig}: {err}")
            check(f"hypar-sort: interrupted ({sig.name}); " in err, f"{what}: {err}")
        check(seconds < 10, f"{what}: {seconds:.1f} s from the signal to the exit")
        check(leftover_runs(spills) == [] and os.listdir(spills) == [],
              f"{what}: left in --tmp: {os.listdir(spills)}")
        check(leftovers() == [], f"{what}: temporary files left: {leftovers()}")
        if read("int-out.dat") != b"old contents":
            # The signal came after the agreed rename: then the output must be the whole sort.
            c, _, e = run(["check", "int-out.dat"], mpi=False)
            check(c == 0 and "Records: 1000000\n" in e, f"{what}: the output was replaced by {e}")
            write("int-out.dat", b"old contents")
    os.remove(path("int.dat"))


@case("usage errors exit 2 with (try --help); --help exits 0")
def _():
    for args in (["gen", "12x", "o.dat"], ["gen", 10], ["check"], ["check", "-s", "a.sum", "x.dat"],
                 ["gen", "--teragen", "-s", 10, "o.dat"], ["gen", "-b", 2**64 - 5, 10, "o.dat"],
                 ["frobnicate"], [], ["--format", "xml", "check", "x"], ["sort", "in.dat"],
                 ["sort", "-o", "x.dat"], ["sort", "--memory", "12Q", "in.dat", "-o", "x.dat"],
                 ["sort", "--memory", "0", "in.dat", "-o", "x.dat"],
                 ["sort", "--threads", "many", "in.dat", "-o", "x.dat"]):
        code, out, err = run(args, env_extra=QUICK_ABORT)  # rejected before any file is touched
        check(code == 2, f"{args}: exit {code}: {err}")
        check(err.startswith("hypar-sort: ") and "(try --help)" in err, f"{args}: message {err}")
        check(err.count("hypar-sort:") == 1, f"{args}: printed by more than rank 0: {err}")
    code, out, err = run(["--help"])
    check(code == 0 and "gen" in out and "check" in out, f"--help: exit {code}")
    check(not os.path.exists(path("o.dat")) and not os.path.exists(path("x.dat")),
          "a usage error wrote an output")


finish(work)
