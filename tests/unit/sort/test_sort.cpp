// The sorts of <hypar/sort.hpp> against std::stable_sort / std::sort on random inputs of every
// shape and many sizes, for every function and comparator style, at 1 to 4 threads.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
#include <functional>
#include <hypar/sort.hpp>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "sort_test_support.hpp"
#include "thread_counts.hpp"

namespace {

using namespace sort_test;

class SortTest : public hypar::testing::ThreadCountTest {
 protected:
  template <class F>
  void on_pool(F&& f) {
    auto pool = hypar::ThreadPoolBuilder().num_threads(GetParam()).build();
    pool.install(std::forward<F>(f));
  }
};
HYPAR_INSTANTIATE_THREAD_COUNTS(SortTest);

/// Sizes for one shape: all of kSizes for uniform input, fewer for the others.
std::vector<std::size_t> sizes_for(Shape shape) {
  if (shape == Shape::kUniform)
    return kSizes;
  return {0, 1, 2, 17, 33, 1000, 16385, 65537};
}

/// Runs `sort` on a copy of `input` and expects exactly std::stable_sort's result with `less`.
template <class T, class Sort, class Less>
void expect_like_stable_sort(const std::vector<T>& input, Sort sort, Less less, const char* what) {
  std::vector<T> want = input;
  std::stable_sort(want.begin(), want.end(), less);
  std::vector<T> got = input;
  sort(got);
  ASSERT_TRUE(same(want, got)) << what << ": n=" << input.size() << " first difference at "
                               << first_difference(want, got);
}

/// For the unstable sorts: equal to std::stable_sort's result by value (so -0.0 and 0.0, which
/// compare equal, may trade places).
template <class T, class Sort, class Less>
void expect_like_sort(const std::vector<T>& input, Sort sort, Less less, const char* what) {
  std::vector<T> want = input;
  std::stable_sort(want.begin(), want.end(), less);
  std::vector<T> got = input;
  sort(got);
  ASSERT_TRUE(want == got) << what << ": n=" << input.size();
}

template <class T>
void check_arithmetic_all_functions(const std::vector<T>& v) {
  const auto less = [](const T& a, const T& b) { return a < b; };
  const auto greater = [](const T& a, const T& b) { return b < a; };
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort(x); }, less, "par_sort");
  expect_like_sort(
      v, [](auto& x) { hypar::par_sort_unstable(x); }, less, "par_sort_unstable");
  expect_like_stable_sort(
      v, [&](auto& x) { hypar::par_sort_by(x, less); }, less, "par_sort_by bool");
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by(x, [](T a, T b) { return a <=> b; }); }, less,
      "par_sort_by three-way");
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by(x, [](T a, T b) { return b <=> a; }); }, greater,
      "par_sort_by three-way descending");
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by(x, std::greater<>()); }, greater,
      "par_sort_by std::greater");
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by(x, std::less<T>()); }, less, "par_sort_by std::less");
  expect_like_sort(
      v, [&](auto& x) { hypar::par_sort_unstable_by(x, greater); }, greater,
      "par_sort_unstable_by bool descending");
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by_key(x, [](T a) { return a; }); }, less,
      "par_sort_by_key identity");
  expect_like_sort(
      v, [](auto& x) { hypar::par_sort_unstable_by_key(x, [](const T& a) { return a; }); }, less,
      "par_sort_unstable_by_key identity");
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by_cached_key(x, [](const T& a) { return a; }); }, less,
      "par_sort_by_cached_key identity");
}

TEST_P(SortTest, Int32EveryFunctionEveryShapeEverySize) {
  on_pool([] {
    for (Shape shape : kShapes) {
      for (std::size_t n : sizes_for(shape)) {
        SCOPED_TRACE(std::string(shape_name(shape)) + " n=" + std::to_string(n));
        check_arithmetic_all_functions(random_of<std::int32_t>(n, shape, n * 7 + 1));
      }
    }
  });
}

TEST_P(SortTest, SmallRangeInt32KeysAndNegatives) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE(n);
      auto v = random_of<std::int32_t>(n, Shape::kUniform, n);
      for (auto& x : v)
        x = x % 300;  // negatives and positives, few varying bits
      check_arithmetic_all_functions(v);
    }
  });
}

