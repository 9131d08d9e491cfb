// An outside program built against the installed hypar package: it starts MPI through
// hypar::dist, sums on the threads of each rank with a parallel iterator, and reduces across ranks;
// with HDF5 it also writes a field file and reads it back (parallel HDF5 comes with hypar alone).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>
#include <string>

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  auto comm = env.world();
  const std::int64_t n = 1'000'000;
  // Rank r sums the squares of its share of [0, n); the shares meet in an all-reduce.
  const std::int64_t begin = n * comm.rank() / comm.size();
  const std::int64_t end = n * (comm.rank() + 1) / comm.size();
  const std::int64_t local =
      hypar::par_range(begin, end).map([](std::int64_t x) { return x % 1000; }).sum();
  const std::int64_t global = comm.all_reduce(local, std::plus<>{});
  std::int64_t expected = 0;
  for (std::int64_t x = 0; x < n; ++x)
    expected += x % 1000;
  if (global != expected) {
    std::fprintf(stderr, "outside project: rank %d: %lld != %lld\n", comm.rank(),
                 static_cast<long long>(global), static_cast<long long>(expected));
    return 1;
  }
  const char* extras = "";
#if defined(HYPAR_WITH_HDF5)
  {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("hypar-outside-" + std::to_string(::getpid()) + ".h5"))
                           .string();
    comm.broadcast(path, 0);
    const hypar::dist::CartGrid2D grid(comm, 8, 6);
    hypar::dist::Field2D<double> u(grid, 1), back(grid, 0);
    u.fill([](int i, int j) { return i + 10.0 * j; });
    hypar::io::write_field(path, u, {{"steps", 1}});
    hypar::io::read_field(path, back);
    comm.barrier();
    if (comm.rank() == 0)
      std::filesystem::remove(path);
    for (int j = 0; j < grid.local_ny(); ++j) {
      for (int i = 0; i < grid.local_nx(); ++i) {
        if (back(i, j) != u(i, j)) {
          std::fprintf(stderr, "outside project: rank %d: the field file read back wrong\n",
                       comm.rank());
          return 1;
        }
      }
    }
    extras = ", HDF5 field files";
  }
#endif
  if (comm.rank() == 0) {
    std::printf("outside project: ok (hypar %s, %d ranks x %zu threads, kernels for %s%s)\n",
                hypar::version_string, comm.size(), hypar::current_num_threads(),
                hypar::kernels::compiled_isa(), extras);
  }
  return 0;
}
