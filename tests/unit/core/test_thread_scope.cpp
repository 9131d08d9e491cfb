// hypar::thread_scope: dedicated threads that borrow locals, all joined before return, first
// exception rethrown with its type. Plain std::threads, so these tests run under TSan too.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <hypar/core/thread_scope.hpp>
#include <latch>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "thread_counts.hpp"

namespace {

class ThreadScopeTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(ThreadScopeTest);

TEST_P(ThreadScopeTest, BorrowsLocalsLikeTheSeed) {
  const std::size_t threads = GetParam();
  std::mt19937 rng(static_cast<unsigned>(threads));
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{33}}) {
    std::vector<int> data(n);
    for (auto& x : data)
      x = static_cast<int>(rng() % 1000);
    std::vector<int> results(n, 0);
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      // Each of `threads` workers squares a strided part of the input.
      for (std::size_t t = 0; t < threads; ++t) {
        s.spawn([&, t] {
          for (std::size_t i = t; i < n; i += threads)
            results[i] = data[i] * data[i];
        });
      }
    });
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_EQ(results[i], data[i] * data[i]);
  }
}

TEST_P(ThreadScopeTest, DistinctThreadsNestedSpawnAndResult) {
  const std::size_t threads = GetParam();
  std::vector<std::thread::id> ids(2 * threads);
  const auto caller = std::this_thread::get_id();
  // Every thread waits until all have started: they are alive at the same time, so their ids are
  // distinct only if each closure has a thread of its own (ids of ended threads may be reused).
  std::latch all_started(static_cast<std::ptrdiff_t>(2 * threads));
  const int r = hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t t = 0; t < threads; ++t) {
      s.spawn([&, t](hypar::ThreadScope& inner) {
        ids[t] = std::this_thread::get_id();
        inner.spawn([&, t] {
          ids[threads + t] = std::this_thread::get_id();
          all_started.arrive_and_wait();
        });
        all_started.arrive_and_wait();
      });
    }
    return 7;
  });
  EXPECT_EQ(r, 7);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_NE(ids[i], std::thread::id()) << "thread " << i << " did not run before return";
    EXPECT_NE(ids[i], caller);
    for (std::size_t j = 0; j < i; ++j)
      EXPECT_NE(ids[i], ids[j]) << "threads must be dedicated";
  }
}

TEST_P(ThreadScopeTest, FirstExceptionAfterAllJoined) {
  const std::size_t threads = GetParam();
  std::atomic<int> finished{0};
  try {
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      for (std::size_t t = 0; t < threads; ++t) {
        s.spawn([&, t] {
          std::this_thread::sleep_for(std::chrono::milliseconds(2 * static_cast<int>(t)));
          finished += 1;
          if (t == 0)
            throw std::overflow_error("thread 0");
        });
      }
    });
    FAIL() << "no exception";
  } catch (const std::overflow_error& e) {
    EXPECT_EQ(std::string(e.what()), "thread 0");
  }
  EXPECT_EQ(finished.load(), static_cast<int>(threads))
      << "every thread finished before the rethrow";
  // An exception from the body itself also waits for the threads.
  std::atomic<bool> done{false};
  EXPECT_THROW(hypar::thread_scope([&](hypar::ThreadScope& s) {
                 s.spawn([&] {
                   std::this_thread::sleep_for(std::chrono::milliseconds(5));
                   done = true;
                 });
                 throw std::invalid_argument("body");
               }),
               std::invalid_argument);
  EXPECT_TRUE(done.load());
}

}  // namespace
