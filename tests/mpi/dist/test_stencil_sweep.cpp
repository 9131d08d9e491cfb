// StencilSweep against sequential references: the heat step on the global array (ghost frame set
// by the boundary condition every step) bitwise for every process grid, thread count, time block,
// tile size and overlap setting; the exact discrete solution of a sine mode; the conserved sum
// under Neumann boundaries; and the argument checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <hypar/core/pool.hpp>
#include <hypar/dist.hpp>
#include <hypar/kernels/heat.hpp>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using hypar::dist::Boundary;
using hypar::dist::CartGrid2D;
using hypar::dist::Field2D;
using hypar::dist::GridOptions;
using hypar::dist::StencilSweep;
using hypar::dist::SweepOptions;

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

struct HeatKernel {
  double r;
  void operator()(const double* c, const double* n, const double* s, double* out,
                  std::size_t count) const noexcept {
    hypar::kernels::heat_row(c, n, s, out, count, r);
  }
};

/// The same with the streaming form for rows of the output field (both paths are checked).
struct StreamingHeatKernel : HeatKernel {
  void stream(const double* c, const double* n, const double* s, double* out,
              std::size_t count) const noexcept {
    hypar::kernels::heat_row_streaming(c, n, s, out, count, r);
  }
};

/// The sequential reference: `steps` heat steps of the global [ny][nx] array, the ghost frame set
/// before every step (periodic wrap, Dirichlet 0, Neumann mirror), each row by the kernel.
std::vector<double> reference(std::vector<double> u, int nx, int ny, int steps, double r,
                              Boundary boundary, std::array<bool, 2> periodic) {
  const int w = nx + 2;
  std::vector<double> a(static_cast<std::size_t>(w) * (ny + 2), 0.0), b = a;
  auto at = [&](std::vector<double>& v, int i, int j) -> double& {
    return v[static_cast<std::size_t>(j + 1) * w + (i + 1)];
  };
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      at(a, i, j) = u[static_cast<std::size_t>(j) * nx + i];
  const bool mirror = boundary == Boundary::neumann;
  for (int s = 0; s < steps; ++s) {
    for (int j = 0; j < ny; ++j) {
      if (periodic[0]) {
        at(a, -1, j) = at(a, nx - 1, j);
        at(a, nx, j) = at(a, 0, j);
      } else if (mirror) {
        at(a, -1, j) = at(a, 0, j);
        at(a, nx, j) = at(a, nx - 1, j);
      }
    }
    for (int i = 0; i < nx; ++i) {
      if (periodic[1]) {
        at(a, i, -1) = at(a, i, ny - 1);
        at(a, i, ny) = at(a, i, 0);
      } else if (mirror) {
        at(a, i, -1) = at(a, i, 0);
        at(a, i, ny) = at(a, i, ny - 1);
      }
    }
    for (int j = 0; j < ny; ++j)
      hypar::kernels::heat_row(&at(a, 0, j), &at(a, 0, j + 1), &at(a, 0, j - 1), &at(b, 0, j),
                               static_cast<std::size_t>(nx), r);
    std::swap(a, b);
  }
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      u[static_cast<std::size_t>(j) * nx + i] = at(a, i, j);
  return u;
}

