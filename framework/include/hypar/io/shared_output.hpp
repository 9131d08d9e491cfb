#pragma once
// hypar::io::SharedOutput: an output that every rank of a communicator writes, either one file
// (each rank at its own offsets) or one part file per rank, and that appears under its final
// name only when every rank succeeded. Used by hypar-sort gen and sort.
//
// Protocol. The data goes to a temporary name in the target's directory (io::temporary_path with
// rank 0's PID, O_EXCL: never someone else's file). commit(): every rank closes (and, with
// `sync`, fsyncs first); the ranks agree on success (the error messages are gathered to rank 0);
// then rank 0 renames the one file, or every rank its part; the ranks agree again, and if any
// rename failed the parts already renamed are removed, so no incomplete set is ever left. Until
// commit succeeds the destructor removes the temporaries. Needs MPI (HYPAR_WITH_MPI).
//
// Durability. The rename makes the output atomic for every failure of the program (a rank
// killed, a full disk, an interrupt): the final name shows the complete output or nothing.
// Surviving a crash of the machine itself needs the data on disk before the rename, which is what
// `sync` adds. It is off by default, as in GNU sort, gensort, cp and MPI_File_close: the fsync
// waits for the disk (a third of a sort's time, measured in docs/sorting.md), and most sorted
// outputs are scratch data that can be made again. hypar-sort's --fsync turns it on;
// the HDF5 checkpoints (io/hdf5.hpp) always sync, since surviving a crash is their purpose.

#include <cstddef>
#include <cstdint>
#include <hypar/core/interrupt.hpp>
#include <hypar/dist/communicator.hpp>
#include <string>
#include <vector>

namespace hypar::io {

/// A file (or a set of part files) written by all ranks that appears atomically; see above.
class SharedOutput {
 public:
  /// Collective. Creates the temporary file (one file: rank 0 creates it and the others open
  /// it; `parts`: each rank creates the temporary of io::part_path(target, rank)). `sync`: commit
  /// fsyncs every rank's file before the rename (see durability above). Throws hypar::Error with
  /// the same message on every rank when any rank failed.
  SharedOutput(const dist::Communicator& comm, std::string target, bool parts, bool sync = false);
  SharedOutput(const SharedOutput&) = delete;
  SharedOutput& operator=(const SharedOutput&) = delete;
  /// Closes and removes this rank's temporary file unless committed.
  ~SharedOutput();

  /// This rank's final name: the target, or its part.
  const std::string& target() const noexcept { return target_; }
  /// The name written until commit.
  const std::string& temporary() const noexcept { return temporary_; }
  /// Writes `size` bytes at `offset` of this rank's file (thread-safe: pwrite). Throws
  /// hypar::Error naming the temporary file and the reason (a full disk, a file size limit).
  void write_at(const void* data, std::size_t size, std::uint64_t offset) const;

  /// Collective. `local_error` is empty when this rank wrote everything it had to. Returns true
  /// on every rank when the output now exists under its final name(s); false when any rank
  /// failed, with every rank's messages (prefixed "rank R: ", in rank order) in `errors` on
  /// rank 0, and nothing left under the final names or the temporary ones.
  bool commit(const std::string& local_error, std::vector<std::string>& errors);

 private:
  const dist::Communicator& comm_;
  std::string target_;
  std::string temporary_;
  bool parts_ = false;
  bool sync_ = false;   ///< fsync before the rename
  bool owner_ = false;  ///< this rank created the temporary file (and so removes or renames it)
  bool committed_ = false;
  int fd_ = -1;
  RemoveOnInterrupt interrupt_guard_;  ///< the temporary file, while this rank owns it
};

}  // namespace hypar::io
