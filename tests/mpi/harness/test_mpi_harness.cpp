// Checks the MPI test harness itself: every rank runs, sees the launched world, and the ranks
// agree on failures.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>
#include <numeric>
#include <vector>

namespace {

TEST(MpiHarness, EveryRankTakesPartInACollective) {
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<int> ranks(static_cast<std::size_t>(size));
  MPI_Allgather(&rank, 1, MPI_INT, ranks.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> expected(static_cast<std::size_t>(size));
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(ranks, expected);
}

TEST(MpiHarness, WorldSizeMatchesTheLauncher) {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // Open MPI tells each process the size it was launched with; the two must agree.
  if (const char* launched = std::getenv("OMPI_COMM_WORLD_SIZE")) {
    EXPECT_EQ(size, std::atoi(launched));
  }
  EXPECT_GE(size, 1);
}

TEST(MpiHarness, FailsOnLastRankOnly) {
  if (std::getenv("HYPAR_HARNESS_PROBE") == nullptr)
    GTEST_SKIP() << "probe for the harness test";
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_NE(rank, size - 1) << "deliberate failure on the last rank";
}

}  // namespace
