#pragma once
// The Sort Benchmark's 100-byte records (sortbenchmark.org, Hadoop TeraSort): a 10-byte key
// compared as unsigned bytes and a 90-byte payload. A generator that reproduces gensort 1.5 byte
// for byte (binary, ASCII `-a`, skewed `-s`; plus Hadoop TeraGen's layout), from any record number
// without generating the ones before it; the checksum gensort `-c` and valsort print; and
// valsort's mergeable summary with its 280-byte summary files (`valsort -o` / `valsort -s`).
//
// What gensort 1.5 does (learnt from gensort.c / rand16.c of gensort 1.5 by Chris Nyberg, and from
// Hadoop's terasort GenSort.java / Random16.java / TeraGen.java; checked against gensort and
// valsort 1.5 built from source):
// - rand16 is the 128-bit LCG X(k+1) = (a X(k) + c) mod 2^128 from X(0) = 0, with
//   a = 0x2360ed051fc65da44385df649fccf645 and c = 0x4a696d47726179524950202020202001.
// - Record r is built from X(r+1) (binary: X(r+1) .. X(r+10)); the record number itself appears
//   only in the ASCII and TeraGen layouts. So any range of records is generated after one O(log r)
//   skip-ahead, with no communication between the ranks that generate the other ranges.
// The layouts, byte by byte, are documented at RecordFormat.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hypar::records {

inline constexpr std::size_t record_size = 100;   ///< bytes in a record
inline constexpr std::size_t key_size = 10;       ///< the leading bytes that are the sort key
inline constexpr std::size_t payload_size = 90;   ///< the bytes after the key
inline constexpr std::size_t summary_size = 280;  ///< bytes in a valsort summary (`-o` file)

/// One record by value: 100 bytes, no padding, trivially copyable, so an array of records is
/// exactly the bytes of a record file.
struct Record {
  std::array<std::uint8_t, record_size> bytes{};

  /// The 10 key bytes.
  std::span<const std::uint8_t, key_size> key() const noexcept {
    return std::span<const std::uint8_t, key_size>(bytes.data(), key_size);
  }
  /// The 90 payload bytes.
  std::span<const std::uint8_t, payload_size> payload() const noexcept {
    return std::span<const std::uint8_t, payload_size>(bytes.data() + key_size, payload_size);
  }
  friend bool operator==(const Record&, const Record&) = default;
};
static_assert(sizeof(Record) == record_size && alignof(Record) == 1,
              "a Record must be exactly the 100 bytes of a record file, with no padding");

/// The sort order of records: key bytes compared as unsigned bytes, `memcmp(a, b, 10) < 0`
/// (valsort's order). `a` and `b` point at records (or at least at 10 key bytes). Cost: one
/// 10-byte compare.
bool key_less(const std::uint8_t* a, const std::uint8_t* b) noexcept;
/// key_less on two Record values.
bool key_less(const Record& a, const Record& b) noexcept;

/// An unsigned 128-bit number as two 64-bit halves, the width gensort and valsort count and sum in.
/// Addition wraps modulo 2^128.
struct Uint128 {
  std::uint64_t hi = 0;  ///< bits 64..127
  std::uint64_t lo = 0;  ///< bits 0..63

  constexpr Uint128& operator+=(Uint128 b) noexcept {
    lo += b.lo;
    hi += b.hi + (lo < b.lo ? 1 : 0);
    return *this;
  }
  friend constexpr Uint128 operator+(Uint128 a, Uint128 b) noexcept { return a += b; }
  friend constexpr bool operator==(const Uint128&, const Uint128&) = default;
};

/// `v` in lowercase hexadecimal without leading zeros ("0" for zero), exactly as gensort `-c`
/// and valsort print a checksum (rand16.c's u16_to_hex: `%llx` of the high half, then `%016llx`
/// of the low half when the high half is nonzero; otherwise `%llx` of the low half).
std::string to_hex(Uint128 v);
/// `v` in decimal, as valsort prints its counts.
std::string to_dec(Uint128 v);

// ---- rand16: gensort's 128-bit linear congruential generator ----------------------------------

/// One step of rand16: (a x + c) mod 2^128 with gensort's a and c. Cost: one 128-bit multiply.
Uint128 random16_next(Uint128 x) noexcept;
/// `n` steps of rand16 from `x` (f^n(x)), in O(log n) multiplies: composes the precomputed
/// squarings f^(2^i) for the set bits of n, so it equals n calls of random16_next.
Uint128 random16_skip(Uint128 x, std::uint64_t n) noexcept;
/// X(n) = f^n(0), the n-th number of gensort's sequence (gensort's skip_ahead_rand(n), Hadoop's
/// Random16.skipAhead(n)); record r starts from X(r+1). Cost: O(log n) multiplies.
Uint128 random16(std::uint64_t n) noexcept;

