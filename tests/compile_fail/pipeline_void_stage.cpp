// A pipeline stage hands its result to the next stage, so it must return one.
#include <hypar/flow.hpp>
#include <vector>

int main() {
  auto out = hypar::Pipeline::from(std::vector<int>{1, 2, 3}).stage([](int) {}).collect();
  return static_cast<int>(out.size());
}
