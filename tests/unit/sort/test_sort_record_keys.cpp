// Sorts of records by byte-string keys of 4 to 20 bytes of std::uint8_t / unsigned char /
// std::byte, in records of 16 to 100 bytes (the direct and the entries layouts of
// sort/detail/byte_key.hpp, and the sample sort's indirect leaves), against std::stable_sort in
// memcmp order (see sort_records_support.hpp). 1 to 4 threads (1 and 3 under the sanitizers).
#include "sort_records_support.hpp"

namespace {

// The 100-byte records with other keys than Rec100x10's run the key sorts only (Sorts::kKeyed:
// the comparator sorts see a 100-byte element as for Rec100x10, checked in test_sort_records).
TEST_P(SortRecordsTest, Records100WithOtherKeyLengths) {
  // 8: the first word holds the key; 16: the two words do; 20: a tail compared with memcmp.
  on_pool([] {
    check_every_shape<Rec<std::uint8_t, 4, 100>, Sorts::kKeyed>(120000);
    check_every_shape<Rec<std::uint8_t, 8, 100>, Sorts::kKeyed>(120000);
    check_every_shape<Rec<std::uint8_t, 16, 100>, Sorts::kKeyed>(120000);
    check_every_shape<Rec<std::uint8_t, 20, 100>, Sorts::kKeyed>(120000);
  });
}

TEST_P(SortRecordsTest, Records100WithOtherByteTypes) {
  // unsigned char is std::uint8_t here, so it gets the lengths around the entry layouts' border
  // (12 bytes: the last with the index packed into the second word, 13: the first without).
  on_pool([] {
    check_every_shape<Rec<unsigned char, 12, 100>, Sorts::kKeyed>(120000);
    check_every_shape<Rec<unsigned char, 13, 100>, Sorts::kKeyed>(120000);
    check_every_shape<Rec<std::byte, 10, 100>, Sorts::kKeyed>(120000);
    check_every_shape<Rec<std::byte, 20, 100>, Sorts::kKeyed>(120000);
  });
}

TEST_P(SortRecordsTest, SmallAndLineSizedRecords) {
  // Small records take the direct radix path (the elements sorted by the key words), 64-byte ones
  // the entries path and, with a comparator, the smallest elements with indirect leaves.
  on_pool([] {
    check_every_shape<Rec<std::uint8_t, 10, 16>>(120000);
    check_every_shape<Rec<std::byte, 20, 24>>(120000);
    check_every_shape<Rec<std::uint8_t, 10, 64>>(120000);
  });
}
}  // namespace
