// The Sort Benchmark's records against independent references:
// - the generator against a 128-bit LCG stepped here from its definition (no skip-ahead), the
//   layouts rebuilt field by field from gensort's documented rules, and vectors made by gensort /
//   valsort 1.5 themselves (built from the author's sources) or published with their output;
// - the checksum against zlib's crc32 summed here in 128 bits;
// - valsort's summaries against a direct scan of the records, and against valsort's own output.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <hypar/core/error.hpp>
#include <hypar/io/records.hpp>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace rec = hypar::records;
using rec::GenOptions;
using rec::RecordFormat;
using rec::Summary;
using rec::Uint128;

namespace {

__extension__ typedef unsigned __int128 u128;

// ---- references built from the definitions ------------------------------------------------------

constexpr u128 make(std::uint64_t hi, std::uint64_t lo) {
  return (u128{hi} << 64) | lo;
}
constexpr u128 lcg_a = make(0x2360ed051fc65da4ull, 0x4385df649fccf645ull);
constexpr u128 lcg_c = make(0x4a696d4772617952ull, 0x4950202020202001ull);
u128 step(u128 x) {
  return lcg_a * x + lcg_c;
}
u128 native(Uint128 v) {
  return make(v.hi, v.lo);
}
Uint128 wide(u128 v) {
  return Uint128{static_cast<std::uint64_t>(v >> 64), static_cast<std::uint64_t>(v)};
}

// X(0) .. X(n) by stepping from X(0) = 0.
std::vector<u128> sequence(std::size_t n) {
  std::vector<u128> x(n + 1);
  x[0] = 0;
  for (std::size_t i = 1; i <= n; ++i)
    x[i] = step(x[i - 1]);
  return x;
}

// The ten 10-byte XOR masks of gensort 1.5's binary records (gensort.c, gen_rec).
constexpr std::uint64_t mask_hi[10] = {0,
                                       0xF0E8E4E2E1D8D4D2ull,
                                       0xCAC9C6C5C3B8B4B2ull,
                                       0xAAA9A6A5A39C9A99ull,
                                       0x938E8D8B87787472ull,
                                       0x6A696665635C5A59ull,
                                       0x534E4D4B473C3A39ull,
                                       0x332E2D2B271E1D1Bull,
                                       0xC8C4C2C198949291ull,
                                       0x170F332E2D2B271Eull};
constexpr std::uint16_t mask_lo[10] = {0,      0xD1CC, 0xB1AC, 0x9695, 0x716C,
                                       0x5655, 0x3635, 0x170F, 0x8CE0, 0x1D1B};

using Bytes = std::vector<std::uint8_t>;
using Rec = std::array<std::uint8_t, 100>;

// Record r in gensort's binary layout from x(k) = X(r+1+k), k = 0..9.
Rec ref_binary(const std::array<u128, 10>& x) {
  Rec out{};
  for (int k = 0; k < 10; ++k) {
    const u128 v = x[k] ^ make(mask_hi[k], std::uint64_t{mask_lo[k]} << 48);
    for (int i = 0; i < 10; ++i)
      out[10 * k + i] = static_cast<std::uint8_t>(v >> (120 - 8 * i));
  }
  return out;
}

std::array<u128, 10> window(const std::vector<u128>& seq, std::size_t r) {
  std::array<u128, 10> x{};
  for (int k = 0; k < 10; ++k)
    x[k] = seq[r + 1 + k];
  return x;
}

char hex_digit(unsigned v) {
  return "0123456789ABCDEF"[v & 0xF];
}

// gensort's ASCII key of R.
std::array<std::uint8_t, 10> ref_ascii_key(u128 x) {
  std::array<std::uint8_t, 10> key{};
  auto hi = static_cast<std::uint64_t>(x >> 64);
  auto lo = static_cast<std::uint64_t>(x);
  for (int i = 0; i < 8; ++i, hi /= 95)
    key[i] = static_cast<std::uint8_t>(' ' + hi % 95);
  key[8] = static_cast<std::uint8_t>(' ' + lo % 95);
  key[9] = static_cast<std::uint8_t>(' ' + (lo / 95) % 95);
  return key;
}

// gensort's get_skew_index, as written there: 0 for record 0, 64 when any of the top 4 bits of
// the (low 64 bits of the) record number is set, else the least k with 2^k > r.
int ref_skew_index(std::uint64_t r) {
  if (r == 0)
    return 0;
  if (r & 0xF000000000000000ull)
    return 64;
  int k = 0;
  while ((std::uint64_t{1} << k) <= r)
    ++k;
  return k;
}

Bytes gen(std::uint64_t first, std::uint64_t count, GenOptions o = {}) {
  Bytes out(count * 100);
  rec::generate(first, count, o, out);
  return out;
}

Rec record_at(const Bytes& b, std::size_t i) {
  Rec r{};
  std::memcpy(r.data(), b.data() + 100 * i, 100);
  return r;
}

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex_string(std::span<const std::uint8_t> b) {
  std::string s;
  for (std::uint8_t v : b) {
    s.push_back("0123456789abcdef"[v >> 4]);
    s.push_back("0123456789abcdef"[v & 0xF]);
  }
  return s;
}

std::string checksum_hex(std::uint64_t first, std::uint64_t count, GenOptions o) {
  // In pieces, so a million records need not be in memory at once.
  rec::Generator g(first, o);
  Bytes buf;
  Uint128 sum;
  for (std::uint64_t done = 0; done < count;) {
    const std::uint64_t n = std::min<std::uint64_t>(count - done, 65536);
    buf.resize(n * 100);
    g.fill(buf);
    sum += rec::checksum(buf);
    done += n;
  }
  return rec::to_hex(sum);
}

// zlib's crc32 summed in 128 bits, record by record.
u128 zlib_checksum(const Bytes& b) {
  u128 sum = 0;
  for (std::size_t i = 0; i < b.size(); i += 100)
    sum += crc32(0, b.data() + i, 100);
  return sum;
}

// valsort's scan, directly: counts over adjacent pairs of keys.
Summary ref_summary(const Bytes& b) {
  Summary s;
  const std::size_t n = b.size() / 100;
  s.records = n;
  s.checksum = wide(zlib_checksum(b));
  for (std::size_t i = 1; i < n; ++i) {
    const int c = std::memcmp(b.data() + 100 * (i - 1), b.data() + 100 * i, 10);
    if (c == 0)
      ++s.duplicates;
    if (c > 0) {
      if (s.unordered == 0)
        s.first_unordered = i;
      ++s.unordered;
    }
  }
  if (n > 0) {
    std::memcpy(s.first.bytes.data(), b.data(), 100);
    std::memcpy(s.last.bytes.data(), b.data() + 100 * (n - 1), 100);
  }
  return s;
}

void expect_summary_eq(const Summary& got, const Summary& want, const std::string& what) {
  EXPECT_EQ(got.records, want.records) << what;
  EXPECT_EQ(got.checksum, want.checksum) << what;
  EXPECT_EQ(got.duplicates, want.duplicates) << what;
  EXPECT_EQ(got.unordered, want.unordered) << what;
  EXPECT_EQ(got.first_unordered, want.first_unordered) << what;
  EXPECT_EQ(got.first, want.first) << what;
  EXPECT_EQ(got.last, want.last) << what;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hypar-records-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

void write_bytes(const std::string& path, std::span<const std::uint8_t> b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

constexpr GenOptions binary{RecordFormat::binary, false};
constexpr GenOptions binary_skew{RecordFormat::binary, true};
constexpr GenOptions ascii{RecordFormat::ascii, false};
constexpr GenOptions ascii_skew{RecordFormat::ascii, true};
constexpr GenOptions teragen{RecordFormat::teragen, false};
constexpr GenOptions all_options[] = {binary, binary_skew, ascii, ascii_skew, teragen};

std::string name(const GenOptions& o) {
  const char* f = o.format == RecordFormat::binary  ? "binary"
                  : o.format == RecordFormat::ascii ? "ascii"
                                                    : "teragen";
  return std::string(f) + (o.skew ? "+skew" : "");
}

constexpr std::uint64_t two_pow_60 = std::uint64_t{1} << 60;
constexpr std::uint64_t last_record = ~std::uint64_t{0};  // 2^64 - 1

}  // namespace

// ---- records and keys ---------------------------------------------------------------------------

TEST(RecordsKey, KeyOrderIsUnsignedBytesOfTheFirstTen) {
  rec::Record a;
  rec::Record b;
  EXPECT_FALSE(rec::key_less(a, b));  // equal keys
  b.bytes[50] = 1;                    // payloads do not count
  EXPECT_FALSE(rec::key_less(a, b));
  EXPECT_FALSE(rec::key_less(b, a));
  b.bytes[9] = 1;  // the last key byte does
  EXPECT_TRUE(rec::key_less(a, b));
  EXPECT_FALSE(rec::key_less(b, a));
  a.bytes[0] = 0x80;  // unsigned: 0x80 sorts after 0x7f
  b.bytes[0] = 0x7f;
  EXPECT_TRUE(rec::key_less(b, a));
  EXPECT_TRUE(rec::key_less(b.bytes.data(), a.bytes.data()));
  EXPECT_EQ(a.key().data(), a.bytes.data());
  EXPECT_EQ(a.payload().data(), a.bytes.data() + 10);
  static_assert(sizeof(rec::Record[3]) == 300);
}

// ---- rand16
// ---------------------------------------------------------------------------------------

TEST(RecordsRandom16, SkipAheadEqualsSteppingForEveryOffsetUpTo20000) {
  const auto x = sequence(20000);
  for (std::size_t n = 0; n <= 20000; ++n) {
    ASSERT_EQ(native(rec::random16(n)), x[n]) << "n = " << n;
  }
  for (std::size_t n = 0; n < 20000; ++n) {
    ASSERT_EQ(native(rec::random16_next(wide(x[n]))), x[n + 1]) << "n = " << n;
  }
}

TEST(RecordsRandom16, SkipFromAnyStateEqualsStepping) {
  std::mt19937_64 rng(13);
  for (int trial = 0; trial < 200; ++trial) {
    const u128 start = make(rng(), rng());
    const std::uint64_t n = rng() % 3000;
    u128 x = start;
    for (std::uint64_t i = 0; i < n; ++i)
      x = step(x);
    ASSERT_EQ(native(rec::random16_skip(wide(start), n)), x) << "n = " << n;
  }
}

// rand16.c tabulates f^(2^k) as (a_k, c_k): f^(2^k)(x) = a_k x + c_k, so X(2^k) = c_k. A few of
// its rows, quoted from rand16.c (gensort 1.5), check the skip-ahead far beyond any stepping.
TEST(RecordsRandom16, PowersOfTwoMatchTheRand16Table) {
  struct Row {
    int k;
    u128 a, c;
  };
  const Row rows[] = {
      {1, make(0x17bce35bdf69743cull, 0x529ed9eb20e0ae99ull),
       make(0x95e0e48262b3edfeull, 0x04479485c755b646ull)},
      {10, make(0xae4f079d54fbece1ull, 0x478331d3c6bef001ull),
       make(0x991965329dccb28dull, 0x581199ab18c5fc00ull)},
      {32, make(0x433bef4314f16a94ull, 0x53cd8fbc00000001ull),
       make(0x158c62f2b31e496dull, 0xfd71a97f00000000ull)},
      {63, make(0xaf85d0c629e6c7deull, 0x0000000000000001ull),
       make(0x7858ca25feb8d4bfull, 0x8000000000000000ull)},
  };
  for (const Row& row : rows) {
    const std::uint64_t n = std::uint64_t{1} << row.k;
    EXPECT_EQ(native(rec::random16(n)), row.c) << "k = " << row.k;
    EXPECT_EQ(native(rec::random16_skip(wide(1), n)) - native(rec::random16_skip(wide(0), n)),
              row.a)
        << "k = " << row.k;
  }
  // f^(2^64)(0) = c_64 = 0xf0b1944bfd71a97f0000000000000000, two skips of 2^63.
  const std::uint64_t half = std::uint64_t{1} << 63;
  EXPECT_EQ(native(rec::random16_skip(rec::random16(half), half)), make(0xf0b1944bfd71a97full, 0));
}

TEST(RecordsRandom16, SkipsCompose) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    const std::uint64_t a = rng() >> 1;
    const std::uint64_t b = rng() >> 1;
    ASSERT_EQ(rec::random16(a + b), rec::random16_skip(rec::random16(a), b));
  }
}

