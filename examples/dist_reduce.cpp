// hypar-example: ranks 2
// A distributed reduction: the seed's "sum of squares" with the index space split across MPI
// ranks, then across the threads of each rank. Every rank gets the global result; the
// deterministic sum of a floating-point series is bitwise identical for any ranks x threads
// layout. Run: mpirun -n 2 dist_reduce
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <hypar/hypar.hpp>

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  hypar::dist::Communicator comm = env.world();
  const std::int64_t n = 10'000'000;

  const std::int64_t sum_of_squares = hypar::dist::par_range(comm, std::int64_t{0}, n)
                                          .map([](std::int64_t x) { return x * x % 1'000'003; })
                                          .sum();
  // pi by the Leibniz series, deterministic: the same bits on 1 rank or 64.
  const double pi = 4 * hypar::dist::par_range(comm, std::int64_t{0}, n)
                            .map([](std::int64_t k) {
                              return (k % 2 == 0 ? 1.0 : -1.0) / static_cast<double>(2 * k + 1);
                            })
                            .deterministic()
                            .sum();
  const auto largest = hypar::dist::par_range(comm, std::int64_t{0}, n)
                           .map([](std::int64_t x) { return (x * 2654435761) % 1'000'000'007; })
                           .max();

  // References computed on this rank alone.
  std::int64_t want = 0;
  for (std::int64_t x = 0; x < n; ++x)
    want += x * x % 1'000'003;
  const double pi_single =
      4 * hypar::par_range(std::int64_t{0}, n)
              .map([](std::int64_t k) {
                return (k % 2 == 0 ? 1.0 : -1.0) / static_cast<double>(2 * k + 1);
              })
              .deterministic()
              .sum();
  const bool ok = sum_of_squares == want &&
                  std::bit_cast<std::uint64_t>(pi) == std::bit_cast<std::uint64_t>(pi_single) &&
                  largest.has_value() && std::abs(pi - M_PI) < 1e-6;
  // Every rank checks; the verdict is agreed so that all ranks exit alike.
  const int failures = comm.all_reduce(ok ? 0 : 1, std::plus<>{});
  if (comm.rank() == 0) {
    std::printf("%d ranks x %zu threads\n", comm.size(), hypar::current_num_threads());
    std::printf("sum of x^2 mod 1000003 below %lld: %lld (sequential %lld)\n",
                static_cast<long long>(n), static_cast<long long>(sum_of_squares),
                static_cast<long long>(want));
    std::printf(
        "pi ~ %.15f (deterministic: bitwise equal to one process: %s)\n", pi,
        std::bit_cast<std::uint64_t>(pi) == std::bit_cast<std::uint64_t>(pi_single) ? "yes" : "no");
    std::printf("largest hash: %lld\n", static_cast<long long>(*largest));
    std::printf(failures == 0 ? "OK\n" : "FAILED on %d ranks\n", failures);
  }
  return failures == 0 ? 0 : 1;
}
