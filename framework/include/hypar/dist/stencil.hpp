#pragma once
// Time stepping of a five-point stencil on a distributed Field2D: tiles as OpenMP tasks, the halo
// exchange overlapped with the tiles that do not need it, and temporal blocking (several steps per
// pass over cache-sized tiles, deep halos exchanged once per pass). See docs/grid.md.
//
// Design note: one pass of T steps
// --------------------------------
// The field `u` has a halo of width W >= T. A pass advances it T steps:
//   1. start the halo exchange of u (width W: edges and corners, a diagonal neighbour's corner is
//      needed because the dependency cone of T steps of a 5-point stencil is a diamond);
//   2. run the *inner* tiles, whose cone (the tile grown by T cells) lies inside the block, as
//   tasks
//      while the messages travel (thread 0, the MPI main thread, pokes MPI between tiles so that a
//      rendezvous message progresses);
//   3. finish the exchange, mirror the halo at Neumann edges;
//   4. run the *edge* tiles (the frame of width T around the inner region) as tasks;
//   5. swap u with the second field the results were written into.
// A tile advances T steps on its own: step s (1..T) updates the tile grown by T - s cells (except
// across a Dirichlet edge, whose ghost cells are fixed values and are never updated), reading step
// s - 1. The steps run as a wavefront over the rows: at position k, step s computes row k - s,
// whose three input rows of step s - 1 are then done; step 1 reads u in place, steps 2..T - 1
// keep three rows each in a per-thread ring (in L1/L2), step T writes the output field. So each
// cell of u is read once and each cell of the output written once per T steps. The cells a tile
// recomputes beyond its own edge (the redundant ring of overlapped tiling) are what makes tiles
// and ranks independent: no synchronisation between tiles inside a pass, one exchange per T steps
// across ranks, memory traffic per step divided by about T.
//
// Why the result does not depend on the layout: every value of every step is computed by the one
// row kernel from the same inputs, whatever tile, thread, rank or pass computes it (the kernel's
// expression order is fixed on all its code paths: kernels/heat.hpp). At a Neumann edge the halo
// is the mirror image of the interior; the kernel adds neighbour pairs symmetrically, so the mirror
// image evolves bitwise as the interior does and mirroring W cells once per pass equals mirroring
// one cell every step. Hence the field after n steps is bitwise the same for every process grid,
// thread count, tile size, time block and overlap setting (tests/mpi/dist/test_stencil.cpp).

#include <mpi.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <hypar/core/error.hpp>
#include <hypar/core/join.hpp>
#include <hypar/core/pool.hpp>
#include <hypar/dist/field.hpp>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hypar::dist {

/// What lies past a non-periodic edge of the global grid.
enum class Boundary {
  dirichlet,  ///< fixed values: the halo cells there keep what they hold (0 unless set)
  neumann,    ///< insulated: the halo mirrors the interior (ghost -d equals cell d - 1)
};

/// How a StencilSweep walks the field.
struct SweepOptions {
  /// Steps per pass over each tile (temporal blocking); 1 is the plain sweep. At most the field's
  /// halo width (the deep halo is exchanged once per pass).
  int time_block = 1;
  /// Update the tiles that need no halo while the exchange travels.
  bool overlap = true;
  /// Tile size in cells (interior of a tile); 0 chooses: full rows for the plain sweep, wide
  /// tiles (kWavefrontWidth x kWavefrontHeight) whose wavefront rings stay in a core's L2 cache
  /// for temporal blocking.
  int tile_nx = 0;
  int tile_ny = 0;
  /// The boundary condition at non-periodic edges.
  Boundary boundary = Boundary::dirichlet;
};

/// Advances a Field2D<T> by steps of a five-point stencil whose update of a row segment is
/// `kernel(c, n, s, out, count)`: `out[i]` from `c[i - 1], c[i], c[i + 1]` (the row), `n[i]` (row
/// j + 1) and `s[i]` (row j - 1), for `i` in [0, count), e.g. hypar::kernels::heat_row. The kernel
/// must compute each cell from its five inputs only, in one fixed way (then the result is bitwise
/// layout-independent: design note above). If the kernel also has `stream(c, n, s, out, count)`,
/// the same computation with non-temporal stores (kernels::heat_row_streaming), rows of the output
/// field are written with it. Keeps a second field of the same layout (the
/// destination of each pass) and per-thread rings for temporal blocking. Sequential equivalent:
/// `steps` Jacobi sweeps over the global array with ghost cells set by the boundary condition.
/// Cost per pass of T steps: one halo exchange of width T, (1 + about 2 T / tile) times the
/// stencil's flops, and about 24 / T bytes of memory traffic per cell and step.
template <class T, class Kernel>
class StencilSweep {
 public:
  /// The deepest time block.
  static constexpr int kMaxDepth = 64;
  /// Default tile size of temporal blocking (cells of the tile's interior).
  static constexpr int kWavefrontWidth = 1024;
  static constexpr int kWavefrontHeight = 256;

