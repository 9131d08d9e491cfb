// The parallel paths of the sorts on inputs just above the parallel threshold (small enough for
// ThreadSanitizer): exceptions from comparators and key functions at random calls, the pool
// staying usable afterwards, the cached key computed exactly once per element, and sorts nested
// inside other parallel operations. 1 to 4 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <hypar/par.hpp>
#include <hypar/sort.hpp>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sort_test_support.hpp"
#include "thread_counts.hpp"

namespace {

using namespace sort_test;

class SortParallelTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(SortParallelTest);

constexpr std::size_t kN = kSanitized ? 40'000 : 120'000;

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

/// Sorted copies compare equal: `a` is a permutation of `b`.
template <class T, class Less>
bool is_permutation_of(std::vector<T> a, std::vector<T> b, Less less) {
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a == b;
}

TEST_P(SortParallelTest, ComparatorExceptionPropagatesAndNoElementIsLost) {
  on_pool([] {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 12; ++round) {
      SCOPED_TRACE(round);
      const Shape shape = round % 3 == 0 ? Shape::kDistinct16 : Shape::kUniform;
      const auto input = random_of<std::int64_t>(kN, shape, static_cast<std::uint64_t>(round));
      // Throw at a random call: early (sampling, presorted check), middle or late (buckets).
      const std::uint64_t limit = rng() % (kN * (round % 4 + 1) * 4);
      std::atomic<std::uint64_t> calls{0};
      auto cmp = [&](std::int64_t a, std::int64_t b) {
        if (calls.fetch_add(1, std::memory_order_relaxed) == limit)
          throw Boom();
        return a < b;
      };
      auto v = input;
      bool thrown = false;
      try {
        if (round % 2 == 0) {
          hypar::par_sort_by(v, cmp);
        } else {
          hypar::par_sort_unstable_by(v, cmp);
        }
      } catch (const Boom&) {
        thrown = true;
      }
      EXPECT_EQ(thrown, calls.load() > limit);
      EXPECT_TRUE(is_permutation_of(v, input, std::less<>()));
      // The pool still works.
      auto w = input;
      hypar::par_sort(w);
      EXPECT_TRUE(std::is_sorted(w.begin(), w.end()));
    }
  });
}

TEST_P(SortParallelTest, StringComparatorExceptionKeepsEveryElement) {
  on_pool([] {
    const auto input = random_of<std::string>(kN / 2, Shape::kUniform, 5);
    for (std::uint64_t limit : {std::uint64_t{10}, std::uint64_t{kN / 2}, std::uint64_t{kN * 3}}) {
      std::atomic<std::uint64_t> calls{0};
      auto v = input;
      EXPECT_THROW(hypar::par_sort_by(v,
                                      [&](const std::string& a, const std::string& b) {
                                        if (calls.fetch_add(1, std::memory_order_relaxed) == limit)
                                          throw Boom();
                                        return a < b;
                                      }),
                   Boom);
      EXPECT_TRUE(is_permutation_of(v, input, std::less<>()));
    }
  });
}

TEST_P(SortParallelTest, KeyExceptionOnRadixPathKeepsEveryElement) {
  on_pool([] {
    const auto input = records(kN, Shape::kUniform, 6);
    const auto full = [](const Record& a, const Record& b) {
      return std::pair(a.key, a.payload) < std::pair(b.key, b.payload);
    };
    for (std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{kN + 17}, std::uint64_t{kN * 2 + 5},
                                std::uint64_t{kN * 3 + 1}}) {
      SCOPED_TRACE(limit);
      std::atomic<std::uint64_t> calls{0};
      auto v = input;
      try {
        hypar::par_sort_by_key(v, [&](const Record& r) {
          if (calls.fetch_add(1, std::memory_order_relaxed) == limit)
            throw Boom();
          return r.key;
        });
      } catch (const Boom&) {
      }
      EXPECT_TRUE(is_permutation_of(v, input, full));
    }
  });
}

