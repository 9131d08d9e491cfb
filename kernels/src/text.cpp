// text_stats: `LC_ALL=C wc -lwcL` over mergeable chunks. The byte rules (coreutils 9.1, C locale):
//   \n       one more line; ends a -L line; separates words
//   \r \f    end a -L line (column back to 0); separate words
//   \t       column to the next multiple of 8; separates words
//   ' '      column + 1; separates words
//   \v       separates words (no column change)
//   0x21..0x7e  column + 1; part of a word
//   anything else (NUL, other controls, DEL, 0x80..0xff): nothing at all (transparent)
// The vector path turns 64-byte blocks into bitmasks of these classes; see docs/kernels.md.
#include <array>
#include <bit>
#include <cstring>
#include <hypar/kernels/text.hpp>

#if defined(__AVX512BW__) && defined(__BMI2__)
#define HYPAR_TEXT_AVX512 1
#include <immintrin.h>
#elif defined(__AVX2__) && defined(__BMI2__)
#define HYPAR_TEXT_AVX2 1
#include <immintrin.h>
#endif

namespace hypar::kernels {

namespace detail {

// Builds a TextStats while walking a chunk from its start; the column map `cur` is the map from
// the start of the current -L line (or of the chunk, before the first line end).
struct TextScanner {
  TextStats s;
  ColumnMap cur;
  bool prev_graph = false;  // the last non-transparent byte so far was a graph byte
  std::uint64_t lines = 0;
  std::uint64_t starts = 0;
  WordClass first = WordClass::none;
  WordClass last = WordClass::none;

  // Branch-free: whether the current line has had a tab is data dependent (unpredictable).
  void printable(std::uint64_t n) noexcept {
    const std::uint64_t t = cur.has_tab ? n : 0;
    cur.add += n - t;
    cur.after_tab += t;
  }
  void tab() noexcept {
    cur.after_tab = cur.has_tab ? (cur.after_tab & ~std::uint64_t{7}) + 8 : 8;
    cur.has_tab = true;
  }
  void line_end() noexcept {
    if (!s.has_line_end_) {
      s.head_ = cur;
      s.has_line_end_ = true;
    } else {
      const std::uint64_t len = cur(0);
      if (len > s.inner_max_)
        s.inner_max_ = len;
    }
    cur = ColumnMap{};
  }
  bool inner_max_at_least(std::uint64_t n) const noexcept { return s.inner_max_ >= n; }
  TextStats finish(std::uint64_t bytes) noexcept {
    s.bytes_ = bytes;
    s.lines_ = lines;
    s.word_starts_ = starts;
    s.first_ = first;
    s.last_ = last;
    if (s.has_line_end_) {
      s.tail_ = cur(0);
    } else {
      s.head_ = cur;
    }
    return s;
  }
};

namespace {

enum ByteKind : std::uint8_t { k_other, k_graph, k_space, k_tab, k_newline, k_line_end, k_vtab };

constexpr std::array<std::uint8_t, 256> make_kinds() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0x21; c <= 0x7e; ++c)
    t[static_cast<std::size_t>(c)] = k_graph;
  t[' '] = k_space;
  t['\t'] = k_tab;
  t['\n'] = k_newline;
  t['\r'] = k_line_end;
  t['\f'] = k_line_end;
  t['\v'] = k_vtab;
  return t;
}
constexpr std::array<std::uint8_t, 256> kinds = make_kinds();

WordClass word_class(std::uint8_t kind) noexcept {
  if (kind == k_other)
    return WordClass::none;
  return kind == k_graph ? WordClass::graph : WordClass::space;
}

// First and last word classes of a chunk: scanning from each end stops at the first
// non-transparent byte, which on text is the first byte looked at.
void set_edge_classes(const unsigned char* p, std::size_t n, WordClass& first,
                      WordClass& last) noexcept {
  first = WordClass::none;
  last = WordClass::none;
  for (std::size_t i = 0; i < n; ++i) {
    if (kinds[p[i]] != k_other) {
      first = word_class(kinds[p[i]]);
      break;
    }
  }
  for (std::size_t i = n; i-- > 0;) {
    if (kinds[p[i]] != k_other) {
      last = word_class(kinds[p[i]]);
      break;
    }
  }
}

}  // namespace

