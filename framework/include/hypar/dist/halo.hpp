#pragma once
// Halo exchange of a padded 2D block: the plan (which region goes to which neighbour, as MPI
// derived datatypes) and the handle of one exchange in flight. Field2D (field.hpp) is the user's
// entry point; see docs/grid.md for the protocol.
//
// Design note
// -----------
// Every rank talks to its (up to) 8 neighbours directly: for each direction d = (dx, dy) with a
// neighbour it sends the `halo`-wide strip of its interior next to side d (a corner square for a
// diagonal) and receives the strip of its halo on side d. All 16 messages are posted at once
// (MPI_Irecv first, then MPI_Isend), so one exchange is one round of latency, and `finish` is one
// MPI_Waitall; corners travel straight from the diagonal neighbour instead of in a second phase
// through the edge neighbours, which is what lets the interior be updated between start and
// finish. The tag is the direction the message travels (0..8 offset by kTagBase), so two
// directions to the same rank (a periodic direction with one or two ranks) never mix; exchanges
// of several fields on one grid in flight at once must be started in the same order on every
// rank (MPI's non-overtaking rule then matches them).
//
// Two transports behind one switch (HaloMethod): MPI derived datatypes (MPI_Type_create_subarray
// on the padded layout: MPI reads and writes the field in place, no copies in hypar), and packed
// buffers (hypar copies each strip into a contiguous buffer, sends that, and unpacks on finish).
// docs/grid.md says which is faster here.

#include <mpi.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <hypar/dist/error.hpp>
#include <hypar/dist/timeout.hpp>
#include <memory>
#include <utility>
#include <vector>

namespace hypar::dist {

template <class T>
class Field2D;

namespace detail {

/// How a halo exchange moves its strips (internal switch; both give the same halos).
enum class HaloMethod {
  datatypes,  ///< MPI_Type_create_subarray on the field's memory, no copies in hypar
  packed,     ///< strips copied into contiguous buffers, sent, and copied back on finish
};

/// A rectangle of a block in local coordinates: cells [x, x + w) x [y, y + h).
struct HaloRect {
  int x, y, w, h;
};

/// Everything an exchange needs that depends only on the field's layout and the grid: for each
/// direction with a neighbour, the rank, the strips to send and receive, and their datatypes.
/// Built once per field layout (no communication), shared by copies of the field.
class HaloPlan {
 public:
  static constexpr int kTagBase = 0x4861;  // "Ha"

  struct Side {
    int neighbor;   ///< rank in the grid's communicator
    int send_tag;   ///< the direction of our message: kTagBase + (dy + 1) * 3 + dx + 1
    int recv_tag;   ///< the tag of the neighbour's message to us: that of the opposite direction
    HaloRect send;  ///< interior strip next to this side
    HaloRect recv;  ///< halo strip on this side
    MPI_Datatype send_type = MPI_DATATYPE_NULL;
    MPI_Datatype recv_type = MPI_DATATYPE_NULL;
  };

  /// The plan of a block of `nx` x `ny` cells with halo width `halo`, stored as `rows` rows of
  /// `stride` elements of `elem_bytes` bytes, local cell (0, 0) at row `halo`, column `lead`.
  /// `neighbors[(dy + 1) * 3 + dx + 1]` is the rank at (dx, dy) or -1.
  HaloPlan(MPI_Comm comm, std::size_t elem_bytes, int nx, int ny, int halo, int lead, int stride,
           const std::array<int, 9>& neighbors)
      : comm_(comm),
        elem_bytes_(elem_bytes),
        halo_(halo),
        lead_(lead),
        stride_(stride),
        rows_(ny + 2 * halo) {
    if (halo == 0)
      return;
    MPI_Datatype elem = MPI_DATATYPE_NULL;
    check(MPI_Type_contiguous(static_cast<int>(elem_bytes), MPI_BYTE, &elem),
          "MPI_Type_contiguous");
    // The x (or y) range of a strip next to side d: interior [0, h) or [n - h, n) or all of it;
    // halo [-h, 0) or [n, n + h) or all of it.
    auto inner = [halo](int d, int n) {
      return std::array<int, 2>{d < 0 ? 0 : d > 0 ? n - halo : 0, d == 0 ? n : halo};
    };
    auto outer = [halo](int d, int n) {
      return std::array<int, 2>{d < 0 ? -halo : d > 0 ? n : 0, d == 0 ? n : halo};
    };
    try {
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const int index = (dy + 1) * 3 + dx + 1;
          if ((dx == 0 && dy == 0) || neighbors[static_cast<std::size_t>(index)] < 0)
            continue;
          Side s{};
          s.neighbor = neighbors[static_cast<std::size_t>(index)];
          s.send_tag = kTagBase + index;
          s.recv_tag = kTagBase + 8 - index;
          const auto sx = inner(dx, nx), sy = inner(dy, ny), rx = outer(dx, nx), ry = outer(dy, ny);
          s.send = {sx[0], sy[0], sx[1], sy[1]};
          s.recv = {rx[0], ry[0], rx[1], ry[1]};
          sides_.push_back(s);  // before the types exist, so free_types() sees every one made
          sides_.back().send_type = make_type(s.send, elem);
          sides_.back().recv_type = make_type(s.recv, elem);
        }
      }
    } catch (...) {
      free_types();
      MPI_Type_free(&elem);
      throw;
    }
    MPI_Type_free(&elem);
  }
  HaloPlan(const HaloPlan&) = delete;
  HaloPlan& operator=(const HaloPlan&) = delete;
  ~HaloPlan() { free_types(); }

