// Element-wise maps and reductions. The loops are plain `#pragma omp simd` loops (the target is
// compiled with -fopenmp-simd -fno-math-errno -march=native); docs/kernels.md shows the
// vectorisation report for each.
#include <cmath>
#include <cstddef>
#include <hypar/kernels/error.hpp>
#include <hypar/kernels/vector.hpp>
#include <string>

#if defined(HYPAR_KERNELS_LIBMVEC) && defined(__x86_64__) && \
    (defined(__AVX512F__) || defined(__AVX2__))
#define HYPAR_HAVE_LIBMVEC 1
#include <immintrin.h>
// glibc's libmvec vector variants (x86-64 vector function ABI names): sin of 8 doubles (AVX-512)
// and of 4 doubles (AVX2).
extern "C" __m512d _ZGVeN8v_sin(__m512d);
extern "C" __m256d _ZGVdN4v_sin(__m256d);
#endif

namespace hypar::kernels {

namespace {

// Partial sums: 32 doubles = four AVX-512 vectors, enough independent add chains to hide the
// add latency and reach memory speed.
constexpr std::size_t lanes = 32;

void require_same_size(std::size_t a, std::size_t b, const char* what) {
  if (a != b) {
    throw Error(std::string("hypar::kernels::") + what + ": spans of different sizes (" +
                std::to_string(a) + " and " + std::to_string(b) + "); pass equal lengths");
  }
}

// Pairwise combination of the partial sums, then the tail.
double combine(double (&acc)[lanes], double tail) noexcept {
  for (std::size_t width = lanes / 2; width > 0; width /= 2) {
    for (std::size_t j = 0; j < width; ++j)
      acc[j] += acc[j + width];
  }
  return acc[0] + tail;
}

// The sum of term(i) for i in [0, n): `lanes` independent accumulators over the full blocks (a
// vector loop), a scalar tail, combined pairwise. sum and dot share it, so both keep one fixed
// summation order (the result depends on n only, never on alignment).
template <class Term>
double lane_sum(std::size_t n, Term term) noexcept {
  double acc[lanes] = {};
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
#pragma omp simd
    for (std::size_t j = 0; j < lanes; ++j)
      acc[j] += term(i + j);
  }
  double tail = 0;
  for (; i < n; ++i)
    tail += term(i);
  return combine(acc, tail);
}

}  // namespace

void sqrt_inplace(std::span<float> x) noexcept {
  float* p = x.data();
  const std::size_t n = x.size();
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    p[i] = std::sqrt(p[i]);
}

void add(std::span<const float> a, std::span<const float> b, std::span<float> out) {
  require_same_size(a.size(), b.size(), "add");
  require_same_size(a.size(), out.size(), "add");
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.data();
  const std::size_t n = out.size();
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    po[i] = pa[i] + pb[i];
}

void axpy(double alpha, std::span<const double> x, std::span<double> y) {
  require_same_size(x.size(), y.size(), "axpy");
  const double* px = x.data();
  double* py = y.data();
  const std::size_t n = y.size();
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    py[i] += alpha * px[i];
}

double sum(std::span<const double> x) noexcept {
  const double* p = x.data();
  return lane_sum(x.size(), [p](std::size_t i) { return p[i]; });
}

double dot(std::span<const double> x, std::span<const double> y) {
  require_same_size(x.size(), y.size(), "dot");
  const double* px = x.data();
  const double* py = y.data();
  return lane_sum(x.size(), [px, py](std::size_t i) { return px[i] * py[i]; });
}

double sin_sum(std::span<const double> x) noexcept {
  const double* p = x.data();
  const std::size_t n = x.size();
  double acc[lanes] = {};
  std::size_t i = 0;
#if defined(HYPAR_HAVE_LIBMVEC) && defined(__AVX512F__)
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  for (; i + 16 <= n; i += 16) {
    s0 = _mm512_add_pd(s0, _ZGVeN8v_sin(_mm512_loadu_pd(p + i)));
    s1 = _mm512_add_pd(s1, _ZGVeN8v_sin(_mm512_loadu_pd(p + i + 8)));
  }
  _mm512_storeu_pd(acc, s0);
  _mm512_storeu_pd(acc + 8, s1);
#elif defined(HYPAR_HAVE_LIBMVEC)
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  for (; i + 8 <= n; i += 8) {
    s0 = _mm256_add_pd(s0, _ZGVdN4v_sin(_mm256_loadu_pd(p + i)));
    s1 = _mm256_add_pd(s1, _ZGVdN4v_sin(_mm256_loadu_pd(p + i + 4)));
  }
  _mm256_storeu_pd(acc, s0);
  _mm256_storeu_pd(acc + 4, s1);
#endif
  double tail = 0;
  for (; i < n; ++i)
    tail += std::sin(p[i]);
  return combine(acc, tail);
}

}  // namespace hypar::kernels
