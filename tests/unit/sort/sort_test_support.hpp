#pragma once
// Inputs and reference checks shared by the sort tests: the input shapes of BENCHMARKS.md and
// comparisons against std::stable_sort / std::sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "input_shapes.hpp"

namespace sort_test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

/// Input shapes of BENCHMARKS.md (shared with hypar-bench).
using hypar::testing::kShapes;
using hypar::testing::Shape;
using hypar::testing::shape_name;

/// n values drawn by `draw(rng)` and then arranged into `shape` (sorted orders use `<`).
template <class T, class Draw>
std::vector<T> make_input(std::size_t n, Shape shape, std::uint64_t seed, Draw draw) {
  std::mt19937_64 rng(seed);
  std::vector<T> v;
  v.reserve(n);
  switch (shape) {
    case Shape::kAllEqual: {
      const T x = draw(rng);
      for (std::size_t i = 0; i < n; ++i)
        v.push_back(x);
      return v;
    }
    case Shape::kDistinct16: {
      std::vector<T> pool;
      for (int i = 0; i < 16; ++i)
        pool.push_back(draw(rng));
      for (std::size_t i = 0; i < n; ++i)
        v.push_back(pool[rng() % 16]);
      return v;
    }
    case Shape::kZipf: {
      // Value rank r with probability ~ 1/r over 1000 distinct values.
      std::vector<T> pool;
      for (int i = 0; i < 1000; ++i)
        pool.push_back(draw(rng));
      std::vector<double> w(1000);
      for (int i = 0; i < 1000; ++i)
        w[static_cast<std::size_t>(i)] = 1.0 / (i + 1);
      std::discrete_distribution<int> d(w.begin(), w.end());
      for (std::size_t i = 0; i < n; ++i)
        v.push_back(pool[static_cast<std::size_t>(d(rng))]);
      return v;
    }
    default:
      break;
  }
  for (std::size_t i = 0; i < n; ++i)
    v.push_back(draw(rng));
  if (shape == Shape::kSorted || shape == Shape::kAlmostSorted) {
    std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a < b; });
  }
  if (shape == Shape::kReverse) {
    std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return b < a; });
  }
  if (shape == Shape::kAlmostSorted && n > 1) {
    const auto swaps = static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
    for (std::size_t i = 0; i < swaps; ++i)
      std::swap(v[rng() % n], v[rng() % n]);
  }
  return v;
}

template <class T>
std::vector<T> random_of(std::size_t n, Shape shape, std::uint64_t seed) {
  if constexpr (std::is_floating_point_v<T>) {
    return make_input<T>(n, shape, seed, [](std::mt19937_64& r) {
      std::uniform_real_distribution<T> d(-1000, 1000);
      const T x = d(r);
      const auto pick = r() % 16;
      if (pick == 0)
        return T(-0.0);
      if (pick == 1)
        return T(0.0);
      return x;
    });
  } else if constexpr (std::is_same_v<T, std::string>) {
    return make_input<T>(n, shape, seed, [](std::mt19937_64& r) {
      std::string s;
      const std::size_t len = r() % 12;
      for (std::size_t i = 0; i < len; ++i)
        s.push_back(static_cast<char>('a' + r() % 4));
      return s;
    });
  } else {
    return make_input<T>(n, shape, seed, [](std::mt19937_64& r) { return static_cast<T>(r()); });
  }
}

/// Bitwise equality for trivially copyable element types (tells -0.0 from 0.0), == otherwise.
template <class T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size())
    return false;
  if constexpr (std::is_trivially_copyable_v<T>) {
    return a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
  } else {
    return a == b;
  }
}

/// The first index where a and b differ, for messages.
template <class T>
std::size_t first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if constexpr (std::is_trivially_copyable_v<T>) {
      if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0)
        return i;
    } else {
      if (!(a[i] == b[i]))
        return i;
    }
  }
  return std::min(a.size(), b.size());
}

/// A key with a payload: stability shows in the payload order.
struct Record {
  std::int32_t key;
  std::uint32_t payload;
  friend bool operator==(const Record&, const Record&) = default;
};

inline std::vector<Record> records(std::size_t n, Shape shape, std::uint64_t seed) {
  auto keys = random_of<std::int32_t>(n, shape, seed);
  std::vector<Record> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = Record{keys[i] % 1000, static_cast<std::uint32_t>(i)};
  return v;
}

/// The sizes every sort is checked at: 0, 1, 2, odd, around every internal threshold (insertion
/// sort 16/32, parallel 16384, stripes 4096, LSD bucket 32768/65536 elements), larger.
inline const std::vector<std::size_t> kSizes = {
    0,   1,    2,    3,    15,    16,    17,    31,    32,    33,    64,    65,
    257, 1000, 4095, 4097, 16383, 16384, 16385, 32769, 65535, 65537, 100003};

}  // namespace sort_test
