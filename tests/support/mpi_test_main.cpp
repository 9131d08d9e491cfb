// An MPI-aware GoogleTest main. Every rank runs every test; rank 0 prints the usual report, other
// ranks print only their own failures (prefixed with the rank). After each test the ranks agree on
// the outcome, so a test that fails on any rank is reported as failed on rank 0, and the program's
// exit code is non-zero on every rank when any rank failed.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

/// Agrees on each test's outcome across ranks and reports failures seen on other ranks.
class RankAgreement : public ::testing::EmptyTestEventListener {
 public:
  explicit RankAgreement(int rank) : rank_(rank) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (rank_ != 0 && result.failed()) {
      std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_,
                   result.file_name() ? result.file_name() : "?", result.line_number(),
                   result.message());
    }
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    int local_failed = info.result()->Failed() ? 1 : 0;
    int any_failed = 0;
    MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any_failed && !local_failed) {
      // Make this rank's result a failure too, so rank 0's report and exit code say so.
      ADD_FAILURE() << "failed on another rank";
    }
    if (rank_ != 0 && local_failed) {
      std::fprintf(stderr, "[rank %d] FAILED %s.%s\n", rank_, info.test_suite_name(), info.name());
    }
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  // HYPAR_TEST_MPI_THREAD_MULTIPLE=1 runs a test with MPI_THREAD_MULTIPLE (hypar's default is
  // FUNNELED), for the parts that use MPI from helper threads when it is available.
  const char* multiple = std::getenv("HYPAR_TEST_MPI_THREAD_MULTIPLE");
  const int wanted = multiple != nullptr && std::string(multiple) == "1" ? MPI_THREAD_MULTIPLE
                                                                         : MPI_THREAD_FUNNELED;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, wanted, &provided);
  ::testing::InitGoogleTest(&argc, argv);

  const int rank = world_rank();
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (rank != 0)
    delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new RankAgreement(rank));

  const int local = RUN_ALL_TESTS();
  int global = 0;
  MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return global;
}
