#pragma once
// Where a sort's elements live: the scratch array beside the caller's range, moving ranges between
// the two, and the rule that keeps every element in exactly one of them.
//
// Exception protocol of every sort (the "restore rule"): a sort keeps each element in exactly one
// of two arrays, the caller's range `orig` and a scratch array `tmp` of the same length, and every
// piece of work owns a subrange [lo, hi) whose elements all sit in one of them (`cur`). A piece
// that fails (a comparator or key function threw), or that is cancelled because another piece
// failed, moves its subrange back into `orig` before it ends. Pieces only move elements with
// move assignment, so with a non-throwing move no element is lost and none is duplicated: after an
// exception the range holds a permutation of its input (in unspecified order).

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <hypar/sort/detail/stripes.hpp>
#include <type_traits>
#include <utility>

namespace hypar::detail {

/// Raw memory for sort scratch arrays (framework/src/sort/scratch.cpp): large blocks come from
/// mmap with transparent huge pages requested, so first touching them costs few page faults.
/// Throws std::bad_alloc.
void* sort_scratch_allocate(std::size_t bytes);
/// Releases a block from sort_scratch_allocate(bytes). The largest released block of at least
/// 4 MiB is kept for the next sort (fresh pages cost a kernel page clear each).
void sort_scratch_deallocate(void* p, std::size_t bytes) noexcept;
/// Returns the kept scratch block to the system.
void sort_scratch_trim() noexcept;

namespace sorting {

/// An array of n elements of T in sort_scratch_allocate memory. Holds no live objects unless the
/// owner constructs them (non-trivially-copyable element types).
template <class T>
class ScratchArray {
 public:
  explicit ScratchArray(std::size_t n)
      : n_(n),
        data_(static_cast<T*>(sort_scratch_allocate(std::max<std::size_t>(1, n) * sizeof(T)))) {}
  ~ScratchArray() { sort_scratch_deallocate(data_, std::max<std::size_t>(1, n_) * sizeof(T)); }
  ScratchArray(const ScratchArray&) = delete;
  ScratchArray& operator=(const ScratchArray&) = delete;
  T* get() const noexcept { return data_; }

 private:
  std::size_t n_;
  T* data_;
};

/// Moves [lo, hi) of `from` onto the same positions of `to` (both live arrays).
template <class T>
void move_range(T* from, T* to, std::size_t lo, std::size_t hi) noexcept {
  if (from == to || lo >= hi)
    return;
  if constexpr (std::is_trivially_copyable_v<T>) {
    std::memcpy(static_cast<void*>(to + lo), static_cast<const void*>(from + lo),
                (hi - lo) * sizeof(T));
  } else {
    for (std::size_t i = lo; i < hi; ++i)
      to[i] = std::move(from[i]);
  }
}

/// move_range in parallel stripes (inside a team).
template <class T>
void par_move_range(T* from, T* to, std::size_t lo, std::size_t hi, std::size_t threads) noexcept {
  if (from == to || lo >= hi)
    return;
  const std::size_t s = threads > 1 ? stripe_count(hi - lo, threads) : 1;
  for_stripes(s, [&](std::size_t i) {
    const auto [a, b] = stripe_bounds(lo, hi, i, s);
    move_range(from, to, a, b);
  });
}

}  // namespace sorting
}  // namespace hypar::detail