// ---- layouts ------------------------------------------------------------------------------------

TEST(RecordsGenerate, BinaryRecordsAreTheXoredLcgWindow) {
  const auto x = sequence(5000 + 10);
  const Bytes all = gen(0, 5000);
  for (std::size_t r = 0; r < 5000; ++r) {
    ASSERT_EQ(record_at(all, r), ref_binary(window(x, r))) << "record " << r;
  }
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t r = rng() % 5000;
    ASSERT_EQ(record_at(gen(r, 1), 0), ref_binary(window(x, r))) << "record " << r;
  }
}

// Made by gensort 1.5 (built from the author's sources): `gensort 1 f` and
// `gensort -b18446744073709551615 1 f`, dumped with `xxd -p`.
TEST(RecordsGenerate, BinaryRecordsMatchGensortBytes) {
  EXPECT_EQ(to_hex_string(gen(0, 1)),
            "4a696d4772617952495065080060836b392cd58b8f5e55961855e79b87f02283a466b6aab1f9e0ca"
            "cf1e26b3292afd1064bb18b56ac07d6f656b1d2f430d57bde7e47d81f36a6dd267948bbc2397bfe2"
            "8c334e4ad82b8e70166293cfaa0116bfda3bb1ab");
  EXPECT_EQ(to_hex_string(gen(last_record, 1)),
            "f0b1944bfd71a97f00008c2d34200cc0e65f989c6596a5ac884e3857b5ebcc519e1f7b34bbf5a0c9"
            "dc2a650f3750511d0733df49432fef9503344382bfd647279adbde107d4f5b8f2ec2e7fc0550d250"
            "3e69191ba74c2aba240dbabc6917de2b89a28799");
}

