#pragma once
// hypar::thread_scope: Crossbeam's scoped threads. Every spawned closure gets a dedicated OS
// thread (std::thread), so it may block, wait on channels or run forever-ish loops without
// starving a pool; all threads are joined before thread_scope returns, so they may borrow locals.

#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar {

/// The handle passed to the body of `thread_scope`; spawned closures may take it too.
class ThreadScope {
 public:
  /// Starts `f()` (or `f(scope)`) on a new OS thread. Cost: one thread creation (~10 us).
  /// Throws std::system_error if the thread cannot be created.
  template <class F>
  void spawn(F&& f) {
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<Fn&> || std::is_invocable_v<Fn&, ThreadScope&>,
                  "hypar::ThreadScope::spawn takes a callable f() or f(hypar::ThreadScope&)");
    std::lock_guard lock(mutex_);
    threads_.emplace_back([this, fn = Fn(std::forward<F>(f))]() mutable {
      try {
        if constexpr (std::is_invocable_v<Fn&, ThreadScope&>) {
          fn(*this);
        } else {
          fn();
        }
      } catch (...) {
        record(std::current_exception());
      }
    });
  }

  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  template <class F>
  friend auto thread_scope(F&& body);
  ThreadScope() = default;

  void record(std::exception_ptr e) noexcept {
    std::lock_guard lock(mutex_);
    if (!error_)
      error_ = std::move(e);
  }

  /// Joins every thread, including those spawned while joining.
  void join_all() noexcept {
    for (;;) {
      std::thread t;
      {
        std::lock_guard lock(mutex_);
        if (threads_.empty())
          return;
        t = std::move(threads_.back());
        threads_.pop_back();
      }
      t.join();
    }
  }

  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::exception_ptr error_;
};

/// Runs `body(scope)`, then joins every thread spawned through the scope, and returns the body's
/// result. The first exception (of the body or of any thread) is rethrown with its type after
/// all threads have been joined. Sequential equivalent: the body, then each closure in turn.
template <class F>
auto thread_scope(F&& body) {
  using R = std::invoke_result_t<F&, ThreadScope&>;
  ThreadScope s;
  if constexpr (std::is_void_v<R>) {
    try {
      body(s);
    } catch (...) {
      s.record(std::current_exception());
    }
    s.join_all();
    if (s.error_)
      std::rethrow_exception(s.error_);
  } else {
    std::optional<R> result;
    try {
      result.emplace(body(s));
    } catch (...) {
      s.record(std::current_exception());
    }
    s.join_all();
    if (s.error_)
      std::rethrow_exception(s.error_);
    return std::move(*result);
  }
}

}  // namespace hypar
