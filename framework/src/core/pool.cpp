// Thread pools: a master OS thread per pool with a chosen stack size, whose OpenMP team of
// worker threads is created once (the warm-up) with that stack size too. See docs/splitting.md.
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <hypar/core/pool.hpp>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>

namespace hypar {

struct ThreadPool::State {
  struct Job {
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    std::exception_ptr error;
    std::binary_semaphore done{0};
  };

  std::size_t num_threads = 1;
  std::size_t stack_size = 0;  // 0 = system default
  pthread_t master{};
  bool master_started = false;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job*> queue;
  bool stopping = false;

  void submit(Job& job) {
    {
      std::lock_guard lock(mutex);
      queue.push_back(&job);
    }
    wake.notify_one();
    job.done.acquire();
  }

  void shut_down() noexcept {
    if (!master_started)
      return;
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_one();
    pthread_join(master, nullptr);
    master_started = false;
  }
};

namespace {

thread_local const ThreadPool::State* tls_pool = nullptr;

/// Serialises the window in which build() changes glibc's default thread attributes.
std::mutex& default_attr_mutex() {
  static std::mutex m;
  return m;
}

std::size_t platform_min_stack() {
  const long min = sysconf(_SC_THREAD_STACK_MIN);
  return min > 0 ? static_cast<std::size_t>(min) : static_cast<std::size_t>(PTHREAD_STACK_MIN);
}

std::size_t page_round(std::size_t bytes) {
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t p = page > 0 ? static_cast<std::size_t>(page) : 4096;
  return (bytes + p - 1) / p * p;
}

/// Parses an OMP_STACKSIZE value (a number with an optional B, K, M or G suffix; K when none) or a
/// GOMP_STACKSIZE value (always K). nullopt when malformed.
std::optional<std::size_t> parse_stacksize(const char* text, bool allow_suffix) {
  const char* p = text;
  while (*p == ' ' || *p == '\t')
    ++p;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(p, &end, 10);
  if (end == p || errno != 0)
    return std::nullopt;
  while (*end == ' ' || *end == '\t')
    ++end;
  unsigned long long shift = 10;
  if (*end != '\0') {
    if (!allow_suffix)
      return std::nullopt;
    switch (*end) {
      case 'b':
      case 'B':
        shift = 0;
        break;
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      default:
        return std::nullopt;
    }
    ++end;
    while (*end == ' ' || *end == '\t')
      ++end;
    if (*end != '\0')
      return std::nullopt;
  }
  return static_cast<std::size_t>(value << shift);
}

/// Throws when libgomp's stack size variables would override the requested size.
void check_stack_environment(std::size_t requested) {
  for (const auto& [name, suffix] :
       {std::pair{"OMP_STACKSIZE", true}, std::pair{"GOMP_STACKSIZE", false}}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
      continue;
    const auto bytes = parse_stacksize(value, suffix);
    if (!bytes || page_round(*bytes) != page_round(requested)) {
      throw Error(std::string("hypar::ThreadPoolBuilder: stack_size(") + std::to_string(requested) +
                  ") cannot be applied because " + name + "='" + value +
                  "' is set, and libgomp then gives every OpenMP worker thread that size; unset " +
                  name + " or request the same size");
    }
  }
}

void* master_main(void* arg) {
  auto* state = static_cast<ThreadPool::State*>(arg);
  tls_pool = state;
  // Raw `#pragma omp parallel` regions inside install() get the pool's size too, and so reuse the
  // same worker threads.
  omp_set_num_threads(static_cast<int>(state->num_threads));
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->wake.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
    if (state->queue.empty())
      break;  // stopping and drained
    ThreadPool::State::Job* job = state->queue.front();
    state->queue.pop_front();
    lock.unlock();
    try {
      job->fn(job->arg);
    } catch (...) {
      job->error = std::current_exception();
    }
    job->done.release();
    lock.lock();
  }
  tls_pool = nullptr;
  return nullptr;
}

/// The stack size glibc reports for the calling thread.
std::size_t own_stack_size() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0)
    return 0;
  std::size_t size = 0;
  pthread_attr_getstacksize(&attr, &size);
  pthread_attr_destroy(&attr);
  return size;
}

/// Sets glibc's default stack size for new threads for the life of the object (under the mutex).
class DefaultStackSize {
 public:
  explicit DefaultStackSize(std::size_t bytes) : lock_(default_attr_mutex()) {
    if (bytes == 0)
      return;
    if (pthread_getattr_default_np(&old_) != 0)
      throw Error("hypar: pthread_getattr_default_np failed");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = pthread_attr_setstacksize(&attr, bytes);
    if (rc == 0)
      rc = pthread_setattr_default_np(&attr);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      pthread_attr_destroy(&old_);
      throw Error("hypar::ThreadPoolBuilder: cannot set the default thread stack size to " +
                  std::to_string(bytes) + " bytes: " + std::strerror(rc));
    }
    active_ = true;
  }
  ~DefaultStackSize() {
    if (!active_)
      return;
    pthread_setattr_default_np(&old_);
    pthread_attr_destroy(&old_);
  }
  DefaultStackSize(const DefaultStackSize&) = delete;
  DefaultStackSize& operator=(const DefaultStackSize&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  pthread_attr_t old_{};
  bool active_ = false;
};

}  // namespace

