// Adaptors and terminals of hypar::ParIter against sequential references, on random inputs of
// many sizes, at 1 to 4 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hypar/par.hpp>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "par_inputs.hpp"
#include "thread_counts.hpp"

namespace {

using hypar::testing::kSizes;
using hypar::testing::random_doubles;
using hypar::testing::random_ints;

class IterTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(IterTest);

TEST_P(IterTest, MapSumMatchesSequential) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      const auto v = random_ints(n, static_cast<std::uint32_t>(n));
      std::int64_t expect = 0;
      for (auto x : v)
        expect += 3 * x - 1;
      EXPECT_EQ(hypar::par_iter(v).map([](std::int64_t x) { return 3 * x - 1; }).sum(), expect);
      EXPECT_EQ(hypar::par_iter(v).sum(), std::accumulate(v.begin(), v.end(), std::int64_t{0}));
      const auto d = random_doubles(n, static_cast<std::uint32_t>(n + 1));
      double abs_sum = 0;
      double seq = 0;
      for (double x : d) {
        seq += x;
        abs_sum += std::abs(x);
      }
      EXPECT_NEAR(hypar::par_iter(d).sum(), seq, 1e-12 * abs_sum + 1e-300);
      static_assert(std::is_same_v<decltype(hypar::par_iter(d).sum()), double>);
    }
  });
}

TEST_P(IterTest, FilterCollectKeepsOrder) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      const auto v = random_ints(n, 7 + static_cast<std::uint32_t>(n));
      std::vector<std::int64_t> expect;
      for (auto x : v) {
        if (x % 3 == 0)
          expect.push_back(x * 2);
      }
      auto got = hypar::par_iter(v)
                     .filter([](std::int64_t x) { return x % 3 == 0; })
                     .map([](std::int64_t x) { return x * 2; })
                     .collect();
      EXPECT_EQ(got, expect);
      // Indexed collect, and collect into another element type.
      auto same = hypar::par_iter(v).collect<std::vector<std::int64_t>>();
      EXPECT_EQ(same, v);
      std::vector<double> as_double(n + 5, -7.0);  // old contents and size are replaced
      hypar::par_iter(v).collect_into(as_double);
      ASSERT_EQ(as_double.size(), v.size());
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(as_double[i], static_cast<double>(v[i]));
      EXPECT_EQ(hypar::par_iter(v).filter([](std::int64_t x) { return x % 3 == 0; }).count(),
                expect.size());
      std::vector<std::int64_t> filtered(3, 99);
      hypar::par_iter(v)
          .filter([](std::int64_t x) { return x % 3 == 0; })
          .map([](std::int64_t x) { return x * 2; })
          .collect_into(filtered);
      EXPECT_EQ(filtered, expect);
      std::vector<std::int64_t> shrink(n / 2, 1);
      hypar::par_iter(v).collect_into(shrink);
      EXPECT_EQ(shrink, v);
    }
  });
}

TEST_P(IterTest, EnumerateAndZip) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      const auto a = random_ints(n, 11);
      const auto b = random_doubles(n / 2 + 1, 12);
      auto e = hypar::par_iter(a).enumerate().collect();
      static_assert(std::is_same_v<decltype(e)::value_type, std::pair<std::size_t, std::int64_t>>);
      ASSERT_EQ(e.size(), n);
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_EQ(e[i].first, i);
        EXPECT_EQ(e[i].second, a[i]);
      }
      auto z = hypar::par_iter(a)
                   .zip(hypar::par_iter(b))
                   .map([](const auto& p) { return static_cast<double>(p.first) * p.second; })
                   .collect();
      const std::size_t m = std::min(a.size(), b.size());
      ASSERT_EQ(z.size(), m);
      for (std::size_t i = 0; i < m; ++i)
        EXPECT_EQ(z[i], static_cast<double>(a[i]) * b[i]);
      // enumerate after map, zip of a range: positions stay global.
      auto weighted = hypar::par_iter(a)
                          .map([](std::int64_t x) { return x + 1; })
                          .enumerate()
                          .zip(hypar::par_range(std::size_t{0}, n))
                          .all([](const auto& p) { return p.first.first == p.second; });
      EXPECT_TRUE(weighted);
    }
  });
}

