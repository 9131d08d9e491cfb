// The futex calls behind hypar::detail::WaitQueue (see hypar/core/wait.hpp).
#include <hypar/core/wait.hpp>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>
#endif

namespace hypar::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t),
              "futex_wait passes the address of the atomic word to the kernel");

#if defined(__linux__)

void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept {
  if (timeout.count() <= 0)
    return;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
  // EAGAIN (word changed), EINTR and ETIMEDOUT all mean "re-check": the result is not needed.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, &ts,
          nullptr, 0);
}

void futex_wake_all(std::atomic<std::uint32_t>* word) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

#else

// Portable fallback: poll with short sleeps (correct, but wakes up to 2000 times a second).
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept {
  const auto step = std::chrono::nanoseconds(std::chrono::microseconds(500));
  if (word->load(std::memory_order_acquire) == expected) {
    std::this_thread::sleep_for(timeout < step ? timeout : step);
  }
}

void futex_wake_all(std::atomic<std::uint32_t>*) noexcept {}

#endif

}  // namespace hypar::detail