namespace detail {

const void* current_pool_id() noexcept {
  return tls_pool;
}

std::size_t cached_default_num_threads() {
  static const std::size_t n = default_num_threads();
  return n;
}

}  // namespace detail

std::size_t current_num_threads() {
  if (omp_in_parallel())
    return static_cast<std::size_t>(omp_get_num_threads());
  if (tls_pool != nullptr)
    return tls_pool->num_threads;
  return detail::cached_default_num_threads();
}

ThreadPool::ThreadPool(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
ThreadPool::ThreadPool(ThreadPool&&) noexcept = default;
ThreadPool& ThreadPool::operator=(ThreadPool&& other) noexcept {
  if (this != &other) {
    if (state_)
      state_->shut_down();
    state_ = std::move(other.state_);
  }
  return *this;
}
ThreadPool::~ThreadPool() {
  if (state_)
    state_->shut_down();
}

std::size_t ThreadPool::num_threads() const noexcept {
  return state_ ? state_->num_threads : 0;
}
std::size_t ThreadPool::stack_size() const noexcept {
  return state_ ? state_->stack_size : 0;
}

void ThreadPool::run_on_master(void (*fn)(void*), void* arg) {
  if (!state_)
    throw Error("hypar::ThreadPool::install on a moved-from pool");
  State::Job job;
  job.fn = fn;
  job.arg = arg;
  state_->submit(job);
  if (job.error)
    std::rethrow_exception(job.error);
}

ThreadPool ThreadPoolBuilder::build() const {
  auto state = std::make_unique<ThreadPool::State>();
  state->num_threads = num_threads_ == 0 ? detail::cached_default_num_threads() : num_threads_;
  if (state->num_threads > static_cast<std::size_t>(INT_MAX)) {
    throw Error("hypar::ThreadPoolBuilder: num_threads(" + std::to_string(num_threads_) +
                ") is larger than OpenMP can represent");
  }
  if (stack_size_) {
    const std::size_t min = platform_min_stack();
    if (*stack_size_ < min) {
      throw Error("hypar::ThreadPoolBuilder: stack_size(" + std::to_string(*stack_size_) +
                  ") is below the platform minimum of " + std::to_string(min) +
                  " bytes (PTHREAD_STACK_MIN); ask for at least that much");
    }
    check_stack_environment(*stack_size_);
    state->stack_size = *stack_size_;
  }

  // The master thread, with the requested stack size.
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (state->stack_size != 0) {
    const int rc = pthread_attr_setstacksize(&attr, state->stack_size);
    if (rc != 0) {
      pthread_attr_destroy(&attr);
      throw Error("hypar::ThreadPoolBuilder: stack_size(" + std::to_string(state->stack_size) +
                  ") is not accepted by pthread_attr_setstacksize: " + std::strerror(rc));
    }
  }
  const int rc = pthread_create(&state->master, &attr, &master_main, state.get());
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    throw Error("hypar::ThreadPoolBuilder: cannot create the pool's master thread (" +
                std::string(std::strerror(rc)) +
                "); ask for a smaller stack_size or fewer threads");
  }
  state->master_started = true;
  const ThreadPool::State* state_ptr = state.get();
  ThreadPool pool(std::move(state));

  // The warm-up: the master opens one region of the pool's size while glibc's default stack size
  // is the requested one, so libgomp creates the workers with it (libgomp passes no stack size of
  // its own unless OMP_STACKSIZE/GOMP_STACKSIZE is set) and keeps them for the master's later
  // regions of that size. Each thread reports its team size and stack size.
  std::size_t team = 0;
  std::size_t smallest_stack = static_cast<std::size_t>(-1);
  {
    DefaultStackSize window(pool.stack_size());
    const std::size_t n = pool.num_threads();
    pool.install([&] {
      std::atomic<std::size_t> team_size{1};
      std::atomic<std::size_t> min_stack{own_stack_size()};
      if (n > 1) {
#pragma omp parallel num_threads(static_cast <int>(n))
        {
          // The workers stay with this master for its later regions: mark them as the pool's,
          // so that install() called from inside the pool's own team runs inline instead of
          // waiting for the (busy) master.
          tls_pool = state_ptr;
          if (omp_get_thread_num() == 0)
            team_size = static_cast<std::size_t>(omp_get_num_threads());
          const std::size_t mine = own_stack_size();
          std::size_t seen = min_stack.load();
          while (mine < seen && !min_stack.compare_exchange_weak(seen, mine)) {
          }
        }
      }
      team = team_size.load();
      smallest_stack = min_stack.load();
    });
  }
  if (team != pool.num_threads()) {
    throw Error("hypar::ThreadPoolBuilder: asked for " + std::to_string(pool.num_threads()) +
                " threads but OpenMP gave a team of " + std::to_string(team) +
                "; check OMP_THREAD_LIMIT and OMP_DYNAMIC");
  }
  if (pool.stack_size() != 0 &&
      smallest_stack < pool.stack_size() - std::min(pool.stack_size(), std::size_t{64} << 10)) {
    throw Error("hypar::ThreadPoolBuilder: asked for a stack of " +
                std::to_string(pool.stack_size()) + " bytes but a worker thread got " +
                std::to_string(smallest_stack) + "; is OMP_STACKSIZE or GOMP_STACKSIZE set?");
  }
  return pool;
}

}  // namespace hypar
