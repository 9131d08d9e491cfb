#pragma once
// Element-wise maps and reductions over spans of float/double, vectorised with `#pragma omp simd`
// (and glibc's libmvec for sin). Single-threaded: callers parallelise over chunks.

#include <hypar/kernels/error.hpp>
#include <span>

namespace hypar::kernels {

/// x[i] = sqrt(x[i]) for every i. Equals `for (auto& v : x) v = std::sqrt(v);` (IEEE sqrt, so
/// bit-identical; negative inputs give NaN). Any length and alignment. One read and one write
/// per element: memory bound above the caches.
void sqrt_inplace(std::span<float> x) noexcept;

/// out[i] = a[i] + b[i]. `out` may be `a` or `b` itself, but must not partially overlap them.
/// Throws hypar::kernels::Error when the three sizes differ. Bit-identical to the scalar loop.
void add(std::span<const float> a, std::span<const float> b, std::span<float> out);

/// y[i] += alpha * x[i] (BLAS daxpy). Throws hypar::kernels::Error when the sizes differ. Compiled
/// with FMA where the CPU has it, so each result is the scalar loop's up to one rounding (one fused
/// multiply-add instead of a multiply and an add).
void axpy(double alpha, std::span<const double> x, std::span<double> y);

/// Sum of x. Uses 32 independent partial sums (four 8-wide vectors) combined pairwise, so it
/// runs at memory speed and its result depends only on the length, never on the alignment; it
/// differs from the left-to-right loop only by rounding (error bound ~ n * eps * sum |x[i]|,
/// usually far smaller).
double sum(std::span<const double> x) noexcept;

/// Dot product sum x[i] * y[i], with the same accumulator layout as sum. Throws
/// hypar::kernels::Error when the sizes differ.
double dot(std::span<const double> x, std::span<const double> y);

/// Sum of std::sin(x[i]). The sines come from glibc's vector math library (libmvec, 8 at a time
/// with AVX-512, 4 with AVX2) when compiled for x86-64 with glibc, else std::sin. Each sine is
/// within 4 ulp of std::sin (libmvec's documented bound; the tests check it on random inputs),
/// and the sum uses the accumulator layout of sum.
double sin_sum(std::span<const double> x) noexcept;

}  // namespace hypar::kernels
