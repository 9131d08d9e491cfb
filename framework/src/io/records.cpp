// The Sort Benchmark's records: gensort 1.5's generator, its checksum and valsort's summaries.
//
// Design notes.
// - rand16 in closed form: f(x) = a x + c, so f^n(x) = A_n x + C_n with (A_1, C_1) = (a, c) and
//   composition (A, C) o (A', C') = (A A', A C' + C) (mod 2^128). The 64 squarings f^(2^i) are
//   computed once at compile time; a skip-ahead composes those of the set bits of n. They commute
//   (all are powers of f), so the order of composition does not matter.
// - A Generator keeps the ten values X(r+1) .. X(r+10) that record r needs in a ring: moving to the
//   next record replaces the oldest with one LCG step, so a stream costs one multiply per record
//   whatever the layout.
// - The skew tables of gensort.c (129 rows of 6 bytes for binary and for ASCII keys) are, row s,
//   the first 6 key bytes of the unskewed record s (the top 6 bytes of X(s+1), resp. its first 6
//   printable key characters); they are computed here at compile time from that rule (all 129 rows
//   were checked against gensort.c). Only rows 0..60 and 64 are reachable with 64-bit record
//   numbers.
// - valsort's summary merge is a monoid: counts add, the boundary pair (last key of the left, first
//   key of the right) is judged like any adjacent pair, and the first unordered index is the first
//   one found from the left. extend() and summarize() are merge() of one record at a time, written
//   as a loop.
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/io/records.hpp>
#include <hypar/kernels/checksum.hpp>
#include <string>

