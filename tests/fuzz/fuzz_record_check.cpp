// Fuzzer: the record checker of `hypar-sort check` (hypar::records::summarize / extend / merge,
// records.hpp), which each rank runs on its share buffer by buffer and rank 0 merges in order.
// The input's last bytes choose the split points, a buffer size and the record layout; the rest
// becomes records: raw 100-byte records, or 3 bytes per record (two key bytes, one payload byte)
// so that equal and descending keys are common. Checked: the whole summary equals a reference
// written here (memcmp of the 10-byte keys of neighbours, zlib's crc32 summed in 128 bits, the
// first and last record); chunks summarised alone and merged in order (left to right, right to
// left, through extend() buffer by buffer as the driver does, and the ranks' share_of the records
// for any rank count) give the same summary; share_of splits any 64-bit total evenly; a summary
// survives valsort's 280-byte encoding; a span that is not whole records is refused; and any 280
// input bytes decode to a consistent summary or a hypar::Error.
#include <fuzzer/FuzzedDataProvider.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/io/record_files.hpp>
#include <hypar/io/records.hpp>
#include <limits>
#include <span>
#include <vector>

namespace {

namespace rec = hypar::records;
constexpr std::size_t R = rec::record_size;
constexpr std::size_t K = rec::key_size;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "record_check: %s\n", what);
  std::abort();
}

struct Reference {
  std::uint64_t records = 0, duplicates = 0, unordered = 0, first_unordered = 0;
  unsigned __int128 checksum = 0;
};

Reference reference(const std::vector<std::uint8_t>& bytes) {
  Reference r;
  r.records = bytes.size() / R;
  for (std::uint64_t i = 0; i < r.records; ++i) {
    const std::uint8_t* p = bytes.data() + i * R;
    r.checksum += crc32(0L, p, static_cast<uInt>(R));
    if (i == 0)
      continue;
    const int order = std::memcmp(p - R, p, K);
    if (order == 0) {
      ++r.duplicates;
    } else if (order > 0) {
      if (r.unordered == 0)
        r.first_unordered = i;
      ++r.unordered;
    }
  }
  return r;
}

void expect_reference(const rec::Summary& s, const Reference& want,
                      const std::vector<std::uint8_t>& bytes) {
  const unsigned __int128 sum =
      (static_cast<unsigned __int128>(s.checksum.hi) << 64) | s.checksum.lo;
  if (s.records != want.records || s.duplicates != want.duplicates ||
      s.unordered != want.unordered || s.first_unordered != want.first_unordered ||
      sum != want.checksum)
    fail("the summary of the whole differs from the reference");
  rec::Record first{}, last{};
  if (want.records > 0) {
    std::memcpy(first.bytes.data(), bytes.data(), R);
    std::memcpy(last.bytes.data(), bytes.data() + bytes.size() - R, R);
  }
  if (!(s.first == first) || !(s.last == last))
    fail("the first or last record of the summary is wrong");
}

