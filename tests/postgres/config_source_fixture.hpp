// config_source_fixture.hpp — an in-memory ConfigSource for tests of query
// definitions: values by key, and the problems recorded against keys.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "config_source.hpp"

namespace pe::postgres::test {

class MapSource final : public ConfigSource {
 public:
  using StringList = std::vector<std::string>;
  using StringTable = std::vector<std::pair<std::string, std::string>>;
  using Value = std::variant<std::string, StringList, StringTable, int64_t, std::chrono::nanoseconds>;

  MapSource& set(const std::string& key, Value v) {
    values_[key] = std::move(v);
    return *this;
  }

  bool has(const char* key) const override { return values_.count(key) > 0; }
  std::optional<std::string> string(const char* key) const override { return get<std::string>(key); }
  std::optional<StringList> string_list(const char* key) const override {
    return get<StringList>(key);
  }
  std::optional<StringTable> string_table(const char* key) const override {
    return get<StringTable>(key);
  }
  std::optional<int64_t> integer(const char* key) const override { return get<int64_t>(key); }
  std::optional<std::chrono::nanoseconds> duration(const char* key) const override {
    return get<std::chrono::nanoseconds>(key);
  }
  void error(const char* key, const std::string& message) const override {
    problems.emplace_back(key ? key : "", message);
  }

  mutable std::vector<std::pair<std::string, std::string>> problems;  // key, message

  bool has_problem(const std::string& key, const std::string& text) const {
    for (const auto& [k, m] : problems)
      if (k == key && m.find(text) != std::string::npos) return true;
    return false;
  }

 private:
  template <class T>
  std::optional<T> get(const char* key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    if (const T* v = std::get_if<T>(&it->second)) return *v;
    error(key, "wrong type");
    return std::nullopt;
  }
  std::map<std::string, Value> values_;
};

}  // namespace pe::postgres::test
