// par_range excludes bool, which is integral but no counter.
#include <hypar/par.hpp>

int main() {
  return static_cast<int>(hypar::par_range(false, true).count());
}
