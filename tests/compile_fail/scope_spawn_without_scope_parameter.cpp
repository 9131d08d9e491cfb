// Scope::spawn's task receives the scope (to spawn more): f(hypar::Scope&).
#include <hypar/core/scope.hpp>

int main() {
  return hypar::scope([](hypar::Scope& s) {
    s.spawn([](int) {});
    return 0;
  });
}