TEST(RecordsGenerate, AsciiRecordsFieldByField) {
  const auto x = sequence(3000 + 1);
  const Bytes all = gen(0, 3000, ascii);
  for (std::size_t r = 0; r < 3000; ++r) {
    const Rec got = record_at(all, r);
    const u128 v = x[r + 1];
    const auto lo = static_cast<std::uint64_t>(v);
    const auto key = ref_ascii_key(v);
    ASSERT_TRUE(std::equal(key.begin(), key.end(), got.begin())) << "key of " << r;
    ASSERT_EQ(got[10], ' ');
    ASSERT_EQ(got[11], ' ');
    for (int i = 0; i < 32; ++i) {
      const unsigned digit = i < 16 ? 0u : static_cast<unsigned>(r >> (4 * (31 - i)));
      ASSERT_EQ(got[12 + i], hex_digit(digit)) << "record number digit " << i << " of " << r;
    }
    ASSERT_EQ(got[44], ' ');
    ASSERT_EQ(got[45], ' ');
    for (int g = 0; g < 13; ++g) {
      for (int j = 0; j < 4; ++j) {
        ASSERT_EQ(got[46 + 4 * g + j], hex_digit(static_cast<unsigned>(lo >> (48 - 4 * g))))
            << "filler run " << g << " of " << r;
      }
    }
    ASSERT_EQ(got[98], '\r');
    ASSERT_EQ(got[99], '\n');
    for (int i = 0; i < 98; ++i) {
      ASSERT_TRUE(got[i] >= ' ' && got[i] <= '~') << "byte " << i << " of " << r;
    }
  }
}

// `gensort -a 1 f` and `gensort -a -s -b18446744073709551615 1 f` (gensort 1.5); the last
// record's skew count is 0, so it is the unskewed record too.
TEST(RecordsGenerate, AsciiRecordsMatchGensortText) {
  const Bytes first = gen(0, 1, ascii);
  EXPECT_EQ(std::string(first.begin(), first.end()),
            "AsfAGHM5om  00000000000000000000000000000000  "
            "0000222200002222000022220000222200002222000000001111\r\n");
  const std::string last =
      "Yu5y;.X<    0000000000000000FFFFFFFFFFFFFFFF  "
      "0000000000000000000000000000000000000000000000000000\r\n";
  for (const GenOptions& o : {ascii, ascii_skew}) {
    const Bytes got = gen(last_record, 1, o);
    EXPECT_EQ(std::string(got.begin(), got.end()), last) << name(o);
  }
}

