// Communicator collectives against values every rank can compute locally.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <compare>
#include <cstdlib>
#include <hypar/dist.hpp>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace {

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

struct Pair {
  int rank;
  double value;
};

TEST(Communicator, RankAndSizeMatchMpi) {
  auto comm = world();
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(comm.rank(), rank);
  EXPECT_EQ(comm.size(), size);
}

TEST(Communicator, AllReduceWithMpiOpsAndCustomOps) {
  auto comm = world();
  const int p = comm.size();
  const long long r = comm.rank();
  EXPECT_EQ(comm.all_reduce(r + 1, std::plus<>{}), static_cast<long long>(p) * (p + 1) / 2);
  EXPECT_DOUBLE_EQ(comm.all_reduce(static_cast<double>(r + 1), std::multiplies<>{}),
                   std::tgamma(p + 1.0));
  // A non-commutative associative op is folded in rank order: string-like concatenation of
  // digits as a number.
  auto concat = [](long long a, long long b) { return a * 10 + b; };
  long long want = 0;
  for (int i = 0; i < p; ++i)
    want = (i == 0) ? 1 : concat(want, i + 1);
  EXPECT_EQ(comm.all_reduce(r + 1, concat), want);
  auto max = [](int a, int b) { return a > b ? a : b; };
  EXPECT_EQ(comm.all_reduce(comm.rank(), max), p - 1);
}

TEST(Communicator, MaximumAndMinimumMatchTheSequentialFold) {
  auto comm = world();
  const int p = comm.size();
  // Values whose extremes sit on middle ranks, with negative and fractional ones, so that neither
  // the first nor the last rank wins by position.
  auto value_of = [](int rank) { return std::sin(rank * 2.3 + 0.7) * 1000.0; };
  double want_max = value_of(0), want_min = value_of(0);
  auto want_imax = static_cast<long long>(value_of(0)), want_imin = want_imax;
  for (int i = 0; i < p; ++i) {
    want_max = std::max(want_max, value_of(i));
    want_min = std::min(want_min, value_of(i));
    want_imax = std::max(want_imax, static_cast<long long>(value_of(i)));
    want_imin = std::min(want_imin, static_cast<long long>(value_of(i)));
  }
  const double mine = value_of(comm.rank());
  EXPECT_EQ(comm.all_reduce(mine, hypar::dist::maximum{}), want_max);
  EXPECT_EQ(comm.all_reduce(mine, hypar::dist::minimum{}), want_min);
  const auto imine = static_cast<long long>(mine);
  EXPECT_EQ(comm.all_reduce(imine, hypar::dist::maximum{}), want_imax);
  EXPECT_EQ(comm.all_reduce(imine, hypar::dist::minimum{}), want_imin);
  const double at_root = comm.reduce(mine, hypar::dist::maximum{}, 0);
  if (comm.rank() == 0) {
    EXPECT_EQ(at_root, want_max);
  }
  // Not arithmetic: folded in rank order by the same function object (lexicographic order).
  struct Ranked {
    int parity, rank;
    auto operator<=>(const Ranked&) const = default;
  };
  Ranked want{0, 0};
  for (int i = 0; i < p; ++i)
    want = std::max(want, Ranked{i % 2, i});
  const auto top = comm.all_reduce(Ranked{comm.rank() % 2, comm.rank()}, hypar::dist::maximum{});
  EXPECT_EQ(top.parity, want.parity);
  EXPECT_EQ(top.rank, want.rank);
}

TEST(Communicator, ReduceOnEveryRoot) {
  auto comm = world();
  for (int root = 0; root < comm.size(); ++root) {
    const int got = comm.reduce(comm.rank() * 2, std::plus<>{}, root);
    if (comm.rank() == root) {
      EXPECT_EQ(got, comm.size() * (comm.size() - 1));
    }
  }
}

TEST(Communicator, GatherStructsAndVariableVectors) {
  auto comm = world();
  const auto all = comm.gather(Pair{comm.rank(), comm.rank() * 0.5}, 0);
  if (comm.rank() == 0) {
    ASSERT_EQ(all.size(), static_cast<std::size_t>(comm.size()));
    for (int i = 0; i < comm.size(); ++i) {
      EXPECT_EQ(all[static_cast<std::size_t>(i)].rank, i);
      EXPECT_EQ(all[static_cast<std::size_t>(i)].value, i * 0.5);
    }
  } else {
    EXPECT_TRUE(all.empty());
  }
  // Rank r sends r elements (rank 0 sends none).
  std::vector<int> mine(static_cast<std::size_t>(comm.rank()), comm.rank());
  std::vector<int> want;
  for (int i = 0; i < comm.size(); ++i)
    want.insert(want.end(), static_cast<std::size_t>(i), i);
  const auto gathered = comm.gather(mine, 0);
  if (comm.rank() == 0) {
    EXPECT_EQ(gathered, want);
  }
  EXPECT_EQ(comm.all_gather(mine), want);
  std::vector<int> ranks(static_cast<std::size_t>(comm.size()));
  std::iota(ranks.begin(), ranks.end(), 0);
  EXPECT_EQ(comm.all_gather(comm.rank()), ranks);
}

