// The sorts reorder elements in place: a const range cannot be sorted.
#include <hypar/sort.hpp>
#include <vector>

int main() {
  const std::vector<int> v{3, 1, 2};
  hypar::par_sort(v);
}
