// Default thread counts: environment variables first, then the affinity mask.
#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>

#include <hypar/core/error.hpp>
#include <hypar/core/threads.hpp>
#include <optional>
#include <string>

#include "scoped_env.hpp"

namespace {

using hypar::testing::ScopedEnv;

std::size_t affinity_count_reference() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  return static_cast<std::size_t>(CPU_COUNT(&set));
}

TEST(Topology, AvailableCpusIsTheAffinityMask) {
  EXPECT_EQ(hypar::available_cpus(), affinity_count_reference());
}

TEST(Topology, AvailableCpusFollowsANarrowedMask) {
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
  int first = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) {
      first = cpu;
      break;
    }
  }
  ASSERT_GE(first, 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const std::size_t seen = hypar::available_cpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof original, &original), 0);
  EXPECT_EQ(seen, 1u);
}

TEST(Topology, HyparNumThreadsWinsOverOmpNumThreads) {
  ScopedEnv hypar_env("HYPAR_NUM_THREADS", "3");
  ScopedEnv omp_env("OMP_NUM_THREADS", "5");
  EXPECT_EQ(hypar::default_num_threads(), 3u);
}

TEST(Topology, OmpNumThreadsTakesTheFirstListEntry) {
  ScopedEnv hypar_env("HYPAR_NUM_THREADS", nullptr);
  ScopedEnv omp_env("OMP_NUM_THREADS", "6,2");
  EXPECT_EQ(hypar::default_num_threads(), 6u);
}

TEST(Topology, ZeroOrEmptyMeansDefault) {
  ScopedEnv hypar_env("HYPAR_NUM_THREADS", "0");
  ScopedEnv omp_env("OMP_NUM_THREADS", "");
  EXPECT_EQ(hypar::default_num_threads(), affinity_count_reference());
}

TEST(Topology, MalformedValueIsAClearError) {
  ScopedEnv hypar_env("HYPAR_NUM_THREADS", "four");
  try {
    (void)hypar::default_num_threads();
    FAIL() << "expected hypar::Error";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find("HYPAR_NUM_THREADS='four'"), std::string::npos)
        << e.what();
  }
}

TEST(Topology, ParseRejectsTrailingGarbageAndNegatives) {
  EXPECT_THROW(hypar::detail::parse_thread_count("X", "4x"), hypar::Error);
  EXPECT_THROW(hypar::detail::parse_thread_count("X", "-2"), hypar::Error);
  EXPECT_EQ(hypar::detail::parse_thread_count("X", " 7 "), std::optional<std::size_t>(7));
  EXPECT_EQ(hypar::detail::parse_thread_count("X", ""), std::nullopt);
}

}  // namespace
