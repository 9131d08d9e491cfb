// The sources of parallel iterators (par_range of every integral type, par_iter(_mut),
// into_par_iter, par_chunks(_mut)) against sequential references, at 1 to 4 threads.
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

class SourcesTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(SourcesTest);

TEST_P(SourcesTest, ParRangeAnyIntegralType) {
  on_pool([] {
    EXPECT_EQ(hypar::par_range(std::int8_t{-128}, std::int8_t{127})
                  .map([](std::int8_t x) { return int{x}; })
                  .sum(),
              -128 * 255 + 254 * 255 / 2);
    static_assert(
        std::is_same_v<decltype(hypar::par_range(std::int8_t{0}, std::int8_t{1}))::item_type,
                       std::int8_t>);
    const std::uint64_t big = std::uint64_t{1} << 40;
    EXPECT_EQ(hypar::par_range(big, big + 1000).count(), 1000u);
    EXPECT_EQ(*hypar::par_range(big, big + 1000).max(), big + 999);
    EXPECT_EQ(hypar::par_range(5, 3).count(), 0u) << "last < first is empty";
    EXPECT_EQ(hypar::par_range(-50, 50).sum(), -50);
    std::vector<int> seen(1000, 0);
    hypar::par_range(std::size_t{0}, std::size_t{1000}).for_each([&](std::size_t i) {
      seen[i] += 1;
    });
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
  });
}

TEST_P(SourcesTest, ChunksAndMutation) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
        SCOPED_TRACE(n * 10000 + chunk);
        const auto d = random_ints(n, 13);
        auto sums = hypar::par_chunks(d, chunk)
                        .map([](std::span<const std::int64_t> c) {
                          return std::accumulate(c.begin(), c.end(), std::int64_t{0});
                        })
                        .collect();
        std::vector<std::int64_t> expect;
        for (std::size_t i = 0; i < n; i += chunk) {
          expect.push_back(std::accumulate(
              d.begin() + static_cast<std::ptrdiff_t>(i),
              d.begin() + static_cast<std::ptrdiff_t>(std::min(n, i + chunk)), std::int64_t{0}));
        }
        EXPECT_EQ(sums, expect);
        auto m = d;
        hypar::par_chunks_mut(m, chunk).for_each([](std::span<std::int64_t> c) {
          for (auto& x : c)
            x = -x;
        });
        auto expect_m = d;
        for (auto& x : expect_m)
          x = -x;
        EXPECT_EQ(m, expect_m);
        hypar::par_iter_mut(std::span(m))
            .enumerate()
            .for_each([](std::pair<std::size_t, std::int64_t&> p) {
              p.second += static_cast<std::int64_t>(p.first);
            });
        for (std::size_t i = 0; i < n; ++i)
          EXPECT_EQ(m[i], expect_m[i] + static_cast<std::int64_t>(i));
      }
    }
    EXPECT_THROW(hypar::par_chunks(std::vector<int>{1}, 0), hypar::Error);
  });
}

TEST_P(SourcesTest, IntoParIterMovesOut) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      if (n > 5000)
        continue;
      std::vector<std::unique_ptr<std::size_t>> v;
      for (std::size_t i = 0; i < n; ++i)
        v.push_back(std::make_unique<std::size_t>(i));
      auto out = hypar::into_par_iter(std::move(v))
                     .filter([](const auto& p) { return *p % 2 == 0; })
                     .collect();
      ASSERT_EQ(out.size(), (n + 1) / 2);
      for (std::size_t i = 0; i < out.size(); ++i)
        EXPECT_EQ(*out[i], 2 * i);
      std::vector<std::string> s(n, "xy");
      EXPECT_EQ(
          hypar::into_par_iter(std::move(s)).map([](std::string x) { return x.size(); }).sum(),
          2 * n);
    }
  });
}

TEST_P(SourcesTest, TemporaryRangesAreKeptAlive) {
  on_pool([] {
    auto it = hypar::par_iter(std::vector<int>(1000, 2)).map([](int x) { return x * 3; });
    EXPECT_EQ(it.sum(), 6000);
    EXPECT_EQ(it.count(), 1000u);
    std::vector<int> v(100, 1);
    EXPECT_EQ(hypar::par_iter(std::span(v)).sum(), 100);
    static_assert(std::is_same_v<decltype(hypar::par_iter(std::span(v)))::item_type, const int&>);
    static_assert(std::is_same_v<decltype(hypar::par_iter_mut(v))::item_type, int&>);
  });
}

}  // namespace
