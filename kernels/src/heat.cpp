// The explicit heat step on a row segment. Compiled with -ffp-contract=off
// (kernels/CMakeLists.txt): the fixed expression order of heat.hpp must not be fused differently in
// the vector body and the scalar remainder.
#include <hypar/kernels/heat.hpp>

namespace hypar::kernels {

void heat_row(const double* __restrict c, const double* __restrict n, const double* __restrict s,
              double* __restrict out, std::size_t count, double r) noexcept {
#pragma omp simd
  for (std::size_t i = 0; i < count; ++i)
    out[i] = c[i] + r * (((c[i + 1] + c[i - 1]) + (n[i] + s[i])) - 4.0 * c[i]);
}

}  // namespace hypar::kernels
