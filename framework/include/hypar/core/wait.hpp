#pragma once
// Waiting, the infrastructure shared by the channels, queues and pipelines (every layer from the
// core up may include it): spin briefly, then sleep on a futex word that can never miss a wake-up
// for long. Internal to hypar (namespace hypar::detail).
//
// Design note (docs/channels.md has the long version)
// ----------------------------------------------------
// A WaitQueue is one 32-bit word: bit 0 says "somebody sleeps on the current value", the other
// bits are an epoch. A waiter that found nothing to do
//
//   1. prepare():   w = word.fetch_or(1) | 1; seq_cst fence         (announce: "I may sleep")
//   2. re-checks the channel (tries its operation once more); on success it leaves
//   3. sleep(w):    futex_wait(&word, w, timeout)                    (sleeps only if word == w)
//
// and a thread that changes the state a waiter may be waiting for (pushes an item, frees a slot,
// disconnects) publishes that change and then calls
//
//   notify():       seq_cst fence; if (word & 1) { CAS word -> word + 1; futex_wake(all) }
//
// (notify_after_rmw() leaves the fence out where the change itself was a seq_cst RMW, which
// orders it just as well; the channels publish every change that way.)
//
// word + 1 clears bit 0 and bumps the epoch in one step, so one wake-up serves every sleeper of
// that epoch and the following notifies cost one load until somebody sleeps again (batching;
// no syscall when nobody sleeps). Why no wake-up is lost: the two seq_cst fences are ordered
// one way or the other. If the waiter's fence comes first, the notifier's load sees bit 0 and
// wakes; futex_wait compares the word atomically with the kernel's queue, so a waiter that
// has not reached the kernel yet sees a changed word and returns at once. If the notifier's
// fence comes first, the waiter's re-check (step 2) sees the new state and never sleeps.
// As a backstop against anything outside this argument (a kernel or library bug, a 2^31 epoch
// wrap), every sleep is bounded by backstop_timeout and the waiter re-checks after it: a lost
// wake-up costs at most that much latency, never a hang, and an idle waiter wakes a few
// times per second at most (no core burned).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define HYPAR_CHAN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HYPAR_CHAN_TSAN 1
#endif
#endif

namespace hypar::detail {

#if defined(HYPAR_CHAN_TSAN)
/// The word every seq_cst_fence() updates under ThreadSanitizer.
inline std::atomic<std::uint32_t> tsan_fence_word{0};
#endif

/// A sequentially consistent fence, for the Dekker-style "publish, then look at the other side"
/// checks of the channels and the ring (never for handing data over: that is release/acquire).
/// ThreadSanitizer does not model fences (GCC refuses them under -Werror), so there every fence is
/// a seq_cst read-modify-write of one shared word instead: two such RMWs are ordered, and the
/// later one reads from the earlier, which gives the same guarantee for these checks.
inline void seq_cst_fence() noexcept {
#if defined(HYPAR_CHAN_TSAN)
  tsan_fence_word.fetch_add(1, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

/// The longest a waiter sleeps before it re-checks on its own (the missed-wake-up backstop).
inline constexpr std::chrono::milliseconds backstop_timeout{100};

/// Blocks while `*word == expected`, for at most `timeout` (clamped to backstop_timeout). May
/// return early (spurious wake-ups). Linux: futex; elsewhere a short sleep.
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept;
/// Wakes every thread blocked in futex_wait on `word`.
void futex_wake_all(std::atomic<std::uint32_t>* word) noexcept;

/// One pause of a spin loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

/// Exponential backoff: pause loops, then yields; `completed()` says it is time to sleep.
class Backoff {
 public:
  static constexpr unsigned spin_limit = 6;    // up to 2^6 pauses per step
  static constexpr unsigned yield_limit = 10;  // then yields until this step

  /// Spin for a short while (retrying a lost CAS race).
  void spin() noexcept {
    for (unsigned i = 0; i < (1u << (step_ < spin_limit ? step_ : spin_limit)); ++i)
      cpu_relax();
    if (step_ <= spin_limit)
      ++step_;
  }
  /// Wait for another thread to make progress: pauses first, later yields the core.
  void snooze() noexcept {
    if (step_ <= spin_limit) {
      for (unsigned i = 0; i < (1u << step_); ++i)
        cpu_relax();
    } else {
      std::this_thread::yield();
    }
    if (step_ <= yield_limit)
      ++step_;
  }
  /// True once spinning and yielding are over: the caller should sleep.
  bool completed() const noexcept { return step_ > yield_limit; }
  /// Start over (after a wake-up).
  void reset() noexcept { step_ = 0; }

 private:
  unsigned step_ = 0;
};

/// A futex-based event count: the sleeping half of a channel side (see the note above).
class WaitQueue {
 public:
  /// Announce an imminent sleep; re-check the state afterwards, then call sleep() with the result.
  std::uint32_t prepare() noexcept {
    const std::uint32_t w = word_.fetch_or(1, std::memory_order_seq_cst) | 1u;
    seq_cst_fence();
    return w;
  }
  /// Sleep until a notify() after prepare() returned `w`, a spurious wake-up, `timeout`, or the
  /// backstop. The caller re-checks the state in every case.
  void sleep(std::uint32_t w, std::chrono::nanoseconds timeout = backstop_timeout) noexcept {
    futex_wait(&word_, w, timeout < backstop_timeout ? timeout : backstop_timeout);
  }
  /// Wake every sleeper, if there is one. Call after publishing the state change. Cost when
  /// nobody sleeps: one fence and one load.
  void notify() noexcept {
    seq_cst_fence();
    notify_after_rmw();
  }
  /// notify() for a state change that was published by a seq_cst read-modify-write (or a
  /// seq_cst store) which the waiter's re-check reads, such as the CAS that moves a ring's tail
  /// or head: that operation already orders the change before this load in the single total
  /// order of seq_cst operations, so no fence is needed. Cost when nobody sleeps: one plain load.
  ///
  /// Why it is safe: if this load misses the waiter's bit, it precedes the waiter's fetch_or
  /// (prepare) in that order, so the change precedes the fence after the fetch_or, and the
  /// waiter's re-check after the fence must see the change. Without the fence, a producer no
  /// longer waits at every item for its store of the slot's stamp to leave the store buffer
  /// (an mfence is a round trip for the line the consumer is reading): 1.5x on 1P1C here.
  void notify_after_rmw() noexcept {
    std::uint32_t w = word_.load(std::memory_order_seq_cst);
    if ((w & 1u) != 0)
      wake(w);
  }

 private:
  void wake(std::uint32_t w) noexcept {
    while ((w & 1u) != 0) {
      if (word_.compare_exchange_weak(w, w + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
        futex_wake_all(&word_);
        return;
      }
    }
  }

  std::atomic<std::uint32_t> word_{0};
};

}  // namespace hypar::detail