  /// A sweep of `u` (which must outlive it; it holds the current step after advance()). Throws
  /// hypar::Error if the time block is below 1 or exceeds the halo width of `u`, or a tile size is
  /// negative. No communication.
  StencilSweep(Field2D<T>& u, Kernel kernel, SweepOptions options = {})
      : u_(&u), next_(u), kernel_(std::move(kernel)), options_(options) {
    const int halo = u.halo();
    if (options_.time_block < 1 || options_.time_block > halo) {
      throw Error(
          "hypar::dist::StencilSweep: the time block (" + std::to_string(options_.time_block) +
          ") must be between 1 and the field's halo " + "width (" + std::to_string(halo) + ")");
    }
    if (options_.tile_nx < 0 || options_.tile_ny < 0)
      throw Error("hypar::dist::StencilSweep: tile sizes must be 0 (choose) or positive");
    const CartGrid2D& g = u.grid();
    // A side extends (its halo cells are updated like interior ones) when a neighbour rank is
    // there or the boundary mirrors; across a Dirichlet edge the halo is fixed.
    const bool neumann = options_.boundary == Boundary::neumann;
    extends_ = {g.neighbor(-1, 0) >= 0 || neumann, g.neighbor(1, 0) >= 0 || neumann,
                g.neighbor(0, -1) >= 0 || neumann, g.neighbor(0, 1) >= 0 || neumann};
    mirrors_ = {g.neighbor(-1, 0) < 0 && neumann, g.neighbor(1, 0) < 0 && neumann,
                g.neighbor(0, -1) < 0 && neumann, g.neighbor(0, 1) < 0 && neumann};
    plan_tiles();
  }

  StencilSweep(const StencilSweep&) = delete;
  StencilSweep& operator=(const StencilSweep&) = delete;

  /// Advances the field `steps` steps (passes of the time block, a shorter last pass). Collective
  /// over the grid; every rank must pass the same `steps`. Tiles run on the current pool.
  void advance(long long steps) {
    if (steps < 0)
      throw Error("hypar::dist::StencilSweep::advance: negative step count");
    while (steps > 0) {
      const int t = static_cast<int>(std::min<long long>(steps, options_.time_block));
      pass(t);
      steps -= t;
    }
  }

  /// The options in use (tile sizes as chosen).
  const SweepOptions& options() const noexcept { return options_; }
  /// The field being advanced.
  Field2D<T>& field() noexcept { return *u_; }

 private:
  struct Tile {
    int x0, y0, x1, y1;  // interior cells [x0, x1) x [y0, y1), local coordinates
  };
  struct Scratch {
    std::vector<T, detail::AlignedAllocator<T, 64>> rings;  // (depth - 1) levels x 3 rows
  };

  /// Splits the block into inner tiles (at least W cells from every edge: they need no halo) and
  /// edge tiles (the frame), for a pass of up to time_block steps.
  void plan_tiles() {
    const int nx = u_->local_nx(), ny = u_->local_ny();
    const int depth = options_.time_block;
    const std::size_t threads = std::max<std::size_t>(1, current_num_threads());
    if (options_.tile_nx == 0 || options_.tile_ny == 0) {
      if (depth == 1) {
        // Full rows, about 8 tiles per thread for work stealing, at least 4 rows each.
        const int rows = static_cast<int>(std::max<long long>(
            4, static_cast<long long>(ny) / (8 * static_cast<long long>(threads))));
        options_.tile_nx = options_.tile_nx ? options_.tile_nx : nx;
        options_.tile_ny = options_.tile_ny ? options_.tile_ny : rows;
      } else {
        // Wide tiles: long rows for the kernel and a thin recomputed ring (2 T columns); the
        // wavefront's rings, 3 (T - 1) rows of tile_nx + 2 T, are 170 KiB for T = 8 (in L2).
        // Measured here (8192^2, T = 8, 2 threads, G updates/s), before the row prefetch:
        // 256 x 256 2.32, 512 x 256 2.43, 512 x 128 2.60, 1024 x 128 2.86, 2048 x 64 2.85,
        // 1024 x 32 2.47 (the wavefront's start and end, 2 T rows, no longer small); 2 ranks x 1
        // thread: 512 x 256 2.40, 1024 x 128 2.72. With it: 1024 x 256 3.24, 1024 x 128 3.00,
        // 2048 x 256 3.17.
        options_.tile_nx = options_.tile_nx ? options_.tile_nx : kWavefrontWidth;
        options_.tile_ny = options_.tile_ny ? options_.tile_ny : kWavefrontHeight;
      }
    }
    const int ix0 = depth, iy0 = depth, ix1 = nx - depth, iy1 = ny - depth;
    inner_.clear();
    edge_.clear();
    auto cut = [&](std::vector<Tile>& out, int x0, int y0, int x1, int y1) {
      for (int y = y0; y < y1; y += options_.tile_ny)
        for (int x = x0; x < x1; x += options_.tile_nx)
          out.push_back(
              {x, y, std::min(x1, x + options_.tile_nx), std::min(y1, y + options_.tile_ny)});
    };
    if (ix0 < ix1 && iy0 < iy1) {
      cut(inner_, ix0, iy0, ix1, iy1);
      cut(edge_, 0, 0, nx, iy0);      // bottom strip, full width
      cut(edge_, 0, iy1, nx, ny);     // top strip
      cut(edge_, 0, iy0, ix0, iy1);   // left strip
      cut(edge_, ix1, iy0, nx, iy1);  // right strip
    } else {
      cut(edge_, 0, 0, nx, ny);
    }
  }

