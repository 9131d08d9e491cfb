// Channels and ArrayQueue against oneTBB and raw Boost.Lockfree (BENCHMARKS.md rows: bounded
// channel 1P1C, unbounded channel 1P1C, ArrayQueue 2P2C), and crossbeam's channels and ArrayQueue
// (the Rust peers, rust_peers.hpp) on the same workloads. Each run creates a fresh queue, starts
// the producers on std::threads, consumes on the calling thread (1 consumer) or on threads, and
// checks that the consumers saw every item exactly once (count and sum of 0..n-1). The matrix
// cases (chan/matrix/...) run hypar and crossbeam at 1P1C, 2P2C and 4P4C, capacities 1, 64 and
// 1024, with u64 and std::string payloads (Rust String): as many threads as cores on this 2-core
// machine, twice and four times as many.
#include <tbb/concurrent_queue.h>

#include <atomic>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <hypar/chan.hpp>
#include <hypar/sync/cache_padded.hpp>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "bench.hpp"
#include "rust_peers.hpp"

namespace hypar_bench {
namespace {

/// Capacity of every bounded queue in these cases (the same for hypar and the peers).
constexpr std::size_t kCapacity = 1024;

struct Tally {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
};

std::string check_tally(const Tally& t, std::uint64_t n, std::uint64_t want) {
  if (t.count != n)
    return "received " + std::to_string(t.count) + " items of " + std::to_string(n);
  if (t.sum != want)
    return "sum " + std::to_string(t.sum) + ", expected " + std::to_string(want);
  return "";
}

std::string check_tally(const Tally& t, std::uint64_t n) {
  return check_tally(t, n, n * (n - 1) / 2);
}

// The payloads, as the Rust peers make them (rust-peers/src/main.rs, `Payload`): item i is i
// itself, or a string of 16 + i % 16 bytes 'a' + i % 26 (past std::string's inline buffer, so
// both languages allocate). The consumer adds up weight(item).
template <class T>
T make_item(std::uint64_t i);
template <>
std::uint64_t make_item<std::uint64_t>(std::uint64_t i) {
  return i;
}
template <>
std::string make_item<std::string>(std::uint64_t i) {
  return std::string(16 + i % 16, static_cast<char>('a' + i % 26));
}
std::uint64_t weight(std::uint64_t v) {
  return v;
}
std::uint64_t weight(const std::string& s) {
  return s.size() * 1000 + static_cast<unsigned char>(s[0]);
}
/// The sum of weight(make_item<T>(i)) over 0..n-1, computed without making the items.
template <class T>
std::uint64_t expected_sum(std::uint64_t n) {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    return n * (n - 1) / 2;
  } else {
    std::uint64_t s = 0;
    for (std::uint64_t i = 0; i < n; ++i)
      s += (16 + i % 16) * 1000 + 'a' + i % 26;
    return s;
  }
}

/// The part of 0..n-1 that producer p of `producers` sends.
std::pair<std::uint64_t, std::uint64_t> share(std::uint64_t n, std::size_t p,
                                              std::size_t producers) {
  return {n * p / producers, n * (p + 1) / producers};
}

/// `producers` threads send their share of make_item(0..n-1) through copies of `tx`, closing
/// them at the end; `consumers` receivers (the calling thread when 1) receive until every sender
/// is gone. `tx` and `rx` are consumed.
template <class T>
Tally channel_many(std::size_t producers, std::size_t consumers, std::uint64_t n,
                   hypar::Sender<T> tx, hypar::Receiver<T> rx) {
  auto drain = [](hypar::Receiver<T>& from) {
    Tally t;
    while (auto v = from.recv()) {
      ++t.count;
      t.sum += weight(*v);
    }
    return t;
  };
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([mine = tx, p, producers, n]() mutable {
      const auto [lo, hi] = share(n, p, producers);
      for (std::uint64_t i = lo; i < hi; ++i)
        mine.send(make_item<T>(i));
      mine.close();
    });
  }
  tx.close();
  Tally total;
  if (consumers == 1) {
    total = drain(rx);
  } else {
    std::vector<Tally> tallies(consumers);
    std::vector<std::thread> workers;
    for (std::size_t c = 0; c < consumers; ++c)
      workers.emplace_back(
          [mine = rx, &tallies, &drain, c]() mutable { tallies[c] = drain(mine); });
    rx.close();
    for (auto& w : workers)
      w.join();
    for (const auto& t : tallies) {
      total.count += t.count;
      total.sum += t.sum;
    }
  }
  for (auto& t : threads)
    t.join();
  return total;
}