// ---- generation ---------------------------------------------------------------------------------

/// The record layouts. In each, R = X(r+1) for record r, R.hi / R.lo its high / low 64 bits,
/// "bytes of v" are big-endian (most significant first), and hex digits are uppercase '0'-'9',
/// 'A'-'F'.
enum class RecordFormat {
  /// gensort 1.5's default ("Indy" binary records): bytes 10k .. 10k+9 (k = 0..9) are the top 10
  /// bytes of X(r+1+k) XOR a fixed 80-bit constant per k (k = 0: none). The whole record is
  /// pseudo-random; the key is the top 10 bytes of X(r+1).
  binary,
  /// gensort 1.5 `-a` (PennySort / JouleSort records, printable): bytes 0..7 are ' ' + the base-95
  /// digits of R.hi (least significant first), bytes 8..9 the two lowest base-95 digits of R.lo;
  /// bytes 10..11 "  "; bytes 12..43 the 128-bit record number r as 32 hex digits; bytes 44..45
  /// "  "; bytes 46..97 thirteen runs of 4 equal hex digits, the digits of (R.lo >> 48) & 0xF,
  /// (R.lo >> 44) & 0xF, ..., R.lo & 0xF; bytes 98..99 "\r\n".
  ascii,
  /// Hadoop TeraGen's records (GenSort.java's generateRecord, from gensort 1.1): bytes 0..9 the top
  /// 10 bytes of R; bytes 10..11 0x00 0x11; bytes 12..43 r as 32 hex digits; bytes 44..47
  /// 0x88 0x99 0xAA 0xBB; bytes 48..95 twelve runs of 4 equal hex digits of (R.lo >> 44) & 0xF,
  /// ...,
  /// R.lo & 0xF; bytes 96..99 0xCC 0xDD 0xEE 0xFF. No skewed variant.
  teragen,
};

/// What generate() writes.
struct GenOptions {
  RecordFormat format = RecordFormat::binary;
  /// gensort `-s`: skewed keys (binary or ascii only). For record r, s = skew_index(r) is the
  /// number of significant bits of r (0 for r = 0; gensort gives 64 to every r >= 2^60, its
  /// "highest bit set" test looks at the top 4 bits), and the skew bytes are the first 6 key bytes
  /// of the unskewed record s of the same format. Binary: the top b bits of the key are replaced
  /// by the top b bits of the skew bytes, b = (R.lo >> 32) & 63, none when b > 48. ASCII: the first
  /// n key bytes are replaced by the first n skew bytes, n = (R.lo >> 32) & 7, none when n > 6.
  bool skew = false;
};

/// Writes records first .. first+count-1 into `out`, which must hold exactly count * 100 bytes.
/// The bytes are those of `gensort [-a] [-s] -bFIRST COUNT FILE` (TeraGen: of rows first ..
/// first+count-1), so the output is the same whether made in one call or in any split into
/// ranges. Sequential code it equals: the loop of gensort's main(). Cost: one O(log first)
/// skip-ahead, then one 128-bit multiply and 100 byte stores per record (measured on one core
/// here: binary 2.4 GB/s, TeraGen 1.3 GB/s, ASCII 0.9 GB/s: its key takes 9 divisions by 95).
/// Throws hypar::Error when out.size() != count * 100, when first + count exceeds 2^64 (record
/// numbers are 64-bit here; gensort allows 128), or for skew with RecordFormat::teragen.
void generate(std::uint64_t first, std::uint64_t count, const GenOptions& options,
              std::span<std::uint8_t> out);

/// A stream of records from a first record number, for filling buffers one after another: a
/// Generator(first, o) filled with n1 then n2 records writes what generate(first, n1 + n2, o, ...)
/// writes. Holds the next 10 generator values; copying it copies the position.
class Generator {
 public:
  /// Positions at record `first`. Cost: one O(log first) skip-ahead. Throws hypar::Error for skew
  /// with RecordFormat::teragen.
  explicit Generator(std::uint64_t first, const GenOptions& options = {});

  /// Writes the next out.size() / 100 records and advances past them. Throws hypar::Error when
  /// out.size() is not a multiple of 100 or the record numbers would pass 2^64 - 1.
  void fill(std::span<std::uint8_t> out);

  /// The number of the record the next fill() starts with (0 again once record 2^64 - 1 is
  /// written, after which fill() throws).
  std::uint64_t position() const noexcept { return next_; }
  /// The options given at construction.
  const GenOptions& options() const noexcept { return options_; }

 private:
  GenOptions options_;
  std::uint64_t next_ = 0;
  bool exhausted_ = false;          // record 2^64 - 1 was written: nothing follows
  std::array<Uint128, 10> ring_{};  // X(next+1) .. X(next+10), starting at head_
  std::size_t head_ = 0;
};

