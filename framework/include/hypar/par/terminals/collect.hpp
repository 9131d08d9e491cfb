#pragma once
// The reducer of collect() and collect_into(): the items in input order, into a vector.
// The reducer protocol is described in <hypar/par/bridge.hpp>.

#include <cstddef>
#include <hypar/par/bridge.hpp>
#include <utility>
#include <vector>

namespace hypar::detail {

/// collect() of an indexed chain: every leaf writes its items straight into their final slots.
template <class V>
struct CollectIndexedReducer {
  using partial_type = Unit;
  V* out;
  std::size_t base;  // local index of out[0]
  Unit identity() const { return {}; }
  template <class Src>
  Unit leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation&) const {
    for (std::size_t i = lo; i < hi; ++i)
      out[i - base] = static_cast<V>(src.get(i));
    return {};
  }
  Unit combine(Unit, Unit) const { return {}; }
  Unit finish(Unit) const { return {}; }
};

/// collect() of any chain: one vector per leaf, concatenated in order at the end.
template <class V>
struct CollectChunksReducer {
  using partial_type = std::vector<std::vector<V>>;
  partial_type identity() const { return {}; }
  template <class Src>
  partial_type leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation&) const {
    std::vector<V> items;
    if constexpr (Src::indexed)
      items.reserve(hi - lo);
    drive(src, lo, hi, [&](auto&& x) {
      items.emplace_back(std::forward<decltype(x)>(x));
      return true;
    });
    partial_type chunks;
    if (!items.empty())
      chunks.push_back(std::move(items));
    return chunks;
  }
  partial_type combine(partial_type&& a, partial_type&& b) const {
    if (a.empty())
      return std::move(b);
    for (auto& chunk : b)
      a.push_back(std::move(chunk));
    return std::move(a);
  }
  std::vector<V> finish(partial_type&& chunks) const {
    if (chunks.size() == 1)
      return std::move(chunks.front());
    std::size_t total = 0;
    for (const auto& chunk : chunks)
      total += chunk.size();
    std::vector<V> out;
    out.reserve(total);
    for (auto& chunk : chunks) {
      for (auto& v : chunk)
        out.push_back(std::move(v));
    }
    return out;
  }
};

}  // namespace hypar::detail
