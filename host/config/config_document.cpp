// config_document.cpp — strict reading of the TOML configuration.
#include "config/config_document.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "plugin_exporter/duration.hpp"

namespace pe::host {

ConfigDocument::ConfigDocument(std::string file, std::shared_ptr<const toml::table> root)
    : file_(std::move(file)), root_(std::move(root)) {}

TableView ConfigDocument::root_view() {
  return TableView(*this, *root_, "");
}

std::string ConfigDocument::child_path(const std::string& parent, std::string_view key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  std::string k = bare ? std::string(key) : "\"" + std::string(key) + "\"";
  return parent.empty() ? k : parent + "." + k;
}

std::string ConfigDocument::index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string ConfigDocument::kind_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

void ConfigDocument::error(const toml::node* at, const std::string& path,
                           const std::string& message) {
  ConfigError e;
  e.file = file_;
  if (at) {
    e.line = at->source().begin.line;
    e.column = at->source().begin.column;
  }
  e.key_path = path;
  e.message = message;
  errors_.push_back(std::move(e));
}

void ConfigDocument::flag_error(const std::string& flag, const std::string& message) {
  errors_.push_back(ConfigError{"", 0, 0, flag, message});
}

ConfigErrors ConfigDocument::sorted_errors(std::size_t from) const {
  ConfigErrors out(errors_.begin() + static_cast<std::ptrdiff_t>(std::min(from, errors_.size())),
                   errors_.end());
  std::stable_sort(out.begin(), out.end(), [](const ConfigError& a, const ConfigError& b) {
    auto key = [](const ConfigError& e) {
      return std::make_pair(e.line == 0 ? UINT32_MAX : e.line, e.column);
    };
    return key(a) < key(b);
  });
  return out;
}

const toml::node* ConfigDocument::child(const toml::table& table, std::string_view key) {
  const toml::node* n = table.get(key);
  if (n) used_.insert(n);
  return n;
}

std::optional<std::string> ConfigDocument::read_string(const toml::node& n,
                                                       const std::string& path) {
  if (auto s = n.as_string()) return s->get();
  error(&n, path, "expected a string, got " + kind_name(n));
  return std::nullopt;
}

std::optional<int64_t> ConfigDocument::read_int(const toml::node& n, const std::string& path) {
  if (auto i = n.as_integer()) return i->get();
  error(&n, path, "expected an integer, got " + kind_name(n));
  return std::nullopt;
}

std::optional<double> ConfigDocument::read_double(const toml::node& n, const std::string& path) {
  if (auto f = n.as_floating_point()) return f->get();
  if (auto i = n.as_integer()) return static_cast<double>(i->get());
  error(&n, path, "expected a number, got " + kind_name(n));
  return std::nullopt;
}

std::optional<bool> ConfigDocument::read_bool(const toml::node& n, const std::string& path) {
  if (auto b = n.as_boolean()) return b->get();
  error(&n, path, "expected a boolean, got " + kind_name(n));
  return std::nullopt;
}

std::optional<std::chrono::nanoseconds> ConfigDocument::read_duration(const toml::node& n,
                                                                      const std::string& path) {
  auto s = n.as_string();
  if (!s) {
    error(&n, path, "expected a duration string such as \"15s\" or \"1m30s\", got " + kind_name(n));
    return std::nullopt;
  }
  auto d = parse_duration(s->get());
  if (!d) {
    error(&n, path,
          "bad duration \"" + s->get() +
              "\": use a number with a unit (ms, s, m, h, d), e.g. \"1m30s\"");
    return std::nullopt;
  }
  return d;
}

namespace {

bool read_secret_file(const std::string& file, std::string& out, std::string& why) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    why = "cannot read secret file \"" + file + "\": no such file or not accessible";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "secret file \"" + file + "\" is not a regular file";
    return false;
  }
  if (st.st_mode & S_IROTH) {
    why = "secret file \"" + file + "\" is readable by everyone (mode " +
          std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
          std::to_string(st.st_mode & 7) + "); remove world access (chmod o-rwx)";
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    why = "cannot read secret file \"" + file + "\"";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return true;
}

}  // namespace

std::optional<std::string> ConfigDocument::read_secret(const toml::table& table,
                                                       const std::string& table_path,
                                                       std::string_view key, bool& found) {
  std::string k(key);
  const toml::node* inline_node = child(table, k);
  const toml::node* file_node = child(table, k + "_file");
  const toml::node* env_node = child(table, k + "_env");
  int given = (inline_node != nullptr) + (file_node != nullptr) + (env_node != nullptr);
  found = given > 0;
  if (given == 0) return std::nullopt;
  if (given > 1) {
    const toml::node* at = inline_node ? inline_node : file_node;
    error(at, child_path(table_path, k),
          "give the secret one way only: \"" + k + "\", \"" + k + "_file\" or \"" + k + "_env\"");
    return std::nullopt;
  }
  if (inline_node) {
    std::string path = child_path(table_path, k);
    secret_paths_.insert(path);
    return read_string(*inline_node, path);
  }
  if (file_node) {
    std::string path = child_path(table_path, k + "_file");
    auto file = read_string(*file_node, path);
    if (!file) return std::nullopt;
    std::string value, why;
    if (!read_secret_file(*file, value, why)) {
      error(file_node, path, why);
      return std::nullopt;
    }
    return value;
  }
  std::string path = child_path(table_path, k + "_env");
  auto var = read_string(*env_node, path);
  if (!var) return std::nullopt;
  const char* value = std::getenv(var->c_str());
  if (!value) {
    error(env_node, path, "environment variable " + *var + " is not set");
    return std::nullopt;
  }
  return std::string(value);
}

