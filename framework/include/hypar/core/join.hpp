#pragma once
// Fork-join: the one place where hypar forks. `detail::fork_join` is the primitive; `join`,
// `join_context` and the parallel iterators' splitter (par/bridge.hpp) are built on it, and
// `detail::fork_each` (the sorts' stripes and buckets) is its n-way form: the OpenMP tasks, the
// try/catch that keeps exceptions inside a task and the taskwaits are written here and nowhere
// else.
//
// Design note (docs/splitting.md, section 1, has the long version)
// ----------------------------------------------------------------
// Inside a parallel region, `fork_join(cancel, a, b)` queues `b` as an OpenMP task of the current
// team (an idle thread takes it: that is the work stealing), runs `a` on this thread, and waits in
// `taskwait`, where this thread executes queued tasks instead of blocking. Outside any region it
// opens one of `current_num_threads()` threads: thread 0 runs `a`, thread 1 runs `b` directly (a
// hand-off without a task, so an empty fork-join costs about one bare `omp parallel`), and the
// other threads execute, at the region's closing barrier, the tasks that `a` and `b` create.
// `b` learns whether it runs on another thread than the caller (`JoinContext::migrated`): Rayon's
// adaptive splitter uses that as the signal that threads are idle (par/bridge.hpp).
//
// Exceptions never leave a task: each half runs in try/catch, the first exception goes into the
// shared `Cancellation`, and halves that have not started yet then skip their work.
// The catch sits before the taskwait, so no frame a child references unwinds while it runs.

#include <omp.h>

#include <cstddef>
#include <hypar/core/pool.hpp>
#include <type_traits>
#include <utility>

namespace hypar {

/// What a closure given to `join_context` learns about where it runs (Rayon's `FnContext`).
class JoinContext {
 public:
  explicit constexpr JoinContext(bool migrated) noexcept : migrated_(migrated) {}
  /// True when the closure runs on another thread than the one that called `join_context`: the
  /// second closure was taken by an idle thread. Always false for the first closure.
  constexpr bool migrated() const noexcept { return migrated_; }

