// config_document.hpp — a parsed TOML configuration file read strictly: each
// read marks its key as used; wrong types, bad durations, missing required
// keys and, at the end, keys nobody read become located ConfigErrors. The
// host's own sections and every plugin's table are read through the same
// document, so both get the same error messages. Also resolves secrets given
// inline, as a file, or as an environment variable, and remembers them for
// redaction.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/config_error.hpp"

namespace pe::host {
class ConfigDocument;
}

// The C ABI's opaque config node: one TOML node with its key path.
struct pe_config {
  pe::host::ConfigDocument* doc;
  const toml::node* node;
  std::string path;
};

namespace pe::host {

class TableView;

class ConfigDocument {
 public:
  ConfigDocument(std::string file, std::shared_ptr<const toml::table> root);
  ConfigDocument(const ConfigDocument&) = delete;
  ConfigDocument& operator=(const ConfigDocument&) = delete;

  const std::string& file() const noexcept { return file_; }
  const toml::table& root() const noexcept { return *root_; }
  TableView root_view();

  // Errors --------------------------------------------------------------
  void error(const toml::node* at, const std::string& path, const std::string& message);
  // A problem with a command-line flag's value (no file position).
  void flag_error(const std::string& flag, const std::string& message);
  const ConfigErrors& errors() const noexcept { return errors_; }
  // The errors in file order (line, then column; unlocated ones last).
  // Errors by position; `from`: only those recorded after the first `from`.
  ConfigErrors sorted_errors(std::size_t from = 0) const;
  bool ok() const noexcept { return errors_.empty(); }

  // Reading primitives (record type errors themselves) -------------------
  // The child of `table` at `key`, marked used; null when absent.
  const toml::node* child(const toml::table& table, std::string_view key);
  void mark_used(const toml::node* node) { used_.insert(node); }
  std::optional<std::string> read_string(const toml::node& n, const std::string& path);
  std::optional<int64_t> read_int(const toml::node& n, const std::string& path);
  std::optional<double> read_double(const toml::node& n, const std::string& path);
  std::optional<bool> read_bool(const toml::node& n, const std::string& path);
  std::optional<std::chrono::nanoseconds> read_duration(const toml::node& n,
                                                        const std::string& path);
  // A secret under `key` given as `key`, `key_file` or `key_env` (one of them).
  // Returns nullopt when none is given (found=false) or on error (recorded).
  std::optional<std::string> read_secret(const toml::table& table, const std::string& table_path,
                                         std::string_view key, bool& found);

  // Reports every key below `table` that was never read as "unknown key",
  // skipping tables deferred to a later check (plugin tables).
  void report_unused(const toml::table& table, const std::string& path);
  void defer_unused_check(const toml::table* table) { deferred_.insert(table); }

  // The C ABI handle for a node (stable for the document's lifetime).
  const pe_config* handle(const toml::node* node, const std::string& path);

  // Paths whose values are secrets (inline secrets are redacted in /configz).
  const std::set<std::string>& secret_paths() const noexcept { return secret_paths_; }

  static std::string kind_name(const toml::node& n);
  static std::string child_path(const std::string& parent, std::string_view key);
  static std::string index_path(const std::string& parent, std::size_t index);

 private:
  std::string file_;
  std::shared_ptr<const toml::table> root_;
  ConfigErrors errors_;
  std::unordered_set<const toml::node*> used_;
  std::unordered_set<const toml::node*> deferred_;
  std::deque<pe_config> handles_;
  std::unordered_map<const toml::node*, const pe_config*> handle_index_;
  std::set<std::string> secret_paths_;
};

// Strict typed access to one table of the document, by key.
class TableView {
 public:
  TableView(ConfigDocument& doc, const toml::table& table, std::string path)
      : doc_(&doc), table_(&table), path_(std::move(path)) {}

  const std::string& path() const noexcept { return path_; }
  const toml::table& table() const noexcept { return *table_; }
  ConfigDocument& doc() const noexcept { return *doc_; }
  std::string path_of(std::string_view key) const { return ConfigDocument::child_path(path_, key); }

  bool has(std::string_view key) const { return table_->contains(key); }
  const toml::node* node(std::string_view key) const { return doc_->child(*table_, key); }

  std::optional<std::string> string(std::string_view key) const;
  std::optional<int64_t> integer(std::string_view key) const;
  std::optional<double> number(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::chrono::nanoseconds> duration(std::string_view key) const;
  // A duration that must be > 0: stored in `out` when valid, else an error at
  // the key (`out` keeps its default).
  void positive_duration(std::string_view key, std::chrono::nanoseconds& out) const;
  std::optional<std::vector<std::string>> string_array(std::string_view key) const;
  // An inline table of string values, in file order ("labels = {a = "b"}").
  std::optional<std::vector<std::pair<std::string, std::string>>> string_map(
      std::string_view key) const;
  std::optional<TableView> subtable(std::string_view key) const;
  // An array of tables ([[key]]); each element as a view.
  std::vector<TableView> table_array(std::string_view key) const;
  std::optional<std::string> secret(std::string_view key, bool& found) const {
    return doc_->read_secret(*table_, path_, key, found);
  }

  // Records "missing required key" unless present.
  bool require(std::string_view key) const;
  void error(std::string_view key, const std::string& message) const;
  void error_here(const std::string& message) const;

 private:
  ConfigDocument* doc_;
  const toml::table* table_;
  std::string path_;
};

}  // namespace pe::host
