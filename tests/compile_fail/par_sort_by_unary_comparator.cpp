// par_sort_by takes cmp(a, b) returning bool or a std::*_ordering; a one-argument function is a
// key function (that is par_sort_by_key).
#include <hypar/sort.hpp>
#include <vector>

int main() {
  std::vector<int> v{3, 1, 2};
  hypar::par_sort_by(v, [](int a) { return a < 0; });
}
