#pragma once
// Shared by the test_sort_*.cpp files: the fixture (one instance per thread count) and the
// checks against std::stable_sort. The sort tests are split over several files so that their
// many template instantiations compile in parallel (and in less memory) under the sanitizers.
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

class SortTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_EXHAUSTIVE_THREAD_COUNTS(SortTest);

/// Sizes for one shape: all of kSizes for uniform input, fewer for the others.
[[maybe_unused]] std::vector<std::size_t> sizes_for(Shape shape) {
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

}  // namespace
