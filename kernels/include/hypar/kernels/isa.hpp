#pragma once
// Which instruction set the kernels were compiled for, for benchmark reports and bug reports.

namespace hypar::kernels {

/// The widest vector instruction set the kernels library was compiled for: "avx512", "avx2",
/// "sse2", "neon" or "scalar".
const char* compiled_isa() noexcept;

}  // namespace hypar::kernels
