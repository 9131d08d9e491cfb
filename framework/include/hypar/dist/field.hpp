#pragma once
// A distributed 2D field: each rank's block of a CartGrid2D plus a halo, in padded aligned rows;
// halo exchange, gather / scatter, and a global sum and l2 norm that are bitwise the same for
// every process grid and thread count. See docs/grid.md.
//
// Design note: why sum() does not depend on the layout
// -----------------------------------------------------
// Floating-point addition is not associative, so any sum whose order follows the decomposition
// (per-rank partials, per-thread partials) changes in the last bits when the process grid or the
// thread count changes. sum() instead accumulates *exactly*: every double is an integer multiple
// of 2^-1074 below 2^1024, so a fixed-point integer of 72 limbs of 32 bits (ExactSum, weights
// 2^(32 k - 1074)) holds any sum of up to 2^64 doubles without rounding. Integer addition is
// associative, so per-thread accumulators, per-rank accumulators and MPI_SUM over the limbs (an
// integer reduction, in any order MPI likes) all give the same integer; it is rounded to the
// nearest double (ties to even) once, at the end. The result is the correctly rounded exact sum:
// layout-independent, and at least as accurate as any summation order. The l2 norm accumulates
// each square exactly as two doubles (x * x and the fma remainder) and takes one correctly
// rounded square root of the correctly rounded sum. Cost: a few integer operations per cell
// (about a naive sum's cost times 3 to 5), 600 bytes per thread, one MPI_Allreduce of 75 integers.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/core/join.hpp>
#include <hypar/dist/grid.hpp>
#include <hypar/dist/halo.hpp>
#include <hypar/dist/timeout.hpp>
#include <limits>
#include <memory>
#include <new>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace hypar::dist {

namespace detail {

/// std::allocator with `Align`-byte alignment (at least alignof(T)).
template <class T, std::size_t Align>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t alignment = Align > alignof(T) ? Align : alignof(T);
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) noexcept {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{alignment}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete (p, std::align_val_t{alignment});
  }
  template <class U>
  bool operator==(const AlignedAllocator<U, Align>&) const noexcept {
    return true;
  }
};

/// The exact sum of doubles as a fixed-point integer (see the design note above): limb k has
/// weight 2^(32 k - 1074) and, once normalised, lies in [0, 2^32), the top limb carrying the
/// sign. NaNs and infinities are counted apart. Sequential equivalent: summing in infinite
/// precision. Cost: add() is a few integer operations and three limb updates.
class ExactSum {
 public:
  static constexpr int kLimbs = 72;
  /// The limbs and the special-value counts as one array (for MPI_Allreduce with MPI_SUM).
  static constexpr int kWords = kLimbs + 3;

  /// Adds `x` exactly.
  void add(double x) noexcept {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    const int e = static_cast<int>((bits >> 52) & 0x7ff);
    std::uint64_t m = bits & ((std::uint64_t{1} << 52) - 1);
    if (e == 0x7ff) {
      ++w_[m != 0 ? kNan : (bits >> 63) != 0 ? kNegInf : kPosInf];
      return;
    }
    int shift = 0;  // x = m * 2^(shift - 1074)
    if (e != 0) {
      m |= std::uint64_t{1} << 52;
      shift = e - 1;
    }
    if (m == 0)
      return;
    const int limb = shift >> 5, off = shift & 31;
    const std::uint64_t lo = (m & 0xffffffffu) << off;  // < 2^64
    const std::uint64_t hi = (m >> 32) << off;          // < 2^53
    const auto c0 = static_cast<std::int64_t>(lo & 0xffffffffu);
    const auto c1 = static_cast<std::int64_t>((lo >> 32) + (hi & 0xffffffffu));
    const auto c2 = static_cast<std::int64_t>(hi >> 32);
    std::int64_t* w = w_ + limb;
    if ((bits >> 63) != 0) {
      w[0] -= c0;
      w[1] -= c1;
      w[2] -= c2;
    } else {
      w[0] += c0;
      w[1] += c1;
      w[2] += c2;
    }
    // Each add moves a limb by less than 2^33: normalise long before 2^63.
    if (++pending_ == (1 << 20))
      normalize();
  }

  /// Adds another accumulator (exact).
  void merge(const ExactSum& other) noexcept {
    for (int k = 0; k < kWords; ++k)
      w_[k] += other.w_[k];
    pending_ += other.pending_ + 1;
    normalize();
  }

