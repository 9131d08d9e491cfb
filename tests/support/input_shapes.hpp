#pragma once
// The input shapes of BENCHMARKS.md ("sort input shapes"), shared by the sort tests and
// hypar-bench's sort cases so that the shapes the bench measures are the shapes the tests check,
// under the same names. Only the vocabulary is shared: each side draws its own values (the tests
// small typed inputs with -0.0 and short strings, the bench BENCHMARKS.md's sizes).
//
// Why here: the shapes are an input vocabulary of hypar's checks, not part of hypar's API (so not
// framework/include), and the tests must not depend on an optional driver (so not
// drivers/hypar-bench). This header needs nothing but the standard library; the bench adds
// tests/support to its include path for it alone.

#include <vector>

namespace hypar::testing {

/// How the values of a sort input are arranged.
enum class Shape { kUniform, kSorted, kReverse, kAllEqual, kDistinct16, kZipf, kAlmostSorted };

/// Every shape, in the order of BENCHMARKS.md.
inline const std::vector<Shape> kShapes = {Shape::kUniform,     Shape::kSorted,     Shape::kReverse,
                                           Shape::kAllEqual,    Shape::kDistinct16, Shape::kZipf,
                                           Shape::kAlmostSorted};

/// The shape's name in tables, test names and bench case names ("16-distinct", ...).
constexpr const char* shape_name(Shape s) {
  switch (s) {
    case Shape::kUniform:
      return "uniform";
    case Shape::kSorted:
      return "sorted";
    case Shape::kReverse:
      return "reverse";
    case Shape::kAllEqual:
      return "all-equal";
    case Shape::kDistinct16:
      return "16-distinct";
    case Shape::kZipf:
      return "zipf";
    case Shape::kAlmostSorted:
      return "almost-sorted";
  }
  return "?";
}

}  // namespace hypar::testing
