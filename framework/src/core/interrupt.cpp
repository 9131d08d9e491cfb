// hypar::handle_interrupts and hypar::RemoveOnInterrupt (core/interrupt.hpp).
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/core/interrupt.hpp>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace hypar {

namespace {

/// The files to remove on an interrupt, by guard id.
struct Registry {
  std::mutex lock;
  std::map<unsigned long, std::string> paths;
  unsigned long next_id = 1;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: the signal thread may use it at exit
  return *r;
}

std::atomic<bool> handled{false};
std::atomic<long> interrupt_linger_ms{0};

struct WaiterArgs {
  std::string program;
  sigset_t signals;
};

/// Removes every registered file; the number removed.
int remove_registered(Registry& r) {
  int removed = 0;
  for (const auto& [id, path] : r.paths)
    if (::unlink(path.c_str()) == 0)
      ++removed;
  return removed;
}

/// At exit() with files still registered: their owners never got to remove them (MPI ends a
/// rank with exit() when a peer it talks to has died, which another rank's interrupt causes).
/// When the interrupt thread is cleaning up, it holds the lock until its _exit: exit() then
/// waits here instead of ending the process under it, half-way through the list.
void remove_at_exit() {
  Registry& r = registry();
  r.lock.lock();
  remove_registered(r);
  r.lock.unlock();
}

void* wait_for_interrupt(void* raw) {
  auto* args = static_cast<WaiterArgs*>(raw);
  int signal = 0;
  while (sigwait(&args->signals, &signal) != 0) {
  }
  // The lock stays taken until _exit: a thread that would register (and then create) another
  // file waits for the end of the process instead.
  Registry& r = registry();
  r.lock.lock();
  const int removed = remove_registered(r);
  // Silent when there was nothing to clean up: under mpirun, a rank that is already on its way
  // out when another rank's failure ends the job gets the same SIGTERM, and a line saying it was
  // interrupted would only hide the real message.
  if (removed > 0)
    std::fprintf(stderr, "%s: interrupted (%s); %d temporary file%s removed\n",
                 args->program.c_str(), signal == SIGINT ? "SIGINT" : "SIGTERM", removed,
                 removed == 1 ? "" : "s");
  std::fflush(stderr);
  // A rank of a parallel job lingers before it ends: mpirun sends every rank the same SIGTERM,
  // and when the first one is gone it kills the rest with SIGKILL at once, which would cut the
  // cleanup of a rank whose signal thread ran a little later (seen: one rank of two leaving its
  // spill files in about one run of three). The ranks' cleanups run within milliseconds of each
  // other, so a short wait is enough; mpirun's own SIGKILL comes a second after its SIGTERM.
  if (const long linger_ms = interrupt_linger_ms.load(); linger_ms > 0) {
    const timespec pause{linger_ms / 1000, (linger_ms % 1000) * 1000000L};
    ::nanosleep(&pause, nullptr);
  }
  ::_exit(128 + signal);
}

}  // namespace

void handle_interrupts(std::string program) {
  if (handled.exchange(true))
    return;
  auto* args = new WaiterArgs{std::move(program), {}};  // lives as long as the process
  sigemptyset(&args->signals);
  sigaddset(&args->signals, SIGINT);
  sigaddset(&args->signals, SIGTERM);
  if (const int e = pthread_sigmask(SIG_BLOCK, &args->signals, nullptr); e != 0)
    throw Error(std::string("handle_interrupts: cannot block SIGINT and SIGTERM: ") +
                std::strerror(e));
  std::atexit(remove_at_exit);
  pthread_t thread;
  if (const int e = pthread_create(&thread, nullptr, wait_for_interrupt, args); e != 0)
    throw Error(std::string("handle_interrupts: cannot start its thread: ") + std::strerror(e));
  pthread_detach(thread);
}

namespace detail {
void set_interrupt_linger(long milliseconds) noexcept {
  interrupt_linger_ms.store(milliseconds);
}
}  // namespace detail

bool interrupts_handled() noexcept {
  return handled.load();
}

RemoveOnInterrupt::RemoveOnInterrupt(std::string path) {
  Registry& r = registry();
  std::lock_guard<std::mutex> hold(r.lock);
  id_ = r.next_id++;
  r.paths.emplace(id_, std::move(path));
}

RemoveOnInterrupt::~RemoveOnInterrupt() {
  release();
}

RemoveOnInterrupt::RemoveOnInterrupt(RemoveOnInterrupt&& other) noexcept
    : id_(std::exchange(other.id_, 0)) {}

RemoveOnInterrupt& RemoveOnInterrupt::operator=(RemoveOnInterrupt&& other) noexcept {
  if (this != &other) {
    release();
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void RemoveOnInterrupt::release() noexcept {
  if (id_ == 0)
    return;
  Registry& r = registry();
  std::lock_guard<std::mutex> hold(r.lock);
  r.paths.erase(id_);
  id_ = 0;
}

}  // namespace hypar
