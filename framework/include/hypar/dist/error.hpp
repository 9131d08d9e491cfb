#pragma once
// MPI errors as exceptions.

#include <mpi.h>

#include <hypar/core/error.hpp>
#include <string>

namespace hypar {

/// An MPI call failed. Carries MPI's error code, its error class and MPI_Error_string's text.
class MpiError : public Error {
 public:
  /// `call` names the failed MPI function; `code` is what it returned.
  MpiError(const std::string& call, int code);
  int code() const noexcept { return code_; }
  int error_class() const noexcept { return class_; }
  const std::string& mpi_message() const noexcept { return mpi_message_; }

 private:
  struct Details {
    int error_class;
    std::string text;
  };
  static Details details_of(int code);
  MpiError(const std::string& call, int code, Details details);

  int code_;
  int class_;
  std::string mpi_message_;
};

namespace dist::detail {
/// Throws MpiError naming `call` when `code` is not MPI_SUCCESS.
inline void check(int code, const char* call) {
  if (code != MPI_SUCCESS)
    throw MpiError(call, code);
}
}  // namespace dist::detail

}  // namespace hypar