TEST(RecordsGenerate, TeragenRecordsFieldByField) {
  const auto x = sequence(2000 + 1);
  std::mt19937_64 rng(5);
  std::vector<std::uint64_t> firsts = {0, 1000, (rng() >> 1) + 12345, last_record - 999};
  for (std::uint64_t first : firsts) {
    const Bytes all = gen(first, 1000, teragen);
    for (std::size_t i = 0; i < 1000; ++i) {
      const std::uint64_t r = first + i;
      const Rec got = record_at(all, i);
      const u128 v = r < 2000 ? x[r + 1] : native(rec::random16_next(rec::random16(r)));
      const auto lo = static_cast<std::uint64_t>(v);
      for (int b = 0; b < 10; ++b) {
        ASSERT_EQ(got[b], static_cast<std::uint8_t>(v >> (120 - 8 * b))) << r;
      }
      ASSERT_EQ(got[10], 0x00);
      ASSERT_EQ(got[11], 0x11);
      for (int d = 0; d < 32; ++d) {
        const unsigned digit = d < 16 ? 0u : static_cast<unsigned>(r >> (4 * (31 - d)));
        ASSERT_EQ(got[12 + d], hex_digit(digit)) << r;
      }
      const std::uint8_t mid[4] = {0x88, 0x99, 0xAA, 0xBB};
      const std::uint8_t end[4] = {0xCC, 0xDD, 0xEE, 0xFF};
      ASSERT_EQ(std::memcmp(got.data() + 44, mid, 4), 0) << r;
      for (int g = 0; g < 12; ++g) {
        for (int j = 0; j < 4; ++j) {
          ASSERT_EQ(got[48 + 4 * g + j], hex_digit(static_cast<unsigned>(lo >> (44 - 4 * g)))) << r;
        }
      }
      ASSERT_EQ(std::memcmp(got.data() + 96, end, 4), 0) << r;
    }
  }
  // Hadoop's record 0, made with GenSort.generateRecord and Hadoop's Random16 / Unsigned16 (run
  // under Java 17 as TeraGen's mapper drives them).
  EXPECT_EQ(to_hex_string(gen(0, 1, teragen)),
            "4a696d47726179524950001130303030303030303030303030303030303030303030303030303030"
            "303030308899aabb323232323030303032323232303030303232323230303030323232323030303032"
            "323232303030303030303031313131ccddeeff");
}

// The skew rows of gensort.c (Skew_binary, Skew_ascii) are the first 6 key bytes of the
// unskewed records 0..128; a few rows quoted from gensort.c 1.5.
TEST(RecordsGenerate, SkewRowsAreTheKeysOfTheFirstRecords) {
  struct Row {
    std::uint64_t s;
    std::array<std::uint8_t, 6> binary;
    const char* ascii;
  };
  const Row rows[] = {
      {0, {0x4a, 0x69, 0x6d, 0x47, 0x72, 0x61}, "AsfAGH"},
      {1, {0x95, 0xe0, 0xe4, 0x82, 0x62, 0xb3}, "~sHd0j"},
      {2, {0x45, 0x97, 0x93, 0x53, 0xdb, 0xed}, "uI^EYm"},
      {15, {0xf2, 0x5b, 0xd1, 0x54, 0x39, 0xd1}, "K~%q4]"},
      {31, {0x89, 0xca, 0x67, 0xc2, 0x9c, 0x93}, "-^1~=a"},
      {60, {0xc1, 0xd4, 0xfc, 0xf5, 0x77, 0xdb}, "[!Nbx&"},
      {64, {0x33, 0xd5, 0xb5, 0xb1, 0x5c, 0x70}, "ix^T<S"},
  };
  for (const Row& row : rows) {
    const Bytes b = gen(row.s, 1, binary);
    const Bytes a = gen(row.s, 1, ascii);
    EXPECT_TRUE(std::equal(row.binary.begin(), row.binary.end(), b.begin())) << row.s;
    EXPECT_EQ(std::string(a.begin(), a.begin() + 6), row.ascii) << row.s;
  }
}

// Skewed records rebuilt from gensort's rule: the unskewed record, then the top bits (binary) or
// bytes (ASCII) of the key from row skew_index(r), their number taken from R.lo.
TEST(RecordsGenerate, SkewedKeysFollowGensortsRule) {
  const auto x = sequence(200);
  std::array<std::array<std::uint8_t, 6>, 65> bin_rows{};
  std::array<std::array<std::uint8_t, 10>, 65> asc_rows{};
  for (int s = 0; s <= 64; ++s) {
    for (int i = 0; i < 6; ++i)
      bin_rows[s][i] = static_cast<std::uint8_t>(x[s + 1] >> (120 - 8 * i));
    asc_rows[s] = ref_ascii_key(x[s + 1]);
  }
  std::vector<std::uint64_t> firsts;
  for (std::uint64_t r = 0; r < 5000; ++r)
    firsts.push_back(r);
  for (int k = 1; k < 64; ++k) {  // around every power of two, where the skew row changes
    const std::uint64_t p = std::uint64_t{1} << k;
    for (int d = -3; d <= 3; ++d) {
      if (d >= 0 || p >= static_cast<std::uint64_t>(-d))
        firsts.push_back(p + static_cast<std::uint64_t>(static_cast<std::int64_t>(d)));
    }
  }
  for (std::uint64_t r = last_record - 5; r != 0; ++r)
    firsts.push_back(r);
  std::size_t skewed = 0;
  std::size_t kept = 0;
  for (std::uint64_t r : firsts) {
    const u128 v = native(rec::random16_next(rec::random16(r)));
    const auto lo = static_cast<std::uint64_t>(v);
    const int s = ref_skew_index(r);
    // binary
    Rec want = record_at(gen(r, 1, binary), 0);
    int bits = static_cast<int>((lo >> 32) & 63);
    if (bits > 48)
      bits = 0;
    (bits == 0 ? kept : skewed) += 1;
    for (int bit = 0; bit < bits; ++bit) {
      const int mask = 0x80 >> (bit % 8);
      want[bit / 8] =
          static_cast<std::uint8_t>((want[bit / 8] & ~mask) | (bin_rows[s][bit / 8] & mask));
    }
    ASSERT_EQ(record_at(gen(r, 1, binary_skew), 0), want) << "binary record " << r;
    // ASCII
    Rec want_a = record_at(gen(r, 1, ascii), 0);
    int n = static_cast<int>((lo >> 32) & 7);
    if (n > 6)
      n = 0;
    std::copy(asc_rows[s].begin(), asc_rows[s].begin() + n, want_a.begin());
    ASSERT_EQ(record_at(gen(r, 1, ascii_skew), 0), want_a) << "ascii record " << r;
  }
  EXPECT_GT(skewed, kept);  // about 3/4 of the keys are skewed
  EXPECT_GT(kept, 0u);
  // gensort's quirk: every record number with one of its top 4 bits set uses row 64.
  EXPECT_EQ(ref_skew_index(two_pow_60 - 1), 60);
  EXPECT_EQ(ref_skew_index(two_pow_60), 64);
}

