// config_view_source.cpp — lists and tables through pe::ConfigView.
#include "config_view_source.hpp"

namespace pe::postgres {

std::optional<std::vector<std::string>> ConfigViewSource::string_list(const char* key) const {
  ConfigView v = view_.get(key);
  if (!v.present()) return std::nullopt;
  if (v.kind() != PE_CONFIG_ARRAY) {
    v.error("expected an array of strings");
    return std::nullopt;
  }
  return view_.string_array(key);
}

std::optional<std::vector<std::pair<std::string, std::string>>> ConfigViewSource::string_table(
    const char* key) const {
  ConfigView t = view_.get(key);
  if (!t.present()) return std::nullopt;
  if (t.kind() != PE_CONFIG_TABLE) {
    t.error("expected a table of strings");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& k : t.keys())
    if (auto s = t.get(k.c_str()).as_string()) out.emplace_back(k, *s);
  return out;
}

}  // namespace pe::postgres
