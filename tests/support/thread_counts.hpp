#pragma once
// Runs a test body at several thread counts, the way every concurrency test in hypar does.
//
//   class SumTest : public hypar::testing::ThreadCountTest {};
//   TEST_P(SumTest, MatchesSequential) { const std::size_t threads = GetParam(); ... }
//   HYPAR_INSTANTIATE_THREAD_COUNTS(SumTest);   // -> Threads/SumTest.MatchesSequential/1threads
//   ...
//
// or, inside one TEST, `for (std::size_t t : hypar::testing::thread_counts()) { SCOPED_TRACE(t);
// }`.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <string>
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

/// A value-parameterised fixture whose parameter is a thread count.
class ThreadCountTest : public ::testing::TestWithParam<std::size_t> {};

/// Names the instances "1threads", "2threads", ... as Taskflow's tests do.
struct ThreadCountName {
  std::string operator()(const ::testing::TestParamInfo<std::size_t>& info) const {
    return std::to_string(info.param) + "threads";
  }
};

}  // namespace hypar::testing

#define HYPAR_INSTANTIATE_THREAD_COUNTS(fixture)                                   \
  INSTANTIATE_TEST_SUITE_P(Threads, fixture,                                       \
                           ::testing::ValuesIn(::hypar::testing::thread_counts()), \
                           ::hypar::testing::ThreadCountName{})
