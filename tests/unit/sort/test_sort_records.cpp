// Sorts of the Sort Benchmark's 100-byte records with 10-byte keys: the radix path of
// par_sort_by_key / par_sort_by_cached_key (sort/detail/byte_key.hpp) and the indirect leaves of
// the sample sort (par_sort_by with an opaque comparator), against std::stable_sort in memcmp
// order: exact equality (every record carries its input position, so stability shows) for the
// stable sorts, sorted and a permutation for the unstable ones, a permutation of the input after a
// key function or comparator threw (the cached key: the input unchanged). 1 to 4 threads. Other
// key lengths, byte types and record sizes: test_sort_record_keys.cpp.
#include "sort_records_support.hpp"

namespace {

TEST_P(SortRecordsTest, Records100With10ByteKeys) {
  on_pool([] { check_every_shape<Rec100x10, Sorts::kEveryAndThreeWay>(300000); });
}

TEST_P(SortRecordsTest, StreamingGatherSize) {
  // Over 8 MiB of records: the gather writes whole lines with non-temporal stores; stripes that
  // do not start on a line boundary write their first and last records with plain stores.
  on_pool([] {
    for (std::size_t n : {std::size_t{90001}, std::size_t{140000}}) {
      SCOPED_TRACE(n);
      const auto input = make_records<Rec100x10>(n, KeyShape::kUniform, n);
      auto want = input;
      std::stable_sort(want.begin(), want.end(), key_less<Rec100x10>);
      auto got = input;
      hypar::par_sort_by_key(got, [](const Rec100x10& r) { return r.key; });
      EXPECT_TRUE(same(want, got)) << "first difference at " << first_difference(want, got);
    }
  });
}

TEST_P(SortRecordsTest, SignedCharKeysKeepTheirOwnOrder) {
  // std::array<char, N> compares its bytes as char (signed here): not memcmp order, so it must not
  // take the byte-string path. Bytes of 0x80 and above tell the two orders apart.
  on_pool([] {
    using R = Rec<char, 10, 100>;
    for (std::size_t n : {std::size_t{1000}, std::size_t{40000}}) {
      std::mt19937_64 rng(n);
      std::vector<R> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        for (auto& ch : v[i].key)
          ch = static_cast<char>(rng() & 0xFF);
        const auto serial = static_cast<std::uint32_t>(i);
        std::memcpy(v[i].serial.data(), &serial, 4);
        v[i].fill.fill(0);
      }
      const auto less = [](const R& a, const R& b) { return a.key < b.key; };
      auto want = v;
      std::stable_sort(want.begin(), want.end(), less);
      auto got = v;
      hypar::par_sort_by_key(got, [](const R& r) { return r.key; });
      EXPECT_TRUE(same(want, got));
      auto cached = v;
      hypar::par_sort_by_cached_key(cached, [](const R& r) { return r.key; });
      EXPECT_TRUE(same(want, cached));
    }
  });
}

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

/// Key functions and comparators that throw at their `limit`-th call (counted over all threads):
/// the exception reaches the caller and the range holds a permutation of its input (the cached
/// key: the input unchanged); when the limit is not reached the result is the stable one.
template <class R>
void check_throwing(std::size_t n, KeyShape shape) {
  const auto input = make_records<R>(n, shape, n + 11);
  auto want = input;
  std::stable_sort(want.begin(), want.end(), key_less<R>);
  std::mt19937_64 rng(n);
  for (int round = 0; round < 8; ++round) {
    // 0 (the first call), early, middle, late, and past the last call.
    const std::uint64_t span = static_cast<std::uint64_t>(n) * (round < 4 ? 2 : 24) + 1;
    const std::uint64_t limit = round == 0 ? 0 : (round == 7 ? ~std::uint64_t{0} : rng() % span);
    SCOPED_TRACE("round " + std::to_string(round) + " limit " + std::to_string(limit));
    std::atomic<std::uint64_t> calls{0};
    auto tick = [&] {
      if (calls.fetch_add(1, std::memory_order_relaxed) == limit)
        throw Boom();
    };
    auto key = [&](const R& r) {
      tick();
      return r.key;
    };
    auto cmp = [&](const R& x, const R& y) {
      tick();
      return key_less(x, y);
    };
    auto check = [&](const std::vector<R>& got, bool thrown, bool stable, const char* what) {
      EXPECT_EQ(thrown, calls.load() > limit) << what;
      EXPECT_TRUE(is_permutation_of(got, input)) << what;
      if (!thrown && stable) {
        EXPECT_TRUE(same(want, got)) << what;
      }
    };
    auto run = [&](auto sort, bool stable, const char* what) {
      calls = 0;
      auto v = input;
      bool thrown = false;
      try {
        sort(v);
      } catch (const Boom&) {
        thrown = true;
      }
      check(v, thrown, stable, what);
      return std::pair(thrown, v);
    };
    run([&](std::vector<R>& v) { hypar::par_sort_by_key(v, key); }, true, "par_sort_by_key");
    run([&](std::vector<R>& v) { hypar::par_sort_unstable_by_key(v, key); }, false,
        "par_sort_unstable_by_key");
    run([&](std::vector<R>& v) { hypar::par_sort_by(v, cmp); }, true, "par_sort_by");
    run([&](std::vector<R>& v) { hypar::par_sort_unstable_by(v, cmp); }, false,
        "par_sort_unstable_by");
    const auto [thrown, v] = run([&](std::vector<R>& w) { hypar::par_sort_by_cached_key(w, key); },
                                 true, "par_sort_by_cached_key");
    if (thrown) {
      EXPECT_TRUE(same(v, input))
          << "par_sort_by_cached_key moves nothing before every key is known";
    }
  }
}

TEST_P(SortRecordsTest, ThrowingKeyOrComparatorLeavesAPermutation) {
  on_pool([] {
    for (std::size_t n : {std::size_t{100}, std::size_t{10000},
                          kSanitized ? std::size_t{40000} : std::size_t{200000}}) {
      SCOPED_TRACE(n);
      check_throwing<Rec100x10>(n, KeyShape::kUniform);
      check_throwing<Rec100x10>(n, KeyShape::kPrefixAndTies);
      check_throwing<Rec<std::uint8_t, 20, 100>>(n, KeyShape::kPrefixAndTies);
      check_throwing<Rec<std::uint8_t, 10, 16>>(n, KeyShape::kMixed);
    }
  });
}
}  // namespace
