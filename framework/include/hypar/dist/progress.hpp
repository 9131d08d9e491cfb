#pragma once
// hypar::dist::Progress: one progress display for work spread over ranks. Every rank counts its
// own work (thread-safe `add`, as hypar::Progress); the counts are summed on rank 0 with
// non-blocking reductions (MPI_Ireduce) and drawn there only, so the other ranks print nothing
// and no rank ever waits for the display.
//
// Design. The constructor duplicates the communicator (the reductions never meet the program's
// own collectives) and sums the totals. If MPI provides MPI_THREAD_MULTIPLE, a thread per rank
// posts an MPI_Ireduce of the local count every `interval` and polls it with MPI_Test; rank 0
// shows the global sum. finish() (collective) keeps reporting until every rank has reached it (a
// non-blocking barrier, so a rank done early still shows its count on rank 0), then stops those
// threads without waiting for a reduction in flight, agrees on the largest number of reductions
// any rank posted (on a second
// duplicate, so the order of collectives stays the same on every rank), lets the ranks that
// posted fewer catch up, completes them all, and draws the final global count. Without
// MPI_THREAD_MULTIPLE (hypar's default is FUNNELED: only the main thread calls MPI), rank 0 shows
// its own share live, labelled as such, and the global count at finish().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <hypar/dist/communicator.hpp>
#include <hypar/sync/progress.hpp>
#include <memory>
#include <string>
#include <thread>

namespace hypar::dist {

/// A progress counter summed over the ranks of a communicator and drawn on rank 0.
/// Construction and finish() (or the destructor) are collective.
class Progress {
 public:
  /// `local_total`: this rank's share of the work; the display shows the sum over all ranks.
  /// `options` as for hypar::Progress (its style applies on rank 0; the others draw nothing).
  Progress(const Communicator& comm, std::uint64_t local_total, std::string label,
           hypar::Progress::Options options = {},
           std::chrono::milliseconds interval = std::chrono::milliseconds(200));
  /// Calls finish() if it was not called (collective: every rank must destroy its Progress).
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Counts `n` more units of this rank's work. Thread-safe, lock-free, never calls MPI.
  void add(std::uint64_t n = 1) noexcept {
    local_.fetch_add(n, std::memory_order_relaxed);
    if (own_share_)
      own_share_->add(n);
  }
  /// This rank's count.
  std::uint64_t local_position() const noexcept { return local_.load(std::memory_order_relaxed); }
  /// The sum of all ranks' totals.
  std::uint64_t total() const noexcept { return total_; }
  /// What rank 0's display counts now: the global sum as of the last reduction when live, rank
  /// 0's own count otherwise; 0 on other ranks.
  std::uint64_t displayed() const noexcept { return display_ ? display_->position() : 0; }
  /// Whether counts are aggregated while the work runs (MPI_THREAD_MULTIPLE provided).
  bool live() const noexcept { return live_; }
  /// Collective: stops aggregating, sums the final counts on rank 0 and draws the last line
  /// there. Returns that global count on rank 0 (this rank's count elsewhere). Idempotent.
  std::uint64_t finish();

 private:
  void aggregate();

  Communicator comm_;
  MPI_Comm reductions_ = MPI_COMM_NULL;  ///< the Ireduce traffic
  MPI_Comm agreement_ = MPI_COMM_NULL;   ///< finish()'s count agreement
  std::uint64_t total_ = 0;
  bool live_ = false;
  std::chrono::milliseconds interval_;
  std::atomic<std::uint64_t> local_{0};
  std::unique_ptr<hypar::Progress> display_;  ///< rank 0 only
  hypar::Progress* own_share_ = nullptr;      ///< the display, when it shows only this rank's count
  std::atomic<bool> stopping_{false};
  bool finished_ = false;
  std::uint64_t global_ = 0;
  // Reductions posted by the aggregator: the request in flight, its buffers.
  long long posted_ = 0;
  MPI_Request request_ = MPI_REQUEST_NULL;
  unsigned long long send_value_ = 0;
  unsigned long long recv_value_ = 0;
  std::thread aggregator_;
};

}  // namespace hypar::dist
