// Field2D against sequential references: the padded aligned layout, gather / scatter round
// trips, the halo exchange (edges and corners, widths 1..4, periodic or not, both transports,
// blocking or overlapped with interior work) against the global array, and sum / norm bitwise
// equal to an exact integer reference for every process grid (sub-communicators of every size,
// every factorisation) and thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <hypar/core/pool.hpp>
#include <hypar/dist.hpp>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "thread_counts.hpp"

namespace {

using hypar::dist::CartGrid2D;
using hypar::dist::Field2D;
using hypar::dist::GridOptions;
using hypar::dist::detail::HaloMethod;
__extension__ typedef __int128 int128;

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

const std::vector<std::array<int, 2>> shapes = {{1, 1},  {4, 4},  {3, 5},   {5, 3},  {7, 7},
                                                {1, 37}, {37, 1}, {2, 50},  {50, 2}, {9, 17},
                                                {16, 8}, {8, 16}, {23, 11}, {13, 29}};

std::vector<GridOptions> option_sets(int size) {
  std::vector<std::array<int, 2>> dims = {{0, 0}};
  for (int px = 1; px <= size; ++px)
    if (size % px == 0)
      dims.push_back({px, size / px});  // includes 1 x R and R x 1
  std::vector<GridOptions> out;
  for (const auto& d : dims)
    for (bool px : {false, true})
      for (bool py : {false, true})
        out.push_back(GridOptions{d, {px, py}});
  return out;
}

/// Constructs the grid if it can exist (no empty block), else nothing.
std::optional<CartGrid2D> try_grid(const hypar::dist::Communicator& comm, int nx, int ny,
                                   const GridOptions& o) {
  try {
    return CartGrid2D(comm, nx, ny, o);
  } catch (const hypar::Error&) {
    return std::nullopt;
  }
}

/// A distinct, exactly representable value per global cell.
double value_of(int gi, int gj, int nx) {
  return static_cast<double>(gj) * nx + gi + 1;
}

constexpr double kSentinel = -7.5;

template <class T>
void expect_layout(const CartGrid2D& g, int halo) {
  Field2D<T> f(g, halo);
  EXPECT_EQ(f.halo(), halo);
  EXPECT_EQ(f.stride() * sizeof(T) % 64, 0u);
  EXPECT_GE(f.stride(), static_cast<std::size_t>(g.local_nx() + 2 * halo));
  for (int j = -halo; j < g.local_ny() + halo; ++j) {
    if (j >= 0 && j < g.local_ny()) {
      const auto r = f.row(j);
      EXPECT_EQ(r.size(), static_cast<std::size_t>(g.local_nx()));
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(r.data()) % 64, 0u) << "row " << j;
      EXPECT_EQ(r.data(), &f(0, j));
    }
    for (int i = -halo; i < g.local_nx() + halo; ++i) {
      EXPECT_EQ(&f(i, j) - &f(-halo, j), i + halo);  // a row is contiguous, halo included
      if (j + 1 < g.local_ny() + halo) {
        EXPECT_EQ(&f(i, j + 1) - &f(i, j), static_cast<std::ptrdiff_t>(f.stride()));
      }
      EXPECT_EQ(&f.global(g.x0() + i, g.y0() + j), &f(i, j));
      EXPECT_EQ(f.owns(g.x0() + i, g.y0() + j),
                i >= 0 && j >= 0 && i < g.local_nx() && j < g.local_ny());
      EXPECT_TRUE(std::memcmp(&f(i, j), std::array<char, sizeof(T)>{}.data(), sizeof(T)) == 0);
    }
  }
}

struct Cell12 {
  float a, b, c;
};

TEST(Field2D, RowsArePaddedAndAligned) {
  auto comm = world();
  for (const auto& [nx, ny] : shapes) {
    const auto g = try_grid(comm, nx, ny, {});
    if (!g)
      continue;
    const int smallest = std::min(g->min_block_nx(), g->min_block_ny());
    for (int halo = 0; halo <= std::min(smallest, 3); ++halo) {
      SCOPED_TRACE(::testing::Message() << nx << " x " << ny << " halo " << halo);
      expect_layout<double>(*g, halo);
      expect_layout<float>(*g, halo);
      expect_layout<std::int16_t>(*g, halo);
      expect_layout<Cell12>(*g, halo);
    }
  }
}

TEST(Field2D, HaloWiderThanTheSmallestBlockOrNegativeThrows) {
  auto comm = world();
  const CartGrid2D g(comm, 11, 6, GridOptions{{comm.size(), 1}, {true, true}});
  const int smallest = std::min(11 / comm.size(), 6);
  EXPECT_THROW(Field2D<double>(g, -1), hypar::Error);
  EXPECT_THROW(Field2D<double>(g, smallest + 1), hypar::Error);
  EXPECT_NO_THROW(Field2D<double>(g, smallest));
}

