// Channels and ArrayQueue against oneTBB and raw Boost.Lockfree (BENCHMARKS.md rows: bounded
// channel 1P1C, unbounded channel 1P1C, ArrayQueue 2P2C). Each run creates a fresh queue, starts
// the producers on std::threads, consumes on the calling thread (1P1C) or on threads (2P2C), and
// checks that the consumers saw every item exactly once (count and sum of 0..n-1).
#include <tbb/concurrent_queue.h>

#include <atomic>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <hypar/chan.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

/// Capacity of every bounded queue in these cases (the same for hypar and the peers).
constexpr std::size_t kCapacity = 1024;

struct Tally {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
};

std::string check_tally(const Tally& t, std::uint64_t n) {
  const std::uint64_t want = n * (n - 1) / 2;
  if (t.count != n)
    return "received " + std::to_string(t.count) + " items of " + std::to_string(n);
  if (t.sum != want)
    return "sum " + std::to_string(t.sum) + ", expected " + std::to_string(want);
  return "";
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

/// one_to_one through a hypar channel: the producer sends 0..n-1 and closes its sender, the
/// consumer receives until the channel is closed and drained.
template <class Tx, class Rx>
Tally channel_one_to_one(std::uint64_t n, Tx& tx, Rx& rx) {
  return one_to_one(
      n,
      [&tx](std::uint64_t m) {
        for (std::uint64_t i = 0; i < m; ++i)
          tx.send(i);
        tx.close();
      },
      [&rx](std::uint64_t& v) {
        auto got = rx.recv();
        if (got)
          v = *got;
        return got.has_value();
      });
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

/// Two producers push halves of 0..n-1 (retrying with a yield when full), two consumers pop
/// (yielding when empty) until n items were taken in total.
template <class Push, class Pop>
Tally two_by_two(std::uint64_t n, Push push, Pop pop) {
  std::atomic<std::uint64_t> taken{0};
  Tally tallies[2];
  std::vector<std::thread> threads;
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&, p] {
      const std::uint64_t lo = n * static_cast<std::uint64_t>(p) / 2;
      const std::uint64_t hi = n * static_cast<std::uint64_t>(p + 1) / 2;
      for (std::uint64_t i = lo; i < hi; ++i) {
        while (!push(i))
          std::this_thread::yield();
      }
    });
  }
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&, c] {
      Tally& t = tallies[c];
      std::uint64_t v = 0;
      while (taken.load(std::memory_order_relaxed) < n) {
        if (pop(v)) {
          ++t.count;
          t.sum += v;
          taken.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  return Tally{tallies[0].count + tallies[1].count, tallies[0].sum + tallies[1].sum};
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
        *tally = channel_one_to_one(n, tx, rx);
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
  c.target("hypar::bounded", "tbb::concurrent_bounded_queue", 3.0,
           "at least 3x tbb::concurrent_bounded_queue");
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
        *tally = channel_one_to_one(n, tx, rx);
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
            n, [&](std::uint64_t v) { return q.push(std::move(v)); },
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
            n, [&](std::uint64_t v) { return q.bounded_push(v); },
            [&](std::uint64_t& v) { return q.pop(v); });
      },
      check);
  c.target("hypar::ArrayQueue", "boost::lockfree::queue (fixed_sized)", 1.0,
           "at least equal to boost::lockfree::queue");
  return c;
}

}  // namespace hypar_bench
