#pragma once
// The five-point Jacobi step of the 2D heat / Laplace solvers, on a row-major grid with halos.

#include <cstddef>
#include <hypar/kernels/error.hpp>
#include <span>

namespace hypar::kernels {

/// Weights of the five-point stencil: out = center * c + neighbour * (west + east + north +
/// south). The default {0, 0.25} is the Jacobi iteration of the Laplace equation; an explicit
/// heat step with r = alpha * dt / h^2 is {1 - 4 r, r}.
struct StencilWeights {
  double center = 0.0;
  double neighbour = 0.25;
};

/// One Jacobi sweep over a grid of nx x ny interior cells stored row-major with a one-cell halo:
/// `(ny + 2)` rows of `(nx + 2)` doubles, cell (x, y) at `[y * (nx + 2) + x]`, interior x in
/// 1..nx and y in 1..ny. Writes every interior cell of `out` from `in`:
///
///   for y in 1..ny, x in 1..nx:
///     out[y][x] = w.center * in[y][x]
///               + w.neighbour * ((in[y][x-1] + in[y][x+1]) + (in[y-1][x] + in[y+1][x]))
///
/// and leaves the halo of `out` alone (the caller sets boundary values or exchanges halos).
/// Returns max |out[y][x] - in[y][x]| over the cells written (the convergence residual).
/// Vectorised along x (`omp simd`, AVX-512); memory bound: about 16 bytes of traffic per cell
/// when three rows fit in cache. `in` and `out` must not overlap. Throws hypar::kernels::Error when
/// a span is shorter than (nx + 2) * (ny + 2).
double jacobi_step(std::span<const double> in, std::span<double> out, std::size_t nx,
                   std::size_t ny, StencilWeights w = {});

/// The same for the interior rows y in [first_row, last_row) only (1 <= first_row <= last_row <=
/// ny + 1), so that callers can split the rows between threads; the results of the parts equal
/// one full step, and the full residual is the max of the parts' residuals.
double jacobi_rows(std::span<const double> in, std::span<double> out, std::size_t nx,
                   std::size_t ny, std::size_t first_row, std::size_t last_row,
                   StencilWeights w = {});

}  // namespace hypar::kernels
