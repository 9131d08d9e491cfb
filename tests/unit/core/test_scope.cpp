// hypar::scope: spawned tasks all finish before scope returns, nest, borrow locals, and the
// first exception comes back with its type.
#include <gtest/gtest.h>

#include <atomic>
#include <hypar/core/scope.hpp>
#include <hypar/par.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "thread_counts.hpp"

namespace {

class ScopeTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(ScopeTest);

// A binary tree of spawns: every node adds its index once.
void spawn_tree(hypar::Scope& s, std::vector<std::atomic<int>>& hits, std::size_t node) {
  if (node >= hits.size())
    return;
  hits[node].fetch_add(1);
  s.spawn([&hits, node](hypar::Scope& inner) { spawn_tree(inner, hits, 2 * node + 1); });
  s.spawn([&hits, node](hypar::Scope& inner) { spawn_tree(inner, hits, 2 * node + 2); });
}

TEST_P(ScopeTest, EverySpawnRunsOnceBeforeReturn) {
  auto pool = make_pool();
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{1000}, std::size_t{20001}}) {
    std::vector<std::atomic<int>> hits(n);
    const int result = pool.install([&] {
      return hypar::scope([&](hypar::Scope& s) {
        spawn_tree(s, hits, 0);
        return 42;
      });
    });
    EXPECT_EQ(result, 42);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(hits[i].load(), 1) << i;
  }
}

TEST_P(ScopeTest, BorrowsLocalsAndNestsWithJoinAndIterators) {
  auto pool = make_pool();
  pool.install([] {
    std::vector<long> out(64, 0);
    hypar::scope([&](hypar::Scope& s) {
      for (std::size_t i = 0; i < out.size(); ++i) {
        s.spawn([&out, i](hypar::Scope&) {
          auto [a, b] =
              hypar::join([i] { return hypar::par_range(0L, static_cast<long>(i) * 100).sum(); },
                          [i] { return static_cast<long>(i); });
          out[i] = a + b;
        });
      }
    });
    for (std::size_t i = 0; i < out.size(); ++i) {
      const long m = static_cast<long>(i) * 100;
      EXPECT_EQ(out[i], m * (m - 1) / 2 + static_cast<long>(i));
    }
    // join inside scope inside join.
    auto [x, y] = hypar::join(
        [] {
          std::atomic<int> count{0};
          hypar::scope([&](hypar::Scope& s) {
            for (int i = 0; i < 10; ++i)
              s.spawn([&](hypar::Scope&) { count += 1; });
          });
          return count.load();
        },
        [] { return 5; });
    EXPECT_EQ(x, 10);
    EXPECT_EQ(y, 5);
  });
}

TEST_P(ScopeTest, FirstExceptionRethrownAfterAllEnded) {
  auto pool = make_pool();
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  for (int round = 0; round < 30; ++round) {
    const int bad = static_cast<int>(rng() % 200);
    std::atomic<int> running{0};
    try {
      pool.install([&] {
        hypar::scope([&](hypar::Scope& s) {
          for (int i = 0; i < 200; ++i) {
            s.spawn([&, i](hypar::Scope&) {
              running += 1;
              volatile double sink = 0;
              for (int k = 0; k < 1000; ++k)
                sink = sink + k;
              running -= 1;
              if (i == bad)
                throw std::logic_error("spawn " + std::to_string(i));
            });
          }
        });
      });
      FAIL() << "no exception";
    } catch (const std::logic_error& e) {
      EXPECT_EQ(std::string(e.what()), "spawn " + std::to_string(bad));
    }
    EXPECT_EQ(running.load(), 0);
  }
  EXPECT_THROW(hypar::scope([](hypar::Scope&) { throw std::bad_alloc(); }), std::bad_alloc);
  EXPECT_EQ(pool.install([] { return hypar::scope([](hypar::Scope&) { return 1; }); }), 1);
}

}  // namespace
