// hypar::dist::Progress: the aggregation thread and the collective finish.

#include <algorithm>
#include <hypar/dist/progress.hpp>
#include <vector>

namespace hypar::dist {

Progress::Progress(const Communicator& comm, std::uint64_t local_total, std::string label,
                   hypar::Progress::Options options, std::chrono::milliseconds interval)
    : comm_(comm), interval_(interval) {
  detail::check(MPI_Comm_dup(comm.native(), &reductions_), "MPI_Comm_dup");
  detail::check(MPI_Comm_dup(comm.native(), &agreement_), "MPI_Comm_dup");
  total_ = comm.all_reduce(local_total, std::plus<>{});
  int provided = MPI_THREAD_SINGLE;
  detail::check(MPI_Query_thread(&provided), "MPI_Query_thread");
  // Live only if every rank can: the ranks must post the same reductions.
  const int capable = provided >= MPI_THREAD_MULTIPLE ? 1 : 0;
  live_ = comm.size() > 1 && comm.all_reduce(capable, minimum{}) == 1;
  if (comm.rank() == 0) {
    if (!live_ && comm.size() > 1)
      label += " (rank 0's share)";
    display_ = std::make_unique<hypar::Progress>(live_ || comm.size() == 1 ? total_ : local_total,
                                                 std::move(label), options);
    if (!live_)
      own_share_ = display_.get();
  }
  if (live_)
    aggregator_ = std::thread([this] { aggregate(); });
}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {
    // A destructor must not throw; finish() failing means MPI itself failed.
  }
  if (reductions_ != MPI_COMM_NULL)
    MPI_Comm_free(&reductions_);
  if (agreement_ != MPI_COMM_NULL)
    MPI_Comm_free(&agreement_);
}

void Progress::aggregate() {
  // Runs only with MPI_THREAD_MULTIPLE. One reduction in flight at a time.
  std::uint64_t shown = 0;
  while (!stopping_.load(std::memory_order_acquire)) {
    if (request_ == MPI_REQUEST_NULL) {
      send_value_ = local_position();
      MPI_Ireduce(&send_value_, &recv_value_, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, reductions_,
                  &request_);
      ++posted_;
    }
    int done = 0;
    MPI_Test(&request_, &done, MPI_STATUS_IGNORE);  // on completion the request becomes NULL
    if (done && display_) {
      const std::uint64_t now = recv_value_;
      if (now > shown)
        display_->add(now - shown);
      shown = now;
    }
    std::this_thread::sleep_for(done ? interval_ : std::chrono::milliseconds(2));
  }
}

std::uint64_t Progress::finish() {
  if (finished_)
    return global_;
  finished_ = true;
  if (live_) {
    // Keep reporting this rank's (final) count until every rank has reached finish(): a rank
    // that is done early still shows on rank 0 while the others work. A non-blocking barrier
    // tells when all are here; the aggregator thread goes on posting meanwhile.
    MPI_Request everyone = MPI_REQUEST_NULL;
    detail::check(MPI_Ibarrier(agreement_, &everyone), "MPI_Ibarrier");
    int done = 0;
    while (!done) {
      detail::check(MPI_Test(&everyone, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (!done)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  stopping_.store(true, std::memory_order_release);
  if (aggregator_.joinable())
    aggregator_.join();
  if (live_) {
    // Every rank must post the same number of reductions on `reductions_`: agree on the largest
    // (on `agreement_`, so no collective is interleaved differently), catch up, complete all.
    long long most = 0;
    detail::check(MPI_Allreduce(&posted_, &most, 1, MPI_LONG_LONG, MPI_MAX, agreement_),
                  "MPI_Allreduce");
    std::vector<MPI_Request> requests;
    std::vector<unsigned long long> buffers(
        static_cast<std::size_t>(std::max(0LL, most - posted_)) * 2);
    if (request_ != MPI_REQUEST_NULL)
      requests.push_back(request_);
    for (long long k = posted_, b = 0; k < most; ++k, b += 2) {
      buffers[static_cast<std::size_t>(b)] = local_position();
      requests.emplace_back();
      detail::check(MPI_Ireduce(&buffers[static_cast<std::size_t>(b)],
                                &buffers[static_cast<std::size_t>(b) + 1], 1,
                                MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, reductions_, &requests.back()),
                    "MPI_Ireduce");
    }
    detail::check(
        MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
        "MPI_Waitall");
    request_ = MPI_REQUEST_NULL;
  }
  // The final global count, exactly.
  const unsigned long long mine = local_position();
  unsigned long long sum = 0;
  detail::check(MPI_Reduce(&mine, &sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, agreement_),
                "MPI_Reduce");
  if (display_) {
    if (live_) {
      const std::uint64_t shown = display_->position();
      if (sum > shown)
        display_->add(sum - shown);
    }
    display_->finish();
  }
  global_ = comm_.rank() == 0 ? sum : mine;
  return global_;
}

}  // namespace hypar::dist
