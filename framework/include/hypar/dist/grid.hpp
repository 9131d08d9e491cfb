#pragma once
// A 2D Cartesian decomposition of a global nx x ny grid over the ranks of a communicator. See
// docs/grid.md.
//
// Design note: blocks are never empty. With `dims = {0, 0}` the process grid is MPI_Dims_create's
// when every block of it holds at least one point in each direction; otherwise (a grid thinner
// than that process grid in one direction, e.g. 2 x 1000 points on 4 ranks) it is the
// factorisation px * py = size with px <= nx and py <= ny that exchanges the fewest halo cells
// per step (smallest nx / px + ny / py). An explicit process grid that would leave a block empty
// is an error, as is a grid with fewer points than ranks. Every rank decides from the same
// arguments, so every rank throws the same error before any communication.

#include <mpi.h>

#include <array>
#include <cstddef>
#include <hypar/dist/communicator.hpp>
#include <memory>

namespace hypar::dist {

/// How CartGrid2D lays the ranks out.
struct GridOptions {
  /// Ranks along x and y; 0 lets the grid choose (as MPI_Dims_create does, see the design note
  /// in grid.hpp). The product must equal the communicator's size.
  std::array<int, 2> dims = {0, 0};
  /// Whether x and y wrap around (a torus in that direction).
  std::array<bool, 2> periodic = {false, false};
};

/// One rank's block of the global grid: global cells [x0, x0 + nx) x [y0, y0 + ny).
struct GridBlock {
  int x0 = 0;
  int y0 = 0;
  int nx = 0;
  int ny = 0;
};

/// The Cartesian decomposition of a global `nx` x `ny` grid (index i along x, j along y; a global
/// array is [ny][nx] row-major) over the ranks of `comm`, with a Cartesian communicator
/// (MPI_Cart_create, rank order unchanged). Blocks tile the grid, sizes differ by at most one per
/// direction (the first `n % p` blocks of a direction get one more point), and none is empty.
/// Copies share the one communicator (freed with the last copy). Sequential equivalent: the whole
/// grid as one block. Cost: construction is collective (MPI_Cart_create); the accessors are O(1).
class CartGrid2D {
 public:
  /// Decomposes `nx` x `ny` points over `comm`'s ranks (collective). Throws hypar::Error when a
  /// size is below 1, `options.dims` has a negative entry or a product other than comm.size(),
  /// or a block would be empty.
  CartGrid2D(const Communicator& comm, int nx, int ny, GridOptions options = {});

  /// Ranks along x and y.
  std::array<int, 2> dims() const noexcept { return state_->dims; }
  /// This rank's position in the process grid (0 <= coords()[d] < dims()[d]).
  std::array<int, 2> coords() const noexcept { return state_->coords; }
  /// Whether x and y are periodic.
  std::array<bool, 2> periodic() const noexcept { return state_->periodic; }
  /// Global sizes.
  int nx() const noexcept { return state_->nx; }
  int ny() const noexcept { return state_->ny; }
  /// This rank's first global index along x and y.
  int x0() const noexcept { return state_->block.x0; }
  int y0() const noexcept { return state_->block.y0; }
  /// This rank's block size along x and y (at least 1).
  int local_nx() const noexcept { return state_->block.nx; }
  int local_ny() const noexcept { return state_->block.ny; }
  /// This rank's block.
  GridBlock block() const noexcept { return state_->block; }
  /// The block of any rank of comm() (O(1), no communication).
  GridBlock block_of(int rank) const;
  /// The process-grid coordinates of any rank of comm() (rank = cy * px + cx, row-major with x
  /// fastest, the order of MPI_Cart_create with dims {py, px}).
  std::array<int, 2> coords_of(int rank) const;
  /// The smallest block size along x and y over all ranks (n / p, rounded down).
  int min_block_nx() const noexcept { return state_->nx / state_->dims[0]; }
  int min_block_ny() const noexcept { return state_->ny / state_->dims[1]; }
  /// The rank at offset (dx, dy) in the process grid, dx and dy in {-1, 0, 1} (diagonals
  /// included), wrapped at a periodic edge, -1 past a non-periodic one. neighbor(0, 0) is this
  /// rank. With one rank in a periodic direction the neighbour there is this rank itself.
  int neighbor(int dx, int dy) const;
  /// The Cartesian communicator the grid's collectives run on.
  const Communicator& comm() const noexcept { return state_->comm; }

 private:
  struct State {
    explicit State(MPI_Comm c);
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State();
    MPI_Comm native;
    Communicator comm;
    int nx = 0, ny = 0;
    std::array<int, 2> dims{}, coords{};
    std::array<bool, 2> periodic{};
    GridBlock block;
    std::array<int, 9> neighbors{};
  };
  std::shared_ptr<const State> state_;
};

namespace detail {
/// The process grid CartGrid2D uses for `size` ranks over nx x ny points with the requested
/// `dims` (0 = choose); throws hypar::Error as CartGrid2D does. Exposed for the tests.
std::array<int, 2> choose_grid_dims(int size, int nx, int ny, std::array<int, 2> dims);
/// The block [first, first + count) of part `c` of `n` points cut into `p` parts.
inline std::array<int, 2> split_1d(int n, int p, int c) noexcept {
  const int base = n / p, rem = n % p;
  return {c * base + (c < rem ? c : rem), base + (c < rem ? 1 : 0)};
}
}  // namespace detail

}  // namespace hypar::dist
