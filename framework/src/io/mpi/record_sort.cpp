// hypar::records::sort_files (io/record_sort.hpp): the design is described there.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <hypar/chan/channel.hpp>
#include <hypar/core/error.hpp>
#include <hypar/core/interrupt.hpp>
#include <hypar/dist/sort.hpp>
#include <hypar/flow/pipeline.hpp>
#include <hypar/io/files.hpp>
#include <hypar/io/record_files.hpp>
#include <hypar/io/record_sort.hpp>
#include <hypar/io/shared_output.hpp>
#include <hypar/par.hpp>
#include <hypar/sort.hpp>
#include <hypar/sort/large_buffer.hpp>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <type_traits>

namespace hypar::records {

namespace {

using Clock = std::chrono::steady_clock;
using dist::Communicator;

double lap(Clock::time_point& t0) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t0).count();
  t0 = now;
  return s;
}

/// Runs `body` and agrees across the ranks whether it failed anywhere; on failure every rank
/// throws hypar::Error with all ranks' messages ("rank R: ...", joined). Collective: one
/// MPI_Allreduce (O(log p)) when every rank succeeded; the messages travel only after a failure.
template <class Body>
void agreed(const Communicator& comm, Body&& body) {
  std::string error;
  try {
    body();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty())
      error = "unknown error";
  }
  if (comm.all_reduce(error.empty() ? 0 : 1, dist::maximum{}) == 0)
    return;
  std::vector<std::string> mine;
  if (!error.empty())
    mine.push_back(comm.size() > 1 ? "rank " + std::to_string(comm.rank()) + ": " + error : error);
  const std::vector<std::string> all = comm.all_gather(mine);
  if (all.empty())
    return;
  std::string joined;
  for (const auto& m : all)
    joined += (joined.empty() ? "" : "; ") + m;
  throw Error(joined);
}

// ---- the inputs ---------------------------------------------------------------------------------

/// Commits `out` (collective); when any rank failed, throws on every rank hypar::Error with all
/// ranks' messages joined. `error` is this rank's own failure ("" when it wrote everything).
void commit_or_throw(const Communicator& comm, io::SharedOutput& out, const std::string& error) {
  std::vector<std::string> errors;
  const bool ok = out.commit(error, errors);
  std::string joined;
  for (const auto& m : errors)
    joined += (joined.empty() ? "" : "; ") + m;
  comm.broadcast(joined, 0);
  if (!ok)
    throw Error(joined);
}

/// Pieces of about `piece` records that split [0, count) for parallel reads and writes.
std::size_t pieces_of(std::uint64_t count, std::uint64_t piece) {
  return static_cast<std::size_t>((count + piece - 1) / std::max<std::uint64_t>(piece, 1));
}

/// Runs body(k) for every piece k in parallel; the first exception is rethrown after all ended.
template <class Body>
void for_pieces(std::size_t pieces, Body&& body) {
  std::exception_ptr failure;
  std::mutex mutex;
  hypar::par_range(std::size_t{0}, pieces).for_each([&](std::size_t k) {
    try {
      body(k);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure)
        failure = std::current_exception();
    }
  });
  if (failure)
    std::rethrow_exception(failure);
}

std::uint64_t peak_rss_bytes() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
}

/// A record as the in-memory sort holds it: 100 bytes without an initialiser, so that a
/// LargeBuffer of them is not cleared before the read fills it.
struct RawRecord {
  std::array<std::uint8_t, record_size> bytes;
};
static_assert(sizeof(RawRecord) == record_size && std::is_trivial_v<RawRecord>);

/// The key of a record as a value (memcmp order is std::array<uint8_t>'s order).
using Key = std::array<std::uint8_t, key_size>;
Key key_of(const RawRecord& r) noexcept {
  Key k;
  std::memcpy(k.data(), r.bytes.data(), key_size);
  return k;
}

// ---- in memory ----------------------------------------------------------------------------------

struct RankResult {
  std::uint64_t written = 0;
  std::uint64_t runs = 0;
  SortPhaseTimes times;
};