TEST(RecordsGenerate, AnySplitEqualsOnePiece) {
  std::mt19937_64 rng(99);
  const std::uint64_t n = 2000;
  for (const GenOptions& o : all_options) {
    for (std::uint64_t first : {std::uint64_t{0}, two_pow_60 - 1000, last_record - (n - 1)}) {
      const Bytes whole = gen(first, n, o);
      for (int trial = 0; trial < 20; ++trial) {
        // generate() per range
        Bytes pieces(n * 100);
        std::uint64_t at = 0;
        while (at < n) {
          const std::uint64_t len = std::min<std::uint64_t>(n - at, rng() % 300);
          rec::generate(first + at, len, o,
                        std::span<std::uint8_t>(pieces).subspan(at * 100, len * 100));
          at += len;
        }
        ASSERT_EQ(pieces, whole) << name(o) << " from " << first;
        // one Generator, filled in pieces
        Bytes streamed(n * 100);
        rec::Generator g(first, o);
        at = 0;
        while (at < n) {
          const std::uint64_t len = std::min<std::uint64_t>(n - at, rng() % 300);
          g.fill(std::span<std::uint8_t>(streamed).subspan(at * 100, len * 100));
          at += len;
          ASSERT_EQ(g.position(), first + at);
        }
        ASSERT_EQ(streamed, whole) << name(o) << " from " << first;
      }
    }
  }
}

// Checksums as gensort -c prints them. Published with valsort's output:
// - 163840 ASCII records: 1400fed7bb2c2 (github.com/tildeleb/Heapsort, README, "validate ...
//   with 16MB dataset");
// - 1000000 binary records: 7a0e0d4868cd4 (a public README's "GenSort 100 MB, 1M records"
//   valsort run).
// Both were reproduced, and the rest made, with gensort 1.5 built from the author's sources
// (`gensort -c [-a] [-s] -bFIRST COUNT /dev/null`). TeraGen rows: Hadoop's GenSort.java record
// layout driven by its Random16 / Unsigned16 under Java 17, crc32 from java.util.zip.CRC32.
TEST(RecordsGenerate, ChecksumsMatchGensortAndPublishedValues) {
  struct Case {
    GenOptions o;
    std::uint64_t first, count;
    const char* hex;
  };
  const Case cases[] = {
      {ascii, 0, 163840, "1400fed7bb2c2"},
      {binary, 0, 1000000, "7a0e0d4868cd4"},
      {binary, 0, 163840, "13f6b0519fb7c"},
      {binary_skew, 0, 163840, "1405b0b91f4ce"},
      {ascii_skew, 0, 163840, "13fc8d0ca8aa2"},
      {binary, 123456789012, 1000, "1f7e4f7eb05"},
      {ascii, 123456789012, 1000, "1ed435602f9"},
      {binary_skew, 123456789012, 1000, "1fef3101276"},
      {ascii_skew, 123456789012, 1000, "206635621a6"},
      {binary, two_pow_60 - 500, 1000, "1f952b09818"},
      {ascii, two_pow_60 - 500, 1000, "1f51c9a2f7f"},
      {binary_skew, two_pow_60 - 500, 1000, "1f1a2e6acb7"},
      {ascii_skew, two_pow_60 - 500, 1000, "1f0140ea83d"},
      {binary, last_record - 999, 1000, "1e9eea87c01"},
      {ascii, last_record - 999, 1000, "1f6c30a3342"},
      {binary_skew, last_record - 999, 1000, "1ea9ab20cf2"},
      {ascii_skew, last_record - 999, 1000, "1ee10524a08"},
      {teragen, 0, 100000, "c327a1c42c28"},
      {teragen, 9223372036854775000ull, 1000, "1f93512b86c"},
      {teragen, last_record - 999, 1000, "1f66cc6a5e5"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(checksum_hex(c.first, c.count, c.o), c.hex)
        << name(c.o) << " records " << c.first << " + " << c.count;
  }
}

TEST(RecordsGenerate, RejectsBadArguments) {
  Bytes buf(300);
  EXPECT_THROW(rec::generate(0, 2, {}, buf), hypar::Error);  // 300 bytes for 2 records
  EXPECT_THROW(rec::generate(0, 4, {}, buf), hypar::Error);
  EXPECT_THROW(rec::generate(last_record - 1, 3, {}, buf), hypar::Error);  // past 2^64 - 1
  EXPECT_NO_THROW(rec::generate(last_record - 2, 3, {}, buf));
  EXPECT_NO_THROW(rec::generate(last_record, 0, {}, std::span<std::uint8_t>()));
  EXPECT_THROW(rec::generate(0, 3, GenOptions{RecordFormat::teragen, true}, buf), hypar::Error);
  EXPECT_THROW(rec::Generator(0, GenOptions{RecordFormat::teragen, true}), hypar::Error);
  rec::Generator g(0);
  EXPECT_THROW(g.fill(std::span<std::uint8_t>(buf).first(150)), hypar::Error);
  rec::Generator end(last_record);
  EXPECT_NO_THROW(end.fill(std::span<std::uint8_t>(buf).first(100)));
  EXPECT_THROW(end.fill(std::span<std::uint8_t>(buf).first(100)), hypar::Error);
  try {
    rec::generate(0, 2, {}, buf);
    FAIL() << "no exception";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find("300"), std::string::npos) << e.what();
  }
}

