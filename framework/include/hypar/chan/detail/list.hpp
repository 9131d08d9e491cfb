#pragma once
// hypar::detail::ListQueue<T>: the unbounded MPMC queue behind hypar::unbounded, a
// boost::lockfree::queue (Michael-Scott linked list with a node free list that grows on demand).
// Boost.Lockfree stores only trivially copyable, trivially destructible values, so a trivially
// copyable T travels as raw bytes and any other T as an owning pointer to a heap copy.

#include <boost/lockfree/queue.hpp>

#include <bit>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace hypar::detail {

template <class T>
class ListQueue {
  static constexpr bool inline_items = std::is_trivially_copyable_v<T>;
  /// T's bytes, for a trivially copyable T (memcpy in and out is then a valid copy).
  struct Raw {
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  using Item = std::conditional_t<inline_items, Raw, T*>;
  static_assert(!inline_items || sizeof(Raw) == sizeof(T), "std::bit_cast needs equal sizes");

 public:
  /// `reserve` nodes are allocated up front; more come from the heap when needed.
  explicit ListQueue(std::size_t reserve = 128) : queue_(reserve) {}
  ListQueue(const ListQueue&) = delete;
  ListQueue& operator=(const ListQueue&) = delete;
  ~ListQueue() {
    while (try_pop()) {
    }
  }

  /// Appends `v` (moved from). Throws std::bad_alloc when memory runs out.
  void push(T& v) {
    if constexpr (inline_items) {
      if (!queue_.push(std::bit_cast<Raw>(v))) throw std::bad_alloc();
    } else {
      auto box = std::make_unique<T>(std::move(v));
      // With std::allocator, a node allocation failure throws from inside push (box frees the
      // value); push returns false only for a fixed-size pool, which this queue does not use.
      if (!queue_.push(box.get())) throw std::bad_alloc();
      box.release();
    }
  }

  /// Removes the oldest item, or nullopt when empty.
  std::optional<T> try_pop() noexcept {
    Item item;
    if (!queue_.pop(item)) return std::nullopt;
    if constexpr (inline_items) {
      return std::optional<T>(std::bit_cast<T>(item));
    } else {
      std::unique_ptr<T> box(item);
      return std::optional<T>(std::move(*box));
    }
  }

 private:
  boost::lockfree::queue<Item> queue_;
};

}  // namespace hypar::detail
