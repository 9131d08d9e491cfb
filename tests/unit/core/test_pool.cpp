// Thread pools, current_num_threads and join: sizes and stack sizes honoured, results and
// exceptions returned, nesting without deadlock.
#include <gtest/gtest.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <hypar/core/join.hpp>
#include <hypar/core/pool.hpp>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scoped_env.hpp"
#include "thread_counts.hpp"

namespace {

using hypar::testing::ScopedEnv;

class PoolTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(PoolTest);

hypar::ThreadPool pool_of(std::size_t threads) {
  return hypar::ThreadPoolBuilder().num_threads(threads).build();
}

std::size_t thread_stack_size() {
  pthread_attr_t attr;
  EXPECT_EQ(pthread_getattr_np(pthread_self(), &attr), 0);
  std::size_t size = 0;
  pthread_attr_getstacksize(&attr, &size);
  pthread_attr_destroy(&attr);
  return size;
}

// Recursion that really uses `depth` KiB of stack (the buffer is written and read back).
std::size_t deep(std::size_t depth) {
  volatile char buffer[1024];
  for (std::size_t i = 0; i < sizeof(buffer); i += 64)
    buffer[i] = static_cast<char>(depth + i);
  if (depth == 0)
    return buffer[0];
  return deep(depth - 1) + static_cast<std::size_t>(buffer[64]);
}

TEST_P(PoolTest, InstallRunsOnPoolSizedTeams) {
  const std::size_t threads = GetParam();
  auto pool = make_pool();
  EXPECT_EQ(pool.num_threads(), threads);
  const auto caller = std::this_thread::get_id();
  pool.install([&] {
    EXPECT_NE(std::this_thread::get_id(), caller) << "install must not run on the caller";
    EXPECT_EQ(hypar::current_num_threads(), threads);
    std::mutex m;
    std::set<std::thread::id> ids;
    int team = 0;
#pragma omp parallel
    {
      {
        std::lock_guard lock(m);
        ids.insert(std::this_thread::get_id());
      }
#pragma omp master
      team = omp_get_num_threads();
    }
    EXPECT_EQ(static_cast<std::size_t>(team), threads);
    EXPECT_EQ(ids.size(), threads);
  });
}

TEST_P(PoolTest, CurrentNumThreadsInsideJoinIsTheTeamSize) {
  const std::size_t threads = GetParam();
  auto pool = make_pool();
  auto [a, b] = pool.install([] {
    return hypar::join([] { return hypar::current_num_threads(); },
                       [] { return hypar::current_num_threads(); });
  });
  EXPECT_EQ(a, threads);
  EXPECT_EQ(b, threads);
}

TEST_P(PoolTest, InstallReturnsValuesAndReferences) {
  auto pool = make_pool();
  EXPECT_EQ(pool.install([] { return std::string("result"); }), "result");
  int x = 5;
  int& ref = pool.install([&]() -> int& { return x; });
  EXPECT_EQ(&ref, &x);
  bool ran = false;
  pool.install([&] { ran = true; });
  EXPECT_TRUE(ran);
  // install inside install of the same pool runs inline.
  EXPECT_EQ(pool.install([&] { return pool.install([] { return 7; }); }), 7);
}

TEST_P(PoolTest, InstallFromInsideThePoolsOwnTeamRunsInline) {
  auto pool = make_pool();
  std::atomic<int> total{0};
  pool.install([&] {
    hypar::join([&] { total += pool.install([] { return 1; }); },
                [&] {
                  total +=
                      pool.install([] { return static_cast<int>(hypar::current_num_threads()); });
                });
  });
  EXPECT_EQ(total.load(), 1 + static_cast<int>(GetParam()));
}

TEST_P(PoolTest, InstallPropagatesExceptionsWithTheirType) {
  auto pool = make_pool();
  EXPECT_THROW(pool.install([]() -> int { throw std::out_of_range("x"); }), std::out_of_range);
  EXPECT_THROW(pool.install([] { throw 42; }), int);
  EXPECT_EQ(pool.install([] { return 1; }), 1) << "the pool stays usable";
}

TEST_P(PoolTest, StackSizeHonouredOnEveryWorker) {
  const std::size_t threads = GetParam();
  const std::size_t stack = std::size_t{64} << 20;  // far above the 8 MiB default
  auto pool = hypar::ThreadPoolBuilder().num_threads(threads).stack_size(stack).build();
  EXPECT_EQ(pool.stack_size(), stack);
  std::vector<std::size_t> sizes(threads, 0);
  std::vector<std::size_t> results(threads, 0);
  pool.install([&] {
#pragma omp parallel
    {
      const int t = omp_get_thread_num();
      sizes[static_cast<std::size_t>(t)] = thread_stack_size();
      // 32 MiB of recursion: overflows a default-sized stack.
      results[static_cast<std::size_t>(t)] = deep(32 * 1024);
    }
  });
  for (std::size_t t = 0; t < threads; ++t) {
    EXPECT_GE(sizes[t], stack - (std::size_t{64} << 10)) << "thread " << t;
    EXPECT_EQ(results[t], results[0]) << "thread " << t;
  }
  // Parallel operations (join) inside install use the same workers.
  auto [a, b] = pool.install([] {
    return hypar::join([] { return thread_stack_size(); }, [] { return thread_stack_size(); });
  });
  EXPECT_GE(a, stack - (std::size_t{64} << 10));
  EXPECT_GE(b, stack - (std::size_t{64} << 10));
}

TEST(ThreadPoolBuilder, Errors) {
  EXPECT_THROW(hypar::ThreadPoolBuilder().stack_size(1024).build(), hypar::Error);
  EXPECT_THROW(hypar::ThreadPoolBuilder().stack_size(0).build(), hypar::Error);
  {
    ScopedEnv env("OMP_STACKSIZE", "4M");
    EXPECT_THROW(hypar::ThreadPoolBuilder().num_threads(2).stack_size(16 << 20).build(),
                 hypar::Error);
    // The same size is fine.
    EXPECT_NO_THROW(hypar::ThreadPoolBuilder().num_threads(2).stack_size(4 << 20).build());
  }
  {
    ScopedEnv env("GOMP_STACKSIZE", "2048");
    EXPECT_THROW(hypar::ThreadPoolBuilder().num_threads(2).stack_size(16 << 20).build(),
                 hypar::Error);
  }
  try {
    hypar::ThreadPoolBuilder().stack_size(100).build();
    FAIL() << "no exception";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find("minimum"), std::string::npos) << e.what();
  }
}

