#pragma once
// hypar::Pipeline and hypar::pipeline: stages that run concurrently, each on worker threads of
// its own, handing items to the next stage through bounded Boost.Lockfree queues (backpressure).
//
//   std::vector<V> out = hypar::pipeline(std::move(input), stage1, stage2);   // the seed's helper
//   auto out = hypar::Pipeline::from(std::move(input))                        // or a Receiver<T>
//                  .stage(parse, {.workers = 2, .capacity = 100})
//                  .stage(count, {.ordered = true})
//                  .collect();                                                // or .for_each(sink)
//
// Design. Nothing runs until a terminal (collect, for_each) is called. The builder is a chain of
// "start" functions: each stage's start creates the link *into* that stage (flow/link.hpp: one
// boost::lockfree::spsc_queue per pair of upstream and downstream threads, together holding the
// stage's capacity), starts everything upstream writing into that link, and then starts its own
// workers, which read it, call the stage function and send the results downstream. Every item
// travels with its position in the pipeline's input (`seq`); an `ordered` stage holds early
// results in a reorder buffer and emits them in input order. The feeder takes a token per batch
// from a fixed budget that the terminal gives back, so the items in flight, reorder buffers
// included, are bounded whatever the timing.
// Items travel in batches of up to 64 (fewer when a stage's capacity is smaller, so capacities
// stay exact; a channel source sends what it has without waiting to fill a batch): a hand-off
// then costs a queue operation per batch, not per item.
// End of input flows down by closing: the feeder closes its side of the first link, a stage's
// workers drain their queues and close theirs, and so on to the terminal. A failure anywhere (a
// stage throws, the sink throws or asks to stop) cancels every link of the run at once: blocked
// sends throw hypar::Disconnected, blocked receives return empty, so every thread ends; the
// terminal joins them all and rethrows the first exception. No thread is ever left blocked.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <hypar/chan/channel.hpp>
#include <hypar/core/error.hpp>
#include <hypar/core/threads.hpp>
#include <hypar/flow/link.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar {

/// How one stage runs. An aggregate in this order, so designated initialisers work:
/// `.stage(f, {.workers = 4, .capacity = 1000, .ordered = true})`.
struct StageOptions {
  /// Threads calling the stage function concurrently (0 means 1).
  std::size_t workers = 1;
  /// Items the queues into this stage hold before upstream senders block (0 is taken as 1).
  std::size_t capacity = 256;
  /// Emit results in the order of the pipeline's input (else in completion order).
  bool ordered = false;
};

namespace detail {

/// A run of consecutive items of the pipeline's input, and the position of the run.
template <class T>
struct Batch {
  std::uint64_t seq;
  std::vector<T> items;
};

/// The most items a batch holds.
inline constexpr std::size_t max_batch = 64;

/// The state of one pipeline run: its threads, the cancel hooks of its links, the first error.
class PipelineRun {
 public:
  PipelineRun() = default;
  PipelineRun(const PipelineRun&) = delete;
  PipelineRun& operator=(const PipelineRun&) = delete;
  ~PipelineRun() { join(); }

  /// Registers a link to be cancelled when the run stops.
  template <class T>
  void watch(std::shared_ptr<Link<T>> link) {
    std::lock_guard lock(mutex_);
    cancels_.push_back([link] { link->cancel(); });
  }
  /// Starts a thread of the run.
  template <class F>
  void spawn(F&& body) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back(std::forward<F>(body));
  }
  /// Records `error` if it is the first, then stops the run.
  void fail(std::exception_ptr error) {
    {
      std::lock_guard lock(mutex_);
      if (!error_)
        error_ = std::move(error);
    }
    stop();
  }
  /// Cancels every link of the run (idempotent): every thread ends soon after.
  void stop() {
    if (stopped_.exchange(true))
      return;
    std::vector<std::function<void()>> cancels;
    {
      std::lock_guard lock(mutex_);
      cancels = cancels_;
    }
    for (auto& cancel : cancels)
      cancel();
  }
  bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

