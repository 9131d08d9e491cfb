// Communicator and MpiError: the parts that are not templates.
#include <climits>
#include <hypar/dist/communicator.hpp>
#include <numeric>
#include <utility>

namespace hypar {

MpiError::Details MpiError::details_of(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    length = 0;
  int error_class = code;
  if (MPI_Error_class(code, &error_class) != MPI_SUCCESS)
    error_class = code;
  return {error_class, std::string(text, static_cast<std::size_t>(length))};
}

MpiError::MpiError(const std::string& call, int code) : MpiError(call, code, details_of(code)) {}

MpiError::MpiError(const std::string& call, int code, Details details)
    : Error("hypar: " + call + " failed: " + details.text + " (MPI error code " +
            std::to_string(code) + ", class " + std::to_string(details.error_class) + ")"),
      code_(code),
      class_(details.error_class),
      mpi_message_(std::move(details.text)) {}

namespace dist {

namespace {
int checked_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) {
    throw Error(
        "hypar::dist: a collective exceeds MPI's int count limit (2^31 - 1 items or bytes per "
        "rank); split the data");
  }
  return static_cast<int>(bytes);
}
}  // namespace

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  detail::check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  detail::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  detail::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

std::vector<std::size_t> Communicator::exchange_counts(
    const std::vector<std::size_t>& send_counts) const {
  if (send_counts.size() != static_cast<std::size_t>(size_)) {
    throw Error("hypar::dist: all_to_all needs one send count per rank");
  }
  std::vector<unsigned long long> out(send_counts.begin(), send_counts.end());
  std::vector<unsigned long long> in(out.size());
  const MPI_Datatype u64 = MPI_UNSIGNED_LONG_LONG;
  detail::run_bounded(
      "MPI_Alltoall", [&] { return MPI_Alltoall(out.data(), 1, u64, in.data(), 1, u64, comm_); },
      [&](MPI_Request* r) {
        return MPI_Ialltoall(out.data(), 1, u64, in.data(), 1, u64, comm_, r);
      });
  return {in.begin(), in.end()};
}

void Communicator::all_to_all_bytes(const void* send, const std::vector<std::size_t>& send_counts,
                                    void* recv, const std::vector<std::size_t>& recv_counts,
                                    std::size_t item_bytes) const {
  const auto p = static_cast<std::size_t>(size_);
  std::vector<int> scounts(p), sdispls(p), rcounts(p), rdispls(p);
  // Displacements are counted in items of the contiguous type, so they too must fit an int.
  std::size_t soff = 0, roff = 0;
  for (std::size_t r = 0; r < p; ++r) {
    scounts[r] = checked_count(send_counts[r]);
    sdispls[r] = checked_count(soff);
    rcounts[r] = checked_count(recv_counts[r]);
    rdispls[r] = checked_count(roff);
    soff += send_counts[r];
    roff += recv_counts[r];
  }
  MPI_Datatype item;
  detail::check(MPI_Type_contiguous(checked_count(item_bytes), MPI_BYTE, &item),
                "MPI_Type_contiguous");
  detail::check(MPI_Type_commit(&item), "MPI_Type_commit");
  try {
    detail::run_bounded(
        "MPI_Alltoallv",
        [&] {
          return MPI_Alltoallv(send, scounts.data(), sdispls.data(), item, recv, rcounts.data(),
                               rdispls.data(), item, comm_);
        },
        [&](MPI_Request* r) {
          return MPI_Ialltoallv(send, scounts.data(), sdispls.data(), item, recv, rcounts.data(),
                                rdispls.data(), item, comm_, r);
        });
  } catch (...) {
    MPI_Type_free(&item);
    throw;
  }
  MPI_Type_free(&item);
}

void Communicator::barrier() const {
  detail::run_bounded(
      "MPI_Barrier", [&] { return MPI_Barrier(comm_); },
      [&](MPI_Request* r) { return MPI_Ibarrier(comm_, r); });
}

void Communicator::broadcast(std::string& text, int root) const {
  std::uint64_t n = text.size();
  broadcast(n, root);
  text.resize(static_cast<std::size_t>(n));
  broadcast_bytes(text.data(), text.size(), root);
}

