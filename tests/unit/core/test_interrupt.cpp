// hypar::handle_interrupts and hypar::RemoveOnInterrupt: each case runs in a child process (fork),
// which is interrupted for real and whose exit status and files the parent then inspects.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <hypar/core/interrupt.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

/// A fresh directory, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hypar-interrupt-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

void touch(const fs::path& p) {
  std::ofstream(p) << "partial";
}

/// Runs `child` in a forked process (which must not return) and returns its wait status.
template <class F>
int in_child(F child) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    child();
    ::_exit(99);  // the child was meant to be ended by its signal
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(Interrupt, SigtermRemovesTheRegisteredFilesOnlyAndExitsWith143) {
  TempDir dir;
  const fs::path kept = dir.path / "output.dat", gone = dir.path / ".output.dat.tmp-1",
                 released = dir.path / "released.dat", spill = dir.path / ".spill-0";
  touch(kept);
  const int status = in_child([&] {
    hypar::handle_interrupts("test_interrupt");
    touch(gone);
    touch(released);
    hypar::RemoveOnInterrupt guard(gone.string());
    hypar::RemoveOnInterrupt moved_from(spill.string());
    touch(spill);
    hypar::RemoveOnInterrupt moved = std::move(moved_from);  // the registration moves along
    {
      hypar::RemoveOnInterrupt done(released.string());
      done.release();  // renamed or removed by its owner: no longer the interrupt's business
    }
    // A thread started after handle_interrupts, busy when the signal comes.
    std::thread busy([] {
      for (;;)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    ::kill(::getpid(), SIGTERM);
    busy.join();
  });
  ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 143);
  EXPECT_FALSE(fs::exists(gone));
  EXPECT_FALSE(fs::exists(spill));
  EXPECT_TRUE(fs::exists(released));
  EXPECT_TRUE(fs::exists(kept));
}

TEST(Interrupt, SigintExitsWith130) {
  const int status = in_child([] {
    hypar::handle_interrupts("test_interrupt");
    hypar::handle_interrupts("test_interrupt");  // a second call does nothing
    EXPECT_TRUE(hypar::interrupts_handled());
    ::kill(::getpid(), SIGINT);
    for (;;)
      ::pause();
  });
  ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130);
}

TEST(Interrupt, ExitWhileFilesAreRegisteredRemovesThem) {
  // A rank whose MPI library ends it with exit() (a peer died) still removes its files.
  TempDir dir;
  const fs::path file = dir.path / ".run-3";
  const int status = in_child([&] {
    hypar::handle_interrupts("test_interrupt");
    hypar::RemoveOnInterrupt guard(file.string());  // on the stack: exit() does not end it
    touch(file);
    std::exit(5);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  EXPECT_FALSE(fs::exists(file));
}

TEST(Interrupt, WithoutTheHandlerTheSignalKillsAndFilesStay) {
  // The registry alone changes nothing: the default action of SIGTERM, files left.
  TempDir dir;
  const fs::path file = dir.path / ".tmp";
  const int status = in_child([&] {
    hypar::RemoveOnInterrupt guard(file.string());
    touch(file);
    ::kill(::getpid(), SIGTERM);
    for (;;)
      ::pause();
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(fs::exists(file));
}

}  // namespace