TEST(Field2D, FillGatherAndScatterRoundTrip) {
  auto comm = world();
  std::mt19937_64 rng(42);
  for (const auto& [nx, ny] : shapes) {
    for (const auto& o : option_sets(comm.size())) {
      const auto g = try_grid(comm, nx, ny, o);
      if (!g)
        continue;
      SCOPED_TRACE(::testing::Message()
                   << nx << " x " << ny << " dims " << g->dims()[0] << "x" << g->dims()[1]);
      Field2D<double> f(*g, std::min({1, g->min_block_nx(), g->min_block_ny()}));
      f.fill([nx = nx](int gi, int gj) { return value_of(gi, gj, nx); });
      for (int j = 0; j < g->local_ny(); ++j)
        for (int i = 0; i < g->local_nx(); ++i)
          ASSERT_EQ(f(i, j), value_of(g->x0() + i, g->y0() + j, nx));
      const int root = comm.size() - 1;
      const auto global = f.gather(root);
      if (comm.rank() == root) {
        ASSERT_EQ(global.size(), static_cast<std::size_t>(nx) * ny);
        for (int gj = 0; gj < ny; ++gj)
          for (int gi = 0; gi < nx; ++gi)
            ASSERT_EQ(global[static_cast<std::size_t>(gj) * nx + gi], value_of(gi, gj, nx));
      } else {
        EXPECT_TRUE(global.empty());
      }
      // Scatter a random array from rank 0 (every rank draws the same numbers) and gather it
      // back.
      std::vector<double> random(static_cast<std::size_t>(nx) * ny);
      for (auto& x : random)
        x = std::ldexp(static_cast<double>(rng() >> 11), -20);
      Field2D<double> h(*g, 0);
      h.scatter(0, comm.rank() == 0 ? std::span<const double>(random) : std::span<const double>());
      for (int j = 0; j < g->local_ny(); ++j)
        for (int i = 0; i < g->local_nx(); ++i)
          ASSERT_EQ(h(i, j), random[static_cast<std::size_t>(g->y0() + j) * nx + g->x0() + i]);
      const auto back = h.gather(0);
      if (comm.rank() == 0) {
        EXPECT_EQ(back, random);
      }
    }
  }
}

TEST(Field2D, ScatterOfAWrongSizeThrowsOnEveryRank) {
  auto comm = world();
  const CartGrid2D g(comm, 8, 8);
  Field2D<double> f(g, 1);
  const std::vector<double> short_array(63, 1.0);
  EXPECT_THROW(f.scatter(0, short_array), hypar::Error);
  // Collectives still line up afterwards.
  const std::vector<double> right(64, 2.0);
  f.scatter(0, right);
  EXPECT_EQ(f(0, 0), 2.0);
}

/// Every cell of `f` (interior and halo) against the global array: interior cells keep their
/// values, halo cells mirror the (wrapped) interior cell, halo cells past a non-periodic edge keep
/// the sentinel.
void expect_halos(const Field2D<double>& f, int nx, int ny, const GridOptions& o) {
  const CartGrid2D& g = f.grid();
  const int h = f.halo();
  for (int j = -h; j < g.local_ny() + h; ++j) {
    for (int i = -h; i < g.local_nx() + h; ++i) {
      int gi = g.x0() + i, gj = g.y0() + j;
      bool outside = false;
      if (gi < 0 || gi >= nx) {
        if (o.periodic[0])
          gi = (gi + nx) % nx;
        else
          outside = true;
      }
      if (gj < 0 || gj >= ny) {
        if (o.periodic[1])
          gj = (gj + ny) % ny;
        else
          outside = true;
      }
      const double expected = outside ? kSentinel : value_of(gi, gj, nx);
      ASSERT_EQ(f(i, j), expected)
          << "local (" << i << ", " << j << ") of rank " << g.comm().rank() << " halo " << h;
    }
  }
}

