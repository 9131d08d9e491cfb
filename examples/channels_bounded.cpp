// Seed pattern "Lock-Free Channels" (Crossbeam), bounded: a producer thread sends 0..999 through a
// channel of capacity 1000 (send blocks while it is full: backpressure); the consumer's range-for
// ends when the sender is gone and the channel is drained. Then the same with 4 producers and 3
// consumers sharing copies of the handles (MPMC), with a capacity of 8.
#include <atomic>
#include <cstdio>
#include <hypar/chan.hpp>
#include <hypar/core/thread_scope.hpp>
#include <thread>

int main() {
  bool ok = true;

  // let (tx, rx) = bounded::<i32>(1000);
  auto [tx, rx] = hypar::bounded<int>(1000);
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 0; i < 1000; ++i)
      tx.send(i);
    tx.close();  // the last sender is gone: the receiver's loop ends after the last item
  });
  long sum = 0;
  int count = 0;
  int expected_next = 0;
  for (int value : rx) {  // for value in rx { process(value); }
    ok = ok && value == expected_next++;
    sum += value;
    ++count;
  }
  producer.join();
  std::printf("1 producer, 1 consumer: %d items, sum %ld\n", count, sum);
  ok = ok && count == 1000 && sum == 999L * 1000 / 2;

  // MPMC: copying a handle adds a producer or consumer.
  auto [tx2, rx2] = hypar::bounded<long>(8);
  std::atomic<long> total{0};
  std::atomic<long> received{0};
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (long p = 0; p < 4; ++p) {
      s.spawn([p, tx = tx2]() mutable {
        for (long i = 0; i < 2500; ++i)
          tx.send(p * 2500 + i);
        tx.close();
      });
    }
    for (int c = 0; c < 3; ++c) {
      s.spawn([&, rx = rx2]() mutable {
        for (long v : rx) {
          total.fetch_add(v);
          received.fetch_add(1);
        }
      });
    }
    tx2.close();  // only the spawned copies produce now
    rx2.close();
  });
  std::printf("4 producers, 3 consumers: %ld items, sum %ld\n", received.load(), total.load());
  ok = ok && received.load() == 10000 && total.load() == 9999L * 10000 / 2;

  if (!ok) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
