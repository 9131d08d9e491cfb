// par_iter_mut writes through to its container: on a temporary the writes would be lost.
#include <hypar/par.hpp>
#include <vector>

int main() {
  hypar::par_iter_mut(std::vector<int>(10)).for_each([](int& x) { x = 1; });
}
