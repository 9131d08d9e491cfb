#pragma once
// Thread pools, the thread count of the current context, and the runtime state every parallel
// operation shares (cancellation, result slots, opening the root region). Fork-join is
// core/join.hpp.
//
// Everything parallel in hypar runs on OpenMP tasks of one team (libgomp): idle team threads take
// (steal) queued tasks. A parallel call made outside any parallel region opens a region of
// `current_num_threads()` threads whose thread 0 runs the call while the others wait at the
// region's closing barrier, where they execute the tasks the call creates. A call made inside a
// region only creates tasks in the current team, so nesting never oversubscribes and never
// deadlocks. See docs/splitting.md.

#include <omp.h>

#include <atomic>
#include <cstddef>
#include <exception>
#include <hypar/core/error.hpp>
#include <hypar/core/threads.hpp>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace hypar {

/// The result `join` reports for a callable returning `void` (an empty, comparable value).
using Unit = std::monostate;

class ThreadPool;

/// The number of threads parallel operations started here use: the size of the current OpenMP
/// team inside a parallel region, the pool's size inside `ThreadPool::install`, otherwise
/// `default_num_threads()`. Cost: a few loads.
std::size_t current_num_threads();

namespace detail {

/// Identifies the pool whose master thread this is (its internal state), or nullptr.
const void* current_pool_id() noexcept;

/// `default_num_threads()`, read once per process (the environment does not change under us).
std::size_t cached_default_num_threads();

/// The first exception of a parallel operation and its cancellation flag. Work that has not
/// started checks `stopped()` and is skipped; the caller rethrows after every piece has ended.
class Cancellation {
 public:
  /// Records the exception being handled (only the first one is kept) and cancels the rest.
  void capture() noexcept {
    if (!has_error_.exchange(true, std::memory_order_acq_rel))
      error_ = std::current_exception();
    stop_.store(true, std::memory_order_relaxed);
  }
  /// Stops the remaining work without an error (short-circuiting terminals).
  void stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  bool stopped() const noexcept { return stop_.load(std::memory_order_relaxed); }
  /// True once an exception was captured (a plain stop() leaves it false).
  bool failed() const noexcept { return has_error_.load(std::memory_order_relaxed); }
  /// Rethrows the first captured exception with its original type; call after all work ended.
  void rethrow_if_failed() const {
    if (error_)
      std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> has_error_{false};
  std::exception_ptr error_;
};

/// Runs `f()` (which must not throw) as the root of a parallel operation: inside a parallel
/// region directly (its tasks join the current team); otherwise in a new region of
/// `current_num_threads()` threads whose thread 0 runs `f` while the others execute its tasks.
template <class F>
void run_root(F& f) noexcept {
  if (omp_in_parallel()) {
    f();
    return;
  }
  const std::size_t n = current_num_threads();
  if (n <= 1) {
    f();
    return;
  }
#pragma omp parallel num_threads(static_cast <int>(n))
  {
    if (omp_get_thread_num() == 0)
      f();
  }
}

/// Holds the result of a callable: a value, a reference, or `Unit` for `void`. `filled()` says
/// whether `set` has run to its end (it stays false when the callable threw or never ran).
template <class R>
struct ResultSlot {
  std::optional<R> value;
  template <class F>
  void set(F& f) {
    value.emplace(f());
  }
  bool filled() const noexcept { return value.has_value(); }
  R take() { return std::move(*value); }
};
template <class R>
struct ResultSlot<R&> {
  R* pointer = nullptr;
  template <class F>
  void set(F& f) {
    pointer = &f();
  }
  bool filled() const noexcept { return pointer != nullptr; }
  R& take() { return *pointer; }
};
template <>
struct ResultSlot<void> {
  bool done = false;
  template <class F>
  void set(F& f) {
    f();
    done = true;
  }
  bool filled() const noexcept { return done; }
  Unit take() { return {}; }
};

}  // namespace detail

/// A fixed team of threads with an optional stack size, made by `ThreadPoolBuilder::build()`.
/// `install(f)` runs `f` on the pool's master thread (never on the caller); every parallel
/// operation inside opens its region from that master with the pool's thread count, reusing the
/// same OpenMP worker threads. Several concurrent `install` calls on one pool run one after the
/// other. Destroying the pool joins its threads. Movable, not copyable.
class ThreadPool {
 public:
  ThreadPool(ThreadPool&&) noexcept;
  ThreadPool& operator=(ThreadPool&&) noexcept;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  struct State;  ///< implementation detail (framework/src/core/pool.cpp)

  /// The number of threads of the pool's team.
  std::size_t num_threads() const noexcept;
  /// The stack size of every thread of the pool in bytes, 0 when the system default is used.
  std::size_t stack_size() const noexcept;

  /// Runs `f()` on the pool's master thread and returns its result (a reference stays a
  /// reference); an exception from `f` is rethrown here with its original type. Inside `f`,
  /// `current_num_threads()` is the pool's size. Called from inside this pool it runs `f` inline.
  /// Cost: two thread hand-offs (a few microseconds).
  template <class F>
  std::invoke_result_t<F&> install(F&& f) {
    using R = std::invoke_result_t<F&>;
    if (detail::current_pool_id() == static_cast<const void*>(state_.get()))
      return f();
    detail::ResultSlot<R> slot;
    auto body = [&] { slot.set(f); };
    run_on_master(&invoke_erased<decltype(body)>, &body);
    if constexpr (!std::is_void_v<R>)
      return slot.take();
  }

 private:
  friend class ThreadPoolBuilder;
  explicit ThreadPool(std::unique_ptr<State> state) noexcept;
  template <class B>
  static void invoke_erased(void* body) {
    (*static_cast<B*>(body))();
  }
  /// Hands `fn(arg)` to the master thread, waits, and rethrows what it threw.
  void run_on_master(void (*fn)(void*), void* arg);

  std::unique_ptr<State> state_;
};

/// Configures and builds a `ThreadPool`, as Rayon's `ThreadPoolBuilder`:
/// `hypar::ThreadPoolBuilder().num_threads(4).stack_size(8 << 20).build()`.
class ThreadPoolBuilder {
 public:
  /// The team size; 0 (the default) means `default_num_threads()`.
  ThreadPoolBuilder& num_threads(std::size_t n) noexcept {
    num_threads_ = n;
    return *this;
  }
  /// The stack size in bytes of every thread of the pool (the master and the OpenMP workers).
  /// Not calling it keeps the system default.
  ThreadPoolBuilder& stack_size(std::size_t bytes) noexcept {
    stack_size_ = bytes;
    return *this;
  }
  /// Starts the pool's threads. Throws hypar::Error when the request cannot be honoured: a stack
  /// size below PTHREAD_STACK_MIN, OMP_STACKSIZE/GOMP_STACKSIZE set to a different size (libgomp
  /// then fixes every worker's stack), threads that cannot be created, or an OpenMP limit
  /// (OMP_THREAD_LIMIT, OMP_DYNAMIC) that gives a smaller team. Cost: creating the threads.
  ThreadPool build() const;

 private:
  std::size_t num_threads_ = 0;
  std::optional<std::size_t> stack_size_;
};

}  // namespace hypar
