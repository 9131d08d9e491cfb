// The five-point Jacobi sweep: one `omp simd` loop per row with a max-reduction for the residual.
#include <cmath>
#include <hypar/kernels/error.hpp>
#include <hypar/kernels/stencil.hpp>
#include <string>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace hypar::kernels {

namespace {

// Cells [x_begin, x_end) of one row; returns the row's residual. The portable path, and the
// remainder of the AVX-512 path.
double row_simd(const double* up, const double* row, const double* down, double* dst,
                std::size_t x_begin, std::size_t x_end, double c, double k) noexcept {
  double residual = 0.0;
#pragma omp simd reduction(max : residual)
  for (std::size_t x = x_begin; x < x_end; ++x) {
    const double v = c * row[x] + k * ((row[x - 1] + row[x + 1]) + (up[x] + down[x]));
    dst[x] = v;
    const double d = std::fabs(v - row[x]);
    residual = d > residual ? d : residual;
  }
  return residual;
}

#if defined(__AVX512F__)
// Cells 1..nx of one row, eight at a time: the west and east neighbours are built from the
// centre vectors with valignq instead of two more (line-splitting) unaligned loads, so each
// step loads three vectors (next centre, north, south) instead of six.
double row_avx512(const double* up, const double* row, const double* down, double* dst,
                  std::size_t nx, double c, double k) noexcept {
  std::size_t x = 1;
  const __m512d vc = _mm512_set1_pd(c);
  const __m512d vk = _mm512_set1_pd(k);
  const __m512d abs_mask = _mm512_castsi512_pd(_mm512_set1_epi64(0x7fffffffffffffffLL));
  __m512d res = _mm512_setzero_pd();
  // The masked forms (all lanes) take an explicit source: GCC 12 warns falsely about the
  // undefined source of the unmasked alignr / max intrinsics.
  const __m512i zero = _mm512_setzero_si512();
  const __mmask8 all = 0xff;
  __m512d prev = _mm512_set1_pd(row[x - 1]);  // lane 7 is the west neighbour of cell x
  __m512d cur = _mm512_loadu_pd(row + x);
  // The next-centre load reads row[x + 8 .. x + 15] <= row[nx + 8], inside the next row.
  for (; x + 7 <= nx; x += 8) {
    const __m512d next = _mm512_loadu_pd(row + x + 8);
    const __m512d west = _mm512_castsi512_pd(_mm512_mask_alignr_epi64(
        zero, all, _mm512_castpd_si512(cur), _mm512_castpd_si512(prev), 7));
    const __m512d east = _mm512_castsi512_pd(_mm512_mask_alignr_epi64(
        zero, all, _mm512_castpd_si512(next), _mm512_castpd_si512(cur), 1));
    const __m512d around =
        _mm512_add_pd(_mm512_add_pd(west, east),
                      _mm512_add_pd(_mm512_loadu_pd(up + x), _mm512_loadu_pd(down + x)));
    const __m512d v = _mm512_fmadd_pd(vc, cur, _mm512_mul_pd(vk, around));
    _mm512_storeu_pd(dst + x, v);
    res = _mm512_mask_max_pd(res, all, res, _mm512_and_pd(_mm512_sub_pd(v, cur), abs_mask));
    prev = cur;
    cur = next;
  }
  const double tail = row_simd(up, row, down, dst, x, nx + 1, c, k);
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, res);
  double body = 0.0;
  for (double l : lanes)
    body = l > body ? l : body;
  return body > tail ? body : tail;
}
#endif

}  // namespace

double jacobi_rows(std::span<const double> in, std::span<double> out, std::size_t nx,
                   std::size_t ny, std::size_t first_row, std::size_t last_row, StencilWeights w) {
  const std::size_t stride = nx + 2;
  const std::size_t cells = stride * (ny + 2);
  if (in.size() < cells || out.size() < cells) {
    throw Error(
        "hypar::kernels::jacobi: grid spans need (nx + 2) * (ny + 2) = " + std::to_string(cells) +
        " doubles, got " + std::to_string(in.size()) + " and " + std::to_string(out.size()));
  }
  if (first_row < 1 || first_row > last_row || last_row > ny + 1) {
    throw Error("hypar::kernels::jacobi_rows: rows [" + std::to_string(first_row) + ", " +
                std::to_string(last_row) + ") are not inside the interior rows [1, " +
                std::to_string(ny + 1) + ")");
  }
  const double c = w.center;
  const double k = w.neighbour;
  double residual = 0.0;
  for (std::size_t y = first_row; y < last_row; ++y) {
    const double* up = in.data() + (y - 1) * stride;
    const double* row = in.data() + y * stride;
    const double* down = in.data() + (y + 1) * stride;
    double* dst = out.data() + y * stride;
#if defined(__AVX512F__)
    const double r = nx < 16 ? row_simd(up, row, down, dst, 1, nx + 1, c, k)
                             : row_avx512(up, row, down, dst, nx, c, k);
#else
    const double r = row_simd(up, row, down, dst, 1, nx + 1, c, k);
#endif
    residual = r > residual ? r : residual;
  }
  return residual;
}

double jacobi_step(std::span<const double> in, std::span<double> out, std::size_t nx,
                   std::size_t ny, StencilWeights w) {
  return jacobi_rows(in, out, nx, ny, 1, ny + 1, w);
}

}  // namespace hypar::kernels