/// One producer thread sends 0..n-1 with `send`; the calling thread receives with `recv`
/// (returning false at the end) and tallies.
template <class Send, class Recv>
Tally one_to_one(std::uint64_t n, Send send, Recv recv) {
  std::thread producer([&] { send(n); });
  Tally t;
  std::uint64_t v = 0;
  while (recv(v)) {
    ++t.count;
    t.sum += v;
  }
  producer.join();
  return t;
}

/// one_to_one through a TBB concurrent_bounded_queue (blocking push and pop; the consumer stops
/// after n items, since the queue cannot be closed).
template <class Q>
Tally tbb_one_to_one(std::uint64_t n, Q& q) {
  std::uint64_t left = n;
  return one_to_one(
      n,
      [&q](std::uint64_t m) {
        for (std::uint64_t i = 0; i < m; ++i)
          q.push(i);
      },
      [&](std::uint64_t& v) {
        if (left == 0)
          return false;
        q.pop(v);  // blocking
        --left;
        return true;
      });
}

/// `producers` threads push their share of make_item<T>(0..n-1) with `push(T&)` (false when
/// full, leaving the item; retried after a yield), `consumers` threads pop with `pop(T&)`
/// (yielding when empty) until n items were taken in total. The Rust peer's loop is the same.
template <class T, class Push, class Pop>
Tally many_to_many(std::size_t producers, std::size_t consumers, std::uint64_t n, Push push,
                   Pop pop) {
  // Harness layout, as in the Rust peer: `taken`, which every consumer bumps per item, has a
  // cache line of its own, and every thread works on its own copies of n and of the push/pop
  // functions (Rust moves them into each closure). Threads that re-read captured references
  // from this frame after each queue operation would share a line with `taken` and pay for
  // every other consumer's increment: that harness cost (about 2x here) is no queue's.
  hypar::CachePadded<std::atomic<std::uint64_t>> taken;
  std::vector<Tally> tallies(consumers);
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([push, p, producers, n]() mutable {
      const auto [lo, hi] = share(n, p, producers);
      for (std::uint64_t i = lo; i < hi; ++i) {
        T item = make_item<T>(i);
        while (!push(item))
          std::this_thread::yield();
      }
    });
  }
  for (std::size_t c = 0; c < consumers; ++c) {
    threads.emplace_back([pop, &taken = *taken, &tally = tallies[c], n]() mutable {
      // A tally of its own on the consumer's stack, stored once at the end: consumers that wrote
      // neighbouring elements of `tallies` per item would share a cache line (the Rust peer's
      // tallies are locals too).
      Tally t;
      T v{};
      while (taken.load(std::memory_order_relaxed) < n) {
        if (pop(v)) {
          ++t.count;
          t.sum += weight(v);
          taken.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::yield();
        }
      }
      tally = t;
    });
  }
  for (auto& t : threads)
    t.join();
  Tally total;
  for (const auto& t : tallies) {
    total.count += t.count;
    total.sum += t.sum;
  }
  return total;
}

/// Two producers, two consumers (the ArrayQueue row of BENCHMARKS.md).
template <class Push, class Pop>
Tally two_by_two(std::uint64_t n, Push push, Pop pop) {
  return many_to_many<std::uint64_t>(2, 2, n, push, pop);
}

/// The Rust peer of a queue case: `workload` (chan-bounded, chan-unbounded, array-queue) with
/// these producers, consumers, capacity and payload; checked on count and sum like hypar's.
void add_rust_queue(Case& c, const std::string& name, const std::string& workload,
                    std::size_t producers, std::size_t consumers, std::size_t capacity,
                    const std::string& payload, std::uint64_t n, std::uint64_t want_sum) {
  add_rust_peer(c, name,
                workload + " --producers " + std::to_string(producers) + " --consumers " +
                    std::to_string(consumers) + " --capacity " + std::to_string(capacity) +
                    " --items " + std::to_string(n) + " --payload " + payload,
                rust_all(rust_equals("count", std::to_string(n)),
                         rust_equals("check", std::to_string(want_sum))));
}

}  // namespace