  /// Batches in flight (fed in, not yet handed to the terminal) are limited to `limit`: this bounds
  /// every buffer of the run, the reorder buffers of ordered stages included, whatever the
  /// timing. The feeder takes a token per batch (blocking while none is left, checking for a
  /// stop), the terminal gives it back.
  void set_token_limit(std::size_t limit) { token_limit_ = std::max<std::size_t>(1, limit); }
  /// Items per batch in this run (1 to max_batch).
  void set_batch_size(std::size_t n) { batch_size_ = std::clamp<std::size_t>(n, 1, max_batch); }
  std::size_t batch_size() const noexcept { return batch_size_; }
  /// Called by the single feeder thread only (so the check-then-add cannot race another taker).
  /// Fast path: one atomic load and add. The wait is timed (1 ms), so a give-back whose
  /// notification is missed costs at most that, never a hang.
  void acquire_token() {
    if (in_flight_.load(std::memory_order_acquire) >= token_limit_) {
      std::unique_lock lock(token_mutex_);
      feeder_waiting_.store(true, std::memory_order_seq_cst);
      while (in_flight_.load(std::memory_order_seq_cst) >= token_limit_ && !stopped()) {
        token_returned_.wait_for(lock, std::chrono::milliseconds(1));
      }
      feeder_waiting_.store(false, std::memory_order_relaxed);
    }
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  void release_token() {
    in_flight_.fetch_sub(1, std::memory_order_seq_cst);
    if (feeder_waiting_.load(std::memory_order_seq_cst)) {
      std::lock_guard lock(token_mutex_);
      token_returned_.notify_one();
    }
  }

  /// Joins every thread of the run.
  void join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads)
      t.join();
  }
  /// Joins, then rethrows the first error, if any.
  void finish() {
    join();
    if (error_)
      std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::vector<std::function<void()>> cancels_;
  std::exception_ptr error_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> feeder_waiting_{false};
  std::size_t token_limit_ = 1024;
  std::size_t batch_size_ = max_batch;
  std::mutex token_mutex_;
  std::condition_variable token_returned_;
};

/// Runs `body()`, turning an exception into a failure of the run (unless the run was already
/// stopped, in which case the exception is a consequence of that stop: Disconnected from a
/// cancelled link).
template <class F>
void run_guarded(PipelineRun& run, F&& body) noexcept {
  try {
    body();
  } catch (...) {
    if (!run.stopped())
      run.fail(std::current_exception());
  }
}

/// Emits results of an ordered stage in input order. Shared by the stage's workers. It holds at
/// most the items in flight (PipelineRun's token limit).
template <class U>
class ReorderBuffer {
 public:
  /// Adds result batch `seq` and sends, as producer `u` of `out`, every batch that is now next
  /// in order. All sends happen under the buffer's lock: whichever worker sends, producer `u`
  /// is one sequence of pushes (the lock orders them), as a single-producer queue needs.
  void push(Batch<U> batch, Link<Batch<U>>& out, std::size_t u) {
    std::unique_lock lock(mutex_);
    const std::uint64_t seq = batch.seq;
    pending_.emplace(seq, std::move(batch.items));
    while (!pending_.empty() && pending_.begin()->first == next_) {
      auto node = pending_.extract(pending_.begin());
      out.send(u, std::make_unique<Batch<U>>(
                      Batch<U>{node.key(), std::move(node.mapped())}));  // in order: under the lock
      ++next_;
    }
  }

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::vector<U>> pending_;
  std::uint64_t next_ = 0;
};

/// The capacity, in batches, of each of the `queues` queues of a link meant to hold `items`
/// items in all (at least one batch each).
inline std::size_t batches_per_queue(std::size_t items, std::size_t batch, std::size_t queues) {
  return std::max<std::size_t>(1, items / batch / std::max<std::size_t>(1, queues));
}

}  // namespace detail

/// A pipeline whose stages so far produce items of type `T`. Made by `hypar::Pipeline::from`;
/// `stage` adds a stage; `collect` or `for_each` runs it (once).
template <class T>
class PipelineOf {
 public:
  /// Starts everything up to this point, its threads writing their batches into `out` (as
  /// producers 0 .. threads() - 1); used by the next stage.
  using Start =
      std::function<void(detail::PipelineRun&, std::shared_ptr<detail::Link<detail::Batch<T>>>)>;

