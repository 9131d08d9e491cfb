#pragma once
// The exceptions and error records shared by every part of hypar.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace hypar {

/// Misuse of hypar or an environment that cannot honour a request (a stack size below the
/// platform minimum, an MPI without the needed thread level, ...). The message says what to do.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown by `Sender::send` when every receiver of the channel is gone: nobody will ever read the
/// value, so the producer should stop.
class Disconnected : public Error {
 public:
  Disconnected() : Error("hypar: channel disconnected: every receiver is gone") {}
  using Error::Error;
};

/// A failure that belongs to one input item (a file that cannot be read, a malformed record), as
/// opposed to a failure of the whole run. Drivers collect these, gather them to rank 0 in item
/// order and keep going; they never abort a run.
struct ItemError {
  std::size_t index = 0;  ///< position of the item in the input order
  std::string path;       ///< the file (or other name) the item refers to, may be empty
  int code = 0;           ///< an errno value, or another code documented by the producer
  std::string message;    ///< one line for a human, without the path
};

}  // namespace hypar
