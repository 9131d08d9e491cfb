// An outside program built against the installed hypar package: it starts MPI through
// hypar::dist, sums on the threads of each rank with a parallel iterator, and reduces across ranks.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>

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
  if (comm.rank() == 0) {
    std::printf("outside project: ok (hypar %s, %d ranks x %zu threads, kernels for %s)\n",
                hypar::version_string, comm.size(), hypar::current_num_threads(),
                hypar::kernels::compiled_isa());
  }
  return 0;
}