RankResult sort_in_memory(const Communicator& comm, RecordFiles& input, const RecordRange& share,
                          const std::string& output, const SortFilesOptions& o) {
  RankResult result;
  auto t0 = Clock::now();
  hypar::LargeBuffer<RawRecord> local;  // huge pages; every buffer of the sort below is one too
  agreed(comm, [&] {
    local.resize(static_cast<std::size_t>(share.count));
    for_pieces(pieces_of(share.count, o.buffer_records), [&](std::size_t k) {
      const std::uint64_t lo = k * o.buffer_records;
      const std::uint64_t n = std::min(o.buffer_records, share.count - lo);
      input.read(share.begin + lo, n, local[static_cast<std::size_t>(lo)].bytes.data());
      if (o.progress != nullptr)
        o.progress->add(n);
    });
  });
  result.times.read = lap(t0);

  dist::SortStats stats;
  dist::par_sort_by_key(comm, local, key_of, dist::SortOptions{.stable = true, .stats = &stats});
  result.times.sample = stats.sample;
  result.times.exchange = stats.exchange;
  result.times.local_sort = stats.local_sort;
  t0 = Clock::now();

  // Each rank's slice goes at 100 x the records on the ranks before it (or into its own part).
  const std::vector<std::uint64_t> held = comm.all_gather(static_cast<std::uint64_t>(local.size()));
  std::uint64_t before = 0;
  for (int r = 0; r < comm.rank(); ++r)
    before += held[static_cast<std::size_t>(r)];
  const std::uint64_t base = o.parts ? 0 : before * record_size;
  io::SharedOutput out(comm, output, o.parts, o.sync);
  std::string error;
  try {
    const std::uint64_t n = local.size();
    for_pieces(pieces_of(n, o.buffer_records), [&](std::size_t k) {
      const std::uint64_t lo = k * o.buffer_records;
      const std::uint64_t count = std::min(o.buffer_records, n - lo);
      out.write_at(local[static_cast<std::size_t>(lo)].bytes.data(), count * record_size,
                   base + lo * record_size);
      if (o.progress != nullptr)
        o.progress->add(count);
    });
  } catch (const std::exception& e) {
    error = e.what();
  }
  commit_or_throw(comm, out, error);
  result.written = local.size();
  result.times.write = lap(t0);
  return result;
}

// ---- out of core --------------------------------------------------------------------------------

/// A record tagged with its position in the concatenated input, laid out so that its first 18
/// bytes (key, then the position big-endian) are its unique sort key: sorting tagged records by
/// those bytes is a stable sort of the records by key.
struct Tagged {
  std::array<std::uint8_t, key_size + 8> order;  ///< key bytes, then the position, big-endian
  std::array<std::uint8_t, payload_size> payload;
};
static_assert(sizeof(Tagged) == record_size + 8 && alignof(Tagged) == 1);
using OrderKey = std::array<std::uint8_t, key_size + 8>;

Tagged tag(const std::uint8_t* record, std::uint64_t position) noexcept {
  Tagged t;
  std::memcpy(t.order.data(), record, key_size);
  for (int b = 0; b < 8; ++b)
    t.order[key_size + static_cast<std::size_t>(b)] =
        static_cast<std::uint8_t>(position >> (56 - 8 * b));
  std::memcpy(t.payload.data(), record + key_size, payload_size);
  return t;
}

/// The record of a tagged record, as it goes to the output.
void untag(const Tagged& t, std::uint8_t* out) noexcept {
  std::memcpy(out, t.order.data(), key_size);
  std::memcpy(out + key_size, t.payload.data(), payload_size);
}

/// A sample for the splitters: the key and position of one record.
struct Splitter {
  OrderKey order;
  friend bool operator<(const Splitter& a, const Splitter& b) { return a.order < b.order; }
};

/// The p - 1 splitters of the out-of-core sort: 1024 stratified samples from each rank's share
/// (as many per rank as its share holds, at most), read straight from the files; fewer beyond
/// 1024 ranks (at least 64), so that the all-gathered samples, which every rank holds and sorts,
/// stay near 2^20 (18 MiB) instead of growing with p. Collective.
std::vector<Splitter> sample_splitters(const Communicator& comm, RecordFiles& input,
                                       const RecordRange& share) {
  const std::uint64_t per_rank = std::clamp<std::uint64_t>(
      (std::uint64_t{1} << 20) / static_cast<std::uint64_t>(comm.size()), 64, 1024);
  std::vector<Splitter> samples;
  agreed(comm, [&] {
    const std::uint64_t wanted = std::min(per_rank, share.count);
    std::array<std::uint8_t, record_size> record;
    for (std::uint64_t k = 0; k < wanted; ++k) {
      const std::uint64_t lo = k * share.count / wanted, hi = (k + 1) * share.count / wanted;
      hypar::detail::sorting::SplitMix rng{k * 0x9E3779B97F4A7C15ull +
                                           static_cast<std::uint64_t>(comm.rank())};
      const std::uint64_t at = share.begin + lo + rng.next() % (hi - lo);
      input.read(at, 1, record.data());
      samples.push_back({tag(record.data(), at).order});
    }
  });
  std::vector<Splitter> all = comm.all_gather(samples);
  std::sort(all.begin(), all.end());
  std::vector<Splitter> splitters;
  const auto p = static_cast<std::size_t>(comm.size());
  for (std::size_t j = 1; j < p && !all.empty(); ++j)
    splitters.push_back(all[all.size() * j / p]);
  return splitters;
}

