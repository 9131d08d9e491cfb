// ArrayQueue<T> claims a slot before it moves the item in, so T's move must not throw.
#include <hypar/chan/array_queue.hpp>

struct ThrowingMove {
  ThrowingMove() = default;
  ThrowingMove(ThrowingMove&&) noexcept(false) {}
};

int main() {
  hypar::ArrayQueue<ThrowingMove> q(4);
  return static_cast<int>(q.len());
}