  /// `threads`: how many threads write into the next link; `budget`: items the stages so far can
  /// hold (capacities plus batches in workers); `smallest_capacity`: it caps the batch size.
  PipelineOf(Start start, std::size_t threads, std::size_t budget, std::size_t smallest_capacity)
      : start_(std::move(start)),
        threads_(threads),
        budget_(budget),
        smallest_capacity_(smallest_capacity) {}

  /// Adds a stage: `fn(T) -> U` on `options.workers` threads, reading from queues that hold
  /// `options.capacity` items. Sequential equivalent: `for (x : items) out.push_back(fn(x))`.
  template <class F>
  auto stage(F fn, StageOptions options = {}) const {
    using U = std::remove_cvref_t<std::invoke_result_t<F&, T&&>>;
    static_assert(!std::is_void_v<U>,
                  "hypar::Pipeline: a stage must return the item for the next stage");
    Start upstream = start_;
    const std::size_t producers = threads_;
    const std::size_t workers = std::max<std::size_t>(1, options.workers);
    const std::size_t capacity = std::max<std::size_t>(1, options.capacity);
    const std::size_t budget = budget_ + capacity + workers * detail::max_batch;
    return PipelineOf<U>(
        [upstream, fn = std::move(fn), options, producers, workers, capacity](
            detail::PipelineRun& run, std::shared_ptr<detail::Link<detail::Batch<U>>> out) {
          auto in = std::make_shared<detail::Link<detail::Batch<T>>>(
              producers, workers,
              detail::batches_per_queue(capacity, run.batch_size(), producers * workers));
          run.watch(in);
          upstream(run, in);
          // Unordered, worker w is producer w of `out`. Ordered, the reorder buffer is the one
          // producer of `out` (its sends are serialised by its lock, so each queue keeps a single
          // producer at a time, and one sequence keeps the order), closed by the last worker.
          std::shared_ptr<detail::ReorderBuffer<U>> reorder;
          auto running = std::make_shared<std::atomic<std::size_t>>(workers);
          if (options.ordered)
            reorder = std::make_shared<detail::ReorderBuffer<U>>();
          for (std::size_t w = 0; w < workers; ++w) {
            run.spawn([&run, fn, in, out, reorder, running, w]() mutable {
              detail::run_guarded(run, [&] {
                while (std::unique_ptr<detail::Batch<T>> batch = in->recv(w)) {
                  detail::Batch<U> result{batch->seq, {}};
                  result.items.reserve(batch->items.size());
                  for (T& item : batch->items)
                    result.items.push_back(fn(std::move(item)));
                  if (reorder) {
                    reorder->push(std::move(result), *out, 0);
                  } else {
                    out->send(w, std::make_unique<detail::Batch<U>>(std::move(result)));
                  }
                }
              });
              if (!reorder) {
                out->close(w);
              } else if (running->fetch_sub(1, std::memory_order_acq_rel) == 1) {
                out->close(0);
              }
            });
          }
        },
        options.ordered ? 1 : workers, budget, std::min(smallest_capacity_, capacity));
  }

  /// Runs the pipeline and returns every final item (in input order if the last stage is
  /// ordered). Rethrows the first exception of any stage after every thread has ended.
  std::vector<T> collect() const {
    std::vector<T> items;
    for_each([&items](T&& item) { items.push_back(std::move(item)); });
    return items;
  }

  /// Runs the pipeline and calls `sink(T)` on the calling thread for every final item, one at a
  /// time. If `sink` returns a bool, false stops the pipeline early (every stage is cancelled
  /// and joined before for_each returns). An exception from any stage or from `sink` stops the
  /// pipeline and is rethrown here.
  template <class Sink>
  void for_each(Sink&& sink) const {
    detail::PipelineRun run;
    const std::size_t capacity = StageOptions{}.capacity;
    run.set_batch_size(std::min(smallest_capacity_, capacity));
    run.set_token_limit((budget_ + capacity) / run.batch_size() + 2);
    auto in = std::make_shared<detail::Link<detail::Batch<T>>>(
        threads_, 1, detail::batches_per_queue(capacity, run.batch_size(), threads_));
    run.watch(in);
    try {
      start_(run, in);
      bool more = true;
      while (more) {
        std::unique_ptr<detail::Batch<T>> batch = in->recv(0);
        if (!batch)
          break;
        run.release_token();
        for (T& item : batch->items) {
          if constexpr (std::is_convertible_v<std::invoke_result_t<Sink&, T&&>, bool>) {
            if (!sink(std::move(item))) {
              run.stop();
              more = false;
              break;
            }
          } else {
            sink(std::move(item));
          }
        }
      }
    } catch (...) {
      run.fail(std::current_exception());
    }
    run.finish();
  }

