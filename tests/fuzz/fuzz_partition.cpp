// Fuzzer: hypar::dist::record_cuts, the cut finder of partition_files, for any data, delimiter,
// record size, chunk size and read block, with short reads, a file that shrank or grew since it
// was measured, and a read that fails. Checked: the chunks cover [0, size) exactly once (cuts
// strictly increasing, the last at size); a delimiter cut lies just after a delimiter; the cuts
// equal an independent reference of the rule; no read starts at or beyond size and no byte is read
// twice; a failed read gives no cuts and its errno.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <hypar/dist/partition.hpp>
#include <limits>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "record_cuts: %s\n", what);
  std::abort();
}

/// The rule, written out: a file of at most chunk bytes is one chunk; else each chunk ends just
/// after the first delimiter at or after start + chunk - 1 among the bytes the file holds now
/// (`visible`), unless there is none or it is the file's last measured byte or beyond.
std::vector<std::uint64_t> reference_cuts(std::uint64_t size, const std::vector<char>& visible,
                                          char delimiter, std::uint64_t chunk) {
  std::vector<std::uint64_t> cuts;
  std::uint64_t start = 0;
  while (size - start > chunk) {
    std::uint64_t j = start + chunk - 1;
    while (j < visible.size() && visible[j] != delimiter)
      ++j;
    if (j >= visible.size() || j + 1 >= size)
      break;
    cuts.push_back(j + 1);
    start = j + 1;
  }
  cuts.push_back(size);
  return cuts;
}

/// Fixed-size records: multiples of the largest multiple of the record size within chunk bytes.
std::vector<std::uint64_t> reference_record_cuts(std::uint64_t size, std::uint64_t record,
                                                 std::uint64_t chunk) {
  const std::uint64_t step = chunk < record ? record : chunk - chunk % record;
  std::vector<std::uint64_t> cuts;
  for (std::uint64_t c = step; c < size; c += step)
    cuts.push_back(c);
  cuts.push_back(size);
  return cuts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  hypar::dist::PartitionOptions o;
  const bool records = in.ConsumeIntegralInRange<int>(0, 7) == 0;
  o.delimiter = in.ConsumeBool() ? '\n' : static_cast<char>(in.ConsumeIntegral<std::uint8_t>());
  o.record_size = records ? in.ConsumeIntegralInRange<std::size_t>(1, 300) : 0;
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      o.chunk_bytes = in.ConsumeIntegralInRange<std::uint64_t>(1, 16);
      break;
    case 1:
      o.chunk_bytes = in.ConsumeIntegralInRange<std::uint64_t>(1, 4096);
      break;
    case 2:
      o.chunk_bytes = std::numeric_limits<std::uint64_t>::max() -
                      in.ConsumeIntegralInRange<std::uint64_t>(0, 2);
      break;
    default:
      o.chunk_bytes = in.ConsumeIntegral<std::uint64_t>() | 1;
      break;
  }
  const std::size_t block = in.ConsumeIntegralInRange<std::size_t>(1, 96);
  const std::size_t short_read = in.ConsumeIntegralInRange<std::size_t>(1, 128);  // most per read
  const int fail_at = in.ConsumeIntegralInRange<int>(0, 6);  // 0: no read fails
  const int change = in.ConsumeIntegralInRange<int>(0, 3);   // 1: shrank, 2: grew since measured
  const std::uint8_t change_by = in.ConsumeIntegral<std::uint8_t>();
  const std::vector<char> visible = [&] {
    const auto bytes = in.ConsumeRemainingBytes<std::uint8_t>();
    return std::vector<char>(bytes.begin(), bytes.end());
  }();
  std::uint64_t measured = visible.size();
  if (change == 1)
    measured += change_by;  // the file is now shorter than measured
  else if (change == 2)
    measured -= std::min<std::uint64_t>(change_by, measured);  // now longer

  int calls = 0;
  bool failed = false;
  std::uint64_t read_end = 0;  // no read may start before the end of the previous one
  auto read = [&](std::uint64_t offset, std::span<char> buffer) -> std::int64_t {
    if (buffer.empty() || buffer.size() > block)
      fail("the read buffer is empty or above the block size asked for");
    if (offset >= measured)
      fail("a read starts at or beyond the measured size");
    if (offset < read_end)
      fail("a byte is read twice");
    if (++calls == fail_at) {
      failed = true;
      return -EIO;
    }
    if (offset >= visible.size())
      return 0;
    const std::size_t n =
        std::min({buffer.size(), short_read, visible.size() - static_cast<std::size_t>(offset)});
    std::memcpy(buffer.data(), visible.data() + offset, n);
    read_end = offset + n;
    return static_cast<std::int64_t>(n);
  };
  int error = -1;
  const std::vector<std::uint64_t> cuts = hypar::dist::record_cuts(measured, o, read, error, block);
  if (failed) {
    if (error != EIO || !cuts.empty())
      fail("a failed read did not give EIO and no cuts");
    return 0;
  }
  if (error != 0)
    fail("an error without a failed read");
  if (cuts.empty() || cuts.back() != measured)
    fail("the last chunk does not end at the measured size");
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    if (cuts[i] <= previous && !(measured == 0 && cuts.size() == 1))
      fail("the chunks do not cover each byte once (cuts not strictly increasing)");
    if (cuts[i] < measured) {
      if (records && cuts[i] % o.record_size != 0)
        fail("a cut inside a fixed-size record");
      if (!records && (cuts[i] > visible.size() || visible[cuts[i] - 1] != o.delimiter))
        fail("a cut not just after a delimiter");
      if (!records && cuts[i] - previous < o.chunk_bytes)
        fail("a chunk shorter than chunk_bytes before the last");
    }
    previous = cuts[i];
  }
  const std::vector<std::uint64_t> want =
      records ? reference_record_cuts(measured, o.record_size, o.chunk_bytes)
              : reference_cuts(measured, visible, o.delimiter, o.chunk_bytes);
  if (cuts != want)
    fail("the cuts differ from the reference");
  return 0;
}
