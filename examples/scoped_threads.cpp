// Seed pattern "Scoped Threads" (Crossbeam): threads that borrow the local vectors, all joined
// before thread_scope returns.
#include <cstdio>
#include <hypar/hypar.hpp>
#include <vector>

int main() {
  const std::vector<int> data = {1, 2, 3, 4, 5};
  std::vector<int> results(5, 0);

  hypar::thread_scope([&](hypar::ThreadScope& s) {
    for (std::size_t i = 0; i < data.size(); ++i) {
      const int& input = data[i];
      int& output = results[i];
      s.spawn([&input, &output] { output = input * input; });
    }
  });

  bool ok = true;
  for (std::size_t i = 0; i < data.size(); ++i) {
    std::printf("%d -> %d\n", data[i], results[i]);
    ok = ok && results[i] == data[i] * data[i];
  }
  if (!ok) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
