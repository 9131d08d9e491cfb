// Parallel sorts on strings, records (stability), move-only elements, spans, arrays and C arrays,
// against std::stable_sort (see sort_test_fixture.hpp).
#include "sort_test_fixture.hpp"

namespace {

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

}  // namespace