TEST_P(SortTest, OtherArithmeticTypesEveryShape) {
  on_pool([] {
    for (Shape shape : kShapes) {
      for (std::size_t n : {std::size_t{0}, std::size_t{2}, std::size_t{33}, std::size_t{4097},
                            std::size_t{40000}}) {
        SCOPED_TRACE(std::string(shape_name(shape)) + " n=" + std::to_string(n));
        check_arithmetic_all_functions(random_of<std::uint64_t>(n, shape, n + 11));
        auto neg = random_of<std::int64_t>(n, shape, n + 12);
        check_arithmetic_all_functions(neg);
        check_arithmetic_all_functions(random_of<float>(n, shape, n + 13));
        check_arithmetic_all_functions(random_of<double>(n, shape, n + 14));
        check_arithmetic_all_functions(random_of<std::int16_t>(n, shape, n + 15));
        check_arithmetic_all_functions(random_of<std::uint8_t>(n, shape, n + 16));
      }
    }
  });
}

TEST_P(SortTest, LargeInputs) {
  const std::size_t n = kSanitized ? 200'000 : 1'000'003;
  on_pool([n] {
    const auto less = [](const auto& a, const auto& b) { return a < b; };
    for (Shape shape : {Shape::kUniform, Shape::kZipf, Shape::kAlmostSorted}) {
      SCOPED_TRACE(shape_name(shape));
      const auto a = random_of<std::int32_t>(n, shape, 1);
      expect_like_stable_sort(
          a, [](auto& x) { hypar::par_sort_unstable(x); }, less, "int32 radix");
      expect_like_stable_sort(
          a, [](auto& x) { hypar::par_sort_unstable_by(x, [](int p, int q) { return p < q; }); },
          less, "int32 sample sort");
      const auto b = random_of<std::uint64_t>(n, shape, 2);
      expect_like_stable_sort(
          b, [](auto& x) { hypar::par_sort(x); }, less, "uint64 radix");
      const auto c = random_of<double>(n, shape, 3);
      expect_like_stable_sort(
          c, [](auto& x) { hypar::par_sort(x); }, less, "double radix");
      expect_like_stable_sort(
          c, [](auto& x) { hypar::par_sort_by(x, [](double p, double q) { return p < q; }); }, less,
          "double sample sort");
      const auto r = records(n, shape, 4);
      const auto by_key = [](const Record& p, const Record& q) { return p.key < q.key; };
      expect_like_stable_sort(
          r, [](auto& x) { hypar::par_sort_by_key(x, [](const Record& e) { return e.key; }); },
          by_key, "records radix by key");
      expect_like_stable_sort(
          r, [&](auto& x) { hypar::par_sort_by(x, by_key); }, by_key, "records sample sort");
    }
  });
}

TEST_P(SortTest, StringsEveryShape) {
  on_pool([] {
    for (Shape shape : kShapes) {
      for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{1000},
                            std::size_t{20000}}) {
        SCOPED_TRACE(std::string(shape_name(shape)) + " n=" + std::to_string(n));
        const auto v = random_of<std::string>(n, shape, n + 5);
        const auto less = [](const std::string& a, const std::string& b) { return a < b; };
        const auto by_size = [](const std::string& a, const std::string& b) {
          return a.size() < b.size();
        };
        expect_like_stable_sort(
            v, [](auto& x) { hypar::par_sort(x); }, less, "par_sort");
        expect_like_stable_sort(
            v, [](auto& x) { hypar::par_sort_unstable(x); }, less, "par_sort_unstable");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by(
                  x, [](const std::string& a, const std::string& b) { return b <=> a; });
            },
            [](const std::string& a, const std::string& b) { return b < a; },
            "par_sort_by three-way descending");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by_key(x, [](const std::string& s) { return s.size(); });
            },
            by_size, "par_sort_by_key size (stable)");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by_cached_key(x, [](const std::string& s) { return s.size(); });
            },
            by_size, "par_sort_by_cached_key size (stable)");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by_cached_key(x, [](const std::string& s) { return s; });
            },
            less, "par_sort_by_cached_key string key");
      }
    }
  });
}

