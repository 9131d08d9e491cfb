#pragma once
// hypar::ArrayQueue<T>: Crossbeam's ArrayQueue, a lock-free fixed-capacity MPMC queue.

#include <cstddef>
#include <hypar/chan/detail/ring.hpp>
#include <hypar/core/error.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace hypar {

/// A lock-free bounded multi-producer multi-consumer FIFO queue of fixed capacity, shared by
/// reference between threads (it is neither copyable nor movable).
///
///   hypar::ArrayQueue<int> q(1000);
///   q.push(42);                       // false when full
///   std::optional<int> v = q.pop();   // nullopt when empty
///
/// Sequentially it behaves like a std::deque<T> that refuses to grow past capacity(). Cost: one
/// CAS on the shared tail (push) or head (pop) plus a stamp load/store on the item's slot; no
/// allocation after construction, no locks, nothing ever blocks (use a channel to wait).
/// T needs a noexcept move constructor (wrap other types in std::unique_ptr).
template <class T>
class ArrayQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "hypar::ArrayQueue<T> needs a noexcept move constructor: wrap T in a unique_ptr");

 public:
  /// A queue of `capacity` slots. Throws hypar::Error when capacity is 0 or absurdly large.
  explicit ArrayQueue(std::size_t capacity) : ring_(checked(capacity)) {}
  ArrayQueue(const ArrayQueue&) = delete;
  ArrayQueue& operator=(const ArrayQueue&) = delete;

  /// Appends `v` (moved from) and returns true; when the queue is full returns false and leaves
  /// `v` untouched.
  bool push(T&& v) noexcept { return ring_.try_push(v); }
  /// Appends a copy of `v`; false when full.
  bool push(const T& v) {
    T copy(v);
    return ring_.try_push(copy);
  }
  /// Appends `v`; when the queue is full, the oldest item is removed to make room and returned.
  /// Sequential equivalent: `if (full) { old = front(); pop_front(); } push_back(v); return old;`
  std::optional<T> force_push(T v) noexcept { return ring_.force_push(v); }
  /// Removes and returns the oldest item, or nullopt when the queue is empty.
  std::optional<T> pop() noexcept { return ring_.try_pop(); }

  /// The number of items (a snapshot under concurrency).
  std::size_t len() const noexcept { return ring_.len(); }
  /// The fixed capacity given at construction.
  std::size_t capacity() const noexcept { return ring_.capacity(); }
  /// True when no item is queued (a snapshot).
  bool is_empty() const noexcept { return ring_.is_empty(); }
  /// True when len() == capacity() (a snapshot).
  bool is_full() const noexcept { return ring_.is_full(); }

 private:
  static std::size_t checked(std::size_t capacity) {
    if (capacity == 0)
      throw Error("hypar::ArrayQueue: capacity must be at least 1");
    if (capacity > (std::size_t{1} << 40)) {
      throw Error("hypar::ArrayQueue: capacity " + std::to_string(capacity) +
                  " is too large (at most 2^40)");
    }
    return capacity;
  }

  detail::Ring<T> ring_;
};

}  // namespace hypar