namespace hypar::records {

namespace {

__extension__ typedef unsigned __int128 u128;

constexpr u128 make_u128(std::uint64_t hi, std::uint64_t lo) {
  return (static_cast<u128>(hi) << 64) | lo;
}
constexpr u128 to_native(Uint128 v) {
  return make_u128(v.hi, v.lo);
}
constexpr Uint128 from_native(u128 v) {
  return Uint128{static_cast<std::uint64_t>(v >> 64), static_cast<std::uint64_t>(v)};
}

constexpr u128 lcg_a = make_u128(0x2360ed051fc65da4ull, 0x4385df649fccf645ull);
constexpr u128 lcg_c = make_u128(0x4a696d4772617952ull, 0x4950202020202001ull);

// f^n as x -> a x + c.
struct Affine {
  u128 a;
  u128 c;
};

// f^(2^i) for i = 0..63: the square of f^(2^(i-1)) is (a a, a c + c).
struct PowerTable {
  std::array<Affine, 64> p{};
};

constexpr PowerTable make_powers() {
  PowerTable t;
  t.p[0] = Affine{lcg_a, lcg_c};
  for (std::size_t i = 1; i < t.p.size(); ++i) {
    const Affine& h = t.p[i - 1];
    t.p[i] = Affine{h.a * h.a, h.a * h.c + h.c};
  }
  return t;
}

constexpr PowerTable powers = make_powers();

constexpr u128 lcg_next(u128 x) {
  return lcg_a * x + lcg_c;
}

constexpr u128 lcg_skip(u128 x, std::uint64_t n) {
  for (std::size_t i = 0; n != 0; ++i, n >>= 1) {
    if (n & 1)
      x = powers.p[i].a * x + powers.p[i].c;
  }
  return x;
}

// gensort's ASCII key: ' ' + base-95 digits of the high half (8), then of the low half (2).
constexpr void ascii_key(u128 r, std::uint8_t* out) {
  std::uint64_t t = static_cast<std::uint64_t>(r >> 64);
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(' ' + t % 95);
    t /= 95;
  }
  t = static_cast<std::uint64_t>(r);
  out[8] = static_cast<std::uint8_t>(' ' + t % 95);
  t /= 95;
  out[9] = static_cast<std::uint8_t>(' ' + t % 95);
}

// The top `n` bytes of r, most significant first.
constexpr void top_bytes(u128 r, std::uint8_t* out, int n) {
  for (int i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(r >> (120 - 8 * i));
}

constexpr int skew_bytes = 6;
constexpr int skew_rows = 65;  // skew_index() of a 64-bit record number is 0..60 or 64

struct SkewTables {
  std::array<std::array<std::uint8_t, skew_bytes>, skew_rows> binary{};
  std::array<std::array<std::uint8_t, skew_bytes>, skew_rows> ascii{};
};

constexpr SkewTables make_skew_tables() {
  SkewTables t;
  u128 x = 0;
  for (int s = 0; s < skew_rows; ++s) {
    x = lcg_next(x);  // X(s+1), the key source of record s
    top_bytes(x, t.binary[s].data(), skew_bytes);
    std::uint8_t key[key_size]{};
    ascii_key(x, key);
    for (int i = 0; i < skew_bytes; ++i)
      t.ascii[s][i] = key[i];
  }
  return t;
}

constexpr SkewTables skew_tables = make_skew_tables();
// Two rows of each table as printed in gensort.c, as a compile-time check of the rule above.
static_assert(skew_tables.binary[0][0] == 0x4a && skew_tables.binary[0][5] == 0x61 &&
                  skew_tables.binary[64][0] == 0x33 && skew_tables.binary[64][5] == 0x70,
              "binary skew rows must be the top bytes of X(s+1) (gensort.c's Skew_binary)");
static_assert(skew_tables.ascii[0][0] == 'A' && skew_tables.ascii[0][5] == 'H' &&
                  skew_tables.ascii[64][0] == 'i' && skew_tables.ascii[64][5] == 'S',
              "ASCII skew rows must be the ASCII keys of X(s+1) (gensort.c's Skew_ascii)");

// gensort's get_skew_index for a record number below 2^64: the bit length of r, except that every
// r with any of its top 4 bits set gets 64 (gensort tests `lo8 & 0xF000000000000000`).
constexpr int skew_index(std::uint64_t r) {
  if (r >> 60 != 0)
    return 64;
  return static_cast<int>(std::bit_width(r));
}

// The XOR constants of gensort's binary records: bytes 10k .. 10k+9 of the record are the top 10
// bytes of X(r+1+k) XOR row k (row 0, the key, is zero).
constexpr std::uint8_t binary_xor[10][10] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {0xF0, 0xE8, 0xE4, 0xE2, 0xE1, 0xD8, 0xD4, 0xD2, 0xD1, 0xCC},
    {0xCA, 0xC9, 0xC6, 0xC5, 0xC3, 0xB8, 0xB4, 0xB2, 0xB1, 0xAC},
    {0xAA, 0xA9, 0xA6, 0xA5, 0xA3, 0x9C, 0x9A, 0x99, 0x96, 0x95},
    {0x93, 0x8E, 0x8D, 0x8B, 0x87, 0x78, 0x74, 0x72, 0x71, 0x6C},
    {0x6A, 0x69, 0x66, 0x65, 0x63, 0x5C, 0x5A, 0x59, 0x56, 0x55},
    {0x53, 0x4E, 0x4D, 0x4B, 0x47, 0x3C, 0x3A, 0x39, 0x36, 0x35},
    {0x33, 0x2E, 0x2D, 0x2B, 0x27, 0x1E, 0x1D, 0x1B, 0x17, 0x0F},
    {0xC8, 0xC4, 0xC2, 0xC1, 0x98, 0x94, 0x92, 0x91, 0x8C, 0xE0},
    {0x17, 0x0F, 0x33, 0x2E, 0x2D, 0x2B, 0x27, 0x1E, 0x1D, 0x1B},
};

constexpr char hex_upper(unsigned v) {
  return static_cast<char>(v < 10 ? '0' + v : 'A' + (v - 10));
}

// r as 32 uppercase hex digits (the high 64 bits are zero here).
void record_number_hex(std::uint64_t r, std::uint8_t* out) {
  std::memset(out, '0', 16);
  for (int i = 0; i < 16; ++i)
    out[16 + i] = static_cast<std::uint8_t>(hex_upper((r >> (60 - 4 * i)) & 0xF));
}

void write_binary(const std::array<Uint128, 10>& ring, std::size_t head, std::uint8_t* out) {
  for (std::size_t k = 0; k < 10; ++k) {
    std::size_t j = head + k;
    if (j >= 10)
      j -= 10;
    const Uint128 x = ring[j];
    std::uint8_t* p = out + 10 * k;
    for (int i = 0; i < 8; ++i)
      p[i] = static_cast<std::uint8_t>(x.hi >> (56 - 8 * i)) ^ binary_xor[k][i];
    p[8] = static_cast<std::uint8_t>(x.lo >> 56) ^ binary_xor[k][8];
    p[9] = static_cast<std::uint8_t>(x.lo >> 48) ^ binary_xor[k][9];
  }
}

void skew_binary(std::uint64_t r, Uint128 x, std::uint8_t* out) {
  int bits = static_cast<int>((x.lo >> 32) & 0x3F);
  if (bits > 8 * skew_bytes)
    bits = 0;  // a quarter of the records keep their key
  const std::uint8_t* skew = skew_tables.binary[skew_index(r)].data();
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    out[i] = skew[i];
  if (bits > 0) {
    const auto low_mask = static_cast<std::uint8_t>(0xFF >> bits);
    out[i] = static_cast<std::uint8_t>((skew[i] & ~low_mask) | (out[i] & low_mask));
  }
}

void write_ascii(std::uint64_t r, Uint128 x, std::uint8_t* out) {
  ascii_key(to_native(x), out);
  out[10] = ' ';
  out[11] = ' ';
  record_number_hex(r, out + 12);
  out[44] = ' ';
  out[45] = ' ';
  for (int g = 0; g < 13; ++g)
    std::memset(out + 46 + 4 * g, hex_upper((x.lo >> (48 - 4 * g)) & 0xF), 4);
  out[98] = '\r';
  out[99] = '\n';
}

void skew_ascii(std::uint64_t r, Uint128 x, std::uint8_t* out) {
  int n = static_cast<int>((x.lo >> 32) & 0x7);
  if (n > skew_bytes)
    n = 0;
  std::memcpy(out, skew_tables.ascii[skew_index(r)].data(), static_cast<std::size_t>(n));
}

void write_teragen(std::uint64_t r, Uint128 x, std::uint8_t* out) {
  top_bytes(to_native(x), out, 10);
  out[10] = 0x00;
  out[11] = 0x11;
  record_number_hex(r, out + 12);
  out[44] = 0x88;
  out[45] = 0x99;
  out[46] = 0xAA;
  out[47] = 0xBB;
  for (int g = 0; g < 12; ++g)
    std::memset(out + 48 + 4 * g, hex_upper((x.lo >> (44 - 4 * g)) & 0xF), 4);
  out[96] = 0xCC;
  out[97] = 0xDD;
  out[98] = 0xEE;
  out[99] = 0xFF;
}

void check_options(const GenOptions& options) {
  if (options.skew && options.format == RecordFormat::teragen)
    throw Error(
        "hypar::records: skewed keys exist for the gensort layouts (binary, ascii) only, not for "
        "RecordFormat::teragen");
}

void check_whole_records(std::size_t bytes, const char* what) {
  if (bytes % record_size != 0)
    throw Error(std::string("hypar::records::") + what + ": " + std::to_string(bytes) +
                " bytes is not a whole number of 100-byte records (" +
                std::to_string(bytes % record_size) + " bytes left over)");
}

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

void store_le64(std::uint64_t v, std::uint8_t* p) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

bool key_less(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  return std::memcmp(a, b, key_size) < 0;
}

bool key_less(const Record& a, const Record& b) noexcept {
  return key_less(a.bytes.data(), b.bytes.data());
}

std::string to_hex(Uint128 v) {
  char buf[40];
  if (v.hi == 0)
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v.lo));
  else
    std::snprintf(buf, sizeof buf, "%llx%016llx", static_cast<unsigned long long>(v.hi),
                  static_cast<unsigned long long>(v.lo));
  return buf;
}