  MPI_Comm comm() const noexcept { return comm_; }
  const std::vector<Side>& sides() const noexcept { return sides_; }
  std::size_t elem_bytes() const noexcept { return elem_bytes_; }
  /// Byte offset of local cell (x, y) from the start of the storage.
  std::size_t offset(int x, int y) const noexcept {
    return (static_cast<std::size_t>(y + halo_) * static_cast<std::size_t>(stride_) +
            static_cast<std::size_t>(lead_ + x)) *
           elem_bytes_;
  }
  /// Bytes of one strip.
  std::size_t bytes(const HaloRect& r) const noexcept {
    return static_cast<std::size_t>(r.w) * static_cast<std::size_t>(r.h) * elem_bytes_;
  }
  /// Copies strip `r` of the storage at `base` to `out` (contiguous rows), or back.
  void pack(const char* base, const HaloRect& r, char* out) const noexcept {
    const std::size_t row = static_cast<std::size_t>(r.w) * elem_bytes_;
    for (int j = 0; j < r.h; ++j)
      std::memcpy(out + static_cast<std::size_t>(j) * row, base + offset(r.x, r.y + j), row);
  }
  void unpack(char* base, const HaloRect& r, const char* in) const noexcept {
    const std::size_t row = static_cast<std::size_t>(r.w) * elem_bytes_;
    for (int j = 0; j < r.h; ++j)
      std::memcpy(base + offset(r.x, r.y + j), in + static_cast<std::size_t>(j) * row, row);
  }

 private:
  MPI_Datatype make_type(const HaloRect& r, MPI_Datatype elem) const {
    const int full[2] = {rows_, stride_};
    const int sub[2] = {r.h, r.w};
    const int start[2] = {r.y + halo_, lead_ + r.x};
    MPI_Datatype t = MPI_DATATYPE_NULL;
    check(MPI_Type_create_subarray(2, full, sub, start, MPI_ORDER_C, elem, &t),
          "MPI_Type_create_subarray");
    check(MPI_Type_commit(&t), "MPI_Type_commit");
    return t;
  }
  void free_types() noexcept {
    int finalized = 0;
    MPI_Finalized(&finalized);
    for (Side& s : sides_) {
      if (finalized)
        break;
      if (s.send_type != MPI_DATATYPE_NULL)
        MPI_Type_free(&s.send_type);
      if (s.recv_type != MPI_DATATYPE_NULL)
        MPI_Type_free(&s.recv_type);
    }
    sides_.clear();
  }

  MPI_Comm comm_;
  std::size_t elem_bytes_;
  int halo_, lead_, stride_;
  int rows_;
  std::vector<Side> sides_;
};

}  // namespace detail

