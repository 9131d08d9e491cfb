#pragma once
// The one exception the kernels throw. The kernels sit below the framework and know nothing of its
// headers, so they have their own type; it is a std::invalid_argument because every kernel error is
// a caller's misuse (spans of different sizes, a grid too small for its stencil).

#include <stdexcept>

namespace hypar::kernels {

/// Misuse of a kernel: the message names the kernel, what it got and what it needs.
class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace hypar::kernels
