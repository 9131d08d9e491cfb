#pragma once
// The one way hypar's tests vary the thread count (oneTBB's tests have one concurrency_range()
// for the same reason): a value-parameterised fixture instantiated once per count.
//
//   class SumTest : public hypar::testing::ThreadCountTest {};
//   TEST_P(SumTest, MatchesSequential) {
//     on_pool([] { ... });                      // runs on a pool of thread_count() workers
//   }
//   HYPAR_INSTANTIATE_THREAD_COUNTS(SumTest);   // -> Threads/SumTest.MatchesSequential/1threads
//
// A test that compares results *across* thread counts (determinism) loops over thread_counts()
// inside one TEST instead; the counts are the same.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <hypar/core/pool.hpp>
#include <string>
#include <utility>
#include <vector>

namespace hypar::testing {

/// The thread counts a concurrency test runs at: 1 to 4 (oversubscribing a 2-core machine on
/// purpose, which shakes out races), or 1 to HYPAR_TEST_MAX_THREADS when that is set.
inline std::vector<std::size_t> thread_counts() {
  std::size_t max = 4;
  if (const char* env = std::getenv("HYPAR_TEST_MAX_THREADS")) {
    const long value = std::strtol(env, nullptr, 10);
    if (value > 0)
      max = static_cast<std::size_t>(value);
  }
  std::vector<std::size_t> counts;
  for (std::size_t t = 1; t <= max; ++t)
    counts.push_back(t);
  return counts;
}

/// The thread counts of the exhaustive checks (every sort on every input shape and size): those of
/// thread_counts(), except under the sanitizers, where such a test runs at -O0 and 10-40 times
/// slower. There it runs at 1 thread (the sequential paths) and 3 (the parallel ones, with an odd
/// count that oversubscribes two cores); the release run covers 2 and 4.
inline std::vector<std::size_t> exhaustive_thread_counts() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  std::vector<std::size_t> counts;
  for (std::size_t t : thread_counts())
    if (t == 1 || t == 3)
      counts.push_back(t);
  return counts.empty() ? thread_counts() : counts;
#else
  return thread_counts();
#endif
}

/// A value-parameterised fixture whose parameter is a thread count.
class ThreadCountTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  /// This instance's thread count.
  std::size_t thread_count() const { return GetParam(); }
  /// A fresh pool of thread_count() workers.
  hypar::ThreadPool make_pool() const {
    return hypar::ThreadPoolBuilder().num_threads(thread_count()).build();
  }
  /// Runs `f` on a fresh pool of thread_count() workers (every parallel operation inside uses it)
  /// and returns its result.
  template <class F>
  decltype(auto) on_pool(F&& f) const {
    auto pool = make_pool();
    return pool.install(std::forward<F>(f));
  }
};

/// Names the instances "1threads", "2threads", ... as Taskflow's tests do.
struct ThreadCountName {
  std::string operator()(const ::testing::TestParamInfo<std::size_t>& info) const {
    return std::to_string(info.param) + "threads";
  }
};

}  // namespace hypar::testing

/// Instantiates every TEST_P of `fixture` (a ThreadCountTest) once per thread_counts() entry.
#define HYPAR_INSTANTIATE_THREAD_COUNTS(fixture)                                   \
  INSTANTIATE_TEST_SUITE_P(Threads, fixture,                                       \
                           ::testing::ValuesIn(::hypar::testing::thread_counts()), \
                           ::hypar::testing::ThreadCountName{})

/// As HYPAR_INSTANTIATE_THREAD_COUNTS, at exhaustive_thread_counts().
#define HYPAR_INSTANTIATE_EXHAUSTIVE_THREAD_COUNTS(fixture)                                   \
  INSTANTIATE_TEST_SUITE_P(Threads, fixture,                                                  \
                           ::testing::ValuesIn(::hypar::testing::exhaustive_thread_counts()), \
                           ::hypar::testing::ThreadCountName{})
