#pragma once
// Proof that a thread is blocked, for the tests of blocking calls ("close releases a blocked
// sender"). A fixed sleep before the release proves nothing: the other thread may not have
// reached its call yet, and the test passes all the same. Here the proof is the kernel's own
// account of the thread: /proc/self/task/<tid>/stat says it sleeps ('S') and
// /proc/self/task/<tid>/syscall says it sleeps in futex(2), which is where hypar's waits end
// (hypar/core/wait.hpp). The thread announces its id right before the call under test, so a
// futex sleep seen after the announcement is a sleep inside that call.
//
//   hypar::testing::BlockWatch watch(4);
//   threads.emplace_back([&, i] { watch.announce(i); tx.send(1); });   // 4 of them
//   ASSERT_TRUE(watch.all_blocked());                                  // bounded wait
//   rx.close();                                                        // now release them
//
// Linux only (the tests of blocking calls are). Where /proc/<tid>/syscall cannot be read (a
// kernel without it), the thread state alone counts.

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace hypar::testing {

/// The kernel's id of the calling thread (its entry under /proc/self/task/).
inline pid_t current_tid() {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

/// What the kernel says a thread of this process is doing.
struct ThreadState {
  char state = '?';   ///< R running, S sleeping, D uninterruptible, ...; '?' no such thread
  long syscall = -2;  ///< the system call it sleeps in; -1 none; -2 unknown (not readable)
};

/// Thread `tid`'s state now, from /proc/self/task/<tid>/{stat,syscall}.
inline ThreadState thread_state(pid_t tid) {
  ThreadState s;
  const std::string dir = "/proc/self/task/" + std::to_string(tid) + "/";
  std::ifstream stat(dir + "stat");
  std::string line;
  if (std::getline(stat, line)) {
    // "tid (comm) S ...": comm may hold spaces and ')', so the state follows the last ')'.
    const auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size())
      s.state = line[close + 2];
  }
  std::ifstream calls(dir + "syscall");
  std::string first;
  if (calls >> first)
    s.syscall = first == "running" ? -1 : std::strtol(first.c_str(), nullptr, 10);
  return s;
}

/// True when thread `tid` sleeps in futex(2) (or just sleeps, where the system call is unknown).
inline bool blocked_in_futex(pid_t tid) {
  const ThreadState s = thread_state(tid);
  return s.state == 'S' && (s.syscall == SYS_futex || s.syscall == -2);
}

/// Polls until thread `tid` sleeps in futex(2), for at most `timeout`; true if it did.
inline bool wait_until_blocked(pid_t tid,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (blocked_in_futex(tid))
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // polling only, not the proof
  }
}

/// Threads 0..n-1 announce themselves right before a blocking call; all_blocked() waits until
/// every one has announced and sleeps in futex(2).
class BlockWatch {
 public:
  explicit BlockWatch(std::size_t threads) : tids_(threads) {}
  /// Called by thread `i` immediately before the call that should block.
  void announce(std::size_t i) { tids_[i].store(current_tid(), std::memory_order_release); }
  /// Success once every thread sleeps in futex(2); a failure naming the first that did not
  /// (never announced, or never slept) after `timeout` in all.
  ::testing::AssertionResult all_blocked(
      std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (std::size_t i = 0; i < tids_.size(); ++i) {
      pid_t tid = 0;
      while ((tid = tids_[i].load(std::memory_order_acquire)) == 0) {
        if (std::chrono::steady_clock::now() >= deadline)
          return ::testing::AssertionFailure() << "thread " << i << " never reached its call";
        std::this_thread::yield();
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!wait_until_blocked(tid, left > left.zero() ? left : left.zero())) {
        const ThreadState s = thread_state(tid);
        return ::testing::AssertionFailure()
               << "thread " << i << " (tid " << tid << ") did not block: state '" << s.state
               << "', system call " << s.syscall;
      }
    }
    return ::testing::AssertionSuccess();
  }

 private:
  std::vector<std::atomic<pid_t>> tids_;
};

}  // namespace hypar::testing
