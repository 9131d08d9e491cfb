// A channel moves its items from the sender to the receiver: a T that cannot be moved (here
// std::mutex) cannot travel through one.
#include <hypar/chan.hpp>
#include <mutex>

int main() {
  auto [tx, rx] = hypar::bounded<std::mutex>(1);
  tx.send(std::mutex{});
  return rx.try_recv().has_value() ? 0 : 1;
}
