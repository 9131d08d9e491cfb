// Seed pattern "Basic Parallel Iteration": the sum of squares of 0..1'000'000, sequentially and
// with hypar::par_range(...).map(...).sum(). Exits non-zero if they differ.
#include <cstdint>
#include <cstdio>
#include <hypar/hypar.hpp>

int main() {
  const std::int64_t n = 1'000'000;

  // Sequential
  std::int64_t sequential = 0;
  for (std::int64_t x = 0; x < n; ++x)
    sequential += x * x;

  // Parallel
  const std::int64_t parallel =
      hypar::par_range(std::int64_t{0}, n).map([](std::int64_t x) { return x * x; }).sum();

  std::printf("sum of squares below %lld: %lld (sequential %lld) on %zu threads\n",
              static_cast<long long>(n), static_cast<long long>(parallel),
              static_cast<long long>(sequential), hypar::current_num_threads());
  if (parallel != sequential) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