  void pass(int depth) {
    if (options_.overlap) {
      HaloExchange exchange = u_->start_exchange();
      run_tiles(inner_, depth, &exchange);
      exchange.finish();
      mirror_edges();
      run_tiles(edge_, depth, nullptr);
    } else {
      u_->exchange_halos();
      mirror_edges();
      run_tiles(inner_, depth, nullptr);
      run_tiles(edge_, depth, nullptr);
    }
    std::swap(*u_, next_);
  }

  /// Neumann: every halo cell past a mirroring edge gets the interior cell it mirrors (x sides over
  /// all rows first, then y sides over all columns, so corners are mirrored twice).
  void mirror_edges() {
    Field2D<T>& u = *u_;
    const int w = u.halo(), nx = u.local_nx(), ny = u.local_ny();
    for (int j = -w; j < ny + w; ++j) {
      for (int d = 1; d <= w; ++d) {
        if (mirrors_[0])
          u(-d, j) = u(d - 1, j);
        if (mirrors_[1])
          u(nx - 1 + d, j) = u(nx - d, j);
      }
    }
    for (int d = 1; d <= w; ++d) {
      for (int i = -w; i < nx + w; ++i) {
        if (mirrors_[2])
          u(i, -d) = u(i, d - 1);
        if (mirrors_[3])
          u(i, ny - 1 + d) = u(i, ny - d);
      }
    }
  }

  void run_tiles(const std::vector<Tile>& tiles, int depth, HaloExchange* exchange) {
    if (tiles.empty())
      return;
    const std::size_t threads = std::max<std::size_t>(1, current_num_threads());
    if (scratch_.size() < threads)
      scratch_.resize(threads);
    // Only the thread that started the exchange touches MPI (funneled and serialized programs).
    const std::thread::id caller = std::this_thread::get_id();
    auto one = [&](std::size_t k) noexcept {
      advance_tile(tiles[k], depth);
      if (exchange != nullptr && std::this_thread::get_id() == caller)
        exchange->progress();
    };
    hypar::detail::fork_each(0, tiles.size(), one);
  }

  /// A row of the output field: not read again in this pass, so written with the kernel's
  /// streaming form (`kernel.stream(c, n, s, out, count)`, non-temporal stores: no write-allocate
  /// read of the destination) when it has one.
  void write_output(const T* c, const T* n, const T* s, T* out, std::size_t count) noexcept {
    if constexpr (requires { kernel_.stream(c, n, s, out, count); })
      kernel_.stream(c, n, s, out, count);
    else
      kernel_(c, n, s, out, count);
  }

  /// Asks for the cache lines of `count` cells from `p` (for writing if `write`).
  static void prefetch_row(const T* p, int count, bool write) noexcept {
    const char* bytes = reinterpret_cast<const char*>(p);
    const std::size_t n = static_cast<std::size_t>(count) * sizeof(T);
    for (std::size_t at = 0; at < n; at += 64) {
      if (write)
        __builtin_prefetch(bytes + at, 1, 3);
      else
        __builtin_prefetch(bytes + at, 0, 3);
    }
  }

