// Seed pattern "Work Stealing Pattern": items of very different cost, moved into a parallel
// iterator; idle threads steal the remaining splits. A shared atomic counter reports progress
// every 1000 items, as in the seed; then the same with hypar::Progress and .with_progress(p),
// which draws a bar on a terminal and a line per tenth of the work in a log.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <string>
#include <vector>

struct WorkItem {
  std::vector<std::uint8_t> data;
  std::uint32_t priority;
};

// "Processing" an item: a checksum whose cost grows with the priority; fails on empty data.
struct Outcome {
  bool ok;
  std::uint64_t checksum;
};

Outcome process_item(WorkItem item) {
  if (item.data.empty())
    return {false, 0};
  std::uint64_t h = 1469598103934665603ull;
  for (std::uint32_t round = 0; round <= item.priority; ++round) {
    for (std::uint8_t b : item.data)
      h = (h ^ b) * 1099511628211ull;
  }
  return {true, h};
}

std::vector<WorkItem> make_items(std::size_t n) {
  std::vector<WorkItem> items(n);
  for (std::size_t i = 0; i < n; ++i) {
    items[i].priority = static_cast<std::uint32_t>((i * 7919) % 50);  // uneven costs
    items[i].data.assign(i % 97 == 0 ? 0 : 64 + i % 64, static_cast<std::uint8_t>(i));
  }
  return items;
}

int main() {
  const std::size_t n = 20'000;
  std::atomic<std::size_t> counter{0};

  std::vector<Outcome> results = hypar::into_par_iter(make_items(n))
                                     .map([&](WorkItem item) {
                                       const std::size_t processed =
                                           counter.fetch_add(1, std::memory_order_relaxed);
                                       if (processed % 1000 == 0)
                                         std::fprintf(stderr, "Processed %zu items\n", processed);
                                       return process_item(std::move(item));
                                     })
                                     .collect<std::vector<Outcome>>();

  // The same with hypar::Progress: thread-safe counting, drawing on a thread of its own.
  std::vector<Outcome> again;
  std::uint64_t counted = 0;
  {
    hypar::Progress progress(n, "work stealing");
    again = hypar::into_par_iter(make_items(n))
                .with_progress(progress)
                .map(process_item)
                .collect<std::vector<Outcome>>();
    counted = progress.position();
  }

  // Check against a sequential run.
  const std::vector<WorkItem> reference = make_items(n);
  std::size_t failures = 0;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Outcome expect = process_item(reference[i]);
    if (!results[i].ok)
      ++failures;
    if (results[i].ok != expect.ok || results[i].checksum != expect.checksum)
      ++mismatches;
    if (i < again.size() && (again[i].ok != expect.ok || again[i].checksum != expect.checksum))
      ++mismatches;
  }
  std::printf("%zu items, %zu failed (empty data), counter %zu\n", results.size(), failures,
              counter.load());
  if (results.size() != n || again.size() != n || mismatches != 0 || counter.load() != n ||
      counted != n) {
    std::fprintf(stderr, "MISMATCH: %zu results differ\n", mismatches);
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
