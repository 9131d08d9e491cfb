// ThreadLocal<T>() makes each value with T{}: a T without a default constructor needs a factory.
#include <hypar/sync/thread_local.hpp>

struct NoDefault {
  explicit NoDefault(int v) : value(v) {}
  int value;
};

int main() {
  hypar::ThreadLocal<NoDefault> tl;
  return tl.local().value;
}
