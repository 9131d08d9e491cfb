// Parallel sorts on arithmetic types: every function and comparator style, every shape and size,
// against std::stable_sort (see sort_test_fixture.hpp).
#include "sort_test_fixture.hpp"

namespace {

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

}  // namespace
