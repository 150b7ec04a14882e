// grouping_key.hpp — a push group's identity: its grouping labels (job plus
// any label/value pairs of the URL), decoded from the path the way
// pushgateway does it ("/job/<job>{/<label>/<value>}", "@base64" after a
// label name — or after "job" — marks a URL-safe base64 value), in label-name
// order, with a canonical byte string used as the store's map key.
//
// The path arrives raw (not percent-decoded): it is split at '/' first and
// each segment is percent-decoded afterwards, so "%2F" inside a value is a
// literal '/' (pushgateway decodes first and would split there).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::push {

struct GroupingKey {
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name; contains "job"
  std::string canonical;  // name \xff value \xff ... (unique per label set)

  const std::string* find(std::string_view name) const;
  std::string job() const;
  // "{instance=\"a\",job=\"x\"}" for messages.
  std::string describe() const;
  // Sorts the labels and computes `canonical`.
  void seal();
};

// Decodes the part of a push URL after ".../metrics": "/job/<job>..." or
// "/job@base64/<job>...". False with a pushgateway-style message in `error`.
bool decode_grouping_path(std::string_view path, GroupingKey& out, std::string& error);

// The path that denotes `key` (for the JSON status and tests): label values
// that contain '/' or are empty use "@base64".
std::string encode_grouping_path(const GroupingKey& key);

}  // namespace pe::push
