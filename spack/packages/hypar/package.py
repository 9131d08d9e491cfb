# Spack recipe for hypar, written for Spack 0.23 (`from spack.package import *`). With Spack 1.x the
# build systems moved to the spack_repo.builtin package; the import below picks them up there too.
from spack.package import *  # noqa: F401,F403

try:  # Spack 1.x: CMakePackage lives in the builtin package repository
    from spack_repo.builtin.build_systems.cmake import CMakePackage  # noqa: F811
except ImportError:  # Spack 0.23: CMakePackage comes from spack.package
    pass


class Hypar(CMakePackage):
    """Rayon and Crossbeam patterns for hybrid MPI + OpenMP programs in C++20: parallel
    iterators and sorts, pools, scopes, channels, lock-free queues, pipelines, SIMD kernels, and
    the same vocabulary across ranks (distributed iterators, partitioning, distributed sort,
    2D fields with parallel HDF5 files)."""

    homepage = "https://hypar.readthedocs.io"
    git = "https://github.com/hypar-hpc/hypar.git"

    maintainers("hypar-hpc")
    license("Apache-2.0")

    version("main", branch="main")

    variant("mpi", default=True, description="Build the distributed layer (hypar::dist) on MPI")
    # The drivers run on the distributed layer, so they exist only with +mpi; hypar-heat also
    # needs +hdf5 (its fields and checkpoints are HDF5 files) and is skipped without it.
    variant(
        "drivers",
        default=True,
        when="+mpi",
        description="Build the command-line drivers (hypar-stats, hypar-heat with +hdf5)",
    )
    # Field files (hypar::io::write_field / read_field) use parallel HDF5 over MPI-IO.
    variant(
        "hdf5",
        default=True,
        when="+mpi",
        description="Parallel HDF5 field files (hypar::io::write_field / read_field)",
    )

    depends_on("c", type="build")
    depends_on("cxx", type="build")
    depends_on("cmake@3.21:", type="build")
    depends_on("mpi", when="+mpi")
    depends_on("hdf5@1.10:+mpi", when="+hdf5")  # the MPI-IO driver, on the same MPI
    depends_on("eigen@3.3:")
    depends_on("libpng@1.6:")  # PNG pictures of fields (hypar::io::write_field_png)
    depends_on("boost@1.70:")  # headers only: Boost.Lockfree
    depends_on("cli11@2:", when="+drivers")
    depends_on("nlohmann-json@3.2:", when="+drivers")
    depends_on("googletest@1.10:", type="test")
    depends_on("zlib-api", type="test")  # the reference crc32 of the kernel and records tests
    # The parallel core runs on OpenMP tasks, always: GCC and Clang bring OpenMP, Apple's Clang
    # needs LLVM's runtime.
    depends_on("llvm-openmp", when="%apple-clang")

    # C++20 as hypar uses it: concepts, <ranges>, std::bit_cast, <bit>, <semaphore>, <span>.
    conflicts("%gcc@:10", msg="hypar needs C++20 (GCC 11 or newer)")
    conflicts("%clang@:13", msg="hypar needs C++20 (Clang 14 or newer)")
    conflicts("%apple-clang@:13", msg="hypar needs C++20 (Apple Clang 14 or newer)")

    def cmake_args(self):
        return [
            self.define_from_variant("HYPAR_WITH_MPI", "mpi"),
            # A conditional variant: absent with ~mpi, and then there are no drivers to build.
            self.define("HYPAR_BUILD_DRIVERS", self.spec.satisfies("+drivers")),
            self.define("HYPAR_WITH_HDF5", self.spec.satisfies("+hdf5")),
            self.define("HYPAR_BUILD_TESTS", self.run_tests),
            self.define("HYPAR_BUILD_EXAMPLES", False),
            self.define("HYPAR_BUILD_BENCHMARKS", False),
            self.define("HYPAR_WARNINGS_AS_ERRORS", False),
            # Spack sets the target architecture flags itself.
            self.define("HYPAR_NATIVE", False),
        ]
