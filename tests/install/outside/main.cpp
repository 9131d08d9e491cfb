// An outside program built against the installed hypar package.
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>

#include <cstdio>
#include <string>

int main() {
  const std::size_t threads = hypar::default_num_threads();
  const std::string isa = hypar::kernels::compiled_isa();
  if (threads == 0 || isa.empty()) {
    std::fprintf(stderr, "outside project: unexpected result\n");
    return 1;
  }
  std::printf("outside project: ok (hypar %s, %zu threads, kernels for %s)\n",
              hypar::version_string, threads, isa.c_str());
  return 0;
}
