// Bounded waits (dist/timeout.hpp): polling with pings, the report, and the watch thread.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/dist/timeout.hpp>
#include <string>
#include <thread>
#include <vector>

namespace hypar::dist {

namespace {

constexpr int kPingTag = 1;
constexpr int kPongTag = 2;
constexpr int kHostChars = 64;

std::atomic<double> g_timeout{0.0};
MPI_Comm g_pings = MPI_COMM_NULL;  // MPI_COMM_WORLD's duplicate the pings travel on
std::vector<std::string> g_hosts;  // by world rank
int g_rank = 0;
int g_size = 1;

// The call that cannot be polled, if any (one MPI thread at a time: FUNNELED or SERIALIZED;
// nested calls restore the outer one).
std::atomic<const char*> g_unpolled_what{nullptr};
std::atomic<long long> g_unpolled_since{0};

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Answers every ping waiting for this rank (matched probes: safe when several threads poll).
void answer_pings() {
  static const int pong = 1;  // sent buffers must outlive the freed requests
  for (;;) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    if (MPI_Improbe(MPI_ANY_SOURCE, kPingTag, g_pings, &flag, &message, &status) != MPI_SUCCESS ||
        !flag)
      return;
    int ping = 0;
    MPI_Mrecv(&ping, 1, MPI_INT, &message, MPI_STATUS_IGNORE);
    MPI_Request request;
    if (MPI_Isend(&pong, 1, MPI_INT, status.MPI_SOURCE, kPongTag, g_pings, &request) == MPI_SUCCESS)
      MPI_Request_free(&request);
  }
}

/// "4-5 (node3), 7 (node4)": ranks in runs, each run with the hosts it spans.
std::string describe(const std::vector<int>& ranks) {
  std::string out;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1 &&
           g_hosts[static_cast<std::size_t>(ranks[j + 1])] ==
               g_hosts[static_cast<std::size_t>(ranks[i])])
      ++j;
    if (!out.empty())
      out += ", ";
    out += std::to_string(ranks[i]);
    if (j > i)
      out += "-" + std::to_string(ranks[j]);
    out += " (" + g_hosts[static_cast<std::size_t>(ranks[i])] + ")";
    i = j + 1;
  }
  return out;
}

/// Ends the process with kTimeoutExitCode after `seconds`, from a thread of its own: the backstop
/// when MPI_Abort cannot reach the rest of the job (a cut link).
void exit_later(double seconds) {
  std::thread([seconds] {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    std::fflush(stderr);
    ::_exit(kTimeoutExitCode);
  }).detach();
}

/// Past the deadline of `what`: asks every rank whether it is there, reports who is not, and
/// ends the job.
[[noreturn]] void report_and_abort(const char* what, double waited) {
  static const int ping = 1;
  for (int r = 0; r < g_size; ++r) {
    if (r == g_rank)
      continue;
    MPI_Request request;
    if (MPI_Isend(&ping, 1, MPI_INT, r, kPingTag, g_pings, &request) == MPI_SUCCESS)
      MPI_Request_free(&request);
  }
  std::vector<char> answered(static_cast<std::size_t>(g_size), 0);
  answered[static_cast<std::size_t>(g_rank)] = 1;
  int answers = 1;
  const double grace = std::min(5.0, std::max(1.0, g_timeout.load()));
  const long long until = now_ns() + static_cast<long long>(grace * 1e9);
  while (answers < g_size && now_ns() < until) {
    answer_pings();  // the others ask too
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    if (MPI_Improbe(MPI_ANY_SOURCE, kPongTag, g_pings, &flag, &message, &status) == MPI_SUCCESS &&
        flag) {
      int pong = 0;
      MPI_Mrecv(&pong, 1, MPI_INT, &message, MPI_STATUS_IGNORE);
      char& seen = answered[static_cast<std::size_t>(status.MPI_SOURCE)];
      answers += seen ? 0 : 1;
      seen = 1;
    } else {
      const timespec pause{0, 200000};
      ::nanosleep(&pause, nullptr);
    }
  }
  std::vector<int> silent;
  for (int r = 0; r < g_size; ++r)
    if (!answered[static_cast<std::size_t>(r)])
      silent.push_back(r);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", waited);
  std::string line = "hypar: rank " + std::to_string(g_rank) + " (" +
                     g_hosts[static_cast<std::size_t>(g_rank)] + "): no progress for " + seconds +
                     " s in " + what + " (timeout: --timeout / HYPAR_TIMEOUT); ";
  if (silent.empty())
    line += "every other rank answers (they wait elsewhere, or the job is only slow)";
  else
    line += "no answer from rank" + std::string(silent.size() > 1 ? "s " : " ") + describe(silent);
  line += "; ending the job\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  exit_later(3.0);
  MPI_Abort(MPI_COMM_WORLD, kTimeoutExitCode);
  ::_exit(kTimeoutExitCode);
}

