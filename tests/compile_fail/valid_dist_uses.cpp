// The positive control of the distributed compile_fail tests: the same calls with values that
// travel as bytes.
#include <hypar/dist.hpp>
#include <vector>

struct Point {
  int x, y;
};

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  const auto& comm = env.world();
  const Point sum = comm.all_reduce(Point{comm.rank(), 1}, [](Point a, const Point& b) {
    return Point{a.x + b.x, a.y + b.y};
  });
  std::vector<long> local{3, 1, 2};
  hypar::dist::par_sort(comm, local);
  const auto squares =
      hypar::dist::par_range(comm, 0, 10).map([](int i) { return 1.0 * i * i; }).collect();
  const double total = hypar::dist::par_range(comm, 0, 10)
                           .map([](int i) { return 1.0 * i; })
                           .reduce([] { return 0.0; }, [](double a, double b) { return a + b; });
  return static_cast<int>(sum.y + squares.size() + total) > 0 ? 0 : 1;
}
