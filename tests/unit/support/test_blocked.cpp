// tests/support/blocked.hpp: BlockWatch tells a thread asleep in a blocking call from one that
// runs, has already returned, or never got there.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "blocked.hpp"

namespace {

TEST(BlockWatch, SeesAThreadAsleepInAConditionVariable) {
  std::mutex m;
  std::condition_variable cv;
  bool go = false;
  hypar::testing::BlockWatch watch(1);
  std::thread t([&] {
    std::unique_lock lock(m);
    watch.announce(0);
    cv.wait(lock, [&] { return go; });  // glibc's condition variables sleep in futex(2)
  });
  EXPECT_TRUE(watch.all_blocked());
  {
    std::lock_guard lock(m);
    go = true;
  }
  cv.notify_one();
  t.join();
}

TEST(BlockWatch, ARunningThreadIsNotBlocked) {
  std::atomic<bool> stop{false};
  hypar::testing::BlockWatch watch(1);
  std::thread t([&] {
    watch.announce(0);
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  EXPECT_FALSE(watch.all_blocked(std::chrono::milliseconds(300)));
  stop = true;
  t.join();
}

TEST(BlockWatch, AThreadThatReturnedIsNotBlocked) {
  hypar::testing::BlockWatch watch(1);
  std::thread t([&] { watch.announce(0); });
  t.join();
  EXPECT_FALSE(watch.all_blocked(std::chrono::milliseconds(100)));
}

TEST(BlockWatch, AThreadThatNeverAnnouncedIsNotBlocked) {
  hypar::testing::BlockWatch watch(2);
  std::thread t([&] { watch.announce(0); });
  t.join();
  EXPECT_FALSE(watch.all_blocked(std::chrono::milliseconds(100)));
}

TEST(BlockWatch, ReadsTheStateOfTheCallingThread) {
  // The calling thread is running (it reads its own state): 'R', in no system call that sleeps.
  const auto s = hypar::testing::thread_state(hypar::testing::current_tid());
  EXPECT_EQ(s.state, 'R');
  EXPECT_FALSE(hypar::testing::blocked_in_futex(hypar::testing::current_tid()));
}

}  // namespace