TEST(Field2D, HaloExchangeMirrorsTheGlobalArray) {
  auto comm = world();
  for (const auto& [nx, ny] : shapes) {
    for (const auto& o : option_sets(comm.size())) {
      const auto g = try_grid(comm, nx, ny, o);
      if (!g)
        continue;
      const int smallest = std::min(g->min_block_nx(), g->min_block_ny());
      for (int halo = 1; halo <= 4; ++halo) {
        SCOPED_TRACE(::testing::Message()
                     << nx << " x " << ny << " dims " << g->dims()[0] << "x" << g->dims()[1]
                     << " periodic " << o.periodic[0] << o.periodic[1] << " halo " << halo);
        if (halo > smallest) {
          EXPECT_THROW(Field2D<double>(*g, halo), hypar::Error);
          continue;
        }
        for (const HaloMethod method : {HaloMethod::datatypes, HaloMethod::packed}) {
          Field2D<double> f(*g, halo);
          for (int j = -halo; j < g->local_ny() + halo; ++j)
            for (int i = -halo; i < g->local_nx() + halo; ++i)
              f(i, j) = kSentinel;
          f.fill([nx = nx](int gi, int gj) { return value_of(gi, gj, nx); });
          f.exchange_halos(method);
          expect_halos(f, nx, ny, o);
          // A second exchange (the plan is reused) leaves the same halos.
          auto handle = f.start_exchange(method);
          handle.finish();
          EXPECT_TRUE(handle.finished());
          handle.finish();  // idempotent
          expect_halos(f, nx, ny, o);
        }
      }
    }
  }
}

/// The 9-point stencil out = sum of w[b][a] * u(i + a - 1, j + b - 1) over the block, reading the
/// halo (the corners included).
void stencil(const Field2D<double>& u, Field2D<double>& out, int i0, int i1, int j0, int j1) {
  static constexpr double w[3][3] = {{1, 2, 3}, {4, -20, 5}, {6, 7, 8}};
  for (int j = j0; j < j1; ++j)
    for (int i = i0; i < i1; ++i) {
      double s = 0;
      for (int b = 0; b < 3; ++b)
        for (int a = 0; a < 3; ++a)
          s += w[b][a] * u(i + a - 1, j + b - 1);
      out(i, j) = s;
    }
}

TEST(Field2D, OverlappedExchangeGivesTheBlockingResult) {
  auto comm = world();
  for (const auto& [nx, ny] : shapes) {
    for (const auto& o : option_sets(comm.size())) {
      const auto g = try_grid(comm, nx, ny, o);
      if (!g)
        continue;
      const int lnx = g->local_nx(), lny = g->local_ny();
      for (const HaloMethod method : {HaloMethod::datatypes, HaloMethod::packed}) {
        SCOPED_TRACE(::testing::Message()
                     << nx << " x " << ny << " dims " << g->dims()[0] << "x" << g->dims()[1]
                     << " periodic " << o.periodic[0] << o.periodic[1]);
        Field2D<double> u(*g, 1), blocking(*g, 1), overlapped(*g, 1);
        u.fill([nx = nx](int gi, int gj) { return value_of(gi, gj, nx); });
        u.exchange_halos(method);
        stencil(u, blocking, 0, lnx, 0, lny);

        Field2D<double> v(*g, 1);
        v.fill([nx = nx](int gi, int gj) { return value_of(gi, gj, nx); });
        auto exchange = v.start_exchange(method);
        stencil(v, overlapped, 1, lnx - 1, 1, lny - 1);  // needs no halo cell
        exchange.finish();
        stencil(v, overlapped, 0, lnx, 0, 1);
        stencil(v, overlapped, 0, lnx, lny - 1, lny);
        stencil(v, overlapped, 0, 1, 1, lny - 1);
        stencil(v, overlapped, lnx - 1, lnx, 1, lny - 1);

        // Both against the sequential stencil on the global array (0 outside, wrapped where
        // periodic).
        const auto ub = blocking.gather(0), uo = overlapped.gather(0);
        if (comm.rank() == 0) {
          static constexpr double w[3][3] = {{1, 2, 3}, {4, -20, 5}, {6, 7, 8}};
          for (int gj = 0; gj < ny; ++gj)
            for (int gi = 0; gi < nx; ++gi) {
              double s = 0;
              for (int b = 0; b < 3; ++b)
                for (int a = 0; a < 3; ++a) {
                  int x = gi + a - 1, y = gj + b - 1;
                  const bool out_x = x < 0 || x >= nx, out_y = y < 0 || y >= ny;
                  if ((out_x && !o.periodic[0]) || (out_y && !o.periodic[1]))
                    continue;  // the halo past a non-periodic edge stays 0
                  x = (x + nx) % nx;
                  y = (y + ny) % ny;
                  s += w[b][a] * value_of(x, y, nx);
                }
              const std::size_t at = static_cast<std::size_t>(gj) * nx + gi;
              ASSERT_EQ(ub[at], s) << "blocking at " << gi << ", " << gj;
              ASSERT_EQ(uo[at], s) << "overlapped at " << gi << ", " << gj;
            }
        }
      }
    }
  }
}

