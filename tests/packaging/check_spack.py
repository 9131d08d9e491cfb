#!/usr/bin/env python3
"""Checks spack.yaml and the hypar recipe without Spack: the environment parses, builds this
checkout from the repository under spack/, and the recipe imports (against a small stand-in for
spack.package that records the directives), declares what hypar needs (every find_package of the
build it asks for), maps each variant to a CMake option that exists and that the variant really
toggles, and every package a concretized tree can contain (the recipe's dependencies and the build
tools of Spack's CMakePackage) is an external of spack.yaml with the variants the recipe asks for
(hdf5+mpi), so that `spack install` downloads nothing. A real Spack check is described in docs/packaging.md."""
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
providers = packages.get("all", {}).get("providers", {})


def version_tuple(text):
    return tuple(int(p) for p in re.findall(r"\d+", text))


def satisfies(version, constraint):
    """version (e.g. "2.1.2") against a Spack range "lo:hi", "lo:", ":hi" or "=v" / "v"."""
    if not constraint:
        return True
    if ":" in constraint:
        lo, hi = constraint.split(":", 1)
        v = version_tuple(version)
        return (not lo or v >= version_tuple(lo)) and (not hi or v[: len(version_tuple(hi))] <= version_tuple(hi))
    return version_tuple(version)[: len(version_tuple(constraint))] == version_tuple(constraint.lstrip("="))


def external_of(name, constraint="", variants=()):
    """The message if `name` (a package, not a virtual) has no usable /usr external (of a version
    in `constraint`, with every one of `variants`, e.g. ["+mpi"]), else None."""
    entry = packages.get(name, {})
    if entry.get("buildable") is not False:
        return f"spack.yaml: {name} must be buildable: false (or Spack may build it from source)"
    for e in entry.get("externals", []):
        spec = str(e.get("spec", ""))
        m = re.match(rf"{re.escape(name)}@=?([\w.]+)", spec)
        has = set(re.findall(r"[+~]\w+", spec[m.end():] if m else ""))
        if e.get("prefix") and m and satisfies(m.group(1), constraint) and set(variants) <= has:
            return None
    wanted = name + ("@" + constraint if constraint else "") + "".join(variants)
    return f"spack.yaml: no external for {wanted} with a prefix"


# What Spack's CMakePackage adds to every tree (build tools), with the generator's tool.
for tool in ["cmake", "gmake", "ninja"]:
    msg = external_of(tool)
    check(msg is None, f"{msg} (CMakePackage needs it at build time)")

# ---- the recipe, imported against a recording stand-in for spack.package -----------------------
recorded = {"variant": {}, "depends_on": [], "conflicts": [], "version": []}


class Spec:
    """Enough of spack.spec.Spec for cmake_args: satisfies("+v"), ("~v"), ("%compiler")."""

    def __init__(self, enabled):
        self.enabled = enabled

    def satisfies(self, constraint):
        ok = True
        for sign, name in re.findall(r"([+~])(\w+)", constraint):
            ok = ok and ((name in self.enabled) == (sign == "+"))
        return ok


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
recipe_text = recipe_path.read_text()
namespace = {}
exec(compile(recipe_text, str(recipe_path), "exec"), namespace)
Hypar = namespace.get("Hypar")
check(Hypar is not None and issubclass(Hypar, CMakePackage), "package.py: class Hypar(CMakePackage) missing")

# ---- dependencies: what the build needs ----------------------------------------------------------
deps = {}
for args, kwargs in recorded["depends_on"]:
    # "name@version+variant~variant": the version range and the variants apart
    m = re.fullmatch(r"([\w-]+)(?:@([^+~\s]*))?\s*(.*)", args[0].strip())
    name, constraint, rest = m.group(1), m.group(2) or "", m.group(3)
    deps[name] = dict(kwargs, constraint=constraint, variants=re.findall(r"[+~]\w+", rest))
for d in ["mpi", "eigen", "boost", "googletest", "cmake", "cxx"]:
    check(d in deps, f"package.py: depends_on({d!r}) missing")
check(deps.get("mpi", {}).get("when") == "+mpi", "package.py: mpi must depend on +mpi")
check(deps.get("googletest", {}).get("type") == "test", "package.py: googletest is a test dependency")
# The field files need parallel HDF5 (the MPI-IO driver), only when the hdf5 variant is on.
check("hdf5" in deps, "package.py: depends_on('hdf5+mpi') missing (HYPAR_WITH_HDF5)")
check("+mpi" in deps.get("hdf5", {}).get("variants", []),
      "package.py: hdf5 must be the parallel one: depends_on('hdf5+mpi', ...)")
check(deps.get("hdf5", {}).get("when") == "+hdf5", "package.py: hdf5 must depend on +hdf5")

# Every find_package() of the build the recipe asks for, as a Spack package. The benchmarks are
# off in the recipe (hypar-bench and its oneTBB peer are not installed by Spack).
spack_name = {"Threads": None, "OpenMP": None, "Python3": None, "Eigen3": "eigen", "Boost": "boost",
              "MPI": "mpi", "GTest": "googletest", "CLI11": "cli11", "nlohmann_json": "nlohmann-json",
              "ZLIB": "zlib-api", "PNG": "libpng", "HDF5": "hdf5", "TBB": None}
