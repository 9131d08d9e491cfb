#!/usr/bin/python3
"""hypar's drivers across simulated hosts: real Open MPI over TCP between network namespaces.

usage: netns-cluster.sh run -- multihost_e2e.py GROUP --stats P --sort P --heat P --mpiexec P
                                                [--jobscripts DIR]
Runs inside a cluster made by tests/multihost/netns-cluster.sh (its CLUSTER_* variables), 3 hosts
with 2 slots each. GROUP is one of
  cluster  every rank runs in its host's namespace (hostname and network namespace per host);
           `--mca btl self,vader` fails between hosts (no shared memory there) and works on one;
           a cut cable hides a host from the head and back
  stats    hypar-stats at 3 x 1 x 1 and 3 x 2 x 2 (hosts x ranks x threads), every file equal to
           `LC_ALL=C wc -lwcL`; jobscripts/stats-hostfile-mpirun.sh across the hosts, the same
  sort     hypar-sort gen at 3 x 2, sort at 3 x {1,2} x {1,2} and out of core: byte-identical
           to the same tool on one host (plain mpiexec, 1 rank) and to Python's stable sort by
           key; check across the hosts keeps gen's checksum; the exchange crossed the cables
  heat     hypar-heat at 3 x 1 x {1,2}, 3 x 2 x 2 and 3 x 2 x 1 (time blocks): the final field (h5py)
           bitwise the single-host run's; a checkpoint written across the hosts restarted at
           2 hosts x 1 rank and at 1 host x 2 ranks: bitwise the uninterrupted run
  faults   `kill -9` of one rank on host 2 mid-run, hypar-heat (3 x 2) and hypar-sort (3 x 1):
           mpirun exits non-zero naming the rank and its host, every process of the job is gone
           within 10 s, sort leaves no file under the output name, heat's last checkpoint is
           readable and a restart from it is bitwise the uninterrupted run; the time from the
           kill to mpirun's exit is printed
Prints per-case times and 'N passed, M failed' last; exits non-zero when anything failed."""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drivers"))
from e2e import case, check, finish  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("group", choices=["cluster", "stats", "sort", "heat", "faults", "all"])
parser.add_argument("--stats")
parser.add_argument("--sort")
parser.add_argument("--heat")
parser.add_argument("--mpiexec", default="mpiexec")
parser.add_argument("--jobscripts")
opts = parser.parse_args()
for name in ("stats", "sort", "heat"):  # compared with /proc/PID/exe, which is resolved
    if getattr(opts, name):
        setattr(opts, name, os.path.realpath(getattr(opts, name)))

if "CLUSTER_DIR" not in os.environ:
    sys.exit("multihost_e2e.py runs inside tests/multihost/netns-cluster.sh run -- ...")
CLUSTER = os.environ["CLUSTER_DIR"]
HOSTS = os.environ["CLUSTER_HOSTS"].split()   # namespace names = hostnames, h1 first
ADDRS = os.environ["CLUSTER_ADDRS"].split()
HEAD = os.environ["CLUSTER_HEAD"]
MPIRUN = os.path.join(CLUSTER, "mpirun")
EXEC = os.path.join(CLUSTER, "exec")
TIMEOUT = 120
# inside the cluster's folder: removed with the cluster even when this script is killed
# (netns-cluster.sh run --keep keeps both)
work = tempfile.mkdtemp(prefix="work-", dir=CLUSTER)
# A TERM (netns-cluster.sh passes Ctrl-C on as TERM) ends the run through finally blocks, so that
# the running job is killed (subprocess.run kills its child on any exception) and work removed.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

# What every rank on another "host" needs: remote ranks see only what mpirun forwards.
FORWARD = ["-x", "OMP_WAIT_POLICY=passive", "-x", "HYPAR_NO_LAYOUT_WARNING=1"]
LOCAL_ENV = dict(os.environ, OMP_WAIT_POLICY="passive", HYPAR_NO_LAYOUT_WARNING="1",
                 OMP_NUM_THREADS="1")


def layout(hosts, per_host):
    """mpirun arguments for `hosts` hosts (h1 first) with `per_host` ranks each, filled host by
    host: rank r runs on host r // per_host."""
    hostlist = ",".join(f"{a}:{per_host}" for a in ADDRS[:hosts])
    return ["-n", str(hosts * per_host), "--host", hostlist] + FORWARD