struct Keyed {
  int key;
  std::size_t id;
  bool operator<(const Keyed& o) const { return key < o.key; }
};

TEST_P(IterTest, MinMaxWithTies) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      std::mt19937 rng(static_cast<std::uint32_t>(n));
      std::vector<Keyed> v(n);
      for (std::size_t i = 0; i < n; ++i)
        v[i] = {static_cast<int>(rng() % 10), i};
      auto mn = hypar::par_iter(v).min();
      auto mx = hypar::par_iter(v).max();
      static_assert(std::is_same_v<decltype(mn), std::optional<Keyed>>);
      if (n == 0) {
        EXPECT_FALSE(mn);
        EXPECT_FALSE(mx);
        continue;
      }
      const auto expect_min = std::min_element(v.begin(), v.end());  // first of equal minima
      auto expect_max = v.begin();                                   // last of equal maxima
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!(*it < *expect_max))
          expect_max = it;
      }
      EXPECT_EQ(mn->id, expect_min->id);
      EXPECT_EQ(mx->id, expect_max->id);
    }
  });
}

TEST_P(IterTest, ReduceKeepsOrderOfANonCommutativeOp) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      if (n > 5000)
        continue;
      SCOPED_TRACE(n);
      std::string expect;
      for (std::size_t i = 0; i < n; ++i)
        expect += static_cast<char>('a' + i % 26);
      auto got =
          hypar::par_range(std::size_t{0}, n)
              .map([](std::size_t i) { return std::string(1, static_cast<char>('a' + i % 26)); })
              .reduce([] { return std::string(); },
                      [](std::string x, const std::string& y) { return x + y; });
      EXPECT_EQ(got, expect);
      const auto v = random_ints(n, 3);
      EXPECT_EQ(hypar::par_iter(v).reduce([] { return std::int64_t{0}; }, std::plus<>()),
                std::accumulate(v.begin(), v.end(), std::int64_t{0}));
    }
  });
}

TEST_P(IterTest, FoldSemantics) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      const auto v = random_ints(n, 5);
      // Concatenating per-split vectors gives the input back: splits are contiguous and ordered.
      auto pieces = hypar::par_iter(v)
                        .fold([] { return std::vector<std::int64_t>(); },
                              [](std::vector<std::int64_t> acc, std::int64_t x) {
                                acc.push_back(x);
                                return acc;
                              })
                        .collect();
      std::vector<std::int64_t> joined;
      for (const auto& p : pieces) {
        EXPECT_FALSE(p.empty()) << "no accumulator for an empty split";
        joined.insert(joined.end(), p.begin(), p.end());
      }
      EXPECT_EQ(joined, v);
      if (n == 0) {
        EXPECT_TRUE(pieces.empty());
      }
      // with_min_len bounds the splits.
      const std::size_t min_len = 100;
      auto counts = hypar::par_iter(v)
                        .with_min_len(min_len)
                        .fold([] { return std::size_t{0}; },
                              [](std::size_t c, std::int64_t) { return c + 1; })
                        .collect();
      std::size_t total = 0;
      for (auto c : counts) {
        EXPECT_GE(c, std::min(min_len, n));
        total += c;
      }
      EXPECT_EQ(total, n);
      // fold then reduce / sum, as in the seed.
      std::int64_t expect = std::accumulate(v.begin(), v.end(), std::int64_t{0});
      EXPECT_EQ(hypar::par_iter(v)
                    .fold([] { return std::int64_t{0}; },
                          [](std::int64_t a, std::int64_t x) { return a + x; })
                    .reduce([] { return std::int64_t{0}; }, std::plus<>()),
                expect);
      EXPECT_EQ(hypar::par_iter(v)
                    .fold([] { return std::int64_t{0}; },
                          [](std::int64_t a, std::int64_t x) { return a + x; })
                    .sum(),
                expect);
      // filter before fold: an accumulator per non-empty split, even if every item is dropped.
      auto none = hypar::par_iter(v)
                      .filter([](std::int64_t) { return false; })
                      .fold([] { return 0; }, [](int a, std::int64_t) { return a + 1; })
                      .sum();
      EXPECT_EQ(none, 0);
    }
  });
}

