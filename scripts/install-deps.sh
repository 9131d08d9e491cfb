#!/usr/bin/env bash
# Installs every system package hypar needs on Debian 12 (build tools, clang-format 14 for the
# format check, MPI, parallel HDF5 for the field files (with h5dump, and h5py, numpy and PIL for
# Debian's /usr/bin/python3, which the tests use as independent readers), Eigen, Boost, GoogleTest,
# oneTBB for the benchmark peers, CLI11, nlohmann-json, zlib, libpng, Slurm and munge for the job
# script tests, gnuplot (without X) for collect-scaling.sh's pictures, ccache, cargo with Debian's
# packaged Rayon, crossbeam, parking_lot and fxhash crates for hypar-bench's Rust peers, built
# offline, and clang 14 for the fuzz preset: clang, its sanitizer and libFuzzer runtimes
# (libclang-rt-14-dev, only recommended by clang, so named here; libfuzzer-14-dev has libFuzzer for
# other compilers) and its OpenMP, libomp-14-dev).
# Idempotent and quiet: when everything is already there it only checks.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3 python3-yaml clang-format
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools python3-h5py python3-numpy python3-pil
  libeigen3-dev libboost-dev libgtest-dev libgmock-dev libtbb-dev
  zlib1g-dev libpng-dev libcli11-dev nlohmann-json3-dev
  slurm-wlm munge gnuplot-nox strace
  coreutils procps iproute2
  cargo rustc librust-rayon-dev librust-crossbeam-dev librust-parking-lot-dev librust-fxhash-dev
  clang libclang-rt-14-dev libfuzzer-14-dev libomp-14-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 2
  fi
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
