// par_range counts integers: a floating-point range has no successor for each item.
#include <hypar/par.hpp>

int main() {
  return static_cast<int>(hypar::par_range(0.0, 10.0).count());
}
