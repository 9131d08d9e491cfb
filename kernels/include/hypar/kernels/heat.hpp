#pragma once
// The explicit five-point step of the 2D heat equation on one row segment: the inner loop of
// hypar::dist::StencilSweep and of hypar-heat.

#include <cstddef>

namespace hypar::kernels {

/// One explicit heat step on `count` consecutive cells of a row, u' = u + r (uE + uW + uN + uS -
/// 4u) evaluated as
///
///   out[i] = (1 - 4 r) * c[i] + r * ((c[i + 1] + c[i - 1]) + (n[i] + s[i]))   for i in [0, count)
///
/// where `c` is the row (its west and east neighbours c[-1] and c[count] are read too), `n` and `s`
/// the rows above and below at the same columns, and `r = alpha dt / h^2`. Vectorised along the
/// row (`omp simd`). Design note: the expression order is fixed and the same in the vector body and
/// the remainder (this file is compiled with -ffp-contract=off, so no fused multiply-add changes a
/// rounding on one code path only), hence every caller that splits rows differently (tiles, rank
/// blocks, temporal blocks) gets bitwise the same cells; the pairs are added symmetrically (east +
/// west, north + south), so a mirror-symmetric field stays bitwise mirror-symmetric, which is what
/// makes Neumann (mirrored) boundaries exact under deep halos. This form needs four additions and
/// two multiplications per cell instead of five and two: 3.2 instead of 2.6 G cells/s per core in
/// L1 here (Zen 3, AVX2). Sequential equivalent: the loop above. Cost: about 24 bytes of memory
/// traffic per cell when three rows fit in cache, 6 flops.
/// `out` must not overlap `c`, `n` or `s`.
void heat_row(const double* c, const double* n, const double* s, double* out, std::size_t count,
              double r) noexcept;

/// heat_row with the results written by non-temporal (streaming) stores, which go to memory
/// without first reading the destination's cache lines (write-allocate): a sweep whose output is
/// not read again soon moves 16 instead of 24 bytes per cell. Bitwise the same results as
/// heat_row (the same operations in the same order; the stores differ). Ends with a store fence,
/// so the row is visible to other threads as ordinary stores are. Falls back to heat_row where
/// the CPU has no AVX. Cost: as heat_row, less memory traffic; slower than heat_row when the output
/// would have stayed in cache.
void heat_row_streaming(const double* c, const double* n, const double* s, double* out,
                        std::size_t count, double r) noexcept;

}  // namespace hypar::kernels
