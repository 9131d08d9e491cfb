// The explicit heat step on a row segment. Compiled with -ffp-contract=off
// (kernels/CMakeLists.txt): the fixed expression order of heat.hpp must not be fused differently in
// the vector body and the scalar remainder.
#include <cstdint>
#include <hypar/kernels/heat.hpp>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace hypar::kernels {

void heat_row(const double* __restrict c, const double* __restrict n, const double* __restrict s,
              double* __restrict out, std::size_t count, double r) noexcept {
  const double keep = 1.0 - 4.0 * r;
#pragma omp simd
  for (std::size_t i = 0; i < count; ++i)
    out[i] = keep * c[i] + r * ((c[i + 1] + c[i - 1]) + (n[i] + s[i]));
}

void heat_row_streaming(const double* __restrict c, const double* __restrict n,
                        const double* __restrict s, double* __restrict out, std::size_t count,
                        double r) noexcept {
#if defined(__AVX__)
  const double keep = 1.0 - 4.0 * r;
  std::size_t i = 0;
  // Cells up to a 32-byte boundary of `out` in scalar code (the same expression), then four at a
  // time with streaming stores, then the rest.
  while (i < count && (reinterpret_cast<std::uintptr_t>(out + i) & 31u) != 0) {
    out[i] = keep * c[i] + r * ((c[i + 1] + c[i - 1]) + (n[i] + s[i]));
    ++i;
  }
  const __m256d vk = _mm256_set1_pd(keep), vr = _mm256_set1_pd(r);
  for (; i + 4 <= count; i += 4) {
    const __m256d ew = _mm256_add_pd(_mm256_loadu_pd(c + i + 1), _mm256_loadu_pd(c + i - 1));
    const __m256d ns = _mm256_add_pd(_mm256_loadu_pd(n + i), _mm256_loadu_pd(s + i));
    const __m256d v = _mm256_add_pd(_mm256_mul_pd(vk, _mm256_loadu_pd(c + i)),
                                    _mm256_mul_pd(vr, _mm256_add_pd(ew, ns)));
    _mm256_stream_pd(out + i, v);
  }
  for (; i < count; ++i)
    out[i] = keep * c[i] + r * ((c[i + 1] + c[i - 1]) + (n[i] + s[i]));
  _mm_sfence();
#else
  heat_row(c, n, s, out, count, r);
#endif
}

}  // namespace hypar::kernels
