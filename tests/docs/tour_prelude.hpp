#pragma once
// The names the README's API tour leaves to the reader (values, items, process, ...), defined so
// that the tour compiles and runs as written; tour_checks.hpp then checks what it computed. Only
// standard headers here: everything of hypar comes from the tour's own #include <hypar/hypar.hpp>.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

std::vector<double> make_values() {
  std::vector<double> v(100'000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = 0.001 * static_cast<double>(i % 6283);
  return v;
}
std::vector<double> values = make_values();

struct Item {
  int id;
};
std::vector<Item> make_items() {
  std::vector<Item> v(5'000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i].id = static_cast<int>(i);
  return v;
}
std::vector<Item> items = make_items();
std::atomic<std::size_t> processed{0};
void process(const Item&) {
  processed.fetch_add(1, std::memory_order_relaxed);
}
std::atomic<std::size_t> worked{0};
void work(const Item& it, std::vector<char>& buffer) {
  buffer[static_cast<std::size_t>(it.id) % buffer.size()] = 1;
  worked.fetch_add(1, std::memory_order_relaxed);
}

int left() {
  return 41;
}
std::string right() {
  return "right";
}
std::vector<int> data{7};
std::vector<int> results(1, 0);

std::uint64_t mix(std::uint64_t z) {
  z = (z + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  return z ^ (z >> 31);
}
std::vector<int> make_ints() {
  std::vector<int> v(200'000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<int>(mix(i) % 100'000) - 50'000;
  return v;
}
std::vector<int> ints = make_ints();
const std::vector<int> ints_before = ints;

struct Rec {
  int score;
  int id;
};
std::vector<Rec> make_records() {
  std::vector<Rec> v(50'000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = {static_cast<int>(mix(i) % 17), static_cast<int>(i)};
  return v;
}
std::vector<Rec> records = make_records();
const std::vector<Rec> records_before = records;

std::string to_lower(const std::string& w) {
  std::string out = w;
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::vector<std::string> make_words() {
  const char* base[] = {"Rayon", "crossbeam", "MPI", "openmp", "Eigen", "boost", "rayon", "mpi"};
  std::vector<std::string> v;
  for (int i = 0; i < 3'000; ++i)
    v.push_back(std::string(base[mix(static_cast<std::uint64_t>(i)) % 8]) + std::to_string(i % 5));
  return v;
}
std::vector<std::string> words = make_words();
const std::vector<std::string> words_before = words;

std::mutex consumed_mutex;
std::multiset<std::string> consumed;
void consume(const std::string& v) {
  std::lock_guard<std::mutex> lock(consumed_mutex);
  consumed.insert(v);
}

std::vector<std::string> make_lines() {
  std::vector<std::string> v;
  for (int i = 0; i < 2'000; ++i)
    v.push_back(std::to_string(i));
  return v;
}
std::vector<std::string> lines = make_lines();
auto parse = [](const std::string& line) { return std::stoi(line); };
auto score = [](int x) { return 3 * x + 1; };

std::string text = "one two  three\nfour\n\nfive six";
double local = 1.5;
std::vector<std::string> paths{HYPAR_TOUR_README};
std::int64_t n = 1'000'000;
std::vector<std::uint64_t> my_keys = [] {
  std::vector<std::uint64_t> v(100'000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = mix(i);
  return v;
}();

int tour_failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "readme tour: wrong result: %s\n", what);
    ++tour_failures;
  }
}

}  // namespace
