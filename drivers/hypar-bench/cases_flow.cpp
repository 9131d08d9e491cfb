// hypar-bench: a 3-stage pipeline (BENCHMARKS.md: at least equal to tbb::parallel_pipeline with the
// same stage bodies): 5 M integers; stage 1 (parallel) hashes, stage 2 (parallel) does a few
// rounds of arithmetic, stage 3 (serial, in order) sums. Both keep the order in the last stage.
// Both get the same number of worker threads: TBB an arena of `threads`, hypar threads/2 workers
// for each of its two parallel stages (the serial last stage is the calling thread in both).
// The Rust peer (rust_peers.hpp) is the seed's pipeline over crossbeam bounded(1024) channels
// with the same worker counts: threads/2 stage-1 workers claiming input items from a shared
// counter, threads/2 stage-2 workers, the calling thread restoring input order and summing.
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdint>
#include <hypar/core/threads.hpp>
#include <hypar/flow.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"
#include "rust_peers.hpp"

namespace hypar_bench {
namespace {

std::uint64_t stage_hash(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}
std::uint64_t stage_rounds(std::uint64_t x) {
  for (int k = 0; k < 16; ++k)
    x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

}  // namespace

HYPAR_BENCH_CASE("flow", "pipeline/3-stage") {
  const std::size_t n = opt.scaled(5'000'000, 1000);
  const std::size_t threads = opt.threads ? opt.threads : hypar::default_num_threads();
  auto input = std::make_shared<std::vector<std::uint64_t>>(n);
  for (std::size_t i = 0; i < n; ++i)
    (*input)[i] = i;
  std::uint64_t want = 0, order = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = stage_rounds(stage_hash(i));
    want += v;
    order = order * 31 + v;  // order-sensitive: the last stage must see input order
  }
  auto sum = std::make_shared<std::uint64_t>(0);
  auto seq = std::make_shared<std::uint64_t>(0);
  auto check = [=]() -> std::string {
    return *sum == want && *seq == order ? "" : "wrong sum or order of the last stage";
  };
  hypar_bench::Case c;
  c.input = std::to_string(n) + " integers, 3 stages (parallel, parallel, serial in order)";
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  c.add(
      "hypar::Pipeline", [=] { *sum = *seq = 0; },
      [=] {
        hypar::Pipeline::from(std::span<const std::uint64_t>(*input))
            .stage(stage_hash, {.workers = std::max<std::size_t>(1, threads / 2), .capacity = 1024})
            .stage(stage_rounds, {.workers = std::max<std::size_t>(1, threads / 2),
                                  .capacity = 1024,
                                  .ordered = true})
            .for_each([&](std::uint64_t v) {
              *sum += v;
              *seq = *seq * 31 + v;
            });
      },
      check);
  c.add(
      "tbb::parallel_pipeline", [=] { *sum = *seq = 0; },
      [=] {
        tbb::task_arena arena(static_cast<int>(threads));
        arena.execute([&] {
          std::size_t next = 0;
          tbb::parallel_pipeline(
              4 * threads,
              tbb::make_filter<void, std::uint64_t>(tbb::filter_mode::serial_in_order,
                                                    [&](tbb::flow_control& fc) -> std::uint64_t {
                                                      if (next == n) {
                                                        fc.stop();
                                                        return 0;
                                                      }
                                                      return (*input)[next++];
                                                    }) &
                  tbb::make_filter<std::uint64_t, std::uint64_t>(
                      tbb::filter_mode::parallel, [](std::uint64_t x) { return stage_hash(x); }) &
                  tbb::make_filter<std::uint64_t, std::uint64_t>(
                      tbb::filter_mode::parallel, [](std::uint64_t x) { return stage_rounds(x); }) &
                  tbb::make_filter<std::uint64_t, void>(tbb::filter_mode::serial_in_order,
                                                        [&](std::uint64_t v) {
                                                          *sum += v;
                                                          *seq = *seq * 31 + v;
                                                        }));
        });
      },
      check);
  add_rust_peer(c, "rust:crossbeam pipeline",
                "pipeline --items " + std::to_string(n) + " --threads " + std::to_string(threads),
                rust_equals("check", std::to_string(want) + ":" + std::to_string(order)));
  c.target("hypar::Pipeline", "tbb::parallel_pipeline", 1.0,
           "at least equal to tbb::parallel_pipeline");
  rust_target(c, "hypar::Pipeline", "rust:crossbeam pipeline", 1.0,
              "at least equal to the crossbeam pipeline");
  return c;
}

}  // namespace hypar_bench