TEST(Communicator, BroadcastValuesVectorsStrings) {
  auto comm = world();
  for (int root = 0; root < comm.size(); ++root) {
    int value = comm.rank() == root ? 1234 + root : -1;
    comm.broadcast(value, root);
    EXPECT_EQ(value, 1234 + root);
    std::vector<double> v;
    if (comm.rank() == root)
      v = {1.5, 2.5, static_cast<double>(root)};
    comm.broadcast(v, root);
    EXPECT_EQ(v, (std::vector<double>{1.5, 2.5, static_cast<double>(root)}));
    std::string s =
        comm.rank() == root ? std::string("from root ") + std::to_string(root) + '\0' + "x" : "";
    comm.broadcast(s, root);
    EXPECT_EQ(s, std::string("from root ") + std::to_string(root) + '\0' + "x");
  }
}

/// The strings rank `r` contributes: r of them (rank 0: none), with an empty one, a NUL inside
/// and bytes of every kind, so lengths, not separators, must carry the boundaries.
std::vector<std::string> strings_of(int r) {
  std::vector<std::string> out;
  for (int i = 0; i < r; ++i) {
    std::string s = "r" + std::to_string(r) + "i" + std::to_string(i);
    if (i % 3 == 1)
      s.clear();
    if (i % 3 == 2)
      s += std::string("\0mid\0", 5) + "\n\xff";
    out.push_back(s);
  }
  return out;
}

TEST(Communicator, BroadcastsStringVectorsWithAnyBytes) {
  auto comm = world();
  for (int root = 0; root < comm.size(); ++root) {
    const std::vector<std::string> want = {
        "",    std::string("a\0b", 3), "", std::string(1, '\0'), std::string(70000, 'x') + "end",
        "\r\n"};
    std::vector<std::string> v = comm.rank() == root ? want : std::vector<std::string>{"stale"};
    comm.broadcast(v, root);
    EXPECT_EQ(v, want);
    std::vector<std::string> none =
        comm.rank() == root ? std::vector<std::string>{} : std::vector<std::string>{"stale", ""};
    comm.broadcast(none, root);
    EXPECT_TRUE(none.empty());
    std::vector<std::string> one_empty =
        comm.rank() == root ? std::vector<std::string>{""} : std::vector<std::string>{};
    comm.broadcast(one_empty, root);
    EXPECT_EQ(one_empty, std::vector<std::string>{""});
  }
}

TEST(Communicator, GathersUnevenStringVectors) {
  auto comm = world();
  std::vector<std::string> want;
  for (int r = 0; r < comm.size(); ++r) {
    const auto part = strings_of(r);
    want.insert(want.end(), part.begin(), part.end());
  }
  const auto mine = strings_of(comm.rank());
  EXPECT_EQ(comm.all_gather(mine), want);
  for (int root = 0; root < comm.size(); ++root) {
    const auto got = comm.gather(mine, root);
    if (comm.rank() == root) {
      EXPECT_EQ(got, want);
    } else {
      EXPECT_TRUE(got.empty());
    }
  }
  // Every rank empty: an empty result, not a crash.
  EXPECT_TRUE(comm.all_gather(std::vector<std::string>{}).empty());
  EXPECT_TRUE(comm.gather(std::vector<std::string>{}, 0).empty());
}

TEST(Communicator, GathersAndBroadcastsUnevenStructVectors) {
  auto comm = world();
  // Rank r gives r structs (rank 0 none): uneven sizes and an empty contribution.
  std::vector<Pair> mine;
  for (int i = 0; i < comm.rank(); ++i)
    mine.push_back({comm.rank(), i + 0.25});
  std::vector<Pair> want;
  for (int r = 0; r < comm.size(); ++r) {
    for (int i = 0; i < r; ++i)
      want.push_back({r, i + 0.25});
  }
  auto same = [](const std::vector<Pair>& a, const std::vector<Pair>& b) {
    if (a.size() != b.size())
      return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].rank != b[i].rank || a[i].value != b[i].value)
        return false;
    }
    return true;
  };
  EXPECT_TRUE(same(comm.all_gather(mine), want));
  const auto at_root = comm.gather(mine, comm.size() - 1);
  EXPECT_TRUE(same(at_root, comm.rank() == comm.size() - 1 ? want : std::vector<Pair>{}));
  std::vector<Pair> from_last = comm.rank() == comm.size() - 1 ? want : std::vector<Pair>{};
  comm.broadcast(from_last, comm.size() - 1);
  EXPECT_TRUE(same(from_last, want));
}

