// dist::Progress: the final count on rank 0 is the sum of every rank's adds (from many threads);
// with MPI_THREAD_MULTIPLE the other ranks' work shows on rank 0 while rank 0 itself is idle;
// only rank 0 draws.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <hypar/core/thread_scope.hpp>
#include <hypar/dist.hpp>
#include <string>
#include <thread>

#include "captured_stream.hpp"

namespace {

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

using hypar::testing::contents;

TEST(DistProgress, FinalCountIsTheSumOfEveryRank) {
  auto comm = world();
  const std::uint64_t share = 1000 + 10 * static_cast<std::uint64_t>(comm.rank());
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  std::uint64_t total = 0, global = 0;
  {
    hypar::dist::Progress p(comm, share, "work",
                            {.style = hypar::Progress::Style::lines, .stream = f},
                            std::chrono::milliseconds(5));
    total = p.total();
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      for (int t = 0; t < 4; ++t) {
        s.spawn([&, t] {
          for (std::uint64_t i = static_cast<std::uint64_t>(t); i < share; i += 4)
            p.add();
        });
      }
    });
    EXPECT_EQ(p.local_position(), share);
    global = p.finish();
  }
  std::uint64_t want = 0;
  for (int r = 0; r < comm.size(); ++r)
    want += 1000 + 10 * static_cast<std::uint64_t>(r);
  EXPECT_EQ(total, want);
  const std::string text = contents(f);
  std::fclose(f);
  if (comm.rank() == 0) {
    EXPECT_EQ(global, want);
    EXPECT_NE(text.find("100.0%"), std::string::npos) << text;
  } else {
    EXPECT_EQ(global, share);
    EXPECT_TRUE(text.empty()) << "only rank 0 draws: " << text;
  }
}

TEST(DistProgress, OtherRanksShowOnRankZeroWhileItIsIdle) {
  auto comm = world();
  const std::uint64_t share = 100;
  hypar::dist::Progress p(comm, share, "work", {.style = hypar::Progress::Style::none},
                          std::chrono::milliseconds(5));
  if (!p.live()) {
    // FUNNELED (or one rank): rank 0 shows its own share live, the sum at the end.
    p.add(share);
    const auto global = p.finish();
    if (comm.rank() == 0) {
      EXPECT_EQ(global, share * static_cast<std::uint64_t>(comm.size()));
      EXPECT_EQ(p.displayed(), share);
    }
    return;
  }
  if (comm.rank() != 0)
    p.add(share);
  if (comm.rank() == 0) {
    // The others' work arrives through the non-blocking reductions while this rank adds nothing.
    const std::uint64_t others = share * static_cast<std::uint64_t>(comm.size() - 1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (p.displayed() < others && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(p.displayed(), others);
    p.add(share);
  }
  const auto global = p.finish();
  if (comm.rank() == 0) {
    EXPECT_EQ(global, share * static_cast<std::uint64_t>(comm.size()));
    EXPECT_EQ(p.displayed(), global);
  }
}

}  // namespace