TEST(Field2D, DestroyingAnUnfinishedExchangeFinishesIt) {
  auto comm = world();
  const CartGrid2D g(comm, 12, 12, GridOptions{{0, 0}, {true, true}});
  Field2D<double> f(g, 2);
  f.fill([](int gi, int gj) { return value_of(gi, gj, 12); });
  { auto pending = f.start_exchange(HaloMethod::packed); }
  expect_halos(f, 12, 12, GridOptions{{0, 0}, {true, true}});
}

// ---- sum and norm -------------------------------------------------------------------------------

/// Every layout this world can form: sub-communicators of the first k ranks, k = 1..size, with
/// every factorisation of k that fits the grid.
template <class F>
void for_each_layout(const hypar::dist::Communicator& comm, int nx, int ny, F&& f) {
  for (int k = 1; k <= comm.size(); ++k) {
    MPI_Comm sub = MPI_COMM_NULL;
    MPI_Comm_split(comm.native(), comm.rank() < k ? 0 : MPI_UNDEFINED, comm.rank(), &sub);
    if (sub == MPI_COMM_NULL)
      continue;
    {
      const hypar::dist::Communicator c(sub);
      for (int px = 1; px <= k; ++px) {
        if (k % px != 0 || px > nx || k / px > ny)
          continue;
        const CartGrid2D g(c, nx, ny, GridOptions{{px, k / px}, {false, false}});
        f(g);
      }
    }
    MPI_Comm_free(&sub);
  }
}

