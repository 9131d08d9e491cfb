// zip() pairs items by position: a filtered iterator has no positions to pair.
#include <hypar/par.hpp>

int main() {
  auto evens = hypar::par_range(0, 100).filter([](int i) { return i % 2 == 0; });
  return static_cast<int>(hypar::par_range(0, 50).zip(evens).count());
}
