#pragma once
// hypar::ThreadLocal<T>: one lazily made T per thread, owned by the object (not by the thread),
// so the values can be enumerated and combined after a parallel phase: thread-local accumulation
// without a lock on the hot path, and per-thread buffers reused across tasks (the seed's
// `thread_local! { LOCAL_BUFFER }`).
//
// Design. Every thread of the process gets a small integer, its slot (detail::thread_slot(), see
// src/sync/thread_slot.cpp), reused after the thread exits so that slots stay dense. A
// ThreadLocal keeps its values in buckets of growing size (1, 2, 4, 8, ... entries; slot s lives
// in bucket bit_width(s + 1) - 1), allocated on first use and published with a CAS, so a lookup is
// two loads and never takes a lock, and existing entries never move. Each entry sits on cache
// lines of its own: per-thread accumulators written at full speed by neighbouring threads must
// not false-share. Only the owning thread constructs or touches its entry during a parallel phase;
// `present` (release/acquire) publishes a finished value to for_each / combine.

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <functional>
#include <hypar/core/interference.hpp>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace hypar {

namespace detail {
/// The calling thread's slot: a small integer unique among the threads alive now, the lowest
/// free one handed out first, returned to the pool when the thread exits.
std::size_t thread_slot() noexcept;
}  // namespace detail

/// One `T` per thread that calls `local()`, made by `factory()` on that thread's first call.
/// Sequential equivalent: a `std::map<std::thread::id, T>` filled on demand, without its lock.
/// Values live until the ThreadLocal is destroyed or cleared, not until their thread exits; a
/// thread started after another one exited may be handed the older thread's value (the slot is
/// reused), which is what accumulation and buffer reuse want. Use it for those, not to identify
/// threads.
template <class T>
class ThreadLocal {
 public:
  /// Values start as `T{}`.
  ThreadLocal() requires std::is_default_constructible_v<T> : factory_([] { return T{}; }) {}
  /// Values start as `factory()`, called on the thread that will own the value.
  explicit ThreadLocal(std::function<T()> factory) : factory_(std::move(factory)) {}
  ThreadLocal(const ThreadLocal&) = delete;
  ThreadLocal& operator=(const ThreadLocal&) = delete;
  ~ThreadLocal() { clear(); }

  /// This thread's value, made on its first call. Lock-free; after the first call, two loads.
  /// If the factory throws, nothing is stored and the next call tries again.
  T& local() {
    const std::size_t slot = detail::thread_slot();
    const unsigned b = static_cast<unsigned>(std::bit_width(slot + 1) - 1);
    const std::size_t index = slot + 1 - (std::size_t{1} << b);
    Entry* bucket = buckets_[b].load(std::memory_order_acquire);
    if (bucket == nullptr)
      bucket = allocate_bucket(b);
    Entry& entry = bucket[index];
    if (!entry.present.load(std::memory_order_relaxed)) {
      ::new (static_cast<void*>(entry.storage)) T(factory_());
      entry.present.store(true, std::memory_order_release);
    }
    return *entry.get();
  }

  /// Calls `fn(T&)` on every value made so far. Call it after the parallel work that fills the
  /// values has finished (a value being modified by its thread is a data race, as it would be
  /// with any shared variable).
  template <class F>
  void for_each(F&& fn) {
    visit([&](Entry& e) { fn(*e.get()); });
  }
  /// Calls `fn(const T&)` on every value made so far.
  template <class F>
  void for_each(F&& fn) const {
    const_cast<ThreadLocal*>(this)->visit([&](Entry& e) { fn(std::as_const(*e.get())); });
  }

  /// The values folded with `op(T, const T&) -> T`, starting from a copy of the first one;
  /// `factory()` if no thread made a value. The order of the values is unspecified, so `op`
  /// should be associative and commutative.
  template <class Op>
  T combine(Op&& op) const {
    std::optional<T> acc;
    for_each([&](const T& v) {
      if (acc) {
        acc.emplace(op(std::move(*acc), v));
      } else {
        acc.emplace(v);
      }
    });
    return acc ? std::move(*acc) : factory_();
  }

  /// The number of values made so far.
  std::size_t size() const {
    std::size_t n = 0;
    for_each([&](const T&) { ++n; });
    return n;
  }

  /// Destroys every value; the next `local()` of each thread makes a new one. Not concurrent
  /// with any other call.
  void clear() noexcept {
    for (unsigned b = 0; b < bucket_count; ++b) {
      Entry* bucket = buckets_[b].exchange(nullptr, std::memory_order_acq_rel);
      if (bucket == nullptr)
        continue;
      const std::size_t n = std::size_t{1} << b;
      for (std::size_t i = 0; i < n; ++i) {
        if (bucket[i].present.load(std::memory_order_acquire))
          std::destroy_at(bucket[i].get());
      }
      delete[] bucket;
    }
  }

 private:
  /// One value on cache lines of its own, constructed in place when first used.
  struct alignas(false_sharing_distance) Entry {
    std::atomic<bool> present{false};
    alignas(T) unsigned char storage[sizeof(T)];
    T* get() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };
  static constexpr unsigned bucket_count = sizeof(std::size_t) * 8;

  Entry* allocate_bucket(unsigned b) {
    auto* fresh = new Entry[std::size_t{1} << b];
    Entry* expected = nullptr;
    if (buckets_[b].compare_exchange_strong(expected, fresh, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
      return fresh;
    }
    delete[] fresh;  // another thread published this bucket first
    return expected;
  }

  template <class F>
  void visit(F&& fn) {
    for (unsigned b = 0; b < bucket_count; ++b) {
      Entry* bucket = buckets_[b].load(std::memory_order_acquire);
      if (bucket == nullptr)
        continue;
      const std::size_t n = std::size_t{1} << b;
      for (std::size_t i = 0; i < n; ++i) {
        if (bucket[i].present.load(std::memory_order_acquire))
          fn(bucket[i]);
      }
    }
  }

  std::function<T()> factory_;
  std::array<std::atomic<Entry*>, bucket_count> buckets_{};
};

}  // namespace hypar