TEST_P(SortTest, RecordsAreStable) {
  on_pool([] {
    for (Shape shape : kShapes) {
      for (std::size_t n : sizes_for(shape)) {
        SCOPED_TRACE(std::string(shape_name(shape)) + " n=" + std::to_string(n));
        const auto v = records(n, shape, n + 3);
        const auto by_key = [](const Record& a, const Record& b) { return a.key < b.key; };
        const auto by_key_desc = [](const Record& a, const Record& b) { return b.key < a.key; };
        expect_like_stable_sort(
            v, [](auto& x) { hypar::par_sort_by_key(x, [](const Record& r) { return r.key; }); },
            by_key, "par_sort_by_key (radix)");
        expect_like_stable_sort(
            v, [&](auto& x) { hypar::par_sort_by(x, by_key); }, by_key, "par_sort_by bool");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by(x,
                                 [](const Record& a, const Record& b) { return b.key <=> a.key; });
            },
            by_key_desc, "par_sort_by three-way descending");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by_cached_key(x, [](const Record& r) { return r.key; });
            },
            by_key, "par_sort_by_cached_key (radix entries)");
        expect_like_stable_sort(
            v,
            [](auto& x) {
              hypar::par_sort_by_cached_key(
                  x, [](const Record& r) { return std::to_string(r.key + 5000); });
            },
            [](const Record& a, const Record& b) {
              return std::to_string(a.key + 5000) < std::to_string(b.key + 5000);
            },
            "par_sort_by_cached_key (string key)");
        // Unstable: sorted by key and a permutation of the input.
        auto u = v;
        hypar::par_sort_unstable_by_key(u, [](const Record& r) { return r.key; });
        ASSERT_TRUE(std::is_sorted(u.begin(), u.end(), by_key));
        auto w = v;
        hypar::par_sort_unstable_by(w, by_key);
        ASSERT_TRUE(std::is_sorted(w.begin(), w.end(), by_key));
        const auto full = [](const Record& a, const Record& b) {
          return std::pair(a.key, a.payload) < std::pair(b.key, b.payload);
        };
        auto want = v;
        std::sort(want.begin(), want.end(), full);
        std::sort(u.begin(), u.end(), full);
        std::sort(w.begin(), w.end(), full);
        ASSERT_TRUE(same(want, u));
        ASSERT_TRUE(same(want, w));
      }
    }
  });
}

struct NamedRecord {
  std::string name;
  int payload;
  friend bool operator==(const NamedRecord&, const NamedRecord&) = default;
};

TEST_P(SortTest, NonTrivialRecordsByStringKeyAreStable) {
  on_pool([] {
    for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{100}, std::size_t{30000}}) {
      const auto names = random_of<std::string>(n, Shape::kUniform, n);
      std::vector<NamedRecord> v(n);
      for (std::size_t i = 0; i < n; ++i)
        v[i] = NamedRecord{names[i], static_cast<int>(i)};
      const auto less = [](const NamedRecord& a, const NamedRecord& b) { return a.name < b.name; };
      expect_like_stable_sort(
          v,
          [](auto& x) { hypar::par_sort_by_key(x, [](const NamedRecord& r) { return r.name; }); },
          less, "par_sort_by_key string");
      expect_like_stable_sort(
          v,
          [](auto& x) {
            hypar::par_sort_by_key(
                x, [](const NamedRecord& r) -> const std::string& { return r.name; });
          },
          less, "par_sort_by_key string reference");
    }
  });
}

TEST_P(SortTest, MoveOnlyElements) {
  on_pool([] {
    for (std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{30}, std::size_t{5000}, std::size_t{50000}}) {
      SCOPED_TRACE(n);
      const auto keys = random_of<std::int32_t>(n, Shape::kUniform, n);
      auto make = [&] {
        std::vector<std::unique_ptr<int>> v;
        for (auto k : keys)
          v.push_back(std::make_unique<int>(k % 1000));
        return v;
      };
      auto want = keys;
      for (auto& k : want)
        k %= 1000;
      std::sort(want.begin(), want.end());
      auto values = [](const std::vector<std::unique_ptr<int>>& v) {
        std::vector<int> out;
        for (const auto& p : v)
          out.push_back(p ? *p : -1);
        return out;
      };
      auto a = make();
      hypar::par_sort_by(
          a, [](const std::unique_ptr<int>& p, const std::unique_ptr<int>& q) { return *p < *q; });
      EXPECT_EQ(values(a), want);
      auto b = make();
      hypar::par_sort_unstable_by_key(b, [](const std::unique_ptr<int>& p) { return *p; });
      EXPECT_EQ(values(b), want);
      auto c = make();
      hypar::par_sort_by_cached_key(c, [](const std::unique_ptr<int>& p) { return *p; });
      EXPECT_EQ(values(c), want);
      auto d = make();
      hypar::par_sort_unstable_by(d, [](const std::unique_ptr<int>& p,
                                        const std::unique_ptr<int>& q) { return *p <=> *q; });
      EXPECT_EQ(values(d), want);
    }
  });
}