HYPAR_BENCH_CASE("chan", "bounded-1p1c/u64") {
  const std::uint64_t n = opt.scaled(20'000'000, 1000);
  auto tally = std::make_shared<Tally>();
  auto check = [=] { return check_tally(*tally, n); };
  Case c;
  c.input = std::to_string(n) + " uint64, capacity " + std::to_string(kCapacity);
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  c.add(
      "hypar::bounded", {},
      [=] {
        auto [tx, rx] = hypar::bounded<std::uint64_t>(kCapacity);
        *tally = channel_many<std::uint64_t>(1, 1, n, std::move(tx), std::move(rx));
      },
      check);
  c.add(
      "tbb::concurrent_bounded_queue", {},
      [=] {
        tbb::concurrent_bounded_queue<std::uint64_t> q;
        q.set_capacity(static_cast<std::ptrdiff_t>(kCapacity));
        *tally = tbb_one_to_one(n, q);
      },
      check);
  c.add(
      "boost::lockfree::spsc_queue (spinning)", {},
      [=] {
        boost::lockfree::spsc_queue<std::uint64_t> q(kCapacity);
        std::uint64_t left = n;
        *tally = one_to_one(
            n,
            [&](std::uint64_t m) {
              for (std::uint64_t i = 0; i < m; ++i) {
                while (!q.push(i)) {
                }
              }
            },
            [&](std::uint64_t& v) {
              if (left == 0)
                return false;
              while (!q.pop(v)) {
              }
              --left;
              return true;
            });
      },
      check);
  add_rust_queue(c, "rust:crossbeam::bounded", "chan-bounded", 1, 1, kCapacity, "u64", n,
                 n * (n - 1) / 2);
  c.target("hypar::bounded", "tbb::concurrent_bounded_queue", 3.0,
           "at least 3x tbb::concurrent_bounded_queue");
  rust_target(c, "hypar::bounded", "rust:crossbeam::bounded", 1.0,
              "at least equal to crossbeam::channel::bounded");
  return c;
}

HYPAR_BENCH_CASE("chan", "unbounded-1p1c/u64") {
  const std::uint64_t n = opt.scaled(20'000'000, 1000);
  auto tally = std::make_shared<Tally>();
  auto check = [=] { return check_tally(*tally, n); };
  Case c;
  c.input = std::to_string(n) + " uint64";
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  c.add(
      "hypar::unbounded", {},
      [=] {
        auto [tx, rx] = hypar::unbounded<std::uint64_t>();
        *tally = channel_many<std::uint64_t>(1, 1, n, std::move(tx), std::move(rx));
      },
      check);
  c.add(
      "tbb::concurrent_bounded_queue (unlimited)", {},
      [=] {
        tbb::concurrent_bounded_queue<std::uint64_t> q;
        *tally = tbb_one_to_one(n, q);
      },
      check);
  c.add(
      "boost::lockfree::queue (spinning)", {},
      [=] {
        boost::lockfree::queue<std::uint64_t> q(kCapacity);
        std::uint64_t left = n;
        *tally = one_to_one(
            n,
            [&](std::uint64_t m) {
              for (std::uint64_t i = 0; i < m; ++i)
                q.push(i);
            },
            [&](std::uint64_t& v) {
              if (left == 0)
                return false;
              while (!q.pop(v)) {
              }
              --left;
              return true;
            });
      },
      check);
  add_rust_queue(c, "rust:crossbeam::unbounded", "chan-unbounded", 1, 1, 0, "u64", n,
                 n * (n - 1) / 2);
  rust_target(c, "hypar::unbounded", "rust:crossbeam::unbounded", 1.0,
              "at least equal to crossbeam::channel::unbounded");
  return c;
}