namespace {
/// Design: a vector of strings travels as two flat arrays, the lengths and the characters laid
/// end to end, so any byte (NUL included) survives and an empty string is just a zero length.
struct FlatStrings {
  std::vector<std::uint64_t> lengths;
  std::string chars;
};

FlatStrings flatten(const std::vector<std::string>& values) {
  FlatStrings flat;
  flat.lengths.reserve(values.size());
  std::size_t total = 0;
  for (const auto& v : values)
    total += v.size();
  flat.chars.reserve(total);
  for (const auto& v : values) {
    flat.lengths.push_back(v.size());
    flat.chars += v;
  }
  return flat;
}

std::vector<std::string> unflatten(const std::vector<std::uint64_t>& lengths,
                                   const std::string& chars) {
  std::vector<std::string> out;
  out.reserve(lengths.size());
  std::size_t at = 0;
  for (std::uint64_t n : lengths) {
    if (n > chars.size() - at)
      throw Error("hypar::dist: string lengths disagree with the characters received");
    out.emplace_back(chars, at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
  }
  return out;
}
/// The displacement of each rank's piece in a v-collective's buffer (the exclusive prefix sums of
/// `counts`), and the buffer's total size.
std::pair<std::vector<int>, std::size_t> displacements(const std::vector<int>& counts) {
  std::vector<int> displs(counts.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    displs[i] = checked_count(total);
    total += static_cast<std::size_t>(counts[i]);
  }
  return {std::move(displs), total};
}

}  // namespace

void Communicator::broadcast(std::vector<std::string>& values, int root) const {
  FlatStrings flat;
  if (rank_ == root)
    flat = flatten(values);
  broadcast(flat.lengths, root);
  broadcast(flat.chars, root);
  if (rank_ != root)
    values = unflatten(flat.lengths, flat.chars);
}

std::vector<std::string> Communicator::gather(const std::vector<std::string>& values,
                                              int root) const {
  const FlatStrings flat = flatten(values);
  const std::vector<std::uint64_t> lengths = gather(flat.lengths, root);
  const std::vector<char> chars = gather_bytes(flat.chars.data(), flat.chars.size(), root);
  if (rank_ != root)
    return {};
  return unflatten(lengths, std::string(chars.begin(), chars.end()));
}

std::vector<std::string> Communicator::all_gather(const std::vector<std::string>& values) const {
  const FlatStrings flat = flatten(values);
  const std::vector<std::uint64_t> lengths = all_gather(flat.lengths);
  const std::vector<char> chars = all_gather_bytes(flat.chars.data(), flat.chars.size());
  return unflatten(lengths, std::string(chars.begin(), chars.end()));
}

void Communicator::broadcast_bytes(void* data, std::size_t bytes, int root) const {
  // In pieces below 2 GiB: MPI counts are ints.
  char* p = static_cast<char*>(data);
  while (bytes > 0) {
    const std::size_t piece = bytes < (std::size_t{1} << 30) ? bytes : (std::size_t{1} << 30);
    const int count = static_cast<int>(piece);
    detail::run_bounded(
        "MPI_Bcast", [&] { return MPI_Bcast(p, count, MPI_BYTE, root, comm_); },
        [&](MPI_Request* r) { return MPI_Ibcast(p, count, MPI_BYTE, root, comm_, r); });
    p += piece;
    bytes -= piece;
  }
}

std::vector<char> Communicator::gather_bytes(const void* data, std::size_t bytes, int root) const {
  const int mine = checked_count(bytes);
  std::vector<int> counts(rank_ == root ? static_cast<std::size_t>(size_) : 0);
  detail::run_bounded(
      "MPI_Gather",
      [&] { return MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_); },
      [&](MPI_Request* r) {
        return MPI_Igather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_, r);
      });
  // No structured binding: clang 14's lambdas cannot capture one (C++20 allows it).
  const auto layout = displacements(counts);
  const std::vector<int>& displs = layout.first;
  const std::size_t total = layout.second;
  std::vector<char> all(total);
  detail::run_bounded(
      "MPI_Gatherv",
      [&] {
        return MPI_Gatherv(data, mine, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                           root, comm_);
      },
      [&](MPI_Request* r) {
        return MPI_Igatherv(data, mine, MPI_BYTE, all.data(), counts.data(), displs.data(),
                            MPI_BYTE, root, comm_, r);
      });
  return all;
}

std::vector<char> Communicator::all_gather_bytes(const void* data, std::size_t bytes) const {
  const int mine = checked_count(bytes);
  std::vector<int> counts(static_cast<std::size_t>(size_));
  detail::run_bounded(
      "MPI_Allgather",
      [&] { return MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_); },
      [&](MPI_Request* r) {
        return MPI_Iallgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_, r);
      });
  // No structured binding: clang 14's lambdas cannot capture one (C++20 allows it).
  const auto layout = displacements(counts);
  const std::vector<int>& displs = layout.first;
  const std::size_t total = layout.second;
  std::vector<char> all(total);
  detail::run_bounded(
      "MPI_Allgatherv",
      [&] {
        return MPI_Allgatherv(data, mine, MPI_BYTE, all.data(), counts.data(), displs.data(),
                              MPI_BYTE, comm_);
      },
      [&](MPI_Request* r) {
        return MPI_Iallgatherv(data, mine, MPI_BYTE, all.data(), counts.data(), displs.data(),
                               MPI_BYTE, comm_, r);
      });
  return all;
}

}  // namespace dist
}  // namespace hypar
