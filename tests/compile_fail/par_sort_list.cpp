// The sorts need a contiguous range (they sort through pointers into scratch arrays).
#include <hypar/sort.hpp>
#include <list>

int main() {
  std::list<int> l{3, 1, 2};
  hypar::par_sort_unstable(l);
}
