// Included at the end of the README tour's main(): every result the tour computed, checked
// against a sequential computation. Exits 1 on any mismatch.
{
  std::int64_t squares = 0;
  for (std::int64_t x = 0; x < 1'000'000; ++x)
    squares += x * x;
  check(s == squares, "par_range(...).map(x * x).sum()");

  std::vector<double> chunk_sums;
  for (std::size_t lo = 0; lo < values.size(); lo += 10'000) {
    double c = 0;
    for (std::size_t i = lo; i < std::min(values.size(), lo + 10'000); ++i)
      c += std::sin(values[i]);
    chunk_sums.push_back(c);
  }
  check(sums == chunk_sums, "par_chunks(values, 10'000).map(sin sum).collect()");
  check(total == std::int64_t{999'999} * 1'000'000 / 2, "fold then reduce");

  double plain = 0;
  for (double x : values)
    plain += x;
  check(std::fabs(d - plain) <= 1e-9 * std::fabs(plain), "deterministic().sum() value");
  const double on_one = hypar::ThreadPoolBuilder().num_threads(1).build().install(
      [&] { return hypar::par_iter(values).deterministic().sum(); });
  const double on_three = hypar::ThreadPoolBuilder().num_threads(3).build().install(
      [&] { return hypar::par_iter(values).deterministic().sum(); });
  check(d == on_one && d == on_three, "deterministic().sum() bitwise equal on 1 and 3 threads");

  check(processed.load() == items.size(), "pool.install: every item processed once");
  check(a == 41 && b == "right", "join");
  check(results[0] == 49, "thread_scope borrowing locals");

  std::vector<int> sorted_ints = ints_before;
  std::sort(sorted_ints.begin(), sorted_ints.end());
  check(ints == sorted_ints, "par_sort_unstable");
  std::vector<Rec> sorted_records = records_before;
  std::stable_sort(sorted_records.begin(), sorted_records.end(),
                   [](const Rec& x, const Rec& y) { return x.score > y.score; });
  check(std::equal(records.begin(), records.end(), sorted_records.begin(),
                   [](const Rec& x, const Rec& y) { return x.score == y.score && x.id == y.id; }),
        "par_sort_by three-way, stable");
  std::vector<std::string> sorted_words = words_before;
  std::stable_sort(
      sorted_words.begin(), sorted_words.end(),
      [](const std::string& x, const std::string& y) { return to_lower(x) < to_lower(y); });
  check(words == sorted_words, "par_sort_by_cached_key, stable");

  std::multiset<std::string> sent;
  for (int i = 0; i < 10; ++i)
    sent.insert(std::to_string(i));
  check(consumed == sent, "bounded channel: every item received once");
  check(v == 42, "ArrayQueue push/pop");

  std::vector<int> expected_out;
  for (const auto& line : make_lines())
    expected_out.push_back(score(parse(line)));
  check(out == expected_out, "Pipeline with an ordered last stage");

  check(cache.get("key") == std::optional<int>(1), "ShardedMap::update");
  check(worked.load() == items.size(), "with_progress(...).for_each: every item once");

  double sin_plain = 0;
  for (double x : values)
    sin_plain += std::sin(x);
  check(std::fabs(ss - sin_plain) <= 1e-9 * std::fabs(sin_plain) + 1e-9, "kernels::sin_sum");
  check(stats.lines() == 3 && stats.words() == 6 && stats.bytes() == text.size(),
        "kernels::text_stats (wc -lwc: 3 lines, 6 words)");

  check(global == local * comm.size(), "all_reduce");
  std::uint64_t my_bytes = 0;
  for (const auto& chunk : my_chunks)
    my_bytes += chunk.length;
  std::ifstream readme(HYPAR_TOUR_README, std::ios::binary | std::ios::ate);
  check(comm.all_reduce(my_bytes, std::plus<>{}) == static_cast<std::uint64_t>(readme.tellg()),
        "partition_files covers every byte once");
  check(std::fabs(pi - M_PI) < 1e-5, "dist::par_range pi");

  check(std::is_sorted(my_keys.begin(), my_keys.end()), "dist::par_sort: sorted slice");
  const std::uint64_t held =
      comm.all_reduce(static_cast<std::uint64_t>(my_keys.size()), std::plus<>{});
  check(held == 100'000 * static_cast<std::uint64_t>(comm.size()),
        "dist::par_sort keeps every key");
  const auto firsts = comm.all_gather(my_keys.empty() ? ~std::uint64_t{0} : my_keys.front());
  const auto lasts = comm.all_gather(my_keys.empty() ? std::uint64_t{0} : my_keys.back());
  for (std::size_t r = 1; r < firsts.size(); ++r)
    check(lasts[r - 1] <= firsts[r], "dist::par_sort: slices in rank order");

  const int failures = comm.all_reduce(tour_failures, std::plus<>{});
  if (comm.rank() == 0)
    std::printf("readme tour: %s\n", failures == 0 ? "every result checked" : "FAILED");
  return failures == 0 ? 0 : 1;
}
