// CartGrid2D against an independent reference: blocks tile the grid (every global point owned by
// exactly one rank, sizes within one of each other), coordinates and neighbours agree with MPI's
// own Cartesian functions, the process grid chosen for thin grids leaves no block empty, and bad
// process grids are refused on every rank.
#include <gtest/gtest.h>

#include <algorithm>
#include <hypar/dist.hpp>
#include <vector>

namespace {

using hypar::dist::CartGrid2D;
using hypar::dist::GridOptions;

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

/// Grid shapes: odd sizes, squares, thin grids (1 or 2 points in one direction), and sizes just
/// above the rank count.
const std::vector<std::array<int, 2>> shapes = {{1, 1},  {1, 4}, {4, 1},  {2, 2},   {3, 5},
                                                {5, 3},  {7, 7}, {1, 37}, {37, 1},  {2, 50},
                                                {50, 2}, {3, 3}, {17, 9}, {64, 64}, {101, 13}};

/// Every process grid worth trying for `size` ranks: automatic, 1 x R, R x 1, and every
/// factorisation, each with every periodicity.
std::vector<GridOptions> option_sets(int size) {
  std::vector<std::array<int, 2>> dims = {{0, 0}, {1, size}, {size, 1}, {0, 1}, {1, 0}};
  for (int px = 1; px <= size; ++px)
    if (size % px == 0)
      dims.push_back({px, size / px});
  std::vector<GridOptions> out;
  for (const auto& d : dims)
    for (bool px : {false, true})
      for (bool py : {false, true})
        out.push_back(GridOptions{d, {px, py}});
  return out;
}

bool fits(int size, int nx, int ny, std::array<int, 2> dims) {
  if (static_cast<long long>(nx) * ny < size)
    return false;
  if (dims[0] == 0 && dims[1] == 0) {  // the automatic choice: any factorisation that fits
    for (int px = 1; px <= size; ++px)
      if (size % px == 0 && px <= nx && size / px <= ny)
        return true;
    return false;
  }
  const int px = dims[0] > 0 ? dims[0] : size / dims[1];
  const int py = dims[1] > 0 ? dims[1] : size / dims[0];
  return px <= nx && py <= ny;
}

void check_grid(const hypar::dist::Communicator& comm, const CartGrid2D& g, int nx, int ny,
                const GridOptions& o) {
  const auto dims = g.dims();
  ASSERT_EQ(dims[0] * dims[1], comm.size());
  if (o.dims[0] > 0) {
    EXPECT_EQ(dims[0], o.dims[0]);
  }
  if (o.dims[1] > 0) {
    EXPECT_EQ(dims[1], o.dims[1]);
  }
  EXPECT_EQ(g.nx(), nx);
  EXPECT_EQ(g.ny(), ny);
  EXPECT_GE(g.local_nx(), 1);
  EXPECT_GE(g.local_ny(), 1);

  // The communicator is Cartesian, and MPI's coordinates are ours (reversed: MPI's last
  // dimension is our x).
  int topo = 0;
  MPI_Topo_test(g.comm().native(), &topo);
  EXPECT_EQ(topo, MPI_CART);
  EXPECT_EQ(g.comm().rank(), comm.rank()) << "ranks are not reordered";
  int mpi_coords[2] = {-1, -1};
  MPI_Cart_coords(g.comm().native(), g.comm().rank(), 2, mpi_coords);
  EXPECT_EQ(g.coords()[0], mpi_coords[1]);
  EXPECT_EQ(g.coords()[1], mpi_coords[0]);
  EXPECT_EQ(g.coords_of(comm.rank()), g.coords());

  // Blocks tile the grid: every point owned exactly once, per direction sizes within one.
  struct Info {
    int x0, y0, nx, ny, cx, cy;
  };
  const Info mine{g.x0(), g.y0(), g.local_nx(), g.local_ny(), g.coords()[0], g.coords()[1]};
  const auto all = comm.all_gather(mine);
  std::vector<int> owners(static_cast<std::size_t>(nx) * ny, 0);
  int min_x = nx, max_x = 0, min_y = ny, max_y = 0;
  for (std::size_t r = 0; r < all.size(); ++r) {
    const Info& b = all[r];
    const auto other = g.block_of(static_cast<int>(r));
    EXPECT_EQ(other.x0, b.x0);
    EXPECT_EQ(other.y0, b.y0);
    EXPECT_EQ(other.nx, b.nx);
    EXPECT_EQ(other.ny, b.ny);
    min_x = std::min(min_x, b.nx);
    max_x = std::max(max_x, b.nx);
    min_y = std::min(min_y, b.ny);
    max_y = std::max(max_y, b.ny);
    ASSERT_GE(b.x0, 0);
    ASSERT_GE(b.y0, 0);
    ASSERT_LE(b.x0 + b.nx, nx);
    ASSERT_LE(b.y0 + b.ny, ny);
    for (int j = b.y0; j < b.y0 + b.ny; ++j)
      for (int i = b.x0; i < b.x0 + b.nx; ++i)
        ++owners[static_cast<std::size_t>(j) * nx + i];
    // Blocks follow the process grid: same column, same x range; same row, same y range.
    for (std::size_t s = 0; s < all.size(); ++s) {
      if (all[s].cx == b.cx) {
        EXPECT_EQ(all[s].x0, b.x0);
      }
      if (all[s].cy == b.cy) {
        EXPECT_EQ(all[s].y0, b.y0);
      }
      if (all[s].cx < b.cx) {
        EXPECT_LT(all[s].x0, b.x0);
      }
      if (all[s].cy < b.cy) {
        EXPECT_LT(all[s].y0, b.y0);
      }
    }
  }
  EXPECT_LE(max_x - min_x, 1);
  EXPECT_LE(max_y - min_y, 1);
  EXPECT_EQ(min_x, g.min_block_nx());
  EXPECT_EQ(min_y, g.min_block_ny());
  EXPECT_TRUE(std::all_of(owners.begin(), owners.end(), [](int c) { return c == 1; }));

  // Neighbours: the rank whose coordinates are ours + (dx, dy), found by searching the gathered
  // coordinates (not by formula), wrapped where periodic.
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      int cx = g.coords()[0] + dx, cy = g.coords()[1] + dy;
      bool outside = false;
      if (cx < 0 || cx >= dims[0]) {
        if (o.periodic[0])
          cx = (cx + dims[0]) % dims[0];
        else
          outside = true;
      }
      if (cy < 0 || cy >= dims[1]) {
        if (o.periodic[1])
          cy = (cy + dims[1]) % dims[1];
        else
          outside = true;
      }
      int expected = -1;
      if (!outside) {
        for (std::size_t s = 0; s < all.size(); ++s)
          if (all[s].cx == cx && all[s].cy == cy)
            expected = static_cast<int>(s);
        ASSERT_NE(expected, -1);
      }
      EXPECT_EQ(g.neighbor(dx, dy), expected) << "dx " << dx << " dy " << dy;
    }
  }
  EXPECT_EQ(g.neighbor(0, 0), comm.rank());
  // MPI_Cart_shift agrees on the four edge neighbours.
  int src = 0, dst = 0;
  MPI_Cart_shift(g.comm().native(), 1, 1, &src, &dst);
  EXPECT_EQ(g.neighbor(-1, 0), src == MPI_PROC_NULL ? -1 : src);
  EXPECT_EQ(g.neighbor(1, 0), dst == MPI_PROC_NULL ? -1 : dst);
  MPI_Cart_shift(g.comm().native(), 0, 1, &src, &dst);
  EXPECT_EQ(g.neighbor(0, -1), src == MPI_PROC_NULL ? -1 : src);
  EXPECT_EQ(g.neighbor(0, 1), dst == MPI_PROC_NULL ? -1 : dst);
}