/// A run of tagged records in memory.
using Run = std::vector<Tagged>;
using RunPtr = std::shared_ptr<Run>;

/// One spilled run: its file and how many tagged records it holds.
struct SpilledRun {
  std::string path;
  std::uint64_t count = 0;
  RemoveOnInterrupt interrupt_guard;  ///< removes the file on SIGINT/SIGTERM
};

/// The spill files of one rank; removes every one of them when destroyed.
struct SpillFiles {
  std::vector<SpilledRun> runs;
  SpillFiles() = default;
  SpillFiles(const SpillFiles&) = delete;
  SpillFiles& operator=(const SpillFiles&) = delete;
  ~SpillFiles() {
    for (const auto& r : runs)
      ::unlink(r.path.c_str());
  }
};

/// Writes `run` to a new spill file in `dir` (named after rank 0's PID, this rank and the run's
/// number) and records it in `files`. Throws hypar::Error naming the file.
void spill(const Run& run, const std::string& dir, long pid, int rank, SpillFiles& files) {
  const std::string path = (dir.empty() ? std::string(".") : dir) + "/.hypar-sort-run-" +
                           std::to_string(pid) + "-" + std::to_string(rank) + "-" +
                           std::to_string(files.runs.size());
  RemoveOnInterrupt interrupt_guard(path);  // before the file exists: no window without it
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw Error("cannot create the spill file " + path + ": " + std::strerror(errno));
  files.runs.push_back({path, 0, std::move(interrupt_guard)});
  try {
    io::pwrite_exact(fd, path, run.data(), run.size() * sizeof(Tagged), 0);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0)
    throw Error("close of the spill file " + path + " failed: " + std::strerror(errno));
  files.runs.back().count = run.size();
}

/// Sorts a run by its 18-byte order keys (unique, so any order-correct sort is the stable one).
void sort_run(Run& run) {
  hypar::par_sort_unstable_by_key(run, [](const Tagged& t) { return t.order; });
}

/// Reads one spilled run sequentially, a buffer at a time.
class RunReader {
 public:
  RunReader(const SpilledRun& run, std::size_t buffer)
      : path_(run.path), left_(run.count), buffer_(std::max<std::size_t>(buffer, 1)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw Error("cannot open the spill file " + path_ + ": " + std::strerror(errno));
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    try {
      refill();
    } catch (...) {
      ::close(fd_);
      throw;
    }
  }
  RunReader(const RunReader&) = delete;
  RunReader& operator=(const RunReader&) = delete;
  ~RunReader() { ::close(fd_); }

  bool empty() const noexcept { return at_ == buffer_.size() && left_ == 0; }
  const Tagged& head() const noexcept { return buffer_[at_]; }
  /// Moves past the head; refills the buffer when it runs out.
  void pop() {
    if (++at_ == buffer_.size() && left_ > 0)
      refill();
  }

 private:
  void refill() {
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(left_, std::max<std::size_t>(capacity(), 1)));
    buffer_.resize(n);
    io::pread_exact(fd_, path_, buffer_.data(), n * sizeof(Tagged), offset_);
    offset_ += n * sizeof(Tagged);
    left_ -= n;
    at_ = 0;
  }
  std::size_t capacity() const noexcept { return buffer_.capacity(); }

  std::string path_;
  std::uint64_t left_;
  std::uint64_t offset_ = 0;
  std::vector<Tagged> buffer_;
  std::size_t at_ = 0;
  int fd_ = -1;
};

