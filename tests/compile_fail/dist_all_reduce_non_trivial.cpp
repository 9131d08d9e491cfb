// The communicator sends values as bytes: a T that owns memory (here a std::vector) would send
// its pointers.
#include <hypar/dist.hpp>
#include <vector>

struct Bag {
  std::vector<int> items;
};

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  const auto& comm = env.world();
  Bag mine{{comm.rank()}};
  const Bag all = comm.all_reduce(mine, [](Bag a, const Bag& b) {
    a.items.insert(a.items.end(), b.items.begin(), b.items.end());
    return a;
  });
  return static_cast<int>(all.items.size());
}
