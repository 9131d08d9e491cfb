// zip() takes another parallel iterator, not a container (wrap it: hypar::par_iter(v)).
#include <hypar/par.hpp>
#include <vector>

int main() {
  std::vector<int> v(10);
  return static_cast<int>(hypar::par_range(0, 10).zip(v).count());
}
