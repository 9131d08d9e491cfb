// enumerate() numbers items by position: after filter the positions are unknown until the end.
#include <hypar/par.hpp>

int main() {
  return static_cast<int>(
      hypar::par_range(0, 100).filter([](int i) { return i % 2 == 0; }).enumerate().count());
}
