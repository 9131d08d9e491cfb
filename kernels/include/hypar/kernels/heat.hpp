#pragma once
// The explicit five-point step of the 2D heat equation on one row segment: the inner loop of
// hypar::dist::StencilSweep and of hypar-heat.

#include <cstddef>

namespace hypar::kernels {

/// One explicit heat step on `count` consecutive cells of a row:
///
///   out[i] = c[i] + r * (((c[i + 1] + c[i - 1]) + (n[i] + s[i])) - 4 * c[i])   for i in [0, count)
///
/// where `c` is the row (its west and east neighbours c[-1] and c[count] are read too), `n` and `s`
/// the rows above and below at the same columns, and `r = alpha dt / h^2`. Vectorised along the
/// row (`omp simd`). Design note: the expression order is fixed and the same in the vector body and
/// the remainder (this file is compiled with -ffp-contract=off, so no fused multiply-add changes a
/// rounding on one code path only), hence every caller that splits rows differently (tiles, rank
/// blocks, temporal blocks) gets bitwise the same cells; the pairs are added symmetrically (east +
/// west, north + south), so a mirror-symmetric field stays bitwise mirror-symmetric, which is what
/// makes Neumann (mirrored) boundaries exact under deep halos. Sequential equivalent: the loop
/// above. Cost: about 24 bytes of memory traffic per cell when three rows fit in cache, 7 flops.
/// `out` must not overlap `c`, `n` or `s`.
void heat_row(const double* c, const double* n, const double* s, double* out, std::size_t count,
              double r) noexcept;

}  // namespace hypar::kernels
