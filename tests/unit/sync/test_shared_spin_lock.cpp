// SharedSpinLock: mutual exclusion of writers, readers side by side, writer preference, the sleep
// path, and a mixed stress whose invariant (two fields always written together) a torn read or a
// lost update would break. Run under ThreadSanitizer too (label concurrency).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <hypar/core/thread_scope.hpp>
#include <hypar/sync/shared_spin_lock.hpp>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "thread_counts.hpp"

namespace {

class SharedSpinLockTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(SharedSpinLockTest);

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr long scale = 1;
#else
constexpr long scale = 10;
#endif

TEST_P(SharedSpinLockTest, WritersExcludeEachOtherAndReaders) {
  // Twice the thread count: more threads than cores, so holders get preempted while others wait.
  const std::size_t threads = 2 * thread_count();
  const long per_thread = 20000 * scale;
  hypar::SharedSpinLock lock;
  long counter = 0;  // plain: only the lock protects it
  std::atomic<int> writers_inside{0};
  std::atomic<int> readers_inside{0};
  std::atomic<long> overlaps{0};
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t t = 0; t < threads; ++t) {
      s.spawn([&, t] {
        std::mt19937 rng(static_cast<unsigned>(t));
        for (long i = 0; i < per_thread; ++i) {
          if (rng() % 4 == 0) {
            std::unique_lock guard(lock);
            if (writers_inside.fetch_add(1) != 0 || readers_inside.load() != 0)
              overlaps.fetch_add(1);
            ++counter;
            writers_inside.fetch_sub(1);
          } else {
            std::shared_lock guard(lock);
            readers_inside.fetch_add(1);
            if (writers_inside.load() != 0)
              overlaps.fetch_add(1);
            readers_inside.fetch_sub(1);
          }
        }
      });
    }
  });
  // The sequential count of writes: the same random streams replayed.
  long writes = 0;
  for (std::size_t t = 0; t < threads; ++t) {
    std::mt19937 rng(static_cast<unsigned>(t));
    for (long i = 0; i < per_thread; ++i)
      writes += rng() % 4 == 0 ? 1 : 0;
  }
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(counter, writes);
}

TEST(SharedSpinLock, ReadersHoldItTogetherAndWritersAlone) {
  hypar::SharedSpinLock lock;
  lock.lock_shared();
  EXPECT_TRUE(lock.try_lock_shared());  // a second reader
  EXPECT_FALSE(lock.try_lock());
  lock.unlock_shared();
  EXPECT_FALSE(lock.try_lock());  // one reader is still in
  lock.unlock_shared();
  EXPECT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock_shared());
  EXPECT_FALSE(lock.try_lock());
  lock.unlock();
  EXPECT_TRUE(lock.try_lock_shared());
  lock.unlock_shared();
}

TEST(SharedSpinLock, AWaitingWriterHoldsNewReadersBack) {
  hypar::SharedSpinLock lock;
  lock.lock_shared();
  std::atomic<bool> writer_in{false};
  std::thread writer([&] {
    lock.lock();
    writer_in = true;
    lock.unlock();
  });
  // Once the writer waits, new readers are refused (a stream of readers cannot starve it). Poll:
  // until the writer has announced itself, a try succeeds and is released at once.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    if (lock.try_lock_shared()) {
      lock.unlock_shared();
      std::this_thread::yield();
    } else {
      refused = true;
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_FALSE(writer_in.load());  // the first reader still holds it
  lock.unlock_shared();
  writer.join();
  EXPECT_TRUE(writer_in.load());
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

TEST(SharedSpinLock, WaitersThatFellAsleepAreWokenByTheRelease) {
  // A writer holds the lock far longer than the spin and yield phases, so the waiting readers and
  // writers go to sleep on the word; the release must wake them (well before the 100 ms backstop
  // would matter, but correctness does not depend on the timing).
  hypar::SharedSpinLock lock;
  int data = 0;
  lock.lock();
  std::atomic<int> done{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&, i] {
      if (i % 2 == 0) {
        std::shared_lock guard(lock);
        EXPECT_GE(data, 1);
      } else {
        std::unique_lock guard(lock);
        ++data;
      }
      done.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(done.load(), 0);  // nobody got past the writer
  data = 1;
  lock.unlock();
  for (auto& w : waiters)
    w.join();
  EXPECT_EQ(done.load(), 4);
  EXPECT_EQ(data, 3);  // the first writer's 1 and the two waiting writers' increments
}

TEST_P(SharedSpinLockTest, ReadersNeverSeeAHalfWrittenPair) {
  const std::size_t threads = 2 * thread_count();
  const long per_thread = 10000 * scale;
  hypar::SharedSpinLock lock;
  std::uint64_t first = 0;  // always equal to `second` outside the lock
  std::uint64_t second = 0;
  std::atomic<long> torn{0};
  std::atomic<std::uint64_t> written{0};
  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t t = 0; t < threads; ++t) {
      s.spawn([&, t] {
        for (long i = 0; i < per_thread; ++i) {
          if ((i + static_cast<long>(t)) % 8 == 0) {
            std::unique_lock guard(lock);
            ++first;
            ++second;
            written.fetch_add(1, std::memory_order_relaxed);
          } else {
            std::shared_lock guard(lock);
            if (first != second)
              torn.fetch_add(1, std::memory_order_relaxed);
          }
        }
      });
    }
  });
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(first, written.load());
  EXPECT_EQ(second, written.load());
}

}  // namespace
