#pragma once
// A communicator with collective operations on values, trivially copyable structs and vectors.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hypar/dist/error.hpp>
#include <hypar/dist/timeout.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace hypar::dist {

/// The larger of two values (`a < b ? b : a`), as a function object for `all_reduce` / `reduce`:
/// on arithmetic types it becomes MPI_MAX (O(log p) messages), on others it is folded in rank
/// order like any operation. Sequential equivalent: `std::max`. With NaNs among floating-point
/// values the result is MPI's (unspecified), so keep NaNs out or reduce a custom operation.
struct maximum {
  template <class T>
  constexpr const T& operator()(const T& a, const T& b) const {
    return a < b ? b : a;
  }
};

/// The smaller of two values (`b < a ? b : a`); MPI_MIN on arithmetic types. See `maximum`.
struct minimum {
  template <class T>
  constexpr const T& operator()(const T& a, const T& b) const {
    return b < a ? b : a;
  }
};

namespace detail {

/// The MPI datatype of an arithmetic type, or MPI_DATATYPE_NULL.
template <class T>
MPI_Datatype arithmetic_type() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>)
    return MPI_CXX_BOOL;
  else if constexpr (std::is_same_v<U, char>)
    return MPI_CHAR;
  else if constexpr (std::is_same_v<U, signed char>)
    return MPI_SIGNED_CHAR;
  else if constexpr (std::is_same_v<U, unsigned char>)
    return MPI_UNSIGNED_CHAR;
  else if constexpr (std::is_same_v<U, short>)
    return MPI_SHORT;
  else if constexpr (std::is_same_v<U, unsigned short>)
    return MPI_UNSIGNED_SHORT;
  else if constexpr (std::is_same_v<U, int>)
    return MPI_INT;
  else if constexpr (std::is_same_v<U, unsigned>)
    return MPI_UNSIGNED;
  else if constexpr (std::is_same_v<U, long>)
    return MPI_LONG;
  else if constexpr (std::is_same_v<U, unsigned long>)
    return MPI_UNSIGNED_LONG;
  else if constexpr (std::is_same_v<U, long long>)
    return MPI_LONG_LONG;
  else if constexpr (std::is_same_v<U, unsigned long long>)
    return MPI_UNSIGNED_LONG_LONG;
  else if constexpr (std::is_same_v<U, float>)
    return MPI_FLOAT;
  else if constexpr (std::is_same_v<U, double>)
    return MPI_DOUBLE;
  else if constexpr (std::is_same_v<U, long double>)
    return MPI_LONG_DOUBLE;
  else
    return MPI_DATATYPE_NULL;
}

/// The predefined MPI operation equal to `Op` on arithmetic `T`, or MPI_OP_NULL.
template <class T, class Op>
MPI_Op predefined_op() {
  if constexpr (!std::is_arithmetic_v<T>) {
    return MPI_OP_NULL;
  } else if constexpr (std::is_same_v<Op, std::plus<>> || std::is_same_v<Op, std::plus<T>>) {
    return MPI_SUM;
  } else if constexpr (std::is_same_v<Op, std::multiplies<>> ||
                       std::is_same_v<Op, std::multiplies<T>>) {
    return MPI_PROD;
  } else if constexpr (std::is_integral_v<T> && (std::is_same_v<Op, std::bit_and<>> ||
                                                 std::is_same_v<Op, std::bit_and<T>>)) {
    return MPI_BAND;
  } else if constexpr (std::is_integral_v<T> &&
                       (std::is_same_v<Op, std::bit_or<>> || std::is_same_v<Op, std::bit_or<T>>)) {
    return MPI_BOR;
  } else if constexpr (std::is_same_v<Op, maximum>) {
    return MPI_MAX;
  } else if constexpr (std::is_same_v<Op, minimum>) {
    return MPI_MIN;
  } else {
    return MPI_OP_NULL;
  }
}

template <class T>
constexpr void require_trivially_copyable() {
  static_assert(std::is_trivially_copyable_v<T>,
                "hypar::dist sends values as bytes: T must be trivially copyable");
}

}  // namespace detail

/// Wraps an MPI communicator (not owned) and turns MPI errors into hypar::MpiError. Collectives
/// must be called by every rank of the communicator, in the same order, as in MPI.
class Communicator {
 public:
  /// Wraps `comm` and sets its error handler to MPI_ERRORS_RETURN so failures become exceptions.
  explicit Communicator(MPI_Comm comm);