  /// Advances one tile `depth` steps (design note above) as a wavefront over its rows: at
  /// wavefront position k, level s (the field after s steps) gets row k - s, whose inputs, rows
  /// k - s - 1 .. k - s + 1 of level s - 1, are then all computed. Level 0 is the input field,
  /// level depth the output field; each level in between lives in a ring of three rows.
  void advance_tile(const Tile& tile, int depth) noexcept {
    const Field2D<T>& in = *u_;
    Field2D<T>& out = next_;
    const int nx = in.local_nx(), ny = in.local_ny();
    // The cells updated at step s: the tile grown by depth - s, clipped where the side is fixed.
    auto region = [&](int s) {
      const int g = depth - s;
      return Tile{extends_[0] ? tile.x0 - g : std::max(0, tile.x0 - g),
                  extends_[2] ? tile.y0 - g : std::max(0, tile.y0 - g),
                  extends_[1] ? tile.x1 + g : std::min(nx, tile.x1 + g),
                  extends_[3] ? tile.y1 + g : std::min(ny, tile.y1 + g)};
    };
    if (depth == 1) {
      for (int j = tile.y0; j < tile.y1; ++j)
        write_output(&in(tile.x0, j), &in(tile.x0, j + 1), &in(tile.x0, j - 1), &out(tile.x0, j),
                     static_cast<std::size_t>(tile.x1 - tile.x0));
      return;
    }
    // Ring rows span the tile grown by depth (plus the fixed cell beyond a Dirichlet edge).
    const int bx0 = tile.x0 - depth;
    const std::size_t stride =
        (static_cast<std::size_t>(tile.x1 - tile.x0 + 2 * depth) + 7) / 8 * 8;
    Scratch& sc = scratch_[static_cast<std::size_t>(omp_get_thread_num()) % scratch_.size()];
    const std::size_t need = stride * 3 * static_cast<std::size_t>(depth - 1);
    if (sc.rings.size() < need)
      sc.rings.assign(need, T{});
    std::array<Tile, kMaxDepth + 1> regions{};
    for (int s = 1; s <= depth; ++s)
      regions[static_cast<std::size_t>(s)] = region(s);
    // Row r of level s (1 <= s < depth), column bx0 .. in its ring.
    auto ring_row = [&](int s, int r) {
      const int slot = ((r % 3) + 3) % 3;
      return sc.rings.data() + (static_cast<std::size_t>(s - 1) * 3 + slot) * stride;
    };
    // Where level s keeps row r from column x: the field for level 0 and for the fixed rows beyond
    // a Dirichlet edge (never computed at any level), the ring otherwise.
    auto level_at = [&](int s, int x, int r) -> const T* {
      if (s == 0 || (r < 0 && !extends_[2]) || (r >= ny && !extends_[3]))
        return &in(x, r);
      return ring_row(s, r) + (x - bx0);
    };
    const int first = regions[1].y0 + 1,
              last = regions[static_cast<std::size_t>(depth)].y1 - 1 + depth;
    const Tile& r1 = regions[1];
    for (int k = first; k <= last; ++k) {
      // The row the next position brings from memory (the input row of step 1): a new row starts
      // on pages the hardware prefetcher has not seen yet; asking for its cache lines now hides
      // that latency behind this position's work (3.0 -> 3.15 G updates/s on 8192^2 here). The
      // output row needs no prefetch: it is written with streaming stores.
      prefetch_row(&in(r1.x0, std::min(k + 1, r1.y1)), r1.x1 - r1.x0, false);
      for (int s = 1; s <= depth; ++s) {
        const int r = k - s;
        const Tile& g = regions[static_cast<std::size_t>(s)];
        if (r < g.y0 || r >= g.y1)
          continue;
        const int x = g.x0;
        const auto count = static_cast<std::size_t>(g.x1 - g.x0);
        T* target = s == depth ? &out(x, r) : ring_row(s, r) + (x - bx0);
        kernel_(level_at(s - 1, x, r), level_at(s - 1, x, r + 1), level_at(s - 1, x, r - 1), target,
                count);
        if (s < depth) {
          // The fixed cells beyond a Dirichlet edge in x, for the next level's west / east reads.
          if (!extends_[0] && g.x0 == 0)
            ring_row(s, r)[-1 - bx0] = in(-1, r);
          if (!extends_[1] && g.x1 == nx)
            ring_row(s, r)[nx - bx0] = in(nx, r);
        }
      }
    }
  }

  Field2D<T>* u_;
  Field2D<T> next_;
  Kernel kernel_;
  SweepOptions options_;
  std::array<bool, 4> extends_{};  // left, right, bottom, top
  std::array<bool, 4> mirrors_{};
  std::vector<Tile> inner_, edge_;
  std::vector<Scratch> scratch_;
};

}  // namespace hypar::dist
