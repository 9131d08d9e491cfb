// ThreadScope::spawn takes f() or f(hypar::ThreadScope&).
#include <hypar/core/thread_scope.hpp>

int main() {
  hypar::thread_scope([](hypar::ThreadScope& s) { s.spawn([](int, int) {}); });
}