// Byte-at-a-time walk: the portable path and the reference of the vector path.
inline void scan_scalar(TextScanner& sc, const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t run = 0;  // printable bytes not yet handed to the column map
  for (std::size_t i = 0; i < n; ++i) {
    switch (kinds[p[i]]) {
      case k_graph:
        ++run;
        sc.starts += sc.prev_graph ? 0 : 1;
        sc.prev_graph = true;
        break;
      case k_space:
        ++run;
        sc.prev_graph = false;
        break;
      case k_tab:
        sc.printable(run);
        run = 0;
        sc.tab();
        sc.prev_graph = false;
        break;
      case k_newline:
        ++sc.lines;
        [[fallthrough]];
      case k_line_end:
        sc.printable(run);
        run = 0;
        sc.line_end();
        sc.prev_graph = false;
        break;
      case k_vtab:
        sc.prev_graph = false;
        break;
      default:
        break;
    }
  }
  sc.printable(run);
}

#if defined(HYPAR_TEXT_AVX512) || defined(HYPAR_TEXT_AVX2)

// The class masks of one 64-byte block: bit i describes byte i.
struct BlockMasks {
  std::uint64_t newline;    // \n
  std::uint64_t tab;        // \t
  std::uint64_t events;     // \t \n \r \f: bytes that do more to the column than + 1
  std::uint64_t printable;  // 0x20..0x7e: column + 1
  std::uint64_t graph;      // 0x21..0x7e: inside a word
  std::uint64_t solid;      // not transparent: printable or \t..\r
};

