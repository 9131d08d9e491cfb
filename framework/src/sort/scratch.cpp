// Scratch memory of the parallel sorts. Blocks of a few MiB and more are mapped with mmap and
// marked MADV_HUGEPAGE: the sorts touch every byte of the block once in their first scatter pass,
// and with 2 MiB pages that costs a few hundred page faults instead of one per 4 KiB.
//
// The most recently released large block is kept (one block per process, the largest seen) and
// handed to the next sort that fits in it: the kernel zeroes every freshly mapped page, which for
// a 400 MB scratch array costs about as much as one radix pass. The kept block is returned to the
// system by sort_scratch_trim() or at exit. Smaller blocks come from operator new.
#include <sys/mman.h>

#include <cstddef>
#include <hypar/sort/detail/scratch.hpp>
#include <mutex>
#include <new>

namespace hypar::detail {

namespace {

constexpr std::size_t kMapThreshold = std::size_t{4} << 20;
constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t mapped_size(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

struct Cache {
  std::mutex mutex;
  void* block = nullptr;
  std::size_t size = 0;
  ~Cache() {
    if (block != nullptr)
      ::munmap(block, size);
  }
};

Cache& cache() {
  static Cache c;
  return c;
}

}  // namespace

void* sort_scratch_allocate(std::size_t bytes) {
  if (bytes < kMapThreshold)
    return ::operator new (bytes, std::align_val_t{64});
  const std::size_t size = mapped_size(bytes);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.block != nullptr && c.size >= size) {
      void* p = c.block;
      c.block = nullptr;
      c.size = 0;
      return p;
    }
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  ::madvise(p, size, MADV_HUGEPAGE);
#endif
  return p;
}

void sort_scratch_deallocate(void* p, std::size_t bytes) noexcept {
  if (p == nullptr)
    return;
  if (bytes < kMapThreshold) {
    ::operator delete (p, std::align_val_t{64});
    return;
  }
  std::size_t size = mapped_size(bytes);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.block == nullptr || c.size < size) {
      std::swap(p, c.block);
      std::swap(size, c.size);
    }
  }
  if (p != nullptr)
    ::munmap(p, size);
}

void sort_scratch_trim() noexcept {
  Cache& c = cache();
  void* p = nullptr;
  std::size_t size = 0;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    std::swap(p, c.block);
    std::swap(size, c.size);
  }
  if (p != nullptr)
    ::munmap(p, size);
}

}  // namespace hypar::detail
