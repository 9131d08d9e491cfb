#!/usr/bin/python3
"""End-to-end tests of hypar-heat under mpirun, against independent references.

usage: heat_e2e.py HYPAR_HEAT RANKS [MPIEXEC...]   (Debian's /usr/bin/python3: numpy, h5py, PIL)
- the final field, read back with h5py, equals a numpy implementation of the same step bitwise
  (numpy's element-wise IEEE operations in the order kernels/heat.hpp documents) for threads 1 and 2, time
  blocks 1, 3 and the default, with and without overlap, Dirichlet and Neumann;
- the sine mode matches the exact discrete solution G^n u0 to 1e-12, Neumann conserves the sum;
- checkpoint, `kill -9` of the whole job after a checkpoint, restart: bitwise equal to the
  uninterrupted run; a checkpoint that cannot be written (file size limit) leaves the previous
  one readable and the run exits 1;
- PNG pictures (the final one and numbered frames) decoded by PIL; usage errors exit 2.
Prints 'N passed, M failed' last and exits non-zero when anything failed."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from e2e import QUICK_ABORT, case, check, finish, skip

try:
    import h5py
    import numpy as np
    from PIL import Image
except ImportError as e:  # the setup script installs them; say so instead of passing
    print(f"SKIP: heat_e2e needs numpy, h5py and PIL in this python ({e})")
    sys.exit(77)

heat, ranks = sys.argv[1], int(sys.argv[2])
mpiexec = sys.argv[3:] or ["mpiexec", "-n", str(ranks), "--oversubscribe", "--bind-to", "none"]
TIMEOUT = 600
work = tempfile.mkdtemp(prefix="hypar-heat-e2e-")


def run(args, threads=1, preexec=None, cwd=None, env_extra=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), HYPAR_NUM_THREADS=str(threads),
               HYPAR_NO_LAYOUT_WARNING="1", **(env_extra or {}))
    p = subprocess.run(mpiexec + [heat, "--no-progress"] + list(args), capture_output=True,
                       timeout=TIMEOUT, env=env, preexec_fn=preexec, cwd=cwd or work)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def path(name):
    return os.path.join(work, name)


def read_u(file):
    with h5py.File(file, "r") as f:
        d = f["u"]
        check(d.dtype == np.float64, f"{file}: dtype {d.dtype}")
        return d[...], {k: d.attrs[k] for k in d.attrs}


def reference(u, steps, r, neumann):
    """The heat step in numpy, (1 - 4 r) u + r ((E + W) + (N + S)) (kernels/heat.hpp's order),
    ghosts 0 or mirrored."""
    u = u.copy()
    keep = 1.0 - 4.0 * r
    for _ in range(steps):
        g = np.pad(u, 1, mode="edge" if neumann else "constant")
        c = g[1:-1, 1:-1]
        u = keep * c + r * ((g[1:-1, 2:] + g[1:-1, :-2]) + (g[2:, 1:-1] + g[:-2, 1:-1]))
    return u


def hotspot(nx, ny):
    x = (np.arange(nx) + 1.0) / (nx + 1)
    y = (np.arange(ny) + 1.0) / (ny + 1)
    dx, dy = np.meshgrid(x - 0.5, y - 0.5)
    return np.where(dx * dx + dy * dy < 0.2 * 0.2, 1.0, 0.0)


def descendants(pid):
    """Every process below `pid`, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def summary(out):
    return json.loads(out)


@case("the final field equals the numpy reference bitwise for every layout and setting")
def _():
    nx, ny, steps = 37, 29, 23
    for neumann in (False, True):
        expected = reference(hotspot(nx, ny), steps, 0.25, neumann)
        for threads in (1, 2):
            for extra in ([], ["--time-block", "1"], ["--time-block", "3", "--halo-width", "4"],
                          ["--time-block", "2", "--no-overlap"]):
                out = path("layout.h5")
                code, _, err = run(["--nx", str(nx), "--ny", str(ny), "--steps", str(steps),
                                    "--boundary", "neumann" if neumann else "dirichlet",
                                    "--output", out, "--format", "json"] + extra, threads)
                check(code == 0, f"exit {code}: {err}")
                got, attrs = read_u(out)
                check(got.shape == (ny, nx), f"shape {got.shape}")
                check(int(attrs["nx"]) == nx and int(attrs["ny"]) == ny, f"attrs {attrs}")
                check(int(attrs["steps"]) == steps and float(attrs["r"]) == 0.25, f"attrs {attrs}")
                diff = np.argwhere(got.view(np.uint64) != expected.view(np.uint64))
                check(diff.size == 0, f"neumann={neumann} threads={threads} {extra}: "
                      f"{len(diff)} cells differ, first {diff[:1].tolist()}")


@case("the sine mode follows the exact discrete solution to 1e-12")
def _():
    code, out, err = run(["--nx", "61", "--ny", "47", "--steps", "400", "--init", "sine:1,2",
                          "--r", "0.24", "--format", "json"], 2)
    check(code == 0, f"exit {code}: {err}")
    s = summary(out)
    check(s["max_relative_error"] < 1e-12, f"relative error {s['max_relative_error']}")
    check(s["ranks"] == ranks and s["steps"] == 400, f"summary {s}")
    for key in ("nx", "ny", "threads", "seconds", "lattice_updates_per_second",
                "bytes_per_second", "sum", "l2_norm", "max_error"):
        check(key in s, f"summary lacks {key}")


@case("Neumann boundaries conserve the sum")
def _():
    initial = hotspot(40, 30).sum()
    code, out, err = run(["--nx", "40", "--ny", "30", "--steps", "300", "--boundary", "neumann",
                          "--format", "json"])
    check(code == 0, f"exit {code}: {err}")
    s = summary(out)
    check(abs(s["sum"] - initial) <= 1e-12 * initial, f"sum {s['sum']} vs {initial}")


@case("kill -9 after a checkpoint, restart: bitwise the uninterrupted run")
def _():
    ck = path("kill-ck.h5")
    args = ["--nx", "300", "--ny", "200", "--checkpoint", ck, "--checkpoint-every", "40"]
    env = dict(os.environ, OMP_NUM_THREADS="1", HYPAR_NUM_THREADS="1", HYPAR_NO_LAYOUT_WARNING="1")
    job = subprocess.Popen(mpiexec + [heat, "--no-progress", "--steps", "100000000"] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=work,
                           start_new_session=True)
    deadline = time.time() + 120
    while not os.path.exists(ck) and time.time() < deadline and job.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)  # into the next checkpoint write (writing dominates this run): mid-write
    # The whole job: mpirun and every process under it (Open MPI puts each rank in a process group
    # of its own, so killing mpirun's group alone would leave the ranks running).
    victims = [job.pid] + descendants(job.pid)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    job.wait(timeout=30)
    deadline = time.time() + 30
    while any(alive(pid) for pid in victims) and time.time() < deadline:
        time.sleep(0.05)
    check(not any(alive(pid) for pid in victims), "processes of the killed job survive")
    check(os.path.exists(ck), "no checkpoint appeared")
    _, attrs = read_u(ck)  # the last complete checkpoint is readable
    done = int(attrs["steps"])
    check(done > 0 and done % 40 == 0, f"checkpoint at step {done}")
    leftovers = [f for f in os.listdir(work) if "kill-ck" in f and f != "kill-ck.h5"]
    target = done + 60
    a, b = path("restarted.h5"), path("straight.h5")
    code, _, err = run(["--nx", "300", "--ny", "200", "--steps", str(target), "--restart", ck,
                        "--output", a], 2)
    check(code == 0, f"restart: exit {code}: {err}")
    code, _, err = run(["--nx", "300", "--ny", "200", "--steps", str(target), "--output", b])
    check(code == 0, f"straight: exit {code}: {err}")
    ua, _ = read_u(a)
    ub, _ = read_u(b)
    check(np.array_equal(ua.view(np.uint64), ub.view(np.uint64)),
          "the restarted run differs from the uninterrupted one")
    # A temporary file of the interrupted write may be left behind, never under the final name.
    for f in leftovers:
        check(f.startswith("."), f"unexpected file {f}")