/// Merges the spilled runs into `out` at `base` (k-way, by the order keys, with a binary heap of
/// the run heads), writing each filled buffer on a writer thread while the next one is merged.
/// Returns the records written.
std::uint64_t merge_runs(const SpillFiles& files, std::size_t read_buffer, std::size_t write_buffer,
                         const io::SharedOutput& out, std::uint64_t base, Progress* progress) {
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const auto& run : files.runs)
    if (run.count > 0)
      readers.push_back(std::make_unique<RunReader>(run, read_buffer));
  // Heap of run indices ordered by their heads (smallest on top).
  auto greater = [&readers](std::size_t a, std::size_t b) {
    return readers[b]->head().order < readers[a]->head().order;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(greater)> heap(greater);
  for (std::size_t i = 0; i < readers.size(); ++i)
    heap.push(i);

  // The writer: buffers go to it through a channel and come back through another (two buffers).
  using Buffer = std::shared_ptr<std::vector<std::uint8_t>>;
  struct Filled {
    Buffer buffer;
    std::size_t bytes;
    std::uint64_t offset;
  };
  auto [to_writer, writer_in] = hypar::bounded<Filled>(1);
  auto [to_merger, merger_in] = hypar::bounded<Buffer>(2);
  for (int i = 0; i < 2; ++i)
    to_merger.send(std::make_shared<std::vector<std::uint8_t>>(write_buffer * record_size));
  std::exception_ptr write_failure;
  std::thread writer([&, rx = std::move(writer_in), back = std::move(to_merger)]() mutable {
    for (Filled f : rx) {
      if (!write_failure) {
        try {
          out.write_at(f.buffer->data(), f.bytes, f.offset);
        } catch (...) {
          write_failure = std::current_exception();
        }
      }
      back.send(std::move(f.buffer));
    }
  });
  std::uint64_t written = 0;
  std::exception_ptr merge_failure;
  try {
    while (!heap.empty()) {
      std::optional<Buffer> buffer = merger_in.recv();
      if (!buffer)
        throw Error("the merge's writer thread ended early");
      std::uint8_t* dst = (*buffer)->data();
      std::size_t n = 0;
      while (n < write_buffer && !heap.empty()) {
        const std::size_t top = heap.top();
        heap.pop();
        untag(readers[top]->head(), dst + n * record_size);
        ++n;
        readers[top]->pop();
        if (!readers[top]->empty())
          heap.push(top);
      }
      to_writer.send(Filled{std::move(*buffer), n * record_size, base + written * record_size});
      written += n;
      if (progress != nullptr)
        progress->add(n);
    }
  } catch (...) {
    merge_failure = std::current_exception();
  }
  to_writer.close();
  writer.join();
  if (merge_failure)
    std::rethrow_exception(merge_failure);
  if (write_failure)
    std::rethrow_exception(write_failure);
  return written;
}

