#pragma once
// hypar::detail::ListQueue<T>: the unbounded lock-free MPMC queue behind hypar::unbounded, a
// linked list of blocks of slots.
//
// Design note
// -----------
// Positions count slots; a block covers one lap of kLap = kSlots + 1 positions, the last one a
// marker that means "the block is full and the next one is being linked": whoever sees it waits.
// Bit 0 of head_.index is a hint that head and tail are in different blocks (a pop then skips the
// emptiness check); positions are stored shifted left by one to make room for it.
//
// push: CAS tail_.index forward to claim a position. The producer that takes the last slot of a
//   block installs the next block (allocated before its CAS, so the others wait only for three
//   stores): tail_.block, then tail_.index past the marker, then block->next. It writes the value
//   and sets the slot's kWritten bit (release).
// pop: unless the hint says otherwise, a seq_cst fence and a load of tail_.index tell "empty".
//   CAS head_.index forward to claim; the consumer of a block's last slot moves head_ to the next
//   block. It waits for kWritten (the producer may still be writing), moves the value out, then
//   helps free the block.
// Reclamation without a garbage collector: a block is deleted when every slot has been read. The
//   reader of the last slot walks the other slots; on a slot not read yet it sets kDestroy and
//   leaves, and that slot's reader, seeing kDestroy in its fetch_or of kRead, continues the walk
//   from the next slot. Exactly one thread finishes the walk and deletes the block. No thread
//   touches a block after it was deleted: indices are loaded before block pointers (and published
//   after them), a failed CAS reloads both, and a slot can only be dereferenced after a CAS
//   claimed it, which keeps its block alive until that slot is read.
// Recycling: the thread that frees a block parks it in spare_ (one block) instead of deleting it,
//   and the next producer that needs a block takes it from there. A producer and a consumer
//   then pass one block back and forth instead of going through malloc every 31 items. This is
//   as safe as malloc handing back the same address: no thread holds a usable pointer to a block
//   once it is freed.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <hypar/core/interference.hpp>
#include <hypar/core/wait.hpp>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace hypar::detail {

