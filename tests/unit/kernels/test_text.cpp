// text_stats against the real `LC_ALL=C wc -lwcL` (run here), against a plain transliteration of
// wc's C-locale loop, and chunked against whole at random cut points merged in random trees.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <hypar/kernels/text.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using hypar::kernels::merge;
using hypar::kernels::text_stats;
using hypar::kernels::text_stats_scalar;
using hypar::kernels::TextStats;

struct Counts {
  std::uint64_t lines = 0, words = 0, bytes = 0, max_line = 0;
  friend bool operator==(const Counts&, const Counts&) = default;
};

std::ostream& operator<<(std::ostream& os, const Counts& c) {
  return os << "{lines " << c.lines << ", words " << c.words << ", bytes " << c.bytes
            << ", max_line " << c.max_line << "}";
}

Counts counts_of(const TextStats& s) {
  return Counts{s.lines(), s.words(), s.bytes(), s.max_line_length()};
}

// The C-locale loop of wc, written out plainly: the reference of last resort.
Counts wc_loop(const std::string& text) {
  Counts c;
  bool in_word = false;
  std::uint64_t pos = 0;
  auto separator = [&] {
    if (in_word)
      ++c.words;
    in_word = false;
  };
  for (unsigned char ch : text) {
    if (ch == '\n' || ch == '\r' || ch == '\f') {
      if (ch == '\n')
        ++c.lines;
      c.max_line = std::max(c.max_line, pos);
      pos = 0;
      separator();
    } else if (ch == '\t') {
      pos += 8 - pos % 8;
      separator();
    } else if (ch == ' ') {
      ++pos;
      separator();
    } else if (ch == '\v') {
      separator();
    } else if (ch >= 0x21 && ch <= 0x7e) {
      ++pos;
      in_word = true;
    }
  }
  c.max_line = std::max(c.max_line, pos);
  if (in_word)
    ++c.words;
  c.bytes = text.size();
  return c;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hypar_text_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs the real `LC_ALL=C wc -lwcL` on `text` written to a file.
Counts real_wc(const std::string& text) {
  static TempDir dir;
  static int serial = 0;
  const auto file = dir.path() / ("f" + std::to_string(serial++));
  {
    std::ofstream out(file, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  const std::string cmd = "LC_ALL=C wc -lwcL '" + file.string() + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr)
    throw std::runtime_error("popen failed");
  Counts c;
  unsigned long long l = 0, w = 0, b = 0, m = 0;
  const int got = std::fscanf(pipe, "%llu %llu %llu %llu", &l, &w, &b, &m);
  const int status = pclose(pipe);
  std::filesystem::remove(file);
  if (got != 4 || status != 0)
    throw std::runtime_error("wc failed: " + cmd);
  return Counts{l, w, b, m};
}

TextStats stats(const std::string& s, std::size_t from, std::size_t to, bool scalar = false) {
  auto bytes = std::as_bytes(std::span<const char>(s.data() + from, to - from));
  return scalar ? text_stats_scalar(bytes) : text_stats(bytes);
}

// Cuts `text` at the sorted positions `cuts`, summarises the pieces in a random order, then merges
// them in file order in a random tree shape.
TextStats chunked(const std::string& text, std::vector<std::size_t> cuts, std::mt19937_64& rng) {
  cuts.insert(cuts.begin(), 0);
  cuts.push_back(text.size());
  std::sort(cuts.begin(), cuts.end());
  const std::size_t pieces = cuts.size() - 1;
  std::vector<std::size_t> order(pieces);
  for (std::size_t i = 0; i < pieces; ++i)
    order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<TextStats> part(pieces);
  for (std::size_t i : order)
    part[i] = stats(text, cuts[i], cuts[i + 1], rng() % 4 == 0);
  // Random tree: repeatedly merge a random adjacent pair.
  while (part.size() > 1) {
    const std::size_t i = rng() % (part.size() - 1);
    part[i] = merge(part[i], part[i + 1]);
    part.erase(part.begin() + static_cast<std::ptrdiff_t>(i) + 1);
  }
  return part.empty() ? TextStats{} : part[0];
}

// Byte soups of different flavours: every awkward byte, in every neighbourhood.
std::string random_text(std::mt19937_64& rng, std::size_t n, int flavour) {
  static const std::string specials = std::string("\t\n\r\f\v \0\x7f\x80\xff\x01\x1f", 12);
  std::string s(n, 'a');
  for (auto& ch : s) {
    const unsigned r = static_cast<unsigned>(rng() % 100);
    switch (flavour) {
      case 0:  // uniform over all 256 byte values
        ch = static_cast<char>(rng() & 0xff);
        break;
      case 1:  // mostly specials
        ch = r < 70 ? specials[rng() % specials.size()] : static_cast<char>(0x21 + rng() % 94);
        break;
      case 2:  // text-like: words, spaces, newlines, some tabs and high bytes
        ch = r < 75   ? static_cast<char>('a' + rng() % 26)
             : r < 90 ? ' '
             : r < 94 ? '\n'
             : r < 96 ? '\t'
             : r < 98 ? static_cast<char>(0x80 + rng() % 128)
                      : specials[rng() % specials.size()];
        break;
      case 4:  // short lines crowded with tabs: inner lines longer in columns than in bytes
        ch = r < 35 ? '\t' : r < 45 ? '\n' : static_cast<char>(0x21 + rng() % 94);
        break;
      default:  // long runs without line ends, tabs between words
        ch = r < 80 ? static_cast<char>(0x21 + rng() % 94) : r < 95 ? '\t' : r < 99 ? '\0' : '\r';
        break;
    }
  }
  return s;
}

void expect_all_equal(const std::string& text, const Counts& want, const std::string& what) {
  EXPECT_EQ(wc_loop(text), want) << what << " (wc_loop)";
  EXPECT_EQ(counts_of(stats(text, 0, text.size())), want) << what << " (text_stats)";
  EXPECT_EQ(counts_of(stats(text, 0, text.size(), true)), want) << what << " (scalar)";
}

TEST(TextStats, MatchesRealWcOnAwkwardFiles) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"one newline", "\n"},
      {"no final newline", "hello world"},
      {"spaces only", "      "},
      {"NUL inside word", std::string("ab\0cd ef\n", 9)},
      {"NUL only", std::string(100, '\0')},
      {"tabs", "a\tb\t\tc\n\tx\n12345678\tz"},
      {"tab after 7", "1234567\tx"},
      {"CR resets column", "long line here\rab\n"},
      {"form feed", "abc\fdefgh ij\f"},
      {"vertical tab", "a\vb\v\vc"},
      {"high bytes", "caf\xc3\xa9 na\xefve \x80\x81\xff word\n"},
      {"high bytes between graph",
       "a\x80\x80"
       "b c"},
      {"DEL", "a\x7f b\x7f\n"},
      {"controls", "a\x01\x02 b\x1b[0m c\n"},
      {"only separators", "\n\n\t\t\r\f\v  \n"},
  };
  std::string long_line(5'000'000, 'x');
  for (std::size_t i = 0; i < long_line.size(); i += 997)
    long_line[i] = ' ';
  for (std::size_t i = 13; i < long_line.size(); i += 4099)
    long_line[i] = '\t';
  cases.emplace_back("one line of 5 MB", long_line);
  cases.emplace_back("one line of 5 MB, newline", long_line + "\n");
  std::mt19937_64 rng(42);
  for (int flavour = 0; flavour < 5; ++flavour) {
    for (std::size_t n : {1u, 7u, 63u, 64u, 65u, 200u, 4096u, 100'000u}) {
      cases.emplace_back("random flavour " + std::to_string(flavour) + " n " + std::to_string(n),
                         random_text(rng, n, flavour));
    }
  }
  for (const auto& [name, text] : cases)
    expect_all_equal(text, real_wc(text), name);
}