std::string to_dec(Uint128 v) {
  u128 x = to_native(v);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(x % 10)));
    x /= 10;
  } while (x != 0);
  std::reverse(digits.begin(), digits.end());
  return digits;
}

Uint128 random16_next(Uint128 x) noexcept {
  return from_native(lcg_next(to_native(x)));
}

Uint128 random16_skip(Uint128 x, std::uint64_t n) noexcept {
  return from_native(lcg_skip(to_native(x), n));
}

Uint128 random16(std::uint64_t n) noexcept {
  return from_native(lcg_skip(0, n));
}

// ---- generation ---------------------------------------------------------------------------------

Generator::Generator(std::uint64_t first, const GenOptions& options)
    : options_(options), next_(first) {
  check_options(options_);
  u128 x = lcg_skip(0, first);
  for (auto& slot : ring_) {
    x = lcg_next(x);
    slot = from_native(x);
  }
}

void Generator::fill(std::span<std::uint8_t> out) {
  check_whole_records(out.size(), "Generator::fill");
  const std::uint64_t count = out.size() / record_size;
  if (count == 0)
    return;
  if (exhausted_ || count - 1 > ~std::uint64_t{0} - next_)
    throw Error("hypar::records::Generator::fill: " + std::to_string(count) +
                " records from record " +
                (exhausted_ ? std::string("2^64") : std::to_string(next_)) +
                " pass record 2^64 - 1, the last one with a 64-bit number");
  std::uint8_t* p = out.data();
  for (std::uint64_t n = 0; n < count; ++n, p += record_size) {
    const std::uint64_t r = next_;
    const Uint128 x = ring_[head_];  // X(r+1)
    switch (options_.format) {
      case RecordFormat::binary:
        write_binary(ring_, head_, p);
        if (options_.skew)
          skew_binary(r, x, p);
        break;
      case RecordFormat::ascii:
        write_ascii(r, x, p);
        if (options_.skew)
          skew_ascii(r, x, p);
        break;
      case RecordFormat::teragen:
        write_teragen(r, x, p);
        break;
    }
    // X(r+11) replaces X(r+1): the ring then holds X(r+2) .. X(r+11).
    const std::size_t newest = head_ == 0 ? 9 : head_ - 1;
    ring_[head_] = random16_next(ring_[newest]);
    head_ = head_ == 9 ? 0 : head_ + 1;
    if (++next_ == 0)
      exhausted_ = true;
  }
}