TEST(CartGrid2D, BlocksTileTheGridAndNeighboursMatchMpi) {
  auto comm = world();
  for (const auto& [nx, ny] : shapes) {
    for (const auto& o : option_sets(comm.size())) {
      SCOPED_TRACE(::testing::Message()
                   << nx << " x " << ny << " dims " << o.dims[0] << "," << o.dims[1] << " periodic "
                   << o.periodic[0] << "," << o.periodic[1]);
      if (!fits(comm.size(), nx, ny, o.dims)) {
        EXPECT_THROW(CartGrid2D(comm, nx, ny, o), hypar::Error);
        continue;
      }
      const CartGrid2D g(comm, nx, ny, o);
      check_grid(comm, g, nx, ny, o);
    }
  }
}

TEST(CartGrid2D, AutomaticDimsAreMpiDimsCreateWhenTheyFit) {
  auto comm = world();
  int expected[2] = {0, 0};
  MPI_Dims_create(comm.size(), 2, expected);
  const CartGrid2D g(comm, 64, 64);
  EXPECT_EQ(g.dims()[0], expected[0]);
  EXPECT_EQ(g.dims()[1], expected[1]);
}

TEST(CartGrid2D, ThinGridsGetAProcessGridWithoutEmptyBlocks) {
  auto comm = world();
  const int p = comm.size();
  // One point wide: every rank along the long direction.
  EXPECT_EQ(CartGrid2D(comm, 1, 40).dims(), (std::array<int, 2>{1, p}));
  EXPECT_EQ(CartGrid2D(comm, 40, 1).dims(), (std::array<int, 2>{p, 1}));
  // Thinner than MPI_Dims_create's choice: with 4 ranks that is 2 x 2, which does not fit 1 x 40
  // but 2 x 40 fits it.
  int mpi[2] = {0, 0};
  MPI_Dims_create(p, 2, mpi);
  const CartGrid2D two(comm, 2, 40);
  if (mpi[0] <= 2) {
    EXPECT_EQ(two.dims(), (std::array<int, 2>{mpi[0], mpi[1]}));
  }
  EXPECT_LE(two.dims()[0], 2);
  EXPECT_GE(two.local_nx(), 1);
}

