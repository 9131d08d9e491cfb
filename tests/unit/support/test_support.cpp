// tests/support itself: ScopedEnv restores exactly what was there (an empty value, no variable),
// ThreadCountTest runs its body on a pool of the instance's thread count.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <hypar/core/pool.hpp>
#include <optional>
#include <string>

#include "scoped_env.hpp"
#include "thread_counts.hpp"

namespace {

using hypar::testing::ScopedEnv;

constexpr const char* kName = "HYPAR_TEST_SUPPORT_SCOPED_ENV";

std::optional<std::string> env() {
  const char* value = ::getenv(kName);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

TEST(ScopedEnv, SetsAndRemovesAVariableThatDidNotExist) {
  ::unsetenv(kName);
  {
    ScopedEnv e(kName, "7");
    EXPECT_EQ(env(), "7");
  }
  EXPECT_EQ(env(), std::nullopt);
}

TEST(ScopedEnv, UnsetsAndRestoresAnExistingVariable) {
  ::setenv(kName, "old", 1);
  {
    ScopedEnv e(kName, nullptr);
    EXPECT_EQ(env(), std::nullopt);
  }
  EXPECT_EQ(env(), "old");
  ::unsetenv(kName);
}

TEST(ScopedEnv, RestoresAnEmptyValueAsEmptyNotAsUnset) {
  ::setenv(kName, "", 1);
  {
    ScopedEnv e(kName, "3");
    EXPECT_EQ(env(), "3");
  }
  EXPECT_EQ(env(), "");
  ::unsetenv(kName);
}

TEST(ScopedEnv, NestedScopesUnwindInOrder) {
  ::unsetenv(kName);
  {
    ScopedEnv outer(kName, "a");
    {
      ScopedEnv inner(kName, "b");
      EXPECT_EQ(env(), "b");
    }
    EXPECT_EQ(env(), "a");
  }
  EXPECT_EQ(env(), std::nullopt);
}

TEST(ScopedEnv, KeepsItsOwnCopyOfTheName) {
  // The name may come from a temporary buffer that is gone by the time the object is destroyed.
  ::unsetenv(kName);
  {
    char buffer[64];
    std::strcpy(buffer, kName);
    ScopedEnv e(buffer, "x");
    std::strcpy(buffer, "SOMETHING_ELSE");
  }
  EXPECT_EQ(env(), std::nullopt);
}

class SupportThreadCountTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(SupportThreadCountTest);

TEST_P(SupportThreadCountTest, OnPoolRunsOnAPoolOfTheInstancesThreadCount) {
  EXPECT_EQ(thread_count(), GetParam());
  EXPECT_EQ(on_pool([] { return hypar::current_num_threads(); }), GetParam());
  EXPECT_EQ(make_pool().num_threads(), GetParam());
  int side = 0;
  on_pool([&] { side = 1; });  // a void body
  EXPECT_EQ(side, 1);
}

TEST(ThreadCounts, OneToFourByDefault) {
  ScopedEnv unset("HYPAR_TEST_MAX_THREADS", nullptr);
  EXPECT_EQ(hypar::testing::thread_counts(), (std::vector<std::size_t>{1, 2, 3, 4}));
  ScopedEnv two("HYPAR_TEST_MAX_THREADS", "2");
  EXPECT_EQ(hypar::testing::thread_counts(), (std::vector<std::size_t>{1, 2}));
}

}  // namespace
