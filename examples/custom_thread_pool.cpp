// Seed pattern "Custom Thread Pool": 4 threads with 8 MiB stacks; everything inside install()
// runs on that pool.
#include <atomic>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <numeric>
#include <vector>

int main() {
  std::vector<int> data(100'000);
  std::iota(data.begin(), data.end(), 0);

  hypar::ThreadPool pool = hypar::ThreadPoolBuilder()
                               .num_threads(4)
                               .stack_size(8 * 1024 * 1024)  // 8MB stack per thread
                               .build();

  std::atomic<long long> processed_sum{0};
  const std::size_t threads = pool.install([&] {
    // All parallel operations here use this pool.
    hypar::par_iter(data).for_each(
        [&](const int& x) { processed_sum.fetch_add(x, std::memory_order_relaxed); });
    return hypar::current_num_threads();
  });

  const long long expect = std::accumulate(data.begin(), data.end(), 0LL);
  std::printf("pool of %zu threads (stack %zu bytes): sum %lld (sequential %lld)\n", threads,
              pool.stack_size(), processed_sum.load(), expect);
  if (threads != 4 || processed_sum.load() != expect) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
