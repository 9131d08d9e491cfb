// Seed pattern "Lock-Free Channels" (Crossbeam), unbounded: send never blocks, so the producer can
// run ahead of the consumer; the receiver loop ends when the producer is gone and all is drained.
// The payload here is a std::string, to show that any movable type travels (Boost.Lockfree
// underneath stores only trivial types; hypar boxes the others).
#include <cstdio>
#include <hypar/chan.hpp>
#include <string>
#include <thread>

int main() {
  // let (tx, rx) = unbounded::<i32>();
  auto [tx, rx] = hypar::unbounded<std::string>();
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 0; i < 1000; ++i)
      tx.send("item " + std::to_string(i));
    tx.close();
  });
  producer.join();  // the whole backlog sits in the channel: unbounded never blocked the producer

  bool ok = true;
  int count = 0;
  for (std::string value : rx) {
    ok = ok && value == "item " + std::to_string(count);
    ++count;
  }
  std::printf("received %d strings in order\n", count);
  ok = ok && count == 1000;

  // A receiver whose senders are all gone reports it instead of blocking.
  ok = ok && !rx.recv().has_value() && rx.is_disconnected();

  if (!ok) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
