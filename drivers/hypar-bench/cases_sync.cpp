// hypar-bench cases for the contention tools (API.md section 6): padded against packed counters,
// ThreadLocal accumulation against one shared atomic, ShardedMap against one locked map.
// BENCHMARKS.md sets no target for these rows; they show what the tools buy on this machine.
// sync/map/seed-16-shards is the seed's sharded cache against its Rust original (16
// parking_lot::RwLock<HashMap<String, Vec<u8>, FxBuildHasher>> shards, rust_peers.hpp).
#include <atomic>
#include <cstdint>
#include <hypar/core/thread_scope.hpp>
#include <hypar/core/threads.hpp>
#include <hypar/hypar.hpp>
#include <hypar/sync.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench.hpp"
#include "rust_peers.hpp"

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
  // The seed's 16 parking_lot::RwLock shards of HashMap<u64, u64, FxBuildHasher>, same threads
  // and keys, a write lock per update.
  add_rust_peer(c, "rust:parking_lot+fxhash (16 shards)",
                "map-update --items " + std::to_string(n) + " --threads " + std::to_string(threads),
                rust_equals("check", std::to_string(n * threads)));
  return c;
}

namespace {

/// cases_sort.cpp's 64-bit finaliser (also the Rust peer's `mix`): op i touches key mix(i) % keys.
std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

/// The value stored under key k (as the Rust peer's map_value): 32 bytes of k % 251.
std::vector<std::uint8_t> map_value(std::uint64_t k) {
  return std::vector<std::uint8_t>(32, static_cast<std::uint8_t>(k % 251));
}

}  // namespace

// The seed's ShardedCache: `keys` keys "key-<k>" are in the map before each run (untimed); op i
// of `ops`, run as a parallel iterator, touches key mix(i) % keys: every 4th op inserts its value
// again (a new key string and vector), the others read it and add its length and first byte.
HYPAR_BENCH_CASE("sync", "map/seed-16-shards") {
  const std::size_t threads = opt.threads ? opt.threads : hypar::default_num_threads();
  const std::uint64_t ops = opt.scaled(5'000'000, 1000);
  const std::uint64_t nkeys = std::max<std::uint64_t>(64, ops / 4);
  auto keys = std::make_shared<std::vector<std::string>>();
  for (std::uint64_t k = 0; k < nkeys; ++k)
    keys->push_back("key-" + std::to_string(k));
  std::uint64_t want = 0;
  for (std::uint64_t i = 0; i < ops; ++i) {
    if (i % 4 != 0)
      want += 32 + mix64(i) % nkeys % 251;
  }
  using Map = hypar::ShardedMap<std::string, std::vector<std::uint8_t>, 16>;
  auto map = std::make_shared<std::unique_ptr<Map>>();
  auto pool = threads != hypar::default_num_threads()
                  ? std::make_shared<hypar::ThreadPool>(
                        hypar::ThreadPoolBuilder().num_threads(threads).build())
                  : nullptr;
  auto result = std::make_shared<std::uint64_t>(0);
  Case c;
  c.input = std::to_string(ops) + " ops (1/4 insert, 3/4 read) over " + std::to_string(nkeys) +
            " string keys, 32-byte values, 16 shards";
  c.work = static_cast<double>(ops);
  c.work_unit = "items";
  // Both hypar rows fill the map untimed, then run the same ops; they differ in the read: `get`
  // copies the value, `visit` looks at it under the read lock as the Rust code does.
  auto add_hypar = [&](const std::string& name, auto read) {
    c.add(
        name,
        [=] {
          *map = std::make_unique<Map>();
          for (std::uint64_t k = 0; k < nkeys; ++k)
            (*map)->insert((*keys)[k], map_value(k));
        },
        [=] {
          Map& m = **map;
          auto body = [&] {
            return hypar::par_range(std::uint64_t{0}, ops)
                .map([&](std::uint64_t i) -> std::uint64_t {
                  const std::uint64_t k = mix64(i) % nkeys;
                  const std::string& key = (*keys)[k];
                  if (i % 4 == 0) {
                    m.insert(key, map_value(k));
                    return 0;
                  }
                  return read(m, key);
                })
                .sum();
          };
          *result = pool ? pool->install(body) : body();
        },
        [=]() -> std::string {
          return *result == want
                     ? ""
                     : "read sum " + std::to_string(*result) + ", expected " + std::to_string(want);
        });
  };
  add_hypar("hypar ShardedMap (get)", [](const Map& m, const std::string& key) -> std::uint64_t {
    const auto v = m.get(key);
    return v ? v->size() + (*v)[0] : 0;
  });
  add_hypar("hypar ShardedMap (visit)", [](const Map& m, const std::string& key) {
    std::uint64_t seen = 0;
    m.visit(key, [&](const std::vector<std::uint8_t>& v) { seen = v.size() + v[0]; });
    return seen;
  });
  add_rust_peer(c, "rust:parking_lot+fxhash",
                "map --ops " + std::to_string(ops) + " --keys " + std::to_string(nkeys) +
                    " --threads " + std::to_string(threads),
                rust_equals("check", std::to_string(want)));
  rust_target(c, "hypar ShardedMap (visit)", "rust:parking_lot+fxhash", 1.0,
              "at least equal to parking_lot + fxhash");
  return c;
}

}  // namespace hypar_bench