// ---- checksum
// -------------------------------------------------------------------------------------

TEST(RecordsChecksum, IsTheSumOfZlibCrc32s) {
  std::mt19937_64 rng(3);
  Bytes b(5000 * 100);
  for (auto& v : b)
    v = static_cast<std::uint8_t>(rng());
  for (std::size_t i = 0; i < 5000; ++i) {
    ASSERT_EQ(rec::record_crc32(b.data() + 100 * i), crc32(0, b.data() + 100 * i, 100));
  }
  EXPECT_EQ(native(rec::checksum(b)), zlib_checksum(b));
  for (const GenOptions& o : all_options) {
    const Bytes g = gen(777, 3000, o);
    EXPECT_EQ(native(rec::checksum(g)), zlib_checksum(g)) << name(o);
  }
  EXPECT_EQ(rec::checksum({}), Uint128{});
  EXPECT_THROW(rec::checksum(std::span<const std::uint8_t>(b).first(150)), hypar::Error);
}

TEST(RecordsChecksum, PrintsLikeValsort) {
  EXPECT_EQ(rec::to_hex(Uint128{}), "0");
  EXPECT_EQ(rec::to_hex(Uint128{0, 0xabc}), "abc");
  EXPECT_EQ(rec::to_hex(Uint128{1, 5}), "10000000000000005");  // low half zero-padded to 16
  EXPECT_EQ(rec::to_hex(Uint128{0x12a, 0x06cd06eeb64b16}), "12a0006cd06eeb64b16");
  EXPECT_EQ(rec::to_hex(Uint128{~0ull, ~0ull}), std::string(32, 'f'));
  EXPECT_EQ(rec::to_dec(Uint128{}), "0");
  EXPECT_EQ(rec::to_dec(Uint128{0, 22}), "22");
  EXPECT_EQ(rec::to_dec(Uint128{1, 0}), "18446744073709551616");
  EXPECT_EQ(rec::to_dec(Uint128{~0ull, ~0ull}), "340282366920938463463374607431768211455");
  Uint128 s{0, ~0ull};
  s += Uint128{0, 1};  // the carry into the high half
  EXPECT_EQ(s, (Uint128{1, 0}));
}

// ---- summaries
// ------------------------------------------------------------------------------------

namespace {

// Inputs of every shape: random keys from a tiny alphabet (many equal and unordered neighbours),
// sorted with duplicates, reverse sorted, all keys equal, one record, none.
std::vector<std::pair<std::string, Bytes>> shapes() {
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::string, Bytes>> out;
  Bytes small_keys(3000 * 100);
  for (auto& v : small_keys)
    v = static_cast<std::uint8_t>(rng());
  for (std::size_t i = 0; i < 3000; ++i) {
    std::memset(small_keys.data() + 100 * i, 0, 10);
    small_keys[100 * i + 9] = static_cast<std::uint8_t>(rng() % 4);
    small_keys[100 * i + 3] = static_cast<std::uint8_t>(rng() % 2 ? 0x80 : 0x7f);
  }
  out.emplace_back("small alphabet", small_keys);
  std::vector<Rec> recs(3000);
  for (std::size_t i = 0; i < 3000; ++i)
    recs[i] = record_at(small_keys, i);
  auto by_key = [](const Rec& a, const Rec& b) { return std::memcmp(a.data(), b.data(), 10) < 0; };
  std::stable_sort(recs.begin(), recs.end(), by_key);
  Bytes sorted;
  for (const Rec& r : recs)
    sorted.insert(sorted.end(), r.begin(), r.end());
  out.emplace_back("sorted", sorted);
  Bytes reversed;
  for (auto it = recs.rbegin(); it != recs.rend(); ++it)
    reversed.insert(reversed.end(), it->begin(), it->end());
  out.emplace_back("reversed", reversed);
  Bytes equal = gen(0, 500, binary);
  for (std::size_t i = 0; i < 500; ++i)
    std::memset(equal.data() + 100 * i, 0x42, 10);
  out.emplace_back("all keys equal", equal);
  out.emplace_back("gensort skewed", gen(0, 4000, binary_skew));
  out.emplace_back("one record", gen(5, 1, ascii));
  out.emplace_back("empty", Bytes{});
  return out;
}

}  // namespace

TEST(RecordsSummary, MatchesADirectScan) {
  for (const auto& [what, b] : shapes()) {
    const Summary s = rec::summarize(b);
    expect_summary_eq(s, ref_summary(b), what);
    EXPECT_EQ(s.ordered(), ref_summary(b).unordered == 0) << what;
  }
  const auto all = shapes();
  EXPECT_GT(rec::summarize(all[0].second).duplicates, 0u);
  EXPECT_GT(rec::summarize(all[0].second).unordered, 0u);
  EXPECT_TRUE(rec::summarize(all[1].second).ordered());
  EXPECT_EQ(rec::summarize(all[3].second).duplicates, 499u);
  EXPECT_THROW(rec::summarize(std::span<const std::uint8_t>(all[0].second).first(250)),
               hypar::Error);
}