 private:
  bool migrated_;
};

namespace detail {

template <class F>
using context_result_t = std::invoke_result_t<F&, JoinContext>;

/// The fork primitive. Runs `a(JoinContext)` on this thread and `b(JoinContext)` potentially on
/// another thread of the team, and returns when both have ended. A half that has not started when
/// `cancel` holds an exception is skipped; an exception from either is captured into `cancel`,
/// never thrown (only moving a result out of its slot at the end may throw, on this thread, after
/// both halves ended). A plain `cancel.stop()` (a short-circuit) skips nothing: the halves decide
/// what a stop means for them. Each returned slot is `filled()` only when its half ran to the end.
/// Sequential equivalent: `a(ctx); b(ctx);`. Cost: inside a region one OpenMP task and a taskwait;
/// outside, one parallel region (with one thread: two calls).
template <class A, class B>
std::pair<ResultSlot<context_result_t<A>>, ResultSlot<context_result_t<B>>> fork_join(
    Cancellation& cancel, A&& a, B&& b) {
  ResultSlot<context_result_t<A>> ra;
  ResultSlot<context_result_t<B>> rb;
  auto run = [&cancel](auto& slot, auto& f, bool migrated) noexcept {
    if (cancel.failed())
      return;
    auto call = [&]() -> decltype(auto) { return f(JoinContext(migrated)); };
    try {
      slot.set(call);
    } catch (...) {
      cancel.capture();
    }
  };
  if (omp_in_parallel()) {
    const int creator = omp_get_thread_num();
#pragma omp task default(shared)
    run(rb, b, omp_get_thread_num() != creator);
    run(ra, a, false);
#pragma omp taskwait
  } else if (const std::size_t n = current_num_threads(); n <= 1) {
    run(ra, a, false);
    run(rb, b, false);
  } else {
#pragma omp parallel num_threads(static_cast <int>(n))
    {
      const int tid = omp_get_thread_num();
      if (tid == 0) {
        run(ra, a, false);
        if (omp_get_num_threads() == 1)  // OMP_DYNAMIC or a thread limit gave one thread
          run(rb, b, false);
      } else if (tid == 1) {
        run(rb, b, true);
      }
    }
  }
  return {std::move(ra), std::move(rb)};
}

/// Runs `f(i)` for every i in [lo, hi) on the team (f(lo) on this thread) and returns when all
/// have ended. `f` must not throw, and every call runs, whatever happens elsewhere: the sorts use
/// it for pieces that must run to restore their range. Sequential equivalent:
/// `for (i = lo; i < hi; ++i) f(i);`. Cost: inside a region, hi - lo - 1 OpenMP tasks queued at
/// once and one taskwait (a flat fan-out: a tree of fork_joins, whose inner taskwaits hold threads
/// back, was measurably slower for the sorts; docs/sorting.md section 5); outside a region, the
/// first fork_join opens one and the halves fan out inside it.
template <class F>
void fork_each(std::size_t lo, std::size_t hi, F& f) noexcept {
  static_assert(std::is_nothrow_invocable_v<F&, std::size_t>,
                "hypar::detail::fork_each runs pieces that must not throw");
  if (hi - lo <= 1) {
    if (lo < hi)
      f(lo);
    return;
  }
  if (!omp_in_parallel()) {
    Cancellation never_stopped;  // f does not throw, so nothing is ever captured
    const std::size_t mid = lo + (hi - lo) / 2;
    fork_join(
        never_stopped, [&](JoinContext) { fork_each(lo, mid, f); },
        [&](JoinContext) { fork_each(mid, hi, f); });
    return;
  }
  for (std::size_t i = lo + 1; i < hi; ++i) {
#pragma omp task default(shared) firstprivate(i)
    f(i);
  }
  f(lo);
#pragma omp taskwait
}

template <class F>
using join_result_t =
    std::conditional_t<std::is_void_v<std::invoke_result_t<F&>>, Unit, std::invoke_result_t<F&>>;
template <class F>
using join_context_result_t =
    std::conditional_t<std::is_void_v<context_result_t<F>>, Unit, context_result_t<F>>;

}  // namespace detail

/// Runs `a(ctx)` and `b(ctx)` potentially in parallel and returns both results as a `std::pair`
/// (`Unit` stands for a `void` result); `ctx.migrated()` tells `b` whether an idle thread took it
/// (Rayon's `join_context`). Sequential equivalent: `std::pair{a(ctx), b(ctx)}`. If either
/// throws, the other is skipped if it has not started, and the first exception is rethrown with
/// its original type after both have ended. Cost: as `detail::fork_join`.
template <class A, class B>
std::pair<detail::join_context_result_t<A>, detail::join_context_result_t<B>> join_context(A&& a,
                                                                                           B&& b) {
  detail::Cancellation cancel;
  auto [ra, rb] = detail::fork_join(cancel, a, b);
  cancel.rethrow_if_failed();
  return {ra.take(), rb.take()};
}

/// Runs `a()` and `b()` potentially in parallel and returns both results as a `std::pair`
/// (`Unit` stands for a `void` result). Sequential equivalent: `std::pair{a(), b()}`.
/// If either throws, the other is skipped if it has not started, and the first exception is
/// rethrown with its original type after both have ended. Cost: inside a parallel region one
/// OpenMP task; outside, one parallel region (thread 0 runs `a`, thread 1 runs `b`).
template <class A, class B>
std::pair<detail::join_result_t<A>, detail::join_result_t<B>> join(A&& a, B&& b) {
  return join_context([&](JoinContext) -> decltype(auto) { return a(); },
                      [&](JoinContext) -> decltype(auto) { return b(); });
}

}  // namespace hypar
