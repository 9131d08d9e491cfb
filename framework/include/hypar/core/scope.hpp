#pragma once
// hypar::scope: Rayon's scope. Spawned closures run as OpenMP tasks of the current team (or of a
// new region of current_num_threads() threads) and may borrow anything that outlives the scope
// call, because scope() returns only after every spawned task, however deeply nested, has ended.

#include <omp.h>

#include <hypar/core/pool.hpp>
#include <memory>
#include <type_traits>
#include <utility>

namespace hypar {

/// The handle passed to the body of `scope` and to every spawned closure.
class Scope {
 public:
  /// Runs `f(scope)` as a task of the pool (possibly on another thread, possibly later). `f` is
  /// moved into the task; it may spawn more. If any spawned closure has thrown, closures that
  /// have not started yet are skipped. Cost: one heap allocation and one OpenMP task.
  template <class F>
  void spawn(F&& f) {
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<Fn&, Scope&>,
                  "hypar::Scope::spawn takes a callable f(hypar::Scope&)");
    if (cancel_->stopped())
      return;
    Fn* job = new Fn(std::forward<F>(f));
    Scope* self = this;
#pragma omp task firstprivate(job, self)
    {
      std::unique_ptr<Fn> owned(job);
      if (!self->cancel_->stopped()) {
        try {
          (*owned)(*self);
        } catch (...) {
          self->cancel_->capture();
        }
      }
    }
  }

  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  template <class F>
  friend auto scope(F&& body);
  explicit Scope(detail::Cancellation& cancel) noexcept : cancel_(&cancel) {}
  detail::Cancellation* cancel_;
};

/// Runs `body(scope)` and returns its result once every closure spawned through the scope (and
/// those they spawned) has finished. The first exception thrown by the body or by a spawned
/// closure is rethrown, with its type, after all of them ended.
/// Sequential equivalent: run the body, then each spawned closure in turn.
/// Cost: one parallel region when called outside one, plus one task per spawn.
template <class F>
auto scope(F&& body) {
  using R = std::invoke_result_t<F&, Scope&>;
  detail::Cancellation cancel;
  Scope s(cancel);
  detail::ResultSlot<R> slot;
  auto call = [&]() -> R { return body(s); };
  auto root = [&]() noexcept {
#pragma omp taskgroup
    {
      try {
        slot.set(call);
      } catch (...) {
        cancel.capture();
      }
    }
  };
  detail::run_root(root);
  cancel.rethrow_if_failed();
  if constexpr (!std::is_void_v<R>)
    return slot.take();
}

}  // namespace hypar
