#pragma once
// An environment variable set (or unset) for the life of one object, for tests of code that
// reads the environment (thread counts, OpenMP stack sizes).

#include <stdlib.h>

#include <optional>
#include <string>

namespace hypar::testing {

/// Sets `name` to `value` (or unsets it when `value` is nullptr) and, on destruction, restores
/// exactly what was there before: the old value (an empty one included) or no variable at all.
/// Not thread-safe (setenv never is): use it where no other thread reads the environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name))
      old_ = old;
    set(name_.c_str(), value ? std::optional<std::string>(value) : std::nullopt);
  }
  ~ScopedEnv() { set(name_.c_str(), old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  static void set(const char* name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }

  std::string name_;
  std::optional<std::string> old_;  // nullopt: the variable did not exist
};

}  // namespace hypar::testing