#if defined(HYPAR_TEXT_AVX512)
[[gnu::always_inline]] inline BlockMasks classify(const unsigned char* p) noexcept {
  const __m512i v = _mm512_loadu_si512(p);
  const __mmask64 nl = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
  const __mmask64 ctl = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(9)),
                                               _mm512_set1_epi8(5));  // \t \n \v \f \r
  const __mmask64 vt = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\v'));
  const __mmask64 pr = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(0x20)),
                                              _mm512_set1_epi8(0x5f));  // 0x20..0x7e
  const __mmask64 sp = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(' '));
  const __mmask64 tab = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\t'));
  return BlockMasks{nl, tab, ctl & ~vt, pr, pr & ~sp, pr | ctl};
}
#else
inline std::uint64_t movemask2(__m256i lo, __m256i hi) noexcept {
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(lo)) |
         (std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(hi))} << 32);
}
// Unsigned a < b for bytes, as a byte mask: min(a, b - 1) == a.
inline __m256i less_u8(__m256i a, std::uint8_t b) noexcept {
  const __m256i lim = _mm256_set1_epi8(static_cast<char>(b - 1));
  return _mm256_cmpeq_epi8(_mm256_min_epu8(a, lim), a);
}
[[gnu::always_inline]] inline BlockMasks classify(const unsigned char* p) noexcept {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  auto nlv = [](__m256i x) { return _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\n')); };
  auto ctlv = [](__m256i x) { return less_u8(_mm256_sub_epi8(x, _mm256_set1_epi8(9)), 5); };
  auto vtv = [](__m256i x) { return _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\v')); };
  auto prv = [](__m256i x) { return less_u8(_mm256_sub_epi8(x, _mm256_set1_epi8(0x20)), 0x5f); };
  auto spv = [](__m256i x) { return _mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')); };
  const std::uint64_t nl = movemask2(nlv(a), nlv(b));
  const std::uint64_t ctl = movemask2(ctlv(a), ctlv(b));
  const std::uint64_t vt = movemask2(vtv(a), vtv(b));
  const std::uint64_t pr = movemask2(prv(a), prv(b));
  const std::uint64_t sp = movemask2(spv(a), spv(b));
  auto tbv = [](__m256i x) { return _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t')); };
  const std::uint64_t tab = movemask2(tbv(a), tbv(b));
  return BlockMasks{nl, tab, ctl & ~vt, pr, pr & ~sp, pr | ctl};
}
#endif

// Walks the event bytes of `ev` in order: the printable bytes of `rest` before each go to the
// column map, then the event itself (tab, or a line end). Consumed bits are cleared from `rest`.
inline void walk(TextScanner& sc, std::uint64_t ev, std::uint64_t tabs,
                 std::uint64_t& rest) noexcept {
  while (ev != 0) {
    const unsigned i = static_cast<unsigned>(std::countr_zero(ev));
    sc.printable(static_cast<std::uint64_t>(std::popcount(_bzhi_u64(rest, i))));
    rest &= ~((std::uint64_t{2} << i) - 1);  // i == 63: 2 << 63 wraps to 0, all bits cleared
    if ((tabs >> i) & 1) {
      sc.tab();
    } else {
      sc.line_end();
    }
    ev &= ev - 1;
  }
}

// walk() when every event is a tab.
[[gnu::always_inline]] inline void walk_tabs(TextScanner& sc, std::uint64_t tabs,
                                             std::uint64_t& rest) noexcept {
  while (tabs != 0) {
    const unsigned i = static_cast<unsigned>(std::countr_zero(tabs));
    sc.printable(static_cast<std::uint64_t>(std::popcount(_bzhi_u64(rest, i))));
    rest &= ~((std::uint64_t{2} << i) - 1);
    sc.tab();
    tabs &= tabs - 1;
  }
}

// One 64-byte block: lines and word starts by popcounts of masks, the column by walking only the
// event bytes (\t \n \r \f), and of those only the ones that can matter: the lines strictly
// between the first and the last newline of the block are skipped when they cannot be longer
// than the longest line seen so far (a line of b bytes holding t tabs is at most b + 7 t long).
// (Forced inline: as a call, the scanner state and counters live in memory and the loop runs at
// half the speed.)
[[gnu::always_inline]] inline void scan_block(TextScanner& sc, const unsigned char* p,
                                              std::uint64_t& lines, std::uint64_t& starts,
                                              std::uint64_t& carry) noexcept {
  const BlockMasks m = classify(p);
  lines += static_cast<std::uint64_t>(std::popcount(m.newline));
  if (m.solid == ~std::uint64_t{0}) {
    // No transparent byte: a word starts at a graph byte whose predecessor is not graph.
    starts += static_cast<std::uint64_t>(std::popcount(m.graph & ~((m.graph << 1) | carry)));
    carry = m.graph >> 63;
  } else if (m.solid != 0) {
    // Squeeze the transparent bytes out, then the same rule.
    const std::uint64_t g = _pext_u64(m.graph, m.solid);
    const int n = std::popcount(m.solid);
    starts += static_cast<std::uint64_t>(std::popcount(g & ~((g << 1) | carry)));
    carry = (g >> (n - 1)) & 1;
  }
  const std::uint64_t ev = m.events;
  std::uint64_t rest = m.printable;
  if (ev == 0) {
    sc.printable(static_cast<std::uint64_t>(std::popcount(rest)));
    return;
  }
  if (m.newline == 0 || (ev & ~(m.newline | m.tab)) != 0) {
    // No newline, or a \r / \f: every event in order.
    walk(sc, ev, m.tab, rest);
    sc.printable(static_cast<std::uint64_t>(std::popcount(rest)));
    return;
  }
  const unsigned first = static_cast<unsigned>(std::countr_zero(m.newline));
  const unsigned last = 63u - static_cast<unsigned>(std::countl_zero(m.newline));
  const std::uint64_t upto_first = (std::uint64_t{2} << first) - 1;  // bits 0..first
  walk_tabs(sc, m.tab & (upto_first >> 1), rest);                    // tabs of the first line
  sc.printable(static_cast<std::uint64_t>(std::popcount(_bzhi_u64(rest, first))));
  rest &= ~upto_first;
  sc.line_end();
  std::uint64_t upto_last = upto_first;
  if (first != last) {
    upto_last = (std::uint64_t{2} << last) - 1;
    const std::uint64_t middle = ev & upto_last & ~upto_first;
    const std::uint64_t bound =
        (last - first) + 7 * static_cast<std::uint64_t>(std::popcount(middle & m.tab));
    if (sc.inner_max_at_least(bound)) {
      rest &= ~upto_last;  // the column map is already reset by the first newline
    } else {
      walk(sc, middle, m.tab, rest);
    }
  }
  walk_tabs(sc, m.tab & ~upto_last, rest);  // tabs of the last (partial) line
  sc.printable(static_cast<std::uint64_t>(std::popcount(rest)));
}

TextStats scan_vector(const unsigned char* p, std::size_t n) noexcept {
  TextScanner sc;
  std::uint64_t lines = 0;
  std::uint64_t starts = 0;
  std::uint64_t carry = 0;
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64)
    scan_block(sc, p + i, lines, starts, carry);
  if (i < n) {
    // NUL is transparent to every count, so a zero-padded last block counts exactly its bytes.
    alignas(64) unsigned char tail[64] = {};
    std::memcpy(tail, p + i, n - i);
    scan_block(sc, tail, lines, starts, carry);
  }
  sc.lines = lines;
  sc.starts = starts;
  set_edge_classes(p, n, sc.first, sc.last);
  return sc.finish(n);
}
#endif

}  // namespace detail

TextStats merge(const TextStats& a, const TextStats& b) noexcept {
  TextStats r;
  r.bytes_ = a.bytes_ + b.bytes_;
  r.lines_ = a.lines_ + b.lines_;
  r.word_starts_ = a.word_starts_ + b.word_starts_ -
                   ((a.last_ == WordClass::graph && b.first_ == WordClass::graph) ? 1 : 0);
  r.first_ = a.first_ != WordClass::none ? a.first_ : b.first_;
  r.last_ = b.last_ != WordClass::none ? b.last_ : a.last_;
  if (!a.has_line_end_) {
    r.head_ = a.head_.then(b.head_);
    r.has_line_end_ = b.has_line_end_;
    r.inner_max_ = b.inner_max_;
    r.tail_ = b.tail_;
  } else if (!b.has_line_end_) {
    r.head_ = a.head_;
    r.has_line_end_ = true;
    r.inner_max_ = a.inner_max_;
    r.tail_ = b.head_(a.tail_);
  } else {
    r.head_ = a.head_;
    r.has_line_end_ = true;
    const std::uint64_t across = b.head_(a.tail_);  // the line that spans the boundary
    std::uint64_t m = a.inner_max_ > b.inner_max_ ? a.inner_max_ : b.inner_max_;
    r.inner_max_ = m > across ? m : across;
    r.tail_ = b.tail_;
  }
  return r;
}

TextStats text_stats_scalar(std::span<const std::byte> chunk) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  detail::TextScanner sc;
  detail::scan_scalar(sc, p, chunk.size());
  detail::set_edge_classes(p, chunk.size(), sc.first, sc.last);
  return sc.finish(chunk.size());
}

TextStats text_stats(std::span<const std::byte> chunk) noexcept {
#if defined(HYPAR_TEXT_AVX512) || defined(HYPAR_TEXT_AVX2)
  return detail::scan_vector(reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size());
#else
  return text_stats_scalar(chunk);
#endif
}

}  // namespace hypar::kernels