TEST_P(SortTest, SpansArraysAndCArrays) {
  on_pool([] {
    auto v = random_of<std::int32_t>(50000, Shape::kUniform, 9);
    auto want = v;
    std::sort(want.begin(), want.end());
    // A span over the middle only sorts the middle.
    auto w = v;
    std::span<std::int32_t> mid(w.data() + 100, w.size() - 200);
    hypar::par_sort(mid);
    EXPECT_TRUE(std::is_sorted(mid.begin(), mid.end()));
    EXPECT_TRUE(std::equal(w.begin(), w.begin() + 100, v.begin()));
    hypar::par_sort_unstable(std::span(w));
    EXPECT_EQ(w, want);

    std::array<double, 1000> arr{};
    for (std::size_t i = 0; i < arr.size(); ++i)
      arr[i] = std::sin(static_cast<double>(i));
    auto arr_want = arr;
    std::sort(arr_want.begin(), arr_want.end());
    hypar::par_sort_by(arr, [](double a, double b) { return a < b; });
    EXPECT_EQ(arr, arr_want);

    static int c_array[20000];
    for (int i = 0; i < 20000; ++i)
      c_array[i] = (i * 7919) % 20000 - 10000;
    hypar::par_sort_unstable_by_key(c_array, [](int x) { return -x; });
    EXPECT_TRUE(std::is_sorted(std::begin(c_array), std::end(c_array), std::greater<>()));
    hypar::par_sort(c_array);
    EXPECT_TRUE(std::is_sorted(std::begin(c_array), std::end(c_array)));
  });
}

TEST_P(SortTest, FloatSpecialValues) {
  on_pool([] {
    // -0.0 and 0.0 compare equal: a stable sort keeps their input order (checked bitwise).
    for (std::size_t n : {std::size_t{40}, std::size_t{5000}, std::size_t{70000}}) {
      std::vector<double> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = (i % 3 == 0) ? -0.0
                            : (i % 3 == 1 ? 0.0 : (i % 2 ? 1.0 : -1.0) * static_cast<double>(i));
      }
      v[1] = std::numeric_limits<double>::infinity();
      v[2] = -std::numeric_limits<double>::infinity();
      v[4] = std::numeric_limits<double>::denorm_min();
      v[5] = -std::numeric_limits<double>::denorm_min();
      v[7] = std::numeric_limits<double>::lowest();
      v[8] = std::numeric_limits<double>::max();
      expect_like_stable_sort(
          v, [](auto& x) { hypar::par_sort(x); }, [](double a, double b) { return a < b; },
          "doubles");
    }
    // NaN (documented): positive NaNs go after +inf, negative ones before -inf; the rest is sorted.
    std::vector<float> f = {3.0f, std::numeric_limits<float>::quiet_NaN(),  -1.0f,
                            2.0f, -std::numeric_limits<float>::quiet_NaN(), 0.5f};
    for (int i = 0; i < 100; ++i)
      f.push_back(static_cast<float>(i % 17) - 8.0f);
    hypar::par_sort_unstable(f);
    EXPECT_TRUE(std::isnan(f.front()) && std::signbit(f.front()));
    EXPECT_TRUE(std::isnan(f.back()) && !std::signbit(f.back()));
    EXPECT_TRUE(std::is_sorted(f.begin() + 1, f.end() - 1));
  });
}

