// ShardedMap: the map semantics against std::map, and contended updates from many threads
// against a sequential count.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <hypar/core/thread_scope.hpp>
#include <hypar/sync/sharded_map.hpp>
#include <map>
#include <random>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "thread_counts.hpp"

namespace {

class ShardedMapTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(ShardedMapTest);

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int scale = 1;
#else
constexpr int scale = 10;
#endif

TEST(ShardedMap, BehavesLikeAMapOnRandomOperations) {
  hypar::ShardedMap<int, std::string, 8> map;
  std::map<int, std::string> reference;
  std::mt19937 rng(42);
  for (int step = 0; step < 20000; ++step) {
    const int key = static_cast<int>(rng() % 500);
    switch (rng() % 4) {
      case 0: {
        const std::string v = std::to_string(rng());
        const bool fresh = !reference.contains(key);
        EXPECT_EQ(map.insert(key, v), fresh);
        reference[key] = v;
        break;
      }
      case 1: {
        const auto got = map.get(key);
        const auto it = reference.find(key);
        ASSERT_EQ(got.has_value(), it != reference.end());
        if (got) {
          EXPECT_EQ(*got, it->second);
        }
        EXPECT_EQ(map.contains(key), it != reference.end());
        std::string seen = "(not called)";
        EXPECT_EQ(map.visit(key, [&](const std::string& v) { seen = v; }), it != reference.end());
        EXPECT_EQ(seen, it != reference.end() ? it->second : std::string("(not called)"));
        break;
      }
      case 2: {
        const auto next = map.update(key, [](std::optional<std::string> old) {
          return old ? *old + "+" : std::string("new");
        });
        auto& r = reference[key];
        r = r.empty() ? std::string("new") : r + "+";
        EXPECT_EQ(next, r);
        break;
      }
      default:
        EXPECT_EQ(map.erase(key), reference.erase(key) == 1);
    }
  }
  EXPECT_EQ(map.size(), reference.size());
  std::map<int, std::string> seen;
  map.for_each([&](const int& k, const std::string& v) { EXPECT_TRUE(seen.emplace(k, v).second); });
  EXPECT_EQ(seen, reference);
}

TEST(ShardedMap, ConsecutiveIntegerKeysSpreadOverShards) {
  // std::hash<int> is the identity; the map mixes it so that keys 0, 16, 32, ... do not share a
  // shard.
  struct CountingHash {
    std::size_t operator()(int k) const { return static_cast<std::size_t>(k) * 16; }
  };
  hypar::ShardedMap<int, int, 16, CountingHash> map;
  for (int k = 0; k < 1000; ++k)
    map.insert(k, k);
  EXPECT_EQ(map.size(), 1000u);
  for (int k = 0; k < 1000; ++k)
    ASSERT_EQ(map.get(k), k);
}

TEST_P(ShardedMapTest, ContendedUpdatesMatchASequentialCount) {
  // Twice the count in threads, so more threads than cores meet on the same shard.
  const std::size_t threads = 2 * thread_count();
  {
    hypar::ShardedMap<int, long> counts;
    const int per_thread = 20000 * scale;
    const int keys = 37;  // few keys: many threads meet on the same shard
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      for (std::size_t t = 0; t < threads; ++t) {
        s.spawn([&, t] {
          std::mt19937 rng(static_cast<unsigned>(t));
          for (int i = 0; i < per_thread; ++i) {
            const int key = static_cast<int>(rng() % keys);
            counts.update(key, [](std::optional<long> old) { return old.value_or(0) + 1; });
            if (i % 64 == 0)
              (void)counts.get(key);  // readers interleaved with writers
          }
        });
      }
    });
    // The sequential count: the same random streams, replayed on one thread.
    std::map<int, long> reference;
    for (std::size_t t = 0; t < threads; ++t) {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < per_thread; ++i)
        ++reference[static_cast<int>(rng() % keys)];
    }
    long total = 0;
    counts.for_each([&](const int& k, const long& v) {
      EXPECT_EQ(v, reference[k]) << "key " << k;
      total += v;
    });
    EXPECT_EQ(total, static_cast<long>(threads) * per_thread);
    EXPECT_EQ(counts.size(), reference.size());
  }
}