TEST(RecordsSummary, MergeOfAnySplitEqualsTheWhole) {
  std::mt19937_64 rng(21);
  for (const auto& [what, b] : shapes()) {
    const std::size_t n = b.size() / 100;
    const Summary whole = rec::summarize(b);
    for (int trial = 0; trial < 30; ++trial) {
      // random cut points, empty parts included
      const std::size_t parts = 1 + rng() % 10;
      std::vector<std::size_t> cuts = {0, n};
      for (std::size_t i = 1; i < parts; ++i)
        cuts.push_back(n == 0 ? 0 : rng() % (n + 1));
      std::sort(cuts.begin(), cuts.end());
      std::vector<Summary> sums;
      Summary extended;
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        const auto piece =
            std::span<const std::uint8_t>(b).subspan(cuts[i] * 100, (cuts[i + 1] - cuts[i]) * 100);
        sums.push_back(rec::summarize(piece));
        rec::extend(extended, piece);
      }
      expect_summary_eq(rec::merge(sums), whole, what + " (left fold)");
      expect_summary_eq(extended, whole, what + " (extend)");
      Summary right;  // the other grouping: s0 + (s1 + (s2 + ...))
      for (auto it = sums.rbegin(); it != sums.rend(); ++it)
        right = rec::merge(*it, right);
      expect_summary_eq(right, whole, what + " (right fold)");
    }
  }
}

TEST(RecordsSummary, FindsTheFirstUnorderedAtAPartBoundary) {
  Bytes b = gen(0, 10, binary);
  for (std::size_t i = 0; i < 10; ++i) {  // keys 0, 1, ..., 9 in the last key byte
    std::memset(b.data() + 100 * i, 0, 10);
    b[100 * i + 9] = static_cast<std::uint8_t>(i);
  }
  b[100 * 6 + 9] = 3;  // 0 1 2 3 4 5 3 7 8 9: record 6 is unordered
  b[100 * 8 + 9] = 7;  // ... 7 7 9: a duplicate pair (7, 8)
  const auto span = std::span<const std::uint8_t>(b);
  for (std::size_t cut = 0; cut <= 10; ++cut) {
    const Summary s =
        rec::merge(rec::summarize(span.first(cut * 100)), rec::summarize(span.subspan(cut * 100)));
    EXPECT_EQ(s.first_unordered, 6u) << "cut " << cut;
    EXPECT_EQ(s.unordered, 1u) << "cut " << cut;
    EXPECT_EQ(s.duplicates, 1u) << "cut " << cut;
  }
}

namespace {

// valsort 1.5's test files, rebuilt: gensort's first 20 binary records followed by record 5
// twice; and gensort -s's first 3000 records sorted by key with record 999 repeated after itself.
Bytes crafted() {
  Bytes b = gen(0, 20, binary);
  const Bytes r5 = gen(5, 1, binary);
  b.insert(b.end(), r5.begin(), r5.end());
  b.insert(b.end(), r5.begin(), r5.end());
  return b;
}

Bytes sorted_with_a_duplicate() {
  const Bytes g = gen(0, 3000, binary_skew);
  std::vector<Rec> recs(3000);
  for (std::size_t i = 0; i < 3000; ++i)
    recs[i] = record_at(g, i);
  std::stable_sort(recs.begin(), recs.end(), [](const Rec& a, const Rec& b) {
    return std::memcmp(a.data(), b.data(), 10) < 0;
  });
  recs.insert(recs.begin() + 1000, recs[999]);
  Bytes out;
  for (const Rec& r : recs)
    out.insert(out.end(), r.begin(), r.end());
  return out;
}

}  // namespace

// Texts printed by valsort 1.5 (built from the author's sources) for these inputs.
TEST(RecordsSummary, ReportsLikeValsort) {
  EXPECT_EQ(rec::valsort_report(rec::summarize(crafted())),
            "First unordered record is record 2\n"
            "Records: 22\n"
            "Checksum: d49dfd516\n"
            "ERROR - there are 9 unordered records\n");
  const Bytes sorted = sorted_with_a_duplicate();
  EXPECT_EQ(rec::valsort_report(rec::summarize(sorted)),
            "Records: 3001\n"
            "Checksum: 5cbaf84c138\n"
            "Duplicate keys: 1\n"
            "SUCCESS - all records are in order\n");
  // Parts 0..999, 1000..1999 (a duplicate across the boundary) and 2000.. with its first record
  // replaced by the smallest key: `valsort -o` of each, concatenated, `valsort -s`.
  Bytes p2(sorted.begin() + 2000 * 100, sorted.end());
  std::copy(sorted.begin(), sorted.begin() + 100, p2.begin());
  const auto s = std::span<const std::uint8_t>(sorted);
  const std::vector<Summary> parts = {rec::summarize(s.first(1000 * 100)),
                                      rec::summarize(s.subspan(1000 * 100, 1000 * 100)),
                                      rec::summarize(p2)};
  EXPECT_EQ(rec::valsort_report(rec::merge(parts)),
            "First unordered record is record 2000\n"
            "Records: 3001\n"
            "Checksum: 5cb4caa14b0\n"
            "ERROR - there are 1 unordered records\n");
  EXPECT_EQ(rec::valsort_report(Summary{}), "there must be at least one record to be validated\n");
}

// ---- summary files
// --------------------------------------------------------------------------------

