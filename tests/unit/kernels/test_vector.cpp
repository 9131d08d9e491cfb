// The vector maps and reductions against scalar loops on random data of many lengths and
// misaligned starts.
#include <gtest/gtest.h>

#include <cmath>
#include <hypar/core/error.hpp>
#include <hypar/kernels/vector.hpp>
#include <limits>
#include <random>
#include <vector>

namespace {

namespace k = hypar::kernels;

std::vector<std::size_t> lengths() {
  std::vector<std::size_t> l;
  for (std::size_t n = 0; n <= 130; ++n)
    l.push_back(n);
  for (std::size_t n : {255u, 256u, 257u, 1000u, 4099u, 100'003u})
    l.push_back(n);
  return l;
}

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v)
    x = static_cast<T>(d(rng));
  return v;
}

TEST(Vector, SqrtInplaceBitIdentical) {
  std::mt19937_64 rng(1);
  for (std::size_t n : lengths()) {
    const std::size_t off = rng() % 16;
    auto v = random_values<float>(n + off, rng, 0.0, 1e6);
    auto want = v;
    for (std::size_t i = off; i < v.size(); ++i)
      want[i] = std::sqrt(want[i]);
    k::sqrt_inplace(std::span<float>(v.data() + off, n));
    ASSERT_EQ(v, want) << "n " << n << " off " << off;
  }
}

TEST(Vector, AddBitIdenticalAndInPlace) {
  std::mt19937_64 rng(2);
  for (std::size_t n : lengths()) {
    const std::size_t oa = rng() % 16, ob = rng() % 16, oo = rng() % 16;
    auto a = random_values<float>(n + oa, rng, -1e3, 1e3);
    auto b = random_values<float>(n + ob, rng, -1e3, 1e3);
    std::vector<float> out(n + oo, -1.0f);
    k::add(std::span<const float>(a.data() + oa, n), std::span<const float>(b.data() + ob, n),
           std::span<float>(out.data() + oo, n));
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(out[oo + i], a[oa + i] + b[ob + i]) << i;
    for (std::size_t i = 0; i < oo; ++i)
      ASSERT_EQ(out[i], -1.0f);  // nothing written before
    // In place: out is a.
    auto a2 = a;
    k::add(std::span<const float>(a2.data() + oa, n), std::span<const float>(b.data() + ob, n),
           std::span<float>(a2.data() + oa, n));
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(a2[oa + i], a[oa + i] + b[ob + i]);
  }
}

TEST(Vector, SizeMismatchThrows) {
  std::vector<float> a(5), b(6), o(5);
  EXPECT_THROW(k::add(a, b, o), hypar::kernels::Error);
  EXPECT_THROW(k::add(a, a, b), hypar::kernels::Error);
  std::vector<double> x(3), y(4);
  EXPECT_THROW(k::axpy(1.0, x, y), hypar::kernels::Error);
  EXPECT_THROW((void)k::dot(x, y), hypar::kernels::Error);
}

TEST(Vector, AxpyWithinOneRounding) {
  std::mt19937_64 rng(3);
  for (std::size_t n : lengths()) {
    const std::size_t ox = rng() % 8, oy = rng() % 8;
    const double alpha = std::uniform_real_distribution<double>(-3, 3)(rng);
    auto x = random_values<double>(n + ox, rng, -1e3, 1e3);
    auto y = random_values<double>(n + oy, rng, -1e3, 1e3);
    auto want = y;
    for (std::size_t i = 0; i < n; ++i)
      want[oy + i] += alpha * x[ox + i];
    k::axpy(alpha, std::span<const double>(x.data() + ox, n), std::span<double>(y.data() + oy, n));
    for (std::size_t i = 0; i < n; ++i) {
      // A fused multiply-add may round once instead of twice.
      const double tol = 2 * std::numeric_limits<double>::epsilon() *
                         (std::abs(alpha * x[ox + i]) + std::abs(want[oy + i]));
      ASSERT_NEAR(y[oy + i], want[oy + i], tol) << "n " << n << " i " << i;
    }
  }
}

// |computed - exact-ish| of a sum of n terms is bounded by n * eps * sum |terms|.
double sum_tolerance(std::size_t n, double abs_sum) {
  return static_cast<double>(n + 1) * std::numeric_limits<double>::epsilon() * abs_sum + 1e-300;
}

TEST(Vector, SumAndDotAgainstScalarLoops) {
  std::mt19937_64 rng(4);
  for (std::size_t n : lengths()) {
    const std::size_t ox = rng() % 8, oy = rng() % 8;
    auto x = random_values<double>(n + ox, rng, -1e3, 1e3);
    auto y = random_values<double>(n + oy, rng, -1e3, 1e3);
    const std::span<const double> sx(x.data() + ox, n), sy(y.data() + oy, n);
    long double s = 0, d = 0, abs_s = 0, abs_d = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s += sx[i];
      abs_s += std::abs(sx[i]);
      d += static_cast<long double>(sx[i]) * sy[i];
      abs_d += std::abs(sx[i] * sy[i]);
    }
    EXPECT_NEAR(k::sum(sx), static_cast<double>(s), sum_tolerance(n, static_cast<double>(abs_s)));
    EXPECT_NEAR(k::dot(sx, sy), static_cast<double>(d),
                sum_tolerance(n, static_cast<double>(abs_d)));
  }
}

