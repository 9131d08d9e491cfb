// CartGrid2D: choosing the process grid, MPI_Cart_create, blocks and neighbours. See
// docs/grid.md.
#include <hypar/core/error.hpp>
#include <hypar/dist/grid.hpp>
#include <string>

namespace hypar::dist {

namespace detail {

std::array<int, 2> choose_grid_dims(int size, int nx, int ny, std::array<int, 2> dims) {
  const std::string where = "hypar::dist::CartGrid2D: ";
  if (nx < 1 || ny < 1) {
    throw Error(where + "the grid must have at least one point in each direction (got " +
                std::to_string(nx) + " x " + std::to_string(ny) + ")");
  }
  if (dims[0] < 0 || dims[1] < 0)
    throw Error(where + "dims must be 0 (choose) or positive");
  if (static_cast<long long>(nx) * ny < size) {
    throw Error(where + "a " + std::to_string(nx) + " x " + std::to_string(ny) + " grid has " +
                "fewer points than the " + std::to_string(size) +
                " ranks: some block would be empty");
  }
  auto fits = [&](int px, int py) { return px <= nx && py <= ny; };
  auto describe = [](int px, int py) { return std::to_string(px) + " x " + std::to_string(py); };
  if (dims[0] > 0 && dims[1] > 0) {
    if (static_cast<long long>(dims[0]) * dims[1] != size) {
      throw Error(where + "dims " + describe(dims[0], dims[1]) + " do not multiply to the " +
                  std::to_string(size) + " ranks of the communicator");
    }
  } else {
    // MPI_Dims_create's answer (it fills the zeros; {0, 0} gives px >= py).
    std::array<int, 2> chosen = dims;
    if ((dims[0] > 0 && size % dims[0] != 0) || (dims[1] > 0 && size % dims[1] != 0)) {
      throw Error(where + "no process grid with " +
                  std::to_string(dims[0] > 0 ? dims[0] : dims[1]) + " ranks in one direction has " +
                  std::to_string(size) + " ranks");
    }
    check(MPI_Dims_create(size, 2, chosen.data()), "MPI_Dims_create");
    if (dims[0] == 0 && dims[1] == 0 && !fits(chosen[0], chosen[1])) {
      // The grid is thinner than MPI_Dims_create's process grid in one direction: take the
      // factorisation that fits with the least halo traffic per step.
      bool found = false;
      double best = 0;
      for (int px = 1; px <= size; ++px) {
        if (size % px != 0 || !fits(px, size / px))
          continue;
        const double cost = double(nx) / px + double(ny) / (size / px);
        if (!found || cost < best) {
          found = true;
          best = cost;
          chosen = {px, size / px};
        }
      }
      if (!found) {
        throw Error(where + "no process grid of " + std::to_string(size) + " ranks fits a " +
                    describe(nx, ny) + " grid without an empty block");
      }
    }
    dims = chosen;
  }
  if (!fits(dims[0], dims[1])) {
    throw Error(where + "the process grid " + describe(dims[0], dims[1]) +
                " leaves a block of the " + describe(nx, ny) +
                " grid empty (blocks must hold at least one point per direction)");
  }
  return dims;
}

}  // namespace detail

CartGrid2D::State::State(MPI_Comm c) : native(c), comm(c) {}

CartGrid2D::State::~State() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized)
    MPI_Comm_free(&native);
}

CartGrid2D::CartGrid2D(const Communicator& comm, int nx, int ny, GridOptions options) {
  const std::array<int, 2> dims = detail::choose_grid_dims(comm.size(), nx, ny, options.dims);
  // MPI orders a Cartesian grid row-major with the last dimension fastest: {py, px} makes
  // rank = cy * px + cx, x fastest, as the global array's memory order.
  int mpi_dims[2] = {dims[1], dims[0]};
  int mpi_periods[2] = {options.periodic[1] ? 1 : 0, options.periodic[0] ? 1 : 0};
  MPI_Comm cart = MPI_COMM_NULL;
  detail::check(MPI_Cart_create(comm.native(), 2, mpi_dims, mpi_periods, 0, &cart),
                "MPI_Cart_create");
  auto state = std::make_shared<State>(cart);
  state->nx = nx;
  state->ny = ny;
  state->dims = dims;
  state->periodic = options.periodic;
  int mpi_coords[2] = {0, 0};
  detail::check(MPI_Cart_coords(cart, state->comm.rank(), 2, mpi_coords), "MPI_Cart_coords");
  state->coords = {mpi_coords[1], mpi_coords[0]};
  const auto bx = detail::split_1d(nx, dims[0], state->coords[0]);
  const auto by = detail::split_1d(ny, dims[1], state->coords[1]);
  state->block = {bx[0], by[0], bx[1], by[1]};
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      std::array<int, 2> c = {state->coords[0] + dx, state->coords[1] + dy};
      bool outside = false;
      for (int d = 0; d < 2; ++d) {
        if (c[d] >= 0 && c[d] < dims[d])
          continue;
        if (options.periodic[d])
          c[d] = (c[d] + dims[d]) % dims[d];
        else
          outside = true;
      }
      state->neighbors[static_cast<std::size_t>((dy + 1) * 3 + dx + 1)] =
          outside ? -1 : c[1] * dims[0] + c[0];
    }
  }
  state_ = std::move(state);
}

GridBlock CartGrid2D::block_of(int rank) const {
  const auto c = coords_of(rank);
  const auto bx = detail::split_1d(state_->nx, state_->dims[0], c[0]);
  const auto by = detail::split_1d(state_->ny, state_->dims[1], c[1]);
  return {bx[0], by[0], bx[1], by[1]};
}

std::array<int, 2> CartGrid2D::coords_of(int rank) const {
  if (rank < 0 || rank >= state_->comm.size())
    throw Error("hypar::dist::CartGrid2D::coords_of: rank " + std::to_string(rank) +
                " is not in the grid");
  return {rank % state_->dims[0], rank / state_->dims[0]};
}

int CartGrid2D::neighbor(int dx, int dy) const {
  if (dx < -1 || dx > 1 || dy < -1 || dy > 1)
    throw Error("hypar::dist::CartGrid2D::neighbor: dx and dy must be -1, 0 or 1");
  return state_->neighbors[static_cast<std::size_t>((dy + 1) * 3 + dx + 1)];
}

}  // namespace hypar::dist