void generate(std::uint64_t first, std::uint64_t count, const GenOptions& options,
              std::span<std::uint8_t> out) {
  check_options(options);
  if (count > out.size() / record_size || out.size() != count * record_size)
    throw Error("hypar::records::generate: " + std::to_string(count) + " records need " +
                std::to_string(static_cast<unsigned long long>(count) * record_size) +
                " bytes, the output holds " + std::to_string(out.size()));
  if (count != 0 && count - 1 > ~std::uint64_t{0} - first)
    throw Error("hypar::records::generate: records " + std::to_string(first) + " + " +
                std::to_string(count) + " pass record 2^64 - 1, the last one with a 64-bit number");
  Generator g(first, options);
  g.fill(out);
}

// ---- checksum -----------------------------------------------------------------------------------

std::uint32_t record_crc32(const std::uint8_t* record) noexcept {
  return kernels::crc32(std::as_bytes(std::span<const std::uint8_t>(record, record_size)));
}

Uint128 checksum(std::span<const std::uint8_t> records) {
  check_whole_records(records.size(), "checksum");
  // Sum in 64 bits in blocks: 2^32 records of at most 2^32 - 1 cannot overflow a block's sum.
  Uint128 total;
  const std::uint8_t* p = records.data();
  std::size_t left = records.size() / record_size;
  while (left > 0) {
    const std::size_t block = std::min<std::size_t>(left, std::size_t{1} << 31);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < block; ++i, p += record_size)
      sum += record_crc32(p);
    total += Uint128{0, sum};
    left -= block;
  }
  return total;
}