/// Runs `f` once per thread count, on a pool of that size.
template <class F>
void for_each_thread_count(F&& f) {
  for (std::size_t t : hypar::testing::thread_counts()) {
    auto pool = hypar::ThreadPoolBuilder().num_threads(t).build();
    pool.install([&] { f(t); });
  }
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(Field2D, SumIsTheExactSumRoundedOnceForEveryLayout) {
  auto comm = world();
  constexpr int nx = 23, ny = 17;
  // Values k * 2^s of very different magnitudes (2^-40 .. 2^39): any order of naive additions
  // rounds, and differently. As integers in units of 2^-40 they sum exactly in 128 bits.
  std::mt19937_64 rng(7);
  std::vector<double> global(static_cast<std::size_t>(nx) * ny);
  int128 exact = 0;
  for (auto& x : global) {
    const auto k = static_cast<std::int64_t>(rng() % (1u << 24)) - (1 << 23);
    const int s = static_cast<int>(rng() % 56) - 40;
    x = std::ldexp(static_cast<double>(k), s);
    exact += static_cast<int128>(k) << (s + 40);
  }
  const double reference = std::ldexp(static_cast<double>(exact), -40);  // rounded once
  double by_rows = 0, by_columns = 0;
  for (double x : global)
    by_rows += x;
  for (int i = 0; i < nx; ++i)
    for (int j = 0; j < ny; ++j)
      by_columns += global[static_cast<std::size_t>(j) * nx + i];
  ASSERT_FALSE(same_bits(by_rows, reference) && same_bits(by_columns, reference))
      << "the data must be sensitive to the summation order";

  std::vector<float> global_f(global.size());
  for (std::size_t c = 0; c < global.size(); ++c)
    global_f[c] = static_cast<float>(global[c]);

  for_each_layout(comm, nx, ny, [&](const CartGrid2D& g) {
    SCOPED_TRACE(::testing::Message() << g.dims()[0] << " x " << g.dims()[1] << " ranks");
    Field2D<double> f(g, 1);
    f.scatter(0,
              g.comm().rank() == 0 ? std::span<const double>(global) : std::span<const double>());
    Field2D<float> ff(g, 2);
    ff.scatter(0,
               g.comm().rank() == 0 ? std::span<const float>(global_f) : std::span<const float>());
    for_each_thread_count([&](std::size_t threads) {
      SCOPED_TRACE(::testing::Message() << threads << " threads");
      const double s = f.sum();
      EXPECT_TRUE(same_bits(s, reference)) << s << " vs " << reference;
      // The float values are the double ones exactly (24-bit k); float's sum is the exact sum
      // rounded to double, then to float.
      static_assert(std::is_same_v<decltype(ff.sum()), float>);
      EXPECT_EQ(ff.sum(), static_cast<float>(reference));
    });
  });
}

TEST(Field2D, NormIsTheRoundedRootOfTheExactSumOfSquaresForEveryLayout) {
  auto comm = world();
  constexpr int nx = 19, ny = 21;
  // x = k * 2^s with k up to 2^30: x * x has up to 60 significant bits, so the naive square
  // rounds and the exact square needs its fma remainder. In units of 2^-90 the squares sum
  // exactly in 128 bits.
  std::mt19937_64 rng(11);
  std::vector<double> global(static_cast<std::size_t>(nx) * ny);
  int128 exact = 0;
  for (auto& x : global) {
    const auto k = static_cast<std::int64_t>(rng() % (1u << 30)) - (1 << 29);
    const int s = -30 - static_cast<int>(rng() % 16);
    x = std::ldexp(static_cast<double>(k), s);
    exact += (static_cast<int128>(k) * k) << (2 * s + 90);
  }
  const double reference = std::sqrt(std::ldexp(static_cast<double>(exact), -90));
  for_each_layout(comm, nx, ny, [&](const CartGrid2D& g) {
    Field2D<double> f(g, 0);
    f.scatter(0,
              g.comm().rank() == 0 ? std::span<const double>(global) : std::span<const double>());
    for_each_thread_count([&](std::size_t) {
      const double n = f.norm();
      EXPECT_TRUE(same_bits(n, reference)) << n << " vs " << reference;
    });
  });
}

TEST(Field2D, SumCancelsExactlyAndHandlesSpecialValues) {
  auto comm = world();
  constexpr int nx = 9, ny = 8;
  const double big = 1e308;
  for_each_layout(comm, nx, ny, [&](const CartGrid2D& g) {
    Field2D<double> f(g, 1);
    // 1e308 + 1 - 1e308 in any order: the exact sum is 1 (a naive left-to-right sum gives 0).
    f.fill([&](int gi, int gj) {
      if (gi == 0 && gj == 0)
        return big;
      if (gi == nx - 1 && gj == ny - 1)
        return -big;
      return gi == 4 && gj == 4 ? 1.0 : 0.0;
    });
    EXPECT_EQ(f.sum(), 1.0);
    // Sums that overflow double round to inf; the exact sum of 2 * 1e308 - 1e308 does not.
    f.fill([&](int gi, int gj) {
      return gj == 0 && gi < 2 ? big : (gj == 1 && gi == 0 ? -big : 0.0);
    });
    EXPECT_EQ(f.sum(), big);
    f.fill([&](int gi, int gj) { return gj == 0 && gi < 2 ? big : 0.0; });
    EXPECT_EQ(f.sum(), std::numeric_limits<double>::infinity());
    // Subnormals: multiples of the smallest one, summed exactly.
    const double tiny = std::numeric_limits<double>::denorm_min();
    f.fill([&](int gi, int gj) { return tiny * (gj * nx + gi + 1); });
    EXPECT_EQ(f.sum(), tiny * (nx * ny * (nx * ny + 1) / 2));
    // Ties round to even: 2^53 + 1 is halfway between 2^53 and 2^53 + 2.
    f.fill([&](int gi, int gj) {
      return gi == 0 && gj == 0 ? 0x1p53 : (gi == 1 && gj == 0 ? 1.0 : 0.0);
    });
    EXPECT_EQ(f.sum(), 0x1p53);
    f.fill([&](int gi, int gj) {
      return gi == 0 && gj == 0 ? 0x1p53
                                : (gi == 1 && gj == 0 ? 1.0 : (gj == ny - 1 ? 0x1p-1000 : 0.0));
    });
    EXPECT_EQ(f.sum(), 0x1p53 + 2);
    f.fill([&](int gi, int gj) { return gi == 0 && gj == 0 ? -3.0 : (gj == 2 ? 0.25 : 0.0); });
    EXPECT_EQ(f.sum(), -3.0 + 0.25 * nx);
    EXPECT_EQ(f.norm(), std::sqrt(9.0 + 0.0625 * nx));
    // NaN anywhere, or both infinities, give NaN; one infinity gives it.
    f.fill([&](int gi, int gj) { return gi == 3 && gj == 5 ? std::nan("") : 1.0; });
    EXPECT_TRUE(std::isnan(f.sum()));
    EXPECT_TRUE(std::isnan(f.norm()));
    const double inf = std::numeric_limits<double>::infinity();
    f.fill([&](int gi, int gj) { return gi == 0 && gj == 0 ? -inf : 1.0; });
    EXPECT_EQ(f.sum(), -inf);
    EXPECT_EQ(f.norm(), inf);
    f.fill([&](int gi, int gj) {
      return gi == 0 && gj == 0 ? -inf : (gi == 1 && gj == 7 ? inf : 1.0);
    });
    EXPECT_TRUE(std::isnan(f.sum()));
  });
}

}  // namespace