TEST(RecordsSummaryFile, LayoutFieldByField) {
  Summary s;
  s.first_unordered = 0x0102030405060708ull;
  s.unordered = 0x1112131415161718ull;
  s.records = 0x2122232425262728ull;
  s.duplicates = 0x3132333435363738ull;
  s.checksum = Uint128{0x4142434445464748ull, 0x5152535455565758ull};
  for (std::size_t i = 0; i < 100; ++i) {
    s.first.bytes[i] = static_cast<std::uint8_t>(i);
    s.last.bytes[i] = static_cast<std::uint8_t>(200 - i);
  }
  const auto e = rec::encode_summary(s);
  auto le64 = [&](std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
      v = v << 8 | e[at + i];
    return v;
  };
  // Five (high, low) pairs of little-endian 64-bit halves, then the two records.
  const std::uint64_t fields[10] = {0,
                                    s.first_unordered,
                                    0,
                                    s.unordered,
                                    0,
                                    s.records,
                                    0,
                                    s.duplicates,
                                    s.checksum.hi,
                                    s.checksum.lo};
  for (int f = 0; f < 10; ++f) {
    EXPECT_EQ(le64(8 * f), fields[f]) << "half " << f;
  }
  EXPECT_EQ(e[16 + 8], 0x18);  // the low byte of the low half comes first
  EXPECT_EQ(std::memcmp(e.data() + 80, s.first.bytes.data(), 100), 0);
  EXPECT_EQ(std::memcmp(e.data() + 180, s.last.bytes.data(), 100), 0);
  EXPECT_EQ(e.size(), 280u);
}

// `valsort -o` of crafted(), made by valsort 1.5 (built from the author's sources), `xxd -p`.
TEST(RecordsSummaryFile, MatchesValsortBytes) {
  const Bytes valsort = from_hex(
      "00000000000000000200000000000000000000000000000009000000000000000000000000000000"
      "160000000000000000000000000000000100000000000000000000000000000016d5df490d000000"
      "4a696d4772617952495065080060836b392cd58b8f5e55961855e79b87f02283a466b6aab1f9e0ca"
      "cf1e26b3292afd1064bb18b56ac07d6f656b1d2f430d57bde7e47d81f36a6dd267948bbc2397bfe2"
      "8c334e4ad82b8e70166293cfaa0116bfda3bb1ab72dc0ca51e333f324b7ae0abfe144100936a1493"
      "94358c7a6f1a8a3e1941ee5e2a2ee32386780c17174e14a4bcec8957dddcd9800ef88237feacf9e3"
      "abb80f28ba373f2ca9b0e954688aa5c0abe5b1e253af8ae47ac52f0fe10bcb67192e49553ec7af80");
  ASSERT_EQ(valsort.size(), 280u);
  const Summary s = rec::summarize(crafted());
  const auto e = rec::encode_summary(s);
  EXPECT_TRUE(std::equal(e.begin(), e.end(), valsort.begin()));
  expect_summary_eq(rec::decode_summary(std::span<const std::uint8_t, 280>(valsort.data(), 280)), s,
                    "decoded");
}

TEST(RecordsSummaryFile, PartFilesConcatenatedGiveTheWhole) {
  TempDir dir;
  const Bytes b = sorted_with_a_duplicate();
  const auto span = std::span<const std::uint8_t>(b);
  const std::size_t cuts[] = {0, 1, 999, 1000, 2500, 3001};
  Bytes all;
  for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
    const std::string path = dir.file("part" + std::to_string(i) + ".sum");
    rec::write_summary_file(
        path, rec::summarize(span.subspan(cuts[i] * 100, (cuts[i + 1] - cuts[i]) * 100)));
    const Bytes one = read_bytes(path);
    ASSERT_EQ(one.size(), 280u);
    all.insert(all.end(), one.begin(), one.end());
  }
  write_bytes(dir.file("all.sum"), all);
  const auto parts = rec::read_summary_file(dir.file("all.sum"));
  ASSERT_EQ(parts.size(), 5u);
  expect_summary_eq(rec::merge(parts), rec::summarize(b), "all.sum");
  write_bytes(dir.file("empty.sum"), Bytes{});
  EXPECT_TRUE(rec::read_summary_file(dir.file("empty.sum")).empty());
}

TEST(RecordsSummaryFile, RejectsWhatValsortCannotMean) {
  TempDir dir;
  EXPECT_THROW(rec::encode_summary(Summary{}), hypar::Error);  // no records
  const auto good = rec::encode_summary(rec::summarize(crafted()));
  auto decode_modified = [&](std::size_t at, std::uint8_t value) {
    auto e = good;
    e[at] = value;
    return rec::decode_summary(e);
  };
  EXPECT_NO_THROW(rec::decode_summary(good));
  EXPECT_THROW(decode_modified(32 + 8, 0), hypar::Error);  // 0 records
  EXPECT_THROW(decode_modified(32 + 7, 1), hypar::Error);  // 2^120 records
  EXPECT_THROW(decode_modified(0 + 8, 0), hypar::Error);   // unordered, but no first index
  EXPECT_THROW(decode_modified(16 + 8, 0), hypar::Error);  // a first index, but none unordered
  EXPECT_NO_THROW(decode_modified(64 + 7, 0xff));          // any checksum is possible
  // Files.
  const std::string missing = dir.file("no-such.sum");
  try {
    rec::read_summary_file(missing);
    FAIL() << "no exception";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  Bytes partial(good.begin(), good.end());
  partial.insert(partial.end(), good.begin(), good.begin() + 20);
  write_bytes(dir.file("partial.sum"), partial);
  try {
    rec::read_summary_file(dir.file("partial.sum"));
    FAIL() << "no exception";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find("partial"), std::string::npos) << e.what();
  }
  Bytes second_bad(good.begin(), good.end());
  second_bad.insert(second_bad.end(), good.begin(), good.end());
  second_bad[280 + 32 + 8] = 0;
  write_bytes(dir.file("bad.sum"), second_bad);
  try {
    rec::read_summary_file(dir.file("bad.sum"));
    FAIL() << "no exception";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find("summary 1 of"), std::string::npos) << e.what();
  }
  const std::string unwritable = dir.file("no-such-dir/x.sum");
  EXPECT_THROW(rec::write_summary_file(unwritable, rec::summarize(crafted())), hypar::Error);
}