@case("a checkpoint that cannot be written (full disk) keeps the previous one and exits 1")
def _():
    # A 256 KiB tmpfs in a private mount namespace: the first run's checkpoint fits, the second
    # run's (200 x 200 doubles, 320 KB) does not.
    disk = path("disk")
    os.makedirs(disk, exist_ok=True)
    heat_args = " ".join(mpiexec + [heat, "--no-progress"])
    script = f"""
        mount -t tmpfs -o size=256k tmpfs {disk} || exit 90
        {heat_args} --nx 24 --ny 20 --steps 10 --checkpoint {disk}/ck.h5 --checkpoint-every 10 \
            > /dev/null 2> {work}/first.err || exit 91
        cp {disk}/ck.h5 {work}/ck-before.h5
        {heat_args} --nx 200 --ny 200 --steps 20 --checkpoint {disk}/ck.h5 --checkpoint-every 10 \
            > /dev/null 2> {work}/second.err
        echo $? > {work}/second.code
        cp {disk}/ck.h5 {work}/ck-after.h5
        ls -A {disk} > {work}/disk.list
    """
    env = dict(os.environ, OMP_NUM_THREADS="1", HYPAR_NUM_THREADS="1", HYPAR_NO_LAYOUT_WARNING="1")
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, env=env,
                       timeout=TIMEOUT)
    if p.returncode == 90 or (p.returncode != 0 and b"unshare" in p.stderr):
        skip("no private mount namespace here (unshare -m and mount tmpfs need privileges)")
    check(p.returncode == 0, f"script: exit {p.returncode}: {p.stderr.decode()}")
    code = int(open(os.path.join(work, "second.code")).read())
    err = open(os.path.join(work, "second.err")).read()
    check(code == 1, f"second run: exit {code} (wanted 1): {err}")
    check("--checkpoint" in err, f"message: {err}")
    before, _ = read_u(os.path.join(work, "ck-before.h5"))
    after, attrs = read_u(os.path.join(work, "ck-after.h5"))
    check(int(attrs["steps"]) == 10 and np.array_equal(before, after),
          "the previous checkpoint changed")
    listing = open(os.path.join(work, "disk.list")).read().split()
    check(listing == ["ck.h5"], f"files left on the full disk: {listing}")


