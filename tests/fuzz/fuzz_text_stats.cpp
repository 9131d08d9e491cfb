// Fuzzer: hypar::kernels::text_stats over any split of a buffer merges to the counts of the whole.
// The split points come from the input's last bytes, the text is the rest. Checked: the vector and
// scalar kernels agree on the whole; the chunks merged left to right, right to left and in a tree
// shape chosen by the input (with empty chunks) equal the whole; and the whole equals a
// byte-by-byte reference of `LC_ALL=C wc -lwcL` written here from the rules of docs/kernels.md.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <hypar/kernels/text.hpp>
#include <span>
#include <vector>

namespace {

using hypar::kernels::TextStats;

struct Counts {
  std::uint64_t lines = 0, words = 0, bytes = 0, longest = 0;
  friend bool operator==(const Counts&, const Counts&) = default;
};

/// wc's loop in the C locale, one byte at a time: \n counts a line; \n \r \f end a -L line; a tab
/// moves the column to the next multiple of 8; space and the other isspace bytes separate words;
/// 0x21..0x7e are printable word bytes; every other byte is transparent.
Counts reference(std::span<const std::uint8_t> text) {
  Counts c;
  c.bytes = text.size();
  std::uint64_t column = 0;
  bool in_word = false;
  for (const std::uint8_t b : text) {
    switch (b) {
      case '\n':
        ++c.lines;
        [[fallthrough]];
      case '\r':
      case '\f':
        c.longest = std::max(c.longest, column);
        column = 0;
        in_word = false;
        break;
      case '\t':
        column += 8 - column % 8;
        in_word = false;
        break;
      case ' ':
        ++column;
        in_word = false;
        break;
      case '\v':
        in_word = false;
        break;
      default:
        if (b >= 0x21 && b <= 0x7e) {
          ++column;
          if (!in_word)
            ++c.words;
          in_word = true;
        }
        break;
    }
  }
  c.longest = std::max(c.longest, column);
  return c;
}

Counts counts_of(const TextStats& s) {
  return {s.lines(), s.words(), s.bytes(), s.max_line_length()};
}

[[noreturn]] void fail(const char* what, const Counts& got, const Counts& want) {
  std::fprintf(
      stderr,
      "text_stats mismatch (%s): got lines %llu words %llu bytes %llu longest %llu, "
      "expected %llu %llu %llu %llu\n",
      what, static_cast<unsigned long long>(got.lines), static_cast<unsigned long long>(got.words),
      static_cast<unsigned long long>(got.bytes), static_cast<unsigned long long>(got.longest),
      static_cast<unsigned long long>(want.lines), static_cast<unsigned long long>(want.words),
      static_cast<unsigned long long>(want.bytes), static_cast<unsigned long long>(want.longest));
  std::abort();
}

/// Merges parts[first, last) in a tree whose split points the input chooses.
TextStats merge_tree(const std::vector<TextStats>& parts, std::size_t first, std::size_t last,
                     FuzzedDataProvider& shape) {
  if (last - first == 0)
    return TextStats{};
  if (last - first == 1)
    return parts[first];
  const std::size_t mid =
      first + 1 + shape.ConsumeIntegralInRange<std::size_t>(0, last - first - 2);
  return merge(merge_tree(parts, first, mid, shape), merge_tree(parts, mid, last, shape));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::size_t cut_count = in.ConsumeIntegralInRange<std::size_t>(0, 12);
  std::vector<std::uint16_t> raw_cuts;
  for (std::size_t i = 0; i < cut_count; ++i)
    raw_cuts.push_back(in.ConsumeIntegral<std::uint16_t>());
  const std::uint64_t shape_seed = in.ConsumeIntegral<std::uint64_t>();
  const std::vector<std::uint8_t> text = in.ConsumeRemainingBytes<std::uint8_t>();
  const auto bytes = std::as_bytes(std::span<const std::uint8_t>(text));

  const Counts want = reference(text);
  const TextStats whole = hypar::kernels::text_stats(bytes);
  if (counts_of(whole) != want)
    fail("whole buffer against the reference", counts_of(whole), want);
  const TextStats scalar = hypar::kernels::text_stats_scalar(bytes);
  if (!(scalar == whole))
    fail("scalar kernel against the vector kernel", counts_of(scalar), counts_of(whole));

  // Cut points anywhere in [0, size], repeats allowed (empty chunks).
  std::vector<std::size_t> cuts;
  for (const std::uint16_t c : raw_cuts)
    cuts.push_back(text.empty() ? 0 : c % (text.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  std::vector<TextStats> parts;
  std::size_t start = 0;
  for (const std::size_t cut : cuts) {
    parts.push_back(hypar::kernels::text_stats(bytes.subspan(start, cut - start)));
    start = cut;
  }
  parts.push_back(hypar::kernels::text_stats(bytes.subspan(start)));

  TextStats left{};
  for (const TextStats& p : parts)
    left = merge(left, p);
  if (!(left == whole))
    fail("chunks merged left to right", counts_of(left), want);
  TextStats right{};
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    right = merge(*it, right);
  if (!(right == whole))
    fail("chunks merged right to left", counts_of(right), want);
  std::uint8_t shape_bytes[8];
  for (int i = 0; i < 8; ++i)
    shape_bytes[i] = static_cast<std::uint8_t>(shape_seed >> (8 * i));
  FuzzedDataProvider shape(shape_bytes, sizeof shape_bytes);
  const TextStats tree = merge_tree(parts, 0, parts.size(), shape);
  if (!(tree == whole))
    fail("chunks merged in a tree", counts_of(tree), want);
  if (!(merge(whole, TextStats{}) == whole) || !(merge(TextStats{}, whole) == whole))
    fail("merge with the empty summary", counts_of(merge(whole, TextStats{})), want);
  return 0;
}
