#!/usr/bin/env python3
"""Checks spack.yaml and the hypar recipe without Spack: the environment parses, builds this
checkout from the repository under spack/, and the recipe imports (against a small stand-in for
spack.package that records the directives), declares what hypar needs, and maps its variants to
options that really exist in CMakeLists.txt."""
import pathlib
import re
import sys
import types

import yaml

root = pathlib.Path(sys.argv[1])
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


# ---- spack.yaml ---------------------------------------------------------------------------------
env = yaml.safe_load((root / "spack.yaml").read_text())["spack"]
specs = env.get("specs", [])
check(any(str(s).startswith("hypar") for s in specs), "spack.yaml: no hypar spec")
develop = env.get("develop", {}).get("hypar", {})
check(develop.get("path") == ".", "spack.yaml: develop: hypar must have path: .")
check(str(develop.get("spec", "")).startswith("hypar@"), "spack.yaml: develop spec must pin a version")
repos = env.get("repos", [])
repo_dirs = [root / str(r).replace("$env/", "").replace("$env", ".") for r in repos]
check(any((d / "repo.yaml").is_file() for d in repo_dirs), "spack.yaml: repos must name spack/")
for d in repo_dirs:
    if (d / "repo.yaml").is_file():
        ns = yaml.safe_load((d / "repo.yaml").read_text())["repo"]["namespace"]
        check(bool(re.fullmatch(r"[a-z_][a-z0-9_]*", ns)), f"repo.yaml: bad namespace {ns!r}")
        check((d / "packages" / "hypar" / "package.py").is_file(), "repo: packages/hypar/package.py missing")
packages = env.get("packages", {})
for name, version in [("openmpi", "4.1"), ("eigen", "3.4.0"), ("boost", "1.74.0"),
                      ("googletest", "1.12.1"), ("cmake", "3")]:
    entry = packages.get(name, {})
    externals = entry.get("externals", [])
    check(entry.get("buildable") is False, f"spack.yaml: {name} should be buildable: false")
    check(any(e.get("prefix") == "/usr" and f"@{version}" in e.get("spec", "") for e in externals),
          f"spack.yaml: {name}@{version} external with prefix /usr missing")

# ---- the recipe, imported against a recording stand-in for spack.package -----------------------
recorded = {"variant": {}, "depends_on": [], "conflicts": [], "version": []}


class CMakePackage:
    def define(self, name, value):
        if isinstance(value, bool):
            value = "ON" if value else "OFF"
        return f"-D{name}={value}"

    def define_from_variant(self, name, variant):
        return self.define(name, variant in self.enabled)


def _directive(kind):
    def record(*args, **kwargs):
        if kind == "variant":
            recorded["variant"][args[0]] = kwargs
        elif kind in recorded:
            recorded[kind].append((args, kwargs))
    return record


stand_in = types.ModuleType("spack.package")
stand_in.CMakePackage = CMakePackage
for kind in ["version", "variant", "depends_on", "conflicts", "maintainers", "license", "patch",
             "resource", "provides", "requires"]:
    setattr(stand_in, kind, _directive(kind))
stand_in.__all__ = [n for n in dir(stand_in) if not n.startswith("_")]
sys.modules["spack"] = types.ModuleType("spack")
sys.modules["spack.package"] = stand_in

recipe_path = root / "spack" / "packages" / "hypar" / "package.py"
namespace = {}
exec(compile(recipe_path.read_text(), str(recipe_path), "exec"), namespace)
Hypar = namespace.get("Hypar")
check(Hypar is not None and issubclass(Hypar, CMakePackage), "package.py: class Hypar(CMakePackage) missing")
for v in ["mpi", "openmp"]:
    check(v in recorded["variant"], f"package.py: variant {v} missing")
deps = {args[0].split("@")[0]: kwargs for args, kwargs in recorded["depends_on"]}
for d in ["mpi", "eigen", "boost", "googletest", "cmake"]:
    check(d in deps, f"package.py: depends_on({d!r}) missing")
check(deps.get("mpi", {}).get("when") == "+mpi", "package.py: mpi must depend on +mpi")
check(deps.get("googletest", {}).get("type") == "test", "package.py: googletest is a test dependency")

cmake_options = set(re.findall(r"option\((HYPAR_\w+)", (root / "CMakeLists.txt").read_text()))
for enabled in [{"mpi", "openmp", "drivers"}, {"openmp"}]:
    pkg = Hypar()
    pkg.enabled = enabled
    pkg.run_tests = False
    args = pkg.cmake_args()
    for a in args:
        name = a[2:].split("=")[0]
        check(name in cmake_options, f"package.py: cmake_args sets {name}, which CMakeLists.txt lacks")
    want = "ON" if "mpi" in enabled else "OFF"
    check(f"-DHYPAR_WITH_MPI={want}" in args, f"package.py: HYPAR_WITH_MPI should be {want} for {enabled}")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    print(f"0 passed, {len(failures)} failed")
    sys.exit(1)
print("spack.yaml and spack/packages/hypar/package.py: all checks passed")