@case("restart refuses a checkpoint of another r or boundary, and other bad inputs exit 2")
def _():
    ck = path("r-ck.h5")
    code, _, err = run(["--nx", "16", "--ny", "16", "--steps", "5", "--checkpoint", ck,
                        "--checkpoint-every", "5", "--r", "0.2"])
    check(code == 0, f"exit {code}: {err}")
    for args, words in [
            (["--restart", ck, "--r", "0.25"], "r ="),
            (["--restart", ck, "--r", "0.2", "--boundary", "neumann"], "boundary"),
            (["--restart", ck, "--r", "0.2", "--nx", "17"], "16 x 16"),
            (["--restart", path("missing.h5")], "missing.h5"),
            (["--init", "/etc/passwd"], "passwd"),
            (["--r", "0.3"], "stability"),
            (["--boundary", "periodic"], "--boundary"),
            (["--init", "sine:0,1"], "sine"),
            (["--png-every", "5", "--png", "one.png"], "pattern"),
            (["--png-every", "5", "--png", "f_%s.png"], "--png: frame pattern 'f_%s.png'"),
            (["--time-block", "4", "--halo-width", "2"], "halo"),
            (["--format", "xml"], "--format"),
            (["--nx", "8", "--ny", "8", "--time-block", "9", "--steps", "3"], "time-block")]:
        code, _, err = run(args, env_extra=QUICK_ABORT)  # rejected before any file is written
        check(code == 2, f"{args}: exit {code} (wanted 2): {err}")
        check(words in err and "hypar-heat" in err, f"{args}: message {err!r}")


@case("pictures: the final PNG and numbered frames, decoded by PIL")
def _():
    out = path("final.png")
    code, _, err = run(["--nx", "120", "--ny", "80", "--steps", "50", "--png", out,
                        "--png-size", "240"])
    check(code == 0, f"exit {code}: {err}")
    img = Image.open(out)
    img.load()
    check(img.format == "PNG" and img.mode == "RGB", f"{img.format} {img.mode}")
    check(img.width > 240 and img.height >= 160, f"size {img.size}")  # field 240x160 + bar
    colours = img.getcolors(1 << 20)
    check(colours is not None and len(colours) > 50, "too few colours for a diffusing disc")
    frames = os.path.join(work, "frames")
    os.makedirs(frames, exist_ok=True)
    code, _, err = run(["--nx", "64", "--ny", "64", "--steps", "30", "--png",
                        os.path.join(frames, "heat_%05d.png"), "--png-every", "10"])
    check(code == 0, f"frames: exit {code}: {err}")
    names = sorted(os.listdir(frames))
    check(names == [f"heat_{s:05d}.png" for s in (0, 10, 20, 30)], f"frames {names}")
    first = Image.open(os.path.join(frames, names[0])).convert("RGB")
    last = Image.open(os.path.join(frames, names[-1])).convert("RGB")
    check(first.size == last.size and first.tobytes() != last.tobytes(), "frames do not change")


