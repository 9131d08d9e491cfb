// CachePadded: layout (alignment, size, neighbours on distinct lines) and access.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <hypar/sync/cache_padded.hpp>
#include <string>
#include <vector>

namespace {

template <class T>
void expect_layout() {
  EXPECT_EQ(alignof(hypar::CachePadded<T>) % hypar::false_sharing_distance, 0u);
  EXPECT_EQ(sizeof(hypar::CachePadded<T>) % hypar::false_sharing_distance, 0u);
  EXPECT_GE(sizeof(hypar::CachePadded<T>), sizeof(T));
  hypar::CachePadded<T> array[3];
  for (int i = 0; i < 3; ++i) {
    const auto address = reinterpret_cast<std::uintptr_t>(&array[i].value);
    EXPECT_EQ(address % hypar::false_sharing_distance, 0u) << "element " << i << " starts mid-line";
  }
  // Neighbours never share a line: the distance between their first bytes is whole lines.
  const auto a = reinterpret_cast<std::uintptr_t>(&array[0].value);
  const auto b = reinterpret_cast<std::uintptr_t>(&array[1].value);
  EXPECT_GE(b - a, hypar::false_sharing_distance);
}

TEST(CachePadded, LayoutIsWholeLines) {
  expect_layout<char>();
  expect_layout<std::atomic<std::uint64_t>>();
  expect_layout<std::string>();
  struct Big {
    char bytes[300];
  };
  expect_layout<Big>();
  EXPECT_EQ(sizeof(hypar::CachePadded<Big>), 3 * hypar::false_sharing_distance);
}

TEST(CachePadded, HeapVectorsStayAligned) {
  // C++17 aligned new: a vector of over-aligned elements is aligned too.
  std::vector<hypar::CachePadded<std::atomic<int>>> counters(7);
  for (auto& c : counters) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&c) % hypar::false_sharing_distance, 0u);
    EXPECT_EQ(c->load(), 0);  // value-initialised
  }
}

TEST(CachePadded, AccessorsReachTheValue) {
  hypar::CachePadded<std::string> s("hello");
  EXPECT_EQ(*s, "hello");
  EXPECT_EQ(s->size(), 5u);
  s.get() += " world";
  EXPECT_EQ(s.value, "hello world");
  const auto& c = s;
  EXPECT_EQ(c.get(), "hello world");
  hypar::CachePadded<std::string> copy = s;
  EXPECT_EQ(*copy, "hello world");
  hypar::CachePadded<int> zero;
  EXPECT_EQ(*zero, 0);
}

}  // namespace
