#pragma once
// hypar::LargeBuffer<T>: a std::vector for big arrays of trivially copyable data (the records a
// distributed sort reads, exchanges and writes), allocated the way the sorts' own scratch arrays
// are (sort/detail/scratch.hpp).
//
// Why. A fresh gigabyte touched for the first time costs one page fault per 4 KiB page (262 144
// of them; measured here at about 3.7 us each in a VM, more than the sort of the data itself).
// Blocks of 4 MiB and more are therefore mapped with transparent huge pages requested (512 faults
// per GiB), and the most recently released large block is kept for the next one. And resize()
// default-initialises instead of value-initialising: a buffer about to be filled by a read or a
// message is not first cleared.

#include <algorithm>
#include <cstddef>
#include <hypar/sort/detail/scratch.hpp>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar {

/// A standard allocator of hypar's large-block memory (mmap with huge pages for 4 MiB and more,
/// operator new below) whose construct() without arguments default-initialises. Stateless: all
/// instances are equal.
template <class T>
struct LargeBufferAllocator {
  using value_type = T;

  LargeBufferAllocator() noexcept = default;
  template <class U>
  LargeBufferAllocator(const LargeBufferAllocator<U>&) noexcept {}

  /// Memory for n elements; throws std::bad_alloc.
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T))
      throw std::bad_alloc();
    return static_cast<T*>(detail::sort_scratch_allocate(std::max<std::size_t>(n, 1) * sizeof(T)));
  }
  /// Releases what allocate(n) returned.
  void deallocate(T* p, std::size_t n) noexcept {
    detail::sort_scratch_deallocate(p, std::max<std::size_t>(n, 1) * sizeof(T));
  }
  /// Default-initialises (leaves a trivially constructible U uninitialised).
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  /// Constructs from the arguments, as std::allocator does.
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  friend bool operator==(const LargeBufferAllocator&, const LargeBufferAllocator&) noexcept {
    return true;
  }
};

/// A vector of large-block memory whose resize() does not clear new elements.
template <class T>
using LargeBuffer = std::vector<T, LargeBufferAllocator<T>>;

}  // namespace hypar
