// Seed pattern "Parallel Fold/Reduce": fold gives one accumulator per split, reduce combines them.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <hypar/hypar.hpp>

int main() {
  const int n = 1'000'000;

  const std::int64_t sum =
      hypar::par_range(0, n)
          .fold([] { return std::int64_t{0}; },
                [](std::int64_t acc, int x) { return acc + x; })  // per split
          .reduce([] { return std::int64_t{0}; },
                  [](std::int64_t a, std::int64_t b) { return a + b; });  // combine

  // How many splits the fold made (it depends on the thread count and on stealing).
  const std::size_t splits =
      hypar::par_range(0, n).fold([] { return 0; }, [](int acc, int) { return acc + 1; }).count();

  std::int64_t expect = 0;
  for (int x = 0; x < n; ++x)
    expect += x;
  std::printf("sum %lld (sequential %lld), %zu per-split accumulators\n",
              static_cast<long long>(sum), static_cast<long long>(expect), splits);
  if (sum != expect || splits == 0) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
