#pragma once
// The Rust peers of hypar-bench: rust-peers/ (the seed's Rayon, crossbeam and parking_lot
// snippets, built by cargo offline from Debian's packaged crates) runs one workload per call and
// prints `seconds=<work seconds> check=<value>`. A case adds it as a self-timed contender (process
// start-up and input generation are not timed) whose printed check is compared with the value
// hypar-bench computes itself from the same inputs; without cargo the contender becomes a
// "skipped" row and its targets are left out, so the rest of the case still runs.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bench.hpp"

namespace hypar_bench {

/// The fields a Rust peer printed (`key=value` words), e.g. {"seconds": "0.41", "check": "12"}.
using RustFields = std::map<std::string, std::string>;
/// Validates the fields of one run: "" when right, else what is wrong.
using RustCheck = std::function<std::string(const RustFields&)>;

/// Adds contender `name` running `hypar-rust-peers <args>` (args are trusted words, no quoting),
/// timed by the program itself and validated by `check`. Returns false (and adds a skipped row
/// saying why) when the program was not built. Cost: one process start per repetition.
bool add_rust_peer(Case& c, const std::string& name, const std::string& args, RustCheck check);

/// True when the Rust peers program was built (so a case may prepare inputs for it).
bool rust_peers_available();

/// A file of `bytes` bytes written from `data` under /tmp for a Rust peer to read, removed when
/// the last copy of the returned pointer goes (hold it in the contender's closures). Throws
/// std::runtime_error naming the file when it cannot be written.
std::shared_ptr<const std::string> rust_input_file(const void* data, std::size_t bytes);

/// c.target(subject, peer, ...) when the Rust contender `peer` is part of the case (it is not
/// when cargo was missing); a target naming an absent contender would count as an error.
void rust_target(Case& c, const std::string& subject, const std::string& peer, double min_ratio,
                 const std::string& text);

/// A check that field `key` equals `want` exactly (integers, digests).
RustCheck rust_equals(std::string key, std::string want);
/// A check that field `key` is a number within `tolerance` of `want` (floating-point sums).
RustCheck rust_close(std::string key, double want, double tolerance);
/// Both checks must pass.
RustCheck rust_all(RustCheck a, RustCheck b);

/// FNV-1a over 64-bit words, in order: the digest the Rust sorts print of their output.
template <class It>
std::uint64_t order_digest(It first, It last) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (; first != last; ++first)
    h = (h ^ static_cast<std::uint64_t>(*first)) * 0x100000001b3ull;
  return h;
}

}  // namespace hypar_bench