RankResult sort_out_of_core(const Communicator& comm, RecordFiles& input, const RecordRange& share,
                            const std::string& output, const SortFilesOptions& o) {
  RankResult result;
  const auto p = static_cast<std::uint64_t>(comm.size());
  auto t0 = Clock::now();
  const std::vector<Splitter> splitters = sample_splitters(comm, input, share);
  result.times.sample = lap(t0);

  // The budget: two run buffers of run_cap tagged records (one filling, one being sorted or
  // spilled; the sort needs as much again for its scratch), and per round a read buffer, a send
  // buffer and what arrives (chunk records each, a few times that for a skewed receive).
  const std::uint64_t tagged = sizeof(Tagged);
  const std::uint64_t chunk =
      std::clamp<std::uint64_t>(o.memory / (16 * tagged * p), 1, o.buffer_records);
  const std::uint64_t run_cap = std::max<std::uint64_t>(o.memory / (4 * tagged), 2 * chunk * p);
  std::uint64_t rounds = (share.count + chunk - 1) / chunk;
  rounds = comm.all_reduce(rounds, dist::maximum{});

  long pid = static_cast<long>(::getpid());
  comm.broadcast(pid, 0);
  const std::string dir = !o.tmp_dir.empty() ? o.tmp_dir
                          : output.find('/') == std::string::npos
                              ? std::string(".")
                              : output.substr(0, output.rfind('/') + 1);
  SpillFiles files;

  // The sort-and-spill pipeline: full runs go in through `runs`, sorted runs are spilled by the
  // sink and their buffers handed back through `free_runs` (so at most two buffers ever exist).
  auto [runs_tx, runs_rx] = hypar::bounded<RunPtr>(1);
  auto [free_tx, free_rx] = hypar::bounded<RunPtr>(2);
  for (int i = 0; i < 2; ++i) {
    auto run = std::make_shared<Run>();
    run->reserve(static_cast<std::size_t>(run_cap + chunk * p));
    free_tx.send(std::move(run));
  }
  std::atomic<bool> pipeline_failed{false};
  std::exception_ptr pipeline_failure;
  double sort_seconds = 0, spill_seconds = 0;
  std::thread background([&, rx = std::move(runs_rx), back = free_tx]() mutable {
    try {
      hypar::Pipeline::from(std::move(rx))
          .stage(
              [&sort_seconds](RunPtr run) {
                auto t = Clock::now();
                sort_run(*run);
                sort_seconds += lap(t);
                return run;
              },
              {.workers = 1, .capacity = 1})
          .for_each([&](RunPtr run) {
            auto t = Clock::now();
            spill(*run, dir, pid, comm.rank(), files);
            spill_seconds += lap(t);
            run->clear();
            back.send(std::move(run));
          });
    } catch (...) {
      pipeline_failure = std::current_exception();
      pipeline_failed = true;
    }
    back.close();
  });
  free_tx.close();

  // Rounds: read a chunk, tag and classify it, exchange, append what arrived to the run.
  std::string error;
  RunPtr current;
  auto& free_in = free_rx;  // a plain name: Clang 14 cannot capture a structured binding
  auto take_free = [&]() -> RunPtr {
    std::optional<RunPtr> r = free_in.recv();
    if (!r)
      throw Error("the sort pipeline stopped");
    return std::move(*r);
  };
  std::vector<std::uint8_t> raw;
  std::vector<Tagged> send;
  std::vector<std::uint32_t> dest;
  double read_seconds = 0, exchange_seconds = 0;
  try {
    current = take_free();
    raw.resize(static_cast<std::size_t>(chunk * record_size));
    send.resize(static_cast<std::size_t>(chunk));
    dest.resize(static_cast<std::size_t>(chunk));
  } catch (const std::exception& e) {
    error = e.what();
  }
  for (std::uint64_t round = 0; round < rounds; ++round) {
    // Every rank learns whether any failed before the round's exchange (a failed rank still
    // takes part in this agreement, so no rank waits alone in the all-to-all).
    const int failed = comm.all_reduce(error.empty() && !pipeline_failed ? 0 : 1, dist::maximum{});
    if (failed != 0)
      break;
    std::vector<std::size_t> counts(static_cast<std::size_t>(p), 0);
    std::size_t n = 0;
    try {
      auto t = Clock::now();
      const std::uint64_t first = share.begin + round * chunk;
      n = static_cast<std::size_t>(
          round * chunk < share.count ? std::min(chunk, share.count - round * chunk) : 0);
      input.read(first, n, raw.data());
      if (o.progress != nullptr)
        o.progress->add(n);
      read_seconds += lap(t);
      for (std::size_t i = 0; i < n; ++i) {
        const Splitter s{tag(raw.data() + i * record_size, first + i).order};
        dest[i] = static_cast<std::uint32_t>(
            std::upper_bound(splitters.begin(), splitters.end(), s) - splitters.begin());
        ++counts[dest[i]];
      }
      std::vector<std::size_t> next(static_cast<std::size_t>(p), 0);
      for (std::size_t r = 1; r < p; ++r)
        next[r] = next[r - 1] + counts[r - 1];
      for (std::size_t i = 0; i < n; ++i)
        send[next[dest[i]]++] = tag(raw.data() + i * record_size, first + i);
    } catch (const std::exception& e) {
      error = e.what();
      std::fill(counts.begin(), counts.end(), 0);
    }
    auto t = Clock::now();
    const std::vector<Tagged> received = comm.all_to_all(send, counts);  // its first n are sent
    exchange_seconds += lap(t);
    if (!error.empty())
      continue;
    try {
      current->insert(current->end(), received.begin(), received.end());
      if (current->size() >= run_cap) {
        runs_tx.send(std::move(current));
        current = take_free();
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  // The last run: sorted here and written directly when nothing was spilled (this rank's share
  // fitted after all), else spilled like the others and merged.
  runs_tx.close();
  background.join();
  // Free what the rounds held before the merge takes its buffers: the idle run buffers and the
  // round buffers (the memory budget is spent twice otherwise).
  while (free_rx.try_recv()) {
  }
  std::vector<std::uint8_t>().swap(raw);
  std::vector<Tagged>().swap(send);
  std::vector<std::uint32_t>().swap(dest);
  const bool spilled_any = !files.runs.empty();
  if (pipeline_failure) {  // its reason wins over "the sort pipeline stopped"
    try {
      std::rethrow_exception(pipeline_failure);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  result.times.read = read_seconds;
  result.times.exchange = exchange_seconds;
  result.times.local_sort = sort_seconds;
  result.times.spill = spill_seconds;
  t0 = Clock::now();
  std::uint64_t mine = 0;
  for (const auto& r : files.runs)
    mine += r.count;
  if (current)
    mine += current->size();
  if (error.empty() && current && !current->empty()) {
    try {
      sort_run(*current);
      result.times.local_sort += lap(t0);
      if (spilled_any) {
        spill(*current, dir, pid, comm.rank(), files);
        result.times.spill += lap(t0);
        current.reset();
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agreed(comm, [&] {
    if (!error.empty())
      throw Error(error);
  });

  // The output: this rank's records go at 100 x the records of the ranks before it.
  const std::vector<std::uint64_t> held = comm.all_gather(mine);
  std::uint64_t before = 0;
  for (int r = 0; r < comm.rank(); ++r)
    before += held[static_cast<std::size_t>(r)];
  const std::uint64_t base = o.parts ? 0 : before * record_size;
  io::SharedOutput out(comm, output, o.parts, o.sync);
  try {
    if (spilled_any) {
      const std::size_t read_buffer = static_cast<std::size_t>(std::max<std::uint64_t>(
          1,
          std::min<std::uint64_t>(o.buffer_records, o.memory / (2 * tagged * files.runs.size()))));
      const std::size_t write_buffer = static_cast<std::size_t>(std::max<std::uint64_t>(
          1, std::min<std::uint64_t>(o.buffer_records, o.memory / (8 * record_size))));
      result.written = merge_runs(files, read_buffer, write_buffer, out, base, o.progress);
      result.times.merge = lap(t0);
    } else if (current) {
      // Untag in buffers and write (the run itself is the memory; one buffer more).
      std::vector<std::uint8_t> buffer(static_cast<std::size_t>(
          std::min<std::uint64_t>(o.buffer_records, current->size()) * record_size));
      for (std::size_t lo = 0; lo < current->size(); lo += o.buffer_records) {
        const std::size_t n = std::min<std::size_t>(o.buffer_records, current->size() - lo);
        for (std::size_t i = 0; i < n; ++i)
          untag((*current)[lo + i], buffer.data() + i * record_size);
        out.write_at(buffer.data(), n * record_size, base + lo * record_size);
        if (o.progress != nullptr)
          o.progress->add(n);
      }
      result.written = current->size();
    }
    error.clear();
  } catch (const std::exception& e) {
    error = e.what();
  }
  commit_or_throw(comm, out, error);
  result.times.write = lap(t0);
  result.runs = files.runs.size();
  return result;
}

}  // namespace

SortFilesReport sort_files(const Communicator& comm, const std::vector<std::string>& inputs,
                           const std::string& output, const SortFilesOptions& options) {
  const auto start = Clock::now();
  SortFilesOptions o = options;
  o.buffer_records = std::max<std::uint64_t>(o.buffer_records, 1);
  SortFilesReport report;
  report.inputs = expand_inputs(comm, inputs);
  RecordFiles input(report.inputs, measure_inputs(comm, report.inputs));
  report.records = input.total();
  const RecordRange share = share_of(report.records, comm.rank(), comm.size());
  // In memory when every rank's share fits three times (its records, the exchange's copy, the
  // local sort's scratch); the ranks decide together so they all take the same path.
  const std::uint64_t largest = (report.records + static_cast<std::uint64_t>(comm.size()) - 1) /
                                static_cast<std::uint64_t>(comm.size());
  const bool in_memory = o.memory == 0 || largest * record_size * 3 <= o.memory;
  const RankResult mine = in_memory ? sort_in_memory(comm, input, share, output, o)
                                    : sort_out_of_core(comm, input, share, output, o);
  report.rank_records = comm.all_gather(mine.written);
  const auto max_of = [&comm](double v) { return comm.all_reduce(v, dist::maximum{}); };
  report.times.read = max_of(mine.times.read);
  report.times.sample = max_of(mine.times.sample);
  report.times.exchange = max_of(mine.times.exchange);
  report.times.local_sort = max_of(mine.times.local_sort);
  report.times.spill = max_of(mine.times.spill);
  report.times.merge = max_of(mine.times.merge);
  report.times.write = max_of(mine.times.write);
  report.runs = comm.all_reduce(mine.runs, std::plus<>{});
  report.out_of_core = report.runs > 0;
  report.peak_rss_bytes = comm.all_reduce(peak_rss_bytes(), dist::maximum{});
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace hypar::records
