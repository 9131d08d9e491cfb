// The Jacobi step against a scalar loop on random grids, whole and split into row bands.
#include <gtest/gtest.h>

#include <cmath>
#include <hypar/core/error.hpp>
#include <hypar/kernels/stencil.hpp>
#include <limits>
#include <random>
#include <vector>

namespace {

namespace k = hypar::kernels;

double reference(const std::vector<double>& in, std::vector<double>& out, std::size_t nx,
                 std::size_t ny, k::StencilWeights w) {
  const std::size_t s = nx + 2;
  double res = 0;
  for (std::size_t y = 1; y <= ny; ++y) {
    for (std::size_t x = 1; x <= nx; ++x) {
      const double v =
          w.center * in[y * s + x] + w.neighbour * ((in[y * s + x - 1] + in[y * s + x + 1]) +
                                                    (in[(y - 1) * s + x] + in[(y + 1) * s + x]));
      out[y * s + x] = v;
      res = std::max(res, std::abs(v - in[y * s + x]));
    }
  }
  return res;
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    // One fused multiply-add may round differently.
    ASSERT_NEAR(got[i], want[i],
                4 * std::numeric_limits<double>::epsilon() * (1 + std::abs(want[i])))
        << "cell " << i;
  }
}

TEST(Stencil, JacobiStepAgainstScalarLoop) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(-1, 1);
  for (std::size_t nx : {1u, 2u, 7u, 8u, 9u, 31u, 64u, 65u, 200u}) {
    for (std::size_t ny : {1u, 3u, 17u}) {
      for (k::StencilWeights w : {k::StencilWeights{}, k::StencilWeights{0.6, 0.1}}) {
        const std::size_t cells = (nx + 2) * (ny + 2);
        const std::size_t off = rng() % 8;
        std::vector<double> in(cells + off), out(cells + off, 7.0);
        for (auto& v : in)
          v = d(rng);
        std::vector<double> want(out.begin() + static_cast<std::ptrdiff_t>(off), out.end());
        const std::vector<double> in0(in.begin() + static_cast<std::ptrdiff_t>(off), in.end());
        const double want_res = reference(in0, want, nx, ny, w);
        const double res = k::jacobi_step(std::span<const double>(in.data() + off, cells),
                                          std::span<double>(out.data() + off, cells), nx, ny, w);
        expect_close(std::vector<double>(out.begin() + static_cast<std::ptrdiff_t>(off), out.end()),
                     want);
        EXPECT_NEAR(res, want_res, 1e-14) << nx << "x" << ny;
      }
    }
  }
}

TEST(Stencil, RowBandsEqualWholeStep) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> d(0, 100);
  const std::size_t nx = 37, ny = 29, cells = (nx + 2) * (ny + 2);
  std::vector<double> in(cells);
  for (auto& v : in)
    v = d(rng);
  std::vector<double> whole(cells, 0.0), banded(cells, 0.0);
  const double r_whole = k::jacobi_step(in, whole, nx, ny);
  double r_bands = 0;
  for (std::size_t y = 1; y <= ny;) {
    const std::size_t end = std::min<std::size_t>(ny + 1, y + 1 + rng() % 6);
    r_bands = std::max(r_bands, k::jacobi_rows(in, banded, nx, ny, y, end));
    y = end;
  }
  EXPECT_EQ(banded, whole);
  EXPECT_EQ(r_bands, r_whole);
}

TEST(Stencil, BadSizesThrow) {
  std::vector<double> in(10), out(10);
  EXPECT_THROW(k::jacobi_step(in, out, 2, 2), hypar::kernels::Error);  // needs 16
  std::vector<double> g(16), h(16);
  EXPECT_THROW(k::jacobi_rows(g, h, 2, 2, 0, 2), hypar::kernels::Error);
  EXPECT_THROW(k::jacobi_rows(g, h, 2, 2, 1, 4), hypar::kernels::Error);
}

}  // namespace
