// Seed pattern "SIMD Parallelism": sqrt over chunks and an element-wise add, with the vectorised
// kernels of <hypar/kernels.hpp> (any length and alignment: no hand-written remainder loop) and
// the chunks spread over threads with par_chunks_mut. Checked against plain scalar loops.
#include <cmath>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>
#include <span>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1'000'003;  // not a multiple of 8
  std::vector<float> data(n);
  for (std::size_t i = 0; i < n; ++i)
    data[i] = static_cast<float>(i % 1000) * 0.5f;
  const std::vector<float> original = data;

  // "process_slice": sqrt of every element; each chunk is one vectorised kernel call.
  hypar::par_chunks_mut(data, 4096).for_each([](std::span<float> chunk) {
    hypar::kernels::sqrt_inplace(chunk);
  });

  // "add_simd": result = a + b, vectorised (AVX-512 here: compiled_isa() says which).
  std::vector<float> b(n, 1.0f), result(n);
  hypar::kernels::add(data, b, result);

  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float want = std::sqrt(original[i]);
    if (data[i] != want || result[i] != want + 1.0f)
      ++wrong;
  }
  std::printf("kernels for %s: sqrt of %zu floats in chunks of 4096, then add; %zu wrong\n",
              hypar::kernels::compiled_isa(), n, wrong);
  if (wrong != 0) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
