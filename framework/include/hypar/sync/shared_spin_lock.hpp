#pragma once
// hypar::SharedSpinLock: a reader-writer lock for short critical sections (a hash-map lookup, a
// counter update), the kind a ShardedMap shard holds. One 32-bit word; an uncontended
// lock_shared/unlock_shared is one compare-and-swap and one fetch_sub, with no call into the C
// library (std::shared_mutex on glibc is a pthread_rwlock: a function call, a lock-elision check
// and a heavier protocol each way).
//
// Design notes:
//   - The word holds the readers' count (from bit 3), WRITER (bit 0: a writer holds it),
//     WRITER_WAITING (bit 1: a writer waits; new readers hold back, so a stream of readers cannot
//     starve writers) and SLEEPERS (bit 2: someone sleeps on the word).
//   - Waiting is the house pattern (core/wait.hpp): pause loops, then yields (which matters with
//     more threads than cores: a preempted holder gets the core back), then a futex sleep on the
//     word itself. A sleeper sets SLEEPERS first; whoever releases the lock and sees SLEEPERS
//     clears it and wakes everyone. The futex compares the whole word, so any change of it between
//     the decision to sleep and the sleep returns at once, and the 100 ms backstop bounds a
//     wake-up lost in any other way.
//   - Not recursive, not upgradable; unlocking a lock one does not hold is undefined, as for
//     std::shared_mutex (whose interface this is: std::shared_lock and std::unique_lock work).

#include <atomic>
#include <cstdint>
#include <hypar/core/wait.hpp>

namespace hypar {

/// A reader-writer spin lock with writer preference that sleeps when waiting grows long; the
/// std::shared_mutex interface (lock, try_lock, unlock, lock_shared, try_lock_shared,
/// unlock_shared). Best for critical sections of well under a microsecond; any number of
/// readers hold it together, a writer holds it alone.
class SharedSpinLock {
 public:
  SharedSpinLock() = default;
  SharedSpinLock(const SharedSpinLock&) = delete;
  SharedSpinLock& operator=(const SharedSpinLock&) = delete;

  /// Takes the lock exclusively, waiting for readers and writers to leave.
  void lock() noexcept {
    detail::Backoff backoff;
    for (;;) {
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & ~(kWriterWaiting | kSleepers)) == 0) {
        if (state_.compare_exchange_weak(s, (s & kSleepers) | kWriter, std::memory_order_acquire,
                                         std::memory_order_relaxed))
          return;
        backoff.spin();
        continue;
      }
      if ((s & kWriterWaiting) == 0) {
        state_.fetch_or(kWriterWaiting, std::memory_order_relaxed);
        s |= kWriterWaiting;
      }
      wait(s, backoff);
    }
  }
  /// Takes the lock exclusively if nobody holds it; true on success.
  bool try_lock() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & ~(kWriterWaiting | kSleepers)) == 0 &&
           state_.compare_exchange_strong(s, (s & kSleepers) | kWriter, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  /// Releases an exclusive hold.
  void unlock() noexcept {
    const std::uint32_t before = state_.fetch_and(~kWriter, std::memory_order_release);
    if ((before & kSleepers) != 0)
      wake();
  }

  /// Takes the lock shared, waiting while a writer holds it or waits for it.
  void lock_shared() noexcept {
    detail::Backoff backoff;
    for (;;) {
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & (kWriter | kWriterWaiting)) == 0) {
        if (state_.compare_exchange_weak(s, s + kReader, std::memory_order_acquire,
                                         std::memory_order_relaxed))
          return;
        backoff.spin();
        continue;
      }
      wait(s, backoff);
    }
  }
  /// Takes the lock shared if no writer holds it or waits for it; true on success.
  bool try_lock_shared() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & (kWriter | kWriterWaiting)) == 0 &&
           state_.compare_exchange_strong(s, s + kReader, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  /// Releases a shared hold; the last reader out wakes the sleepers (a writer waits for it).
  void unlock_shared() noexcept {
    const std::uint32_t after = state_.fetch_sub(kReader, std::memory_order_release) - kReader;
    if ((after & kSleepers) != 0 && after < kReader)
      wake();
  }

 private:
  static constexpr std::uint32_t kWriter = 1u;
  static constexpr std::uint32_t kWriterWaiting = 2u;
  static constexpr std::uint32_t kSleepers = 4u;
  static constexpr std::uint32_t kReader = 8u;

  /// One step of waiting while the word reads `seen`: snooze, or once that is over, sleep until
  /// the word changes (or the backstop).
  void wait(std::uint32_t seen, detail::Backoff& backoff) noexcept {
    if (!backoff.completed()) {
      backoff.snooze();
      return;
    }
    if ((seen & kSleepers) == 0 &&
        !state_.compare_exchange_strong(seen, seen | kSleepers, std::memory_order_relaxed))
      return;  // the word moved on: look again
    detail::futex_wait(&state_, seen | kSleepers, detail::backstop_timeout);
  }
  /// Clears SLEEPERS and wakes every thread sleeping on the word (they all re-check).
  void wake() noexcept {
    state_.fetch_and(~kSleepers, std::memory_order_relaxed);
    detail::futex_wake_all(&state_);
  }

  std::atomic<std::uint32_t> state_{0};
};

}  // namespace hypar
