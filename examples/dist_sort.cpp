// hypar-example: ranks 3
// A distributed sort: every rank makes its own random keys (rank 0 ten times as many, to show
// the balancing), hypar::dist::par_sort sorts them across the ranks, and every rank ends with a
// sorted slice of about n/p keys, the slices in rank order. Checked by counts, a checksum and the
// boundaries between neighbouring ranks. Run: mpirun -n 3 dist_sort
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  hypar::dist::Communicator comm = env.world();

  std::mt19937_64 rng(1234 + static_cast<unsigned>(comm.rank()));
  std::vector<std::uint64_t> keys(comm.rank() == 0 ? 1'000'000 : 100'000);
  for (auto& k : keys)
    k = rng() % 1'000'000'000;
  const std::uint64_t n = comm.all_reduce(static_cast<std::uint64_t>(keys.size()), std::plus<>{});
  auto checksum = [](const std::vector<std::uint64_t>& v) {
    std::uint64_t s = 0;
    for (auto k : v)
      s += k * 0x9E3779B97F4A7C15ull;  // order-independent
    return s;
  };
  const std::uint64_t before = comm.all_reduce(checksum(keys), std::plus<>{});
  const std::size_t held_before = keys.size();

  hypar::dist::par_sort(comm, keys);

  const std::uint64_t after = comm.all_reduce(checksum(keys), std::plus<>{});
  const std::uint64_t count =
      comm.all_reduce(static_cast<std::uint64_t>(keys.size()), std::plus<>{});
  // Neighbours: my first key must not be below the previous rank's last key.
  struct Ends {
    std::uint64_t first, last;
    int empty;
  };
  const auto ends = comm.all_gather(
      Ends{keys.empty() ? 0 : keys.front(), keys.empty() ? 0 : keys.back(), keys.empty()});
  bool ordered = std::is_sorted(keys.begin(), keys.end());
  std::uint64_t previous_last = 0;
  for (const auto& e : ends) {
    if (e.empty)
      continue;
    ordered = ordered && e.first >= previous_last;
    previous_last = e.last;
  }
  const bool balanced = keys.size() <= n / static_cast<std::uint64_t>(comm.size()) * 11 / 10 + 64;
  const bool ok = comm.all_reduce((ordered && balanced) ? 0 : 1, std::plus<>{}) == 0 &&
                  count == n && before == after;
  const auto sizes = comm.gather(keys.size(), 0);
  const auto sizes_before = comm.gather(held_before, 0);
  if (comm.rank() == 0) {
    std::printf("%llu keys on %d ranks\n", static_cast<unsigned long long>(n), comm.size());
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      std::printf("rank %zu: %zu keys before, %zu after\n", r, sizes_before[r], sizes[r]);
    }
    std::printf(ok ? "OK\n" : "FAILED\n");
  }
  return ok ? 0 : 1;
}