// ---- validation ---------------------------------------------------------------------------------

void extend(Summary& s, std::span<const std::uint8_t> records) {
  check_whole_records(records.size(), "extend");
  const std::size_t n = records.size() / record_size;
  if (n == 0)
    return;
  const std::uint8_t* p = records.data();
  const std::uint8_t* prev = nullptr;
  std::size_t i = 0;
  if (s.records == 0) {
    std::memcpy(s.first.bytes.data(), p, record_size);
  } else {
    prev = s.last.bytes.data();
  }
  std::uint64_t sum = 0;  // crc sums of up to 2^32 records fit; flushed below
  std::uint64_t index = s.records;
  for (; i < n; ++i, p += record_size, ++index) {
    sum += record_crc32(p);
    if ((i & 0x7fffffff) == 0x7fffffff) {
      s.checksum += Uint128{0, sum};
      sum = 0;
    }
    if (prev != nullptr) {
      const int diff = std::memcmp(prev, p, key_size);
      if (diff == 0) {
        ++s.duplicates;
      } else if (diff > 0) {
        if (s.unordered == 0)
          s.first_unordered = index;
        ++s.unordered;
      }
    }
    prev = p;
  }
  s.checksum += Uint128{0, sum};
  s.records += n;
  std::memcpy(s.last.bytes.data(), prev, record_size);
}

Summary summarize(std::span<const std::uint8_t> records) {
  Summary s;
  extend(s, records);
  return s;
}

Summary merge(const Summary& left, const Summary& right) {
  if (left.records == 0)
    return right;
  if (right.records == 0)
    return left;
  Summary s = left;
  const int diff = std::memcmp(left.last.bytes.data(), right.first.bytes.data(), key_size);
  if (diff == 0) {
    ++s.duplicates;
  } else if (diff > 0) {
    if (s.unordered == 0)
      s.first_unordered = left.records;
    ++s.unordered;
  }
  if (s.unordered == 0 && right.unordered != 0)
    s.first_unordered = left.records + right.first_unordered;
  s.unordered += right.unordered;
  s.records += right.records;
  s.duplicates += right.duplicates;
  s.checksum += right.checksum;
  s.last = right.last;
  return s;
}

Summary merge(std::span<const Summary> parts) {
  Summary s;
  for (const Summary& part : parts)
    s = merge(s, part);
  return s;
}

std::string valsort_report(const Summary& s) {
  if (s.records == 0)
    return "there must be at least one record to be validated\n";
  std::string out;
  if (!s.ordered())
    out += "First unordered record is record " + std::to_string(s.first_unordered) + "\n";
  out += "Records: " + std::to_string(s.records) + "\n";
  out += "Checksum: " + to_hex(s.checksum) + "\n";
  if (!s.ordered()) {
    out += "ERROR - there are " + std::to_string(s.unordered) + " unordered records\n";
  } else {
    out += "Duplicate keys: " + std::to_string(s.duplicates) + "\n";
    out += "SUCCESS - all records are in order\n";
  }
  return out;
}