def rank_pids():
    """The PIDs of the running hypar-heat ranks by rank (from their OMPI_COMM_WORLD_RANK)."""
    pids = {}
    for pid in subprocess.run(["pgrep", "-f", "^" + os.path.realpath(heat)], capture_output=True,
                              text=True).stdout.split():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
            pids[int(env[b"OMPI_COMM_WORLD_RANK"])] = int(pid)
        except (OSError, KeyError, ValueError):
            pass
    return pids


@case("--timeout / HYPAR_TIMEOUT: a frozen rank ends the job with 124, naming it; bad values "
      "are errors")
def _():
    for args, env_extra, words in ((["--timeout", "-1"], {}, "--timeout"),
                                   ([], {"HYPAR_TIMEOUT": "soon"}, "HYPAR_TIMEOUT")):
        code, _, err = run(["--nx", "8", "--ny", "8", "--steps", "1"] + args,
                           env_extra=dict(QUICK_ABORT, **env_extra))
        check(code in (1, 2) and words in err, f"{args} {env_extra}: exit {code}: {err}")
    if ranks < 2:
        skip("a frozen rank needs another rank to notice it")
    env = dict(os.environ, OMP_NUM_THREADS="1", HYPAR_NUM_THREADS="1", HYPAR_NO_LAYOUT_WARNING="1",
               HYPAR_TIMEOUT="2")
    # The first checkpoint says that every rank is in the time loop (a rank frozen earlier, in
    # MPI_Init, would stop the others in MPI's own start-up, which no bound of hypar's covers);
    # the next one is 2000 steps away, so the freeze lands between two writes.
    ck = path("frozen-ck.h5")
    p = subprocess.Popen(mpiexec + [heat, "--no-progress", "--nx", "256", "--ny", "256", "--steps",
                                    "100000000", "--checkpoint", ck, "--checkpoint-every", "2000"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=work)
    victim = ranks - 1
    pids = {}
    try:
        deadline = time.monotonic() + 120
        while not os.path.exists(ck) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        pids = rank_pids()
        check(len(pids) == ranks and os.path.exists(ck),
              f"no checkpoint from {ranks} ranks: {pids}, exit {p.poll()}")
        os.kill(pids[victim], signal.SIGSTOP)  # alive, but answers nothing (a frozen host)
        start = time.monotonic()
        _, err = p.communicate(timeout=60)
        seconds = time.monotonic() - start
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for pid in pids.values():
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    err = err.decode("utf-8", "replace")
    print(f"  a frozen rank: the job ended {seconds:.1f} s after it stopped (timeout 2 s)")
    check(p.returncode == 124, f"mpirun exit {p.returncode}, expected 124: {err[-2000:]}")
    check(f"no answer from rank {victim} (" in err and "no progress for" in err,
          f"the report does not name rank {victim}: {err[-2000:]}")
    check(seconds < 20, f"{seconds:.1f} s from the freeze to the end of the job")
    time.sleep(0.5)
    check(not rank_pids(), f"ranks of the job are still alive: {rank_pids()}")


@case("no arguments: the demonstration writes hypar-heat.png")
def _():
    demo = os.path.join(work, "demo")
    os.makedirs(demo, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", HYPAR_NUM_THREADS="1", HYPAR_NO_LAYOUT_WARNING="1")
    p = subprocess.run(mpiexec + [heat], capture_output=True, timeout=TIMEOUT, env=env, cwd=demo)
    check(p.returncode == 0, f"exit {p.returncode}: {p.stderr.decode()}")
    check(b"lattice updates/s" in p.stdout, f"summary: {p.stdout.decode()}")
    img = Image.open(os.path.join(demo, "hypar-heat.png"))
    check(img.width >= 256, f"size {img.size}")


finish(work)