def on_cluster(hosts, per_host, cmd, mpirun_args=(), timeout=TIMEOUT):
    """Runs cmd under mpirun on the head across the layout; (exit code, stdout, stderr)."""
    p = subprocess.run([MPIRUN] + layout(hosts, per_host) + list(mpirun_args) + [str(c) for c in cmd],
                       capture_output=True, timeout=timeout, cwd=work, env=LOCAL_ENV)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def on_one_host(ranks, cmd, timeout=TIMEOUT):
    """The single-host reference: plain mpiexec in the machine's own namespace."""
    p = subprocess.run([opts.mpiexec, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] +
                       [str(c) for c in cmd], capture_output=True, timeout=timeout, cwd=work,
                       env=LOCAL_ENV)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def path(name):
    return os.path.join(work, name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


def ns_pids(ns):
    p = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]


def cluster_pids():
    """namespace -> the PIDs of the processes inside it, for those with any."""
    return {ns: pids for ns in [HEAD] + HOSTS if (pids := ns_pids(ns))}


def end_job(job):
    """After a failed case: kills mpirun and whatever of its job is left in the cluster's
    namespaces, so that one failure does not leave a job running under the next cases."""
    if job.poll() is None:
        job.kill()
        job.wait()
    for pids in cluster_pids().values():
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def running(exe):
    """PIDs of every live process of program `exe` on the machine (any namespace)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and exe_of(entry) == exe:
            out.append(int(entry))
    return out


def rank_of(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        return int(env[b"OMPI_COMM_WORLD_RANK"])
    except (OSError, KeyError, ValueError):
        return None


def reachable(addr):
    """Whether the head reaches `addr`: a closed port refuses at once when the host is there
    (exit 1); a cut cable leaves the connection unanswered (timeout's 124)."""
    p = subprocess.run([EXEC, "head", "timeout", "2", "bash", "-c", f"exec 3<>/dev/tcp/{addr}/9"],
                       capture_output=True)
    return p.returncode != 124


def settled(within=10.0, programs=()):
    """Waits until no process is left in the cluster's namespaces and none of `programs` runs;
    returns the seconds it took, or fails naming what is left."""
    start = time.monotonic()
    while True:
        left = cluster_pids()
        stray = {p: running(p) for p in programs if running(p)}
        if not left and not stray:
            return time.monotonic() - start
        if time.monotonic() - start > within:
            names = {ns: [(pid, exe_of(pid)) for pid in pids] for ns, pids in left.items()}
            check(False, f"processes left {within:.0f} s after the job: {names} {stray}")
        time.sleep(0.05)


def tx_bytes():
    """Bytes sent so far on every host's cable (eth0 inside its namespace)."""
    total = 0
    for ns in HOSTS:
        j = json.loads(subprocess.run(["ip", "-n", ns, "-j", "-s", "link", "show", "eth0"],
                                      capture_output=True, text=True, check=True).stdout)
        total += j[0]["stats64"]["tx"]["bytes"]
    return total


def timed(label, seconds):
    print(f"  {label}: {seconds:.2f} s", flush=True)


# ---- cluster ------------------------------------------------------------------------------------

def group_cluster():
    probe = 'echo "<rank $OMPI_COMM_WORLD_RANK $(hostname) $(readlink /proc/self/ns/net)>"'

    @case("cluster 3 x 2: each rank in its host's network namespace and hostname, hosts distinct")
    def _():
        code, out, err = on_cluster(3, 2, ["sh", "-c", probe])
        check(code == 0, f"exit {code}: {err}")
        seen = {int(r): (h, n) for r, h, n in re.findall(r"<rank (\d+) (\S+) net:\[(\d+)\]>", out)}
        check(sorted(seen) == list(range(6)), f"ranks {sorted(seen)}: {out}")
        own = os.stat("/proc/self/ns/net").st_ino
        for r, (host, inode) in seen.items():
            ns = HOSTS[r // 2]
            check(host == ns, f"rank {r} runs on {host}, expected {ns}")
            # the inode of the namespace `ip netns` bound under /run/netns/NAME
            check(int(inode) == os.stat(f"/run/netns/{ns}").st_ino, f"rank {r} not in {ns}'s netns")
            check(int(inode) != own, f"rank {r} shares the machine's own network namespace")
        check(len({n for _, n in seen.values()}) == 3, f"three hosts, three namespaces: {seen}")
        settled()

    files = [path("a.txt"), path("b.txt")]
    for f, n in zip(files, (3000, 5000)):
        with open(f, "w") as out:
            out.write("some words here\n" * n)

    @case("shared memory between hosts: btl self,vader fails (never reaches), on one host it works")
    def _():
        args = [opts.stats, "--no-progress", "--format", "csv"] + files
        code, out, err = on_cluster(2, 1, args, ["--mca", "btl", "self,vader"])
        check(code != 0, f"ranks on two hosts ran with shared memory only (exit 0): {out}")
        check("unable to reach each other" in err, f"not Open MPI's unreachable report: {err[-800:]}")
        code, out, err = on_cluster(1, 2, args, ["--mca", "btl", "self,vader"])
        check(code == 0, f"two ranks on one host with self,vader: exit {code}: {err[-800:]}")
        check(out.count("\n") == 4, f"output {out!r}")
        code, out2, err = on_cluster(2, 1, args)  # the cluster's default, tcp,self
        check(code == 0 and out2 == out, f"tcp,self across two hosts: exit {code}: {err[-800:]}")
        settled()

    @case("a cut cable (link-down 2) hides host 2 from the head; link-up brings it back")
    def _():
        check(all(reachable(a) for a in ADDRS), "a host is unreachable before the cut")
        subprocess.run([os.path.join(CLUSTER, "link-down"), "2"], check=True)
        try:
            check(not reachable(ADDRS[1]), "host 2 still answers with its cable cut")
            check(reachable(ADDRS[0]) and reachable(ADDRS[2]), "hosts 1 and 3 lost too")
        finally:
            subprocess.run([os.path.join(CLUSTER, "link-up"), "2"], check=True)
        deadline = time.monotonic() + 10
        while not reachable(ADDRS[1]) and time.monotonic() < deadline:
            time.sleep(0.2)
        check(reachable(ADDRS[1]), "host 2 does not answer after link-up")
        code, out, err = on_cluster(3, 1, ["hostname"])
        check(code == 0 and sorted(out.split()) == HOSTS, f"mpirun after the repair: {code} {out} {err}")
        settled()


# ---- stats --------------------------------------------------------------------------------------

def stats_tree(root):
    rnd = random.Random(15)
    files = {f"bytes/b{b:03d}.txt": b"ab" + bytes([b]) + b"cd " + bytes([b]) * 3 + b"\nx" + bytes([b])
             for b in range(0, 256, 5)}
    files["empty.txt"] = b""
    files["no-final-newline.txt"] = b"one two\nthree"
    files["crlf.txt"] = b"a b\r\nc d\r\n\r\n"
    files["tabs.txt"] = b"\ta\tbb\tccc\tdddd\teeeee\n1234567\t8\n\t\t\t\n"
    files["long-line.txt"] = b"w " * (1 << 20) + b"end"  # one line of 2 MiB
    files["random-mix.bin"] = bytes(rnd.choice(b"abc \t\n\r\f\v\x00\x7f\x80\xc3\xa9xyz")
                                    for _ in range(1 << 20))
    words = [b"alpha", b"beta", b"gamma", b"\tdelta", b"eps\x01lon", b"\xe2\x80\x94"]
    big = bytearray()
    while len(big) < (6 << 20):
        big += b" ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 30))) + b"\n"
    files["large/big.txt"] = bytes(big)
    for i in range(60):
        files[f"many/small{i:03d}.txt"] = b"word " * rnd.randrange(0, 50) + (b"\n" if i % 3 else b"")
    for rel, data in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)

    def walk(d):  # hypar-stats' order: depth first, names sorted at each level
        out = []
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            out += walk(p) if os.path.isdir(p) else [p]
        return out
    return walk(root)


def wc(p):
    out = subprocess.run(["wc", "-lwcL", p], capture_output=True, env=dict(os.environ, LC_ALL="C"),
                         check=True).stdout.decode().split()
    return {"lines": int(out[0]), "words": int(out[1]), "bytes": int(out[2]),
            "max_line_length": int(out[3])}


def check_json_against_wc(text, paths, ranks, threads):
    j = json.loads(text)
    check(j["ranks"] == ranks and j["threads"] == threads, f"ran at {j['ranks']} x {j['threads']}")
    check([f["path"] for f in j["files"]] == paths, "files or their order differ")
    total = {"lines": 0, "words": 0, "bytes": 0, "max_line_length": 0}
    for f in j["files"]:
        want = wc(f["path"])
        got = {k: f[k] for k in want}
        check(f["error"] is None and got == want, f"{f['path']}: hypar-stats {got} != wc {want}")
        for k in total:
            total[k] = max(total[k], want[k]) if k == "max_line_length" else total[k] + want[k]
    got = {k: j["total"][k] for k in total}
    check(got == total, f"total {got} != {total}")


def group_stats():
    tree = path("tree")
    paths = stats_tree(tree)
    for hosts, per_host, threads in ((3, 1, 1), (3, 2, 2)):
        @case(f"hypar-stats {hosts} x {per_host} x {threads}: every file and the total equal wc")
        def _():
            code, out, err = on_cluster(hosts, per_host, [opts.stats, "--no-progress", "--format",
                                                          "json", "--chunk-size", "64K", "--threads",
                                                          threads, tree])
            check(code == 0, f"exit {code}: {err[-800:]}")
            check_json_against_wc(out, paths, hosts * per_host, threads)
            settled()

    if not opts.jobscripts:
        return
    script = os.path.join(opts.jobscripts, "stats-hostfile-mpirun.sh")
    for per_host, threads in ((2, 1), (1, 2)):
        @case(f"jobscripts/stats-hostfile-mpirun.sh on the head, 3 x {per_host} x {threads}: equals wc")
        def _():
            # the job script runs on the login node (the head) with the cluster's Open MPI
            # settings, as a site configuration would give them, and the hostfile
            env = dict(LOCAL_ENV, HYPAR_STATS=opts.stats, HYPAR_FORMAT="json",
                       HYPAR_RANKS_PER_HOST=str(per_host), HYPAR_THREADS=str(threads),
                       HYPAR_BIND="none", HYPAR_NETWORK=os.environ["CLUSTER_NET"],
                       HYPAR_ARGS="--no-progress --chunk-size 64K",
                       HYPAR_MPIRUN_ARGS="-x HYPAR_NO_LAYOUT_WARNING=1")
            p = subprocess.run([EXEC, "head", "bash", "-c", '. "$CLUSTER_MPI_ENV" && exec "$0" "$@"',
                                script, os.environ["HOSTFILE"], tree], capture_output=True,
                               timeout=TIMEOUT, env=env, cwd=work)
            err = p.stderr.decode("utf-8", "replace")
            check(p.returncode == 0, f"exit {p.returncode}: {err[-800:]}")
            check("on 3 host(s)" in err and f"btl_tcp_if_include {os.environ['CLUSTER_NET']}" in err,
                  f"settings line: {err[:600]}")
            check_json_against_wc(p.stdout.decode(), paths, 3 * per_host, threads)
            settled()

    @case("jobscripts/stats-hostfile-mpirun.sh: a missing hostfile, an empty one, a bad count: exit 2")
    def _():
        empty = path("empty-hostfile")
        with open(empty, "w") as f:
            f.write("# no hosts\n\n")
        for hostfile, env_extra, words in ((path("missing"), {}, "not a readable file"),
                                           (empty, {}, "names no host"),
                                           (os.environ["HOSTFILE"], {"HYPAR_RANKS_PER_HOST": "0"},
                                            "positive integers")):
            p = subprocess.run([script, hostfile, tree], capture_output=True, timeout=TIMEOUT,
                               env=dict(LOCAL_ENV, HYPAR_STATS=opts.stats, **env_extra))
            err = p.stderr.decode()
            check(p.returncode == 2 and words in err and p.stdout == b"",
                  f"{hostfile} {env_extra}: exit {p.returncode}: {err}")


# ---- sort ---------------------------------------------------------------------------------------

def records_of(data):
    return [data[i:i + 100] for i in range(0, len(data), 100)]


def stable_sorted(data):
    return b"".join(sorted(records_of(data), key=lambda r: r[:10]))


def group_sort():
    n = 40000
    gen_sum = {}

    @case("hypar-sort gen 3 x 2: byte-identical to gen on one host, same checksum")
    def _():
        code, out, err = on_cluster(3, 2, [opts.sort, "gen", "--buffer-records", 333, n, path("in.dat")])
        check(code == 0, f"exit {code}: {err[-800:]}")
        code1, out1, err1 = on_one_host(1, [opts.sort, "gen", n, path("in1.dat")])
        check(code1 == 0, f"one host: exit {code1}: {err1}")
        check(out == out1 and "Checksum: " in out, f"stdout {out!r} vs one host {out1!r}")
        check(read("in.dat") == read("in1.dat"), "gen across the hosts differs from gen on one host")
        gen_sum["checksum"] = out.split("Checksum: ")[1].strip()
        settled()

    reference = {}

    def want():
        if "sorted" not in reference:
            code, out, err = on_one_host(1, [opts.sort, "sort", path("in1.dat"), "-o", path("ref.dat")])
            check(code == 0, f"single-host sort: exit {code}: {err}")
            reference["sorted"] = read("ref.dat")
            check(reference["sorted"] == stable_sorted(read("in1.dat")),
                  "the single-host sort differs from Python's stable sort")
        return reference["sorted"]

    for hosts, per_host, threads in ((3, 1, 1), (3, 1, 2), (3, 2, 1), (3, 2, 2)):
        @case(f"hypar-sort sort {hosts} x {per_host} x {threads}: byte-identical to one host and to "
              "Python's stable sort; check across the hosts keeps gen's checksum")
        def _():
            out_name = path(f"sorted-{hosts}x{per_host}x{threads}.dat")
            before = tx_bytes()
            code, out, err = on_cluster(hosts, per_host, [opts.sort, "--format", "json", "sort",
                                                          "--threads", threads, "--buffer-records",
                                                          97, path("in1.dat"), "-o", out_name])
            sent = tx_bytes() - before
            check(code == 0, f"exit {code}: {err[-800:]}")
            j = json.loads(out)
            check(j["ranks"] == hosts * per_host and j["records"] == n, f"json {j}")
            with open(out_name, "rb") as f:
                check(f.read() == want(), "the sorted output differs from the single-host sort")
            if per_host == 1:
                # every rank keeps about a third of its records; the rest crossed the cables
                check(sent >= 0.5 * 100 * n, f"only {sent} bytes left the hosts for {100 * n} sorted")
                print(f"  {sent} bytes crossed the hosts' cables for {100 * n} bytes sorted")
            code, out, err = on_cluster(3, 2, [opts.sort, "--format", "json", "-q", "check", out_name])
            c = json.loads(out)
            check(code == 0 and c["ordered"] and c["records"] == n, f"check: exit {code}: {c} {err}")
            check(c["checksum"] == gen_sum.get("checksum"), f"checksum {c['checksum']}, gen's {gen_sum}")
            settled()

    @case("hypar-sort sort out of core 3 x 2 x 1 (--memory 256K, runs spilled): identical")
    def _():
        spill = path("spill")
        os.makedirs(spill, exist_ok=True)
        code, out, err = on_cluster(3, 2, [opts.sort, "--format", "json", "sort", "--memory", "256K",
                                           "--tmp", spill, path("in1.dat"), "-o", path("ooc.dat")])
        check(code == 0, f"exit {code}: {err[-800:]}")
        j = json.loads(out)
        check(j["out_of_core"] and j["runs"] >= 6, f"not out of core: {j}")
        check(read("ooc.dat") == want(), "the out-of-core output differs from the single-host sort")
        check(os.listdir(spill) == [], f"spill files left: {os.listdir(spill)}")
        settled()


# ---- heat ---------------------------------------------------------------------------------------

def load_h5():
    import h5py  # present: checked before the groups run
    import numpy as np
    return h5py, np


def field(file):
    h5py, np = load_h5()
    with h5py.File(file, "r") as f:
        d = f["u"]
        return d[...].view(np.uint64).copy(), int(d.attrs["steps"])


def same_field(a, b, what):
    _, np = load_h5()
    ua, sa = field(a)
    ub, sb = field(b)
    check(sa == sb, f"{what}: steps {sa} != {sb}")
    diff = np.argwhere(ua != ub)
    check(ua.shape == ub.shape and diff.size == 0,
          f"{what}: {len(diff)} cells differ bitwise, first {diff[:1].tolist()}")


HEAT = ["--no-progress", "--nx", "97", "--ny", "61"]


def group_heat():
    reference = {}

    def ref(steps):
        if steps not in reference:
            out = path(f"ref-{steps}.h5")
            code, _, err = on_one_host(1, [opts.heat] + HEAT + ["--steps", steps, "--output", out])
            check(code == 0, f"single-host run: exit {code}: {err} {_}")
            reference[steps] = out
        return reference[steps]

    for hosts, per_host, threads, extra in ((3, 1, 1, []), (3, 1, 2, []), (3, 2, 2, []),
                                            (3, 2, 1, ["--time-block", "3", "--halo-width", "4"])):
        @case(f"hypar-heat {hosts} x {per_host} x {threads} {' '.join(extra)}: the final field "
              "bitwise the single-host run's")
        def _():
            out = path(f"heat-{hosts}x{per_host}x{threads}.h5")
            code, _, err = on_cluster(hosts, per_host, [opts.heat] + HEAT + extra + [
                "--steps", "50", "--threads", threads, "--output", out])
            check(code == 0, f"exit {code}: {err[-800:]}")
            same_field(out, ref(50), f"{hosts} x {per_host} x {threads}")
            settled()

    @case("hypar-heat checkpoint across 3 x 2, restarted at 2 hosts x 1 and 1 host x 2: bitwise "
          "the uninterrupted run")
    def _():
        ck = path("ck.h5")
        code, _, err = on_cluster(3, 2, [opts.heat] + HEAT + ["--steps", "60", "--checkpoint", ck,
                                                              "--checkpoint-every", "30"])
        check(code == 0, f"checkpointing run: exit {code}: {err[-800:]}")
        check(field(ck)[1] == 60, f"checkpoint at step {field(ck)[1]}")
        same_field(ck, ref(60), "the checkpoint written across the hosts")
        a, b = path("restart-2x1.h5"), path("restart-1x2.h5")
        code, _, err = on_cluster(2, 1, [opts.heat] + HEAT + ["--steps", "100", "--restart", ck,
                                                              "--output", a])
        check(code == 0, f"restart at 2 hosts x 1: exit {code}: {err[-800:]}")
        code, _, err = on_one_host(2, [opts.heat] + HEAT + ["--steps", "100", "--restart", ck,
                                                            "--output", b])
        check(code == 0, f"restart on 1 host x 2: exit {code}: {err}")
        same_field(a, ref(100), "restarted at 2 hosts x 1")
        same_field(b, ref(100), "restarted at 1 host x 2")
        settled()


# ---- faults -------------------------------------------------------------------------------------

def kill_one_rank(job, program, rank, host, ready):
    """Once `ready()` holds, kills rank `rank` (a process of `program` on `host`, 0-based) with
    SIGKILL; waits for mpirun and for every process of the job. Returns (mpirun's exit code, its
    stderr, seconds from the kill to mpirun's exit, seconds from the kill until all are gone)."""
    ns = HOSTS[host]
    deadline = time.monotonic() + 60
    victim, armed = None, False
    while time.monotonic() < deadline and job.poll() is None:
        if victim is None:
            victim = next((p for p in ns_pids(ns) if exe_of(p) == program and rank_of(p) == rank), None)
        if victim is not None and ready():
            armed = True
            break
        time.sleep(0.02)
    check(job.poll() is None, f"the job ended before the kill (exit {job.poll()}): make it longer")
    check(victim is not None, f"rank {rank} of {program} not found on {ns}")
    check(armed, "the moment to kill never came (60 s)")
    t0 = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    try:
        _, err = job.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        end_job(job)
        job.communicate()
        check(False, "mpirun still runs 60 s after the kill")
    detected = time.monotonic() - t0
    gone = detected + settled(within=max(0.0, 10.0 - detected), programs=[program])
    return job.returncode, err.decode("utf-8", "replace"), detected, gone


def expect_killed_job(code, err, detected, gone, rank, host):
    """What every kill -9 case asserts of the job: its times printed, mpirun non-zero and naming
    the killed rank and host, every process gone within 10 s."""
    timed("time to detect (kill -9 to mpirun's exit)", detected)
    timed("every process of the job gone after", gone)
    check(code != 0, "mpirun exited 0 after a rank was killed")
    check_lost_report(err, rank, host)
    check(gone <= 10, f"the job took {gone:.1f} s to go")


def check_lost_report(err, rank, host):
    m = re.search(r"process rank (\d+) with PID \d+ on node (\S+) exited on signal 9", err)
    check(m is not None, f"mpirun does not report the killed rank: {err[-1200:]}")
    check(int(m.group(1)) == rank and m.group(2) in (ADDRS[host], HOSTS[host]),
          f"mpirun names rank {m.group(1)} on {m.group(2)}, killed rank {rank} on {ADDRS[host]}")


# TCP keepalive on Open MPI's own connections (mpirun to its daemons): mpirun then notices within
# seconds that it lost the daemon of a host it can no longer reach, and ends the job; by default
# (300 s idle, 9 probes 20 s apart) it would wait about eight minutes. The keepalive only runs on an
# idle connection, so it must fire before anything is sent to the lost daemon (hypar's own abort
# would be such a message), hence shorter than the ranks' --timeout.
DAEMON_KEEPALIVE = {"OMPI_MCA_oob_tcp_keepalive_time": "1", "OMPI_MCA_oob_tcp_keepalive_intvl": "1",
                    "OMPI_MCA_oob_tcp_keepalive_probes": "2"}


def group_faults():
    @case("fault: hypar-heat 3 x 2, kill -9 of rank 3 (host 2) mid-run: reported, all gone in "
          "10 s, the last checkpoint readable, a restart from it bitwise the uninterrupted run")
    def _():
        ck = path("kill-ck.h5")
        args = ["--no-progress", "--nx", "300", "--ny", "200", "--checkpoint", ck,
                "--checkpoint-every", "40", "--threads", "1"]
        job = subprocess.Popen([MPIRUN] + layout(3, 2) + [opts.heat, "--steps", "100000000"] + args,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work,
                               env=LOCAL_ENV)
        try:
            # A checkpoint exists (the next ones follow every few milliseconds, so the kill may
            # land during a write, which must not harm the last complete one either).
            code, err, detected, gone = kill_one_rank(job, opts.heat, 3, 1,
                                                      lambda: os.path.exists(ck))
        finally:
            if job.poll() is None:
                end_job(job)
        expect_killed_job(code, err, detected, gone, 3, 1)
        steps = field(ck)[1]  # readable: the last complete checkpoint
        check(steps > 0 and steps % 40 == 0, f"checkpoint at step {steps}")
        check([f for f in os.listdir(work) if f.startswith("kill-ck")] == ["kill-ck.h5"],
              "a file other than the checkpoint under its name")
        target = steps + 40
        a, b = path("after-kill.h5"), path("straight.h5")
        code, _, err = on_cluster(3, 1, [opts.heat] + args[:5] + ["--steps", target, "--restart",
                                                                  ck, "--output", a])
        check(code == 0, f"restart across 3 hosts: exit {code}: {err[-800:]}")
        code, _, err = on_one_host(1, [opts.heat] + args[:5] + ["--steps", target, "--output", b])
        check(code == 0, f"uninterrupted run: exit {code}: {err}")
        same_field(a, b, "restart after the kill")
        settled()

    @case("fault: hypar-sort sort 3 x 1, kill -9 of rank 1 (host 2) while the output is written: "
          "reported, all gone in 10 s, no file under the output name and no temporary one")
    def _():
        big, out = path("big.dat"), path("big-sorted.dat")
        code, _, err = on_one_host(2, [opts.sort, "gen", "-q", 2000000, big])
        check(code == 0, f"gen: exit {code}: {err}")
        job = subprocess.Popen([MPIRUN] + layout(3, 1) + [opts.sort, "sort", "--threads", "1",
                                                          "--no-progress", big, "-o", out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work,
                               env=LOCAL_ENV)

        def ready():  # the sorted output is being written (under its temporary name, ~0.2 s)
            return any(f.startswith(".big-sorted.dat.tmp-") for f in os.listdir(work))
        try:
            code, err, detected, gone = kill_one_rank(job, opts.sort, 1, 1, ready)
        finally:
            if job.poll() is None:
                end_job(job)
        expect_killed_job(code, err, detected, gone, 1, 1)
        check(not os.path.exists(out), "a file was left under the output name")
        # The surviving ranks get mpirun's SIGTERM: rank 0, which owns the one-file output's
        # temporary, removes it (hypar::handle_interrupts) before it goes.
        left = [f for f in os.listdir(work) if "big-sorted" in f]
        check(left == [], f"files of the killed sort left in its folder: {left}")
        os.remove(big)


    @case("fault: the cable of host 3 cut mid-run (hypar-heat 3 x 1, --timeout 4): mpirun ends "
          "the job non-zero naming host 3, the rank behind the cut ends too")
    def _():
        job = subprocess.Popen([MPIRUN] + layout(3, 1) + [
            opts.heat, "--no-progress", "--nx", "256", "--ny", "256", "--steps", "100000000",
            "--threads", "1", "--timeout", "4"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            cwd=work, env=dict(LOCAL_ENV, **DAEMON_KEEPALIVE))
        cut = False
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and job.poll() is None and not any(
                    exe_of(p) == opts.heat for p in ns_pids(HOSTS[2])):
                time.sleep(0.05)
            check(job.poll() is None, f"the job ended before the cut: exit {job.poll()}")
            time.sleep(1.0)  # inside the time loop
            subprocess.run([os.path.join(CLUSTER, "link-down"), "3"], check=True)
            cut = True
            t0 = time.monotonic()
            try:
                _, err = job.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                end_job(job)
                _, err = job.communicate()
                check(False, f"mpirun still runs 60 s after the cut: {err.decode()[-1500:]}")
            detected = time.monotonic() - t0
            # Behind the cut, the rank on host 3 is ended by its daemon (which lost mpirun) or by
            # its own bounded wait (--timeout 4: 4 s, then up to 4 s for answers), whichever
            # comes first. Last in the group: the hosts' neighbour tables take a while to heal.
            behind = next((p for p in ns_pids(HOSTS[2]) if exe_of(p) == opts.heat), None)
            until = time.monotonic() + 30
            while behind is not None and running(behind) and time.monotonic() < until:
                time.sleep(0.1)
            ended = time.monotonic() - t0
            check(behind is None or not running(behind), "the rank behind the cut still runs 30 s "
                  "after it (its bounded wait did not end it)")
        finally:
            if cut:
                subprocess.run([os.path.join(CLUSTER, "link-up"), "3"], check=True)
                until = time.monotonic() + 10
                while not reachable(ADDRS[2]) and time.monotonic() < until:
                    time.sleep(0.2)
            if job.poll() is None:
                end_job(job)
        err = err.decode("utf-8", "replace")
        timed("time to detect (cut to mpirun's exit)", detected)
        timed("the rank behind the cut gone after", ended)
        check(job.returncode != 0, "mpirun exited 0 after a cable was cut")
        check(detected < 30, f"{detected:.1f} s from the cut to mpirun's exit")
        hypar_report = re.search(r"no answer from rank 2 \((\S+)\)", err)
        mpi_report = re.search(r"Remote daemon: \S+ on node (\S+)", err)
        check(hypar_report or mpi_report, f"no report names the lost host: {err[-1500:]}")
        named = (hypar_report or mpi_report).group(1)
        check(named in (HOSTS[2], ADDRS[2]), f"the report names {named}, not host 3")
        settled(within=15.0, programs=[opts.heat])

try:
    groups = ["cluster", "stats", "sort", "heat", "faults"] if opts.group == "all" else [opts.group]
    if {"heat", "faults"} & set(groups):
        try:
            import h5py  # noqa: F401
            import numpy  # noqa: F401
        except ImportError as e:  # the setup script installs them; say so instead of passing
            print(f"SKIP: hypar-heat's tests need numpy and h5py in this python ({e})")
            sys.exit(77)
    for g in groups:
        globals()["group_" + g]()
except SystemExit:  # TERM: the running job was killed on the way out; remove the work folder
    shutil.rmtree(work, ignore_errors=True)
    raise


@case("nothing of any job is left in the cluster's namespaces")
def _():
    left = cluster_pids()
    check(not left, f"processes left: { {ns: [(p, exe_of(p)) for p in pids] for ns, pids in left.items()} }")


finish(work)
