// A distributed collect() gathers items from every rank as bytes: std::string cannot travel.
#include <hypar/dist.hpp>
#include <string>

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  const auto all = hypar::dist::par_range(env.world(), 0, 10)
                       .map([](int i) { return std::to_string(i); })
                       .collect();
  return static_cast<int>(all.size());
}
