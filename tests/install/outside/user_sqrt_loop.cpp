// A user's own loop over std::sqrt, as the seed writes it in Rust (`*x = x.sqrt()` per element).
// Compiled against the installed package it must vectorise: hypar::hypar (and hypar.pc) carry
// -fno-math-errno. The test also compiles it without hypar, where GCC keeps errno and the loop
// stays scalar, which shows that the check can tell the two apart.
#include <cmath>
#include <cstddef>

void user_sqrt_loop(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    x[i] = std::sqrt(x[i]);
}
