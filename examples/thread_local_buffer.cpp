// Seed pattern "Thread-Local Accumulation": every item needs a scratch buffer. Allocating one
// per item is slow; hypar::ThreadLocal gives each worker thread one buffer, reused for all the
// items it runs (the seed's `thread_local! { LOCAL_BUFFER }`), and a per-thread running total
// combined at the end without any lock on the hot path.
#include <cstdint>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <numeric>
#include <vector>

namespace {

/// The work for one item: render its decimal digits into `buffer`, return their sum.
std::uint64_t process_into_buffer(std::uint64_t item, std::vector<std::uint8_t>& buffer) {
  buffer.clear();
  do {
    buffer.push_back(static_cast<std::uint8_t>(item % 10));
    item /= 10;
  } while (item != 0);
  return std::accumulate(buffer.begin(), buffer.end(), std::uint64_t{0});
}

}  // namespace

int main() {
  std::vector<std::uint64_t> items(2'000'000);
  std::iota(items.begin(), items.end(), std::uint64_t{1'000'000});

  hypar::ThreadLocal<std::vector<std::uint8_t>> local_buffer([] {
    std::vector<std::uint8_t> v;
    v.reserve(4096);
    return v;
  });
  hypar::ThreadLocal<std::uint64_t> local_total;

  std::vector<std::uint64_t> results = hypar::par_iter(items)
                                           .map([&](std::uint64_t item) {
                                             const std::uint64_t r =
                                                 process_into_buffer(item, local_buffer.local());
                                             local_total.local() += r;
                                             return r;
                                           })
                                           .collect();

  // The sequential reference, with one buffer.
  std::vector<std::uint8_t> buffer;
  std::uint64_t expected = 0;
  bool ok = results.size() == items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::uint64_t r = process_into_buffer(items[i], buffer);
    expected += r;
    ok = ok && results[i] == r;
  }
  const std::uint64_t total =
      local_total.combine([](std::uint64_t a, std::uint64_t b) { return a + b; });
  std::printf("%zu items on %zu threads: %zu buffers allocated, digit sum %llu (sequential %llu)\n",
              items.size(), hypar::current_num_threads(), local_buffer.size(),
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(expected));
  if (!ok || total != expected || local_buffer.size() > hypar::current_num_threads()) {
    std::printf("FAILED\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
