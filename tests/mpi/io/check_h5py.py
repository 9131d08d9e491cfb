#!/usr/bin/env python3
"""hypar's field files against an independent HDF5 implementation (h5py), both ways.

usage: check_h5py.py TOOL RANKS [MPIEXEC...]
TOOL is hdf5_field_tool. Runs it at RANKS ranks to write fields, which h5py must read with the
right shape, dtype (float64), attribute types and every value equal to sin(i) + 1000 j computed
here; then h5py writes files (float64 contiguous, float32 chunked and compressed, with string and
array attributes) that the tool must read back bitwise; then errors: every rank must report the
same message naming the path, also for a directory this user cannot write (run as `nobody` when
we are root). Prints 'N passed, M failed' last and exits non-zero when anything failed."""
import math
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

tool, ranks = sys.argv[1], int(sys.argv[2])
mpiexec = sys.argv[3:] or ["mpiexec", "-n", str(ranks), "--oversubscribe", "--bind-to", "none"]
TIMEOUT = 300
results = []
work = tempfile.mkdtemp(prefix="hypar-h5py-")


def run(args, prefix=(), env_extra=None, cwd=None):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.update(env_extra or {})
    p = subprocess.run(list(prefix) + mpiexec + [tool] + [str(a) for a in args], capture_output=True,
                       timeout=TIMEOUT, env=env, cwd=cwd)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def case(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
        except AssertionError as e:
            results.append((name, str(e) or "assertion failed"))
        except subprocess.TimeoutExpired:
            results.append((name, "timed out (hang?)"))
        except Exception as e:  # a crash of the check itself is a failure too
            results.append((name, f"{type(e).__name__}: {e}"))
        return fn
    return wrap


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expected(nx, ny):
    """u[j][i] = sin(i) + 1000 j, computed with the C library's sin (math.sin), as the tool does."""
    u = np.empty((ny, nx), dtype=np.float64)
    for j in range(ny):
        for i in range(nx):
            u[j, i] = math.sin(i) + 1000.0 * j
    return u


def rank_messages(err):
    """The tool's error lines, 'rank R: MESSAGE', as {R: MESSAGE}."""
    out = {}
    for line in err.splitlines():
        if line.startswith("rank ") and ": " in line:
            r, msg = line[5:].split(": ", 1)
            if r.isdigit():
                out[int(r)] = msg
    return out


def check_same_error(rc, err, path, words):
    check(rc != 0, "the tool succeeded")
    msgs = rank_messages(err)
    check(sorted(msgs) == list(range(ranks)), f"not every rank reported an error: {err}")
    check(len(set(msgs.values())) == 1, f"the ranks' messages differ: {msgs}")
    msg = msgs[0]
    check(f"'{path}'" in msg, f"the message does not name {path}: {msg}")
    check(words in msg, f"the message lacks {words!r}: {msg}")


SHAPES = [(37, 23), (1, 50), (64, 3), (8, 8)]


@case("h5py reads what hypar writes: shape, dtype, values, attributes, no temporary file")
def _():
    for nx, ny in SHAPES:
        d = tempfile.mkdtemp(dir=work)
        path = os.path.join(d, "field.h5")
        rc, out, err = run(["write", path, nx, ny])
        check(rc == 0 and "ok" in out, f"{nx}x{ny}: write failed ({rc}): {err}")
        check(os.listdir(d) == ["field.h5"], f"{nx}x{ny}: left in the directory: {os.listdir(d)}")
        with h5py.File(path, "r") as f:
            check(list(f.keys()) == ["u"], f"{nx}x{ny}: datasets {list(f.keys())}")
            u = f["u"]
            check(u.shape == (ny, nx), f"shape {u.shape}, expected {(ny, nx)}")
            check(u.dtype == np.dtype("<f8"), f"dtype {u.dtype}")
            values = u[...]
            want = expected(nx, ny)
            diff = np.argwhere(values.view(np.uint64) != want.view(np.uint64))
            check(len(diff) == 0, f"{nx}x{ny}: {len(diff)} cells differ, first [j, i] = "
                  f"{diff[:3].tolist()}: {[values[tuple(x)] for x in diff[:3]]} vs "
                  f"{[want[tuple(x)] for x in diff[:3]]}")
            attrs = dict(u.attrs)
            check(sorted(attrs) == ["nx", "ny", "r", "steps"], f"attributes {sorted(attrs)}")
            for name, value, dtype in [("nx", nx, "<i8"), ("ny", ny, "<i8"), ("steps", 42, "<i8"),
                                       ("r", 0.25, "<f8")]:
                a = u.attrs[name]
                check(np.asarray(a).dtype == np.dtype(dtype) and a == value,
                      f"attribute {name} = {a!r} ({np.asarray(a).dtype}), expected {value} {dtype}")


@case("h5dump reads it too")
def _():
    h5dump = shutil.which("h5dump")
    if h5dump is None:
        return
    path = os.path.join(work, "dump.h5")
    rc, out, err = run(["write", path, 5, 4])
    check(rc == 0, f"write failed: {err}")
    p = subprocess.run([h5dump, "-H", path], capture_output=True, timeout=60)
    header = p.stdout.decode()
    check(p.returncode == 0, f"h5dump failed: {p.stderr.decode()}")
    for part in ['DATASET "u"', "H5T_IEEE_F64LE", "SIMPLE { ( 4, 5 ) / ( 4, 5 ) }",
                 'ATTRIBUTE "steps"', "H5T_STD_I64LE"]:
        check(part in header, f"h5dump -H lacks {part!r}:\n{header}")


@case("hypar reads what h5py writes: float64 contiguous, float32 chunked and compressed")
def _():
    for nx, ny in SHAPES:
        want = expected(nx, ny)
        for dtype, kwargs in [("float64", {}),
                              ("float32", {"chunks": (min(ny, 5), min(nx, 7)), "compression": "gzip"})]:
            path = os.path.join(work, f"h5py-{nx}x{ny}-{dtype}.h5")
            with h5py.File(path, "w") as f:
                f.create_dataset("other", data=np.zeros(3))
                u = f.create_dataset("u", data=want.astype(dtype), **kwargs)
                u.attrs["steps"] = np.int32(42)
                u.attrs["r"] = 0.25
                u.attrs["note"] = "written by h5py"
                u.attrs["vector"] = np.arange(3.0)
            rc, out, err = run(["check", path, nx, ny, dtype])
            check(rc == 0 and "ok" in out, f"{nx}x{ny} {dtype}: the tool failed ({rc}): {err}")


@case("a crash mid-write leaves the previous file intact and only a temporary file behind")
def _():
    for step in ["after_data", "after_close"]:
        d = tempfile.mkdtemp(dir=work)
        path = os.path.join(d, "field.h5")
        rc, out, err = run(["write", path, 20, 9])
        check(rc == 0, f"write failed: {err}")
        with open(path, "rb") as f:
            before = f.read()
        rc, out, err = run(["crash", path, 31, 7, step])
        check(rc != 0, f"{step}: the crashing write succeeded")
        with open(path, "rb") as f:
            check(f.read() == before, f"{step}: the previous file changed")
        left = sorted(os.listdir(d))
        check(len(left) == 2 and left[1] == "field.h5" and left[0].startswith(".field.h5.tmp-"),
              f"{step}: the directory holds {left}")
        with h5py.File(path, "r") as f:
            check(f["u"].shape == (9, 20), f"{step}: the previous file reads as {f['u'].shape}")


@case("errors: the same message on every rank, naming the path")
def _():
    missing = os.path.join(work, "missing.h5")
    rc, out, err = run(["check", missing, 8, 8, "float64"])
    check_same_error(rc, err, missing, "the file does not exist")
    text = os.path.join(work, "text.h5")
    with open(text, "w") as f:
        f.write("plain text\n")
    rc, out, err = run(["check", text, 8, 8, "float64"])
    check_same_error(rc, err, text, "not an HDF5 file")
    shape = os.path.join(work, "shape.h5")
    with h5py.File(shape, "w") as f:
        f["u"] = np.zeros((4, 6))
    rc, out, err = run(["check", shape, 8, 8, "float64"])
    check_same_error(rc, err, shape, "is [ny][nx] = [4][6], but the field's grid is [8][8]")
    rc, out, err = run(["write", os.path.join(work, "no", "dir", "f.h5"), 8, 8])
    check_same_error(rc, err, os.path.join(work, "no", "dir", "f.h5"), "does not exist")


@case("errors: a directory this user cannot write (as nobody when root)")
def _():
    d = tempfile.mkdtemp(prefix="hypar-h5py-locked-", dir="/tmp")
    try:
        os.chmod(d, 0o755)
        local_tool = os.path.join(d, "hdf5_field_tool")
        shutil.copy(tool, local_tool)
        os.chmod(local_tool, 0o755)
        locked = os.path.join(d, "locked")
        os.makedirs(locked)
        os.chmod(locked, 0o555)
        prefix, env = [], {}
        if os.geteuid() == 0:
            if shutil.which("setpriv") is None:
                return
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            scratch = os.path.join(d, "tmp")  # Open MPI's session folder, writable by nobody
            os.makedirs(scratch)
            os.chmod(scratch, 0o1777)
            env = {k: v for k, v in os.environ.items() if not k.startswith("OMPI_ALLOW")}
            env.update(HOME=scratch, TMPDIR=scratch)
        target = os.path.join(locked, "f.h5")
        p = subprocess.run(prefix + mpiexec + [local_tool, "write", target, "8", "8"],
                           capture_output=True, timeout=TIMEOUT, env=env or None, cwd=d)
        err = p.stderr.decode("utf-8", "replace")
        check_same_error(p.returncode, err, target, "Permission denied")
        check(os.listdir(locked) == [], f"left in the locked directory: {os.listdir(locked)}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


shutil.rmtree(work, ignore_errors=True)
failed = [(n, e) for n, e in results if e]
for name, error in results:
    print(("FAIL: " if error else "ok:   ") + name + (f"\n      {error}" if error else ""))
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
