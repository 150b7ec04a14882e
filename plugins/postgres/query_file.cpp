// query_file.cpp — reading shared query files with toml++ (the parser the
// host uses for the main configuration), errors with file:line:column.
#include "query_file.hpp"

#include <toml++/toml.h>

#include <algorithm>

#include "config_source.hpp"
#include "plugin_exporter/duration.hpp"

namespace pe::postgres {
namespace {

std::string position(const std::string& path, const toml::source_region& where) {
  return path + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
}

std::string position(const std::string& path, const toml::node* node) {
  return node ? position(path, node->source()) : path;
}

class TomlSource final : public ConfigSource {
 public:
  TomlSource(const toml::table& table, std::string file, std::string path,
             std::vector<std::string>& errors)
      : t_(table), file_(std::move(file)), path_(std::move(path)), errors_(errors) {}

  bool has(const char* key) const override { return t_.contains(key); }

  std::optional<std::string> string(const char* key) const override {
    const toml::node* n = t_.get(key);
    if (!n) return std::nullopt;
    if (auto s = n->value<std::string>(); s && n->is_string()) return *s;
    error(key, "expected a string");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> string_list(const char* key) const override {
    const toml::node* n = t_.get(key);
    if (!n) return std::nullopt;
    const toml::array* a = n->as_array();
    if (!a) {
      error(key, "expected an array of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const toml::node& e : *a) {
      if (!e.is_string()) {
        error(key, "expected an array of strings");
        return std::nullopt;
      }
      out.push_back(*e.value<std::string>());
    }
    return out;
  }

  std::optional<std::vector<std::pair<std::string, std::string>>> string_table(
      const char* key) const override {
    const toml::node* n = t_.get(key);
    if (!n) return std::nullopt;
    const toml::table* t = n->as_table();
    if (!t) {
      error(key, "expected a table of strings");
      return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : *t) {
      if (!v.is_string()) {
        error(key, "expected a table of strings (\"" + std::string(k.str()) + "\" is not one)");
        return std::nullopt;
      }
      out.emplace_back(std::string(k.str()), *v.value<std::string>());
    }
    // toml++ tables are ordered by key; keep the order the file used.
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
      auto pa = t->get(a.first)->source().begin, pb = t->get(b.first)->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    return out;
  }

  std::optional<int64_t> integer(const char* key) const override {
    const toml::node* n = t_.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      error(key, "expected an integer");
      return std::nullopt;
    }
    return *n->value<int64_t>();
  }

  std::optional<std::chrono::nanoseconds> duration(const char* key) const override {
    auto s = string(key);
    if (!s) return std::nullopt;
    auto d = pe::parse_duration(*s);
    if (!d) error(key, "\"" + *s + "\" is not a duration (e.g. \"500ms\", \"30s\", \"1m30s\")");
    return d;
  }

  void error(const char* key, const std::string& message) const override {
    const toml::node* n = key ? t_.get(key) : nullptr;
    errors_.push_back(position(file_, n ? n : &t_) + ": " + path_ +
                      (key ? std::string(".") + key : "") + ": " + message);
  }

 private:
  const toml::table& t_;
  std::string file_;
  std::string path_;
  std::vector<std::string>& errors_;
};

}  // namespace

std::vector<LoadedQuery> read_query_file(const std::string& path, const QueryDefaults& defaults,
                                         std::vector<std::string>& errors) {
  std::vector<LoadedQuery> out;
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    if (b.line == 0) {
      errors.push_back("cannot read query file \"" + path + "\": " + std::string(e.description()));
    } else {
      errors.push_back(path + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                       std::string(e.description()));
    }
    return out;
  }
  for (const auto& [k, v] : doc)
    if (k.str() != "query")
      errors.push_back(position(path, k.source()) + ": unknown key \"" + std::string(k.str()) +
                       "\" (a query file holds [[query]] tables)");
  const toml::node* queries = doc.get("query");
  if (!queries) return out;
  const toml::array* arr = queries->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    errors.push_back(position(path, queries) +
                     ": \"query\" must be an array of tables ([[query]])");
    return out;
  }
  const auto& known = custom_query_keys();
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *arr->get(i)->as_table();
    std::string where = "query[" + std::to_string(i) + "]";
    std::size_t before = errors.size();
    for (const auto& [k, v] : t)
      if (std::find(known.begin(), known.end(), std::string(k.str())) == known.end())
        errors.push_back(position(path, k.source()) + ": " + where + ": unknown key \"" +
                         std::string(k.str()) + "\"");
    TomlSource src(t, path, where, errors);
    auto q = read_custom_query(src, defaults);
    if (q && errors.size() == before)
      out.push_back(LoadedQuery{std::move(*q), position(path, &t) + ": " + where});
  }
  return out;
}

}  // namespace pe::postgres