TEST(TextStats, EveryByteValueInEveryPositionMatchesWcLoop) {
  // Each byte value between and inside words, at every offset of a 64-byte block and across it.
  for (int b = 0; b < 256; ++b) {
    for (std::size_t at = 0; at < 130; at += 1) {
      std::string s(140, 'w');
      for (std::size_t i = 5; i < s.size(); i += 11)
        s[i] = ' ';
      s[at] = static_cast<char>(b);
      const Counts want = wc_loop(s);
      ASSERT_EQ(counts_of(stats(s, 0, s.size())), want) << "byte " << b << " at " << at;
      ASSERT_EQ(counts_of(stats(s, 0, s.size(), true)), want) << "byte " << b << " at " << at;
    }
  }
}

TEST(TextStats, RandomAgainstWcLoopAtManyLengthsAndOffsets) {
  std::mt19937_64 rng(7);
  for (int rep = 0; rep < 300; ++rep) {
    const std::size_t n = rep < 200 ? static_cast<std::size_t>(rep) : rng() % 20'000;
    const std::string text = random_text(rng, n + 64, rep % 5);
    const std::size_t off = rng() % 64;
    const std::string sub = text.substr(off, n);
    const Counts want = wc_loop(sub);
    ASSERT_EQ(counts_of(stats(text, off, off + n)), want) << "n " << n << " off " << off;
    ASSERT_EQ(counts_of(stats(text, off, off + n, true)), want) << "n " << n << " off " << off;
  }
}

