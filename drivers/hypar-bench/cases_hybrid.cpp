// Hybrid overhead (BENCHMARKS.md): the same sum and sort run as 1 rank x 2 threads and as
// 2 ranks x 1 thread, through hypar::dist, by the hypar-bench-mpi worker under mpirun; it times
// its own work between barriers, so MPI start-up is not counted. The sort row also shows the
// single-process parallel sort of the same data in this process: the distributed sort's
// throughput against it.
#ifdef HYPAR_BENCH_MPI_PROGRAM

#include <cstdint>
#include <cstdlib>
#include <hypar/sort.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

/// One layout of the worker: runs one repetition per call and reads back its own timing.
struct Layout {
  int ranks;
  int threads;
  std::string name() const {
    return std::to_string(ranks) + (ranks == 1 ? " rank x " : " ranks x ") +
           std::to_string(threads) + (threads == 1 ? " thread" : " threads");
  }
};

void add_layout(Case& c, const std::string& label, const std::string& what, std::size_t n,
                Layout layout) {
  auto seconds = std::make_shared<double>(0);
  auto failure = std::make_shared<std::string>();
  // Hybrid runs need the rank's threads on cores of their own: bind ranks to `threads` cores each.
  const std::string binding = layout.threads == 1 ? "--bind-to core" : "--bind-to none";
  const std::string command =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HYPAR_NO_LAYOUT_WARNING=1 mpirun "
      "--oversubscribe -n " +
      std::to_string(layout.ranks) + " " + binding +
      " -x OMP_NUM_THREADS=" + std::to_string(layout.threads) +
      " -x HYPAR_NUM_THREADS=" + std::to_string(layout.threads) + " " +
      hypar_bench::quote(HYPAR_BENCH_MPI_PROGRAM) + " " + what + " " + std::to_string(n) + " 1";
  c.add(
      label + " " + layout.name(), {},
      [=] {
        failure->clear();
        const std::string out = hypar_bench::shell(command, failure.get());
        std::istringstream in(out);
        std::string word, rest;
        int valid = 0;
        in >> word >> *seconds >> word >> valid;
        std::getline(in, rest);
        if (failure->empty() && valid != 1)
          *failure = "hypar-bench-mpi " + what + ": wrong result:" + rest + " (" + out + ")";
      },
      [=] { return *failure; });
  c.contenders.back().self_timed = [=] { return *seconds; };
}

}  // namespace

HYPAR_BENCH_CASE("hybrid", "sum/f64") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 4096);
  Case c;
  c.input = std::to_string(n) + " doubles spread over the ranks";
  c.work = static_cast<double>(n * sizeof(double));
  c.work_unit = "bytes";
  add_layout(c, "dist::par_range sum", "sum", n, {1, 2});
  add_layout(c, "dist::par_range sum", "sum", n, {2, 1});
  c.target("dist::par_range sum 2 ranks x 1 thread", "dist::par_range sum 1 rank x 2 threads", 0.9,
           "the MPI layout at least 0.9x the threaded one");
  return c;
}

HYPAR_BENCH_CASE("hybrid", "sort/uint32") {
  const std::size_t n = opt.scaled(50'000'000, 4096);
  Case c;
  c.input = std::to_string(n) + " uniform uint32 spread over the ranks";
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  add_layout(c, "dist::par_sort", "sort", n, {1, 2});
  add_layout(c, "dist::par_sort", "sort", n, {2, 1});
  // The same keys sorted by one process (this one) with the intra-node sort.
  auto input = std::make_shared<std::vector<std::uint32_t>>(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    (*input)[i] = static_cast<std::uint32_t>(z ^ (z >> 31));
  }
  auto data = std::make_shared<std::vector<std::uint32_t>>();
  c.add(
      "hypar::par_sort_unstable one process", [=] { *data = *input; },
      [=] { hypar::par_sort_unstable(*data); },
      [=]() -> std::string {
        return std::is_sorted(data->begin(), data->end()) ? "" : "not sorted";
      });
  c.target("dist::par_sort 2 ranks x 1 thread", "dist::par_sort 1 rank x 2 threads", 0.9,
           "the MPI layout at least 0.9x the threaded one");
  return c;
}

#endif  // HYPAR_BENCH_MPI_PROGRAM

}  // namespace hypar_bench
