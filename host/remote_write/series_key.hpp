// series_key.hpp — the canonical identity of one series as a byte string:
// its labels (the metric name as __name__ included) sorted by name, each as
// name NUL value NUL. The sender dedupes, tracks staleness and encodes from
// these keys; the encoder splits them back into labels.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::host::remote_write {

using LabelPair = std::pair<std::string_view, std::string_view>;

// Builds the key of `labels` into `out` (cleared first). Sorts `labels`.
inline void make_series_key(std::vector<LabelPair>& labels, std::string& out) {
  std::sort(labels.begin(), labels.end());
  out.clear();
  for (const auto& [name, value] : labels) {
    out.append(name);
    out.push_back('\0');
    out.append(value);
    out.push_back('\0');
  }
}

// Calls f(name, value) for each label of a key, in order.
template <typename F>
void for_each_label(std::string_view key, F&& f) {
  std::size_t pos = 0;
  while (pos < key.size()) {
    std::size_t n_end = key.find('\0', pos);
    if (n_end == std::string_view::npos) return;
    std::size_t v_end = key.find('\0', n_end + 1);
    if (v_end == std::string_view::npos) return;
    f(key.substr(pos, n_end - pos), key.substr(n_end + 1, v_end - n_end - 1));
    pos = v_end + 1;
  }
}

}  // namespace pe::host::remote_write