TEST_P(SortParallelTest, CachedKeyComputedOncePerElement) {
  on_pool([] {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{100}, kN}) {
      SCOPED_TRACE(n);
      const auto input = records(n, Shape::kZipf, n);
      std::atomic<std::size_t> calls{0};
      auto v = input;
      hypar::par_sort_by_cached_key(v, [&](const Record& r) {
        calls.fetch_add(1, std::memory_order_relaxed);
        return std::to_string(r.key);
      });
      EXPECT_EQ(calls.load(), n);
      auto want = input;
      std::stable_sort(want.begin(), want.end(), [](const Record& a, const Record& b) {
        return std::to_string(a.key) < std::to_string(b.key);
      });
      EXPECT_EQ(v, want);
      calls = 0;
      auto w = input;
      hypar::par_sort_by_cached_key(w, [&](const Record& r) {
        calls.fetch_add(1, std::memory_order_relaxed);
        return -r.key;
      });
      EXPECT_EQ(calls.load(), n);
      want = input;
      std::stable_sort(want.begin(), want.end(),
                       [](const Record& a, const Record& b) { return a.key > b.key; });
      EXPECT_EQ(w, want);
    }
  });
}

TEST_P(SortParallelTest, CachedKeyExceptionPropagates) {
  on_pool([] {
    const auto input = records(kN, Shape::kUniform, 8);
    std::atomic<std::size_t> calls{0};
    auto v = input;
    EXPECT_THROW(hypar::par_sort_by_cached_key(v,
                                               [&](const Record& r) {
                                                 if (calls.fetch_add(1) == kN / 3)
                                                   throw Boom();
                                                 return r.key;
                                               }),
                 Boom);
    EXPECT_EQ(v, input);  // keys are computed before anything moves
  });
}

TEST_P(SortParallelTest, NestedInsideParallelForEach) {
  on_pool([] {
    constexpr int kInner = 6;
    std::vector<std::vector<std::int32_t>> ints(kInner);
    std::vector<std::vector<std::string>> strings(kInner);
    for (int i = 0; i < kInner; ++i) {
      ints[static_cast<std::size_t>(i)] =
          random_of<std::int32_t>(kN / 2, Shape::kUniform, static_cast<std::uint64_t>(i));
      strings[static_cast<std::size_t>(i)] =
          random_of<std::string>(kN / 8, Shape::kZipf, static_cast<std::uint64_t>(i));
    }
    auto want_ints = ints;
    auto want_strings = strings;
    for (auto& v : want_ints)
      std::sort(v.begin(), v.end());
    for (auto& v : want_strings)
      std::stable_sort(v.begin(), v.end());
    hypar::par_range(0, kInner).for_each([&](int i) {
      hypar::par_sort_unstable(ints[static_cast<std::size_t>(i)]);
      hypar::par_sort_by(strings[static_cast<std::size_t>(i)],
                         [](const std::string& a, const std::string& b) { return a <=> b; });
    });
    EXPECT_EQ(ints, want_ints);
    EXPECT_EQ(strings, want_strings);
  });
}

TEST_P(SortParallelTest, ParallelPathsMatchReferenceOnEveryShape) {
  on_pool([] {
    for (Shape shape : kShapes) {
      SCOPED_TRACE(shape_name(shape));
      const auto a = random_of<std::uint64_t>(kN, shape, 77);
      auto want = a;
      std::sort(want.begin(), want.end());
      auto x = a;
      hypar::par_sort_unstable(x);
      EXPECT_EQ(x, want);
      auto y = a;
      hypar::par_sort_unstable_by(y, [](std::uint64_t p, std::uint64_t q) { return p < q; });
      EXPECT_EQ(y, want);
      const auto r = records(kN, shape, 78);
      auto rw = r;
      std::stable_sort(rw.begin(), rw.end(),
                       [](const Record& p, const Record& q) { return p.key < q.key; });
      auto rx = r;
      hypar::par_sort_by(rx, [](const Record& p, const Record& q) { return p.key < q.key; });
      EXPECT_EQ(rx, rw);
      auto ry = r;
      hypar::par_sort_by_key(ry, [](const Record& p) { return p.key; });
      EXPECT_EQ(ry, rw);
    }
  });
}

TEST(SortParallelOutsidePool, DefaultThreadsAndRepeatedCalls) {
  for (int i = 0; i < 3; ++i) {
    auto v = random_of<double>(kN, Shape::kUniform, static_cast<std::uint64_t>(i));
    auto want = v;
    std::stable_sort(want.begin(), want.end());
    hypar::par_sort(v);
    EXPECT_TRUE(same(v, want));
  }
}

}  // namespace