TEST_P(IterTest, AnyAllFindAny) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      const auto v = random_ints(n, 9);
      auto big = [](std::int64_t x) { return x > 900000; };
      const bool expect_any = std::any_of(v.begin(), v.end(), big);
      EXPECT_EQ(hypar::par_iter(v).any(big), expect_any);
      EXPECT_EQ(hypar::par_iter(v).all([](std::int64_t x) { return x <= 900000; }), !expect_any);
      auto found = hypar::par_iter(v).find_any(big);
      EXPECT_EQ(found.has_value(), expect_any);
      if (found) {
        EXPECT_TRUE(big(*found));
        EXPECT_NE(std::find(v.begin(), v.end(), *found), v.end());
      }
      EXPECT_TRUE(hypar::par_iter(v).all([](std::int64_t x) { return x >= -1000000; }));
    }
  });
}

TEST_P(IterTest, ShortCircuitStopsEarly) {
  // Once the target is found, the other splits stop within a few items: the items visited after
  // the find are few, however the threads were scheduled before it.
  on_pool([] {
    const std::size_t n = 4'000'000;
    for (std::size_t target : {std::size_t{10}, std::size_t{1000}, n / 2 + 3}) {
      std::atomic<std::size_t> visited{0};
      std::atomic<std::size_t> at_find{0};
      auto probe = [&](std::size_t i) {
        const std::size_t seen = visited.fetch_add(1, std::memory_order_relaxed) + 1;
        if (i != target)
          return false;
        at_find.store(seen);
        return true;
      };
      EXPECT_TRUE(hypar::par_range(std::size_t{0}, n).any(probe));
      EXPECT_LT(visited.load() - at_find.load(), n / 4) << "target " << target;
      EXPECT_LT(visited.load(), n) << "target " << target;
      visited = 0;
      EXPECT_EQ(hypar::par_range(std::size_t{0}, n).find_any(probe), target);
      EXPECT_LT(visited.load() - at_find.load(), n / 4);
      visited = 0;
      EXPECT_FALSE(
          hypar::par_range(std::size_t{0}, n).all([&](std::size_t i) { return !probe(i); }));
      EXPECT_LT(visited.load() - at_find.load(), n / 4);
    }
  });
}

struct CountingProgress {
  std::atomic<std::size_t> total{0};
  std::atomic<std::size_t> calls{0};
  void add(std::size_t n) {
    total += n;
    calls += 1;
  }
};

TEST_P(IterTest, WithProgressCountsEveryItem) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      CountingProgress p;
      auto out = hypar::par_range(std::size_t{0}, n)
                     .map([](std::size_t i) { return i * 2; })
                     .with_progress(p)
                     .collect();
      EXPECT_EQ(p.total.load(), n);
      EXPECT_GE(p.calls.load(), n / 1024);
      ASSERT_EQ(out.size(), n);
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(out[i], 2 * i);
    }
  });
}

