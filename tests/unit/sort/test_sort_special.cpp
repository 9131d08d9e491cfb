// Parallel sorts: floating-point special values, nearly sorted and descending inputs, byte-array
// keys, against std::stable_sort (see sort_test_fixture.hpp).
#include "sort_test_fixture.hpp"

namespace {

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