 private:
  Start start_;
  std::size_t threads_;
  std::size_t budget_;
  std::size_t smallest_capacity_;
};

/// Entry point of the pipeline builder: `hypar::Pipeline::from(input).stage(...).collect()`.
class Pipeline {
 public:
  /// A pipeline fed with the items of `input` (a container or range, taken by value: pass it
  /// with std::move to avoid a copy), in order.
  template <std::ranges::input_range R>
  static auto from(R input) {
    using T = std::ranges::range_value_t<R>;
    auto items = std::make_shared<R>(std::move(input));
    return PipelineOf<T>(
        [items](detail::PipelineRun& run, std::shared_ptr<detail::Link<detail::Batch<T>>> out) {
          run.spawn([&run, items, out] {
            detail::run_guarded(run, [&] {
              const std::size_t size = run.batch_size();
              auto batch = std::make_unique<detail::Batch<T>>();
              std::uint64_t seq = 0;
              auto flush = [&] {
                run.acquire_token();
                if (run.stopped())
                  return false;
                batch->seq = seq++;
                out->send(0, std::move(batch));
                batch = std::make_unique<detail::Batch<T>>();
                return true;
              };
              for (auto&& item : *items) {
                if (batch->items.empty())
                  batch->items.reserve(size);
                batch->items.push_back(std::move(item));
                if (batch->items.size() == size && !flush())
                  return;
              }
              if (!batch->items.empty())
                flush();
            });
            out->close(0);
          });
        },
        1, 0, StageOptions{}.capacity);
  }

  /// A pipeline fed by a channel: it takes items until every sender of `input` is gone and the
  /// channel is drained (or the pipeline stops; it checks for that at least every 50 ms, so a
  /// channel that never closes cannot keep it alive).
  template <class T>
  static auto from(Receiver<T> input) {
    auto source = std::make_shared<Receiver<T>>(std::move(input));
    return PipelineOf<T>(
        [source](detail::PipelineRun& run, std::shared_ptr<detail::Link<detail::Batch<T>>> out) {
          run.spawn([&run, source, out] {
            detail::run_guarded(run, [&] {
              std::uint64_t seq = 0;
              const std::size_t size = run.batch_size();
              while (!run.stopped()) {
                // Wait for one item, then take whatever else is there now, up to a batch.
                std::optional<T> first = source->recv_for(std::chrono::milliseconds(50));
                if (!first) {
                  if (source->is_disconnected())
                    first = source->try_recv();
                  if (!first && source->is_disconnected())
                    break;  // drained and closed
                  if (!first)
                    continue;
                }
                auto batch = std::make_unique<detail::Batch<T>>(detail::Batch<T>{seq++, {}});
                batch->items.push_back(std::move(*first));
                while (batch->items.size() < size) {
                  std::optional<T> more = source->try_recv();
                  if (!more)
                    break;
                  batch->items.push_back(std::move(*more));
                }
                run.acquire_token();
                out->send(0, std::move(batch));
              }
            });
            out->close(0);
          });
        },
        1, 0, StageOptions{}.capacity);
  }
};

/// The seed's two-stage pipeline: `stage1` on as many threads as the default pool, `stage2` on
/// one, connected by queues of 100 items, results in unspecified order.
/// Sequential equivalent: `for (x : input) out.push_back(stage2(stage1(x)))`.
template <std::ranges::input_range R, class F1, class F2>
auto pipeline(R input, F1 stage1, F2 stage2) {
  return Pipeline::from(std::move(input))
      .stage(std::move(stage1), {.workers = default_num_threads(), .capacity = 100})
      .stage(std::move(stage2), {.workers = 1, .capacity = 100})
      .collect();
}

}  // namespace hypar