TEST_P(IterTest, NestedForEach) {
  on_pool([] {
    const std::size_t outer = 64;
    std::vector<std::int64_t> sums(outer);
    hypar::par_range(std::size_t{0}, outer).for_each([&](std::size_t i) {
      sums[i] = hypar::par_range(std::int64_t{0}, static_cast<std::int64_t>(1000 * i))
                    .map([](std::int64_t x) { return x % 7; })
                    .sum();
      EXPECT_EQ(hypar::current_num_threads(), hypar::current_num_threads());
    });
    for (std::size_t i = 0; i < outer; ++i) {
      std::int64_t expect = 0;
      for (std::int64_t x = 0; x < static_cast<std::int64_t>(1000 * i); ++x)
        expect += x % 7;
      EXPECT_EQ(sums[i], expect);
    }
  });
}

TEST_P(IterTest, ExceptionsFromRandomItems) {
  const std::size_t threads = thread_count();
  auto pool = make_pool();
  std::mt19937 rng(static_cast<std::uint32_t>(threads));
  for (int round = 0; round < 40; ++round) {
    const std::size_t n = 1 + rng() % 100000;
    const std::size_t bad = rng() % n;
    std::atomic<int> in_flight{0};
    std::atomic<std::size_t> done{0};
    auto body = [&](std::size_t i) {
      in_flight.fetch_add(1);
      if (i == bad || (round % 3 == 0 && i % 9973 == 5)) {
        in_flight.fetch_sub(1);
        throw std::range_error("item " + std::to_string(i));
      }
      done.fetch_add(1, std::memory_order_relaxed);
      in_flight.fetch_sub(1);
      return i;
    };
    try {
      switch (round % 4) {
        case 0:
          pool.install([&] {
            hypar::par_range(std::size_t{0}, n).for_each([&](std::size_t i) { body(i); });
          });
          break;
        case 1:
          pool.install([&] { return hypar::par_range(std::size_t{0}, n).map(body).sum(); });
          break;
        case 2:
          pool.install([&] {
            return hypar::par_range(std::size_t{0}, n)
                .map(body)
                .filter([](std::size_t) { return true; })
                .collect();
          });
          break;
        default:
          pool.install(
              [&] { return hypar::par_range(std::size_t{0}, n).map(body).deterministic().sum(); });
          break;
      }
      FAIL() << "no exception, round " << round;
    } catch (const std::range_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("item ", 0), 0u);
    }
    EXPECT_EQ(in_flight.load(), 0) << "a piece was still running after the rethrow";
  }
  // The runtime is still usable.
  EXPECT_EQ(pool.install([] { return hypar::par_range(0, 1000).sum(); }), 499500);
  EXPECT_EQ(hypar::par_range(0, 1000).sum(), 499500);
}

TEST_P(IterTest, ExceptionsFromNestedOperations) {
  const std::size_t threads = thread_count();
  auto pool = make_pool();
  std::mt19937 rng(static_cast<std::uint32_t>(100 + threads));
  for (int round = 0; round < 20; ++round) {
    const std::size_t bad_outer = rng() % 64;
    const std::size_t bad_inner = rng() % 1000;
    std::atomic<int> in_flight{0};
    try {
      pool.install([&] {
        hypar::par_range(std::size_t{0}, std::size_t{64}).for_each([&](std::size_t i) {
          in_flight += 1;
          try {
            auto [s, unused] = hypar::join(
                [&] {
                  return hypar::par_range(std::size_t{0}, std::size_t{1000})
                      .map([&](std::size_t j) {
                        if (i == bad_outer && j == bad_inner)
                          throw std::domain_error("nested");
                        return j;
                      })
                      .sum();
                },
                [] { return 0; });
            (void)s;
            (void)unused;
          } catch (...) {
            in_flight -= 1;
            throw;
          }
          in_flight -= 1;
        });
      });
      FAIL() << "no exception";
    } catch (const std::domain_error& e) {
      EXPECT_EQ(std::string(e.what()), "nested");
    }
    EXPECT_EQ(in_flight.load(), 0);
  }
  EXPECT_EQ(pool.install([] { return hypar::par_range(0, 100).sum(); }), 4950);
}

}  // namespace