  MPI_Comm native() const noexcept { return comm_; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  /// MPI_Barrier.
  void barrier() const;

  /// Sends `value` from `root` to every rank (MPI_Bcast of its bytes).
  template <class T>
  void broadcast(T& value, int root) const {
    detail::require_trivially_copyable<T>();
    const int bytes = static_cast<int>(sizeof(T));
    detail::run_bounded(
        "MPI_Bcast", [&] { return MPI_Bcast(&value, bytes, MPI_BYTE, root, comm_); },
        [&](MPI_Request* r) { return MPI_Ibcast(&value, bytes, MPI_BYTE, root, comm_, r); });
  }
  /// Sends a vector (size and elements) from `root` to every rank.
  template <class T>
  void broadcast(std::vector<T>& values, int root) const {
    detail::require_trivially_copyable<T>();
    std::uint64_t n = values.size();
    broadcast(n, root);
    values.resize(static_cast<std::size_t>(n));
    broadcast_bytes(values.data(), n * sizeof(T), root);
  }
  /// Sends a string from `root` to every rank.
  void broadcast(std::string& text, int root) const;
  /// Sends a vector of strings from `root` to every rank. Any bytes may appear in the strings
  /// (NUL included) and strings may be empty: the lengths travel first, then all the characters
  /// in one buffer. Sequential equivalent: `values = root's values`. Cost: two broadcasts, of
  /// n + 1 lengths and of the total characters.
  void broadcast(std::vector<std::string>& values, int root) const;

  /// Combines one value per rank with `op` and gives the result on every rank. Sequential
  /// equivalent: op(...op(op(v_0, v_1), v_2)..., v_p-1). Arithmetic types with std::plus,
  /// std::multiplies, bit_and, bit_or, dist::maximum or dist::minimum use MPI's own operation
  /// (MPI_Allreduce: O(log p) messages); any other associative op gathers all values (O(p) bytes
  /// each) and folds them in rank order, the same on every rank.
  template <class T, class Op>
  T all_reduce(const T& value, Op op) const {
    detail::require_trivially_copyable<T>();
    const MPI_Op mpi_op = detail::predefined_op<T, Op>();
    if (mpi_op != MPI_OP_NULL) {
      T result{};
      const MPI_Datatype type = detail::arithmetic_type<T>();
      detail::run_bounded(
          "MPI_Allreduce", [&] { return MPI_Allreduce(&value, &result, 1, type, mpi_op, comm_); },
          [&](MPI_Request* r) {
            return MPI_Iallreduce(&value, &result, 1, type, mpi_op, comm_, r);
          });
      return result;
    }
    const std::vector<T> all = all_gather(value);
    T result = all.front();
    for (std::size_t i = 1; i < all.size(); ++i)
      result = op(result, all[i]);
    return result;
  }
  /// As all_reduce, but only `root`'s result is meaningful (others get a default-made T).
  template <class T, class Op>
  T reduce(const T& value, Op op, int root) const {
    detail::require_trivially_copyable<T>();
    const MPI_Op mpi_op = detail::predefined_op<T, Op>();
    if (mpi_op != MPI_OP_NULL) {
      T result{};
      const MPI_Datatype type = detail::arithmetic_type<T>();
      detail::run_bounded(
          "MPI_Reduce", [&] { return MPI_Reduce(&value, &result, 1, type, mpi_op, root, comm_); },
          [&](MPI_Request* r) {
            return MPI_Ireduce(&value, &result, 1, type, mpi_op, root, comm_, r);
          });
      return result;
    }
    const std::vector<T> all = gather(value, root);
    if (rank_ != root)
      return T{};
    T result = all.front();
    for (std::size_t i = 1; i < all.size(); ++i)
      result = op(result, all[i]);
    return result;
  }

  /// One value per rank, in rank order, on `root` (empty elsewhere).
  template <class T>
  std::vector<T> gather(const T& value, int root) const {
    detail::require_trivially_copyable<T>();
    std::vector<T> all(rank_ == root ? static_cast<std::size_t>(size_) : 0);
    const int bytes = static_cast<int>(sizeof(T));
    detail::run_bounded(
        "MPI_Gather",
        [&] {
          return MPI_Gather(&value, bytes, MPI_BYTE, all.data(), bytes, MPI_BYTE, root, comm_);
        },
        [&](MPI_Request* r) {
          return MPI_Igather(&value, bytes, MPI_BYTE, all.data(), bytes, MPI_BYTE, root, comm_, r);
        });
    return all;
  }
  /// Every rank's vector, concatenated in rank order, on `root` (empty elsewhere). Sizes may
  /// differ between ranks (MPI_Gatherv).
  template <class T>
  std::vector<T> gather(const std::vector<T>& values, int root) const {
    detail::require_trivially_copyable<T>();
    std::vector<char> bytes = gather_bytes(values.data(), values.size() * sizeof(T), root);
    std::vector<T> all(bytes.size() / sizeof(T));
    if (!all.empty())
      std::memcpy(static_cast<void*>(all.data()), bytes.data(), bytes.size());
    return all;
  }
  /// Every rank's strings, concatenated in rank order, on `root` (empty elsewhere). Strings may
  /// hold any bytes, NUL included, and be empty; ranks may give different numbers. Cost: two
  /// gathers (MPI_Gatherv), of the lengths and of the characters; O(total bytes) on `root`.
  std::vector<std::string> gather(const std::vector<std::string>& values, int root) const;
  /// Every rank's strings, concatenated in rank order, on every rank (as gather, with
  /// MPI_Allgatherv). Cost: two all-gathers, O(total bytes) on every rank.
  std::vector<std::string> all_gather(const std::vector<std::string>& values) const;

  /// One value per rank, in rank order, on every rank.
  template <class T>
  std::vector<T> all_gather(const T& value) const {
    detail::require_trivially_copyable<T>();
    std::vector<T> all(static_cast<std::size_t>(size_));
    const int bytes = static_cast<int>(sizeof(T));
    detail::run_bounded(
        "MPI_Allgather",
        [&] { return MPI_Allgather(&value, bytes, MPI_BYTE, all.data(), bytes, MPI_BYTE, comm_); },
        [&](MPI_Request* r) {
          return MPI_Iallgather(&value, bytes, MPI_BYTE, all.data(), bytes, MPI_BYTE, comm_, r);
        });
    return all;
  }
  /// Every rank's vector, concatenated in rank order, on every rank.
  template <class T>
  std::vector<T> all_gather(const std::vector<T>& values) const {
    detail::require_trivially_copyable<T>();
    std::vector<char> bytes = all_gather_bytes(values.data(), values.size() * sizeof(T));
    std::vector<T> all(bytes.size() / sizeof(T));
    if (!all.empty())
      std::memcpy(static_cast<void*>(all.data()), bytes.data(), bytes.size());
    return all;
  }

  /// The personalised all-to-all exchange (MPI_Alltoallv): `send` holds the items for rank 0,
  /// then those for rank 1, ..., `send_counts[r]` items each. Returns what every rank sent to
  /// this one, concatenated in source rank order; `recv_counts` (if given) receives how many came
  /// from each rank. Counts are exchanged first (MPI_Alltoall), so the receive buffer is sized
  /// exactly. Items travel as their bytes (a contiguous MPI type of sizeof(T)), so one pair of
  /// ranks may exchange up to 2^31 - 1 items. The result has the allocator type of `send` (a
  /// hypar::LargeBuffer stays one).
  template <class T, class A>
  std::vector<T, A> all_to_all(const std::vector<T, A>& send,
                               const std::vector<std::size_t>& send_counts,
                               std::vector<std::size_t>* recv_counts = nullptr) const {
    detail::require_trivially_copyable<T>();
    std::vector<std::size_t> counts = exchange_counts(send_counts);
    std::size_t total = 0;
    for (std::size_t c : counts)
      total += c;
    std::vector<T, A> received(total);
    all_to_all_bytes(send.data(), send_counts, received.data(), counts, sizeof(T));
    if (recv_counts != nullptr)
      *recv_counts = std::move(counts);
    return received;
  }

 private:
  std::vector<std::size_t> exchange_counts(const std::vector<std::size_t>& send_counts) const;
  void all_to_all_bytes(const void* send, const std::vector<std::size_t>& send_counts, void* recv,
                        const std::vector<std::size_t>& recv_counts, std::size_t item_bytes) const;
  void broadcast_bytes(void* data, std::size_t bytes, int root) const;
  std::vector<char> gather_bytes(const void* data, std::size_t bytes, int root) const;
  std::vector<char> all_gather_bytes(const void* data, std::size_t bytes) const;

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace hypar::dist