TEST(TextStats, ChunkedEqualsWholeAtRandomCuts) {
  std::mt19937_64 rng(11);
  for (int rep = 0; rep < 2000; ++rep) {
    const std::size_t n = rng() % 3000;
    const std::string text = random_text(rng, n, rep % 5);
    const Counts want = wc_loop(text);
    std::vector<std::size_t> cuts(rng() % 12);
    for (auto& c : cuts)
      c = n == 0 ? 0 : rng() % (n + 1);
    ASSERT_EQ(counts_of(chunked(text, cuts, rng)), want) << "rep " << rep;
  }
}

TEST(TextStats, OneByteChunksEqualWhole) {
  std::mt19937_64 rng(13);
  for (int flavour = 0; flavour < 4; ++flavour) {
    const std::string text = random_text(rng, 5000, flavour);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < text.size(); ++i)
      cuts.push_back(i);
    EXPECT_EQ(counts_of(chunked(text, cuts, rng)), wc_loop(text)) << "flavour " << flavour;
    // Left fold, one byte at a time, as a streaming reader would.
    TextStats acc;
    for (std::size_t i = 0; i < text.size(); ++i)
      acc = merge(acc, stats(text, i, i + 1));
    EXPECT_EQ(counts_of(acc), wc_loop(text)) << "flavour " << flavour;
  }
}

TEST(TextStats, ChunkedLargeAgainstRealWc) {
  std::mt19937_64 rng(17);
  for (int flavour = 0; flavour < 4; ++flavour) {
    const std::string text = random_text(rng, 1'000'000, flavour);
    const Counts want = real_wc(text);
    std::vector<std::size_t> cuts(200);
    for (auto& c : cuts)
      c = rng() % text.size();
    EXPECT_EQ(counts_of(chunked(text, cuts, rng)), want) << "flavour " << flavour;
  }
}

TEST(TextStats, MergeIsAssociativeWithIdentity) {
  std::mt19937_64 rng(19);
  for (int rep = 0; rep < 1000; ++rep) {
    const std::string a = random_text(rng, rng() % 40, rep % 4);
    const std::string b = random_text(rng, rng() % 40, (rep + 1) % 4);
    const std::string c = random_text(rng, rng() % 40, (rep + 2) % 4);
    const TextStats sa = stats(a, 0, a.size()), sb = stats(b, 0, b.size()),
                    sc = stats(c, 0, c.size());
    ASSERT_EQ(merge(merge(sa, sb), sc), merge(sa, merge(sb, sc)));
    ASSERT_EQ(merge(TextStats{}, sa), sa);
    ASSERT_EQ(merge(sa, TextStats{}), sa);
    const std::string abc = a + b + c;
    ASSERT_EQ(counts_of(merge(merge(sa, sb), sc)), wc_loop(abc));
  }
}

TEST(TextStats, VectorEqualsScalarSummary) {
  std::mt19937_64 rng(23);
  for (int rep = 0; rep < 500; ++rep) {
    const std::string text = random_text(rng, rng() % 1000, rep % 5);
    ASSERT_EQ(stats(text, 0, text.size()), stats(text, 0, text.size(), true)) << "rep " << rep;
  }
}

TEST(TextStats, StringViewOverload) {
  EXPECT_EQ(counts_of(text_stats(std::string_view("a b\tc\n"))), wc_loop("a b\tc\n"));
}

}  // namespace