/// One halo exchange in flight, returned by Field2D::start_exchange. `finish()` waits for every
/// message and (packed transport) copies the received strips into the halo; after it, the field's
/// halos are as `exchange_halos()` leaves them. Until then the halo cells must not be read and
/// the interior strips next to a neighbour (the `halo` outermost interior cells) must not be
/// written; the rest of the interior is free. Destroying an unfinished exchange finishes it
/// (errors are then dropped: call finish() to see them). Move-only. Sequential equivalent:
/// copying the mirrored cells. Cost: see Field2D::start_exchange.
class HaloExchange {
 public:
  /// An exchange that has nothing in flight (finish() returns at once).
  HaloExchange() = default;
  HaloExchange(const HaloExchange&) = delete;
  HaloExchange& operator=(const HaloExchange&) = delete;
  HaloExchange(HaloExchange&& other) noexcept { *this = std::move(other); }
  HaloExchange& operator=(HaloExchange&& other) noexcept {
    if (this != &other) {
      wait_quietly();
      plan_ = std::move(other.plan_);
      base_ = other.base_;
      requests_ = std::move(other.requests_);
      buffers_ = std::move(other.buffers_);
      other.requests_.clear();
      other.plan_.reset();
    }
    return *this;
  }
  ~HaloExchange() { wait_quietly(); }

  /// Waits for every message of the exchange and fills the halo. Idempotent.
  void finish() {
    if (requests_.empty())
      return;
    std::vector<MPI_Request> requests = std::move(requests_);
    requests_.clear();
    if (detail::bounded_waits()) {
      detail::wait_bounded(requests.data(), static_cast<int>(requests.size()),
                           "the halo exchange (MPI_Waitall)");
    } else {
      detail::check(
          MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
          "MPI_Waitall");
    }
    unpack();
  }
  /// True when nothing is in flight.
  bool finished() const noexcept { return requests_.empty(); }

  /// Lets MPI move the messages along (MPI_Testall) without waiting, and reports whether all of
  /// them have arrived; call it now and then while updating the interior so that large messages
  /// (rendezvous protocol) progress before finish(). Must be called from the MPI main thread
  /// (MPI_THREAD_FUNNELED). finish() is still needed. Errors are left for finish() to report.
  bool progress() noexcept {
    if (requests_.empty())
      return true;
    int done = 0;
    MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE);
    return done != 0;
  }

 private:
  template <class T>
  friend class Field2D;

  /// Posts the exchange of the storage at `base` (every receive, then every send).
  HaloExchange(std::shared_ptr<const detail::HaloPlan> plan, char* base, detail::HaloMethod method)
      : plan_(std::move(plan)), base_(base) {
    const auto& sides = plan_->sides();
    if (sides.empty())
      return;
    const bool packed = method == detail::HaloMethod::packed;
    if (packed)
      buffers_.resize(2 * sides.size());
    requests_.reserve(2 * sides.size());
    const MPI_Comm comm = plan_->comm();
    try {
      for (std::size_t s = 0; s < sides.size(); ++s) {
        const auto& side = sides[s];
        MPI_Request r = MPI_REQUEST_NULL;
        if (packed) {
          buffers_[s].resize(plan_->bytes(side.recv));
          detail::check(MPI_Irecv(buffers_[s].data(), static_cast<int>(buffers_[s].size()),
                                  MPI_BYTE, side.neighbor, side.recv_tag, comm, &r),
                        "MPI_Irecv");
        } else {
          detail::check(MPI_Irecv(base_, 1, side.recv_type, side.neighbor, side.recv_tag, comm, &r),
                        "MPI_Irecv");
        }
        requests_.push_back(r);
      }
      for (std::size_t s = 0; s < sides.size(); ++s) {
        const auto& side = sides[s];
        MPI_Request r = MPI_REQUEST_NULL;
        if (packed) {
          auto& buffer = buffers_[sides.size() + s];
          buffer.resize(plan_->bytes(side.send));
          plan_->pack(base_, side.send, buffer.data());
          detail::check(MPI_Isend(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE,
                                  side.neighbor, side.send_tag, comm, &r),
                        "MPI_Isend");
        } else {
          detail::check(MPI_Isend(base_, 1, side.send_type, side.neighbor, side.send_tag, comm, &r),
                        "MPI_Isend");
        }
        requests_.push_back(r);
      }
    } catch (...) {
      wait_quietly();
      throw;
    }
  }

  void unpack() noexcept {
    if (buffers_.empty())
      return;
    const auto& sides = plan_->sides();
    for (std::size_t s = 0; s < sides.size(); ++s)
      plan_->unpack(base_, sides[s].recv, buffers_[s].data());
    buffers_.clear();
  }
  void wait_quietly() noexcept {
    if (requests_.empty())
      return;
    MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
    requests_.clear();
    unpack();
  }

  std::shared_ptr<const detail::HaloPlan> plan_;
  char* base_ = nullptr;
  std::vector<MPI_Request> requests_;
  std::vector<std::vector<char>> buffers_;  // packed: receive strips, then send strips
};

}  // namespace hypar::dist
