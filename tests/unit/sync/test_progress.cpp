// Progress: counts from many threads exactly; draws lines (logs) and a bar (terminals) with the
// final count; `with_progress` on a parallel iterator counts every item once.
#include <gtest/gtest.h>

#include <cstdio>
#include <hypar/core/pool.hpp>
#include <hypar/core/thread_scope.hpp>
#include <hypar/par.hpp>
#include <hypar/sync/progress.hpp>
#include <string>

#include "captured_stream.hpp"
#include "thread_counts.hpp"

namespace {

using hypar::testing::contents;

class ProgressTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(ProgressTest);

TEST_P(ProgressTest, CountsFromManyThreadsExactly) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  const std::size_t threads = 2 * thread_count();  // more threads than cores
  {
    hypar::Progress p(threads * 10000, "work",
                      {.style = hypar::Progress::Style::lines, .stream = f});
    hypar::thread_scope([&](hypar::ThreadScope& s) {
      for (std::size_t t = 0; t < threads; ++t) {
        s.spawn([&] {
          for (int i = 0; i < 10000; ++i)
            p.add();
        });
      }
    });
    EXPECT_EQ(p.position(), threads * 10000);
    EXPECT_EQ(p.total(), threads * 10000);
  }
  const std::string text = contents(f);
  std::fclose(f);
  const std::string total = std::to_string(threads * 10000);
  EXPECT_NE(text.find("work: 100.0% (" + total + " of " + total + " items)"), std::string::npos)
      << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << "lines style must not redraw in place";
}

TEST(Progress, LinesAreFewAndEndWithTheFinalCount) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  hypar::Progress p(1000, "steps", {.style = hypar::Progress::Style::lines, .stream = f});
  for (int i = 0; i < 1000; ++i)
    p.add();
  p.finish();
  p.finish();  // idempotent
  const std::string text = contents(f);
  std::fclose(f);
  std::size_t lines = 0;
  for (char c : text)
    lines += c == '\n';
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 11u) << text;  // at most one per tenth, plus the last
  EXPECT_NE(text.rfind("steps: 100.0% (1000 of 1000 items)"), std::string::npos) << text;
}

TEST(Progress, BarRedrawsInPlaceAndEndsWithANewline) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    hypar::Progress p(4096, "read",
                      {.style = hypar::Progress::Style::bar,
                       .unit = hypar::Progress::Unit::bytes,
                       .stream = f,
                       .interval = std::chrono::milliseconds(1)});
    for (int i = 0; i < 4; ++i) {
      p.add(1024);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  const std::string text = contents(f);
  std::fclose(f);
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("100.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("##############################"), std::string::npos) << text;
}

TEST(Progress, NoneDrawsNothingButCounts) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    hypar::Progress p(10, "quiet", {.style = hypar::Progress::Style::none, .stream = f});
    p.add(10);
    EXPECT_EQ(p.position(), 10u);
  }
  EXPECT_TRUE(contents(f).empty());
  std::fclose(f);
}

TEST_P(ProgressTest, WithProgressCountsEveryItemOnce) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "OpenMP regions: libgomp is not instrumented, so TSan cannot see their ordering";
#endif
  {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    const std::size_t n = 123'457;
    std::size_t kept = 0;
    std::uint64_t counted = 0;
    {
      hypar::Progress p(n, "items", {.style = hypar::Progress::Style::lines, .stream = f});
      kept = on_pool([&] {
        return hypar::par_range(std::size_t{0}, n)
            .with_progress(p)
            .filter([](std::size_t i) { return i % 3 == 0; })
            .count();
      });
      counted = p.position();
    }
    EXPECT_EQ(counted, n);
    EXPECT_EQ(kept, (n + 2) / 3);
    std::fclose(f);
  }
}

}  // namespace
