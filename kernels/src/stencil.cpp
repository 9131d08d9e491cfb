// The five-point Jacobi sweep: one `omp simd` loop per row with a max-reduction for the residual.
#include <hypar/kernels/stencil.hpp>

#include <hypar/core/error.hpp>

#include <cmath>
#include <string>

namespace hypar::kernels {

double jacobi_rows(std::span<const double> in, std::span<double> out, std::size_t nx,
                   std::size_t ny, std::size_t first_row, std::size_t last_row,
                   StencilWeights w) {
  const std::size_t stride = nx + 2;
  const std::size_t cells = stride * (ny + 2);
  if (in.size() < cells || out.size() < cells) {
    throw Error("hypar::kernels::jacobi: grid spans need (nx + 2) * (ny + 2) = " +
                std::to_string(cells) + " doubles, got " + std::to_string(in.size()) + " and " +
                std::to_string(out.size()));
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
#pragma omp simd reduction(max : residual)
    for (std::size_t x = 1; x <= nx; ++x) {
      const double v = c * row[x] + k * ((row[x - 1] + row[x + 1]) + (up[x] + down[x]));
      dst[x] = v;
      const double d = std::fabs(v - row[x]);
      residual = d > residual ? d : residual;
    }
  }
  return residual;
}

double jacobi_step(std::span<const double> in, std::span<double> out, std::size_t nx,
                   std::size_t ny, StencilWeights w) {
  return jacobi_rows(in, out, nx, ny, 1, ny + 1, w);
}

}  // namespace hypar::kernels
