// Thread slots for hypar::ThreadLocal: small integers, unique among live threads, reused.

#include <cstddef>
#include <functional>
#include <hypar/sync/thread_local.hpp>
#include <mutex>
#include <queue>
#include <vector>

namespace hypar::detail {
namespace {

/// Hands out the lowest free slot. Taken once per thread at its first ThreadLocal use and once at
/// its exit, so a mutex is plenty.
class SlotRegistry {
 public:
  std::size_t acquire() {
    std::lock_guard lock(mutex_);
    if (free_.empty())
      return next_++;
    const std::size_t slot = free_.top();
    free_.pop();
    return slot;
  }
  void release(std::size_t slot) {
    std::lock_guard lock(mutex_);
    free_.push(slot);
  }

 private:
  std::mutex mutex_;
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> free_;
  std::size_t next_ = 0;
};

/// Never destroyed: threads may exit (and release their slot) during static destruction.
SlotRegistry& registry() {
  static auto* const instance = new SlotRegistry;
  return *instance;
}

struct SlotHolder {
  std::size_t slot = registry().acquire();
  SlotHolder() = default;
  SlotHolder(const SlotHolder&) = delete;
  SlotHolder& operator=(const SlotHolder&) = delete;
  ~SlotHolder() { registry().release(slot); }
};

}  // namespace

std::size_t thread_slot() noexcept {
  thread_local const SlotHolder holder;
  return holder.slot;
}

}  // namespace hypar::detail
