"""The harness the driver end-to-end scripts share (heat_e2e.py, sort_e2e.py, stats_e2e.py):
named cases that record their failure instead of stopping the run, their times, and one report at
the end.

    from e2e import case, check, finish, skip
    @case("what it shows")
    def _():
        check(condition, "what went wrong")
    finish(work)          # prints ok/FAIL per case and 'N passed, M failed', exits 0 or 1
"""
import shutil
import subprocess
import sys
import time

results = []  # (name, None) passed, (name, reason) failed, (name, Skipped) skipped
seconds = {}  # name -> wall seconds of the case (printed with the results: where a run's time goes)


# mpiexec's environment for runs that fail on purpose and leave nothing to clean up (usage errors,
# bad inputs that are only read): when a rank exits non-zero, Open MPI 4.1 sends the job SIGTERM,
# waits odls_base_sigkill_timeout (1 s) and again before SIGKILL, even when every process has
# already exited, so each such run costs 2 s more than it needs. Runs whose ranks clean up files
# keep the default grace.
QUICK_ABORT = {"OMPI_MCA_odls_base_sigkill_timeout": "0"}


class Skipped(Exception):
    """Raised by skip(): the case cannot run here; reported as such, never as passed."""


def skip(reason):
    raise Skipped(reason)


def case(name):
    """Runs the decorated function at once as the case `name`; a failed check, a timeout or any
    other exception is recorded as its failure."""
    def wrap(fn):
        start = time.monotonic()
        try:
            fn()
            results.append((name, None))
        except Skipped as e:
            results.append((name, e))
        except AssertionError as e:
            results.append((name, str(e) or "assertion failed"))
        except subprocess.TimeoutExpired:
            results.append((name, "timed out (hang?)"))
        except Exception as e:  # a crash of the check itself is a failure too, with its reason
            results.append((name, f"{type(e).__name__}: {e}"))
        seconds[name] = time.monotonic() - start
        return fn
    return wrap


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def finish(work):
    """Prints the results, removes `work` when everything passed, exits 0 or 1."""
    failed = [(n, why) for n, why in results if why and not isinstance(why, Skipped)]
    skipped = [(n, why) for n, why in results if isinstance(why, Skipped)]
    for name, why in results:
        label = "skip " if isinstance(why, Skipped) else "FAIL " if why else "ok   "
        print(f"{label}{seconds.get(name, 0):6.1f}s {name}" + (f": {why}" if why else ""))
    passed = len(results) - len(failed) - len(skipped)
    print(f"{passed} passed, {len(failed)} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)
