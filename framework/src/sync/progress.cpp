// hypar::Progress: the drawing thread and the text.

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <hypar/sync/progress.hpp>

namespace hypar {
namespace {

Progress::Style resolve(Progress::Style style, std::FILE* stream) {
  if (const char* env = std::getenv("HYPAR_PROGRESS");
      env != nullptr && std::strcmp(env, "0") == 0) {
    return Progress::Style::none;
  }
  if (style != Progress::Style::automatic)
    return style;
  if (stream == nullptr)
    return Progress::Style::none;
  return ::isatty(::fileno(stream)) == 1 ? Progress::Style::bar : Progress::Style::lines;
}

/// "1234 items" or "1.23 GB": the count in the unit of the counter.
std::string amount(std::uint64_t n, Progress::Unit unit) {
  char text[64];
  if (unit == Progress::Unit::bytes) {
    const double v = static_cast<double>(n);
    if (v >= 1e9) {
      std::snprintf(text, sizeof text, "%.2f GB", v / 1e9);
    } else if (v >= 1e6) {
      std::snprintf(text, sizeof text, "%.1f MB", v / 1e6);
    } else {
      std::snprintf(text, sizeof text, "%.0f kB", v / 1e3);
    }
  } else {
    std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(n));
  }
  return text;
}

}  // namespace

Progress::Progress(std::uint64_t total, std::string label)
    : Progress(total, std::move(label), Options{}) {}

Progress::Progress(std::uint64_t total, std::string label, Options options)
    : total_(total),
      label_(std::move(label)),
      options_(options),
      style_(resolve(options.style, options.stream)) {
  if (style_ != Style::none)
    drawer_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  finish();
}

void Progress::finish() {
  {
    std::lock_guard lock(mutex_);
    if (finished_)
      return;
    finished_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (drawer_.joinable())
    drawer_.join();
}

void Progress::run() {
  // Timed waits: a lost notification costs one interval, never a hang.
  const auto interval = style_ == Style::bar ? options_.interval : std::chrono::milliseconds(250);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, interval, [this] { return stopping_; });
    const bool final = stopping_;  // the last line is drawn even if finish() came first
    draw(final);
    if (final)
      return;
  }
}

void Progress::draw(bool final) {
  const std::uint64_t now = position();
  const auto clock = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(clock - start_).count();
  const double fraction =
      total_ ? std::min(1.0, static_cast<double>(now) / static_cast<double>(total_)) : 0.0;
  const std::string count = amount(now, options_.unit);
  const std::string of = total_ ? " of " + amount(total_, options_.unit) : std::string();
  const char* unit_word = options_.unit == Unit::items ? " items" : "";

  char eta[48] = "";
  if (total_ && now > 0 && now < total_ && !final) {
    std::snprintf(eta, sizeof eta, ", about %.0f s left", elapsed * (1.0 - fraction) / fraction);
  }

  if (style_ == Style::bar) {
    constexpr int width = 30;
    char bar[width + 1];
    const int filled = total_ ? static_cast<int>(fraction * width) : 0;
    for (int i = 0; i < width; ++i)
      bar[i] = i < filled ? '#' : (i == filled ? '>' : ' ');
    bar[width] = '\0';
    if (total_) {
      std::fprintf(options_.stream, "\r%s [%s] %5.1f%% %s%s%s, %.1f s%s\x1b[K%s", label_.c_str(),
                   bar, 100 * fraction, count.c_str(), of.c_str(), unit_word, elapsed, eta,
                   final ? "\n" : "");
    } else {
      std::fprintf(options_.stream, "\r%s %s%s, %.1f s\x1b[K%s", label_.c_str(), count.c_str(),
                   unit_word, elapsed, final ? "\n" : "");
    }
  } else {
    // Lines: one per tenth of the total reached (or every 10 s without a total), and the last.
    bool due = final;
    if (total_) {
      const int tenth = static_cast<int>(fraction * 10);
      if (tenth > last_tenth_) {
        last_tenth_ = tenth;
        due = due || tenth < 10;
      }
    } else if (clock - last_line_ >= std::chrono::seconds(10)) {
      due = true;
    }
    if (!due)
      return;
    last_line_ = clock;
    if (total_) {
      std::fprintf(options_.stream, "%s: %5.1f%% (%s%s%s) after %.1f s%s\n", label_.c_str(),
                   100 * fraction, count.c_str(), of.c_str(), unit_word, elapsed, eta);
    } else {
      std::fprintf(options_.stream, "%s: %s%s after %.1f s\n", label_.c_str(), count.c_str(),
                   unit_word, elapsed);
    }
  }
  std::fflush(options_.stream);
}

}  // namespace hypar