/// The watch thread: ends the process when a call that cannot be polled runs past the timeout.
void watch() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double limit = g_timeout.load();
    const char* what = g_unpolled_what.load();
    if (limit <= 0 || what == nullptr)
      continue;
    const double waited = static_cast<double>(now_ns() - g_unpolled_since.load()) * 1e-9;
    if (waited < limit || g_unpolled_what.load() != what)
      continue;
    std::fprintf(stderr,
                 "hypar: rank %d (%s): no progress for %g s in %s (timeout: --timeout / "
                 "HYPAR_TIMEOUT); which rank stopped answering cannot be asked from inside this "
                 "call; ending the job\n",
                 g_rank, g_hosts[static_cast<std::size_t>(g_rank)].c_str(), limit, what);
    std::fflush(stderr);
    ::_exit(kTimeoutExitCode);
  }
}

}  // namespace

void set_timeout(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    throw Error("hypar::dist::set_timeout: the timeout must be a number of seconds >= 0, not " +
                std::to_string(seconds));
  if (seconds > 0 && g_pings == MPI_COMM_NULL) {
    detail::check(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank), "MPI_Comm_rank");
    detail::check(MPI_Comm_size(MPI_COMM_WORLD, &g_size), "MPI_Comm_size");
    detail::check(MPI_Comm_dup(MPI_COMM_WORLD, &g_pings), "MPI_Comm_dup");
    std::array<char, kHostChars> mine{};
    ::gethostname(mine.data(), mine.size() - 1);
    std::vector<char> all(static_cast<std::size_t>(g_size) * kHostChars);
    detail::check(MPI_Allgather(mine.data(), kHostChars, MPI_CHAR, all.data(), kHostChars, MPI_CHAR,
                                MPI_COMM_WORLD),
                  "MPI_Allgather");
    g_hosts.resize(static_cast<std::size_t>(g_size));
    for (int r = 0; r < g_size; ++r) {
      const char* name = all.data() + static_cast<std::ptrdiff_t>(r) * kHostChars;
      g_hosts[static_cast<std::size_t>(r)] = std::string(name, strnlen(name, kHostChars));
    }
    std::thread(watch).detach();
  }
  g_timeout.store(seconds);
}

double timeout() noexcept {
  return g_timeout.load();
}

namespace detail {

bool bounded_waits() noexcept {
  return g_timeout.load(std::memory_order_relaxed) > 0;
}

void wait_bounded(MPI_Request* requests, int count, const char* what) {
  const double limit = g_timeout.load();
  const long long start = now_ns();
  const long long deadline = start + static_cast<long long>(limit * 1e9);
  for (long long polls = 0;; ++polls) {
    int done = 0;
    check(MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE), what);
    if (done)
      return;
    // Fast operations finish within the first polls; a long wait polls every 50 us, and checks
    // the clock and the pings every 64 polls.
    if (polls < 2000)
      continue;
    if ((polls & 63) == 0) {
      answer_pings();
      const long long now = now_ns();
      if (now > deadline)
        report_and_abort(what, static_cast<double>(now - start) * 1e-9);
    }
    const timespec pause{0, 50000};
    ::nanosleep(&pause, nullptr);
  }
}

UnpolledCall::UnpolledCall(const char* what) noexcept
    : previous_what_(g_unpolled_what.load()),
      previous_since_(g_unpolled_since.load()),
      active_(bounded_waits()) {
  if (!active_)
    return;
  g_unpolled_since.store(now_ns());
  g_unpolled_what.store(what);
}

UnpolledCall::~UnpolledCall() {
  if (!active_)
    return;
  g_unpolled_what.store(previous_what_);
  g_unpolled_since.store(previous_since_);
}

}  // namespace detail
}  // namespace hypar::dist