TEST(ThreadPoolBuilder, ZeroMeansDefault) {
  auto pool = hypar::ThreadPoolBuilder().num_threads(0).build();
  EXPECT_EQ(pool.num_threads(), hypar::default_num_threads());
}

TEST(ThreadPool, MovedAndDestroyedCleanly) {
  for (int i = 0; i < 20; ++i) {
    auto pool = pool_of(1 + static_cast<std::size_t>(i % 4));
    hypar::ThreadPool moved(std::move(pool));
    EXPECT_EQ(moved.install([] { return hypar::current_num_threads(); }),
              1 + static_cast<std::size_t>(i % 4));
  }
}

TEST_P(PoolTest, JoinReturnsBothResults) {
  auto pool = make_pool();
  pool.install([] {
    auto [a, b] = hypar::join([] { return 1; }, [] { return std::string("two"); });
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, "two");
    int side = 0;
    auto [u, v] = hypar::join([&] { side += 1; }, [] { return 3.5; });
    EXPECT_EQ(u, hypar::Unit{});
    EXPECT_EQ(v, 3.5);
    EXPECT_EQ(side, 1);
  });
}

// Recursive fork-join (parallel Fibonacci) against the sequential value: nested joins become
// tasks of the same team.
long fib(int n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
long par_fib(int n) {
  if (n < 12)
    return fib(n);
  auto [a, b] = hypar::join([n] { return par_fib(n - 1); }, [n] { return par_fib(n - 2); });
  return a + b;
}

TEST_P(PoolTest, NestedJoin) {
  auto pool = make_pool();
  EXPECT_EQ(pool.install([] { return par_fib(24); }), fib(24));
  EXPECT_EQ(par_fib(20), fib(20)) << "outside any pool too";
}

TEST_P(PoolTest, JoinRethrowsFirstExceptionAfterBothEnded) {
  auto pool = make_pool();
  std::mt19937 rng(GetParam());
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> running{0};
    const int which = static_cast<int>(rng() % 3);
    const unsigned delays[2] = {static_cast<unsigned>(rng() % 50),
                                static_cast<unsigned>(rng() % 50)};
    auto body = [&](int me) {
      running.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(delays[me]));
      running.fetch_sub(1);
      if (which == me || which == 2)
        throw std::invalid_argument(std::to_string(me));
      return me;
    };
    try {
      pool.install([&] { hypar::join([&] { return body(0); }, [&] { return body(1); }); });
      FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
      if (which != 2) {
        EXPECT_EQ(std::string(e.what()), std::to_string(which));
      }
    }
    EXPECT_EQ(running.load(), 0) << "a piece was still running";
  }
  EXPECT_EQ(pool.install([] { return par_fib(16); }), fib(16));
}

}  // namespace