template <class T>
class ListQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "hypar::detail::ListQueue<T> needs a noexcept move constructor");

  static constexpr std::uint64_t kSlots = 31;        // items per block
  static constexpr std::uint64_t kLap = kSlots + 1;  // positions per block (one marker)
  static constexpr std::uint64_t kShift = 1;         // positions are stored << kShift
  static constexpr std::uint64_t kStep = std::uint64_t{1} << kShift;
  static constexpr std::uint64_t kHint = 1;  // head_.index: head and tail in different blocks

  static constexpr std::uint32_t kWritten = 1;
  static constexpr std::uint32_t kRead = 2;
  static constexpr std::uint32_t kDestroy = 4;

  struct Slot {
    std::atomic<std::uint32_t> state{0};
    alignas(T) unsigned char storage[sizeof(T)];
    T* value() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };
  struct Block {
    std::atomic<Block*> next{nullptr};
    Slot slots[kSlots];
    Block* wait_next() noexcept {
      Backoff backoff;
      for (;;) {
        if (Block* n = next.load(std::memory_order_acquire))
          return n;
        backoff.snooze();
      }
    }
  };
  struct alignas(false_sharing_distance) End {
    std::atomic<std::uint64_t> index{0};
    std::atomic<Block*> block{nullptr};
  };

 public:
  ListQueue() {
    Block* first = new Block();
    head_.block.store(first, std::memory_order_relaxed);
    tail_.block.store(first, std::memory_order_relaxed);
  }
  ListQueue(const ListQueue&) = delete;
  ListQueue& operator=(const ListQueue&) = delete;
  ~ListQueue() {
    // No other thread runs now: every claimed slot has been written.
    std::uint64_t head = head_.index.load(std::memory_order_relaxed) & ~kHint;
    const std::uint64_t tail = tail_.index.load(std::memory_order_relaxed);
    Block* block = head_.block.load(std::memory_order_relaxed);
    while ((head >> kShift) != (tail >> kShift)) {
      const std::uint64_t offset = (head >> kShift) % kLap;
      if (offset < kSlots) {
        block->slots[offset].value()->~T();
      } else {
        Block* next = block->next.load(std::memory_order_relaxed);
        delete block;
        block = next;
      }
      head += kStep;
    }
    delete block;
    delete spare_.load(std::memory_order_relaxed);
  }

  /// Appends `v` (moved from). Throws std::bad_alloc (v intact) when a new block cannot be had.
  void push(T& v) {
    Backoff backoff;
    std::uint64_t tail = tail_.index.load(std::memory_order_acquire);
    Block* block = tail_.block.load(std::memory_order_acquire);
    std::unique_ptr<Block> next_block;
    for (;;) {
      const std::uint64_t offset = (tail >> kShift) % kLap;
      if (offset == kSlots) {  // the next block is being installed
        backoff.snooze();
        tail = tail_.index.load(std::memory_order_acquire);
        block = tail_.block.load(std::memory_order_acquire);
        continue;
      }
      if (offset + 1 == kSlots && !next_block)
        next_block = new_block();
      if (tail_.index.compare_exchange_weak(tail, tail + kStep, std::memory_order_seq_cst,
                                            std::memory_order_acquire)) {
        if (offset + 1 == kSlots) {
          Block* next = next_block.release();
          tail_.block.store(next, std::memory_order_release);
          tail_.index.fetch_add(kStep, std::memory_order_release);  // past the marker
          block->next.store(next, std::memory_order_release);
        }
        Slot& slot = block->slots[offset];
        ::new (static_cast<void*>(slot.storage)) T(std::move(v));
        slot.state.fetch_or(kWritten, std::memory_order_release);
        return;
      }
      block = tail_.block.load(std::memory_order_acquire);
      backoff.spin();
    }
  }

  /// Removes the oldest item, or nullopt when empty.
  std::optional<T> try_pop() noexcept {
    Backoff backoff;
    std::uint64_t head = head_.index.load(std::memory_order_acquire);
    Block* block = head_.block.load(std::memory_order_acquire);
    for (;;) {
      const std::uint64_t offset = (head >> kShift) % kLap;
      if (offset == kSlots) {  // the consumer of the last slot is moving head_ on
        backoff.snooze();
        head = head_.index.load(std::memory_order_acquire);
        block = head_.block.load(std::memory_order_acquire);
        continue;
      }
      std::uint64_t new_head = head + kStep;
      if ((new_head & kHint) == 0) {
        seq_cst_fence();
        const std::uint64_t tail = tail_.index.load(std::memory_order_relaxed);
        if ((head >> kShift) == (tail >> kShift))
          return std::nullopt;
        if ((head >> kShift) / kLap != (tail >> kShift) / kLap)
          new_head |= kHint;
      }
      if (head_.index.compare_exchange_weak(head, new_head, std::memory_order_seq_cst,
                                            std::memory_order_acquire)) {
        if (offset + 1 == kSlots) {
          Block* next = block->wait_next();
          std::uint64_t next_index = (new_head & ~kHint) + kStep;
          if (next->next.load(std::memory_order_relaxed) != nullptr)
            next_index |= kHint;
          head_.block.store(next, std::memory_order_release);
          head_.index.store(next_index, std::memory_order_release);
        }
        Slot& slot = block->slots[offset];
        Backoff wait;
        while ((slot.state.load(std::memory_order_acquire) & kWritten) == 0)
          wait.snooze();
        std::optional<T> out(std::move(*slot.value()));
        slot.value()->~T();
        if (offset + 1 == kSlots) {
          destroy(block, 0);
        } else if ((slot.state.fetch_or(kRead, std::memory_order_acq_rel) & kDestroy) != 0) {
          destroy(block, offset + 1);
        }
        return out;
      }
      block = head_.block.load(std::memory_order_acquire);
      backoff.spin();
    }
  }

 private:
  /// Continues freeing `block` from slot `start` (see the note): stops at a slot still being
  /// read, whose reader then takes over; deletes the block when every slot is read.
  void destroy(Block* block, std::uint64_t start) noexcept {
    for (std::uint64_t i = start; i + 1 < kSlots; ++i) {
      Slot& slot = block->slots[i];
      if ((slot.state.load(std::memory_order_acquire) & kRead) == 0 &&
          (slot.state.fetch_or(kDestroy, std::memory_order_acq_rel) & kRead) == 0) {
        return;
      }
    }
    recycle(block);
  }

  /// A fresh block: the parked spare if there is one, else a new allocation.
  std::unique_ptr<Block> new_block() {
    if (spare_.load(std::memory_order_relaxed) != nullptr) {
      if (Block* b = spare_.exchange(nullptr, std::memory_order_acquire)) {
        return std::unique_ptr<Block>(b);
      }
    }
    return std::make_unique<Block>();
  }
  /// Parks a block whose every slot was read (reset to the fresh state), or frees it.
  void recycle(Block* block) noexcept {
    block->next.store(nullptr, std::memory_order_relaxed);
    for (Slot& slot : block->slots)
      slot.state.store(0, std::memory_order_relaxed);
    Block* expected = nullptr;
    if (!spare_.compare_exchange_strong(expected, block, std::memory_order_release,
                                        std::memory_order_relaxed)) {
      delete block;
    }
  }

  End head_;
  End tail_;
  alignas(false_sharing_distance) std::atomic<Block*> spare_{nullptr};
};

}  // namespace hypar::detail
