#pragma once
// hypar::Progress: a thread-safe counter of work done that shows itself, the seed's
// `counter.fetch_add(1)` + `eprintln!` every 1000 items. On a terminal it redraws one bar line in
// place; anywhere else (a Slurm output file, a pipe) it writes a plain line at every tenth of
// the work, so logs stay short. Drawing happens on a thread of its own, never in `add`, which is
// one relaxed atomic add on a cache line of its own.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <hypar/sync/cache_padded.hpp>
#include <mutex>
#include <string>
#include <thread>

namespace hypar {

/// A counter of work done out of `total`, drawn while it runs. `add` is callable from any thread;
/// `.with_progress(p)` on a parallel iterator calls it for you. The drawing stops, with a last
/// line at the final count, in `finish()` or the destructor.
class Progress {
 public:
  /// How the counter is shown.
  enum class Style {
    automatic,  ///< a bar if the stream is a terminal, lines otherwise
    bar,        ///< one line redrawn in place with '\r' (terminals)
    lines,      ///< a plain line at every tenth of the total (logs); every 10 s if total is 0
    none,       ///< count only, draw nothing
  };
  /// What one unit of the count is, for the text.
  enum class Unit { items, bytes };

  struct Options {
    Style style = Style::automatic;
    Unit unit = Unit::items;
    /// Where to draw; standard error by default, as HPC tools do (stdout holds results).
    std::FILE* stream = stderr;
    /// How often the bar is redrawn.
    std::chrono::milliseconds interval{200};
  };

  /// Starts showing progress towards `total` (0: unknown total, only the count is shown) under
  /// `label`. The environment variable HYPAR_PROGRESS=0 turns drawing off (Style::none).
  Progress(std::uint64_t total, std::string label);
  Progress(std::uint64_t total, std::string label, Options options);
  /// Draws the final state (as `finish()`) and stops the drawing thread.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Counts `n` more units of work done. Thread-safe, lock-free, never draws.
  void add(std::uint64_t n = 1) noexcept { done_->fetch_add(n, std::memory_order_relaxed); }
  /// The units counted so far.
  std::uint64_t position() const noexcept { return done_->load(std::memory_order_relaxed); }
  /// The total given at construction.
  std::uint64_t total() const noexcept { return total_; }
  /// The style in use (`automatic` resolved to `bar` or `lines`).
  Style style() const noexcept { return style_; }
  /// Stops drawing after a final line at the current count. Idempotent.
  void finish();

 private:
  void run();
  void draw(bool final);

  const std::uint64_t total_;
  const std::string label_;
  const Options options_;
  Style style_;
  CachePadded<std::atomic<std::uint64_t>> done_{0};
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_line_ = start_;
  int last_tenth_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool finished_ = false;
  std::thread drawer_;
};

}  // namespace hypar
