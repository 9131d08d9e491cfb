// Reports the vector instruction set chosen when the kernels were compiled.
#include <hypar/kernels/isa.hpp>

namespace hypar::kernels {

const char* compiled_isa() noexcept {
#if defined(__AVX512F__)
  return "avx512";
#elif defined(__AVX2__)
  return "avx2";
#elif defined(__SSE2__)
  return "sse2";
#elif defined(__ARM_NEON)
  return "neon";
#else
  return "scalar";
#endif
}

}  // namespace hypar::kernels
