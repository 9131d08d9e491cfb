// par_chunks_mut writes through to its container: on a temporary the writes would be lost.
#include <hypar/par.hpp>
#include <span>
#include <vector>

int main() {
  hypar::par_chunks_mut(std::vector<int>(10), 3).for_each([](std::span<int> c) { c[0] = 1; });
}