TEST_P(SortTest, NearlySortedVariants) {
  // The nearly-sorted path (a scan that sets displaced elements aside, then a merge) and its
  // fallback when too many are displaced, against std::stable_sort.
  on_pool([] {
    const std::size_t n = 70000;
    std::mt19937_64 rng(5);
    auto base = random_of<std::int32_t>(n, Shape::kSorted, 3);
    for (auto& x : base)
      x /= 1000;  // many equal keys: ties must keep their order
    std::vector<std::vector<std::int32_t>> inputs;
    for (std::size_t swaps :
         {std::size_t{1}, std::size_t{10}, std::size_t{300}, std::size_t{2000}, n / 8}) {
      auto v = base;
      for (std::size_t i = 0; i < swaps; ++i)
        std::swap(v[rng() % n], v[rng() % n]);
      inputs.push_back(v);
    }
    auto block = base;  // a reversed block in the middle
    std::reverse(block.begin() + 30000, block.begin() + 30100);
    inputs.push_back(block);
    auto rotated = base;  // a cluster of large elements moved to the front
    std::rotate(rotated.begin(), rotated.end() - 50, rotated.end());
    inputs.push_back(rotated);
    auto smalls = base;  // a cluster of small elements moved to the back
    std::rotate(smalls.begin(), smalls.begin() + 40, smalls.end());
    inputs.push_back(smalls);
    for (const auto& v : inputs) {
      expect_like_stable_sort(
          v, [](auto& x) { hypar::par_sort(x); }, std::less<>(), "par_sort");
      expect_like_stable_sort(
          v, [](auto& x) { hypar::par_sort_by(x, [](int a, int b) { return a < b; }); },
          std::less<>(), "par_sort_by");
      std::vector<Record> r(n);
      for (std::size_t i = 0; i < n; ++i)
        r[i] = Record{v[i], static_cast<std::uint32_t>(i)};
      expect_like_stable_sort(
          r, [](auto& x) { hypar::par_sort_by_key(x, [](const Record& e) { return e.key; }); },
          [](const Record& a, const Record& b) { return a.key < b.key; }, "records by key");
      expect_like_stable_sort(
          r,
          [](auto& x) {
            hypar::par_sort_by(x, [](const Record& a, const Record& b) { return a.key <=> b.key; });
          },
          [](const Record& a, const Record& b) { return a.key < b.key; }, "records three-way");
    }
  });
}

TEST_P(SortTest, DescendingWithEqualRunsIsStable) {
  // A non-increasing input with many equal keys is reversed; a stable sort must then restore the
  // input order inside each run of equal keys (runs also cross the parallel stripes).
  on_pool([] {
    for (std::size_t n :
         {std::size_t{50}, std::size_t{5000}, std::size_t{70001}, std::size_t{300000}}) {
      SCOPED_TRACE(n);
      std::vector<Record> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = Record{static_cast<std::int32_t>((n - i) / 37) - 100, static_cast<std::uint32_t>(i)};
      }
      const auto by_key = [](const Record& a, const Record& b) { return a.key < b.key; };
      expect_like_stable_sort(
          v, [](auto& x) { hypar::par_sort_by_key(x, [](const Record& r) { return r.key; }); },
          by_key, "radix by key");
      expect_like_stable_sort(
          v, [&](auto& x) { hypar::par_sort_by(x, by_key); }, by_key, "sample sort");
      auto u = v;
      hypar::par_sort_unstable_by(u, by_key);
      EXPECT_TRUE(std::is_sorted(u.begin(), u.end(), by_key));
      std::vector<double> d(n);
      for (std::size_t i = 0; i < n; ++i)
        d[i] = (i % 5 == 0 ? -0.0 : 0.0) - static_cast<double>(i / 1000);
      expect_like_stable_sort(
          d, [](auto& x) { hypar::par_sort(x); }, std::less<>(), "doubles with -0.0 runs");
    }
  });
}

template <std::size_t N>
void check_byte_array_keys(std::size_t n) {
  struct Rec {
    std::array<std::uint8_t, N> key;
    std::uint32_t payload;
    bool operator==(const Rec& o) const { return key == o.key && payload == o.payload; }
  };
  std::mt19937_64 rng(N);
  std::vector<Rec> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (auto& b : v[i].key)
      b = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0xFF : rng() % 3);  // many ties
    v[i].payload = static_cast<std::uint32_t>(i);
  }
  const auto less = [](const Rec& a, const Rec& b) { return a.key < b.key; };
  expect_like_stable_sort(
      v, [](auto& x) { hypar::par_sort_by_key(x, [](const Rec& r) { return r.key; }); }, less,
      "byte-array key by value");
  expect_like_stable_sort(
      v,
      [](auto& x) {
        hypar::par_sort_by_key(
            x, [](const Rec& r) -> const std::array<std::uint8_t, N>& { return r.key; });
      },
      less, "byte-array key by reference");
}

TEST_P(SortTest, ByteArrayKeys) {
  on_pool([] {
    for (std::size_t n : {std::size_t{0}, std::size_t{40}, std::size_t{30000}}) {
      check_byte_array_keys<1>(n);
      check_byte_array_keys<3>(n);
      check_byte_array_keys<8>(n);
      check_byte_array_keys<10>(n);
      check_byte_array_keys<16>(n);
      check_byte_array_keys<20>(n);
    }
  });
}

}  // namespace
