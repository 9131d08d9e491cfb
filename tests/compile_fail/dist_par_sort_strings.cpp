// dist::par_sort moves elements between ranks as bytes: std::string cannot travel that way.
#include <hypar/dist.hpp>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  std::vector<std::string> local{"b", "a"};
  hypar::dist::par_sort(env.world(), local);
  return static_cast<int>(local.size());
}