std::array<std::uint8_t, summary_size> encode_summary(const Summary& s) {
  if (s.records == 0)
    throw Error(
        "hypar::records::encode_summary: the summary counts no records; valsort has no summary "
        "of empty input (it refuses it), so none is written");
  std::array<std::uint8_t, summary_size> out{};
  const Uint128 fields[5] = {Uint128{0, s.first_unordered}, Uint128{0, s.unordered},
                             Uint128{0, s.records}, Uint128{0, s.duplicates}, s.checksum};
  for (int f = 0; f < 5; ++f) {
    store_le64(fields[f].hi, out.data() + 16 * f);
    store_le64(fields[f].lo, out.data() + 16 * f + 8);
  }
  std::memcpy(out.data() + 80, s.first.bytes.data(), record_size);
  std::memcpy(out.data() + 180, s.last.bytes.data(), record_size);
  return out;
}

Summary decode_summary(std::span<const std::uint8_t, summary_size> bytes) {
  static constexpr const char* names[5] = {"first unordered record", "unordered count",
                                           "record count", "duplicate count", "checksum"};
  Uint128 fields[5];
  for (int f = 0; f < 5; ++f)
    fields[f] = Uint128{load_le64(bytes.data() + 16 * f), load_le64(bytes.data() + 16 * f + 8)};
  for (int f = 0; f < 4; ++f) {
    if (fields[f].hi != 0)
      throw Error(std::string("hypar::records::decode_summary: the ") + names[f] + " " +
                  to_dec(fields[f]) + " is 2^64 or more (counts here are 64-bit)");
  }
  Summary s;
  s.first_unordered = fields[0].lo;
  s.unordered = fields[1].lo;
  s.records = fields[2].lo;
  s.duplicates = fields[3].lo;
  s.checksum = fields[4];
  if (s.records == 0)
    throw Error(
        "hypar::records::decode_summary: the summary counts no records (valsort never writes "
        "such a summary; is this a valsort -o file?)");
  if ((s.unordered == 0) != (s.first_unordered == 0) || s.unordered > s.records ||
      s.first_unordered >= s.records || s.duplicates >= s.records)
    throw Error("hypar::records::decode_summary: inconsistent summary (" +
                std::to_string(s.records) + " records, " + std::to_string(s.unordered) +
                " unordered, the first at " + std::to_string(s.first_unordered) + ", " +
                std::to_string(s.duplicates) + " duplicates); is this a valsort -o file?");
  std::memcpy(s.first.bytes.data(), bytes.data() + 80, record_size);
  std::memcpy(s.last.bytes.data(), bytes.data() + 180, record_size);
  return s;
}

void write_summary_file(const std::string& path, const Summary& summary) {
  const auto bytes = encode_summary(summary);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    throw Error("hypar::records: cannot create the summary file '" + path +
                "': " + std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed)
    throw Error("hypar::records: cannot write the summary file '" + path +
                "': " + std::strerror(written ? errno : write_errno));
}

std::vector<Summary> read_summary_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    throw Error("hypar::records: cannot open the summary file '" + path +
                "': " + std::strerror(errno));
  std::vector<Summary> out;
  std::array<std::uint8_t, summary_size> buf{};
  for (;;) {
    const std::size_t got = std::fread(buf.data(), 1, buf.size(), f);
    if (got == buf.size()) {
      try {
        out.push_back(decode_summary(buf));
      } catch (const Error& e) {
        std::fclose(f);
        throw Error("hypar::records: summary " + std::to_string(out.size()) + " of '" + path +
                    "' (at byte " + std::to_string(out.size() * summary_size) + "): " + e.what());
      }
      continue;
    }
    const bool failed = std::ferror(f) != 0;
    const int read_errno = errno;
    std::fclose(f);
    if (failed)
      throw Error("hypar::records: cannot read the summary file '" + path +
                  "': " + std::strerror(read_errno));
    if (got != 0)
      throw Error("hypar::records: partial partition summary found at the end of '" + path +
                  "': " + std::to_string(got) + " bytes after " + std::to_string(out.size()) +
                  " whole summaries of 280 bytes");
    return out;
  }
}

}  // namespace hypar::records