  /// Propagates carries so every limb but the top lies in [0, 2^32).
  void normalize() noexcept {
    for (int k = 0; k + 1 < kLimbs; ++k) {
      const std::int64_t carry = w_[k] >> 32;  // floor division (C++20: arithmetic shift)
      w_[k] &= 0xffffffff;
      w_[k + 1] += carry;
    }
    pending_ = 0;
  }

  /// The words, normalised, for a reduction; `from_words` takes a reduced array back.
  std::int64_t* words() noexcept { return w_; }
  void words_reduced() noexcept { normalize(); }

  /// The exact sum rounded to the nearest double, ties to even; NaN if a NaN or both infinities
  /// were added, else +-inf if one infinity was (or the sum overflows). An exact zero is +0.
  double value() const noexcept {
    if (w_[kNan] != 0 || (w_[kPosInf] != 0 && w_[kNegInf] != 0))
      return std::numeric_limits<double>::quiet_NaN();
    if (w_[kPosInf] != 0)
      return std::numeric_limits<double>::infinity();
    if (w_[kNegInf] != 0)
      return -std::numeric_limits<double>::infinity();
    ExactSum a = *this;
    a.normalize();
    const bool negative = a.w_[kLimbs - 1] < 0;
    if (negative) {
      for (int k = 0; k < kLimbs; ++k)
        a.w_[k] = -a.w_[k];
      a.normalize();
    }
    int top = kLimbs - 1;
    while (top >= 0 && a.w_[top] == 0)
      --top;
    if (top < 0)
      return 0.0;
    const auto limb = [&](int k) { return static_cast<std::uint64_t>(a.w_[k]); };
    const auto bit = [&](int b) { return (limb(b >> 5) >> (b & 31)) & 1u; };
    const int p = 32 * top + static_cast<int>(std::bit_width(limb(top))) - 1;  // highest set bit
    double magnitude = 0;
    if (p < 53) {  // exact: at most 53 significant bits at the weight of the smallest subnormal
      const std::uint64_t n = limb(0) | (top >= 1 ? limb(1) << 32 : 0);
      magnitude = std::ldexp(static_cast<double>(n), -1074);
    } else {
      std::uint64_t m = 0;
      for (int b = p; b > p - 53; --b)
        m = (m << 1) | bit(b);
      const bool round = bit(p - 53) != 0;
      bool sticky = false;
      for (int b = 0; b < p - 53 && !sticky; ++b) {
        if ((b & 31) == 0 && b + 32 <= p - 53 && limb(b >> 5) == 0) {
          b += 31;  // a whole zero limb
          continue;
        }
        sticky = bit(b) != 0;
      }
      int exponent = p - 52 - 1074;
      if (round && (sticky || (m & 1u) != 0)) {
        ++m;
        if (m == (std::uint64_t{1} << 53)) {
          m >>= 1;
          ++exponent;
        }
      }
      magnitude = std::ldexp(static_cast<double>(m), exponent);  // exact, or inf on overflow
    }
    return negative ? -magnitude : magnitude;
  }

 private:
  static constexpr int kNan = kLimbs, kPosInf = kLimbs + 1, kNegInf = kLimbs + 2;
  std::int64_t w_[kWords] = {};
  int pending_ = 0;
};

}  // namespace detail

