// ThreadLocal: one value per thread, made lazily by the factory on its own thread, enumerable and
// combinable afterwards; accumulation from many threads equals the sequential sum.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <hypar/core/pool.hpp>
#include <hypar/core/thread_scope.hpp>
#include <hypar/par.hpp>
#include <hypar/sync/thread_local.hpp>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include "thread_counts.hpp"

namespace {

class ThreadLocalTest : public hypar::testing::ThreadCountTest {
 protected:
  /// Threads spawned by the contention tests: twice the count, so more threads than cores meet.
  std::size_t spawned() const { return 2 * thread_count(); }
};
HYPAR_INSTANTIATE_THREAD_COUNTS(ThreadLocalTest);

TEST_P(ThreadLocalTest, ValueIsMadeOnceOnItsThreadAndStaysPut) {
  std::mutex mutex;
  std::set<std::thread::id> makers;
  hypar::ThreadLocal<std::thread::id> maker([&] {
    std::lock_guard lock(mutex);
    makers.insert(std::this_thread::get_id());
    return std::this_thread::get_id();
  });
  EXPECT_EQ(maker.size(), 0u);
  std::atomic<int> moved{0};
  const std::size_t threads = spawned();
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t t = 0; t < threads; ++t) {
      s.spawn([&] {
        std::thread::id* first = &maker.local();
        const std::thread::id value = *first;
        for (int i = 0; i < 100; ++i) {
          if (&maker.local() != first || maker.local() != value)
            moved.fetch_add(1);
        }
      });
    }
  });
  EXPECT_EQ(moved.load(), 0);
  // Each value was made by the factory on the thread that first asked for it; a thread of the
  // scope may reuse the slot (and value) of one that already exited, so at most `threads`.
  std::set<std::thread::id> values;
  maker.for_each([&](const std::thread::id& id) { values.insert(id); });
  EXPECT_EQ(values, makers);
  EXPECT_GE(values.size(), 1u);
  EXPECT_LE(values.size(), threads);
}

TEST_P(ThreadLocalTest, SimultaneousThreadsGetDistinctValues) {
  // All threads alive at once (a barrier keeps them), so no slot can be reused.
  const int threads = static_cast<int>(spawned());
  hypar::ThreadLocal<int> tl;
  std::atomic<int> arrived{0};
  std::set<int*> addresses;
  std::mutex mutex;
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (int t = 0; t < threads; ++t) {
      s.spawn([&, t] {
        tl.local() = t + 1;
        arrived.fetch_add(1);
        while (arrived.load() < threads)
          std::this_thread::yield();
        std::lock_guard lock(mutex);
        addresses.insert(&tl.local());
        EXPECT_EQ(tl.local(), t + 1);
      });
    }
  });
  EXPECT_EQ(addresses.size(), static_cast<std::size_t>(threads));
  EXPECT_EQ(tl.size(), static_cast<std::size_t>(threads));
  EXPECT_EQ(tl.combine([](int a, int b) { return a + b; }), threads * (threads + 1) / 2);
  std::set<int> values;
  tl.for_each([&](const int& v) { values.insert(v); });
  EXPECT_EQ(values.size(), static_cast<std::size_t>(threads));
}

TEST_P(ThreadLocalTest, AccumulationEqualsTheSequentialSum) {
  const std::int64_t n = 2'000'000;
  const std::size_t threads = thread_count();
  {
    hypar::ThreadLocal<std::int64_t> partial;
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      for (std::size_t t = 0; t < threads; ++t) {
        s.spawn([&, t] {
          for (std::int64_t i = static_cast<std::int64_t>(t); i < n;
               i += static_cast<std::int64_t>(threads)) {
            partial.local() += i % 1000;
          }
        });
      }
    });
    std::int64_t expected = 0;
    for (std::int64_t i = 0; i < n; ++i)
      expected += i % 1000;
    EXPECT_EQ(partial.combine(std::plus<>{}), expected);
  }
}

TEST_P(ThreadLocalTest, WorksUnderParallelIterators) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "OpenMP regions: libgomp is not instrumented, so TSan cannot see their ordering";
#endif
  // The thread-local buffer pattern: each worker reuses one vector across many items.
  const std::size_t n = 100'000;
  std::vector<std::uint32_t> data(n);
  std::iota(data.begin(), data.end(), 0u);
  {
    hypar::ThreadLocal<std::vector<std::uint64_t>> buffers([] {
      std::vector<std::uint64_t> v;
      v.reserve(16);
      return v;
    });
    hypar::ThreadLocal<std::uint64_t> sums;
    on_pool([&] {
      hypar::par_iter(data).for_each([&](std::uint32_t x) {
        auto& buffer = buffers.local();
        buffer.clear();
        for (std::uint32_t k = 0; k < 4; ++k)
          buffer.push_back(x + k);
        sums.local() += std::accumulate(buffer.begin(), buffer.end(), std::uint64_t{0});
      });
    });
    std::uint64_t expected = 0;
    for (std::uint32_t x : data)
      expected += 4ull * x + 6;
    EXPECT_EQ(sums.combine(std::plus<>{}), expected);
    EXPECT_LE(buffers.size(), thread_count());
  }
}

TEST(ThreadLocal, CombineOfNothingIsTheFactoryValue) {
  hypar::ThreadLocal<int> tl([] { return 7; });
  EXPECT_EQ(tl.combine(std::plus<>{}), 7);
  tl.local() += 1;
  EXPECT_EQ(tl.combine(std::plus<>{}), 8);
  tl.clear();
  EXPECT_EQ(tl.size(), 0u);
  EXPECT_EQ(tl.local(), 7);
}

TEST(ThreadLocal, FactoryThatThrowsStoresNothing) {
  int calls = 0;
  hypar::ThreadLocal<int> tl([&]() -> int {
    if (++calls == 1)
      throw std::runtime_error("first call fails");
    return 5;
  });
  EXPECT_THROW(tl.local(), std::runtime_error);
  EXPECT_EQ(tl.size(), 0u);
  EXPECT_EQ(tl.local(), 5);
}

TEST_P(ThreadLocalTest, ValuesAreDestroyedOnce) {
  static std::atomic<int> alive{0};
  struct Tracked {
    Tracked() { alive.fetch_add(1); }
    Tracked(const Tracked&) { alive.fetch_add(1); }
    Tracked(Tracked&&) noexcept { alive.fetch_add(1); }
    ~Tracked() { alive.fetch_sub(1); }
  };
  {
    hypar::ThreadLocal<Tracked> tl;
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      for (std::size_t t = 0; t < spawned(); ++t)
        s.spawn([&] { (void)tl.local(); });
    });
    EXPECT_GE(alive.load(), 1);
  }
  EXPECT_EQ(alive.load(), 0);
}

}  // namespace