std::vector<double> random_field(int nx, int ny, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(static_cast<std::size_t>(nx) * ny);
  for (auto& x : v)
    x = dist(rng);
  return v;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

/// Every process grid of the world's size (dims chosen, 1 x R, R x 1, every factorisation).
std::vector<std::array<int, 2>> process_grids(int size) {
  std::vector<std::array<int, 2>> dims = {{0, 0}};
  for (int px = 1; px <= size; ++px)
    if (size % px == 0)
      dims.push_back({px, size / px});
  return dims;
}

struct Case {
  int nx, ny;
  Boundary boundary;
  std::array<bool, 2> periodic;
};

/// A sweep setting: time block, extra halo beyond it, overlap, tile size (0 = automatic). Each
/// option value appears with several others; the thread count varies with the ctest variant.
struct Setting {
  int depth, extra_halo;
  bool overlap;
  std::array<int, 2> tile;
  bool streaming;
};
const std::vector<Setting> settings = {
    {1, 0, false, {0, 0}, false}, {1, 1, true, {5, 3}, true}, {2, 0, true, {0, 0}, true},
    {3, 1, false, {5, 3}, false}, {4, 0, true, {4, 7}, true}, {3, 0, true, {0, 0}, false},
};

/// Runs `steps` steps on every layout and sweep setting and compares each with the reference.
void check_against_reference(const Case& c, int steps, double r) {
  const auto comm = world();
  const std::vector<double> initial = random_field(c.nx, c.ny, 42u + c.nx * 7u + c.ny);
  std::vector<double> expected;
  if (comm.rank() == 0)
    expected = reference(initial, c.nx, c.ny, steps, r, c.boundary, c.periodic);
  for (const auto& dims : process_grids(comm.size())) {
    std::optional<CartGrid2D> grid;
    try {
      grid.emplace(comm, c.nx, c.ny, GridOptions{dims, c.periodic});
    } catch (const hypar::Error&) {
      continue;  // an empty block: that layout cannot exist for this shape
    }
    const int smallest = std::min(grid->min_block_nx(), grid->min_block_ny());
    for (const Setting& setting : settings) {
      if (setting.depth + setting.extra_halo > smallest)
        continue;
      SCOPED_TRACE(std::to_string(c.nx) + "x" + std::to_string(c.ny) + " dims " +
                   std::to_string(grid->dims()[0]) + "x" + std::to_string(grid->dims()[1]) +
                   " boundary " + (c.boundary == Boundary::neumann ? "neumann" : "dirichlet") +
                   " periodic " + std::to_string(c.periodic[0]) + std::to_string(c.periodic[1]) +
                   " depth " + std::to_string(setting.depth) + " halo " +
                   std::to_string(setting.depth + setting.extra_halo) + " overlap " +
                   std::to_string(setting.overlap) + " tile " + std::to_string(setting.tile[0]));
      Field2D<double> u(*grid, setting.depth + setting.extra_halo);
      u.scatter(0, initial);
      const SweepOptions options{setting.depth, setting.overlap, setting.tile[0], setting.tile[1],
                                 c.boundary};
      if (setting.streaming) {
        StencilSweep sweep(u, StreamingHeatKernel{{r}}, options);
        sweep.advance(steps);
      } else {
        StencilSweep sweep(u, HeatKernel{r}, options);
        sweep.advance(steps);
      }
      const std::vector<double> got = u.gather(0);
      if (comm.rank() == 0) {
        ASSERT_TRUE(bitwise_equal(got, expected));
      }
    }
  }
}

TEST(StencilSweep, DirichletMatchesTheSequentialReferenceBitwiseForEveryLayout) {
  for (const auto& [nx, ny] : std::vector<std::array<int, 2>>{{13, 11}, {32, 9}, {7, 40}})
    check_against_reference({nx, ny, Boundary::dirichlet, {false, false}}, 7, 0.23);
}

TEST(StencilSweep, NeumannMatchesTheSequentialReferenceBitwiseForEveryLayout) {
  for (const auto& [nx, ny] : std::vector<std::array<int, 2>>{{13, 11}, {20, 17}})
    check_against_reference({nx, ny, Boundary::neumann, {false, false}}, 9, 0.25);
}

TEST(StencilSweep, PeriodicDirectionsMatchTheSequentialReferenceBitwise) {
  check_against_reference({16, 12, Boundary::dirichlet, {true, false}}, 6, 0.2);
  check_against_reference({12, 16, Boundary::neumann, {false, true}}, 6, 0.2);
  check_against_reference({15, 14, Boundary::dirichlet, {true, true}}, 6, 0.25);
}

TEST(StencilSweep, SineModeFollowsTheExactDiscreteSolution) {
  // u0 = sin(K pi x) sin(L pi y) at x = (i + 1) h is an eigenvector of the discrete Laplacian with
  // zero Dirichlet values: after n steps u = G^n u0, G = 1 - 4 r sin^2(K pi h / 2) - 4 r sin^2(L
  // pi h / 2) (with h per direction).
  const auto comm = world();
  const int nx = 60, ny = 44, steps = 300, kx = 1, ly = 2;
  const double r = 0.25, pi = std::numbers::pi;
  const double hx = 1.0 / (nx + 1), hy = 1.0 / (ny + 1);
  auto initial = [&](int i, int j) {
    return std::sin(kx * pi * (i + 1) * hx) * std::sin(ly * pi * (j + 1) * hy);
  };
  const double g = 1 - 4 * r * std::pow(std::sin(kx * pi * hx / 2), 2) -
                   4 * r * std::pow(std::sin(ly * pi * hy / 2), 2);
  for (int depth : {1, 4}) {
    CartGrid2D grid(comm, nx, ny);
    Field2D<double> u(grid, depth);
    u.fill(initial);
    StencilSweep sweep(u, HeatKernel{r}, SweepOptions{.time_block = depth});
    sweep.advance(steps);
    double worst = 0, scale = 0;
    const double factor = std::pow(g, steps);
    for (int j = 0; j < u.local_ny(); ++j) {
      for (int i = 0; i < u.local_nx(); ++i) {
        const double exact = factor * initial(grid.x0() + i, grid.y0() + j);
        worst = std::max(worst, std::abs(u(i, j) - exact));
        scale = std::max(scale, std::abs(exact));
      }
    }
    MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &scale, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    EXPECT_GT(scale, 0.1);  // the mode has not decayed into the rounding noise
    EXPECT_LT(worst / scale, 1e-12) << "depth " << depth;
  }
}

TEST(StencilSweep, NeumannConservesTheSum) {
  const auto comm = world();
  const int nx = 40, ny = 36;
  CartGrid2D grid(comm, nx, ny);
  Field2D<double> u(grid, 3);
  u.fill([](int i, int j) { return (i - 12) * (i - 12) + (j - 20) * (j - 20) < 50 ? 1.0 : 0.0; });
  const double before = u.sum();
  StencilSweep sweep(u, HeatKernel{0.25},
                     SweepOptions{.time_block = 3, .boundary = Boundary::neumann});
  sweep.advance(500);
  const double after = u.sum();
  EXPECT_GT(before, 100.0);
  EXPECT_NEAR(after, before, 1e-11 * before);
  // The heat spread out: the maximum fell well below the initial 1.
  double peak = 0;
  for (int j = 0; j < u.local_ny(); ++j)
    for (int i = 0; i < u.local_nx(); ++i)
      peak = std::max(peak, u(i, j));
  MPI_Allreduce(MPI_IN_PLACE, &peak, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  EXPECT_LT(peak, 0.5);
}

TEST(StencilSweep, ATimeBlockDeeperThanTheHaloOrBelowOneThrows) {
  const auto comm = world();
  CartGrid2D grid(comm, 32, 32);
  Field2D<double> u(grid, 2);
  EXPECT_THROW(StencilSweep(u, HeatKernel{0.25}, SweepOptions{.time_block = 3}), hypar::Error);
  EXPECT_THROW(StencilSweep(u, HeatKernel{0.25}, SweepOptions{.time_block = 0}), hypar::Error);
  EXPECT_THROW(StencilSweep(u, HeatKernel{0.25}, SweepOptions{.tile_nx = -1}), hypar::Error);
  StencilSweep sweep(u, HeatKernel{0.25}, SweepOptions{.time_block = 2});
  EXPECT_THROW(sweep.advance(-1), hypar::Error);
}

}  // namespace