void ConfigDocument::report_unused(const toml::table& table, const std::string& path) {
  for (auto&& [key, value] : table) {
    std::string p = child_path(path, key.str());
    if (!used_.count(&value)) {
      error(&value, p, "unknown key");
      continue;
    }
    if (deferred_.count(&value)) continue;
    if (auto t = value.as_table()) {
      report_unused(*t, p);
    } else if (auto a = value.as_array()) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        if (auto et = a->get(i)->as_table()) report_unused(*et, index_path(p, i));
      }
    }
  }
}

const pe_config* ConfigDocument::handle(const toml::node* node, const std::string& path) {
  if (!node) return nullptr;
  auto it = handle_index_.find(node);
  if (it != handle_index_.end()) return it->second;
  handles_.push_back(pe_config{this, node, path});
  const pe_config* h = &handles_.back();
  handle_index_.emplace(node, h);
  return h;
}

// --- TableView ------------------------------------------------------------

std::optional<std::string> TableView::string(std::string_view key) const {
  const toml::node* n = node(key);
  return n ? doc_->read_string(*n, path_of(key)) : std::nullopt;
}

std::optional<int64_t> TableView::integer(std::string_view key) const {
  const toml::node* n = node(key);
  return n ? doc_->read_int(*n, path_of(key)) : std::nullopt;
}

std::optional<double> TableView::number(std::string_view key) const {
  const toml::node* n = node(key);
  return n ? doc_->read_double(*n, path_of(key)) : std::nullopt;
}

std::optional<bool> TableView::boolean(std::string_view key) const {
  const toml::node* n = node(key);
  return n ? doc_->read_bool(*n, path_of(key)) : std::nullopt;
}

std::optional<std::chrono::nanoseconds> TableView::duration(std::string_view key) const {
  const toml::node* n = node(key);
  return n ? doc_->read_duration(*n, path_of(key)) : std::nullopt;
}

void TableView::positive_duration(std::string_view key, std::chrono::nanoseconds& out) const {
  if (auto v = duration(key)) {
    if (*v <= std::chrono::nanoseconds::zero())
      error(key, "must be positive");
    else
      out = *v;
  }
}

std::optional<std::vector<std::string>> TableView::string_array(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  auto a = n->as_array();
  if (!a) {
    doc_->error(n, path_of(key),
                "expected an array of strings, got " + ConfigDocument::kind_name(*n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node* e = a->get(i);
    doc_->mark_used(e);
    auto s = doc_->read_string(*e, ConfigDocument::index_path(path_of(key), i));
    if (s)
      out.push_back(std::move(*s));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> TableView::string_map(
    std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  auto t = n->as_table();
  if (!t) {
    doc_->error(n, path_of(key),
                "expected a table of strings, got " + ConfigDocument::kind_name(*n));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [k, v] : *t) entries.emplace_back(&k, &v);
  std::sort(entries.begin(), entries.end(),
            [](auto& a, auto& b) { return a.second->source().begin < b.second->source().begin; });
  bool ok = true;
  for (auto& [k, v] : entries) {
    doc_->mark_used(v);
    auto s = doc_->read_string(*v, ConfigDocument::child_path(path_of(key), k->str()));
    if (s)
      out.emplace_back(std::string(k->str()), std::move(*s));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<TableView> TableView::subtable(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  auto t = n->as_table();
  if (!t) {
    doc_->error(n, path_of(key), "expected a table, got " + ConfigDocument::kind_name(*n));
    return std::nullopt;
  }
  return TableView(*doc_, *t, path_of(key));
}

std::vector<TableView> TableView::table_array(std::string_view key) const {
  std::vector<TableView> out;
  const toml::node* n = node(key);
  if (!n) return out;
  auto a = n->as_array();
  if (!a) {
    doc_->error(n, path_of(key),
                "expected an array of tables, got " + ConfigDocument::kind_name(*n));
    return out;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node* e = a->get(i);
    doc_->mark_used(e);
    std::string p = ConfigDocument::index_path(path_of(key), i);
    if (auto t = e->as_table()) {
      out.emplace_back(*doc_, *t, p);
    } else {
      doc_->error(e, p, "expected a table, got " + ConfigDocument::kind_name(*e));
    }
  }
  return out;
}

bool TableView::require(std::string_view key) const {
  if (table_->contains(key)) return true;
  doc_->error(table_, path_of(key), "missing required key");
  return false;
}

void TableView::error(std::string_view key, const std::string& message) const {
  const toml::node* n = table_->get(key);
  doc_->error(n ? n : table_, path_of(key), message);
}

void TableView::error_here(const std::string& message) const {
  doc_->error(table_, path_, message);
}

}  // namespace pe::host