TEST(Communicator, AllToAllDeliversEveryPieceInSourceOrder) {
  auto comm = world();
  const int p = comm.size(), me = comm.rank();
  // Rank s sends (s + d) % 3 items {s, d, k} to rank d: some pieces are empty.
  struct Item {
    int source, dest, k;
  };
  std::vector<Item> send;
  std::vector<std::size_t> counts;
  for (int d = 0; d < p; ++d) {
    counts.push_back(static_cast<std::size_t>((me + d) % 3));
    for (int k = 0; k < (me + d) % 3; ++k)
      send.push_back({me, d, k});
  }
  std::vector<std::size_t> received_counts;
  const auto got = comm.all_to_all(send, counts, &received_counts);
  std::size_t at = 0;
  ASSERT_EQ(received_counts.size(), static_cast<std::size_t>(p));
  for (int s = 0; s < p; ++s) {
    EXPECT_EQ(received_counts[static_cast<std::size_t>(s)], static_cast<std::size_t>((s + me) % 3));
    for (int k = 0; k < (s + me) % 3; ++k, ++at) {
      ASSERT_LT(at, got.size());
      EXPECT_EQ(got[at].source, s);
      EXPECT_EQ(got[at].dest, me);
      EXPECT_EQ(got[at].k, k);
    }
  }
  EXPECT_EQ(at, got.size());
  EXPECT_THROW(
      (void)comm.all_to_all(send, std::vector<std::size_t>(static_cast<std::size_t>(p) + 1, 0)),
      hypar::Error);
}

TEST(Communicator, ExitCodeAgreesWhenOneRankFails) {
  auto comm = world();
  const int last = comm.size() - 1;
  EXPECT_EQ(hypar::dist::agree_exit_code(comm, comm.rank() == last ? 1 : 0), 1);
  EXPECT_EQ(hypar::dist::agree_exit_code(comm, 0), 0);
  EXPECT_EQ(hypar::dist::agree_exit_code(comm, comm.rank() == last ? 2 : 1), 2);
}

TEST(Communicator, MpiErrorCarriesCodeClassAndMessage) {
  auto comm = world();
  int value = 0;
  try {
    comm.broadcast(value, comm.size() + 5);  // an invalid root
    FAIL() << "expected hypar::MpiError";
  } catch (const hypar::MpiError& e) {
    EXPECT_NE(e.code(), MPI_SUCCESS);
    EXPECT_EQ(e.error_class(), MPI_ERR_ROOT);
    EXPECT_FALSE(e.mpi_message().empty());
    EXPECT_NE(std::string(e.what()).find("MPI_Bcast"), std::string::npos) << e.what();
  }
}

TEST(Environment, AdoptsAnInitialisedMpi) {
  int argc = 0;
  char** argv = nullptr;
  hypar::dist::Environment env(argc, argv);  // MPI was initialised by the test main
  EXPECT_FALSE(env.owns_mpi());
  EXPECT_GE(env.provided_thread_level(), MPI_THREAD_FUNNELED);
  EXPECT_EQ(env.world().size(), world().size());
  // Asking an adopted MPI for more than it provides is a clear error, not a silent downgrade.
  if (env.provided_thread_level() < MPI_THREAD_MULTIPLE) {
    try {
      hypar::dist::Environment multiple(argc, argv, hypar::dist::ThreadLevel::multiple);
      FAIL() << "expected hypar::Error";
    } catch (const hypar::Error& e) {
      EXPECT_NE(std::string(e.what()).find("MPI_THREAD_MULTIPLE"), std::string::npos) << e.what();
    }
  }
}

TEST(Environment, LoneProcessSettingsOnlyWithoutALauncherAndNeverOverTheUsers) {
  using Env = std::map<std::string, std::string>;
  auto settings_for = [](const Env& env) {
    auto lookup = [&env](const char* name) -> const char* {
      const auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    };
    Env out;
    for (const auto& [name, value] : hypar::dist::detail::lone_process_mpi_settings(lookup))
      EXPECT_TRUE(out.emplace(name, value).second) << name << " twice";
    return out;
  };
  const Env lone = settings_for({{"HOME", "/root"}});
  EXPECT_EQ(lone, (Env{{"OMPI_MCA_ess_singleton_isolated", "1"},
                       {"OMPI_MCA_pml", "ob1"},
                       {"OMPI_MCA_btl", "self"}}));
  // What the user set stays theirs: only the others are added.
  EXPECT_EQ(settings_for({{"OMPI_MCA_pml", "ucx"}, {"OMPI_MCA_btl", ""}}),
            (Env{{"OMPI_MCA_ess_singleton_isolated", "1"}}));
  // Started by a launcher (mpirun, srun with PMIx or PMI-2, hydra): nothing.
  for (const char* launched : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                               "PMI_FD", "SLURM_STEP_NUM_TASKS"}) {
    EXPECT_TRUE(settings_for({{launched, "0"}}).empty()) << launched;
  }
  EXPECT_TRUE(settings_for({{"HYPAR_SINGLETON_TUNING", "0"}}).empty());
  EXPECT_EQ(settings_for({{"HYPAR_SINGLETON_TUNING", "1"}}), lone);
  // Under mpiexec, the real environment is a launched one.
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) {
    EXPECT_TRUE(hypar::dist::detail::lone_process_mpi_settings(std::getenv).empty());
  }
}

}  // namespace