TEST(Vector, SumIndependentOfAlignment) {
  std::mt19937_64 rng(5);
  const auto x = random_values<double>(10'000 + 8, rng, -1, 1);
  for (std::size_t off = 1; off < 8; ++off) {
    std::vector<double> shifted(x.size() + off);
    std::copy(x.begin(), x.end(), shifted.begin() + static_cast<std::ptrdiff_t>(off));
    EXPECT_EQ(k::sum(std::span<const double>(x.data(), 10'000)),
              k::sum(std::span<const double>(shifted.data() + off, 10'000)));
  }
}

// Distance in units in the last place between two doubles of the same sign region.
double ulps(double a, double b) {
  if (a == b)
    return 0;
  const double scale = std::max(std::abs(a), std::abs(b));
  return std::abs(a - b) / (std::nextafter(scale, INFINITY) - scale);
}

TEST(Vector, SinSumWithinBoundOfStdSin) {
  std::mt19937_64 rng(6);
  for (double range : {1.0, 10.0, 1000.0, 1e6}) {
    for (std::size_t n : lengths()) {
      const std::size_t off = rng() % 8;
      auto x = random_values<double>(n + off, rng, -range, range);
      const std::span<const double> sx(x.data() + off, n);
      long double s = 0, abs_s = 0;
      for (double v : sx) {
        s += std::sin(v);
        abs_s += std::abs(std::sin(v));
      }
      // Each sine within 4 ulp of std::sin, plus the rounding of the sum.
      const double tol = sum_tolerance(n, static_cast<double>(abs_s)) +
                         4.0 * static_cast<double>(n) * std::numeric_limits<double>::epsilon();
      ASSERT_NEAR(k::sin_sum(sx), static_cast<double>(s), tol) << "n " << n << " range " << range;
    }
  }
}

TEST(Vector, EachSineWithinFourUlp) {
  // sin_sum of one value at a time is not vectorised; check the vector sines through sums of
  // blocks where one element is the value and the others cancel exactly: x, -x pairs.
  std::mt19937_64 rng(7);
  double worst = 0;
  for (int rep = 0; rep < 20'000; ++rep) {
    const double v = std::uniform_real_distribution<double>(-1e4, 1e4)(rng);
    std::vector<double> block(64, 0.0);  // sin(0) = 0 exactly
    block[static_cast<std::size_t>(rep) % 64] = v;
    const double got = k::sin_sum(block);
    worst = std::max(worst, ulps(got, std::sin(v)));
  }
  EXPECT_LE(worst, 4.0);
  RecordProperty("worst_ulp", std::to_string(worst));
}

}  // namespace
