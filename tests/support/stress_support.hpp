#pragma once
// Helpers shared by the channel, queue and pipeline stress tests: item tags and the exactly-once
// / FIFO checker.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace hypar::testing {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr std::size_t stress_scale = 20;  // sanitizers are 5-20x slower: fewer items
#else
inline constexpr std::size_t stress_scale = 1;
#endif

/// Tag for item `seq` of producer `producer`.
inline std::uint64_t tag(std::size_t producer, std::size_t seq) {
  return (static_cast<std::uint64_t>(producer) << 40) | seq;
}
inline std::size_t tag_producer(std::uint64_t t) {
  return static_cast<std::size_t>(t >> 40);
}
inline std::size_t tag_seq(std::uint64_t t) {
  return static_cast<std::size_t>(t & ((std::uint64_t{1} << 40) - 1));
}

/// What one consumer saw: checks per-producer FIFO order on the fly, records every item.
struct ConsumerLog {
  explicit ConsumerLog(std::size_t producers) : last(producers, -1) {}
  std::vector<long long> last;  // last sequence seen from each producer
  std::vector<std::uint64_t> items;
  std::string error;
  void see(std::uint64_t t) {
    const std::size_t p = tag_producer(t);
    const auto s = static_cast<long long>(tag_seq(t));
    if (p >= last.size()) {
      if (error.empty())
        error = "bad producer id " + std::to_string(p);
      return;
    }
    if (s <= last[p] && error.empty()) {
      error = "FIFO broken: producer " + std::to_string(p) + " item " + std::to_string(s) +
              " after " + std::to_string(last[p]);
    }
    last[p] = s;
    items.push_back(t);
  }
};

/// "" when the logs hold every item of `producers` x `per_producer` exactly once. Then it also
/// prints `exactly once: N items` on stdout: scripts/soak.sh sums these lines into the deliveries
/// of its summary (a count that only a passed check adds to).
inline std::string exactly_once(const std::vector<ConsumerLog>& logs, std::size_t producers,
                                std::size_t per_producer) {
  std::vector<unsigned char> seen(producers * per_producer, 0);
  std::size_t total = 0;
  for (const auto& log : logs) {
    if (!log.error.empty())
      return log.error;
    for (std::uint64_t t : log.items) {
      const std::size_t p = tag_producer(t);
      const std::size_t s = tag_seq(t);
      if (p >= producers || s >= per_producer)
        return "item out of range";
      if (seen[p * per_producer + s]++ != 0) {
        return "duplicate item " + std::to_string(p) + "/" + std::to_string(s);
      }
      ++total;
    }
  }
  if (total != producers * per_producer) {
    return "missing items: got " + std::to_string(total) + " of " +
           std::to_string(producers * per_producer);
  }
  std::printf("exactly once: %zu items\n", total);
  std::fflush(stdout);
  return "";
}

/// A payload that counts live instances, to prove nothing leaks or is destroyed twice.
struct Counted {
  static inline std::atomic<long> live{0};
  std::uint64_t value = 0;
  explicit Counted(std::uint64_t v) : value(v) { live.fetch_add(1, std::memory_order_relaxed); }
  Counted(Counted&& o) noexcept : value(o.value) { live.fetch_add(1, std::memory_order_relaxed); }
  Counted(const Counted& o) : value(o.value) { live.fetch_add(1, std::memory_order_relaxed); }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() { live.fetch_sub(1, std::memory_order_relaxed); }
};

}  // namespace hypar::testing
