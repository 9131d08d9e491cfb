// hypar-bench cases for the contention tools (API.md section 6): padded against packed counters,
// ThreadLocal accumulation against one shared atomic, ShardedMap against one locked map.
// BENCHMARKS.md sets no target for these rows; they show what the tools buy on this machine.
#include <atomic>
#include <cstdint>
#include <hypar/core/thread_scope.hpp>
#include <hypar/core/threads.hpp>
#include <hypar/sync.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bench.hpp"

namespace hypar_bench {
namespace {

/// Runs `body(t)` on `threads` OS threads at once.
template <class F>
void on_threads(std::size_t threads, F body) {
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t t = 0; t < threads; ++t)
      s.spawn([&body, t] { body(t); });
  });
}

std::size_t bench_threads(const hypar_bench::Options& opt) {
  return opt.threads ? opt.threads : std::max<std::size_t>(2, hypar::default_num_threads());
}

}  // namespace

HYPAR_BENCH_CASE("sync", "counters/padded-vs-packed") {
  const std::size_t threads = bench_threads(opt);
  const std::uint64_t n = opt.scaled(20'000'000);
  struct Packed {
    std::atomic<std::uint64_t> c[8];
  };
  struct Padded {
    hypar::CachePadded<std::atomic<std::uint64_t>> c[8];
  };
  auto packed = std::make_shared<Packed>();
  auto padded = std::make_shared<Padded>();
  Case c;
  c.input = std::to_string(threads) + " threads x " + std::to_string(n) +
            " increments of their own counter";
  c.work = static_cast<double>(n * threads);
  c.work_unit = "items";
  const std::size_t slots = std::min<std::size_t>(threads, 8);
  c.add(
      "hypar CachePadded",
      [=] {
        for (auto& x : padded->c)
          x->store(0);
      },
      [=] {
        on_threads(threads, [&](std::size_t t) {
          auto& counter = *padded->c[t % slots];
          for (std::uint64_t i = 0; i < n; ++i)
            counter.fetch_add(1, std::memory_order_relaxed);
        });
      },
      [=]() -> std::string {
        std::uint64_t sum = 0;
        for (auto& x : padded->c)
          sum += x->load();
        return sum == n * threads ? "" : "lost increments";
      });
  c.add(
      "packed atomics (one line)",
      [=] {
        for (auto& x : packed->c)
          x.store(0);
      },
      [=] {
        on_threads(threads, [&](std::size_t t) {
          auto& counter = packed->c[t % slots];
          for (std::uint64_t i = 0; i < n; ++i)
            counter.fetch_add(1, std::memory_order_relaxed);
        });
      },
      [=]() -> std::string {
        std::uint64_t sum = 0;
        for (auto& x : packed->c)
          sum += x.load();
        return sum == n * threads ? "" : "lost increments";
      });
  return c;
}

HYPAR_BENCH_CASE("sync", "accumulate/thread-local-vs-shared-atomic") {
  const std::size_t threads = bench_threads(opt);
  const std::uint64_t n = opt.scaled(20'000'000);
  auto result = std::make_shared<std::uint64_t>(0);
  auto shared = std::make_shared<std::atomic<std::uint64_t>>(0);
  const std::uint64_t expected = n * threads;
  Case c;
  c.input = std::to_string(threads) + " threads x " + std::to_string(n) + " additions to one total";
  c.work = static_cast<double>(expected);
  c.work_unit = "items";
  auto check = [=]() -> std::string { return *result == expected ? "" : "wrong total"; };
  c.add(
      "hypar ThreadLocal", [] {},
      [=] {
        hypar::ThreadLocal<std::uint64_t> local;
        on_threads(threads, [&](std::size_t) {
          for (std::uint64_t i = 0; i < n; ++i) {
            auto& mine = local.local();
            hypar_bench::keep(mine);
            ++mine;
          }
        });
        *result = local.combine([](std::uint64_t a, std::uint64_t b) { return a + b; });
      },
      check);
  c.add(
      "one shared atomic", [] {},
      [=] {
        shared->store(0);
        on_threads(threads, [&](std::size_t) {
          for (std::uint64_t i = 0; i < n; ++i)
            shared->fetch_add(1, std::memory_order_relaxed);
        });
        *result = shared->load();
      },
      check);
  return c;
}

HYPAR_BENCH_CASE("sync", "map/sharded-vs-one-lock") {
  const std::size_t threads = bench_threads(opt);
  const std::uint64_t n = opt.scaled(2'000'000);
  auto total = std::make_shared<std::uint64_t>(0);
  Case c;
  c.input = std::to_string(threads) + " threads x " + std::to_string(n) + " updates over 4096 keys";
  c.work = static_cast<double>(n * threads);
  c.work_unit = "items";
  auto check = [=]() -> std::string { return *total == n * threads ? "" : "lost updates"; };
  auto key_of = [](std::uint64_t t, std::uint64_t i) { return (i * 2654435761u + t * 97) % 4096; };
  c.add(
      "hypar ShardedMap", [] {},
      [=] {
        hypar::ShardedMap<std::uint64_t, std::uint64_t> map;
        on_threads(threads, [&](std::size_t t) {
          for (std::uint64_t i = 0; i < n; ++i) {
            map.update(key_of(t, i),
                       [](std::optional<std::uint64_t> old) { return old.value_or(0) + 1; });
          }
        });
        std::uint64_t sum = 0;
        map.for_each([&](const std::uint64_t&, const std::uint64_t& v) { sum += v; });
        *total = sum;
      },
      check);
  c.add(
      "std::unordered_map + one mutex", [] {},
      [=] {
        std::unordered_map<std::uint64_t, std::uint64_t> map;
        std::mutex mutex;
        on_threads(threads, [&](std::size_t t) {
          for (std::uint64_t i = 0; i < n; ++i) {
            std::lock_guard lock(mutex);
            ++map[key_of(t, i)];
          }
        });
        std::uint64_t sum = 0;
        for (const auto& [k, v] : map)
          sum += v;
        *total = sum;
      },
      check);
  return c;
}

}  // namespace hypar_bench
