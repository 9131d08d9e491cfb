"""The harness the driver end-to-end scripts share (heat_e2e.py, sort_e2e.py): named cases that
record their failure instead of stopping the run, and one report at the end.

    from e2e import case, check, finish
    @case("what it shows")
    def _():
        check(condition, "what went wrong")
    finish(work)          # prints ok/FAIL per case and 'N passed, M failed', exits 0 or 1
"""
import shutil
import subprocess
import sys

results = []


def case(name):
    """Runs the decorated function at once as the case `name`; a failed check, a timeout or any
    other exception is recorded as its failure."""
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
        except AssertionError as e:
            results.append((name, str(e) or "assertion failed"))
        except subprocess.TimeoutExpired:
            results.append((name, "timed out (hang?)"))
        except Exception as e:  # a crash of the check itself is a failure too, with its reason
            results.append((name, f"{type(e).__name__}: {e}"))
        return fn
    return wrap


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def finish(work):
    """Prints the results, removes `work` when everything passed, exits 0 or 1."""
    failed = [(n, why) for n, why in results if why]
    for name, why in results:
        print(("FAIL " if why else "ok   ") + name + (f": {why}" if why else ""))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)