// ---- checksum -----------------------------------------------------------------------------------

/// zlib's crc32 of one 100-byte record (hypar::kernels::crc32, equal to zlib's `crc32(0, rec,
/// 100)`). Cost: about 15 ns (measured here).
std::uint32_t record_crc32(const std::uint8_t* record) noexcept;

/// The checksum of gensort `-c` and valsort: the sum over the records of their crc32, as an
/// unsigned 128-bit number (print it with to_hex). A sum, so the checksum of a concatenation is the
/// sum of the parts' and does not depend on the records' order. Throws hypar::Error when
/// records.size() is not a multiple of 100.
Uint128 checksum(std::span<const std::uint8_t> records);

// ---- validation (valsort) -----------------------------------------------------------------------

/// What valsort learns from a sequence of records, and all it needs to check a concatenation of
/// sequences from their summaries alone (valsort's struct summary).
struct Summary {
  std::uint64_t records = 0;     ///< number of records
  Uint128 checksum;              ///< sum of the records' crc32 (see checksum())
  std::uint64_t duplicates = 0;  ///< adjacent pairs with equal keys (valsort's "Duplicate keys")
  std::uint64_t unordered = 0;   ///< records whose key is below the previous record's
  /// 0-based index of the first such record; 0 when unordered == 0 (record 0 is never unordered,
  /// so 0 means none, as in valsort).
  std::uint64_t first_unordered = 0;
  Record first;  ///< the first record (zero when records == 0)
  Record last;   ///< the last record (zero when records == 0)

  /// True when no record is out of order (valsort's SUCCESS).
  bool ordered() const noexcept { return unordered == 0; }
  friend bool operator==(const Summary&, const Summary&) = default;
};

/// Summarises `records` (a whole number of 100-byte records; none gives the empty summary).
/// Sequential code it equals: valsort's summarize_records() (binary key order, not `-i`). Cost:
/// one crc32 and one key compare per record. Throws hypar::Error when records.size() is not a
/// multiple of 100.
Summary summarize(std::span<const std::uint8_t> records);

/// Appends `records` to the sequence `summary` describes: afterwards summary equals the summary of
/// the old records followed by these. For summarising a file buffer by buffer. Throws like
/// summarize().
void extend(Summary& summary, std::span<const std::uint8_t> records);

/// The summary of the records of `left` followed by those of `right` (valsort's sum_summaries()
/// step: the boundary pair counts as a duplicate or an unordered record like any other pair).
/// Associative, with the empty summary as identity, so per-rank or per-part summaries can be
/// combined in any grouping as long as their order is kept.
Summary merge(const Summary& left, const Summary& right);
/// The summaries of consecutive parts, merged in order (the empty summary for none).
Summary merge(std::span<const Summary> parts);

/// The text valsort 1.5 writes to stderr for `summary` (without -q): "First unordered record is
/// record N" when there is one, "Records: N", "Checksum: HEX", then "ERROR - there are N unordered
/// records" or "Duplicate keys: N" and "SUCCESS - all records are in order", each line ending in
/// '\n'. For an empty summary, valsort's refusal "there must be at least one record to be
/// validated\n". valsort exits 1 exactly when !summary.ordered() (or the summary is empty).
std::string valsort_report(const Summary& summary);

/// valsort 1.5's binary summary (`valsort -o FILE`, read back by `valsort -s`): five unsigned
/// 128-bit numbers, each as its high then its low 64-bit half, little-endian (valsort writes its
/// struct as it lies in memory on the x86-64 and arm64 machines it runs on): first_unordered,
/// unordered, records, duplicates, checksum; then the first and the last record. 280 bytes.
/// Throws hypar::Error for an empty summary (valsort never writes one: it refuses empty input).
std::array<std::uint8_t, summary_size> encode_summary(const Summary& summary);

/// Reads a 280-byte valsort summary. Throws hypar::Error when it counts no records or more than
/// 2^64 - 1 (counts are 64-bit here), or when its unordered count and first unordered index
/// disagree (one zero, the other not).
Summary decode_summary(std::span<const std::uint8_t, summary_size> bytes);

/// Writes `summary` to `path` as valsort `-o` does (280 bytes; replaced if it exists). Throws
/// hypar::Error naming the path when it cannot be written, or as encode_summary().
void write_summary_file(const std::string& path, const Summary& summary);

/// Reads a file of concatenated summaries (what `cat part*.sum > all.sum` makes for `valsort -s`),
/// in file order; merge() of the result is what valsort -s reports. An empty file gives none.
/// Throws hypar::Error naming the path when it cannot be read, when its size is not a multiple of
/// 280 bytes ("partial partition summary found at end"), or as decode_summary() with the index of
/// the bad summary.
std::vector<Summary> read_summary_file(const std::string& path);

}  // namespace hypar::records