TEST_P(ShardedMapTest, VisitSeesWholeValuesWhileWritersReplaceThem) {
  // The seed's cache: string keys, byte-vector values. Writers replace each value with a vector
  // whose every byte is one generation number (and whose length depends on it); readers visit in
  // place and check each value is whole (one generation throughout, the right length): a read
  // that overlapped a write would see a mix or a torn size. Counts: every visit of a key that is
  // always present must succeed.
  const std::size_t threads = 2 * thread_count();
  hypar::ShardedMap<std::string, std::vector<std::uint8_t>> cache;
  const int keys = 24;
  auto key_name = [](int k) { return "key-" + std::to_string(k); };
  auto value_of = [](unsigned generation) {
    return std::vector<std::uint8_t>(64 + generation % 64, static_cast<std::uint8_t>(generation));
  };
  for (int k = 0; k < keys; ++k)
    cache.insert(key_name(k), value_of(0));
  const int per_thread = 4000 * scale;
  std::atomic<long> torn{0};
  std::atomic<long> missed{0};
  std::atomic<long> visits{0};
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t t = 0; t < threads; ++t) {
      s.spawn([&, t] {
        std::mt19937 rng(static_cast<unsigned>(t) + 100);
        for (int i = 0; i < per_thread; ++i) {
          const std::string key = key_name(static_cast<int>(rng() % keys));
          if (i % 4 == 0) {  // a quarter writes, as in the seed
            cache.insert(key, value_of(rng() % 256));
            continue;
          }
          const bool found = cache.visit(key, [&](const std::vector<std::uint8_t>& v) {
            const std::uint8_t g = v.empty() ? 0 : v.front();
            bool whole = v.size() == 64u + g % 64u;
            for (std::uint8_t b : v)
              whole = whole && b == g;
            if (!whole)
              torn.fetch_add(1, std::memory_order_relaxed);
          });
          visits.fetch_add(1, std::memory_order_relaxed);
          if (!found || !cache.contains(key))
            missed.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
  });
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(missed.load(), 0);
  EXPECT_EQ(visits.load(), static_cast<long>(threads) * (per_thread - per_thread / 4));
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(keys));
}

TEST(ShardedMap, VisitPropagatesWhatItsFunctionThrowsAndReleasesTheLock) {
  hypar::ShardedMap<std::string, int> map;
  map.insert("a", 1);
  EXPECT_THROW(map.visit("a", [](int) { throw std::runtime_error("no"); }), std::runtime_error);
  // The shard's lock was released: a writer of the same key gets through.
  EXPECT_FALSE(map.insert("a", 2));
  int seen = 0;
  EXPECT_TRUE(map.visit("a", [&](int v) { seen = v; }));
  EXPECT_EQ(seen, 2);
}

TEST(ShardedMap, AnotherLockTypeBehavesTheSame) {
  hypar::ShardedMap<int, int, 4, std::hash<int>, std::shared_mutex> map;
  for (int k = 0; k < 100; ++k)
    map.insert(k, k * k);
  for (int k = 0; k < 100; ++k) {
    ASSERT_TRUE(map.contains(k));
    int v = -1;
    ASSERT_TRUE(map.visit(k, [&](int x) { v = x; }));
    ASSERT_EQ(v, k * k);
  }
  EXPECT_FALSE(map.contains(100));
}

TEST(ShardedMap, UpdateThatThrowsLeavesTheMapUnchanged) {
  hypar::ShardedMap<std::string, int> map;
  map.insert("a", 1);
  EXPECT_THROW(map.update("a", [](std::optional<int>) -> int { throw std::runtime_error("no"); }),
               std::runtime_error);
  EXPECT_THROW(map.update("b", [](std::optional<int>) -> int { throw std::runtime_error("no"); }),
               std::runtime_error);
  EXPECT_EQ(map.get("a"), 1);
  EXPECT_FALSE(map.get("b").has_value());
  EXPECT_EQ(map.size(), 1u);
}

}  // namespace
