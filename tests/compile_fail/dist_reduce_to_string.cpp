// A distributed reduce combines the ranks' partial results, which travel as bytes.
#include <hypar/dist.hpp>
#include <string>

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  const std::string joined = hypar::dist::par_range(env.world(), 0, 10)
                                 .map([](int i) { return std::to_string(i); })
                                 .reduce([] { return std::string(); },
                                         [](std::string a, const std::string& b) { return a + b; });
  return static_cast<int>(joined.size());
}
