// Seed pattern "False Sharing": two threads each hammer their own counter. Packed side by side
// the counters share a cache line, which then ping-pongs between the cores; in
// hypar::CachePadded each has a line of its own. Prints both times; checks both counts.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <hypar/hypar.hpp>

namespace {

// BAD: both counters on one cache line.
struct PackedCounters {
  std::atomic<std::uint64_t> counter1{0};
  std::atomic<std::uint64_t> counter2{0};
};

// GOOD: each counter alone on its line(s).
struct PaddedCounters {
  hypar::CachePadded<std::atomic<std::uint64_t>> counter1;
  hypar::CachePadded<std::atomic<std::uint64_t>> counter2;
};

/// Two OS threads, one per counter, `n` relaxed increments each; returns seconds.
double hammer(std::atomic<std::uint64_t>& a, std::atomic<std::uint64_t>& b, std::uint64_t n) {
  const auto start = std::chrono::steady_clock::now();
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    s.spawn([&] {
      for (std::uint64_t i = 0; i < n; ++i)
        a.fetch_add(1, std::memory_order_relaxed);
    });
    s.spawn([&] {
      for (std::uint64_t i = 0; i < n; ++i)
        b.fetch_add(1, std::memory_order_relaxed);
    });
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  const std::uint64_t n = 20'000'000;
  PackedCounters packed;
  PaddedCounters padded;
  const double t_packed = hammer(packed.counter1, packed.counter2, n);
  const double t_padded = hammer(*padded.counter1, *padded.counter2, n);
  std::printf("packed counters (one cache line): %.3f s\n", t_packed);
  std::printf("padded counters (CachePadded, %zu-byte lines): %.3f s (%.1fx faster)\n",
              hypar::false_sharing_distance, t_padded, t_packed / t_padded);
  const bool ok = packed.counter1 == n && packed.counter2 == n && padded.counter1->load() == n &&
                  padded.counter2->load() == n;
  if (!ok) {
    std::printf("FAILED: a counter lost increments\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