HYPAR_BENCH_CASE("chan", "array-queue-2p2c/u64") {
  const std::uint64_t n = opt.scaled(20'000'000, 1000);
  auto tally = std::make_shared<Tally>();
  auto check = [=] { return check_tally(*tally, n); };
  Case c;
  c.input = std::to_string(n) + " uint64, capacity " + std::to_string(kCapacity);
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  c.add(
      "hypar::ArrayQueue", {},
      [=] {
        hypar::ArrayQueue<std::uint64_t> q(kCapacity);
        *tally = two_by_two(
            n, [&](std::uint64_t& v) { return q.push(std::move(v)); },
            [&](std::uint64_t& v) {
              auto got = q.pop();
              if (got)
                v = *got;
              return got.has_value();
            });
      },
      check);
  c.add(
      "boost::lockfree::queue (fixed_sized)", {},
      [=] {
        boost::lockfree::queue<std::uint64_t, boost::lockfree::fixed_sized<true>> q(kCapacity);
        *tally = two_by_two(
            n, [&](std::uint64_t& v) { return q.bounded_push(v); },
            [&](std::uint64_t& v) { return q.pop(v); });
      },
      check);
  add_rust_queue(c, "rust:crossbeam::ArrayQueue", "array-queue", 2, 2, kCapacity, "u64", n,
                 n * (n - 1) / 2);
  c.target("hypar::ArrayQueue", "boost::lockfree::queue (fixed_sized)", 1.0,
           "at least equal to boost::lockfree::queue");
  rust_target(c, "hypar::ArrayQueue", "rust:crossbeam::ArrayQueue", 1.0,
              "at least equal to crossbeam::queue::ArrayQueue");
  return c;
}

namespace {

/// One case of the matrix: hypar's bounded channel or ArrayQueue against crossbeam's.
template <class T>
Case matrix_case(const Options& opt, bool channel, std::size_t pc, std::size_t capacity,
                 const std::string& payload) {
  // Capacity 1 hands over one item at a time (tens of microseconds each with 8 threads on 2
  // cores): a tenth of the items keeps those runs within seconds.
  const std::uint64_t n = opt.scaled(capacity == 1 ? 200'000 : 2'000'000, 1000);
  const std::uint64_t want = expected_sum<T>(n);
  auto tally = std::make_shared<Tally>();
  auto check = [=] { return check_tally(*tally, n, want); };
  Case c;
  c.input = std::to_string(n) + " " + (payload == "u64" ? "uint64" : "std::string") + ", " +
            std::to_string(pc) + " producers, " + std::to_string(pc) + " consumers, capacity " +
            std::to_string(capacity);
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  const std::string subject = channel ? "hypar::bounded" : "hypar::ArrayQueue";
  const std::string peer = channel ? "rust:crossbeam::bounded" : "rust:crossbeam::ArrayQueue";
  if (channel) {
    c.add(
        subject, {},
        [=] {
          auto [tx, rx] = hypar::bounded<T>(capacity);
          *tally = channel_many<T>(pc, pc, n, std::move(tx), std::move(rx));
        },
        check);
  } else {
    c.add(
        subject, {},
        [=] {
          hypar::ArrayQueue<T> q(capacity);
          *tally = many_to_many<T>(
              pc, pc, n, [&](T& v) { return q.push(std::move(v)); },
              [&](T& v) {
                auto got = q.pop();
                if (got)
                  v = std::move(*got);
                return got.has_value();
              });
        },
        check);
  }
  add_rust_queue(c, peer, channel ? "chan-bounded" : "array-queue", pc, pc, capacity, payload, n,
                 want);
  rust_target(c, subject, peer, 1.0, "at least equal to crossbeam");
  return c;
}

// chan/matrix/<bounded|array-queue>/<P>p<C>c/cap<K>/<u64|string>: 36 cases, registered after the
// rows above so they keep their order.
[[maybe_unused]] const bool matrix_registered = [] {
  for (const bool channel : {true, false}) {
    for (const std::size_t pc : {1, 2, 4}) {
      for (const std::size_t capacity : {1, 64, 1024}) {
        for (const char* payload : {"u64", "string"}) {
          const std::string name = std::string("matrix/") + (channel ? "bounded" : "array-queue") +
                                   "/" + std::to_string(pc) + "p" + std::to_string(pc) + "c/cap" +
                                   std::to_string(capacity) + "/" + payload;
          const bool text = std::string(payload) == "string";
          register_case("chan", name, [=](const Options& opt) {
            return text ? matrix_case<std::string>(opt, channel, pc, capacity, payload)
                        : matrix_case<std::uint64_t>(opt, channel, pc, capacity, payload);
          });
        }
      }
    }
  }
  return true;
}();

}  // namespace

}  // namespace hypar_bench