for cmake_file in sorted(root.glob("**/CMakeLists.txt")):
    rel = cmake_file.relative_to(root).as_posix()
    if rel.startswith(("build/", "drivers/hypar-bench/", "tests/install/", "spack/")):
        continue
    for found in re.findall(r"find_package\((\w+)", cmake_file.read_text()):
        if found not in spack_name:
            check(False, f"{rel}: find_package({found}): add its Spack name to check_spack.py's map")
            continue
        name = spack_name[found]
        if name is None:
            continue
        check(name in deps, f"package.py: depends_on({name!r}) missing ({rel} finds {found})")
        if name in deps and rel.startswith("drivers/"):
            check("+drivers" in str(deps[name].get("when", "")),
                  f"package.py: {name} is needed by the drivers: when='+drivers'")
        if name in deps and rel.startswith("tests/"):
            check(deps[name].get("type") == "test" or "type" not in deps[name],
                  f"package.py: {name} is a test dependency")

# ---- every package a concretized tree can contain has an external ------------------------------
languages = {"c", "cxx", "fortran"}  # the compiler itself, found by `spack compiler find`
for name, info in deps.items():
    when = str(info.get("when", ""))
    if name in languages or "%apple-clang" in when:  # Apple's compiler: not on this platform
        continue
    if name in providers or name in ("mpi", "zlib-api", "blas", "lapack", "pkgconfig", "gl"):
        # a virtual: its first provider must be an external, and nothing else may be built for it
        chosen = providers.get(name, [])
        check(bool(chosen), f"spack.yaml: packages: all: providers: {name} missing")
        check(packages.get(name, {}).get("buildable") is False,
              f"spack.yaml: the virtual {name} must be buildable: false")
        if chosen:
            msg = external_of(str(chosen[0]).split("+")[0].split("@")[0])
            check(msg is None, f"{msg} (provides {name})")
        continue
    msg = external_of(name, info.get("constraint", ""), info.get("variants", []))
    check(msg is None, f"{msg} (package.py: depends_on({name!r}))")

# ---- variants: each maps to a CMake option that exists, and really toggles it -------------------
cmake_options = set(re.findall(r"option\((HYPAR_\w+)", (root / "CMakeLists.txt").read_text()))
variants = recorded["variant"]
for v in ["mpi", "drivers", "hdf5"]:
    check(v in variants, f"package.py: variant {v} missing")
for name, info in variants.items():
    # A variant whose other value is forbidden outright (no `when`) cannot be turned off or on.
    for args, kwargs in recorded["conflicts"]:
        if args and re.fullmatch(rf"[+~]{name}", args[0]) and "when" not in kwargs:
            check(False, f"package.py: variant {name} conflicts with {args[0]}: it cannot be toggled")


def args_for(enabled):
    pkg = Hypar()
    pkg.enabled = enabled
    pkg.spec = Spec(enabled)
    pkg.run_tests = False
    args = pkg.cmake_args()
    for a in args:
        opt = a[2:].split("=")[0]
        check(opt in cmake_options, f"package.py: cmake_args sets {opt}, which CMakeLists.txt lacks")
    return set(args)


all_on = {n for n in variants}
base = args_for(all_on)
for name, info in variants.items():
    when = str(info.get("when", ""))
    # the variant is off, its conditions still on (e.g. drivers off, mpi still on)
    off = args_for(all_on - {name})
    check(off != base, f"package.py: variant {name} changes nothing in cmake_args")
check("-DHYPAR_WITH_MPI=ON" in base and "-DHYPAR_BUILD_DRIVERS=ON" in base,
      "package.py: +mpi +drivers must give HYPAR_WITH_MPI=ON and HYPAR_BUILD_DRIVERS=ON")
check("-DHYPAR_WITH_HDF5=ON" in base, "package.py: +hdf5 must give HYPAR_WITH_HDF5=ON")
no_mpi = args_for(all_on - {"mpi", "drivers", "hdf5"})  # ~mpi: neither exists (when="+mpi")
check("-DHYPAR_WITH_MPI=OFF" in no_mpi and "-DHYPAR_BUILD_DRIVERS=OFF" in no_mpi,
      "package.py: ~mpi must give HYPAR_WITH_MPI=OFF and HYPAR_BUILD_DRIVERS=OFF")
check("-DHYPAR_WITH_HDF5=OFF" in no_mpi, "package.py: ~mpi must give HYPAR_WITH_HDF5=OFF")
check(variants.get("drivers", {}).get("when") == "+mpi",
      "package.py: variant drivers needs when='+mpi' (hypar-stats is built only with MPI)")
check(variants.get("hdf5", {}).get("when") == "+mpi",
      "package.py: variant hdf5 needs when='+mpi' (parallel HDF5 runs on MPI-IO)")
check("-DHYPAR_NATIVE=OFF" in base, "package.py: HYPAR_NATIVE must be OFF (Spack chooses the target)")

# ---- names that do not exist yet -----------------------------------------------------------------
for text, where in [(recipe_text, "package.py"), ((root / "CMakeLists.txt").read_text(), "CMakeLists.txt")]:
    for missing in ["hypar-sort", "hypar-heat"]:
        if missing in text and not (root / "drivers" / missing).is_dir():
            check(False, f"{where}: names {missing}, which does not exist")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    print(f"0 passed, {len(failures)} failed")
    sys.exit(1)
print("spack.yaml and spack/packages/hypar/package.py: all checks passed")