std::span<const std::uint8_t> records_of(const std::vector<std::uint8_t>& bytes,
                                         std::uint64_t first, std::uint64_t count) {
  return std::span<const std::uint8_t>(bytes).subspan(first * R, count * R);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange<int>(0, 4);
  const std::size_t cut_count = in.ConsumeIntegralInRange<std::size_t>(0, 8);
  std::vector<std::uint16_t> raw_cuts;
  for (std::size_t i = 0; i < cut_count; ++i)
    raw_cuts.push_back(in.ConsumeIntegral<std::uint16_t>());
  const std::uint64_t buffer_records = in.ConsumeIntegralInRange<std::uint64_t>(1, 9);
  const int ranks = in.ConsumeIntegralInRange<int>(1, 9);
  const std::uint64_t huge_total = in.ConsumeIntegral<std::uint64_t>();
  const int huge_ranks = in.ConsumeIntegralInRange<int>(1, std::numeric_limits<int>::max());
  const std::vector<std::uint8_t> rest = in.ConsumeRemainingBytes<std::uint8_t>();

  if (mode == 4) {
    // Any 280 bytes as a valsort summary: a consistent summary or a clear error, never a crash.
    if (rest.size() < rec::summary_size)
      return 0;
    try {
      const rec::Summary s = rec::decode_summary(
          std::span<const std::uint8_t, rec::summary_size>(rest.data(), rec::summary_size));
      if (s.records == 0 || s.unordered > s.records || s.duplicates >= s.records ||
          (s.unordered == 0) != (s.first_unordered == 0) || s.first_unordered >= s.records)
        fail("decode_summary accepted an inconsistent summary");
      if (!(rec::decode_summary(rec::encode_summary(s)) == s))
        fail("a decoded summary does not survive encoding");
      (void)rec::valsort_report(rec::merge(s, s));
    } catch (const hypar::Error&) {
    }
    return 0;
  }

  std::vector<std::uint8_t> bytes;
  if (mode == 3) {
    bytes.assign(rest.begin(), rest.end() - static_cast<std::ptrdiff_t>(rest.size() % R));
    // Not whole records: every entry point refuses the span.
    if (rest.size() % R != 0) {
      bool refused = false;
      try {
        (void)rec::summarize(rest);
      } catch (const hypar::Error&) {
        refused = true;
      }
      if (!refused)
        fail("summarize accepted a span that is not whole records");
    }
  } else {
    // Compact: 3 bytes per record. Keys from a small alphabet (mode 0: 4 values per byte) collide.
    for (std::size_t i = 0; i + 3 <= rest.size(); i += 3) {
      std::uint8_t record[R];
      const std::uint8_t a = mode == 0 ? rest[i] & 3 : rest[i];
      const std::uint8_t b = mode == 0 ? rest[i + 1] & 1 : rest[i + 1];
      std::memset(record, 0, K);
      record[0] = a;
      record[mode == 2 ? K - 1 : 1] = b;  // mode 2: keys differing only in their last byte
      std::memset(record + K, rest[i + 2], R - K);
      bytes.insert(bytes.end(), record, record + R);
    }
  }
  const std::uint64_t n = bytes.size() / R;

  const Reference want = reference(bytes);
  const rec::Summary whole = rec::summarize(bytes);
  expect_reference(whole, want, bytes);

  // Chunks at record boundaries chosen by the input (empty chunks allowed).
  std::vector<std::uint64_t> cuts;
  for (const std::uint16_t c : raw_cuts)
    cuts.push_back(c % (n + 1));
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(n);
  std::vector<rec::Summary> parts;
  std::uint64_t start = 0;
  for (const std::uint64_t cut : cuts) {
    // As summarize_share in hypar-sort: extend() one buffer of buffer_records at a time.
    rec::Summary part;
    for (std::uint64_t done = start; done < cut;) {
      const std::uint64_t m = std::min(cut - done, buffer_records);
      rec::extend(part, records_of(bytes, done, m));
      done += m;
    }
    if (!(part == rec::summarize(records_of(bytes, start, cut - start))))
      fail("extend() buffer by buffer differs from summarize() of the chunk");
    parts.push_back(part);
    start = cut;
  }
  if (!(rec::merge(std::span<const rec::Summary>(parts)) == whole))
    fail("the chunks merged in order differ from the whole");
  rec::Summary right;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    right = rec::merge(*it, right);
  if (!(right == whole))
    fail("the chunks merged right to left differ from the whole");
  rec::Summary extended;
  start = 0;
  for (const std::uint64_t cut : cuts) {
    rec::extend(extended, records_of(bytes, start, cut - start));
    start = cut;
  }
  if (!(extended == whole))
    fail("extend() chunk after chunk differs from the whole");
  if (!(rec::checksum(bytes) == whole.checksum))
    fail("checksum() differs from the summary's checksum");

  // As hypar-sort check over `ranks` ranks: each summarises its share_of the records, rank 0
  // merges them in rank order.
  std::vector<rec::Summary> per_rank;
  for (int r = 0; r < ranks; ++r) {
    const rec::RecordRange share = rec::share_of(n, r, ranks);
    per_rank.push_back(rec::summarize(records_of(bytes, share.begin, share.count)));
  }
  if (!(rec::merge(std::span<const rec::Summary>(per_rank)) == whole))
    fail("the ranks' shares merged in rank order differ from the whole");
  // share_of for any 64-bit total: contiguous, covering, the first total % ranks one larger.
  // The first, last and middle ranks are checked against the formula (all of them would be
  // 2^31 calls).
  for (const int r : {0, 1, huge_ranks / 2, huge_ranks - 2, huge_ranks - 1}) {
    if (r < 0 || r >= huge_ranks)
      continue;
    const rec::RecordRange share = rec::share_of(huge_total, r, huge_ranks);
    const auto p = static_cast<std::uint64_t>(huge_ranks), k = static_cast<std::uint64_t>(r);
    const std::uint64_t base = huge_total / p, extra = huge_total % p;
    if (share.count != base + (k < extra ? 1 : 0) || share.begin != k * base + std::min(k, extra))
      fail("share_of differs from the even split");
    if (r == huge_ranks - 1 && share.begin + share.count != huge_total)
      fail("share_of's last share does not end at the total");
  }

  if (n > 0) {
    if (!(rec::decode_summary(rec::encode_summary(whole)) == whole))
      fail("a summary does not survive valsort's 280-byte encoding");
    const std::string report = rec::valsort_report(whole);
    if ((report.find("SUCCESS") != std::string::npos) != (want.unordered == 0))
      fail("valsort_report's verdict differs from the reference");
  }
  return 0;
}
