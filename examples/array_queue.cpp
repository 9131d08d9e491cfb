// Seed pattern "Lock-Free Data Structures" (Crossbeam ArrayQueue): a fixed-size lock-free queue
// that several producers and consumers use at once. push returns false when the queue is full
// (the value stays with the caller); force_push evicts the oldest item instead.
#include <atomic>
#include <cstdio>
#include <hypar/chan.hpp>
#include <hypar/core/thread_scope.hpp>
#include <optional>
#include <thread>

int main() {
  bool ok = true;

  // let queue = ArrayQueue::new(1000); queue.push(42).unwrap(); let value = queue.pop();
  hypar::ArrayQueue<int> queue(1000);
  ok = ok && queue.push(42);
  std::optional<int> value = queue.pop();
  std::printf("popped %d\n", value.value_or(-1));
  ok = ok && value == 42 && queue.is_empty();

  // Full: push refuses, force_push evicts the oldest.
  hypar::ArrayQueue<int> small(2);
  ok = ok && small.push(1) && small.push(2) && !small.push(3) && small.is_full();
  std::optional<int> evicted = small.force_push(3);
  ok = ok && evicted == 1 && small.pop() == 2 && small.pop() == 3;

  // Multiple producers/consumers can use it safely: 2 + 2 threads move 0..99999 through it.
  constexpr long n = 100000;
  std::atomic<long> taken{0};
  std::atomic<long> sum{0};
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (long p = 0; p < 2; ++p) {
      s.spawn([&, p] {
        for (long i = p; i < n; i += 2) {
          while (!queue.push(static_cast<int>(i)))
            std::this_thread::yield();
        }
      });
    }
    for (int c = 0; c < 2; ++c) {
      s.spawn([&] {
        while (taken.load() < n) {
          if (std::optional<int> v = queue.pop()) {
            sum.fetch_add(*v);
            taken.fetch_add(1);
          } else {
            std::this_thread::yield();
          }
        }
      });
    }
  });
  std::printf("2 producers, 2 consumers: %ld items, sum %ld\n", taken.load(), sum.load());
  ok = ok && taken.load() == n && sum.load() == (n - 1) * n / 2 && queue.is_empty();

  if (!ok) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