TEST(CartGrid2D, BadProcessGridsThrowOnEveryRank) {
  auto comm = world();
  const int p = comm.size();
  EXPECT_THROW(CartGrid2D(comm, 8, 8, GridOptions{{p + 1, 1}, {}}), hypar::Error);
  EXPECT_THROW(CartGrid2D(comm, 8, 8, GridOptions{{-1, 0}, {}}), hypar::Error);
  EXPECT_THROW(CartGrid2D(comm, 0, 8), hypar::Error);
  EXPECT_THROW(CartGrid2D(comm, 8, -3), hypar::Error);
  if (p > 1) {
    // An explicit process grid wider than the grid: a block would be empty.
    EXPECT_THROW(CartGrid2D(comm, p - 1, 8, GridOptions{{p, 1}, {}}), hypar::Error);
    // Fewer points than ranks.
    EXPECT_THROW(CartGrid2D(comm, 1, p - 1), hypar::Error);
  }
  if (p == 4) {
    EXPECT_THROW(CartGrid2D(comm, 8, 8, GridOptions{{3, 0}, {}}), hypar::Error);
  }
  EXPECT_THROW((void)CartGrid2D(comm, 8, 8).neighbor(2, 0), hypar::Error);
  // The grid still works after the failures: nothing was left half-created.
  const CartGrid2D g(comm, 8, 8);
  EXPECT_EQ(g.dims()[0] * g.dims()[1], p);
}

TEST(CartGrid2D, CopiesShareTheCommunicator) {
  auto comm = world();
  const CartGrid2D a(comm, 9, 7, GridOptions{{0, 0}, {true, false}});
  const CartGrid2D b = a;
  EXPECT_EQ(a.comm().native(), b.comm().native());
  EXPECT_EQ(b.block().x0, a.x0());
  b.comm().barrier();
}

}  // namespace