/// A distributed 2D field of `T` on a CartGrid2D: this rank's `local_nx()` x `local_ny()` block
/// plus `halo` cells on every side. Storage is one contiguous allocation of padded rows: each
/// row's interior starts on a 64-byte boundary and the row stride is a multiple of 64 bytes, so
/// `row(j)` is aligned for SIMD on every row; `stride()` elements separate rows. Cells start
/// value-initialised (0). Copies are deep (and share the grid). The grid's communicator is used
/// by every collective member (`exchange_halos`, `gather`, `scatter`, `sum`, `norm`), which
/// every rank of the grid must call in the same order. Sequential equivalent: a `[ny][nx]`
/// array with a ghost frame. Cost: memory (local_ny + 2 halo) * stride() * sizeof(T).
template <class T>
class Field2D {
  static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>,
                "hypar::dist::Field2D sends cells as bytes: T must be trivially copyable");

 public:
  using value_type = T;

  /// The field of `grid` with halo width `halo` (0 allowed). Throws hypar::Error if `halo` is
  /// negative or exceeds the smallest block of the grid in either direction (a halo strip must
  /// come from one neighbour). No communication.
  Field2D(const CartGrid2D& grid, int halo) : grid_(grid), halo_(halo) {
    const int smallest = std::min(grid.min_block_nx(), grid.min_block_ny());
    if (halo < 0 || halo > smallest) {
      throw Error("hypar::dist::Field2D: halo width " + std::to_string(halo) +
                  (halo < 0 ? " is negative"
                            : " exceeds the smallest block (" + std::to_string(smallest) +
                                  " cells) of the grid"));
    }
    // Rows are padded to whole multiples of `unit` elements (lcm(64, sizeof T) bytes), with the
    // interior of every row starting on a unit boundary.
    constexpr std::size_t unit = std::lcm(std::size_t{64}, sizeof(T)) / sizeof(T);
    const auto round_up = [](std::size_t n) { return (n + unit - 1) / unit * unit; };
    lead_ = round_up(static_cast<std::size_t>(halo));
    stride_ = round_up(lead_ + static_cast<std::size_t>(grid.local_nx() + halo));
    const std::size_t rows = static_cast<std::size_t>(grid.local_ny() + 2 * halo);
    storage_.assign(rows * stride_, T{});
    origin_ = static_cast<std::size_t>(halo) * stride_ + lead_;
    std::array<int, 9> neighbors{};
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        neighbors[static_cast<std::size_t>((dy + 1) * 3 + dx + 1)] = grid.neighbor(dx, dy);
    plan_ = std::make_shared<const detail::HaloPlan>(
        grid.comm().native(), sizeof(T), grid.local_nx(), grid.local_ny(), halo,
        static_cast<int>(lead_), static_cast<int>(stride_), neighbors);
  }

  /// The grid this field lives on.
  const CartGrid2D& grid() const noexcept { return grid_; }
  /// The halo width.
  int halo() const noexcept { return halo_; }
  /// This rank's block size (the grid's local_nx / local_ny).
  int local_nx() const noexcept { return grid_.local_nx(); }
  int local_ny() const noexcept { return grid_.local_ny(); }
  /// Elements from one row to the next (a multiple of 64 bytes).
  std::size_t stride() const noexcept { return stride_; }

  /// Cell (i, j) in local coordinates, -halo <= i < local_nx + halo, -halo <= j < local_ny +
  /// halo; (0, 0) is global (x0, y0). Unchecked. Cost: O(1).
  T& operator()(int i, int j) noexcept { return storage_[index(i, j)]; }
  const T& operator()(int i, int j) const noexcept { return storage_[index(i, j)]; }
  /// Cell at global coordinates (gi, gj): the same cell as (gi - x0, gj - y0), so also the
  /// halo cells around the block (gi may be -1 or nx at a periodic edge). Unchecked.
  T& global(int gi, int gj) noexcept { return (*this)(gi - grid_.x0(), gj - grid_.y0()); }
  const T& global(int gi, int gj) const noexcept {
    return (*this)(gi - grid_.x0(), gj - grid_.y0());
  }
  /// Whether global cell (gi, gj) is in this rank's interior.
  bool owns(int gi, int gj) const noexcept {
    return gi >= grid_.x0() && gi < grid_.x0() + local_nx() && gj >= grid_.y0() &&
           gj < grid_.y0() + local_ny();
  }
  /// The `local_nx()` interior cells of local row j (0 <= j < local_ny), contiguous and 64-byte
  /// aligned. Cost: O(1).
  std::span<T> row(int j) noexcept {
    return {storage_.data() + index(0, j), static_cast<std::size_t>(local_nx())};
  }
  std::span<const T> row(int j) const noexcept {
    return {storage_.data() + index(0, j), static_cast<std::size_t>(local_nx())};
  }

  /// Sets every interior cell (i, j) to `fn(x0 + i, y0 + j)` (global coordinates), row by row on
  /// the calling thread; halos are untouched. Sequential equivalent: the loop over the global
  /// array restricted to this block. Cost: one call per interior cell.
  template <class Fn>
  void fill(Fn&& fn) {
    for (int j = 0; j < local_ny(); ++j) {
      T* r = storage_.data() + index(0, j);
      for (int i = 0; i < local_nx(); ++i)
        r[i] = static_cast<T>(fn(grid_.x0() + i, grid_.y0() + j));
    }
  }

  /// Fills every halo cell with the value of the interior cell it mirrors (edges and corners, the
  /// full width, wrapped at periodic edges); halo cells past a non-periodic edge are left as they
  /// are. Collective over the grid. Same as `start_exchange().finish()`. `method` is an internal
  /// switch between the two transports (detail::HaloMethod); both give the same halos.
  /// Sequential equivalent: copying the ghost frame of a periodic array. Cost: one message to and
  /// from each of up to 8 neighbours, 2 * halo * (local_nx + local_ny + 2 halo) cells in all.
  void exchange_halos(detail::HaloMethod method = detail::HaloMethod::datatypes) {
    start_exchange(method).finish();
  }
  /// Starts exchange_halos and returns at once: update the interior cells at least `halo` cells
  /// from the block's edge while the messages travel (no halo cell may be read and no cell of the
  /// outer `halo`-wide interior frame written), then call `finish()` on the result. The field
  /// must outlive the exchange and must not be moved or reassigned meanwhile. Collective.
  [[nodiscard]] HaloExchange start_exchange(
      detail::HaloMethod method = detail::HaloMethod::datatypes) {
    return HaloExchange(plan_, reinterpret_cast<char*>(storage_.data()), method);
  }

  /// The global [ny][nx] array on `root` (every interior cell at [gj * nx + gi]), empty on the
  /// other ranks. Collective. Cost: every block travels to root once (MPI_Gatherv); O(nx * ny)
  /// memory on root. At most 2^31 - 1 bytes per rank.
  std::vector<T> gather(int root) const {
    std::vector<T> mine(static_cast<std::size_t>(local_nx()) * local_ny());
    for (int j = 0; j < local_ny(); ++j)
      std::copy_n(row(j).data(), local_nx(),
                  mine.data() + static_cast<std::size_t>(j) * local_nx());
    const Communicator& comm = grid_.comm();
    const std::vector<T> blocks = comm.gather(mine, root);
    if (comm.rank() != root)
      return {};
    std::vector<T> out(static_cast<std::size_t>(grid_.nx()) * grid_.ny());
    std::size_t at = 0;
    for (int r = 0; r < comm.size(); ++r) {
      const GridBlock b = grid_.block_of(r);
      for (int j = 0; j < b.ny; ++j, at += static_cast<std::size_t>(b.nx))
        std::copy_n(blocks.data() + at, b.nx,
                    out.data() + static_cast<std::size_t>(b.y0 + j) * grid_.nx() + b.x0);
    }
    return out;
  }

  /// Sets every interior cell from the global [ny][nx] array `array` given on `root` (ignored
  /// elsewhere); halos are untouched. Throws hypar::Error on every rank if root's array does not
  /// hold nx * ny cells. Collective. Cost: one MPI_Bcast of a flag, one MPI_Scatterv of the
  /// blocks. At most 2^31 - 1 cells in all.
  void scatter(int root, std::span<const T> array) {
    const Communicator& comm = grid_.comm();
    const std::size_t total = static_cast<std::size_t>(grid_.nx()) * grid_.ny();
    int ok = comm.rank() != root || array.size() == total ? 1 : 0;
    comm.broadcast(ok, root);
    if (ok == 0) {
      throw Error("hypar::dist::Field2D::scatter: the global array on rank " +
                  std::to_string(root) + " does not hold nx * ny = " + std::to_string(total) +
                  " cells");
    }
    if (total > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw Error("hypar::dist::Field2D::scatter: more than 2^31 - 1 cells");
    std::vector<T> packed;
    std::vector<int> counts, displs;
    if (comm.rank() == root) {
      packed.resize(total);
      counts.resize(static_cast<std::size_t>(comm.size()));
      displs.resize(static_cast<std::size_t>(comm.size()));
      std::size_t at = 0;
      for (int r = 0; r < comm.size(); ++r) {
        const GridBlock b = grid_.block_of(r);
        displs[static_cast<std::size_t>(r)] = static_cast<int>(at);
        counts[static_cast<std::size_t>(r)] = b.nx * b.ny;
        for (int j = 0; j < b.ny; ++j, at += static_cast<std::size_t>(b.nx))
          std::copy_n(array.data() + static_cast<std::size_t>(b.y0 + j) * grid_.nx() + b.x0, b.nx,
                      packed.data() + at);
      }
    }
    std::vector<T> mine(static_cast<std::size_t>(local_nx()) * local_ny());
    MPI_Datatype cell = MPI_DATATYPE_NULL;
    detail::check(MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &cell),
                  "MPI_Type_contiguous");
    MPI_Type_commit(&cell);
    const int code = MPI_Scatterv(packed.data(), counts.data(), displs.data(), cell, mine.data(),
                                  static_cast<int>(mine.size()), cell, root, comm.native());
    MPI_Type_free(&cell);
    detail::check(code, "MPI_Scatterv");
    for (int j = 0; j < local_ny(); ++j)
      std::copy_n(mine.data() + static_cast<std::size_t>(j) * local_nx(), local_nx(),
                  row(j).data());
  }

  /// The sum of every interior cell of every rank, the same on every rank: the exact sum rounded
  /// once to double (then to T), hence bitwise identical for every process grid and thread count
  /// (design note above). NaN if any cell is NaN. Parallel over rows on the current pool.
  /// Collective. Sequential equivalent: summing the global array in infinite precision. Cost:
  /// one pass over the block, one MPI_Allreduce of 75 integers.
  T sum() const requires std::is_floating_point_v<T> {
    return static_cast<T>(reduce_exact([](detail::ExactSum& acc, T x) { acc.add(double(x)); }));
  }

  /// The l2 norm sqrt(sum of x^2) over every interior cell of every rank, the same on every rank
  /// and bitwise identical for every layout: each square is added exactly (x * x and its fma
  /// remainder), the exact sum rounded once, then the correctly rounded square root. A square
  /// that overflows (|x| above about 1.3e154 for double) makes it inf. Collective. Cost: as sum().
  T norm() const requires std::is_floating_point_v<T> {
    const double squares = reduce_exact([](detail::ExactSum& acc, T value) {
      const double x = double(value);
      const double hi = x * x;
      acc.add(hi);
      if (std::isfinite(hi))
        acc.add(std::fma(x, x, -hi));
    });
    return static_cast<T>(std::sqrt(squares));
  }

 private:
  std::size_t index(int i, int j) const noexcept {
    return static_cast<std::size_t>(
        static_cast<std::ptrdiff_t>(origin_) +
        static_cast<std::ptrdiff_t>(j) * static_cast<std::ptrdiff_t>(stride_) + i);
  }

  /// Accumulates `add(acc, cell)` over the interior, rows split over the current pool's threads
  /// (one exact accumulator per piece, merged exactly), then over the ranks (MPI_SUM of limbs).
  template <class Add>
  double reduce_exact(Add add) const {
    const std::size_t rows = static_cast<std::size_t>(local_ny());
    const std::size_t pieces =
        std::min<std::size_t>(rows, 4 * std::max<std::size_t>(1, current_num_threads()));
    std::vector<detail::ExactSum> parts(pieces);
    auto piece = [&](std::size_t p) noexcept {
      for (std::size_t j = rows * p / pieces; j < rows * (p + 1) / pieces; ++j) {
        const std::span<const T> r = row(static_cast<int>(j));
        for (const T x : r)
          add(parts[p], x);
      }
      parts[p].normalize();
    };
    hypar::detail::fork_each(0, pieces, piece);
    detail::ExactSum total;
    for (const auto& part : parts)
      total.merge(part);
    total.normalize();
    const MPI_Comm comm = grid_.comm().native();
    detail::run_bounded(
        "MPI_Allreduce",
        [&] {
          return MPI_Allreduce(MPI_IN_PLACE, total.words(), detail::ExactSum::kWords, MPI_INT64_T,
                               MPI_SUM, comm);
        },
        [&](MPI_Request* r) {
          return MPI_Iallreduce(MPI_IN_PLACE, total.words(), detail::ExactSum::kWords, MPI_INT64_T,
                                MPI_SUM, comm, r);
        });
    total.words_reduced();
    return total.value();
  }

  CartGrid2D grid_;
  int halo_;
  std::size_t lead_ = 0, stride_ = 0, origin_ = 0;
  std::vector<T, detail::AlignedAllocator<T, 64>> storage_;
  std::shared_ptr<const detail::HaloPlan> plan_;
};

}  // namespace hypar::dist
