#pragma once
// Text statistics with exactly the rules of `LC_ALL=C wc -lwcL` (GNU coreutils 9.1), over chunks
// that can be counted independently, in any order, and merged. See docs/kernels.md.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace hypar::kernels {

/// How the column of `wc -L` moves over a stretch of text that holds no line end: the column
/// after it, as a function of the column `p` before it. Printable bytes add one, a tab moves to
/// the next multiple of 8, so the function is `p + add` until the first tab and
/// `8 * floor((p + add) / 8) + after_tab` from the first tab on. Small, exact and composable.
struct ColumnMap {
  std::uint64_t add = 0;        ///< printable bytes before the first tab
  std::uint64_t after_tab = 0;  ///< column past 8 * floor((p + add) / 8) at the end (>= 8)
  bool has_tab = false;

  /// The column after the stretch when it starts at column `p`.
  constexpr std::uint64_t operator()(std::uint64_t p) const noexcept {
    return has_tab ? ((p + add) & ~std::uint64_t{7}) + after_tab : p + add;
  }
  /// This stretch followed by `next`.
  constexpr ColumnMap then(const ColumnMap& next) const noexcept {
    if (!next.has_tab) {
      ColumnMap r = *this;
      (has_tab ? r.after_tab : r.add) += next.add;
      return r;
    }
    if (!has_tab)
      return ColumnMap{add + next.add, next.after_tab, true};
    return ColumnMap{add, ((after_tab + next.add) & ~std::uint64_t{7}) + next.after_tab, true};
  }
  friend constexpr bool operator==(const ColumnMap&, const ColumnMap&) = default;
};

/// The class of a byte for word counting (C locale): `space` separates words (isspace: space,
/// \t \n \v \f \r), `graph` belongs to a word (0x21..0x7e), every other byte (NUL and the other
/// control bytes, DEL, 0x80..0xff) is transparent and does not change the word state.
enum class WordClass : std::uint8_t { none = 0, space = 1, graph = 2 };

/// The mergeable summary of one chunk of text for `wc -lwcL`.
///
/// `text_stats(chunk)` summarises a chunk; `merge(a, b)` summarises `a` followed by `b`. merge is
/// associative with `TextStats{}` (the empty chunk) as identity, so a file cut anywhere, counted
/// chunk by chunk in any order and merged in file order (in any tree shape) gives exactly the
/// counts of the whole file. The accessors give the `wc` numbers of the summarised text read as
/// a whole file (starting at column 0 after a word separator).
///
/// The line length of the first (partial) line of a chunk depends on the column at which the
/// previous chunk ended, tabs included: it is kept as a ColumnMap. Whether the chunk's first word
/// continues a word of the previous chunk depends on the last non-transparent byte before it: the
/// first and last non-transparent classes are kept.
namespace detail {
struct TextScanner;
}

class TextStats {
 public:
  /// Newline count (`wc -l`).
  constexpr std::uint64_t lines() const noexcept { return lines_; }
  /// Word count (`wc -w`).
  constexpr std::uint64_t words() const noexcept { return word_starts_; }
  /// Byte count (`wc -c`).
  constexpr std::uint64_t bytes() const noexcept { return bytes_; }
  /// Longest line (`wc -L`): tabs to the next multiple of 8, \n \r \f end a line, only printable
  /// bytes (0x20..0x7e) count.
  constexpr std::uint64_t max_line_length() const noexcept {
    if (!has_line_end_)
      return head_(0);
    std::uint64_t m = head_(0) > inner_max_ ? head_(0) : inner_max_;
    return m > tail_ ? m : tail_;
  }
  friend constexpr bool operator==(const TextStats&, const TextStats&) = default;

 private:
  friend struct detail::TextScanner;
  friend TextStats merge(const TextStats& a, const TextStats& b) noexcept;

  std::uint64_t bytes_ = 0;
  std::uint64_t lines_ = 0;            // newlines
  std::uint64_t word_starts_ = 0;      // words, counting one at the first graph byte even if it
                                       // continues a word of the previous chunk (merge fixes it)
  WordClass first_ = WordClass::none;  // class of the first non-transparent byte
  WordClass last_ = WordClass::none;   // class of the last non-transparent byte
  bool has_line_end_ = false;          // holds a \n, \r or \f (they end a `wc -L` line)
  ColumnMap head_{};                   // column map up to the first line end (or of the whole)
  std::uint64_t inner_max_ = 0;        // longest line strictly between two line ends
  std::uint64_t tail_ = 0;             // column after the last line end
};

static_assert(std::is_trivially_copyable_v<TextStats>,
              "TextStats must stay trivially copyable: ranks send chunk summaries as raw bytes");

/// The summary of `a` followed by `b`. Associative; `TextStats{}` is its identity. O(1).
TextStats merge(const TextStats& a, const TextStats& b) noexcept;

/// Summarises one chunk (`wc -lwcL` rules, C locale). Vectorised (AVX-512BW or AVX2, 64-byte
/// blocks turned into class bitmasks) when compiled for it; equal to text_stats_scalar in every
/// case. Single pass, O(n), aims at memory bandwidth on plain text.
TextStats text_stats(std::span<const std::byte> chunk) noexcept;
/// Convenience overload for characters.
inline TextStats text_stats(std::string_view chunk) noexcept {
  return text_stats(std::as_bytes(std::span<const char>(chunk.data(), chunk.size())));
}

/// The portable byte-at-a-time version of text_stats (the reference for the vector paths).
TextStats text_stats_scalar(std::span<const std::byte> chunk) noexcept;

}  // namespace hypar::kernels
